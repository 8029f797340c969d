"""Review page: figures awaiting review, sources that disagree, whole series, and the decisions.

Enabled only when ITDASH_REVIEW_TOKEN is set, and only for a browser session
that gave that token (dashboard/auth.py keeps the sign-in and the count of
wrong tokens); otherwise the page says the dashboard is read-only and nothing
here writes. Every write goes through `etl.review.decide`, the same stored
decisions as `itdash review`, and the submit callback checks the token and
the session again on the server: nothing sent by the browser is trusted.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import ALL, Input, Output, State, callback, dcc, html, no_update

from dashboard import auth, formatting, highlight, i18n, inputs, messages, provenance, queries, series_panel
from dashboard.controls import control
from dashboard.i18n import t
from etl import review, settings
from etl.errors import ItdashError
from schemas.figure import QUALIFIERS

series_panel.register()  # its callbacks, once per app as this module's own
dash.register_page(__name__, path="/review", name="Review", title=i18n.title("nav.review"), order=4)


def _in_sentence(text: str, sentence: object) -> list:
    """The sentence with the figure's text marked (Dash components, never markup)."""
    if not isinstance(sentence, str) or not sentence:
        return [html.Mark(text, className="fig unmapped")]
    start = sentence.find(text) if text else -1
    if start < 0:
        return [html.Mark(text, className="fig unmapped"), " — ", sentence]
    spans = [(start, start + len(text))]
    return [
        html.Mark(r.text, className="fig unmapped") if r.figure is not None else r.text
        for r in highlight.runs(sentence, spans)
    ]


def _option(figure_id: str, text: str, sentence: object, meta: str) -> dict:
    label = html.Span(
        [
            html.Span(_in_sentence(text, sentence), className="rev-sentence"),
            html.Br(),
            html.Small(meta, className="meta"),
        ],
        className="rev-item",
    )
    return {"label": label, "value": figure_id}


def _options(todo: pd.DataFrame, lang: str) -> list[dict]:
    out = []
    for r in todo.itertuples():
        mapping = t(f"src.mapping_{r.mapping}", lang, default=str(r.mapping))
        qualifier = t(f"qualifier.{r.qualifier}", lang, default=str(r.qualifier))
        value = formatting.number(r.value, lang=lang)
        meta = f"{value} {i18n.unit(r.unit, lang)} · {qualifier} · {mapping} · {provenance.public(r.source)}"
        out.append(_option(r.id, str(r.text), r.sentence, meta))
    return out


def _conflict_options(rows: pd.DataFrame, lang: str, skip: set[str]) -> list[dict]:
    """Figures behind conflicting observations, so the reviewer can reject one through the same form."""
    out = []
    for r in rows.itertuples():
        if not isinstance(r.figure_id, str) or not r.figure_id or r.figure_id in skip:
            continue
        value = formatting.label(r.value, r.qualifier, r.unit, lang=lang)
        qualifier = t(f"qualifier.{r.qualifier}", lang, default=str(r.qualifier))
        source = provenance.public(r.doc_source)
        meta = f"{value} · {qualifier} · {t('rev.in_conflict', lang)} · {source}"
        text = r.figure_text if isinstance(r.figure_text, str) else value
        out.append(_option(r.figure_id, text, r.sentence, meta))
        skip = skip | {r.figure_id}
    return out


def _choices(lang: str) -> tuple[list[dict], str]:
    """The form's figures: those awaiting review, then those behind conflicting observations.

    The count names only the pending ones: a figure in conflict has been
    mapped already and needs a decision only if a reviewer wants one.
    """
    eng = queries.engine()
    todo = review.pending(eng)
    options = _options(todo, lang) + _conflict_options(queries.conflicts(eng), lang, set(todo["id"]))
    return options, t("rev.count", lang, n=len(todo))


def _login(lang: str, message: html.Div | None = None) -> list:
    return [
        html.P(t("rev.login_intro", lang)),
        html.Div(
            [
                html.Label(t("rev.token", lang), htmlFor="rev-token"),
                dcc.Input(id="rev-token", type="password", autoComplete="current-password", debounce=False),
            ],
            className="control",
        ),
        html.Button(t("rev.login", lang), id="rev-login", className="button", n_clicks=0),
        message,
    ]


def _conflict_table(rows: pd.DataFrame, lang: str) -> html.Div:
    cols = ("col.value", "col.source", "rev.col_preferred", "col.sentence", "rev.col_review")
    head = html.Thead(html.Tr([html.Th(t(c, lang), scope="col") for c in cols]))
    body = []
    for r in rows.itertuples():
        preferred = bool(r.preferred)
        if isinstance(r.figure_id, str) and r.figure_id:
            act: object = html.Button(
                t("rev.pick", lang), id={"type": "rev-pick", "figure": r.figure_id}, className="button"
            )
        else:
            act = html.Small(t("rev.no_figure", lang), className="meta")
        body.append(
            html.Tr(
                [
                    html.Td(formatting.label(r.value, r.qualifier, r.unit, lang=lang), className="num"),
                    html.Td(provenance.cell(r, lang)),
                    html.Td(t("rev.preferred" if preferred else "rev.not_preferred", lang)),
                    html.Td(r.sentence if isinstance(r.sentence, str) else "", className="sentence"),
                    html.Td(act),
                ],
                className="rev-conflict" + ("" if preferred else " not-preferred"),
                **{"data-observation": r.id},
            )
        )
    return html.Div(html.Table([head, html.Tbody(body)], className="data"), className="table-wrap")


def _conflicts(lang: str, names: dict[str, str] | None = None) -> list:
    """Each indicator and date whose sources disagree, as a heading and a table of its rows."""
    eng = queries.engine()
    rows = queries.conflicts(eng)
    if names is None:
        names = {r.id: i18n.name(r, lang) for r in queries.indicators(eng).itertuples()}
    out: list = [html.P(t("rev.conflicts_intro", lang))]
    if rows.empty:
        return [*out, html.P(t("rev.no_conflicts", lang), id="rev-conflicts-count", className="meta")]
    groups = rows.groupby(["indicator_id", "as_of"], sort=False)
    count = t("rev.conflicts_count", lang, n=len(rows), groups=groups.ngroups)
    out.append(html.P(count, id="rev-conflicts-count", className="meta"))
    for (indicator, as_of), g in groups:
        title = t("rev.group", lang, indicator=names.get(indicator, indicator), as_of=as_of)
        out += [html.H3(title), _conflict_table(g, lang)]
    return out


def _panel(lang: str) -> list:
    options, count = _choices(lang)
    eng = queries.engine()
    known = queries.indicators(eng)
    # Map to the registry's indicators; a figure joins an uncurated series by a series merge instead.
    mappable = queries.curated(known).itertuples()
    indicators = [{"label": f"{i18n.name(r, lang)} ({r.id})", "value": r.id} for r in mappable]
    names = {r.id: i18n.name(r, lang) for r in known.itertuples()}
    qualifiers = [{"label": t(f"qualifier.{q}", lang, default=q), "value": q} for q in QUALIFIERS]
    actions = [{"label": t(f"rev.action_{a}", lang), "value": a} for a in review.ACTIONS]
    return [
        html.P(t("rev.intro", lang), className="lede"),
        html.Button(t("rev.signout", lang), id="rev-signout", className="button", n_clicks=0),
        html.H2(t("rev.pending", lang)),
        html.P(count, id="rev-count", className="meta"),
        dcc.RadioItems(id="rev-figure", options=options, value=None, className="radios rev-list"),
        html.H2(t("rev.decision", lang)),
        html.Div(
            [
                control(
                    t("rev.action", lang),
                    "rev-action",
                    dcc.RadioItems(
                        id="rev-action", options=actions, value="accept", className="radios", inline=True
                    ),
                    grow=True,
                ),
                control(
                    t("rev.indicator", lang),
                    "rev-indicator",
                    dcc.Dropdown(id="rev-indicator", options=indicators, placeholder=t("rev.for_map", lang)),
                    grow=True,
                ),
                control(
                    t("rev.value", lang),
                    "rev-value",
                    dcc.Input(id="rev-value", type="number", min=0, placeholder=t("rev.for_correct", lang)),
                ),
                control(
                    t("rev.qualifier", lang),
                    "rev-qualifier",
                    dcc.Dropdown(
                        id="rev-qualifier", options=qualifiers, placeholder=t("rev.for_correct", lang)
                    ),
                ),
                control(
                    t("rev.reason", lang), "rev-reason", dcc.Input(id="rev-reason", type="text"), grow=True
                ),
                control(t("rev.who", lang), "rev-who", dcc.Input(id="rev-who", type="text")),
            ],
            className="controls",
        ),
        html.Button(t("rev.submit", lang), id="rev-submit", className="button", n_clicks=0),
        html.Div(id="rev-result", **{"aria-live": "polite"}),
        html.H2(t("rev.conflicts", lang)),
        html.Div(_conflicts(lang, names), id="rev-conflicts"),
        *series_panel.section(lang),  # whole series, and where the two versions of a reply disagree
    ]


@messages.guarded
def layout(lang: str | None = None, **_: str):
    lang = i18n.lang_of(lang)
    head = [html.H1(t("rev.title", lang)), dcc.Store(id="rev-lang", data=lang)]
    if settings.review_token() is None:
        return html.Div([*head, messages.notice(t("rev.read_only", lang))], className="page")
    body = _panel(lang) if auth.is_reviewer() else _login(lang)
    return html.Div([*head, html.Div(body, id="rev-body")], className="page")


@callback(
    Output("rev-body", "children"),
    Input("rev-login", "n_clicks"),
    Input("rev-token", "n_submit"),
    State("rev-token", "value"),
    State("rev-lang", "data"),
    prevent_initial_call=True,
)
def sign_in(clicks, submitted, given, lang):  # type: ignore[no-untyped-def]
    """Sign this session in if the token is right and this client has not guessed too often."""
    lang = i18n.lang_of(lang)
    if settings.review_token() is None:
        return [messages.notice(t("rev.read_only", lang))]
    if not (clicks or submitted):  # the form was just drawn again, nobody asked
        return no_update
    try:
        signed_in, wait = auth.sign_in(given)
    except auth.Unavailable:
        return _login(lang, messages.notice(t("rev.unavailable", lang), "error"))
    if wait:
        return _login(lang, messages.notice(t("rev.locked", lang, n=wait), "error"))
    if not signed_in:
        return _login(lang, messages.notice(t("rev.login_failed", lang), "error"))
    return _panel(lang)


@callback(
    Output("rev-body", "children", allow_duplicate=True),
    Input("rev-signout", "n_clicks"),
    State("rev-lang", "data"),
    prevent_initial_call=True,
)
def sign_out(clicks, lang):  # type: ignore[no-untyped-def]
    """Forget this session's mark on the server's side and show the sign-in form again."""
    lang = i18n.lang_of(lang)
    if not clicks:  # the button was just drawn (after signing in), not pressed
        return no_update
    auth.sign_out()
    if settings.review_token() is None:
        return [messages.notice(t("rev.read_only", lang))]
    return _login(lang, messages.notice(t("rev.bye", lang)))


@callback(
    Output("rev-figure", "value", allow_duplicate=True),
    Output("rev-result", "children", allow_duplicate=True),
    Input({"type": "rev-pick", "figure": ALL}, "n_clicks"),
    State("rev-lang", "data"),
    prevent_initial_call=True,
)
def pick(_clicks, lang):  # type: ignore[no-untyped-def]
    """Choose a conflicting row's figure in the decision form.

    Only the value changes: the figure is already among the form's options.
    (Sending `options` from this second callback as well made Dash 4.4's
    renderer fail to draw their component labels.)
    """
    trigger = dash.ctx.triggered_id
    pressed = bool(dash.ctx.triggered) and bool(dash.ctx.triggered[0].get("value"))
    if not isinstance(trigger, dict) or not pressed or not auth.is_reviewer():
        return no_update, no_update
    return _picked(str(trigger["figure"]), i18n.lang_of(lang))


def _picked(figure_id: str, lang: str) -> tuple:
    """`figure_id` chosen, if it is still behind a conflicting observation (read again, not trusted)."""
    rows = queries.conflicts(queries.engine())
    if figure_id not in set(rows["figure_id"].dropna()):
        return no_update, messages.notice(t("rev.gone", lang), "warning")
    return figure_id, messages.notice(t("rev.picked", lang, figure=figure_id))


@callback(
    Output("rev-result", "children"),
    Output("rev-figure", "options"),
    Output("rev-figure", "value"),
    Output("rev-count", "children"),
    Output("rev-conflicts", "children"),
    Input("rev-submit", "n_clicks"),
    State("rev-figure", "value"),
    State("rev-action", "value"),
    State("rev-indicator", "value"),
    State("rev-value", "value"),
    State("rev-qualifier", "value"),
    State("rev-reason", "value"),
    State("rev-who", "value"),
    State("rev-lang", "data"),
    prevent_initial_call=True,
)
def submit(_clicks, figure, action, indicator, value, qualifier, reason, who, lang):  # type: ignore[no-untyped-def]
    """Store one decision through `etl.review.decide`, after checking token and session here."""
    lang = i18n.lang_of(lang)
    unchanged = (no_update,) * 4
    if settings.review_token() is None:
        return messages.notice(t("rev.read_only", lang), "error"), *unchanged
    if not auth.is_reviewer():
        return messages.notice(t("rev.signed_out", lang), "error"), *unchanged
    try:
        decision = _decision(figure, action, indicator, value, qualifier, reason, who)
    except inputs.BadInput as e:
        return messages.notice(t("msg.refused", lang, detail=e.message), "error"), *unchanged
    if not decision["figure_id"]:
        return messages.notice(t("rev.need_figure", lang), "warning"), *unchanged
    if not decision["who"]:
        return messages.notice(t("rev.need_who", lang), "warning"), *unchanged
    try:
        review.decide(queries.engine(), **decision)
    except ItdashError as e:
        return messages.notice(messages.first_line(e), "error"), *unchanged
    figure, action = decision["figure_id"], decision["action"]
    options, count = _choices(lang)
    done = t("rev.done", lang, action=t(f"rev.action_{action}", lang), figure=figure)
    return messages.notice(done), options, None, count, _conflicts(lang)


def _decision(figure, action, indicator, value, qualifier, reason, who) -> dict:  # type: ignore[no-untyped-def]
    """The form's values, each checked (`inputs`), as `etl.review.decide`'s arguments.

    The browser sends whatever it likes: a value of "abc" or inf, a name of
    100 KB. Each is refused with a line saying which field and why.
    """
    action = inputs.choice(action, "the action", review.ACTIONS) or "accept"
    value = inputs.amount(value, "the value")
    return {
        "figure_id": inputs.choice(figure, "the figure") or "",
        "action": action,
        "reason": inputs.text(reason, "the reason"),
        "who": inputs.text(who, "the reviewer's name", inputs.MAX_NAME),
        "indicator_id": inputs.choice(indicator, "the indicator") if action == "map" else None,
        "value": value if action == "correct" else None,
        "qualifier": inputs.choice(qualifier, "the qualifier", QUALIFIERS) if action == "correct" else None,
    }
