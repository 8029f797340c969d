"""Data page: every observation in a sortable grid, filtered from the address.

The filters above the grid (theme, indicator, source kind, review status,
date range) and its sort are query parameters: filters are read by
`queries.Filters`, the same reading the download routes use, so the download
links under the grid give exactly the rows on screen. /data/... stays free for
those downloads.

The grid reads its rows as it scrolls (AG Grid's infinite row model): each
block of rows is one callback, sorted and sliced in SQL, so the page opens as
fast over a million observations as over a hundred. Its column filters go to
the server with each block (checked by `inputs.filter_model`, applied in SQL
by etl/export.py) and into the address as `f.<column>=<op>:<value>`, so the
count and the downloads under the grid mean the rows it shows.
"""

from __future__ import annotations

import dataclasses
import re

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html

from dashboard import formatting, i18n, inputs, messages, queries
from dashboard.controls import search_box
from dashboard.i18n import t
from etl.export import COLUMN_FILTERS, FILTER_OPS, ColumnFilter

dash.register_page(__name__, path="/data-table", name="Data", title=i18n.title("nav.data"), order=2)

_CONTROLS = ["dat-theme", "dat-indicator", "dat-source", "dat-status"]
_PARAMS = ["theme", "indicator", "source_kind", "status"]
BLOCK = 100  # rows per grid request


def _dropdown(id_: str, label: str, options: list, value: str | None, lang: str) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=id_),
            dcc.Dropdown(
                id=id_, options=options, value=value, placeholder=t("dat.all", lang), clearable=True
            ),
        ],
        className="control",
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def _source_md(url: object) -> str:
    """A source as grid markdown: an address as a link, a citation as escaped text."""
    if not isinstance(url, str) or not url:
        return ""
    text = _MD_SPECIAL.sub(r"\\\1", url)
    if url.startswith(("http://", "https://")):
        href = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        return f"[{text}]({href})"
    return text


def _rows(obs: pd.DataFrame, names: dict[str, str], lang: str) -> list[dict]:
    out = []
    for r in obs.itertuples():
        out.append(
            {
                "id": r.id,
                "indicator": names.get(r.indicator, r.indicator),
                "as_of": formatting.period(r.as_of, lang, r.sentence),
                "value": float(r.value),
                "shown": formatting.label(r.value, r.qualifier, None, lang=lang),
                "qualifier": t(f"qualifier.{r.qualifier}", lang, default=str(r.qualifier)),
                "unit": i18n.unit(r.unit, lang),
                "source_kind": t(f"source_kind.{r.source_kind}", lang, default=str(r.source_kind)),
                "published": None if pd.isna(r.published) else str(r.published),
                "status": t(f"status.{r.status}", lang, default=str(r.status)),
                "conflict": "⚠" if bool(r.conflict) else "",
                "sentence": r.sentence if isinstance(r.sentence, str) else "",
                "source": _source_md(r.source_url),
                # Citing a row alone (h-cite): its source's tier and its citation line.
                "tier": t(f"tier.{r.source_tier}", lang, default=str(r.source_tier or "")),
                # The figure's series (shared/spec/series.md), as `itdash extract` gives it.
                "series": r.series if isinstance(r.series, str) else "",
                "series_label": r.series_label if isinstance(r.series_label, str) else "",
                "citation": r.citation,
            }
        )
    return out


def _words(value: object) -> str:
    """The address's search words (`q`), or "" when they are missing or not plain text."""
    try:
        return inputs.text(value, "q")
    except inputs.BadInput:
        return ""


def locale_text(lang: str) -> dict[str, str]:
    """AG Grid's own words ("No Rows To Show", "Loading...") in the page's language."""
    keys = ("noRowsToShow", "loadingOoo", "page", "of", "to", "more", "filterOoo", "dateFormatOoo")
    keys += tuple(dict.fromkeys(op for ops in FILTER_OPS.values() for op in ops))
    keys += ("inRangeStart", "inRangeEnd", "before", "after")
    keys += ("applyFilter", "resetFilter", "clearFilter", "cancelFilter")
    keys += ("ariaFilterMenuOpen", "ariaFilterInput", "ariaFilterValue", "ariaFilteringOperator")
    return {k: t(f"grid.{k}", lang) for k in keys}


_AG_FILTER = {"text": "agTextColumnFilter", "number": "agNumberColumnFilter", "date": "agDateColumnFilter"}


def _filter(col_id: str) -> dict:
    """A column's filter as the grid draws it: one condition, only the operations the server applies."""
    kind = COLUMN_FILTERS[inputs.GRID_FILTERS[col_id]]
    params = {"filterOptions": list(FILTER_OPS[kind]), "maxNumConditions": 1, "inRangeInclusive": True}
    if kind == "text":
        params["debounceMs"] = 400
    return {"filter": _AG_FILTER[kind], "filterParams": params, "floatingFilter": True}


def filter_model(conditions: tuple[ColumnFilter, ...]) -> dict:
    """The address's column filters as AG Grid's filterModel (the inverse of `inputs.filter_model`)."""
    by_column = {column: col_id for col_id, column in inputs.GRID_FILTERS.items()}
    out = {}
    for c in conditions:
        kind = COLUMN_FILTERS[c.column]
        if kind == "date":
            model = {
                "dateFrom": f"{c.operand} 00:00:00",
                "dateTo": c.operand_to and f"{c.operand_to} 00:00:00",
            }
        elif kind == "number":
            model = {"filter": c.operand, **({"filterTo": c.operand_to} if c.op == "inRange" else {})}
        else:
            model = {"filter": c.operand}
        out[by_column[c.column]] = {"filterType": kind, "type": c.op, **model}
    return out


def _filter_params(conditions: tuple[ColumnFilter, ...]) -> dict[str, str]:
    return dict(c.param() for c in conditions)


def read_sort(value: str | None) -> tuple[str, bool] | None:
    """The address's `sort` ("as_of", "-shown") as (column, descending); unknown columns are ignored."""
    if not value:
        return None
    column = value.lstrip("-")
    return (column, value.startswith("-")) if column in queries.SORTS else None


def _sort_param(model: list[dict]) -> str | None:
    """The grid's sort model (checked by `inputs.GridRequest`) as the address writes it, or None."""
    for item in model:
        column, way = item.get("colId"), item.get("sort")
        if column in queries.SORTS and way in ("asc", "desc"):
            return ("-" if way == "desc" else "") + column
    return None


def _columns(lang: str, sort: tuple[str, bool] | None = None) -> list[dict]:
    def col(field: str, key: str, **kw: object) -> dict:
        out = {"field": field, "headerName": t(key, lang), "sortable": field in queries.SORTS, **kw}
        if field in inputs.GRID_FILTERS:
            out.update(_filter(field))
        if sort is not None and sort[0] == field:
            out["sort"] = "desc" if sort[1] else "asc"
        return out

    return [
        # Pinned: on a phone the indicator stays in view while the other columns scroll past.
        col(
            "indicator",
            "col.indicator",
            minWidth=140,
            maxWidth=220,
            pinned="left",
            tooltipField="indicator",
            wrapText=True,
            cellStyle={"lineHeight": "1.35", "whiteSpace": "normal"},
        ),
        col("as_of", "col.as_of", minWidth=120),
        col("shown", "col.value", type="rightAligned", minWidth=110),
        col("qualifier", "col.qualifier", minWidth=110),
        col("unit", "col.unit", minWidth=110),
        col("source_kind", "col.source_kind", minWidth=110),
        col("published", "col.published", minWidth=120),
        col("status", "col.status", minWidth=100),
        col("conflict", "col.conflict", minWidth=90),
        # Wrapped over the row's three lines, the whole sentence in its tooltip: the grid reads rows
        # in blocks, which needs one row height, so a row cannot grow to fit its sentence.
        col(
            "sentence",
            "col.sentence",
            minWidth=460,
            flex=1,
            tooltipField="sentence",
            wrapText=True,
            cellStyle={"lineHeight": "1.35", "whiteSpace": "normal", "wordBreak": "break-word"},
        ),
        # react-markdown without raw HTML: a link, never markup from the data.
        col("source", "col.source_url", minWidth=220, cellRenderer="markdown"),
        col("tier", "col.tier", minWidth=100),
        col("series_label", "col.series_label", minWidth=220, tooltipField="series"),
        col("series", "col.series", minWidth=220),
        col("citation", "col.citation", minWidth=320, tooltipField="citation"),
    ]


@messages.guarded
def layout(lang: str | None = None, **args: str):
    lang = i18n.lang_of(lang)
    warning = None
    try:
        filters = queries.Filters.from_args(args)
    except queries.FilterError as e:
        warning = messages.notice(t("dat.bad_filter", lang, detail=str(e)), "warning")
        filters = queries.Filters()
    eng = queries.engine()
    inds = queries.indicators(eng)
    if int(inds["n"].sum() if not inds.empty else 0) == 0:
        return html.Div([html.H1(t("dat.title", lang)), messages.empty(lang)], className="page")
    words = _words(args.get("q"))
    n = queries.count_searched(eng, filters, words) if words else queries.count(eng, filters)
    themes = inds[inds["theme"].notna()].drop_duplicates("theme")  # an uncurated series has none
    in_theme = inds[(inds["n"] > 0) & ((inds["theme"] == filters.theme) if filters.theme else True)]
    # Series not yet reviewed may be thousands: the menu offers the chosen one (the indicator
    # page's link to its rows), and the search box and the indicator page find the rest.
    in_theme = in_theme[in_theme["curated"].astype(bool) | (in_theme["id"] == filters.indicator)]
    opt = lambda values, key: [  # noqa: E731
        {"label": t(f"{key}.{v}", lang, default=str(v)), "value": v} for v in values
    ]
    controls = html.Div(
        [
            _dropdown(
                "dat-theme",
                t("col.theme", lang),
                [{"label": i18n.name(r, lang, "theme"), "value": r.theme} for r in themes.itertuples()],
                filters.theme,
                lang,
            ),
            _dropdown(
                "dat-indicator",
                t("col.indicator", lang),
                [{"label": i18n.name(r, lang), "value": r.id} for r in in_theme.itertuples()],
                filters.indicator,
                lang,
            ),
            _dropdown(
                "dat-source",
                t("col.source_kind", lang),
                opt(queries.distinct_values(eng, "source_kind"), "source_kind"),
                filters.source_kind,
                lang,
            ),
            _dropdown(
                "dat-status",
                t("col.status", lang),
                opt(queries.distinct_values(eng, "status"), "status"),
                filters.status,
                lang,
            ),
            html.Div(
                [
                    html.Label(t("dat.dates", lang), htmlFor="dat-from"),
                    dcc.DatePickerRange(
                        id="dat-dates",
                        start_date=filters.date_from,
                        end_date=filters.date_to,
                        start_date_id="dat-from",
                        end_date_id="dat-to",
                        clearable=True,
                        display_format="YYYY-MM-DD",
                        number_of_months_shown=1,
                        updatemode="bothdates",  # one address change per range, not one per end
                        start_date_placeholder_text=t("dat.from", lang),
                        end_date_placeholder_text=t("dat.to", lang),
                    ),
                ],
                className="control",
            ),
        ],
        className="controls filters",
    )
    qs = i18n.query(filters.args())
    total = int(inds["n"].sum())
    # Downloads follow the filters; the search box only narrows what the grid shows, and says so.
    n_filtered = queries.count(eng, filters) if words else n
    downloads = [t("dat.download_search" if words else "dat.download_shown", lang, n=n_filtered)] + [
        html.A(f.upper(), href=f"/data/observations.{f}{qs}", className="button", id=f"dat-download-{f}")
        for f in ("csv", "json", "xlsx", "zip")
    ]
    if qs:  # filtered: the whole table is the other choice, its size said first
        downloads += [html.Br(), t("dat.download_all", lang, n=total)] + [
            html.A(f.upper(), href=f"/data/observations.{f}", className="button", id=f"dat-download-all-{f}")
            for f in ("csv", "json", "xlsx", "zip")
        ]
    grid = dag.AgGrid(
        id="dat-grid",
        rowModelType="infinite",
        columnDefs=_columns(lang, read_sort(args.get("sort"))),
        # cellDataType off: as_of may be a period ("2019-04-01/2020-03-31"), which a date column blanks.
        defaultColDef={"resizable": True, "filter": False, "cellDataType": False},
        getRowId="params.data.id",
        dashGridOptions={
            "rowHeight": 66,
            "localeText": locale_text(lang),
            "tooltipShowDelay": 300,
            "enableCellTextSelection": True,
            "ensureDomOrder": True,
            "domLayout": "normal",
            "cacheBlockSize": BLOCK,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": min(n, BLOCK),
            "rowBuffer": 10,
            # The address's column filters are in place before the grid asks for its first rows.
            "initialState": {"filter": {"filterModel": filter_model(filters.columns)}},
        },
        className="ag-theme-quartz",
        style={"height": "560px", "width": "100%"},
    )
    search = search_box(
        "dat-search", t("dat.search", lang), t("dat.search_placeholder", lang), words, inputs.MAX_TEXT
    )
    return html.Div(
        [
            dcc.Location(id="dat-url", refresh="callback-nav"),
            html.H1(t("dat.title", lang)),
            warning,
            controls,
            search,
            html.P(
                t("dat.count", lang, shown=n, n=total),
                id="dat-count",
                className="count",
                role="status",
            ),
            grid,
            html.P(downloads, className="downloads"),
        ],
        className="page",
    )


@callback(
    Output("dat-url", "search"),
    *[Input(c, "value") for c in _CONTROLS],
    Input("dat-dates", "start_date"),
    Input("dat-dates", "end_date"),
    Input("dat-search", "value"),
    State("dat-url", "search"),
    prevent_initial_call=True,
)
def choose(theme, indicator, source_kind, status, start, end, words, search):  # type: ignore[no-untyped-def]
    """Changed filters become the address; Dash then renders the page from it."""
    given = (theme, indicator, source_kind, status)
    chosen = [inputs.choice(v, p, limit=inputs.MAX_ID) for v, p in zip(given, _PARAMS, strict=True)]
    if ctx.triggered_id == "dat-theme":
        chosen[1] = None  # an indicator from another theme would hide every row
    values = dict(zip(_PARAMS, chosen, strict=True))
    now = i18n.params(inputs.search(search))
    start, end = inputs.choice(start, "from"), inputs.choice(end, "to")
    values.update({"from": (start or "")[:10], "to": (end or "")[:10], "sort": now.get("sort")})
    values["q"] = inputs.text(words, "search")
    values.update({k: v for k, v in now.items() if k.startswith("f.")})  # the grid's column filters
    values["lang"] = now.get("lang")
    new = i18n.query(values)
    return dash.no_update if new == (search or "") else new


@callback(
    Output("dat-grid", "getRowsResponse"),
    Input("dat-grid", "getRowsRequest"),
    State("dat-url", "search"),
    prevent_initial_call=True,
)
def rows(request: dict | None, search: str | None) -> dict:
    """One block of rows for the grid, as it scrolls: filtered, sorted and sliced in SQL.

    A request the grid could not have sent is refused with a 400 saying why (`inputs.GridRequest`).
    """
    if not request:
        return dash.no_update
    block = inputs.GridRequest.read(request)
    args = i18n.params(inputs.search(search))
    lang = i18n.lang_of(args.get("lang"))
    try:
        filters = queries.Filters.from_args(args)
    except queries.FilterError:
        filters = queries.Filters()  # the page says so above the grid
    # The grid's column filters as it asks now (the address follows them: `remember_view`).
    filters = dataclasses.replace(filters, columns=block.filters)
    eng = queries.engine()
    sort = read_sort(_sort_param(block.sort))
    words = _words(args.get("q"))
    obs = queries.observation_rows(eng, filters, block.start, block.stop, sort, lang, search=words)
    names = {r.id: i18n.name(r, lang) for r in queries.indicators(eng).itertuples()}
    total = queries.count_searched(eng, filters, words) if words else queries.count(eng, filters)
    return {"rowData": _rows(obs, names, lang), "rowCount": total}


@callback(
    Output("dat-url", "search", allow_duplicate=True),
    Input("dat-grid", "getRowsRequest"),
    State("dat-url", "search"),
    prevent_initial_call=True,
)
def remember_view(request: dict | None, search: str | None):  # type: ignore[no-untyped-def]
    """A sort or column filter chosen in the grid becomes the address, like every other choice.

    The page is then drawn again from it, so its count and download links
    mean the rows the grid shows.
    """
    if not request:
        return dash.no_update
    block = inputs.GridRequest.read(request)
    now = i18n.params(inputs.search(search))
    lang = now.pop("lang", None)
    kept = {k: v for k, v in now.items() if k != "sort" and not k.startswith("f.")}
    want = {**kept, **_filter_params(block.filters), "sort": _sort_param(block.sort)}
    if {k: v for k, v in want.items() if v} == now:
        return dash.no_update
    return i18n.query({**want, "lang": lang})
