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
    assert list(text.text) == ["5,000+", "≈5,200", "<5,300", "5,500"]


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
    obs = _obs(("2023-12-31", 5000, "over"), ("2025-03-26", 5500, "over"))
    assert figures.change_text(obs, "dataset") == "▲ +500 (+10%) since 2023-12-31 (5,000+)"
    down = _obs(("2023-12-31", 60, "exact"), ("2025-03-26", 58, "exact"))
    assert figures.change_text(down, "enterprise") == "▼ −2 (−3%) since 2023-12-31 (60)"
    assert figures.change_text(_obs(("2025-03-26", 5500, "over")), "dataset") == "Only one date so far"
    # From a tiny start a percentage means little; a multiple reads at a glance.
    tiny = _obs(("2011-12-31", 2, "exact"), ("2025-03-26", 5500, "over"))
    assert figures.change_text(tiny, "dataset") == "▲ +5,498 (×2,750) since 2011-12-31 (2)"
    nine = _obs(("2011-12-31", 100, "exact"), ("2025-03-26", 990, "exact"))
    assert figures.change_text(nine, "dataset") == "▲ +890 (+890%) since 2011-12-31 (100)"


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
        "2 observations of Companies from 2024-06-30 to 2024-12-31: up from 41 to 58 (+41%). "
        "Latest: 58 as of 2024-12-31."
    )
    zh = figures.trend_summary(obs, "公司", "enterprise", "zh")
    assert "由 41 升至 58" in zh and "最新：58（截至 2024-12-31）" in zh
    assert figures.trend_summary(_obs(), "Companies", "enterprise") == "No observations of Companies yet."
    one = figures.trend_summary(_obs(("2025-03-26", 5500, "over")), "D", "dataset")
    assert one == "One observation of D. Latest: 5,500+ as of 2025-03-26."


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
