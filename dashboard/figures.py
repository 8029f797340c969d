"""Pure functions from observation frames to Plotly figures and labels.

Kept free of Dash and of the database so tests can check them with three rows.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
_MARK = {"over": "+", "at_least": "+", "about": "≈", "nearly": "<", "under": "<", "up_to": "≤"}


def number(value: float) -> str:
    """A value as people write it: thousands separated, no needless decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def label(value: float, qualifier: str, unit: str | None = None) -> str:
    """A value with its qualifier visible: "5,500+", "≈1,480", "≤12"."""
    n = number(value)
    if unit == "percent":
        n += "%"
    elif unit in ("HKD", "USD", "CNY"):
        n = f"{unit} {n}"
    if qualifier in ("over", "at_least"):
        return f"{n}+"
    if qualifier in _MARK:
        return f"{_MARK[qualifier]}{n}"
    return n


def series_figure(obs: pd.DataFrame, title: str, unit: str) -> go.Figure:
    """The indicator's observations over time, each labelled with its qualifier."""
    fig = go.Figure()
    if not obs.empty:
        labels = [label(v, q, unit) for v, q in zip(obs["value"], obs["qualifier"], strict=True)]
        hover = [
            f"<b>{lab}</b> · {a}<br>{(s or '')[:160]}"
            for lab, a, s in zip(labels, obs["as_of"], obs["sentence"], strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(obs["period_end"]),
                y=obs["value"],
                mode="lines+markers+text",
                text=labels,
                textposition="top center",
                hovertext=hover,
                hoverinfo="text",
                marker={"size": 10, "color": PALETTE[0]},
                line={"color": PALETTE[0]},
                name=title,
            )
        )
    fig.update_layout(
        title={"text": title},
        yaxis_title=unit,
        xaxis_title="as of",
        template="plotly_white",
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        height=380,
        showlegend=False,
    )
    return fig
