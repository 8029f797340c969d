"""Pure functions from observation frames to Plotly figures and the words beside them.

Kept free of Dash and of the database so tests can check them with three rows.
How a number, a date or a count is written is dashboard/formatting.py's.
A figure's qualifier is drawn, never dropped: a lower bound ("over 5 500") is
an open triangle pointing up, an upper bound ("nearly 4 000") one pointing
down, an approximate value ("about 1 480") carries a band, and a figure that
covers a period (a financial year) is a horizontal span across that period.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import formatting, i18n, messages, provenance
from dashboard.i18n import t
from schemas.registry import Event

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
GREY = "rgba(0,0,0,0.45)"
# "about" states no range; the band drawn is ±5 %, a visual cue that says so in the legend.
APPROX = 0.05
GROUPS = {
    "exact": "exact",
    "over": "lower",
    "at_least": "lower",
    "about": "approx",
    "up_to": "upper",
    "under": "upper",
    "nearly": "upper",
}
SYMBOLS = {"exact": "circle", "lower": "triangle-up-open", "upper": "triangle-down-open", "approx": "diamond"}
_MANY_LABELS = 8  # above this many points, only the first and last carry a text label


def positions(obs: pd.DataFrame) -> pd.Series:
    """Where each observation sits on a time axis: its day, or the middle of its period."""
    start = pd.to_datetime(obs["period_start"])
    end = pd.to_datetime(obs["period_end"])
    return start + (end - start) / 2


def _preferred(obs: pd.DataFrame) -> pd.Series:
    if "preferred" not in obs:
        return pd.Series(True, index=obs.index)
    return obs["preferred"].fillna(True).astype(bool)


def _sorted(obs: pd.DataFrame) -> pd.DataFrame:
    return obs.sort_values(["period_end", "period_start"], kind="stable")


def _wrapped(text: str, limit: int = 420, width: int = 72) -> list[str]:
    """Hover lines for a long text: cut at `limit` characters, escaped, wrapped at `width`."""
    short = text if len(text) <= limit else text[: limit - 3] + "…"
    return textwrap.wrap(html.escape(short), width)


def _hover(row: dict, unit: str, lang: str) -> str:
    lab = html.escape(formatting.label(row["value"], row["qualifier"], unit, lang=lang))
    when = formatting.period(row["as_of"], lang, row.get("sentence"))
    parts = [f"<b>{lab}</b> · {html.escape(when)}"]
    kind = t(f"source_kind.{row['source_kind']}", lang, default=str(row["source_kind"]))
    cite = row.get("source_url")
    if isinstance(cite, str) and cite and not cite.startswith(("http://", "https://")):
        kind += ": " + html.escape(cite if len(cite) <= 80 else cite[:79] + "…")
    parts.append(t(f"qualifier.{row['qualifier']}", lang, default=str(row["qualifier"])) + " · " + kind)
    if bool(row.get("conflict", False)):
        parts.append("⚠ " + t("chart.conflict", lang))
    sentence = row.get("sentence")
    if isinstance(sentence, str) and sentence:
        parts.extend(_wrapped(sentence))
    if reply_link(row, lang):
        parts.append("<i>" + html.escape(t("chart.click", lang)) + "</i>")
    return "<br>".join(parts)


def reply_link(row: dict, lang: str) -> str | None:
    """Where a click on a reply's point goes: the sentence in the reply's text, or None for curated rows.

    The sources page marks each figure with the anchor `fig-<figure id>`.
    """
    doc, figure = row.get("doc_id"), row.get("figure_id")
    if not isinstance(doc, str) or not doc:
        return None
    return provenance.figure_link(doc, figure if isinstance(figure, str) and figure else None, lang)


def stated_targets(targets: pd.DataFrame | None) -> pd.DataFrame:
    """The goals whose date the source states: a goal dated its own reply's day has no deadline.

    Such a goal ("to reach 4,000", no year) is listed beside the chart, never
    drawn as if it were due the day it was announced.
    """
    if targets is None or targets.empty:
        return pd.DataFrame() if targets is None else targets
    published = targets["published"].map(lambda v: "" if v is None or pd.isna(v) else str(v))
    return targets[targets["as_of"].astype(str) != published]


def _axis_range(obs: pd.DataFrame, goals: pd.DataFrame) -> list[str] | None:
    """A padded time range for a series of one or two dates, whose own range Plotly draws in milliseconds."""
    days = list(pd.to_datetime(obs["period_start"])) + list(pd.to_datetime(obs["period_end"]))
    if not goals.empty:
        days += list(pd.to_datetime(goals["period_end"]))
    lo, hi = min(days), max(days)
    if len({d.normalize() for d in days}) > 2 and hi - lo > pd.Timedelta(days=365):
        return None
    pad = max(pd.Timedelta(days=183), (hi - lo) * 0.15)
    return [(lo - pad).date().isoformat(), (hi + pad).date().isoformat()]


def series_figure(
    obs: pd.DataFrame,
    title: str,
    unit: str,
    events: Sequence[tuple[date, str]] = (),
    scale: str = "linear",
    lang: str = "en",
    targets: pd.DataFrame | None = None,
    warnings: pd.DataFrame | None = None,
    citation: str | None = None,
) -> go.Figure:
    """The indicator's observations over time, each drawn as what its qualifier promises.

    Observations another source supersedes (`preferred` false) are grey. A thin
    dotted guide joins the preferred ones in time order; events are numbered
    dotted verticals, listed in words beside the chart by the page. A stated
    goal (`targets`) is an open star at its date, never joined to the series;
    an observation a load-time check flagged (`warnings`) gets an orange ring
    whose hover says why. A reply's point carries its sentence's address
    (`customdata`), which the page opens on a click. `citation`, written under
    the plot inside the figure, stays in a PNG made from the chart.
    """
    fig = go.Figure()
    goals = stated_targets(targets)
    if not goals.empty:
        fig.add_trace(_targets_trace(goals, unit, lang))
    if not obs.empty:
        obs = _sorted(obs)
        x = positions(obs)
        pref = _preferred(obs)
        records = obs.to_dict("records")
        hover = [_hover(r, unit, lang) for r in records]
        links = [reply_link(r, lang) for r in records]
        obs = obs.assign(_x=x, _hover=hover, _link=links, _group=obs["qualifier"].map(GROUPS).fillna("exact"))
        guide = obs[pref]
        if len(guide) > 1:
            fig.add_trace(
                go.Scatter(
                    x=guide["_x"],
                    y=guide["value"],
                    mode="lines",
                    hoverinfo="skip",
                    showlegend=False,
                    line={"color": PALETTE[0], "width": 1, "dash": "dot"},
                )
            )
        spans = obs[pd.to_datetime(obs["period_start"]) != pd.to_datetime(obs["period_end"])]
        if not spans.empty:
            xs: list = []
            ys: list = []
            for r in spans.itertuples():
                xs += [pd.Timestamp(r.period_start), pd.Timestamp(r.period_end), None]
                ys += [r.value, r.value, None]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    name=t("chart.span", lang),
                    hoverinfo="skip",
                    line={"color": PALETTE[0], "width": 3},
                    marker={"symbol": "line-ns-open", "size": 12},
                )
            )
        for group in ("exact", "lower", "approx", "upper"):
            rows = obs[pref & (obs["_group"] == group)]
            if rows.empty:
                continue
            extra = {}
            if group == "approx":
                extra["error_y"] = {
                    "type": "data",
                    "array": (rows["value"].abs() * APPROX).tolist(),
                    "visible": True,
                    "thickness": 10,
                    "width": 0,
                    "color": "rgba(0,114,178,0.25)",
                }
            fig.add_trace(
                go.Scatter(
                    x=rows["_x"],
                    y=rows["value"],
                    mode="markers",
                    name=t(f"chart.{group}", lang),
                    hovertext=rows["_hover"],
                    customdata=rows["_link"],
                    hoverinfo="text",
                    marker={
                        "symbol": SYMBOLS[group],
                        "size": 11 if group == "exact" else 13,
                        "color": PALETTE[0],
                        "line": {"width": 2, "color": PALETTE[0]},
                    },
                    **extra,
                )
            )
        other = obs[~pref]
        if not other.empty:
            fig.add_trace(
                go.Scatter(
                    x=other["_x"],
                    y=other["value"],
                    mode="markers",
                    name=t("chart.not_preferred", lang),
                    hovertext=other["_hover"],
                    customdata=other["_link"],
                    hoverinfo="text",
                    marker={
                        "symbol": [SYMBOLS[g] for g in other["_group"]],
                        "size": 11,
                        "color": GREY,
                        "line": {"width": 2, "color": GREY},
                    },
                )
            )
        if warnings is not None and not warnings.empty and "id" in obs:
            said = [
                messages.warning_text(w.kind, getattr(w, "params", None), w.message, lang)
                for w in warnings.itertuples()
            ]
            shown = pd.DataFrame({"observation_id": warnings["observation_id"], "_said": said})
            flagged = obs.merge(shown, left_on="id", right_on="observation_id")
            if not flagged.empty:
                fig.add_trace(
                    go.Scatter(
                        x=flagged["_x"],
                        y=flagged["value"],
                        mode="markers",
                        name=t("chart.warning", lang),
                        hovertext=["⚠ " + html.escape(m) for m in flagged["_said"]],
                        hoverinfo="text",
                        marker={
                            "symbol": "circle-open",
                            "size": 22,
                            "color": PALETTE[1],
                            "line": {"width": 2},
                        },
                    )
                )
        shown = labelled(obs[pref])
        fig.add_trace(
            go.Scatter(
                x=shown["_x"],
                y=shown["value"],
                mode="text",
                hoverinfo="skip",
                showlegend=False,
                text=[
                    formatting.label(v, q, unit, compact=True, lang=lang)
                    for v, q in zip(shown["value"], shown["qualifier"], strict=True)
                ],
                textposition="top center",
                textfont={"size": 12},
            )
        )
        for k, (day, _) in enumerate(events, start=1):
            fig.add_shape(
                type="line",
                x0=day,
                x1=day,
                y0=0,
                y1=1,
                yref="paper",
                line={"color": PALETTE[4], "width": 1.5, "dash": "dot"},
            )
            fig.add_annotation(
                x=day,
                y=1,
                yref="paper",
                yanchor="bottom",
                text=str(k),
                showarrow=False,
                bgcolor="#fff",
                bordercolor=PALETTE[4],
                borderwidth=1.5,
                font={"size": 11},
                hovertext=html.escape(events[k - 1][1]),
            )
    else:
        fig.add_annotation(
            text=t("chart.empty", lang), showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
    rng = _axis_range(obs, goals) if not obs.empty else None
    # The citation rides in the title's subtitle: kept in a PNG made from the chart, and, unlike an
    # annotation under the plot, never run over by a legend that wraps onto more rows on a phone.
    cite_lines = textwrap.wrap(html.escape(citation), 50, break_on_hyphens=False) if citation else []
    title_lines = textwrap.wrap(html.escape(title), 34)
    fig.update_layout(
        # Left-aligned and wrapped short: the modebar sits at the top right, clear of it on a phone.
        title={
            "text": "<br>".join(title_lines),
            "font": {"size": 16},
            "x": 0.01,
            "xanchor": "left",
            "yref": "container",
            "y": 0.99,
            "yanchor": "top",
            "subtitle": {"text": "<br>".join(cite_lines), "font": {"size": 10, "color": "#444"}},
        },
        yaxis={
            "title": {"text": i18n.unit(unit, lang)},
            "type": "log" if scale == "log" else "linear",
            "rangemode": "normal" if scale == "log" else "tozero",
        },
        xaxis={
            "type": "date",
            "title": {"text": t("chart.as_of", lang)},
            # Plotly names months in English; Chinese pages get numeric dates instead. Never
            # finer than a day: a series of one date would otherwise be labelled in milliseconds.
            "tickformat": "%Y年%-m月" if lang == "zh" else "%b %Y",
            "hoverformat": "%Y-%m-%d",
            "nticks": 8,
            **({"range": rng} if rng else {}),
        },
        template="plotly_white",
        font={"family": "system-ui, sans-serif"},
        margin={"l": 60, "r": 40, "t": 34 + 20 * len(title_lines) + 14 * len(cite_lines), "b": 40},
        height=440 + 20 * len(title_lines) + 14 * len(cite_lines),
        hoverlabel={"align": "left", "bgcolor": "#fff"},
        modebar={"orientation": "v"},  # down the right edge, clear of the title on a narrow screen
        legend={"orientation": "h", "y": -0.18, "x": 0},
        showlegend=True,
    )
    return fig


def _targets_trace(targets: pd.DataFrame, unit: str, lang: str) -> go.Scatter:
    hover = []
    for r in targets.to_dict("records"):
        lab = html.escape(formatting.label(r["value"], r["qualifier"], unit, lang=lang))
        when = html.escape(formatting.period(r["as_of"], lang, r.get("note")))
        parts = [f"<b>{t('chart.target', lang)}: {lab}</b> · {when}"]
        if r.get("published") is not None and not pd.isna(r["published"]):
            parts.append(t("chart.target_stated", lang, published=formatting.period(r["published"], lang)))
        note = r.get("note")
        if isinstance(note, str) and note:
            parts.extend(_wrapped(note))
        hover.append("<br>".join(parts))
    return go.Scatter(
        x=pd.to_datetime(targets["period_end"]),
        y=targets["value"],
        mode="markers",
        name=t("chart.target", lang),
        hovertext=hover,
        hoverinfo="text",
        marker={
            "symbol": "star-open",
            "size": 16,
            "color": PALETTE[1],
            "line": {"width": 2, "color": PALETTE[1]},
        },
    )


def labelled(obs: pd.DataFrame, gap: float = 0.1) -> pd.DataFrame:
    """The rows that get a text label: the later of any two closer than `gap` of the time span.

    Labels of neighbouring points would overprint; the hover still gives every
    point. Above _MANY_LABELS only the first and last are labelled.
    """
    if obs.empty:
        return obs
    rows = obs.assign(_x=positions(obs)).sort_values("_x", kind="stable")
    xs = rows["_x"].to_numpy()
    span = (xs[-1] - xs[0]) or np.timedelta64(1, "D")
    keep: list[int] = []
    for k, x in enumerate(xs):
        if keep and (x - xs[keep[-1]]) < span * gap:
            keep[-1] = k
        else:
            keep.append(k)
            if len(keep) > _MANY_LABELS + 1:
                break  # too many already: only the first and the last will be labelled
    if len(keep) > _MANY_LABELS:
        return rows.iloc[[0, -1]]
    return rows.iloc[keep]


def events_for(
    events: Iterable[Event], indicator: str, obs: pd.DataFrame, lang: str
) -> list[tuple[date, str, str]]:
    """Events naming `indicator` within a year of its observations: (day, label, source address)."""
    if obs.empty:
        return []
    lo = pd.to_datetime(obs["period_start"]).min().date() - timedelta(days=365)
    hi = pd.to_datetime(obs["period_end"]).max().date() + timedelta(days=365)
    out = []
    for ev in events:
        day = date.fromisoformat(ev.date)
        if indicator in ev.indicators and lo <= day <= hi:
            out.append((day, ev.label_zh if lang == "zh" else ev.label_en, ev.source_url or ""))
    return sorted(out)


def sparkline(obs: pd.DataFrame) -> dict:
    """A card-sized trend of the preferred observations, with no axes, for a static graph.

    A plain figure dictionary rather than a `go.Figure`: an overview draws a
    dozen of these, and plotly's validation of each would cost more than the
    data read behind the whole page.
    """
    rows = _sorted(obs[_preferred(obs)]) if not obs.empty else obs
    data = []
    if not rows.empty:
        groups = rows["qualifier"].map(GROUPS).fillna("exact")
        data.append(
            {
                "type": "scatter",
                "x": [x.isoformat() for x in positions(rows)],
                "y": [float(v) for v in rows["value"]],
                "mode": "lines+markers",
                "hoverinfo": "skip",
                "line": {"color": PALETTE[0], "width": 2},
                "marker": {
                    "symbol": [SYMBOLS[g] for g in groups],
                    "size": [6] * (len(rows) - 1) + [9],
                    "color": PALETTE[0],
                    "line": {"width": 1.5, "color": PALETTE[0]},
                },
            }
        )
    layout = {
        "height": 56,
        "margin": {"l": 4, "r": 8, "t": 8, "b": 4},
        "showlegend": False,
        "xaxis": {"visible": False, "type": "date"},
        "yaxis": {"visible": False},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return {"data": data, "layout": layout}


def _pair(obs: pd.DataFrame) -> tuple[pd.Series, pd.Series] | None:
    """The latest preferred observation and the one before it (on an earlier day)."""
    rows = _sorted(obs[_preferred(obs)]) if not obs.empty else obs
    if len(rows) < 2:
        return None
    last = rows.iloc[-1]
    earlier = rows[pd.to_datetime(rows["period_end"]) < pd.to_datetime(last["period_end"])]
    return (earlier.iloc[-1], last) if not earlier.empty else None


def latest(obs: pd.DataFrame) -> pd.Series | None:
    """The observation the series shows as its latest: preferred, last by period, then by publication."""
    rows = obs[_preferred(obs)] if not obs.empty else obs
    if rows.empty:
        return None
    return rows.sort_values(["period_end", "period_start", "published"], kind="stable").iloc[-1]


def _bounds(value: float, qualifier: str) -> tuple[float, float]:
    """What a qualified value promises: the interval the true value lies in ("about" as ±5 %)."""
    group = GROUPS.get(qualifier, "exact")
    if group == "lower":
        return value, float("inf")
    if group == "upper":
        return float("-inf"), value
    if group == "approx":
        return value * (1 - APPROX), value * (1 + APPROX)
    return value, value


def _way(prev: pd.Series, last: pd.Series) -> int:
    """+1 or -1 when the qualifiers make the direction certain, 0 when they leave it open or flat."""
    lo_a, hi_a = _bounds(float(prev["value"]), str(prev["qualifier"]))
    lo_b, hi_b = _bounds(float(last["value"]), str(last["qualifier"]))
    return 1 if lo_b > hi_a else -1 if hi_b < lo_a else 0


def worded(value: float, qualifier: str, unit: str, lang: str, compact: bool = True) -> str:
    """A value with its qualifier in words ("about 3,300", "over 5,500", "約3,300")."""
    n = formatting.label(value, "exact", unit, compact=compact, lang=lang)
    return t(f"words.{qualifier}", lang, default="{v}").format(v=n)


def _difference(prev: pd.Series, last: pd.Series, unit: str, lang: str) -> str | None:
    """The change as a number, only when both ends are exact: "+500 (+10%)", "+0.15 percentage points".

    A share or ratio (`percent`) changes in percentage points, never in per cent of itself.
    """
    if prev["qualifier"] != "exact" or last["qualifier"] != "exact":
        return None
    a, b = float(prev["value"]), float(last["value"])
    delta = b - a
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if unit == "percent":
        return t("card.points", lang, n=round(abs(delta), 2), sign=sign)
    pct = formatting.change(a, b, lang)
    amount = sign + formatting.label(abs(delta), "exact", unit, compact=True, lang=lang)
    return amount + (f" ({pct})" if pct else "")


def change_text(obs: pd.DataFrame, unit: str, lang: str = "en") -> str:
    """The change since the previous observation, as far as the qualifiers allow.

    Two exact values give a difference ("▲ +500 (+10%) since Dec 2023 (5,000)");
    any hedge gives the two values in words ("from about 3,300 to over 5,500"),
    since "+2,200" would claim what the replies do not; an arrow only where the
    direction is certain (from "under 100" to "over 200").
    """
    pair = _pair(obs)
    if pair is None:
        return t("card.no_change", lang)
    prev, last = pair
    way = _way(prev, last)
    arrow = "▲" if way > 0 else "▼" if way < 0 else ""
    since = formatting.period(prev["as_of"], lang, prev.get("sentence"))
    diff = _difference(prev, last, unit, lang)
    if diff is not None:
        arrow = arrow or "▬"
        prev_text = formatting.label(prev["value"], prev["qualifier"], unit, compact=True, lang=lang)
        return t("card.change", lang, arrow=arrow, amount=diff, since=since, prev=prev_text)
    text = t(
        "card.from_to",
        lang,
        a=worded(prev["value"], prev["qualifier"], unit, lang),
        b=worded(last["value"], last["qualifier"], unit, lang),
        since=since,
    )
    return f"{arrow} {text}" if arrow else text


def trend_summary(obs: pd.DataFrame, name: str, unit: str, lang: str = "en") -> str:
    """One line on the series: how many observations, which way it went, and the latest value."""
    sep = "" if lang == "zh" else " "  # Chinese sentences follow one another without a space
    if obs.empty:
        return t("summary.none", lang, name=name)
    last = latest(obs)
    if last is None:  # nothing preferred: say what the newest row says
        last = _sorted(obs).iloc[-1]
    latest_text = t(
        "summary.latest",
        lang,
        value=formatting.label(last["value"], last["qualifier"], unit, lang=lang),
        as_of=formatting.period(last["as_of"], lang, last.get("sentence")),
    )
    pair = _pair(obs)
    if pair is None:
        key = "summary.one" if len(obs) == 1 else "summary.same_day"
        return t(key, lang, name=name, n=len(obs)) + sep + latest_text
    rows = _sorted(obs[_preferred(obs)])
    first = rows.iloc[0]
    diff = _difference(first, last, unit, lang)
    way = _way(first, last)
    key = "up" if way > 0 else "down" if way < 0 else "flat" if diff is not None else "from_to"
    return sep.join(
        [
            t(
                "summary.many",
                lang,
                name=name,
                n=len(obs),
                first=formatting.period(first["as_of"], lang, first.get("sentence")),
                last=formatting.period(last["as_of"], lang, last.get("sentence")),
            ),
            t(
                f"summary.{key}",
                lang,
                a=worded(first["value"], first["qualifier"], unit, lang, compact=False),
                b=worded(last["value"], last["qualifier"], unit, lang, compact=False),
                pct=(", " if lang != "zh" else "，") + diff if diff else "",
            ),
            latest_text,
        ]
    )
