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

from dashboard import formatting, i18n
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
_MANY_LABELS = 12  # above this many points, only the first and last carry a text label


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
    parts = [f"<b>{lab}</b> · {html.escape(str(row['as_of']))}"]
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
    return "<br>".join(parts)


def series_figure(
    obs: pd.DataFrame,
    title: str,
    unit: str,
    events: Sequence[tuple[date, str]] = (),
    scale: str = "linear",
    lang: str = "en",
    targets: pd.DataFrame | None = None,
    warnings: pd.DataFrame | None = None,
) -> go.Figure:
    """The indicator's observations over time, each drawn as what its qualifier promises.

    Observations another source supersedes (`preferred` false) are grey. A thin
    dotted guide joins the preferred ones in time order; events are numbered
    dotted verticals, listed in words beside the chart by the page. A stated
    goal (`targets`) is an open star at its date, never joined to the series;
    an observation a load-time check flagged (`warnings`) gets an orange ring
    whose hover says why.
    """
    fig = go.Figure()
    if targets is not None and not targets.empty:
        fig.add_trace(_targets_trace(targets, unit, lang))
    if not obs.empty:
        obs = _sorted(obs)
        x = positions(obs)
        pref = _preferred(obs)
        hover = [_hover(r, unit, lang) for r in obs.to_dict("records")]
        obs = obs.assign(_x=x, _hover=hover, _group=obs["qualifier"].map(GROUPS).fillna("exact"))
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
            flagged = obs.merge(warnings, left_on="id", right_on="observation_id")
            if not flagged.empty:
                fig.add_trace(
                    go.Scatter(
                        x=flagged["_x"],
                        y=flagged["value"],
                        mode="markers",
                        name=t("chart.warning", lang),
                        hovertext=["⚠ " + html.escape(m) for m in flagged["message"]],
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
    fig.update_layout(
        title={"text": html.escape(title), "font": {"size": 16}},
        yaxis={
            "title": {"text": i18n.unit(unit, lang)},
            "type": "log" if scale == "log" else "linear",
            "rangemode": "normal" if scale == "log" else "tozero",
        },
        xaxis={
            "type": "date",
            "title": {"text": t("chart.as_of", lang)},
            # Plotly names months in English; Chinese pages get numeric dates instead.
            **({"tickformat": "%Y年%-m月"} if lang == "zh" else {}),
        },
        template="plotly_white",
        font={"family": "system-ui, sans-serif"},
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        height=420,
        hoverlabel={"align": "left", "bgcolor": "#fff"},
        modebar={"orientation": "v"},  # clear of the title on a narrow screen
        legend={"orientation": "h", "y": -0.18, "x": 0},
        showlegend=True,
    )
    return fig


def _targets_trace(targets: pd.DataFrame, unit: str, lang: str) -> go.Scatter:
    hover = []
    for r in targets.to_dict("records"):
        lab = html.escape(formatting.label(r["value"], r["qualifier"], unit, lang=lang))
        parts = [f"<b>{t('chart.target', lang)}: {lab}</b> · {html.escape(str(r['as_of']))}"]
        if r.get("published") is not None and not pd.isna(r["published"]):
            parts.append(t("chart.target_stated", lang, published=r["published"]))
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


def labelled(obs: pd.DataFrame, gap: float = 0.04) -> pd.DataFrame:
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


def change_text(obs: pd.DataFrame, unit: str, lang: str = "en") -> str:
    """The change since the previous observation, in words with an arrow ("▲ +500 (+10%) since …")."""
    pair = _pair(obs)
    if pair is None:
        return t("card.no_change", lang)
    prev, last = pair
    delta = float(last["value"]) - float(prev["value"])
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "▬"
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    pct = formatting.change(float(prev["value"]), float(last["value"]), lang)
    amount = sign + formatting.label(abs(delta), "exact", unit, compact=True, lang=lang)
    return t(
        "card.change",
        lang,
        arrow=arrow,
        amount=amount,
        pct=f" ({pct})" if pct else "",
        since=prev["as_of"],
        prev=formatting.label(prev["value"], prev["qualifier"], unit, compact=True, lang=lang),
    )


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
        as_of=last["as_of"],
    )
    pair = _pair(obs)
    if pair is None:
        key = "summary.one" if len(obs) == 1 else "summary.same_day"
        return t(key, lang, name=name, n=len(obs)) + sep + latest_text
    rows = _sorted(obs[_preferred(obs)])
    first = rows.iloc[0]
    delta = float(last["value"]) - float(first["value"])
    way = "up" if delta > 0 else "down" if delta < 0 else "flat"
    pct = formatting.change(float(first["value"]), float(last["value"]), lang)
    return sep.join(
        [
            t("summary.many", lang, name=name, n=len(obs), first=first["as_of"], last=last["as_of"]),
            t(
                f"summary.{way}",
                lang,
                a=formatting.label(first["value"], first["qualifier"], unit, lang=lang),
                b=formatting.label(last["value"], last["qualifier"], unit, lang=lang),
                pct=f" ({pct})" if pct else "",
            ),
            latest_text,
        ]
    )
