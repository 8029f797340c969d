"""A series nobody has curated, on the dashboard: found, badged, in the grid and every download.

The real ETL on the fixture corpus of tests/etl/test_uncurated.py (our replies and one reply
in both languages), pages drawn by their layouts, downloads from the real Flask app, and a
headless Chromium (`unc001`) for the search box and the badge.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
import zipfile
from collections import defaultdict

import dash
import pandas as pd
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from typer.testing import CliRunner

from dashboard.app import create_app
from etl import uncurated
from itdash.cli import app as cli
from tests.dashboard.conftest import sql
from tests.dashboard.test_pages import _render, _text, _walk
from tests.etl.test_uncurated import DOWNLOADS, _run, series_corpus  # noqa: F401 - the fixture

UID = uncurated.indicator_id(DOWNLOADS)


@pytest.fixture
def series_db(series_corpus, sqlite_url):  # noqa: F811 - the fixture imported above
    _run(series_corpus, sqlite_url)
    return sqlite_url


@pytest.fixture
def loaded_corpus(series_corpus, series_db):  # noqa: F811 - the fixture imported above
    return series_corpus


def _page(path: str):  # type: ignore[no-untyped-def]
    """A page's module as the app registered it (create_app imports the pages itself)."""
    page = next(p for p in dash.page_registry.values() if p["path"] == path)
    return sys.modules[page["module"]]


def _found(tree) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        n.to_plotly_json()["props"]["data-indicator"]
        for n in _walk(tree)
        if "found-item" in str(getattr(n, "className", ""))
    ]


def _badges(tree) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        " ".join(_text(n).split())
        for n in _walk(tree)
        if getattr(n, "className", "") == "badge badge-unreviewed"
    ]


def test_the_search_finds_an_uncurated_series_in_either_language(series_db):
    en = _render(series_db, "/indicator", q="downloads Portal")
    assert UID in _found(en)
    assert "not yet reviewed" in _badges(en)
    zh = _render(series_db, "/indicator", q="下載", lang="zh")
    assert UID in _found(zh)
    assert "尚未審核" in _badges(zh)
    # By unit and scope too, and curated indicators are listed beside uncurated series.
    assert "open_data_datasets" in _found(_render(series_db, "/indicator", q="dataset"))
    # Words are data, not SQL or LIKE patterns: a "%" finds no series.
    assert _found(_render(series_db, "/indicator", q="%")) == []
    assert "No series matches" in _text(_render(series_db, "/indicator", q="' OR 1=1 --"))


def test_an_uncurated_series_page_is_charted_and_marked_not_yet_reviewed(series_db):
    for lang, badge, link in (("en", "not yet reviewed", "Review it"), ("zh", "尚未審核", "覆核此數列")):
        page = _render(series_db, "/indicator", indicator=UID, lang=lang)
        words = _text(page)
        assert badge in _badges(page) and link in words
        assert DOWNLOADS in words  # the series id, as itdash extract prints it
        hrefs = [getattr(n, "href", None) for n in _walk(page)]
        assert any(h and h.startswith("/review") and h.endswith("#series-review") for h in hrefs)
        assert f"/data/{UID}.csv" in hrefs
        chart = next(n for n in _walk(page) if getattr(n, "id", None) == "ind-chart")
        assert chart.figure["data"], "no trace drawn"
    # A curated indicator has no badge; the overview keeps to curated indicators and counts the rest.
    assert _badges(_render(series_db, "/indicator", indicator="open_data_datasets")) == []
    overview = _render(series_db, "/")
    n = len(sql(series_db, "SELECT id FROM indicators WHERE series IS NOT NULL"))
    assert f"{n} more series are not yet reviewed" in _text(overview)
    cards = [getattr(x, "id", "") or "" for x in _walk(overview)]
    assert not any(c.startswith("card-series.") for c in cards)


def test_the_search_box_writes_the_address(sqlite_url):
    create_app(sqlite_url)
    indicator = _page("/indicator")
    assert (
        indicator.choose("open_data_datasets", "linear", "bank", "") == "?indicator=open_data_datasets&q=bank"
    )
    assert indicator.choose(UID, "log", "", "?lang=zh") == f"?indicator={UID}&scale=log&lang=zh"
    with pytest.raises(Exception, match="the search must be text"):
        indicator.choose("open_data_datasets", "linear", ["x"], "")


def _extracted(corpus) -> dict[str, set[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """The (series, series_label) of each sentence's figures as `itdash extract` prints them."""
    out = CliRunner().invoke(cli, ["extract", str(corpus), "--format", "jsonl"]).output
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for line in out.splitlines():
        if line.startswith("{"):
            f = json.loads(line)
            found[f["sentence"]].add((f["series"], f["series_label"]))
    return found


def test_grid_rows_and_every_download_carry_the_series_id_and_label_of_itdash_extract(
    series_db, loaded_corpus
):
    printed = _extracted(loaded_corpus)
    want = {(s, lbl) for pairs in printed.values() for s, lbl in pairs if s == DOWNLOADS}
    assert len(want) == 2  # the English and the Chinese label of one series
    app = create_app(series_db)
    data_table = _page("/data-table")
    with app.server.test_request_context("/data-table"):
        grid = data_table.rows({"startRow": 0, "endRow": 100}, f"?indicator={UID}")
    assert {(r["series"], r["series_label"]) for r in grid["rowData"]} == want
    client = app.server.test_client()
    got = {}
    for fmt in ("csv", "json", "xlsx", "zip"):
        r = client.get(f"/data/{UID}.{fmt}")
        assert r.status_code == 200, r.data
        assert r.headers["Content-Disposition"] == f'attachment; filename="{UID}.{fmt}"'
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(r.data.decode())))
        elif fmt == "json":
            body = json.loads(r.data)
            rows = body["observations"]
            assert [(i["id"], i["series"]) for i in body["indicators"]] == [(UID, DOWNLOADS)]
        elif fmt == "xlsx":
            rows = pd.read_excel(io.BytesIO(r.data), sheet_name="data").to_dict("records")
        else:
            with zipfile.ZipFile(io.BytesIO(r.data)) as z:
                rows = list(csv.DictReader(io.StringIO(z.read(f"{UID}.csv").decode())))
                meta = list(csv.DictReader(io.StringIO(z.read("indicators.csv").decode())))
            assert [(m["id"], m["series"]) for m in meta] == [(UID, DOWNLOADS)]  # marked not yet reviewed
        got[fmt] = {(x["indicator"], x["series"], x["series_label"]) for x in rows}
        # Each row's series is what itdash extract printed for that figure.
        for x in rows:
            assert (x["series"], x["series_label"]) in printed[x["sentence"]]
    assert all(v == {(UID, s, lbl) for s, lbl in want} for v in got.values()), got
    # The whole table's download filtered to the series means the same rows.
    r = client.get(f"/data/observations.csv?indicator={UID}")
    assert len(list(csv.DictReader(io.StringIO(r.data.decode())))) == 2


@pytest.mark.browser
def test_unc001_search_finds_a_series_and_its_page_shows_the_badge(dash_duo, series_db):
    dash_duo.start_server(create_app(series_db))
    for lang, words, badge in (("en", "downloads", "not yet reviewed"), ("zh", "下載", "尚未審核")):
        suffix = "" if lang == "en" else "&lang=zh"
        dash_duo.wait_for_page(url=dash_duo.server_url + "/indicator?indicator=open_data_datasets" + suffix)
        box = dash_duo.wait_for_element("#ind-search")
        box.send_keys(words, Keys.ENTER)
        link = dash_duo.wait_for_element(f'#ind-found li[data-indicator="{UID}"] a', timeout=10)
        assert badge in dash_duo.find_element(f'#ind-found li[data-indicator="{UID}"]').text
        link.click()
        deadline = time.monotonic() + 10
        while UID not in dash_duo.driver.current_url and time.monotonic() < deadline:
            time.sleep(0.1)
        dash_duo.wait_for_contains_text("main h1", badge, timeout=10)
        dash_duo.wait_for_element("#ind-unreviewed")
        dash_duo.wait_for_element("#ind-chart .js-plotly-plot")
        assert dash_duo.driver.find_elements(By.CSS_SELECTOR, "#ind-table tbody tr")
    assert dash_duo.get_logs() == []
