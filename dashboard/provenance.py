"""Where an observation comes from, as a table cell: one reading for every page that shows rows.

A document's `source` is its path inside the corpus, except when a file was
given to `itdash etl` by itself (its path as given, often absolute), and a
quarantine reason may quote a path (a manifest's, an operating system error's).
Visitors see the file's own name: where the server keeps its files is not theirs
to know (`public`).
"""

from __future__ import annotations

import re

import pandas as pd
from dash import dcc, html

from dashboard import i18n
from dashboard.i18n import t

# An absolute path's folders: "/srv/corpus/" or "C:\\corpus\\" before a file name.
_FOLDERS = re.compile(r"(?<![\w.~:/\\])(?:~|[A-Za-z]:)?[\\/](?:[^\s\\/:'\"]+[\\/])+")


def public(text: object) -> str:
    """`text` with every absolute path cut to its last part ("/srv/corpus/a.txt" -> "a.txt")."""
    if not isinstance(text, str):
        return ""
    return _FOLDERS.sub("", text)


def figure_link(doc_id: str, figure_id: str | None, lang: str) -> str:
    """The address of a reply on the Sources page, landing on a figure's sentence.

    `/sources?doc=ID&lang=..#fig-FIGUREID`: the document view gives every figure
    the anchor `fig-<figure id>`, scrolls to the one named and highlights it.
    Charts and tables link a point here so a click opens the reply at its sentence.
    """
    return i18n.href("/sources", lang, doc=doc_id) + (f"#fig-{figure_id}" if figure_id else "")


def _lang(code: object) -> str:
    return "zh" if isinstance(code, str) and code.startswith("zh") else "en"


def in_language(obs: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Each reply row's sentence in the page's language where the other version states the figure.

    The two versions of a reply are paired figure by figure (etl/pairing.py, `twin_id`);
    a Chinese page shows the Chinese version's sentence for a point read from the
    English reply, and an English page the English one's for a point read from the Chinese.
    """
    if obs.empty or "twin_sentence" not in obs:
        return obs
    want = _lang(lang)
    swap = obs["twin_sentence"].notna() & (obs["doc_lang"].map(_lang) != want)
    out = obs.copy()
    out.loc[swap, "sentence"] = out.loc[swap, "twin_sentence"]
    return out


def _text(r, name: str) -> str | None:  # type: ignore[no-untyped-def]
    v = getattr(r, name, None)
    return v if isinstance(v, str) and v else None


def tier(r, lang: str) -> html.Span | None:  # type: ignore[no-untyped-def]
    """How close the source is to the official original: a reply or an official site, a copy, a report."""
    name = "official" if getattr(r, "source_kind", None) == "reply" else _text(r, "source_tier")
    if name is None:
        return None
    return html.Span(
        t(f"tier.{name}", lang, default=name),
        className=f"tier tier-{name}",
        title=t(f"tier.{name}_why", lang),
    )


def cell(r, lang: str) -> list:  # type: ignore[no-untyped-def]
    """The reply on the sources page at its sentence, and its address outside; a curated row's
    publisher and tier, linking to its address.

    `r` is a row with `doc_id`, `published`, `source_kind` and `source_url`, and where
    known `figure_id`, `source_tier` and `publisher`.
    """
    links: list = []
    if isinstance(r.doc_id, str) and r.doc_id:
        published = r.published if pd.notna(r.published) else "?"
        where = figure_link(r.doc_id, _text(r, "figure_id"), lang)
        links.append(dcc.Link(t("ind.reply", lang, published=published), href=where, className="to-sentence"))
        twin_doc = _text(r, "twin_doc_id")
        if twin_doc is not None:  # the other language's version, at the same figure's sentence
            other = "en" if _lang(getattr(r, "doc_lang", None)) == "zh" else "zh"
            there = figure_link(twin_doc, _text(r, "twin_figure_id"), lang)
            links += [
                " · ",
                dcc.Link(t(f"ind.version_{other}", lang), href=there, className="to-sentence twin"),
            ]
    kind = t(f"source_kind.{r.source_kind}", lang, default=str(r.source_kind))
    publisher = _text(r, "publisher")
    url = r.source_url if isinstance(r.source_url, str) else ""
    # A publisher's name is as the source writes it (in English): marked so, for readers and tools.
    named = html.Span(publisher, lang="en") if publisher else kind
    if url.startswith(("http://", "https://")):
        text = "↗" if links else named
        links += [" ", html.A(text, href=url, title=url, rel="noopener")]
    elif url:  # a curated row's citation, not an address
        links += [named, html.Br(), html.Small(url, className="citation", lang="en")]
    elif publisher and not links:
        links.append(named)
    badge = tier(r, lang)
    out = links or [kind]
    return out + ([" ", badge] if badge is not None else [])
