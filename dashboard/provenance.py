"""Where an observation comes from, as a table cell: one reading for every page that shows rows."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from dashboard import i18n
from dashboard.i18n import t


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
