"""Every figure of the seed reply (shared/corpus, LCQ13 of 2025-03-26), pinned."""

from __future__ import annotations

import json

import pytest

from etl.corpus import discover, read
from etl.extract import extract
from etl.parse import parse
from schemas.figure import SPEC_FIELDS

ITIF = "Innovation and Technology Industry-Oriented Fund"
DPO = "Digital Policy Office"
FY = "2024-04-01/2025-03-31"
DAY = "2025-03-26"
BRANCH = "Hong Kong Science Park Shenzhen Branch"

# text, value, qualifier, unit, subject, as_of, item
EXPECTED = [
    ("\\$10 billion", 10_000_000_000, "exact", "HKD", ITIF, DAY, 1),
    ("five thematic areas", 5, "exact", "thematic area", ITIF, DAY, 1),
    ("one or more sub-fund(s)", 1, "at_least", "sub-fund", ITIF, DAY, 1),
    ("up to 12 years", 12, "up_to", "year", ITIF, DAY, 1),
    ("about 1 480 items", 1480, "about", "item", None, "2024-06-30", 2),
    ("over 3 800", 3800, "over", "form", None, "2024-06-30", 2),
    ("no more than once", 1, "up_to", "time", None, DAY, 2),
    ("47 B/Ds", 47, "exact", "bureau/department", DPO, FY, 2),
    ("some 180 business facilitation and streamlining measures", 180, "about", "measure", DPO, FY, 2),
    ("about 400 licences", 400, "about", "licence", DPO, FY, 2),
    (
        "over a hundred of digital government and smart city initiatives",
        100,
        "over",
        "initiative",
        None,
        DAY,
        2,
    ),
    ("over 5 500 datasets", 5500, "over", "dataset", "Open Data Portal", DAY, 3),
    (
        "over 1 000 spatial datasets",
        1000,
        "over",
        "spatial dataset",
        "Common Spatial Data Infrastructure",
        DAY,
        3,
    ),
    ("two platforms", 2, "exact", "platform", "Common Spatial Data Infrastructure", DAY, 3),
    (
        "two I&T flagships",
        2,
        "exact",
        "flagship",
        "Hong Kong Science and Technology Parks Corporation",
        DAY,
        4,
    ),
    ("two enterprises", 2, "exact", "enterprise", "Cyberport", DAY, 4),
    ("one", 1, "exact", "enterprise", "Cyberport", DAY, 4),
    ("about 10 Cyberport enterprises", 10, "about", "enterprise", "Cyberport", DAY, 4),
    ("nearly half of them", 50, "nearly", "percent", "Cyberport", DAY, 4),
    ("a total of 58 enterprises", 58, "exact", "enterprise", BRANCH, "2024-12-31", 4),
    ("approximately 40 of them", 40, "about", "enterprise", BRANCH, "2024-12-31", 4),
]


@pytest.fixture(scope="module")
def seed_doc(seed_path):
    # The shared corpus holds other replies too: pick the seed by name.
    (source,) = [s for s in discover([seed_path.parent]) if s.path.name == seed_path.name]
    return parse(read(source))


@pytest.fixture(scope="module")
def figures(seed_doc):
    return extract(seed_doc)


def reply(figures):
    return [f for f in figures if f.part == "reply"]


def test_every_reply_figure_is_found_in_order(figures):
    assert [f.text for f in reply(figures)] == [e[0] for e in EXPECTED]


@pytest.mark.parametrize("expected", EXPECTED, ids=[e[0][:30] for e in EXPECTED])
def test_each_reply_figure_has_its_fields(figures, expected):
    text, value, qualifier, unit, subject, as_of, item = expected
    (fig,) = [f for f in reply(figures) if f.text == text]
    assert (fig.value, fig.qualifier, fig.unit, fig.subject, fig.as_of, fig.item) == (
        value,
        qualifier,
        unit,
        subject,
        as_of,
        item,
    )


def test_offsets_index_the_original_text(seed_doc, figures):
    for f in figures:
        assert seed_doc.raw.text[f.start : f.end] == f.text


def test_question_figures_are_never_reply_figures(seed_doc, figures):
    q = seed_doc.question
    assert q is not None
    for f in figures:
        inside_question = q.start <= f.start < q.end
        assert (f.part == "question") == inside_question
    assert [f.text for f in figures if f.part == "question"] == ["two of its neighbouring cities"]


def test_years_dates_and_item_numbers_are_not_figures(figures):
    texts = " | ".join(f.text for f in figures)
    for not_a_figure in ("2025", "2024", "2023", "2021", "26", "(1)", "(3)", "13", "2025-26"):
        assert all(f.text != not_a_figure for f in figures), not_a_figure
    assert "Budget" not in texts


def test_sentences_are_collapsed_visible_text(figures):
    (fig,) = [f for f in figures if f.text == "about 1 480 items"]
    assert fig.sentence.startswith("In respect of promoting e-government services, all licences")
    assert "\n" not in fig.sentence and "  " not in fig.sentence
    assert "(about 1 480 items in total) and forms (over 3 800)" in fig.sentence


def test_jsonl_has_exactly_the_spec_fields(figures):
    record = json.loads(figures[1].jsonl())
    assert list(record) == list(SPEC_FIELDS)
    assert record["value"] == 10_000_000_000 and isinstance(record["value"], int)
