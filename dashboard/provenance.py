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


def cell(r, lang: str) -> list:  # type: ignore[no-untyped-def]
    """The reply on the sources page, and its address outside; a curated row's citation in words.

    `r` is a row with `doc_id`, `published`, `source_kind` and `source_url`.
    """
    links: list = []
    if isinstance(r.doc_id, str) and r.doc_id:
        published = r.published if pd.notna(r.published) else "?"
        where = i18n.href("/sources", lang, doc=r.doc_id)
        links.append(dcc.Link(t("ind.reply", lang, published=published), href=where))
    kind = t(f"source_kind.{r.source_kind}", lang, default=str(r.source_kind))
    if isinstance(r.source_url, str) and r.source_url.startswith(("http://", "https://")):
        text = "↗" if links else kind
        links += [" ", html.A(text, href=r.source_url, title=r.source_url, rel="noopener")]
    elif isinstance(r.source_url, str) and r.source_url:  # a curated row's citation, not an address
        links += [kind, html.Br(), html.Small(r.source_url, className="citation")]
    return links or [kind]
