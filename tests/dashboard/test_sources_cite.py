"""The Sources page as a citation aid (no browser): curated sources listed, an anchor per figure,
links that land on the sentence, no server paths, and Chinese throughout in Chinese."""

from __future__ import annotations

import re

from dash import dcc, html

from dashboard import provenance, queries
from tests.dashboard.conftest import sql
from tests.dashboard.test_pages import _render, _walk


def _strings(node) -> list[str]:  # type: ignore[no-untyped-def]
    return [n for n in _walk(node) if isinstance(n, str)]


def test_src101_curated_sources_are_listed_with_publisher_tier_and_count(full):
    tree = _render(full, "/sources")
    table = next(n for n in _walk(tree) if getattr(n, "id", None) == "src-curated")
    rows = [n for n in _walk(table) if isinstance(n, html.Tr)][1:]
    want = sql(
        full,
        "SELECT source_url, publisher, source_tier, published, COUNT(*) AS n FROM observations "
        "WHERE source_kind = 'curated' GROUP BY source_url, publisher, source_title, published, source_tier",
    )
    assert len(rows) == len(want) > 50
    cells = [[" ".join(_strings(td)) for td in r.children] for r in rows]
    assert sum(int(c[-1]) for c in cells) == sum(w["n"] for w in want)
    urls = {w["source_url"] for w in want}
    shown = {a.href for r in rows for a in _walk(r) if isinstance(a, html.A)}
    assert shown == urls
    tiers = {c[3] for c in cells}
    assert tiers == {"official", "copy", "secondary"}


def test_src102_every_figure_has_an_anchor_and_the_table_link_lands_on_it(full):
    obs = queries.observations(queries.engine(full), "open_data_datasets")
    reply = next(r for r in obs.itertuples() if r.source_kind == "reply")
    cell = provenance.cell(reply, "en")
    (link,) = [n for n in cell if isinstance(n, dcc.Link)]
    assert link.href == f"/sources?doc={reply.doc_id}#fig-{reply.figure_id}"
    assert provenance.figure_link(reply.doc_id, reply.figure_id, "zh") == (
        f"/sources?doc={reply.doc_id}&lang=zh#fig-{reply.figure_id}"
    )
    page = _render(full, "/sources", doc=reply.doc_id)
    body = next(n for n in _walk(page) if getattr(n, "id", None) == "src-text")
    marks = {n.id for n in _walk(body) if isinstance(n, html.Mark)}
    figs = {r["id"] for r in sql(full, "SELECT id FROM figures WHERE doc_id = :d", d=reply.doc_id)}
    assert marks == {f"fig-{f}" for f in figs}
    assert f"fig-{reply.figure_id}" in marks
    curated = next(r for r in obs.itertuples() if r.source_kind == "curated")
    text = " ".join(_strings(html.Div(provenance.cell(curated, "en"))))
    assert curated.publisher in text and curated.source_tier in ("official", "mirror", "secondary")


def test_src103_no_server_paths_on_the_sources_page(full, corpus):
    folder = str(corpus.resolve().parent)
    for tree in (
        _render(full, "/sources"),
        _render(full, "/sources", doc=sql(full, "SELECT id FROM documents")[0]["id"]),
    ):
        text = " ".join(_strings(tree))
        assert folder not in text and not re.search(r"(?<![\w:])/(?:work|srv|home|tmp)/", text), text[:300]


LATIN = re.compile(r"[A-Za-z]{2,}")


def test_src104_chinese_sources_page_has_no_english_interface_text(full):
    """Headings, column names, notes and tier words in Chinese; document titles and publishers are names,
    and a quarantine reason's technical detail is quoted as it is, marked English."""
    for tree in (
        _render(full, "/sources", lang="zh"),
        _render(full, "/sources", lang="zh", doc=sql(full, "SELECT id FROM documents")[0]["id"]),
    ):
        ui = [
            s
            for n in _walk(tree)
            if isinstance(n, (html.Th, html.H2, html.Dt, html.P, html.Span))
            and not isinstance(n, html.Mark)
            and getattr(n, "lang", None) != "en"
            for s in _strings(n)
        ]
        assert ui
        english = [s for s in ui if LATIN.search(s)]
        assert not english, english


def test_src105_the_grid_rows_carry_each_rows_tier_and_citation(full):
    from tests.dashboard.test_pages import _grid_rows

    rows = _grid_rows(full, stop=1000)["rowData"]
    assert rows and all(r["citation"] and r["tier"] in ("official", "copy", "secondary") for r in rows)
    want = {r["id"]: r["source_tier"] for r in sql(full, "SELECT id, source_tier FROM observations")}
    copies = [r for r in rows if r["tier"] == "copy"]
    assert copies and all(want[r["id"]] == "mirror" for r in copies)
    zh = _grid_rows(full, "?lang=zh", stop=5)["rowData"]
    assert all(r["tier"] in ("官方", "副本", "二手報道") for r in zh)
