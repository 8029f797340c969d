"""Series ids (shared/spec/series.md): when two figures are one line, on replies of our own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from etl import series
from etl.corpus import RawDocument, Source
from etl.extract import extract
from etl.parse import parse
from etl.score import score
from tests.conftest import FIXTURES

FRAME = """LCQ3: Figures

Following is a question by the Hon Jane Doe and a written reply by the Secretary for Innovation, Technology and Industry, Professor Sun Dong, in the Legislative Council today ({day:%B} {day.day}):

Question:

(1) how many?

Reply:

President,

(1) {body}
"""


def ids(body: str, day: date = date(2025, 3, 26)) -> dict[str, str]:
    """Each reply figure's text -> its series id."""
    raw = RawDocument(
        Source(Path("x.txt"), "x.txt", None, day), FRAME.format(body=body, day=day), "0" * 64, "utf-8"
    )
    doc = parse(raw)
    figures = [f for f in extract(doc)]
    series.assign(figures, doc.date, doc.lang)
    return {f.text: f.series for f in figures if f.part == "reply"}


def test_every_figure_gets_a_series_and_a_label():
    raw = RawDocument(
        Source(Path("x.txt"), "x.txt", None, date(2025, 3, 26)),
        FRAME.format(
            body="As at end-2024, the Open Data Portal had over 5 500 datasets.", day=date(2025, 3, 26)
        ),
        "0" * 64,
        "utf-8",
    )
    doc = parse(raw)
    figures = extract(doc)
    series.assign(figures, doc.date, doc.lang)
    (f,) = [f for f in figures if f.part == "reply"]
    assert f.series and f.series_label and "Open Data Portal" in f.series_label
    assert '"series"' in f.jsonl() and '"series_label"' in f.jsonl()


def test_the_same_figure_restated_in_another_reply_and_other_words_is_one_series():
    a = ids("As at the end of 2023, the Open Data Portal had over 5 000 datasets.", date(2024, 3, 6))
    b = ids("As of December 2024, DATA.GOV.HK provided about 5 600 datasets.", date(2025, 2, 5))
    assert a["over 5 000 datasets"] == b["about 5 600 datasets"]


def test_a_sub_population_is_its_own_series():
    got = ids("Cyberport has over 2 000 companies. Among them, more than 280 are Web3 companies.")
    assert got["over 2 000 companies"] != got["more than 280"]


def test_new_datasets_are_not_the_total():
    got = ids("In 2024, the Open Data Portal released 700 new datasets. It now has over 5 600 datasets.")
    assert got["700 new datasets"] != got["over 5 600 datasets"]


def test_a_target_is_never_its_actual():
    got = ids("The Open Data Portal has 5 600 datasets. The Portal aims to reach 6 000 datasets by 2027.")
    assert got["5 600 datasets"] != got["6 000 datasets"]
    assert got["6 000 datasets"].endswith("target")


def test_both_ends_of_a_range_and_a_change_are_one_series():
    got = ids("The Park will provide between 200 and 300 laboratories.")
    assert len(set(got.values())) == 1, got
    change = ids("The processing time was cut from about 60 to no more than 20 working days.")
    assert len(set(change.values())) == 1, change


def test_a_renamed_office_is_one_scope():
    a = ids("The Office of the Government Chief Information Officer set up 132 kiosks.", date(2024, 5, 15))
    b = ids("The Digital Policy Office set up 150 kiosks.", date(2025, 6, 25))
    assert a["132 kiosks"] == b["150 kiosks"]


def test_money_in_two_currencies_and_a_count_are_three_series():
    got = ids("The Fund invested HK$200 million and US$30 million in 12 companies.")
    assert len(set(got.values())) == 3, got


def test_a_flow_over_a_financial_year_is_not_one_over_a_calendar_year():
    a = ids("In 2023-24, the Fund approved 1 900 projects.")
    b = ids("In 2023, the Fund approved 1 800 projects.")
    assert a["1 900 projects"] != b["1 800 projects"]


def test_the_same_kind_of_unit_written_differently_is_one_series():
    a = ids("Each quota is valid for up to 24 months under the Scheme.")
    b = ids("Each quota is valid for no longer than two years under the Scheme.")
    assert a["up to 24 months"] == b["no longer than two years"]


def test_two_different_counts_stated_for_one_day_are_not_merged():
    got = ids("As at end-2024, 74 B/Ds had moved to the cloud and 58 B/Ds had set plans.")
    assert got["74 B/Ds"] != got["58 B/Ds"]


@pytest.fixture(scope="module")
def gold_score():
    gold = FIXTURES / "gold"
    return score(gold / "gold.jsonl", gold / "replies")


def test_series_scores_on_the_gold_set_hold_their_floors(gold_score):
    """Floors under what the rules reach now (coverage 1.000, pairwise P 0.888, R 0.780);
    issue 12 asks for P 0.95 and R 0.90, which they do not yet reach."""
    s = gold_score.series_scores()
    assert s["coverage"] >= 0.98
    assert s["precision"] >= 0.88, gold_score.series_errors()
    assert s["recall"] >= 0.77, gold_score.series_errors()
