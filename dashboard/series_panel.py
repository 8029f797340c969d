"""The review page's series part: find a series, judge its figures beside their sentences, then
merge, split, rename or promote it; and the figures whose two language versions disagree.

Drawn only inside the signed-in review panel (dashboard/pages/review.py). Every callback checks
the token and the session again on the server, every value a browser sends is checked by
`dashboard.inputs`, and every write goes through `etl.series_review.decide`, the same stored
decisions as `itdash review series`.
"""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import auth, formatting, i18n, inputs, messages, provenance, queries
from dashboard.controls import control
from dashboard.i18n import t
from etl import indicators, pairing, series_review, settings
from etl.errors import ItdashError

SHOWN = 200  # series listed at once; the search narrows the rest


def _options(found: pd.DataFrame) -> list[dict]:
    out = []
    for r in found.head(SHOWN).itertuples():
        zh = f" / {r.label_zh}" if isinstance(r.label_zh, str) else ""
        out.append({"label": f"{r.label_en}{zh} — {r.scope} · {r.figures} · {r.series}", "value": r.series})
    return out


def _listing(words: str, lang: str) -> tuple[list[dict], str]:
    found = series_review.summaries(queries.engine(), words)
    return _options(found), t("series.count", lang, n=len(found), shown=min(len(found), SHOWN))


def _marked(text: str, sentence: object) -> list:
    """The sentence with the figure's text marked (components, never markup)."""
    sentence = sentence if isinstance(sentence, str) else ""
    k = sentence.find(text) if text else -1
    if k < 0:
        return [html.Mark(text, className="fig"), " — ", sentence]
    return [sentence[:k], html.Mark(text, className="fig"), sentence[k + len(text) :]]


def _figures_table(figs: pd.DataFrame, lang: str) -> html.Div:
    cols = ("col.value", "series.as_of", "col.source", "col.sentence", "series.twin")
    head = html.Thead(html.Tr([html.Th(t(c, lang), scope="col") for c in cols]))
    body = []
    for r in figs.itertuples():
        twin = {True: "series.twin_agrees", False: "series.twin_disagrees"}.get(
            r.twin_agrees, "series.no_twin"
        )
        body.append(
            html.Tr(
                [
                    html.Td(formatting.label(r.value, r.qualifier, r.unit, lang=lang), className="num"),
                    html.Td(str(r.as_of)),
                    html.Td([provenance.public(r.source), html.Br(), html.Small(r.id, className="meta")]),
                    html.Td(_marked(str(r.text), r.sentence), className="sentence", lang=str(r.lang)),
                    html.Td(t(twin, lang)),
                ],
                className="ser-figure",
                **{"data-figure": r.id},
            )
        )
    return html.Div(html.Table([head, html.Tbody(body)], className="data"), className="table-wrap")


def _series_view(series_id: str | None, lang: str) -> tuple[list, list[dict]]:
    """A series' figures beside their sentences, and the figures offered for a split."""
    if not series_id:
        return [html.P(t("series.choose", lang), className="meta")], []
    figs = series_review.figures(queries.engine(), series_id)
    if figs.empty:
        return [messages.notice(t("series.gone", lang), "warning")], []
    options = [{"label": f"{r.text} ({r.as_of}, {r.id})", "value": r.id} for r in figs.itertuples()]
    title = t("series.figures", lang, n=len(figs), series=series_id)
    return [html.H3(title, id="ser-title"), _figures_table(figs, lang)], options


def _side(side: pairing.Side | None, lang: str) -> object:
    if side is None:
        return html.Em(t("series.missing", lang))
    return html.Span(_marked(side.text, side.sentence))


def twins_section(lang: str) -> list:
    """Figures whose English and Chinese versions disagree, both sentences side by side."""
    found = pairing.disagreements(queries.engine())
    out: list = [
        html.P(t("series.twins_intro", lang)),
        html.P(t("series.twins_count", lang, n=len(found)), id="ser-twins-count", className="meta"),
    ]
    if not found:
        return out
    cols = ("series.differs", "series.english", "series.chinese", "series.series")
    head = html.Thead(html.Tr([html.Th(t(c, lang), scope="col") for c in cols]))
    body = [
        html.Tr(
            [
                html.Td(", ".join(t(f"series.differs_{x}", lang) for x in d.differs)),
                html.Td(_side(d.english, lang), lang="en", className="sentence"),
                html.Td(_side(d.chinese, lang), lang="zh-Hant", className="sentence"),
                html.Td(html.Code(d.series or "")),
            ],
            className="ser-twin",
            **{"data-figure": d.figure_id},
        )
        for d in found
    ]
    return [*out, html.Div(html.Table([head, html.Tbody(body)], className="data"), className="table-wrap")]


def section(lang: str) -> list:
    """The series part of the signed-in review panel."""
    options, count = _listing("", lang)
    themes = [{"label": f"{i18n.name(x, lang)} ({x.id})", "value": x.id} for x in _themes()]
    actions = [{"label": t(f"series.action_{a}", lang), "value": a} for a in series_review.ACTIONS]
    text = {"type": "text", "debounce": False}
    return [
        html.H2(t("series.title", lang), id="series-review"),  # the indicator page's "review it" link
        html.P(t("series.intro", lang)),
        control(t("series.search", lang), "ser-search", dcc.Input(id="ser-search", type="search"), grow=True),
        html.P(count, id="ser-count", className="meta"),
        dcc.Dropdown(id="ser-pick", options=options, value=None, placeholder=t("series.choose", lang)),
        html.Div(_series_view(None, lang)[0], id="ser-figures"),
        html.H3(t("series.decision", lang)),
        html.Div(
            [
                control(
                    t("rev.action", lang),
                    "ser-action",
                    dcc.RadioItems(id="ser-action", options=actions, value="rename", inline=True),
                    grow=True,
                ),
                control(t("series.into", lang), "ser-into", dcc.Input(id="ser-into", **text), grow=True),
                control(
                    t("series.split_figure", lang),
                    "ser-figure",
                    dcc.Dropdown(id="ser-figure", options=[], placeholder=t("series.for_split", lang)),
                ),
                control(
                    t("series.label_en", lang), "ser-label", dcc.Input(id="ser-label", **text), grow=True
                ),
                control(t("series.label_zh", lang), "ser-label-zh", dcc.Input(id="ser-label-zh", **text)),
                control(t("series.indicator", lang), "ser-indicator", dcc.Input(id="ser-indicator", **text)),
                control(
                    t("series.theme", lang),
                    "ser-theme",
                    dcc.Dropdown(id="ser-theme", options=themes, placeholder=t("series.for_promote", lang)),
                ),
                control(t("rev.reason", lang), "ser-reason", dcc.Input(id="ser-reason", **text), grow=True),
                control(t("rev.who", lang), "ser-who", dcc.Input(id="ser-who", **text)),
            ],
            className="controls",
        ),
        html.Button(t("series.submit", lang), id="ser-submit", className="button", n_clicks=0),
        html.Div(id="ser-result", **{"aria-live": "polite"}),
        html.H2(t("series.twins", lang)),
        html.Div(twins_section(lang), id="ser-twins"),
    ]


def _themes() -> list:
    return list(indicators.load().themes.values())


def _allowed() -> bool:
    return settings.review_token() is not None and auth.is_reviewer()


def search(words, lang):  # type: ignore[no-untyped-def]
    """The series whose id, labels, scope or unit hold every word typed."""
    lang = i18n.lang_of(lang)
    if not _allowed():
        return no_update, t("rev.signed_out", lang)
    try:
        words = inputs.text(words, "the search", inputs.MAX_NAME)
    except inputs.BadInput as e:
        return no_update, t("msg.refused", lang, detail=e.message)
    return _listing(words, lang)


def show(series_id, lang):  # type: ignore[no-untyped-def]
    """The chosen series' figures beside their sentences."""
    lang = i18n.lang_of(lang)
    if not _allowed():
        return [messages.notice(t("rev.signed_out", lang), "error")], []
    try:
        series_id = inputs.choice(series_id, "the series", None)
    except inputs.BadInput as e:
        return [messages.notice(t("msg.refused", lang, detail=e.message), "error")], []
    return _series_view(series_id, lang)


def decision(action, series_id, into, figure, label, label_zh, indicator, theme, reason, who) -> dict:  # type: ignore[no-untyped-def]
    """The form's values, each checked (`inputs`), as `etl.series_review.decide`'s arguments."""
    action = inputs.choice(action, "the action", series_review.ACTIONS) or "rename"
    chosen = inputs.choice(series_id, "the series")
    target = inputs.choice(figure, "the figure") if action == "split" else chosen
    out = {
        "action": action,
        "series_id": target or "",
        "reason": inputs.text(reason, "the reason"),
        "who": inputs.text(who, "the reviewer's name", inputs.MAX_NAME),
    }
    if action == "merge":
        out["into"] = inputs.text(into, "the series to merge into", inputs.MAX_NAME) or None
    if action in ("rename", "promote"):
        out["label_en"] = inputs.text(label, "the English label", inputs.MAX_NAME) or None
        out["label_zh"] = inputs.text(label_zh, "the Chinese label", inputs.MAX_NAME) or None
    if action == "promote":
        out["indicator_id"] = inputs.text(indicator, "the indicator id", inputs.MAX_NAME) or None
        out["theme"] = inputs.choice(theme, "the theme", tuple(x.id for x in _themes()))
    return out


def submit(
    _clicks, action, series_id, into, figure, label, label_zh, indicator, theme, reason, who, words, lang
):  # type: ignore[no-untyped-def]  # noqa: E501
    """Store one series decision through `etl.series_review.decide`, after checking token and session."""
    lang = i18n.lang_of(lang)
    unchanged = (no_update,) * 4
    if settings.review_token() is None:
        return messages.notice(t("rev.read_only", lang), "error"), *unchanged
    if not auth.is_reviewer():
        return messages.notice(t("rev.signed_out", lang), "error"), *unchanged
    try:
        d = decision(action, series_id, into, figure, label, label_zh, indicator, theme, reason, who)
        words = inputs.text(words, "the search", inputs.MAX_NAME)
    except inputs.BadInput as e:
        return messages.notice(t("msg.refused", lang, detail=e.message), "error"), *unchanged
    if not d["series_id"]:
        need = "series.need_figure" if d["action"] == "split" else "series.need_series"
        return messages.notice(t(need, lang), "warning"), *unchanged
    if not d["who"]:
        return messages.notice(t("rev.need_who", lang), "warning"), *unchanged
    try:
        stored = series_review.decide(queries.engine(), **d)
    except ItdashError as e:
        return messages.notice(messages.first_line(e), "error"), *unchanged
    shown = stored.new_series if stored.action == "split" else (stored.into_series or stored.series)
    options, _ = _listing(words, lang)
    view, figure_options = _series_view(shown, lang)
    done = t("series.done", lang, action=t(f"series.action_{stored.action}", lang), series=shown)
    return messages.notice(done), options, view, figure_options, twins_section(lang)


def register() -> None:
    """Register the callbacks: called by the page module, which Dash's pages plugin runs once per app
    (this module is imported once, so decorators here would reach only the first app)."""
    callback(
        Output("ser-pick", "options"),
        Output("ser-count", "children"),
        Input("ser-search", "value"),
        State("rev-lang", "data"),
        prevent_initial_call=True,
    )(search)
    callback(
        Output("ser-figures", "children"),
        Output("ser-figure", "options"),
        Input("ser-pick", "value"),
        State("rev-lang", "data"),
        prevent_initial_call=True,
    )(show)
    callback(
        Output("ser-result", "children"),
        Output("ser-pick", "options", allow_duplicate=True),
        Output("ser-figures", "children", allow_duplicate=True),
        Output("ser-figure", "options", allow_duplicate=True),
        Output("ser-twins", "children"),
        Input("ser-submit", "n_clicks"),
        State("ser-action", "value"),
        State("ser-pick", "value"),
        State("ser-into", "value"),
        State("ser-figure", "value"),
        State("ser-label", "value"),
        State("ser-label-zh", "value"),
        State("ser-indicator", "value"),
        State("ser-theme", "value"),
        State("ser-reason", "value"),
        State("ser-who", "value"),
        State("ser-search", "value"),
        State("rev-lang", "data"),
        prevent_initial_call=True,
    )(submit)
