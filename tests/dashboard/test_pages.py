"""Page layouts called directly (no browser): messages, filters and HTML highlighting."""

from __future__ import annotations

import base64
import shutil
import sys
from pathlib import Path

import dash
import numpy as np
import plotly.graph_objects as go
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


def _traces(graph) -> list:  # type: ignore[no-untyped-def]
    """A dcc.Graph's traces (its figure is kept as plain data)."""
    return list(go.Figure(graph.figure).data)


def _values(array) -> list:  # type: ignore[no-untyped-def]
    """Plotly's plain-data array (a list, or base64 `bdata` with its dtype) as a list of numbers."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


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


def _grid_rows(url: str, search: str = "", start: int = 0, stop: int = 100, sort=None) -> dict:  # type: ignore[no-untyped-def]
    """One block of the data grid's rows through the page's own callback."""
    app = create_app(url)
    rows = sys.modules[
        next(p for p in dash.page_registry.values() if p["path"] == "/data-table")["module"]
    ].rows
    request = {"startRow": start, "endRow": stop, "sortModel": sort or [], "filterModel": {}}
    with app.server.test_request_context("/data-table"):
        return rows(request, search)


def test_pag006_grid_sources_are_links_and_citations_cannot_inject_markup(full):
    tree = _render(full, "/data-table")
    grid = next(n for n in _walk(tree) if getattr(n, "id", None) == "dat-grid")
    sources = [row["source"] for row in _grid_rows(full, stop=1000)["rowData"] if row["source"]]
    assert sources and all(s.startswith("[") and "](http" in s for s in sources if "http" in s)
    assert not any("<" in s.replace("\\<", "") for s in sources)
    column = next(c for c in grid.columnDefs if c["field"] == "source")
    assert column["cellRenderer"] == "markdown"


def test_pag007_grid_reads_blocks_in_sql_filtered_sorted_and_without_overlap(full):
    total = sql(full, "SELECT count(*) AS n FROM observations")[0]["n"]
    got = []
    for start in range(0, total + 7, 7):  # small blocks: the slicing is what is tested
        block = _grid_rows(full, start=start, stop=start + 7)
        assert block["rowCount"] == total
        got += [r["id"] for r in block["rowData"]]
    want = sql(full, "SELECT id FROM observations ORDER BY indicator_id, period_end, period_start, id")
    assert got == [r["id"] for r in want]

    # Sorted by value, largest first, and filtered from the address: the same rows SQL gives.
    block = _grid_rows(full, "?source_kind=reply", stop=1000, sort=[{"colId": "shown", "sort": "desc"}])
    values = [r["value"] for r in block["rowData"]]
    replies = sql(full, "SELECT value FROM observations WHERE source_kind = 'reply' ORDER BY value DESC")
    assert values == [r["value"] for r in replies] and block["rowCount"] == len(replies)

    # By name in the page's language.
    zh = _grid_rows(full, "?lang=zh", stop=1000, sort=[{"colId": "indicator", "sort": "asc"}])["rowData"]
    names = sql(
        full,
        "SELECT i.label_zh AS name FROM observations o JOIN indicators i ON i.id = o.indicator_id "
        "ORDER BY i.label_zh, o.indicator_id, o.period_end, o.period_start, o.id",
    )
    assert [r["indicator"] for r in zh] == [r["name"] for r in names]


def test_pag008_grid_sort_lives_in_the_address(full):
    tree = _render(full, "/data-table", sort="-as_of", source_kind="reply")
    grid = next(n for n in _walk(tree) if getattr(n, "id", None) == "dat-grid")
    assert [(c["field"], c.get("sort")) for c in grid.columnDefs if c.get("sort")] == [("as_of", "desc")]
    assert not next(c for c in grid.columnDefs if c["field"] == "sentence")["sortable"]
    mod = sys.modules[next(p for p in dash.page_registry.values() if p["path"] == "/data-table")["module"]]
    request = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "shown", "sort": "asc"}]}
    assert mod.remember_sort(request, "?source_kind=reply&sort=-as_of&lang=zh") == (
        "?source_kind=reply&sort=shown&lang=zh"
    )
    assert mod.remember_sort({**request, "sortModel": []}, "?sort=shown") == ""
    assert mod.remember_sort(request, "?sort=shown") is dash.no_update
    # An unknown sort in a hand-written address is ignored, not an error.
    tree = _render(full, "/data-table", sort="password")
    grid = next(n for n in _walk(tree) if getattr(n, "id", None) == "dat-grid")
    assert not any(c.get("sort") for c in grid.columnDefs)


SERIES = Path(__file__).resolve().parents[1] / "fixtures" / "series"


def _series_db(tmp_path: Path, url: str, with_replies: bool = True) -> Path:
    folder = tmp_path / "series"
    shutil.copytree(SERIES, folder)
    return folder


def test_pag009_targets_and_warnings_are_drawn_and_listed(tmp_path, sqlite_url):
    folder = _series_db(tmp_path, sqlite_url)
    pipeline.run([folder], sqlite_url, curated_dir=folder / "curated")
    (goal,) = sql(sqlite_url, "SELECT indicator_id, value FROM targets")
    tree = _render(sqlite_url, "/indicator", indicator=goal["indicator_id"])
    chart = next(n for n in _walk(tree) if getattr(n, "id", None) == "ind-chart")
    stars = [tr for tr in _traces(chart) if tr.marker.symbol == "star-open"]
    assert len(stars) == 1 and _values(stars[0].y) == [goal["value"]]
    assert "ind-targets" in [getattr(n, "id", None) for n in _walk(tree)]

    (warned,) = sql(
        sqlite_url,
        "SELECT indicator_id, observation_id, message FROM series_warnings WHERE kind = 'falling_stock'",
    )
    tree = _render(sqlite_url, "/indicator", indicator=warned["indicator_id"])
    chart = next(n for n in _walk(tree) if getattr(n, "id", None) == "ind-chart")
    (ring,) = [tr for tr in _traces(chart) if tr.marker.symbol == "circle-open"]
    assert len(_values(ring.y)) == 1 and warned["message"] in ring.hovertext[0]
    assert warned["message"] in _text(tree)
    overview = _render(sqlite_url, "/")
    card = next(n for n in _walk(overview) if getattr(n, "id", None) == f"card-{warned['indicator_id']}")
    assert "1 value to double-check" in _text(card)


def test_pag010_a_new_etl_run_shows_at_once_though_pages_are_kept(tmp_path, sqlite_url):
    folder = _series_db(tmp_path, sqlite_url)
    first = folder / "2025-02-05-LCQ2-portal-falls.txt"
    held = first.read_bytes()
    first.unlink()
    manifest = folder / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest.write_text("".join(x for x in lines if first.name not in x), encoding="utf-8")
    pipeline.run([folder], sqlite_url, curated_dir=folder / "curated")
    before = _text(_render(sqlite_url, "/indicator", indicator="open_data_datasets"))
    assert before == _text(_render(sqlite_url, "/indicator", indicator="open_data_datasets"))
    first.write_bytes(held)
    manifest.write_text("".join(lines), encoding="utf-8")
    pipeline.run([folder], sqlite_url, curated_dir=folder / "curated")
    after = _text(_render(sqlite_url, "/indicator", indicator="open_data_datasets"))
    assert after != before and "4,800" in after and "4,800" not in before


def test_pag011_tab_titles_follow_the_language(full):
    app = create_app(full)
    client = app.server.test_client()
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/data-table"},
            {"id": "_pages_location", "property": "search", "value": "?lang=zh"},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    client.get("/")
    got = client.post("/_dash-update-component", json=body).json
    assert got["response"]["_pages_store"]["data"]["title"] == "數據 — itdash"
    body["inputs"][0]["value"], body["inputs"][1]["value"] = "/indicator", "?indicator=gerd&lang=zh"
    got = client.post("/_dash-update-component", json=body).json
    name = sql(full, "SELECT label_zh FROM indicators WHERE id = 'gerd'")[0]["label_zh"]
    assert got["response"]["_pages_store"]["data"]["title"] == f"{name} — 指標 — itdash"


def test_pag020_responses_are_compressed_and_fixed_files_cached_for_a_year(sqlite_url):
    import re

    from dashboard import delivery

    client = create_app(sqlite_url).server.test_client()
    page = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers.get("Content-Encoding") == "br", dict(page.headers)
    assert "immutable" not in page.headers.get("Cache-Control", "")  # a page changes with its data
    html = client.get("/").get_data(as_text=True)
    bundles = re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert bundles and assets
    for url in bundles + assets:
        got = client.get(url, headers={"Accept-Encoding": "br"})
        got.get_data()  # read, so a streamed file's context closes in order
        assert got.status_code == 200, url
        if len(client.get(url).get_data()) >= 500:  # a smaller file is not worth compressing
            assert got.headers.get("Content-Encoding") == "br", url
        assert got.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        # The policy headers still go with every response.
        assert "script-src 'self'" in got.headers["Content-Security-Policy"]
    # Plotly's bundle is fetched from the start, compressed.
    assert '<link rel="preload" href="/_dash-component-suites/plotly/package_data/plotly.min.js"' in html
    plotly = client.get(delivery.PLOTLY, headers={"Accept-Encoding": "br"})
    assert plotly.status_code == 200 and plotly.headers["Content-Encoding"] == "br"
    assert len(plotly.data) < 2_000_000  # 4.8 MB as it is
    # The same bundle again: the kept compressed bytes, identical.
    first = client.get(bundles[0], headers={"Accept-Encoding": "br"}).data
    assert client.get(bundles[0], headers={"Accept-Encoding": "br"}).data == first


def test_pag021_every_theme_with_data_reaches_the_overview(full):
    tree = _render(full, "/")
    sections = {n.id for n in _walk(tree) if getattr(n, "id", "") and str(n.id).startswith("theme-")}
    with_data = {
        r["theme"]
        for r in sql(
            full,
            # Curated indicators: a series nobody has curated has no theme, and no place there.
            "SELECT DISTINCT i.theme FROM indicators i JOIN observations o ON o.indicator_id = i.id"
            " WHERE i.series IS NULL",
        )
    }
    assert {f"theme-{th}" for th in with_data} <= sections
    assert {"theme-smart_city", "theme-talent", "theme-rankings"} & sections


def test_pag022_the_grid_searches_in_sql_and_speaks_chinese(full):
    app = create_app(full)
    mod = sys.modules[next(p for p in dash.page_registry.values() if p["path"] == "/data-table")["module"]]
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    with app.server.test_request_context("/"):
        everything = mod.rows(request, "")
        found = mod.rows(request, "?q=Science%20Park&lang=zh")
        none = mod.rows(request, "?q=zzqqxx%25_")
    assert 0 < found["rowCount"] < everything["rowCount"]
    assert all(
        "science park" in (r["sentence"] + r["source"] + r["indicator"]).lower() or "科學園" in r["indicator"]
        for r in found["rowData"]
    )
    assert none["rowCount"] == 0
    tree = _render(full, "/data-table", lang="zh", q="Science Park")
    grid = next(n for n in _walk(tree) if getattr(n, "id", None) == "dat-grid")
    assert grid.dashGridOptions["localeText"]["noRowsToShow"] == "沒有可顯示的資料"
    assert all("linkTarget" not in c for c in grid.columnDefs)  # AG Grid warns about it on every load
    sentence = next(c for c in grid.columnDefs if c["field"] == "sentence")
    assert sentence["wrapText"] and sentence["tooltipField"] == "sentence"
    box = next(n for n in _walk(tree) if getattr(n, "id", None) == "dat-search")
    assert box.value == "Science Park" and box.placeholder == "原句、來源或指標中的字詞"


def test_pag_sample_every_page_says_when_it_shows_the_projects_own_sample(tmp_path, loaded):
    """A clone without ../shared loads data/sample; the frame then says the figures are fictional."""
    from dashboard import app as frame
    from etl import settings

    app = create_app(loaded)
    with app.server.app_context():
        assert frame._shows_sample() is False  # the fixture corpus is not the sample
    sample_db = f"sqlite:///{tmp_path / 'sample.sqlite'}"
    pipeline.run([settings.SAMPLE_CORPUS], sample_db, curated_dir=tmp_path / "none")
    app = create_app(sample_db)
    with app.server.app_context():
        assert frame._shows_sample() is True
    from dashboard.i18n import t

    assert "fictional" in t("frame.sample", "en") and "虛構" in t("frame.sample", "zh")
