"""Overview: a card for each headline indicator, grouped by theme.

A card answers "where does it stand?" at a glance: the latest value with its
qualifier, the date it holds for, the change since the observation before, a
sparkline, and a warning where sources disagree. Every card leads to the
indicator's page, where each point can be traced to its sentence.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html
from sqlalchemy.engine import Engine

from dashboard import cache, figures, formatting, i18n, messages, queries
from dashboard.i18n import t

dash.register_page(__name__, path="/", name="Overview", title=i18n.title("frame.tagline"), order=0)

_STATIC = {"staticPlot": True, "displayModeBar": False, "responsive": True}


def _card(ind, obs: pd.DataFrame, conflict: bool, warned: int, lang: str) -> html.Article:  # type: ignore[no-untyped-def]
    name = i18n.name(ind, lang)
    link = dcc.Link(name, href=i18n.href("/indicator", lang, indicator=ind.id), className="card-link")
    last = figures.latest(obs)
    if last is None:
        return html.Article(
            [html.H3(link), html.P(t("card.no_data", lang), className="meta")],
            className="card card-empty",
            id=f"card-{ind.id}",
        )
    badges = [
        html.P(["⚠ ", text], className=f"badge-warn badge-{kind}", title=why)
        for kind, text, why, shown in (
            ("conflict", t("card.conflict", lang), t("chart.conflict", lang), conflict),
            ("checks", t("card.warnings", lang, n=warned), t("ind.warnings_why", lang), warned),
        )
        if shown
    ]
    return html.Article(
        [
            html.H3(link),
            html.P(
                formatting.label(last["value"], last["qualifier"], ind.unit, compact=True, lang=lang),
                className="big",
                title=t(f"qualifier.{last['qualifier']}", lang, default=""),
            ),
            html.P(
                [
                    f"{i18n.unit(ind.unit, lang)} · ",
                    html.Span(
                        t("card.as_of", lang, as_of=formatting.period(last["as_of"], lang, last["sentence"])),
                        className="nowrap",
                        title=str(last["as_of"]),
                    ),
                ],
                className="meta",
            ),
            html.P(figures.change_text(obs, ind.unit, lang), className="change"),
            html.Div(
                dcc.Graph(figure=figures.sparkline(obs), config=_STATIC, className="spark"),
                **{"aria-hidden": "true"},
            ),
            *badges,
        ],
        className="card",
        id=f"card-{ind.id}",
    )


def _intro(eng, lang: str) -> html.P:  # type: ignore[no-untyped-def]
    run = queries.last_run(eng)
    n = queries.totals(eng)
    counted = {
        "observations": t("count.observations", lang, n=n["n"]),
        "indicators": t("count.indicators", lang, n=n["k"]),
        "replies": t("count.replies", lang, n=n["docs"]),
    }
    words = t("ovw.intro", lang, **counted)
    if n.get("uncurated"):  # series nobody has curated are found by the indicator page's search
        words += " " + t("ovw.uncurated", lang, n=n["uncurated"])
    if run is not None:
        when = formatting.moment(formatting.hong_kong(run["finished_at"]), lang)
        words += " " + t("ovw.updated", lang, when=when)
    return html.P(words, className="lede")


# A theme with data but no headline indicator shows its best-filled indicators instead.
STAND_INS = 3


def cards_shown(inds: pd.DataFrame) -> pd.DataFrame:
    """The indicators that get a card: the headline ones, and for a theme with data but none
    (smart city, talent, rankings), its STAND_INS indicators with the most observations,
    so every theme with data reaches the overview."""
    heads = inds[inds["headline"].astype(bool)]
    has_head = set(heads.loc[heads["n"] > 0, "theme"])
    extra = [
        group.sort_values(["n", "id"], ascending=[False, True]).head(STAND_INS)
        for theme, group in inds[inds["n"] > 0].groupby("theme")
        if theme not in has_head
    ]
    return pd.concat([heads, *extra]).drop_duplicates("id") if extra else heads


@messages.guarded
def layout(lang: str | None = None, **_: str):
    return _page(queries.engine(), i18n.lang_of(lang))


@cache.by_version
def _page(eng: Engine, lang: str) -> html.Div:
    """The whole page, kept per database version: it changes only when the data does."""
    inds = queries.curated(queries.indicators(eng))
    heads = cards_shown(inds)
    # Only the headline indicators' latest observations: a card never needs the rest.
    obs, conflicts = queries.headlines(eng, list(heads["id"]))
    warned = queries.warned_indicators(eng)
    if obs.empty and int(inds["n"].sum()) == 0:
        return html.Div([html.H1(t("ovw.title", lang)), messages.empty(lang)], className="page")
    by_ind = dict(tuple(obs.groupby("indicator")))
    order = {th: k for k, th in enumerate(queries.theme_order())}
    rank = {ind: k for k, ind in enumerate(queries.indicator_order())}
    sections = []
    for theme in sorted(heads["theme"].unique(), key=lambda th: (order.get(th, 99), th)):
        group = heads[heads["theme"] == theme]
        # Indicators with data first, so empty cards never hide the figures; then registry order.
        group = group.assign(_empty=group["n"] == 0, _o=group["id"].map(rank).fillna(len(rank)))
        group = group.sort_values(["_empty", "_o", "id"])
        first = group.iloc[0]
        cards = [
            _card(r, by_ind.get(r.id, obs.iloc[0:0]), r.id in conflicts, warned.get(r.id, 0), lang)
            for r in group.itertuples()
        ]
        sections.append(
            html.Section(
                [html.H2(i18n.name(first, lang, "theme")), html.Div(cards, className="cards")],
                className="theme",
                id=f"theme-{theme}",
            )
        )
    return html.Div(
        [
            html.H1(t("ovw.title", lang)),
            _intro(eng, lang),
            html.P(t("ovw.legend", lang), className="meta"),
            *sections,
        ],
        className="page",
    )
