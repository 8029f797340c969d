"""Overview: every indicator with data, its latest value and a link to its page."""

from __future__ import annotations

import dash
from dash import dcc, html
from sqlalchemy.exc import SQLAlchemyError

from dashboard import figures, messages, queries
from etl.errors import ItdashError

dash.register_page(__name__, path="/", name="Overview", title="itdash — Hong Kong I&T figures", order=0)


def layout(**_: str) -> html.Div:
    try:
        eng = queries.engine()
        inds = queries.indicators(eng)
        obs = queries.observations(eng)
    except (ItdashError, SQLAlchemyError) as e:
        return messages.unreachable(e)
    if obs.empty:
        return messages.notice(messages.EMPTY)
    latest = obs.sort_values(["period_end", "published"]).groupby("indicator").tail(1).set_index("indicator")
    sections = []
    for theme, group in inds[inds["n"] > 0].groupby("theme_en", sort=True):
        cards = []
        for r in group.itertuples():
            last = latest.loc[r.id]
            cards.append(
                html.Div(
                    [
                        dcc.Link(r.label_en, href=f"/indicator?indicator={r.id}"),
                        html.P(figures.label(last["value"], last["qualifier"], r.unit), className="big"),
                        html.P(f"{r.unit} · as of {last['as_of']}", className="meta"),
                    ],
                    className="card",
                )
            )
        sections.append(html.Section([html.H2(theme), html.Div(cards, className="cards")]))
    return html.Div([html.H1("Where Hong Kong's I&T figures stand"), *sections])
