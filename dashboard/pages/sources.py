"""Sources page: every document read, what was found in it, and what could not be loaded.

`/sources` lists the documents (date, address, figures found and mapped),
the curated references (publisher, document, date, tier, address) and the
quarantine with its reasons; `/sources?doc=ID` shows one document's visible
text with each figure highlighted, a mapped figure linking to its indicator.
Each figure carries the anchor `fig-<figure id>`: `/sources?doc=ID#fig-FIG`
(provenance.figure_link) scrolls to that sentence and marks it. The text is
built from Dash components (strings and <mark>s), so nothing in a document is
ever read as markup.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, clientside_callback, dcc, html

from dashboard import highlight, i18n, messages, provenance, queries
from dashboard.i18n import t

dash.register_page(__name__, path="/sources", name="Sources", title=i18n.title("nav.sources"), order=3)


def _link(url: object) -> object:
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return html.A(url, href=url, rel="noopener", className="url")
    return "—"


def _name(doc) -> str:  # type: ignore[no-untyped-def]
    """A document's title, else its file's name (never the folders it sits in on the server)."""
    return doc.title or provenance.public(doc.source)


def _documents(docs: pd.DataFrame, lang: str) -> html.Table:
    cols = ("published", "document", "address", "found", "mapped")
    head = html.Thead(html.Tr([html.Th(t(f"src.{c}", lang), scope="col") for c in cols]))
    rows = [
        html.Tr(
            [
                html.Td(str(r.published), className="nowrap"),
                html.Td(dcc.Link(_name(r), href=i18n.href("/sources", lang, doc=r.id))),
                html.Td(_link(r.url)),
                html.Td(str(r.figures_found), className="num"),
                html.Td(str(r.figures_mapped), className="num"),
            ]
        )
        for r in docs.itertuples()
    ]
    return html.Table([head, html.Tbody(rows)], id="src-docs", className="data")


def _curated(src: pd.DataFrame, lang: str) -> list:
    """The curated references behind the observations, so a reader sees every source, not only replies."""
    if src.empty:
        return []
    cols = ("published", "publisher", "source_title", "tier", "address", "observations")
    head = html.Thead(html.Tr([html.Th(t(f"src.{c}", lang), scope="col") for c in cols]))
    rows = [
        html.Tr(
            [
                html.Td(str(r.published) if pd.notna(r.published) else "—", className="nowrap"),
                # Names and titles as their sources write them (in English), marked so.
                html.Td(r.publisher, lang="en")
                if isinstance(r.publisher, str)
                else html.Td(t("src.untitled", lang)),
                html.Td(r.source_title if isinstance(r.source_title, str) else "—", lang="en"),
                html.Td(provenance.tier(r, lang) or "—"),
                html.Td(_link(r.source_url), lang="en"),
                html.Td(str(r.observations), className="num"),
            ]
        )
        for r in src.itertuples()
    ]
    return [
        html.H2(t("src.curated", lang)),
        html.P(t("src.curated_intro", lang, n=len(src)), className="meta"),
        html.Div(
            html.Table([head, html.Tbody(rows)], id="src-curated", className="data"), className="table-wrap"
        ),
    ]


def _quarantine(q: pd.DataFrame, lang: str) -> list:
    if q.empty:
        return [html.P(t("src.no_quarantine", lang))]
    head = html.Thead(
        html.Tr([html.Th(t(f"src.{c}", lang), scope="col") for c in ("source", "stage", "reason")])
    )
    rows = [
        html.Tr(
            [
                html.Td(provenance.public(r.source), className="path"),
                html.Td(t(f"src.stage_{r.stage}", lang, default=str(r.stage))),
                html.Td(
                    messages.quarantine_reason(
                        getattr(r, "code", None), getattr(r, "detail", None), r.reason, lang
                    )
                ),
            ]
        )
        for r in q.itertuples()
    ]
    return [
        html.Div(
            html.Table([head, html.Tbody(rows)], id="src-quarantine", className="data"),
            className="table-wrap",
        )
    ]


def _list(eng, lang: str) -> html.Div:  # type: ignore[no-untyped-def]
    docs = queries.documents(eng)
    body = (
        html.Div(_documents(docs, lang), className="table-wrap") if not docs.empty else messages.empty(lang)
    )
    return html.Div(
        [
            html.H1(t("src.title", lang)),
            html.P(t("src.intro", lang, n=len(docs)), className="lede") if not docs.empty else None,
            html.H2(t("src.replies", lang)),
            body,
            *_curated(queries.curated_sources(eng), lang),
            html.H2(t("src.quarantine", lang)),
            html.P(t("src.quarantine_intro", lang), className="meta"),
            *_quarantine(queries.quarantine(eng), lang),
        ],
        className="page",
    )


def _marked(doc: dict, figs: pd.DataFrame, names: dict[str, str], lang: str) -> list:
    """The document's visible text as strings and <mark> components."""
    text, spans = highlight.to_visible(doc["content"], zip(figs["start"], figs["end"], strict=True))
    out: list = []
    for k, run in enumerate(highlight.runs(text, spans)):
        if run.figure is None:
            out.append(run.text.lstrip() if k == 0 else run.text)  # no blank lines before the title
            continue
        f = figs.iloc[run.figure]
        if f["mapping"] == "mapped" and isinstance(f["indicator_id"], str):
            name = names.get(f["indicator_id"], f["indicator_id"])
            inner = dcc.Link(
                run.text, href=i18n.href("/indicator", lang, indicator=f["indicator_id"]), title=name
            )
            out.append(html.Mark(inner, className="fig mapped", title=name, id=f"fig-{f['id']}"))
        else:
            out.append(
                html.Mark(
                    run.text,
                    className="fig unmapped",
                    title=t(f"src.mapping_{f['mapping']}", lang, default=str(f["mapping"])),
                    id=f"fig-{f['id']}",
                )
            )
    return out


def _document(eng, doc_id: str, lang: str) -> html.Div:  # type: ignore[no-untyped-def]
    back = dcc.Link("← " + t("src.back", lang), href=i18n.href("/sources", lang))
    doc = queries.document(eng, doc_id)
    if doc is None:
        return html.Div(
            [back, messages.notice(t("src.unknown", lang, id=doc_id), "warning")], className="page"
        )
    figs = queries.document_figures(eng, doc_id)
    names = {r.id: i18n.name(r, lang) for r in queries.indicators(eng).itertuples()}
    facts = [
        (t("src.published", lang), str(doc["published"])),
        (t("src.address", lang), _link(doc["url"])),
        (t("src.file", lang), provenance.public(doc["source"])),
        (t("src.found", lang), str(doc["figures_found"])),
        (t("src.mapped", lang), str(doc["figures_mapped"])),
    ]
    return html.Div(
        [
            back,
            html.H1(doc["title"] or provenance.public(doc["source"])),
            html.Dl([x for k, v in facts for x in (html.Dt(k), html.Dd(v))], className="facts"),
            html.P(
                [
                    t("src.key", lang),
                    " ",
                    html.Mark(t("src.key_mapped", lang), className="fig mapped"),
                    " ",
                    html.Mark(t("src.key_unmapped", lang), className="fig unmapped"),
                ],
                className="meta",
            ),
            html.Div(
                _marked(doc, figs, names, lang),
                id="src-text",
                className="doc-text",
                lang="zh-Hant-HK" if doc["lang"] == "zh" else "en",
            ),
            html.Div(id="src-landed", hidden=True),
        ],
        className="page",
    )


@messages.guarded
def layout(doc: str | None = None, lang: str | None = None, **_: str):
    lang = i18n.lang_of(lang)
    eng = queries.engine()
    return _document(eng, doc, lang) if doc else _list(eng, lang)


# The page is drawn after the browser has looked for the address's #fig-... anchor,
# so the browser never scrolls there by itself: once the text is drawn, find the
# figure, bring it into view and mark it (the `landed` class and an outline).
clientside_callback(
    """
    function(children) {
        var id = decodeURIComponent((window.location.hash || "").slice(1));
        if (!id || id.indexOf("fig-") !== 0) { return ""; }
        var el = document.getElementById(id);
        if (!el) { return "missing"; }
        document.querySelectorAll("mark.landed").forEach(function(m) {
            m.classList.remove("landed"); m.style.outline = "";
        });
        el.classList.add("landed");
        el.style.outline = "3px solid #d9480f";
        el.style.outlineOffset = "2px";
        el.setAttribute("tabindex", "-1");
        el.scrollIntoView({block: "center"});
        el.focus({preventScroll: true});
        return id;
    }
    """,
    Output("src-landed", "children"),
    Input("src-text", "children"),
)
