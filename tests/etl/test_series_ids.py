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


def test_the_figure_before_a_change_written_after_it_is_one_series():
    # The earlier value after the new one: ", up from", ", compared with" (blind sets 3 to 5).
    for body in (
        "At present, 420 self-service kiosks of the Cyberport accept e-payment, up from 150 at end-2023.",
        "The Cyberport had 48 start-up teams in its programme in 2025, compared with 31 in 2024.",
    ):
        got = ids(body)
        assert len(set(got.values())) == 1, got
    # Two counts of different things joined by "from" stay apart.
    got = ids("The Cyberport admitted 48 start-up teams in 2025, from 12 economies.")
    assert len(set(got.values())) == 2, got


def test_a_change_with_the_first_figure_dated_before_the_join_is_one_series():
    # "from about 30 hours in 2024 to under 12 hours in 2026": the first figure's date stands
    # between it and the "to" (blind sets 7 and 8).
    for body in (
        "The Cyberport's average time to approve a grant fell from about 30 days in 2024 to under 12 days in 2026.",
        "The Cyberport's average waiting time fell from about 45 minutes in the third quarter of 2026 to less "
        "than 25 minutes in the fourth quarter of 2026.",
    ):
        got = ids(body)
        assert len(set(got.values())) == 1, got


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
    """Floors under what the rules reach now (coverage 1.000, pairwise P 0.975, R 0.902);
    issue 12 asks for P 0.95 and R 0.90."""
    s = gold_score.series_scores()
    assert s["coverage"] >= 0.98
    assert s["precision"] >= 0.97, gold_score.series_errors()
    assert s["recall"] >= 0.90, gold_score.series_errors()


def test_a_period_dated_count_is_a_flow_of_its_period_kind():
    """QMAS places allotted in a financial year and in a calendar year: two series, though no
    verb of the clause names a flow (the period itself does)."""
    fy = ids("In the 2023-24 financial year, the Quality Migrant Admission Scheme allotted 3 900 places.")
    cy = ids("In 2024, the Quality Migrant Admission Scheme allotted some 3 950 places.")
    assert fy["3 900 places"] != cy["some 3 950 places"]
    assert fy["3 900 places"].endswith("per_fy") and cy["some 3 950 places"].endswith("per_cy")


def test_a_definite_reference_in_a_year_stays_a_level():
    """'the 16 laboratories' in 2024 are the laboratories that exist, not 16 opened in the year."""
    got = ids("In 2024, the 16 laboratories of the Clinical Hub published more than 600 papers.")
    assert not got["16 laboratories"].endswith("per_cy")
    assert got["more than 600 papers"].endswith("per_cy")


def test_since_at_the_end_of_the_sentence_makes_a_total_cumulative():
    a = ids("The Venture Scheme has co-invested HK$395m in 42 local start-ups since 2017.")
    b = ids("Since 2017, the Venture Scheme has co-invested about HK$420 million in 46 local start-ups.")
    assert a["HK$395m"] == b["about HK$420 million"]
    assert a["HK$395m"].endswith("cumulative")


def test_a_hedge_word_is_not_a_sub_population():
    a = ids("Since its establishment, the Venture Scheme has funded over 2 900 projects.")
    b = ids("Since its establishment, the Venture Scheme has funded close to 2 950 projects.")
    assert a["over 2 900 projects"] == b["close to 2 950 projects"]


def test_the_part_of_a_whole_a_back_reference_counts_is_its_own_series():
    got = ids(
        "The Talent Scheme has received about 13 500 applications, of which over 10 500 have been approved."
    )
    assert got["about 13 500 applications"] != got["over 10 500"]
    assert "approved" in got["over 10 500"]


def test_two_bodies_together_are_a_combined_series_of_their_own():
    one = ids("At present, the Hong Kong Science Park houses over 1 200 technology companies.")
    both = ids(
        "At present, Cyberport and the Hong Kong Science Park together house more than 3 500 companies."
    )
    assert one["over 1 200 technology companies"] != both["more than 3 500 companies"]
    assert "cyberport" in both["more than 3 500 companies"]


def test_what_takes_the_time_names_a_duration_series():
    """A kiosk registration taking ten minutes and a licence processing time: two series."""
    a = ids("Registration at a kiosk normally takes no longer than 10 minutes.")
    b = ids("The processing time of licence applications has been shortened to within 10 working days.")
    assert a["no longer than 10 minutes"] != b["within 10 working days"]


def test_a_level_reached_by_a_change_is_no_ceiling():
    """'shortened to within 10 working days' is the same series as 'no more than 10 working days'."""
    a = ids("The processing time of licences has been shortened to within 10 working days.")
    b = ids("The processing time of licences was shortened from about 15 to no more than 10 working days.")
    assert a["within 10 working days"] == b["no more than 10 working days"] == b["about 15"]


def test_a_ceiling_word_makes_a_ceiling_whatever_the_qualifier():
    a = ids(
        "Since April 2024, the funding ceiling for each applicant of the Voucher Scheme has been \\$600,000."
    )
    b = ids("Each applicant of the Voucher Scheme may receive funding of up to \\$600,000.")
    assert a["\\$600,000"] == b["up to \\$600,000"]
    assert "cumulative" not in a["\\$600,000"]


def test_a_share_is_named_by_what_it_is_a_share_of():
    a = ids("The Voucher Scheme funds up to two-thirds of the approved cost of each project.")
    b = ids("The Voucher Scheme funds up to two-thirds of the approved project cost.")
    assert a["up to two-thirds"] == b["up to two-thirds"]


def test_a_cluster_named_with_an_at_sign_is_a_scope_of_its_own():
    """'Health@InnoHK' is a part of InnoHK, never the whole (series.md: a part is never its whole)."""
    whole = ids("At present, InnoHK has 30 research laboratories.")
    part = ids("At present, the 16 laboratories under Health@InnoHK have published 2 400 papers.")
    assert whole["30 research laboratories"] != part["16 laboratories"]


def test_the_fund_refers_back_to_the_last_fund_named():
    got = ids(
        "The Technology Voucher Programme approved 1 200 applications. The Innovation and Technology "
        "Fund approved 1 921 projects in 2023-24. For 2025-26, the Fund aims to approve about 2 000 projects."
    )
    assert got["about 2 000 projects"].startswith("innovation_and_technology_fund.")


def test_a_sub_population_word_belongs_to_its_own_part_of_the_clause():
    got = ids("Among them, over 300 were Web3 companies, some 420 were AI-related companies.")
    assert "web3" not in got["some 420"] and "ai" in got["some 420"]


def test_a_territory_measure_is_hong_kongs_when_no_body_is_named():
    got = ids(
        "The Innovation and Technology Fund approved 1 921 projects. In 2022, the GERD was about "
        "HK$30.3 billion, equivalent to 1.07 per cent of GDP."
    )
    assert got["about HK$30.3 billion"].startswith("hong_kong.gerd")
    assert got["1.07 per cent"].startswith("hong_kong.gdp")


def test_such_carries_the_kind_counted_before():
    got = ids(
        "By mid-2024, the Office had set up 135 self-registration kiosks. The Office now operates 152 such kiosks."
    )
    assert got["135 self-registration kiosks"] == got["152 such kiosks"]


def test_fitted_with_5g_is_a_sub_population():
    got = ids(
        "About 520 smart lampposts have been installed. Of these, some 140 have been fitted with 5G equipment."
    )
    assert got["About 520 smart lampposts"] != got["some 140"] and "5g" in got["some 140"]


def test_an_amount_of_something_stops_before_its_date():
    """'HK$25 billion of venture capital last year' is venture capital, not 'year'."""
    a = ids("Local start-ups raised an estimated HK$25 billion of venture capital last year.")
    b = ids("In 2024, local start-ups raised about HK$27 billion of venture capital.")
    assert a["an estimated HK$25 billion"] == b["about HK$27 billion"]
    assert ".capital." in a["an estimated HK$25 billion"]
