"""dashboard/formatting.py and the plural labels: numbers, dates and counts as each language writes them."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dashboard import formatting, i18n


@pytest.mark.parametrize(
    ("value", "qualifier", "unit", "compact", "want"),
    [
        (5500, "over", "dataset", False, "5,500+"),
        (1480, "about", "item", False, "≈1,480"),
        (12, "up_to", "year", False, "≤12"),
        (4000, "nearly", "dataset", False, "≈<4,000"),  # just short of 4,000: not "under" it
        (4000, "under", "dataset", False, "<4,000"),
        (58, "exact", "enterprise", False, "58"),
        (0.93, "exact", "percent", False, "0.93%"),
        (1234.5, "exact", None, False, "1,234.5"),
        (2.0, "exact", None, False, "2"),
        (1234.567, "exact", None, False, "1,234.57"),
        (5500, "over", "dataset", True, "5,500+"),  # a card shortens only millions and more
        # CLDR's short forms (the hand-written rule wrote "HK$10 bn", "3.8 m").
        (10_000_000_000, "exact", "HKD", True, "HK$10B"),
        (96_000_000, "about", "HKD", True, "≈HK$96M"),
        (3_800_000, "over", "user", True, "3.8M+"),
    ],
)
def test_label_keeps_the_qualifier_visible(value, qualifier, unit, compact, want):
    assert formatting.label(value, qualifier, unit, compact=compact) == want


def test_compact_numbers_in_chinese_use_wan_and_yi():
    assert formatting.number(10_000_000_000, compact=True, lang="zh") == "100億"
    # CLDR writes a compact number without grouping (the old rule wrote "9,600萬").
    assert formatting.number(96_000_000, compact=True, lang="zh") == "9600萬"
    assert formatting.number(5_500, compact=True, lang="zh") == "5,500"
    assert formatting.label(123_456_789, "over", "HKD", compact=True, lang="zh") == "HK$1.23億+"


def test_relative_change_rounds_and_uses_a_true_minus_sign():
    assert formatting.change(41, 58) == "+41%"
    assert formatting.change(100, 87.4) == "−13%"
    assert formatting.change(2, 5500) == "×2,750"
    assert formatting.change(0, 5) == ""


def test_dates_in_each_language():
    assert formatting.day(date(2024, 7, 10), "en") == "Jul 10, 2024"
    assert formatting.day(date(2024, 7, 10), "zh") == "2024年7月10日"
    assert formatting.moment(datetime(2026, 12, 1, 19, 57, 30), "en") == "Dec 1, 2026 19:57"


@pytest.mark.parametrize(
    ("as_of", "sentence", "en", "zh"),
    [
        ("2024-04-01/2025-03-31", None, "2024-25", "2024-25年度"),
        ("2021-04-01/2023-03-31", None, "2021-22 to 2022-23", "2021-22至2022-23年度"),
        ("2023-01-01/2023-12-31", None, "2023", "2023年"),
        ("2025-01-01/2025-03-31", None, "Q1 2025", "2025年第一季"),
        ("2025-01-01/2025-06-30", None, "H1 2025", "2025年上半年"),
        ("2024-12-31", None, "Dec 2024", "2024年12月"),
        ("2024-06-30", "as of June 2024", "Jun 2024", "2024年6月"),
        ("2024-06-30", "by mid-2024, the portal", "mid-2024", "2024年年中"),
        ("2024-07-10", None, "Jul 10, 2024", "2024年7月10日"),
        ("2024-09-01/2025-08-31", None, "2024/25 school year", "2024/25學年"),
        ("not a date", None, "not a date", "not a date"),
    ],
)
def test_periods_are_written_as_the_reply_wrote_them(as_of, sentence, en, zh):
    assert formatting.period(as_of, "en", sentence) == en
    assert formatting.period(as_of, "zh", sentence) == zh


def test_last_loaded_is_on_hong_kongs_clock():
    # The database stores UTC without a zone; Hong Kong is eight hours ahead, across midnight here.
    hk = formatting.hong_kong(datetime(2026, 12, 1, 19, 57))
    assert (hk.day, hk.hour, hk.minute) == (2, 3, 57)
    assert formatting.moment(hk, "en") == "Dec 2, 2026 03:57"


def test_plural_categories_come_from_cldr():
    assert [formatting.plural(n, "en") for n in (0, 1, 2, 1.5)] == ["other", "one", "other", "other"]
    assert {formatting.plural(n, "zh") for n in (0, 1, 2)} == {"other"}


def test_one_minute_and_one_document_are_singular():
    """The symptoms: "try again in 1 minutes", "1 documents read", "1 observations"."""
    assert i18n.t("rev.locked", "en", n=1) == "Too many wrong tokens; try again in 1 minute."
    assert i18n.t("rev.locked", "en", n=11) == "Too many wrong tokens; try again in 11 minutes."
    assert i18n.t("rev.locked", "zh", n=1) == "輸入錯誤權杖次數過多；請於 1 分鐘後再試。"
    assert i18n.t("src.intro", "en", n=1).startswith("1 document read.")
    assert i18n.t("src.intro", "en", n=2).startswith("2 documents read.")
    assert i18n.t("count.observations", "en", n=1) == "1 observation"
    assert i18n.t("dat.count", "en", shown=1, n=1) == "Showing 1 of 1 observation."
    assert i18n.t("dat.count", "en", shown=2, n=1234) == "Showing 2 of 1,234 observations."


def test_a_plural_label_needs_a_number():
    with pytest.raises(TypeError, match="rev.locked"):
        i18n.t("rev.locked", "en", n="1")
    with pytest.raises(TypeError, match="rev.locked"):
        i18n.t("rev.locked", "en")


def test_review_list_counts_in_words(tmp_path, sqlite_url):
    """`itdash review list` wrote "1 figure(s)"; one figure awaits review in tests/fixtures/series."""
    import shutil

    from typer.testing import CliRunner

    from etl import pipeline
    from itdash.cli import app
    from tests.conftest import FIXTURES

    folder = tmp_path / "series"
    shutil.copytree(FIXTURES / "series", folder)
    pipeline.run([folder], sqlite_url, curated_dir=folder / "curated")
    out = CliRunner().invoke(app, ["review", "list", "--database", sqlite_url]).stdout
    assert "1 figure awaiting review" in out and "2 observations in conflict" in out
