"""Page layouts called directly (no browser): messages, filters and HTML highlighting."""

from __future__ import annotations

import shutil
from pathlib import Path

import dash
import pytest
from dash import dcc, html

from dashboard.app import create_app
from etl import pipeline
from tests.dashboard.conftest import UNREACHABLE_URL, sql

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "site" / "gia" / "general" / "202503" / "26"


def _walk(node):  # type: ignore[no-untyped-def]
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        for c in children:
            yield from _walk(c)
    elif children is not None:
        yield from _walk(children)


def _render(url: str, path: str, **params):  # type: ignore[no-untyped-def]
    app = create_app(url)
    page = next(p for p in dash.page_registry.values() if p["path"] == path)
    with app.server.test_request_context(path):
        return page["layout"](**params)


def _classes(tree) -> list[str]:  # type: ignore[no-untyped-def]
    return [getattr(n, "className", "") or "" for n in _walk(tree)]


def _text(tree) -> str:  # type: ignore[no-untyped-def]
    return " ".join(n for n in _walk(tree) if isinstance(n, str))


@pytest.mark.parametrize("path", ["/", "/indicator", "/data-table", "/sources"])
def test_pag001_unreachable_database_is_a_message_on_every_page(path):
    tree = _render(UNREACHABLE_URL, path)
    assert "notice notice-error" in _classes(tree)
    assert "database cannot be read" in _text(tree)


def test_pag002_messages_follow_the_language(sqlite_url):
    tree = _render(sqlite_url, "/", lang="zh")
    assert "尚未載入任何數字" in _text(tree)


def test_pag003_unknown_document_and_bad_date_filter_say_so(loaded):
    assert "“nope”" in _text(_render(loaded, "/sources", doc="nope"))
    tree = _render(loaded, "/data-table", **{"from": "soon"})
    assert "notice notice-warning" in _classes(tree)
    assert any(getattr(n, "id", None) == "dat-grid" for n in _walk(tree))


def test_pag004_html_reply_highlights_exactly_its_figures(tmp_path, sqlite_url):
    corpus = tmp_path / "html"
    corpus.mkdir()
    shutil.copy(SITE / "P2025032600321.htm", corpus)
    (corpus / "manifest.csv").write_text(
        "file,url,published,lang\nP2025032600321.htm,https://www.info.gov.hk/gia/general/202503/26/"
        "P2025032600321.htm,2025-03-26,en\n",
        encoding="utf-8",
    )
    pipeline.run([corpus], sqlite_url, curated_dir=tmp_path / "none")
    doc = sql(sqlite_url, "SELECT id FROM documents WHERE kind = 'html'")[0]["id"]
    figs = sql(sqlite_url, "SELECT text FROM figures WHERE doc_id = :d ORDER BY start", d=doc)
    tree = _render(sqlite_url, "/sources", doc=doc)
    body = next(n for n in _walk(tree) if getattr(n, "id", None) == "src-text")
    marks = [n for n in _walk(body) if isinstance(n, html.Mark)]
    assert [_text(m) for m in marks] == [f["text"] for f in figs]
    assert "<p" not in _text(body) and "LCQ5" in _text(body)


def test_pag005_unknown_indicator_keeps_the_chooser(loaded):
    tree = _render(loaded, "/indicator", indicator="nope")
    assert "notice notice-warning" in _classes(tree)
    select = next(n for n in _walk(tree) if isinstance(n, dcc.Dropdown))
    assert select.value is None and select.options


def test_pag006_grid_sources_are_links_and_citations_cannot_inject_markup(full):
    tree = _render(full, "/data-table")
    grid = next(n for n in _walk(tree) if getattr(n, "id", None) == "dat-grid")
    sources = [row["source"] for row in grid.rowData if row["source"]]
    assert sources and all(s.startswith("[") and "](http" in s for s in sources if "http" in s)
    assert not any("<" in s.replace("\\<", "") for s in sources)
    column = next(c for c in grid.columnDefs if c["field"] == "source")
    assert column["cellRenderer"] == "markdown"
