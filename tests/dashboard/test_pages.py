"""Page layouts called directly (no browser): messages, filters and HTML highlighting."""

from __future__ import annotations

import base64
import csv
import io
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
    assert mod.remember_view(request, "?source_kind=reply&sort=-as_of&lang=zh") == (
        "?source_kind=reply&sort=shown&lang=zh"
    )
    assert mod.remember_view({**request, "sortModel": []}, "?sort=shown") == ""
    assert mod.remember_view(request, "?sort=shown") is dash.no_update
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


def _data_module():  # type: ignore[no-untyped-def]
    return sys.modules[next(p for p in dash.page_registry.values() if p["path"] == "/data-table")["module"]]


def test_pag023_column_filters_narrow_the_grid_in_sql_as_the_database_does(full):
    values = sorted(r["value"] for r in sql(full, "SELECT value FROM observations"))
    middle = values[len(values) // 2]
    model = {
        "shown": {"filterType": "number", "type": "greaterThan", "filter": middle},
        "published": {
            "filterType": "date",
            "type": "inRange",
            "dateFrom": "2015-01-01 00:00:00",
            "dateTo": "2024-12-31 00:00:00",
        },
    }
    block = _grid_rows(full, stop=1000)
    app = create_app(full)
    mod = _data_module()
    with app.server.test_request_context("/data-table"):
        block = mod.rows({"startRow": 0, "endRow": 1000, "sortModel": [], "filterModel": model}, "")
        # The Chinese unit name a Chinese reader sees finds the unit's code.
        dataset = mod.rows(
            {
                "startRow": 0,
                "endRow": 1000,
                "filterModel": {"unit": {"filterType": "text", "type": "equals", "filter": "數據集"}},
            },
            "?lang=zh",
        )
        # An indicator by its Chinese name; a sentence's words with LIKE's own wildcards kept literal.
        named = mod.rows(
            {
                "startRow": 0,
                "endRow": 1000,
                "filterModel": {
                    "indicator": {"filterType": "text", "type": "contains", "filter": "資料一線通"}
                },
            },
            "",
        )
        wild = mod.rows(
            {
                "startRow": 0,
                "endRow": 10,
                "filterModel": {"sentence": {"filterType": "text", "type": "contains", "filter": "%_%"}},
            },
            "",
        )
    want = sql(
        full,
        "SELECT id FROM observations WHERE value > :v AND published BETWEEN '2015-01-01' AND '2024-12-31'",
        v=middle,
    )
    assert 0 < block["rowCount"] == len(want) < len(values)
    assert {r["id"] for r in block["rowData"]} == {r["id"] for r in want}
    datasets = sql(full, "SELECT id FROM observations WHERE unit = 'dataset'")
    assert 0 < dataset["rowCount"] == len(datasets)
    portal = sql(
        full,
        "SELECT o.id FROM observations o JOIN indicators i ON i.id = o.indicator_id "
        "WHERE i.label_zh LIKE '%資料一線通%'",
    )
    assert 0 < named["rowCount"] == len(portal)
    assert wild["rowCount"] == 0


def test_pag024_column_filters_live_in_the_address_and_the_count_and_downloads_follow(full):
    app = create_app(full)
    mod = _data_module()
    model = {"sentence": {"filterType": "text", "type": "contains", "filter": "businesses"}}
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": model}
    search = mod.remember_view(request, "?source_kind=reply&lang=zh")
    assert search == "?source_kind=reply&f.sentence=contains%3Abusinesses&lang=zh"
    assert mod.remember_view(request, search) is dash.no_update
    assert mod.remember_view({**request, "filterModel": {}}, search) == "?source_kind=reply&lang=zh"

    want = sql(
        full,
        "SELECT o.id FROM observations o LEFT JOIN sentences s ON s.id = o.sentence_id"
        " WHERE o.source_kind = 'reply' AND lower(coalesce(s.text, o.sentence)) LIKE '%businesses%'",
    )
    assert (
        0
        < len(want)
        < sql(full, "SELECT count(*) AS n FROM observations WHERE source_kind = 'reply'")[0]["n"]
    )
    args = {"source_kind": "reply", "f.sentence": "contains:businesses"}
    tree = _render(full, "/data-table", **args)
    grid = next(n for n in _walk(tree) if getattr(n, "id", None) == "dat-grid")
    assert grid.dashGridOptions["initialState"]["filter"]["filterModel"] == model
    assert f"Showing {len(want)} of" in _text(tree)
    links = [n.href for n in _walk(tree) if str(getattr(n, "id", "")).startswith("dat-download-csv")]
    assert links == ["/data/observations.csv?source_kind=reply&f.sentence=contains%3Abusinesses"]
    body = app.server.test_client().get(links[0])
    assert body.status_code == 200
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True))))
    assert sorted(r["observation_id"] for r in rows) == sorted(r["id"] for r in want)
    # A filter in the address no grid could set is said on the page, not a 500.
    tree = _render(full, "/data-table", **{"f.value": "contains:many"})
    assert "notice notice-warning" in _classes(tree)
    assert "value is a number column" in _text(tree)
    assert app.server.test_client().get("/data/observations.csv?f.nope=equals:1").status_code == 400


def _by_id(tree, id_: str):  # type: ignore[no-untyped-def]
    return next(n for n in _walk(tree) if getattr(n, "id", None) == id_)


def _english_spans(tree) -> list[str]:  # type: ignore[no-untyped-def]
    return [_text(n) for n in _walk(tree) if isinstance(n, html.Span) and getattr(n, "lang", None) == "en"]


def test_pag025_check_messages_and_quarantine_reasons_are_chinese_on_chinese_pages(full):
    from sqlalchemy import create_engine, text

    from dashboard import cache

    stock = sql(full, "SELECT indicator_id, message FROM series_warnings WHERE kind = 'falling_stock'")[0]
    zh = _by_id(_render(full, "/indicator", indicator=stock["indicator_id"], lang="zh"), "ind-warnings")
    assert "跌至" in _text(zh) and "累計數字不應下跌" in _text(zh)
    assert "should not fall" not in _text(zh) and not _english_spans(zh)
    en = _by_id(_render(full, "/indicator", indicator=stock["indicator_id"]), "ind-warnings")
    assert stock["message"] in _text(en)

    quarantined = _by_id(_render(full, "/sources", lang="zh"), "src-quarantine")
    assert "未通過驗證：" in _text(quarantined) and "找不到" in _text(quarantined)
    assert "答覆的日期不見於" in _text(quarantined)
    assert "failed validation" not in _text(quarantined)
    # The validation report's own words are quoted as they are, marked English.
    assert "as_of must not be after the source's publication date" in _english_spans(quarantined)

    # A database from before the codes: its English, marked as English.
    engine = create_engine(full)
    with engine.begin() as c:
        c.execute(text("UPDATE series_warnings SET params = NULL"))
        c.execute(text("UPDATE quarantine SET code = NULL, detail = NULL"))
    engine.dispose()
    cache._store.clear()  # the same runs: the kept pages would be the coded ones
    zh = _by_id(_render(full, "/indicator", indicator=stock["indicator_id"], lang="zh"), "ind-warnings")
    assert stock["message"] in _english_spans(zh)
    quarantined = _by_id(_render(full, "/sources", lang="zh"), "src-quarantine")
    assert "no 'Reply:' part found" in _english_spans(quarantined)
    assert "未通過驗證" not in _text(quarantined)


def test_pag026_a_twin_disagreement_is_written_in_the_pages_language():
    import json

    from dashboard import messages

    params = json.dumps(
        {"en": {"text": "over 5,500", "qualifier": "over", "as_of": "2024-03-31"}, "zh": None}
    )
    english = "the English version says 'over 5,500' (over, 2024-03-31), the Chinese nothing"
    zh = messages.warning("twin_disagrees", params, english, "zh")
    said = messages.warning_text("twin_disagrees", params, english, "zh")
    assert said.startswith("英文版本為「over 5,500」（超過") and said.endswith(
        "2024年3月），中文版本為沒有數字"
    )
    assert _english_spans(html.Div(zh)) == ["over 5,500"]
    assert messages.warning("twin_disagrees", params, english, "en") == [english]
    # Parameters another version wrote, or none: the English, never a failed page.
    assert _english_spans(html.Div(messages.warning("twin_disagrees", '{"en": 3}', english, "zh"))) == [
        english
    ]
    assert messages.warning_text("outlier", "not json", "2 is off", "zh") == "與相鄰數值相差甚遠"
    assert messages.warning_text("outlier", "not json", "2 is off", "en") == "2 is off"


def _strings_of(node) -> list[str]:  # type: ignore[no-untyped-def]
    """A node's text in order, with no separators (the text as a reader sees it)."""
    children = node.children if hasattr(node, "children") else node
    if isinstance(children, str):
        return [children]
    if isinstance(children, list | tuple):
        return [s for c in children for s in _strings_of(c)]
    return []


def test_pag027_chinese_pages_give_the_chinese_definition_and_the_english_only_where_none(full):
    from sqlalchemy import create_engine, text

    from dashboard import cache

    zh = _by_id(_render(full, "/indicator", indicator="open_data_datasets", lang="zh"), "ind-definition")
    want = sql(full, "SELECT definition_zh FROM indicators WHERE id = 'open_data_datasets'")[0][
        "definition_zh"
    ]
    assert _text(zh.children[0]) == "定義" and "".join(_strings_of(zh.children[1])) == want.replace("`", "")
    assert getattr(zh.children[1], "lang", None) is None
    # Its codes and names are marked as what they are: a series id, a status, Latin words.
    codes = [n.children for n in _walk(zh) if isinstance(n, html.Code)]
    assert codes == ["csdi_spatial_datasets", "target"]
    assert all(n.lang == "en" for n in _walk(zh) if isinstance(n, html.Code))
    en = _by_id(_render(full, "/indicator", indicator="open_data_datasets"), "ind-definition")
    assert _text(en.children[0]) == "Definition" and en.children[1].lang == "en"
    # No Chinese definition stored (an older database, a series promoted in review): the English, said so.
    engine = create_engine(full)
    with engine.begin() as c:
        c.execute(text("UPDATE indicators SET definition_zh = NULL WHERE id = 'open_data_datasets'"))
    engine.dispose()
    cache._store.clear()
    zh = _by_id(_render(full, "/indicator", indicator="open_data_datasets", lang="zh"), "ind-definition")
    assert _text(zh.children[0]) == "定義（英文）" and zh.children[1].lang == "en"


@pytest.mark.parametrize(("path", "box"), [("/data-table", "dat-search"), ("/indicator", "ind-search")])
def test_pag028_each_search_box_is_a_labelled_search_landmark(full, path, box):
    """A screen reader's landmark list finds every page's search, each named by its label."""
    tree = _render(full, path, lang="en", q="Park")
    (landmark,) = [n for n in _walk(tree) if getattr(n, "role", None) == "search"]
    parts = list(_walk(landmark))
    (field,) = [n for n in parts if isinstance(n, dcc.Input)]
    (label,) = [n for n in parts if isinstance(n, html.Label)]
    assert field.id == box and field.type == "search" and label.htmlFor == box and label.children
