"""figures.py and highlight.py with a few rows each: no browser, no database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from dashboard import figures, highlight
from schemas.registry import Event

ROOT = Path(__file__).resolve().parents[2]


def _obs(*rows: tuple) -> pd.DataFrame:
    """Observations from (as_of, value, qualifier[, preferred[, conflict]]) tuples."""
    out = []
    for k, row in enumerate(rows):
        as_of, value, qualifier, *rest = row
        start, _, end = as_of.partition("/")
        out.append(
            {
                "id": f"o{k}",
                "indicator": "x",
                "as_of": as_of,
                "value": value,
                "qualifier": qualifier,
                "unit": "dataset",
                "source_kind": "reply",
                "source_url": None,
                "published": date(2025, 3, 26),
                "sentence": f"The portal had {qualifier} {value} datasets <b>now</b>.",
                "status": "auto",
                "period_start": date.fromisoformat(start),
                "period_end": date.fromisoformat(end or start),
                "preferred": rest[0] if rest else True,
                "conflict": rest[1] if len(rest) > 1 else False,
            }
        )
    return pd.DataFrame(out)


def _trace(fig, name_part: str):
    hits = [tr for tr in fig.data if tr.name and name_part in tr.name]
    assert hits, [tr.name for tr in fig.data]
    return hits[0]


def test_each_qualifier_is_drawn_as_what_it_promises():
    obs = _obs(
        ("2023-12-31", 5000, "over"),
        ("2024-06-30", 5200, "about"),
        ("2024-09-30", 5300, "nearly"),
        ("2025-03-26", 5500, "exact"),
    )
    fig = figures.series_figure(obs, "Datasets", "dataset")
    assert _trace(fig, "lower bound").marker.symbol == "triangle-up-open"
    assert _trace(fig, "upper bound").marker.symbol == "triangle-down-open"
    approx = _trace(fig, "approximate")
    assert approx.error_y.visible and list(approx.error_y.array) == [5200 * figures.APPROX]
    assert _trace(fig, "exact").marker.symbol == "circle"
    # One text label per point, in time order, qualifiers visible.
    text = next(tr for tr in fig.data if tr.mode == "text")
    assert list(text.text) == ["5,000+", "≈5,200", "≈<5,300", "5,500"]


def test_a_period_is_a_horizontal_span_and_its_marker_sits_in_the_middle():
    obs = _obs(("2024-04-01/2025-03-31", 180, "about"))
    fig = figures.series_figure(obs, "Measures", "measure")
    span = _trace(fig, "period covered")
    assert list(span.x[:2]) == [pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-31")]
    assert list(span.y[:2]) == [180, 180]
    assert pd.Timestamp(_trace(fig, "approximate").x[0]) == pd.Timestamp("2024-09-30")


def test_hover_gives_the_source_sentence_escaped():
    fig = figures.series_figure(_obs(("2025-03-26", 5500, "over")), "Datasets", "dataset")
    hover = _trace(fig, "lower bound").hovertext[0]
    assert "The portal had over 5500 datasets &lt;b&gt;now&lt;/b&gt;." in hover.replace("<br>", " ")
    assert "<b>5,500+</b>" in hover


def test_superseded_values_are_grey_and_unlabelled():
    obs = _obs(("2023-12-31", 5000, "over"), ("2023-12-31", 5320, "exact", False))
    fig = figures.series_figure(obs, "Datasets", "dataset")
    assert _trace(fig, "not shown").marker.color == figures.GREY
    text = next(tr for tr in fig.data if tr.mode == "text")
    assert list(text.text) == ["5,000+"]


def test_close_labels_do_not_overprint():
    obs = _obs(("2015-03-18", 3000, "over"), ("2015-03-31", 3000, "about"), ("2025-03-26", 5500, "over"))
    assert list(figures.labelled(obs)["as_of"]) == ["2015-03-31", "2025-03-26"]


def test_events_near_the_series_are_numbered_lines_and_log_scale_is_a_choice():
    events = [
        Event(
            date="2024-01-15", indicators=["x"], label_en="Launch", label_zh="推出", source_url="https://a"
        ),
        Event(date="2010-01-01", indicators=["x"], label_en="Long ago", label_zh="很久以前"),
        Event(date="2024-02-01", indicators=["y"], label_en="Other", label_zh="其他"),
    ]
    obs = _obs(("2023-12-31", 5000, "over"), ("2025-03-26", 5500, "over"))
    near = figures.events_for(events, "x", obs, "zh")
    assert near == [(date(2024, 1, 15), "推出", "https://a")]
    fig = figures.series_figure(obs, "D", "dataset", [(d, x) for d, x, _ in near], scale="log")
    assert [a.text for a in fig.layout.annotations] == ["1"]
    assert fig.layout.annotations[0].hovertext == "推出"
    assert fig.layout.yaxis.type == "log"
    assert figures.series_figure(obs, "D", "dataset").layout.yaxis.type == "linear"


def test_an_empty_series_says_so():
    fig = figures.series_figure(_obs(), "D", "dataset")
    assert fig.layout.annotations[0].text == "No observations yet"


def test_sparkline_has_no_axes_and_one_point_per_preferred_observation():
    obs = _obs(
        ("2023-12-31", 5000, "over"), ("2023-12-31", 5320, "exact", False), ("2025-03-26", 5500, "over")
    )
    fig = go.Figure(figures.sparkline(obs))  # plotly validates the plain dictionary
    assert len(fig.data) == 1 and list(fig.data[0].y) == [5000, 5500]
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.data[0].marker.symbol == ("triangle-up-open", "triangle-up-open")


def test_change_since_the_previous_observation():
    obs = _obs(("2023-12-31", 5000, "exact"), ("2025-03-26", 5500, "exact"))
    assert figures.change_text(obs, "dataset") == "▲ +500 (+10%) since Dec 2023 (5,000)"
    down = _obs(("2023-12-31", 60, "exact"), ("2025-03-26", 58, "exact"))
    assert figures.change_text(down, "enterprise") == "▼ −2 (−3%) since Dec 2023 (60)"
    assert figures.change_text(_obs(("2025-03-26", 5500, "over")), "dataset") == "Only one date so far"
    # From a tiny start a percentage means little; a multiple reads at a glance.
    tiny = _obs(("2011-12-31", 2, "exact"), ("2025-03-26", 5500, "exact"))
    assert figures.change_text(tiny, "dataset") == "▲ +5,498 (×2,750) since Dec 2011 (2)"
    nine = _obs(("2011-12-31", 100, "exact"), ("2025-03-26", 990, "exact"))
    assert figures.change_text(nine, "dataset") == "▲ +890 (+890%) since Dec 2011 (100)"


def test_a_change_says_only_what_the_qualifiers_allow():
    hedged = _obs(("2019-01-03", 3300, "about"), ("2025-03-26", 5500, "over"))
    text = figures.change_text(hedged, "dataset")
    assert text == "▲ from about 3,300 (Jan 3, 2019) to over 5,500"
    assert "+2,200" not in text and "%" not in text
    assert figures.change_text(hedged, "dataset", "zh") == "▲ 由2019年1月3日的約3,300至超過5,500"
    # Two lower bounds: neither the amount nor even the direction is known.
    bounds = figures.change_text(_obs(("2023-12-31", 5000, "over"), ("2025-03-26", 5500, "over")), "dataset")
    assert bounds == "from over 5,000 (Dec 2023) to over 5,500"
    summary = figures.trend_summary(hedged, "Datasets", "dataset")
    assert "from about 3,300 to over 5,500." in summary and "+2,200" not in summary


def test_a_ratio_changes_in_percentage_points():
    gerd = _obs(("2022-01-01/2022-12-31", 1.13, "exact"), ("2023-01-01/2023-12-31", 1.28, "exact"))
    assert figures.change_text(gerd, "percent") == "▲ +0.15 percentage points since 2022 (1.13%)"
    assert figures.change_text(gerd, "percent", "zh") == "▲ 較 2022年（1.13%）+0.15 個百分點"
    assert ", +0.15 percentage points." in figures.trend_summary(gerd, "GERD/GDP", "percent")
    one = _obs(("2022-12-31", 1.0, "exact"), ("2023-12-31", 2.0, "exact"))
    assert figures.change_text(one, "percent") == "▲ +1 percentage point since Dec 2022 (1%)"


def test_a_target_is_drawn_only_where_its_date_is_stated():
    goals = pd.DataFrame(
        [
            {
                "as_of": "2019-12-31",
                "period_end": date(2019, 12, 31),
                "value": 4000.0,
                "qualifier": "nearly",
                "published": date(2019, 1, 3),
                "note": "by end-2019",
            },
            {
                "as_of": "2025-03-26",
                "period_end": date(2025, 3, 26),
                "value": 6000.0,
                "qualifier": "exact",
                "published": date(2025, 3, 26),
                "note": "to reach 6,000",
            },
        ]
    )
    fig = figures.series_figure(_obs(("2019-01-03", 3300, "about")), "D", "dataset", targets=goals)
    stars = _trace(fig, "target")
    assert list(stars.y) == [4000.0]
    assert "≈&lt;4,000" in stars.hovertext[0] and "Dec 2019" in stars.hovertext[0]


def test_one_or_two_dates_get_a_padded_axis_in_months_never_milliseconds():
    fig = figures.series_figure(_obs(("2025-03-26", 5500, "over")), "D", "dataset")
    lo, hi = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    assert hi - lo >= pd.Timedelta(days=300)
    assert fig.layout.xaxis.tickformat == "%b %Y"
    zh = figures.series_figure(_obs(("2025-03-26", 5500, "over")), "D", "dataset", lang="zh")
    assert zh.layout.xaxis.tickformat == "%Y年%-m月"
    long = _obs(*[(f"{y}-12-31", 100 + y, "exact") for y in range(2010, 2020)])
    assert figures.series_figure(long, "D", "dataset").layout.xaxis.range is None


def test_a_replys_point_links_to_its_sentence_and_the_citation_is_in_the_figure():
    obs = _obs(("2025-03-26", 5500, "over")).assign(doc_id="abc", figure_id="abc:10-20")
    fig = figures.series_figure(obs, "D", "dataset", lang="zh", citation="Source: itdash. https://x/y")
    assert _trace(fig, "下限").customdata[0] == "/sources?doc=abc&lang=zh#fig-abc:10-20"
    assert (
        fig.layout.title.subtitle.text == "Source: itdash. https://x/y"
    )  # drawn in the figure, so in its PNG
    curated = _obs(("2025-03-26", 5500, "over")).assign(doc_id=None, figure_id=None)
    assert _trace(figures.series_figure(curated, "D", "dataset"), "lower").customdata[0] is None


def test_latest_prefers_the_preferred_value():
    obs = _obs(
        ("2023-12-31", 5000, "over"), ("2025-03-26", 5600, "exact", False), ("2025-03-26", 5500, "over")
    )
    assert figures.latest(obs)["value"] == 5500
    assert figures.latest(_obs()) is None


def test_trend_summary_in_both_languages():
    obs = _obs(("2024-06-30", 41, "exact"), ("2024-12-31", 58, "exact"))
    en = figures.trend_summary(obs, "Companies", "enterprise")
    assert en == (
        "2 observations of Companies from Jun 2024 to Dec 2024: up from 41 to 58, +17 (+41%). "
        "Latest: 58 as of Dec 2024."
    )
    zh = figures.trend_summary(obs, "公司", "enterprise", "zh")
    assert "由 41 升至 58" in zh and "最新：58（截至 2024年12月）" in zh
    assert figures.trend_summary(_obs(), "Companies", "enterprise") == "No observations of Companies yet."
    one = figures.trend_summary(_obs(("2025-03-26", 5500, "over")), "D", "dataset")
    assert one == "One observation of D. Latest: 5,500+ as of Mar 26, 2025."


def test_runs_cut_text_around_figures_and_skip_overlaps():
    text = "over 5 500 datasets and 58 enterprises"
    runs = highlight.runs(text, [(0, 10), (24, 26), (25, 30), (99, 120)])
    assert [(r.text, r.figure) for r in runs] == [
        ("over 5 500", 0),
        (" datasets and ", None),
        ("58", 1),
        (" enterprises", None),
    ]
    assert "".join(r.text for r in runs) == text


def test_html_figures_map_back_to_the_visible_text():
    page = (ROOT / "tests/fixtures/site/gia/general/202503/26/P2025032600321.htm").read_text(encoding="utf-8")
    start = page.index("about HK$96 million")
    text, spans = highlight.to_visible(page, [(start, start + len("about HK$96 million"))])
    a, b = spans[0]
    assert text[a:b] == "about HK$96 million"
    assert "<p" not in text and "</" not in text
