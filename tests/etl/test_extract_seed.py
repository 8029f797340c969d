"""Every figure of the seed reply (shared/corpus, LCQ13 of 2025-03-26), pinned in tests/etl/golden/seed.yaml."""

from __future__ import annotations

import json

import pytest

from etl.corpus import discover, read
from etl.extract import extract
from etl.parse import parse
from schemas.figure import SPEC_FIELDS
from tests.etl.test_extract_golden import load

SEED = load("seed.yaml")
EXPECTED = SEED["figures"]
FIELDS = ("value", "qualifier", "unit", "subject", "as_of", "item")


@pytest.fixture(scope="module")
def seed_doc(seed_path):
    # The shared corpus holds other replies too: pick the seed by name.
    assert seed_path.name == SEED["doc"]
    (source,) = [s for s in discover([seed_path.parent]) if s.path.name == SEED["doc"]]
    return parse(read(source))


@pytest.fixture(scope="module")
def figures(seed_doc):
    return extract(seed_doc)


def reply(figures):
    return [f for f in figures if f.part == "reply"]


def test_every_reply_figure_is_found_in_order(figures):
    assert [f.text for f in reply(figures)] == [e["text"] for e in EXPECTED]


@pytest.mark.parametrize(
    "expected",
    [
        pytest.param(e, id=e["text"][:30], marks=[pytest.mark.xfail(strict=True, reason=e["xfail"])])
        if e.get("xfail")
        else pytest.param(e, id=e["text"][:30])
        for e in EXPECTED
    ],
)
def test_each_reply_figure_has_its_fields(figures, expected):
    (fig,) = [f for f in reply(figures) if f.text == expected["text"]]
    assert {k: getattr(fig, k) for k in FIELDS} == {k: expected[k] for k in FIELDS}


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
