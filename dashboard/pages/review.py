"""Review page: figures awaiting review, and the analyst's accept / map / correct / reject.

Enabled only when ITDASH_REVIEW_TOKEN is set, and only for a browser session
that gave that token; otherwise the page says the dashboard is read-only and
nothing here writes. Every write goes through `etl.review.decide`, the same
stored decisions as `itdash review`, and the submit callback checks the token
and the session again on the server: nothing sent by the browser is trusted.
The session remembers an HMAC of the token (keyed by the app's secret key), so
changing the token signs every reviewer out.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update
from flask import current_app, has_request_context, session

from dashboard import highlight, i18n, messages, queries
from dashboard.i18n import t
from etl import review
from etl.errors import ItdashError
from schemas.figure import QUALIFIERS

dash.register_page(__name__, path="/review", name="Review", title="Review — itdash", order=4)

SESSION_KEY = "itdash_reviewer"


def token() -> str | None:
    """The review token from the environment, or None when review is off (unset or empty)."""
    value = os.environ.get("ITDASH_REVIEW_TOKEN", "").strip()
    return value or None


def _mark(value: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else bytes(key or b"")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def is_reviewer() -> bool:
    """Whether this request's session gave the current token (checked on the server)."""
    current = token()
    if current is None or not has_request_context():
        return False
    stored = session.get(SESSION_KEY)
    return isinstance(stored, str) and hmac.compare_digest(stored, _mark(current))


def _sign_in(given: str | None) -> bool:
    current = token()
    if current is None or not isinstance(given, str) or not given:
        return False
    if not hmac.compare_digest(given.strip().encode(), current.encode()):
        return False
    session[SESSION_KEY] = _mark(current)
    return True


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


def _options(todo: pd.DataFrame, lang: str) -> list[dict]:
    out = []
    for r in todo.itertuples():
        mapping = t(f"src.mapping_{r.mapping}", lang, default=str(r.mapping))
        qualifier = t(f"qualifier.{r.qualifier}", lang, default=str(r.qualifier))
        out.append(
            {
                "label": html.Span(
                    [
                        html.Span(_in_sentence(str(r.text), r.sentence), className="rev-sentence"),
                        html.Br(),
                        html.Small(
                            f"{r.value:g} {r.unit} · {qualifier} · {mapping} · {r.source}", className="meta"
                        ),
                    ],
                    className="rev-item",
                ),
                "value": r.id,
            }
        )
    return out


def _pending(lang: str) -> tuple[list[dict], str]:
    todo = review.pending(queries.engine())
    return _options(todo, lang), t("rev.count", lang, n=len(todo))


def _login(lang: str, failed: bool = False) -> list:
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
        messages.notice(t("rev.login_failed", lang), "error") if failed else None,
    ]


def _control(label: str, for_id: str, component: object, grow: bool = False) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=for_id), component], className="control grow" if grow else "control"
    )


def _panel(lang: str) -> list:
    options, count = _pending(lang)
    eng = queries.engine()
    indicators = [
        {"label": f"{i18n.name(r, lang)} ({r.id})", "value": r.id}
        for r in queries.indicators(eng).itertuples()
    ]
    qualifiers = [{"label": t(f"qualifier.{q}", lang, default=q), "value": q} for q in QUALIFIERS]
    actions = [{"label": t(f"rev.action_{a}", lang), "value": a} for a in review.ACTIONS]
    return [
        html.P(t("rev.intro", lang), className="lede"),
        html.H2(t("rev.pending", lang)),
        html.P(count, id="rev-count", className="meta"),
        dcc.RadioItems(id="rev-figure", options=options, value=None, className="radios rev-list"),
        html.H2(t("rev.decision", lang)),
        html.Div(
            [
                _control(
                    t("rev.action", lang),
                    "rev-action",
                    dcc.RadioItems(
                        id="rev-action", options=actions, value="accept", className="radios", inline=True
                    ),
                    grow=True,
                ),
                _control(
                    t("rev.indicator", lang),
                    "rev-indicator",
                    dcc.Dropdown(id="rev-indicator", options=indicators, placeholder=t("rev.for_map", lang)),
                    grow=True,
                ),
                _control(
                    t("rev.value", lang),
                    "rev-value",
                    dcc.Input(id="rev-value", type="number", min=0, placeholder=t("rev.for_correct", lang)),
                ),
                _control(
                    t("rev.qualifier", lang),
                    "rev-qualifier",
                    dcc.Dropdown(
                        id="rev-qualifier", options=qualifiers, placeholder=t("rev.for_correct", lang)
                    ),
                ),
                _control(
                    t("rev.reason", lang), "rev-reason", dcc.Input(id="rev-reason", type="text"), grow=True
                ),
                _control(t("rev.who", lang), "rev-who", dcc.Input(id="rev-who", type="text")),
            ],
            className="controls",
        ),
        html.Button(t("rev.submit", lang), id="rev-submit", className="button", n_clicks=0),
        html.Div(id="rev-result", **{"aria-live": "polite"}),
    ]


@messages.guarded
def layout(lang: str | None = None, **_: str):
    lang = i18n.lang_of(lang)
    head = [html.H1(t("rev.title", lang)), dcc.Store(id="rev-lang", data=lang)]
    if token() is None:
        return html.Div([*head, messages.notice(t("rev.read_only", lang))], className="page")
    body = _panel(lang) if is_reviewer() else _login(lang)
    return html.Div([*head, html.Div(body, id="rev-body")], className="page")


@callback(
    Output("rev-body", "children"),
    Input("rev-login", "n_clicks"),
    Input("rev-token", "n_submit"),
    State("rev-token", "value"),
    State("rev-lang", "data"),
    prevent_initial_call=True,
)
def sign_in(_clicks, _submit, given, lang):  # type: ignore[no-untyped-def]
    lang = i18n.lang_of(lang)
    if token() is None:
        return [messages.notice(t("rev.read_only", lang))]
    if not _sign_in(given):
        return _login(lang, failed=True)
    return _panel(lang)


@callback(
    Output("rev-result", "children"),
    Output("rev-figure", "options"),
    Output("rev-figure", "value"),
    Output("rev-count", "children"),
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
    if token() is None:
        return messages.notice(t("rev.read_only", lang), "error"), no_update, no_update, no_update
    if not is_reviewer():
        return messages.notice(t("rev.signed_out", lang), "error"), no_update, no_update, no_update
    if not figure:
        return messages.notice(t("rev.need_figure", lang), "warning"), no_update, no_update, no_update
    who = (who or "").strip()
    if not who:
        return messages.notice(t("rev.need_who", lang), "warning"), no_update, no_update, no_update
    try:
        review.decide(
            queries.engine(),
            figure,
            action,
            reason or "",
            who,
            indicator_id=indicator if action == "map" else None,
            value=float(value) if action == "correct" and value is not None else None,
            qualifier=qualifier if action == "correct" else None,
        )
    except ItdashError as e:
        return messages.notice(messages.first_line(e), "error"), no_update, no_update, no_update
    options, count = _pending(lang)
    done = t("rev.done", lang, action=t(f"rev.action_{action}", lang), figure=figure)
    return messages.notice(done), options, None, count
