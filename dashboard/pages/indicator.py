"""Indicator page: one indicator's observations as a chart, a table and downloads.

The view is the address (`?indicator=…&scale=log&lang=zh`): the layout draws
from it, and the one callback writes a changed choice back into it. The
page's dcc.Location uses refresh="callback-nav" (with refresh=False the
pages router would not hear of the new address), so Dash renders the page
again from the address without reloading. So a copied URL reproduces the
view, and back and forward step through earlier choices.
"""

from __future__ import annotations

import re

import dash
import pandas as pd
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html
from flask import has_request_context, request
from sqlalchemy.engine import Engine

from dashboard import cache, figures, formatting, i18n, inputs, messages, provenance, queries
from dashboard.controls import search_box
from dashboard.i18n import t


def _title_detail(args: dict[str, str], lang: str) -> str | None:
    """The chosen indicator's name for the browser tab (none if unknown or unreadable)."""
    try:
        known = queries.indicators(queries.engine()).set_index("id")
        chosen = args.get("indicator") or (_default(known.reset_index()) if int(known["n"].sum()) else None)
        return i18n.name(known.loc[chosen], lang) if chosen in known.index else None
    except Exception:  # the page itself reports a broken database; the title just stays plain
        return None


dash.register_page(
    __name__, path="/indicator", name="Indicator", title=i18n.title("nav.indicator", _title_detail), order=1
)

FORMATS = ("csv", "json", "xlsx", "zip")
# The table beside the chart holds the newest this many rows: enough for any series
# the replies give, and a page that still opens for a series of thousands. The
# caption says so, and the downloads hold every row.
TABLE_ROWS = 500


def _table(obs: pd.DataFrame, unit: str, lang: str) -> html.Table:
    cols = ("as_of", "value", "qualifier", "unit", "source", "status", "sentence")
    head = html.Thead(html.Tr([html.Th(t(f"col.{c}", lang), scope="col") for c in cols]))
    caption = None
    if len(obs) > TABLE_ROWS:
        caption = html.Caption(t("ind.table_part", lang, shown=TABLE_ROWS, n=len(obs)))
        obs = obs.iloc[-TABLE_ROWS:]
    rows = []
    for r in obs.itertuples():
        status = [t(f"status.{r.status}", lang, default=str(r.status))]
        if bool(r.conflict):
            status += [" ", html.Span("⚠", className="badge", title=t("chart.conflict", lang))]
        if not bool(r.preferred):
            status += [html.Br(), html.Small(t("ind.not_preferred", lang))]
        rows.append(
            html.Tr(
                [
                    html.Td(formatting.period(r.as_of, lang, r.sentence), className="nowrap", title=r.as_of),
                    html.Td(formatting.label(r.value, r.qualifier, unit, lang=lang), className="num"),
                    html.Td(t(f"qualifier.{r.qualifier}", lang, default=str(r.qualifier))),
                    html.Td(i18n.unit(r.unit, lang)),
                    html.Td(provenance.cell(r, lang)),
                    html.Td(status),
                    # A reply's own words, in the language it was written in (lang marks it for readers).
                    html.Td(
                        r.sentence if pd.notna(r.sentence) else "", className="sentence", lang=_lang_of(r)
                    ),
                ],
                className="obs-row" + ("" if bool(r.preferred) else " not-preferred"),
            )
        )
    return html.Table([caption, head, html.Tbody(rows)], id="ind-obs-table", className="data")


def _lang_of(r) -> str:  # type: ignore[no-untyped-def]
    """The language a row's sentence is written in: Chinese if it holds any CJK ideograph."""
    text = r.sentence if isinstance(r.sentence, str) else ""
    return "zh-Hant-HK" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


def citation(obs: pd.DataFrame, retrieved: str, address: str, lang: str) -> str:
    """The line a chart is cited by: where its points come from, when they were read, and this view."""
    replies = obs.loc[obs["source_kind"] == "reply", "doc_id"].nunique() if not obs.empty else 0
    curated = obs.loc[obs["source_kind"] != "reply", "source_url"].nunique() if not obs.empty else 0
    parts = [
        t(f"count.{key}", lang, n=int(n)) for key, n in (("replies", replies), ("curated", curated)) if n
    ]
    joined = ("、" if lang == "zh" else ", ").join(parts) or t("source_kind.curated", lang)
    sources = t("chart.sources", lang, kinds=joined)
    return t("chart.citation", lang, sources=sources, retrieved=retrieved, address=address)


def _events(evs: list, lang: str) -> html.Div | None:
    if not evs:
        return None
    items = []
    for day, text, url in evs:
        src = [" ", html.A(t("ind.event_source", lang), href=url, rel="noopener")] if url else []
        items.append(html.Li([html.Span(formatting.day(day, lang), className="nowrap"), " — ", text, *src]))
    return html.Div([html.H2(t("ind.events", lang)), html.Ol(items, className="events")])


def _targets(goals: pd.DataFrame, unit: str, lang: str) -> html.Div | None:
    """The stated goals in words: the chart's stars, readable without the chart."""
    if goals.empty:
        return None
    items = []
    for r in goals.itertuples():
        src: list = []
        if isinstance(r.doc_id, str) and r.doc_id:
            where = i18n.href("/sources", lang, doc=r.doc_id)
            src = [" — ", dcc.Link(t("ind.reply", lang, published=r.published), href=where)]
        elif isinstance(r.source_url, str) and r.source_url.startswith(("http://", "https://")):
            src = [" — ", html.A(t("ind.event_source", lang), href=r.source_url, rel="noopener")]
        goal = formatting.label(r.value, r.qualifier, unit, lang=lang)
        if str(r.as_of) == str(r.published):  # no deadline stated: listed, never drawn as due then
            text = t("ind.target_undated", lang, value=goal)
        else:
            text = t("ind.target_item", lang, value=goal, by=formatting.period(r.as_of, lang, r.note))
        items.append(html.Li([text, *src]))
    return html.Div([html.H2(t("ind.targets", lang)), html.Ul(items, className="targets")], id="ind-targets")


# In a Chinese definition: a series id or status code (`target`, csdi_spatial_datasets), and
# runs of Latin words (a publication's name), which stay as the sources write them.
_LATIN = re.compile(
    r"`([^`]+)`|\b([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+)\b|([A-Za-z][\w.&'+-]*(?: [A-Za-z][\w.&'+-]*)*)"
)


def _latin_marked(text: str) -> list:
    """`text` with its codes as code and its Latin words marked English, for a reader's browser."""
    out: list = []
    last = 0
    for m in _LATIN.finditer(text):
        out.append(text[last : m.start()])
        code = m.group(1) or m.group(2)
        out.append(html.Code(code, lang="en") if code else html.Span(m.group(3), lang="en"))
        last = m.end()
    out.append(text[last:])
    return [p for p in out if not (isinstance(p, str) and not p)]


def _definition(ind: pd.Series, lang: str) -> html.Details:
    """What the indicator counts, in the page's language; the English, said to be English, where
    data/indicators.toml gives no Chinese definition (a series promoted in review)."""
    own = ind.get("definition_zh") if lang == "zh" else None
    if isinstance(own, str) and own.strip():
        body = html.P(_latin_marked(own.strip()))
        return html.Details([html.Summary(t("ind.definition_own", lang)), body], id="ind-definition")
    text = html.P(ind["definition"], lang="en")
    return html.Details([html.Summary(t("ind.definition", lang)), text], id="ind-definition")


def _warnings(warned: pd.DataFrame, lang: str) -> html.Div | None:
    """What the load-time checks found in this series (the chart's orange rings)."""
    if warned.empty:
        return None
    # The stored message is the ETL's English; another language's is written from its parameters.
    items = [
        html.Li(
            [html.Strong(t(f"warning.{w.kind}", lang, default=str(w.kind))), t("ind.warning_sep", lang)]
            + messages.warning(w.kind, getattr(w, "params", None), w.message, lang)
        )
        for w in warned.itertuples()
    ]
    return html.Div(
        [html.H2(t("ind.warnings", lang)), html.P(t("ind.warnings_why", lang)), html.Ul(items)],
        id="ind-warnings",
        className="notice notice-warning",
    )


def _ordered(inds: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Indicators in theme order (data/themes.toml), then by name."""
    order = {th: k for k, th in enumerate(queries.theme_order())}
    keyed = inds.assign(
        _o=inds["theme"].map(order).fillna(99), _name=[i18n.name(r, lang) for r in inds.itertuples()]
    )
    return keyed.sort_values(["_o", "_name"])


def _default(inds: pd.DataFrame) -> str:
    """With no choice in the address: the headline indicator with the most observations
    (a curated one before any series not yet reviewed)."""
    with_data = inds[inds["n"] > 0]
    ranked = with_data.assign(
        _c=~with_data["curated"].astype(bool), _h=~with_data["headline"].astype(bool), _n=-with_data["n"]
    )
    return str(ranked.sort_values(["_c", "_h", "_n", "id"]).iloc[0]["id"])


def _words(value: object) -> str:
    """The address's search words (`q`), or "" when they are missing or not plain text."""
    try:
        return inputs.text(value, "q", inputs.MAX_NAME)
    except inputs.BadInput:
        return ""


def _badge(lang: str) -> html.Span:
    return html.Span(t("ind.unreviewed", lang), className="badge badge-unreviewed")


def _found(eng: Engine, words: str, scale: str, lang: str) -> html.Div | None:
    """The series the search box's words find, curated or not, each a link to its chart."""
    if not words:
        return None
    found, total = queries.find_series(eng, words)
    if found.empty:
        return html.Div(html.P(t("ind.found_none", lang, q=words)), id="ind-found", role="status")
    more = t("ind.found_more", lang, shown=len(found)) if total > len(found) else ""
    items = []
    for r in found.itertuples():
        href = i18n.href("/indicator", lang, indicator=r.id, scale=scale)
        label = [dcc.Link(i18n.name(r, lang), href=href), f" ({int(r.n)})"]
        if isinstance(r.series, str):
            label += [" ", _badge(lang)]
        items.append(html.Li(label, className="found-item", **{"data-indicator": r.id}))
    return html.Div(
        [html.P(t("ind.found", lang, n=total, q=words, more=more), role="status"), html.Ul(items)],
        id="ind-found",
    )


def _unreviewed(ind: pd.Series, lang: str) -> html.Div:
    """What a series nobody has curated is, and where a reviewer takes it up."""
    return html.Div(
        [
            html.P([_badge(lang), " ", t("ind.unreviewed_why", lang, series=ind["series"])]),
            html.P(
                [
                    dcc.Link(t("ind.rows", lang), href=i18n.href("/data-table", lang, indicator=ind.name)),
                    " · ",
                    dcc.Link(t("ind.review_it", lang), href=i18n.href("/review", lang) + "#series-review"),
                ]
            ),
        ],
        id="ind-unreviewed",
        className="notice",
    )


def _address(indicator: str, scale: str, lang: str) -> str:
    """This view's full address, for the citation line (the host as the browser asked for it)."""
    base = request.host_url.rstrip("/") if has_request_context() else ""
    return base + "/indicator" + i18n.query({"indicator": indicator, "scale": scale, "lang": lang})


@cache.by_version
def _view(eng: Engine, indicator: str, scale: str, lang: str, address: str = "") -> list:
    """The chart, events, downloads and table of one indicator, kept per database version."""
    ind = queries.indicators(eng).set_index("id").loc[indicator]
    obs = provenance.in_language(queries.observations(eng, indicator), lang)
    name = i18n.name(ind, lang)
    evs = figures.events_for(queries.events(), ind.name, obs, lang)
    goals = queries.targets(eng, indicator)
    warned = queries.series_warnings(eng, indicator)
    run = queries.last_run(eng)
    retrieved = formatting.day(formatting.hong_kong(run["finished_at"]).date(), lang) if run else "?"
    cite = citation(obs, retrieved, address, lang)
    fig = figures.series_figure(
        obs,
        name,
        ind["unit"],
        [(d, x) for d, x, _ in evs],
        scale,
        lang,
        targets=goals,
        warnings=warned,
        citation=cite,
    )
    downloads = [t("ind.download_n", lang, n=len(obs))] + [
        html.A(
            f.upper(),
            href=f"/data/{ind.name}.{f}",
            className="button",
            id="ind-download" if f == "csv" else f"ind-download-{f}",
        )
        for f in FORMATS
    ]
    return [
        html.P(figures.trend_summary(obs, name, ind["unit"], lang), id="ind-summary", className="summary"),
        _definition(ind, lang),
        dcc.Graph(
            id="ind-chart",
            figure=fig.to_dict(),  # plain data: a kept page is pickled into Redis when shared
            config={
                "displaylogo": False,
                "responsive": True,
                # Fewer modebar buttons: fewer Tab stops between the chart and the table.
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "zoomIn2d", "zoomOut2d"],
                # The PNG is the figure as drawn, citation line included (an annotation in it).
                "toImageButtonOptions": {"filename": f"itdash-{ind.name}", "scale": 2},
            },
            className="chart",
        ),
        html.P(cite, id="ind-citation", className="citation"),
        dcc.Store(id="ind-click"),
        _events(evs, lang),
        _targets(goals, ind["unit"], lang),
        _warnings(warned, lang),
        html.P(downloads, className="downloads"),
        html.Div(
            _table(obs, ind["unit"], lang),
            id="ind-table",
            className="table-wrap",
            tabIndex="0",
            **{"aria-label": t("ind.table", lang)},
        ),
    ]


@messages.guarded
def layout(
    indicator: str | None = None,
    scale: str | None = None,
    lang: str | None = None,
    q: str | None = None,
    **_: str,
):
    lang = i18n.lang_of(lang)
    scale = "log" if scale == "log" else "linear"
    words = _words(q)
    eng = queries.engine()
    inds = queries.indicators(eng)
    if inds.empty or int(inds["n"].sum()) == 0:
        return html.Div(messages.empty(lang), className="page")
    known = inds.set_index("id")
    warning = None
    if indicator and indicator not in known.index:
        warning = messages.notice(t("ind.unknown", lang, id=indicator), "warning")
        indicator = None
    elif not indicator:
        indicator = _default(inds)
    # Curated indicators with data; a series not yet reviewed is found by the search box.
    listed = inds["curated"].astype(bool) & (inds["n"] > 0)
    shown = _ordered(inds[listed | (inds["id"] == indicator)], lang)
    options = [{"label": f"{i18n.name(r, lang)} ({r.n})", "value": r.id} for r in shown.itertuples()]
    controls = html.Div(
        [
            html.Div(
                [
                    html.Label(t("ind.choose", lang), htmlFor="ind-select"),
                    dcc.Dropdown(
                        id="ind-select",
                        options=options,
                        value=indicator,
                        clearable=False,
                        placeholder=t("ind.choose", lang),
                    ),
                ],
                className="control grow",
            ),
            html.Div(
                [
                    html.Span(t("ind.scale", lang), id="ind-scale-label", className="label"),
                    dcc.RadioItems(
                        id="ind-scale",
                        value=scale,
                        inline=True,
                        className="radios",
                        options=[{"label": t(f"ind.{s}", lang), "value": s} for s in ("linear", "log")],
                    ),
                ],
                className="control",
                role="group",
                **{"aria-labelledby": "ind-scale-label"},
            ),
        ],
        className="controls",
    )
    title: list = [i18n.name(known.loc[indicator], lang) if indicator else t("nav.indicator", lang)]
    about = None
    if indicator and isinstance(known.loc[indicator, "series"], str):  # nobody has curated it yet
        title += [" ", _badge(lang)]
        about = _unreviewed(known.loc[indicator], lang)
    body = _view(eng, indicator, scale, lang, _address(indicator, scale, lang)) if indicator else []
    return html.Div(
        [
            dcc.Location(id="ind-url", refresh="callback-nav"),
            html.H1(title),
            warning,
            search_box(
                "ind-search", t("ind.search", lang), t("ind.search_placeholder", lang), words, inputs.MAX_NAME
            ),
            _found(eng, words, scale, lang),
            controls,
            about,
            *body,
        ],
        className="page",
    )


@callback(
    Output("ind-url", "search"),
    Input("ind-select", "value"),
    Input("ind-scale", "value"),
    Input("ind-search", "value"),
    State("ind-url", "search"),
    prevent_initial_call=True,
)
def choose(indicator: str | None, scale: str | None, words: str | None, search: str | None):  # type: ignore[no-untyped-def]
    """A changed choice, or new search words, become the address; Dash then renders the page from it."""
    indicator = inputs.choice(indicator, "indicator", limit=inputs.MAX_ID)
    scale = inputs.choice(scale, "scale", ("linear", "log"))
    words = inputs.text(words, "the search", inputs.MAX_NAME)
    if not indicator:
        return dash.no_update
    lang = i18n.params(inputs.search(search)).get("lang")
    new = i18n.query({"indicator": indicator, "scale": scale, "q": words or None, "lang": lang})
    return dash.no_update if new == (search or "") else new


# A click on a reply's point opens the reply at its sentence (assets/charts.js; the address is
# the point's customdata). A function in an asset, not inline code: the CSP allows only this server's.
clientside_callback(
    ClientsideFunction(namespace="itdash", function_name="openReply"),
    Output("ind-click", "data"),
    Input("ind-chart", "clickData"),
    prevent_initial_call=True,
)
