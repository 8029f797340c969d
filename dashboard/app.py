"""The app frame: navigation, the language switch, the database it reads, the pages folder.

Pages live one per module in dashboard/pages and read data only inside
their `layout()`, so importing the app touches no database. The address is
the state: the frame reads `lang` from it to label the navigation, and each
page renders from its query parameters (Dash re-renders a page whenever its
address changes, so back and forward restore earlier views).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dash
from dash import Dash, Input, Output, dcc, html

from dashboard import auth, cache, delivery, downloads, i18n, inputs, queries, security
from dashboard.i18n import t
from etl import settings

NAV = [
    ("/", "nav.overview"),
    ("/indicator", "nav.indicator"),
    ("/data-table", "nav.data"),
    ("/sources", "nav.sources"),
]
# Shown only while ITDASH_REVIEW_TOKEN is set (see dashboard/pages/review.py).
REVIEW_NAV = ("/review", "nav.review")


def _nav(pathname: str, lang: str) -> list:
    links = []
    for path, key in NAV + ([REVIEW_NAV] if settings.review_token() else []):
        here = pathname == path or (path != "/" and pathname.startswith(path))
        links.append(dcc.Link(t(key, lang), href=i18n.href(path, lang), className="here" if here else ""))
    return links


def _switch(pathname: str, search: str, lang: str) -> list:
    """Links to this very view in each language (the current one is plain text)."""
    out = []
    for code in i18n.LANGS:
        text = t("lang.name", code)
        if code == lang:
            out.append(html.Span(text, className="lang-current", title=t("lang.current", lang)))
        else:
            target = pathname + i18n.query({**i18n.params(search), "lang": code})
            out.append(dcc.Link(text, href=target, id=f"lang-{code}", title=t("lang.switch", code)))
    return out


def _shows_sample() -> bool:
    """Whether the latest ETL run read the project's own fictional sample (issue 16)."""
    try:
        run = queries.last_run(queries.engine())
    except Exception:  # noqa: BLE001 - an unreadable database is the pages' message to give
        return False
    corpus = (run or {}).get("corpus") or ""
    return any(settings.is_sample(part.strip()) for part in corpus.split(",") if part.strip())


def create_app(database_url: str | None = None, secret_key: str | None = None) -> Dash:
    """The dashboard reading `database_url`; `secret_key` signs sessions (else ITDASH_SECRET_KEY)."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        title="itdash — Hong Kong I&T figures",
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.server.config["ITDASH_DATABASE_URL"] = database_url or settings.database_url()
    # Signs the session cookie that marks a reviewer; a random key signs everyone out on restart.
    app.server.secret_key = secret_key or settings.secret_key() or secrets.token_hex(32)
    app.server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    downloads.register(app.server)
    security.register(app)
    inputs.register(app.server)
    auth.init_app(app.server)
    cache.init_app(app.server)
    delivery.register(app.server)
    app.index_string = delivery.preload(app.index_string)
    app.layout = html.Div(
        [
            dcc.Location(id="frame-url", refresh=False),
            dcc.Store(id="frame-lang"),
            html.A(t("frame.skip"), href="#main", className="skip-link", id="skip-link"),
            html.Header(
                [
                    html.A("itdash", href="/", className="brand", id="brand"),
                    html.Nav(_nav("/", "en"), id="nav", **{"aria-label": "pages"}),
                    html.Div(_switch("/", "", "en"), id="lang-switch", className="lang-switch"),
                ],
                className="top",
            ),
            html.P(id="sample-notice", className="frame-notice", role="note", hidden=True),
            html.Main(dash.page_container, id="main", tabIndex="-1"),
            html.Footer(t("frame.footer"), id="footer", className="foot"),
        ]
    )

    @app.callback(
        Output("nav", "children"),
        Output("lang-switch", "children"),
        Output("brand", "href"),
        Output("footer", "children"),
        Output("skip-link", "children"),
        Output("sample-notice", "children"),
        Output("sample-notice", "hidden"),
        Input("frame-url", "pathname"),
        Input("frame-url", "search"),
    )
    def frame(pathname: str | None, search: str | None):  # type: ignore[no-untyped-def]
        pathname = inputs.search(pathname) or "/"
        search = inputs.search(search)
        lang = i18n.lang_of(i18n.params(search).get("lang"))
        sample = _shows_sample()
        return (
            _nav(pathname, lang),
            _switch(pathname, search or "", lang),
            i18n.href("/", lang),
            t("frame.footer", lang),
            t("frame.skip", lang),
            t("frame.sample", lang) if sample else "",
            not sample,
        )

    app.clientside_callback(
        """function(search) {
            const lang = new URLSearchParams(search || "").get("lang") || "";
            const zh = lang.toLowerCase().startsWith("zh");
            document.documentElement.lang = zh ? "zh-Hant-HK" : "en";
            return zh ? "zh" : "en";
        }""",
        Output("frame-lang", "data"),
        Input("frame-url", "search"),
    )
    return app
