"""Indicator page: one indicator's observations as a chart, a table and a CSV."""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, callback, dcc, html
from sqlalchemy.exc import SQLAlchemyError

from dashboard import figures, messages, queries
from etl.errors import ItdashError

dash.register_page(__name__, path="/indicator", name="Indicator", title="Indicator — itdash", order=1)


def layout(indicator: str | None = None, **_: str) -> html.Div:
    try:
        inds = queries.indicators(queries.engine())
    except (ItdashError, SQLAlchemyError) as e:
        return messages.unreachable(e)
    if inds.empty or int(inds["n"].sum()) == 0:
        return messages.notice(messages.EMPTY)
    with_data = inds[inds["n"] > 0]
    options = [{"label": f"{r.label_en} ({r.n})", "value": r.id} for r in with_data.itertuples()]
    warning = None
    if indicator and indicator not in set(with_data["id"]):
        warning = messages.notice(
            f"There is no indicator {indicator!r} with data; showing another.", "warning"
        )
        indicator = None
    value = indicator or with_data.iloc[0]["id"]
    return html.Div(
        [
            dcc.Location(id="ind-url", refresh=False),
            html.H1("Indicator"),
            warning,
            html.Label("Indicator", htmlFor="ind-select"),
            dcc.Dropdown(id="ind-select", options=options, value=value, clearable=False),
            html.P(id="ind-summary", className="summary"),
            dcc.Graph(id="ind-chart", config={"displaylogo": False}),
            html.A("Download CSV", id="ind-download", href=f"/data/{value}.csv", className="button"),
            html.Div(id="ind-table"),
        ]
    )


def _table(obs: pd.DataFrame, unit: str) -> html.Table:
    head = html.Thead(
        html.Tr(
            [html.Th(c, scope="col") for c in ("As of", "Value", "Qualifier", "Unit", "Source", "Sentence")]
        )
    )
    rows = []
    for r in obs.itertuples():
        href = (
            r.source_url
            if pd.notna(r.source_url)
            else (f"/document/{r.doc_id}" if pd.notna(r.doc_id) else None)
        )
        source = (
            html.A("reply" if r.source_kind == "reply" else "source", href=href) if href else r.source_kind
        )
        rows.append(
            html.Tr(
                [
                    html.Td(r.as_of),
                    html.Td(figures.label(r.value, r.qualifier, unit), className="num"),
                    html.Td(r.qualifier),
                    html.Td(r.unit),
                    html.Td(source),
                    html.Td(r.sentence if pd.notna(r.sentence) else ""),
                ],
                className="obs-row",
            )
        )
    return html.Table([head, html.Tbody(rows)], id="ind-obs-table", className="data")


@callback(
    Output("ind-chart", "figure"),
    Output("ind-table", "children"),
    Output("ind-download", "href"),
    Output("ind-url", "search"),
    Output("ind-summary", "children"),
    Input("ind-select", "value"),
)
def show(indicator: str):  # type: ignore[no-untyped-def]
    eng = queries.engine()
    inds = queries.indicators(eng).set_index("id")
    meta = inds.loc[indicator]
    obs = queries.observations(eng, indicator)
    fig = figures.series_figure(obs, meta["label_en"], meta["unit"])
    summary = f"{len(obs)} observation(s) of {meta['label_en']} ({meta['unit']})."
    if not obs.empty:
        last = obs.iloc[-1]
        summary += (
            f" Latest: {figures.label(last['value'], last['qualifier'], meta['unit'])} as of {last['as_of']}."
        )
    return fig, _table(obs, meta["unit"]), f"/data/{indicator}.csv", f"?indicator={indicator}", summary
