"""The dashboard in headless Chromium, against databases the real ETL loaded.

Short codes name the page under test (ind, ovw, dat, src, rev, lng, a11y), as in
Dash's own integration tests. Every test ends with no browser console errors,
and each page leaves a screenshot in screenshots/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from axe_selenium_python import Axe
from dash.testing.wait import until
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dashboard import formatting
from dashboard.app import create_app
from etl import pipeline
from tests.conftest import FIXTURES
from tests.dashboard.conftest import SHOTS, UNREACHABLE_URL, sql

pytestmark = pytest.mark.browser


def _rows_from_db(url: str, indicator: str) -> list[dict]:
    return sql(
        url,
        "SELECT as_of, value, qualifier, source_url FROM observations "
        "WHERE indicator_id = :i ORDER BY period_end, id",
        i=indicator,
    )


def _label(url: str, indicator: str) -> str:
    name = sql(url, "SELECT label_en FROM indicators WHERE id = :i", i=indicator)[0]["label_en"]
    n = sql(url, "SELECT count(*) AS n FROM observations WHERE indicator_id = :i", i=indicator)[0]["n"]
    return f"{name} ({n})"


def _shot(dash_duo, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    time.sleep(0.3)  # let Plotly finish drawing
    dash_duo.driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _wait_for_file(folder: Path, name: str, timeout: float = 10) -> Path:
    """The downloaded file `name` (a glob: a filtered download's name carries its filter's hash)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(folder.glob(name))
        if found and found[0].stat().st_size > 0 and not list(folder.glob("*.crdownload")):
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded into {folder}: {os.listdir(folder)}")


def _wait(predicate, timeout: float = 10, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _plot(dash_duo, what: str):  # type: ignore[no-untyped-def]
    """A property of the indicator chart's Plotly state, e.g. `layout.yaxis.type`."""
    return dash_duo.driver.execute_script(
        f"return document.querySelector('#ind-chart .js-plotly-plot').{what};"
    )


def test_ind001_pick_indicator_chart_table_and_csv_match_the_database(dash_duo, loaded):
    app = create_app(loaded)
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/indicator?indicator=open_data_datasets")
    dash_duo.wait_for_element("#ind-obs-table")
    expected = _rows_from_db(loaded, "open_data_datasets")
    assert [r["value"] for r in expected] == [5000, 5500]

    # The table shows the database's observations with their qualifiers visible.
    cells = [r.text for r in dash_duo.find_elements("#ind-obs-table tbody tr td.num")]
    assert cells == ["5,000+", "5,500+"]
    # So does the chart: one labelled point per observation.
    labels = [t.text for t in dash_duo.find_elements("#ind-chart .textpoint text")]
    assert labels == ["5,000+", "5,500+"]
    _shot(dash_duo, "indicator-open-data")

    # Pick another indicator in the dropdown: chart, table and address follow.
    target = "hkstp_shenzhen_branch_companies"
    label = _label(loaded, target)
    dash_duo.select_dcc_dropdown("#ind-select", value=label)
    dash_duo.wait_for_text_to_equal("#ind-obs-table tbody tr:last-child td.num", "58")
    assert [t.text for t in dash_duo.find_elements("#ind-chart .textpoint text")] == ["41", "58"]
    dash_duo.wait_for_contains_text("#ind-summary", "Latest: 58 as of Dec 2024")
    assert dash_duo.driver.current_url.endswith(f"/indicator?indicator={target}")

    # Reloading the address restores the view.
    dash_duo.driver.refresh()
    dash_duo.wait_for_text_to_equal("#ind-obs-table tbody tr:last-child td.num", "58")

    # The CSV button downloads exactly the database's rows.
    dash_duo.find_element("#ind-download").click()
    path = _wait_for_file(Path(dash_duo.download_path), f"{target}.csv")
    got = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    want = _rows_from_db(loaded, target)
    assert [(r["as_of"], float(r["value"]), r["qualifier"]) for r in got] == [
        (r["as_of"], r["value"], r["qualifier"]) for r in want
    ]
    assert dash_duo.get_logs() == []


def test_ind002_qualifiers_hover_events_and_scale_live_in_the_address(dash_duo, full):
    dash_duo.start_server(create_app(full))
    ind = "open_data_datasets"
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/indicator?indicator={ind}")
    dash_duo.wait_for_element("#ind-chart .js-plotly-plot")
    # Lower bounds ("over") are open up-triangles; every sentence is in a hover text.
    traces = _plot(dash_duo, "data.map(d => [d.name, d.marker && d.marker.symbol, d.hovertext || []])")
    lower = [tr for tr in traces if tr[1] == "triangle-up-open"]
    assert lower, traces
    hovers = " ".join(h for tr in traces for h in tr[2])
    sentence = sql(
        full,
        "SELECT s.text AS sentence FROM observations o JOIN sentences s ON s.id = o.sentence_id"
        " WHERE o.indicator_id = :i AND o.source_kind = 'reply' ORDER BY o.period_end LIMIT 1",
        i=ind,
    )[0]["sentence"]
    assert sentence.split()[3] in hovers
    # Events of data/events.toml within the series' years are numbered on the chart and listed.
    n_events = len(dash_duo.find_elements("ol.events li"))
    assert _plot(dash_duo, "layout.annotations.length") == n_events
    _shot(dash_duo, "indicator-events")

    # The scale is a choice in the address: back and forward step through it.
    dash_duo.find_element("#ind-scale input[value='log']").click()
    _wait(lambda: "scale=log" in dash_duo.driver.current_url, what="scale=log in the address")
    _wait(lambda: _plot(dash_duo, "layout.yaxis.type") == "log", what="a log axis")
    # The page rendered again from the address; keyboard focus is back on the chosen radio.
    _wait(
        lambda: dash_duo.driver.execute_script("return document.activeElement.value") == "log", what="focus"
    )
    dash_duo.driver.back()
    _wait(lambda: "scale=log" not in dash_duo.driver.current_url, what="the address before")
    _wait(lambda: _plot(dash_duo, "layout.yaxis.type") == "linear", what="a linear axis again")
    dash_duo.driver.forward()
    _wait(lambda: _plot(dash_duo, "layout.yaxis.type") == "log", what="log after forward")
    assert dash_duo.get_logs() == []


def test_ind003_an_unknown_indicator_says_so(dash_duo, loaded):
    dash_duo.start_server(create_app(loaded))
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/indicator?indicator=no_such_thing")
    dash_duo.wait_for_contains_text(".notice-warning", "no_such_thing")
    assert dash_duo.get_logs() == []


def test_ovw001_cards_for_headline_indicators_link_to_their_pages(dash_duo, full):
    dash_duo.start_server(create_app(full))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/")
    dash_duo.wait_for_element(".cards")
    heads = sql(full, "SELECT id FROM indicators WHERE headline")
    # Every headline indicator has its card (themes without one show stand-ins as well).
    shown = {e.get_attribute("id") for e in dash_duo.find_elements("article.card")}
    assert {f"card-{h['id']}" for h in heads} <= shown
    # The open data card shows the latest preferred observation with its qualifier.
    last = sql(
        full,
        "SELECT value, qualifier, unit, as_of FROM observations WHERE indicator_id = 'open_data_datasets' "
        "AND preferred ORDER BY period_end DESC, period_start DESC, published DESC LIMIT 1",
    )[0]
    card = "#card-open_data_datasets"
    want = formatting.label(last["value"], last["qualifier"], "dataset", compact=True)
    assert dash_duo.find_element(f"{card} .big").text == want
    assert formatting.period(last["as_of"]) in dash_duo.find_element(f"{card} .meta").text
    # Indicators whose sources disagree carry a warning badge, and only those.
    conflicted = {
        r["indicator_id"] for r in sql(full, "SELECT DISTINCT indicator_id FROM observations WHERE conflict")
    }
    badged = {
        e.find_element(By.XPATH, "..").get_attribute("id")[5:]
        for e in dash_duo.find_elements(".badge-conflict")
    }
    assert badged == conflicted & {h["id"] for h in heads}
    # Indicators with observations the load flagged carry a second badge, and only those.
    warned = {r["indicator_id"] for r in sql(full, "SELECT DISTINCT indicator_id FROM series_warnings")}
    checked = {
        e.find_element(By.XPATH, "..").get_attribute("id")[5:]
        for e in dash_duo.find_elements(".badge-checks")
    }
    assert checked == warned & {h["id"] for h in heads}
    _shot(dash_duo, "overview")
    dash_duo.find_element(f"{card} .card-link").click()
    _wait(
        lambda: dash_duo.driver.current_url.endswith("/indicator?indicator=open_data_datasets"), what="link"
    )
    dash_duo.wait_for_element("#ind-chart .js-plotly-plot")
    assert dash_duo.get_logs() == []


def test_ovw002_empty_database_gives_a_message_on_every_page(dash_duo, sqlite_url):
    dash_duo.start_server(create_app(sqlite_url))
    for path in ("/", "/indicator", "/data-table", "/sources"):
        dash_duo.wait_for_page(url=dash_duo.server_url + path)
        dash_duo.wait_for_contains_text(".notice", "itdash etl")
    _shot(dash_duo, "empty")
    assert dash_duo.get_logs() == []


def test_ovw003_unreachable_database_gives_a_message(dash_duo):
    dash_duo.start_server(create_app(UNREACHABLE_URL))
    for path in ("/", "/indicator", "/data-table", "/sources?doc=x"):
        dash_duo.wait_for_page(url=dash_duo.server_url + path)
        dash_duo.wait_for_contains_text(".notice-error", "database cannot be read")
    _shot(dash_duo, "unreachable")
    assert dash_duo.get_logs() == []


def test_dat001_filters_live_in_the_address_and_the_download_matches(dash_duo, full):
    dash_duo.start_server(create_app(full))
    total = sql(full, "SELECT count(*) AS n FROM observations")[0]["n"]
    dash_duo.wait_for_page(url=dash_duo.server_url + "/data-table")
    dash_duo.wait_for_text_to_equal("#dat-count", f"Showing {total} of {total} observations.")
    dash_duo.wait_for_element("#dat-grid .ag-row")
    _shot(dash_duo, "data")

    replies = sql(full, "SELECT count(*) AS n FROM observations WHERE source_kind = 'reply'")[0]["n"]
    dash_duo.select_dcc_dropdown("#dat-source", value="LegCo reply")
    dash_duo.wait_for_text_to_equal("#dat-count", f"Showing {replies} of {total} observations.")
    assert dash_duo.driver.current_url.endswith("/data-table?source_kind=reply")
    dash_duo.driver.refresh()
    dash_duo.wait_for_text_to_equal("#dat-count", f"Showing {replies} of {total} observations.")

    # The CSV under the grid holds exactly the rows the filter means.
    dash_duo.find_element("#dat-download-csv").click()
    path = _wait_for_file(Path(dash_duo.download_path), "observations-filtered-*.csv")
    got = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    want = sql(full, "SELECT id, value FROM observations WHERE source_kind = 'reply' ORDER BY id")
    assert sorted((r["observation_id"], float(r["value"])) for r in got) == [
        (r["id"], r["value"]) for r in want
    ]

    # A date range in the address filters by overlapping periods and fills the date picker.
    dash_duo.wait_for_page(url=dash_duo.server_url + "/data-table?from=2024-01-01&to=2024-12-31")
    n = sql(
        full,
        "SELECT count(*) AS n FROM observations WHERE period_end >= '2024-01-01' "
        "AND period_start <= '2024-12-31'",
    )[0]["n"]
    dash_duo.wait_for_text_to_equal("#dat-count", f"Showing {n} of {total} observations.")
    assert dash_duo.find_element("#dat-from").get_attribute("value") == "2024-01-01"
    dash_duo.driver.back()
    dash_duo.wait_for_text_to_equal("#dat-count", f"Showing {replies} of {total} observations.")

    # Sorting in the header goes into the address, and the address brings the sort back.
    dash_duo.find_element('#dat-grid .ag-header-cell[col-id="shown"] .ag-header-cell-label').click()
    until(lambda: "sort=shown" in dash_duo.driver.current_url, timeout=10)
    dash_duo.driver.refresh()
    dash_duo.wait_for_element('#dat-grid .ag-row[row-index="0"]')
    smallest = sql(full, "SELECT min(value) AS v FROM observations WHERE source_kind = 'reply'")[0]["v"]
    cell = '#dat-grid .ag-center-cols-container .ag-row[row-index="0"] [col-id="shown"]'

    def first_value() -> float | None:
        # Read in one script call: the grid may redraw the row between a find and a read.
        text = dash_duo.driver.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", cell
        )
        digits = re.sub(r"[^0-9.]", "", text or "")
        return float(digits) if digits else None

    _wait(lambda: first_value() == smallest, what=f"the smallest value {smallest} in the first row")
    assert dash_duo.get_logs() == []


def test_src001_documents_quarantine_and_highlighted_figures(dash_duo, loaded):
    dash_duo.start_server(create_app(loaded))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/sources")
    dash_duo.wait_for_element("#src-docs")
    docs = sql(loaded, "SELECT id, title FROM documents")
    assert len(dash_duo.find_elements("#src-docs tbody tr")) == len(docs)
    reasons = [r["reason"] for r in sql(loaded, "SELECT reason FROM quarantine")]
    assert reasons and all(r in dash_duo.find_element("#src-quarantine").text for r in reasons)
    _shot(dash_duo, "sources")

    seed = sql(loaded, "SELECT id, title FROM documents WHERE source LIKE '%LCQ13%'")[0]
    dash_duo.find_element(f"#src-docs a[href*='{seed['id']}']").click()
    dash_duo.wait_for_element("#src-text mark")
    figs = sql(
        loaded,
        "SELECT text, mapping, indicator_id FROM figures WHERE doc_id = :d ORDER BY start",
        d=seed["id"],
    )
    marks = dash_duo.find_elements("#src-text mark")
    assert [m.text for m in marks] == [f["text"] for f in figs]
    mapped = [f for f in figs if f["mapping"] == "mapped"]
    links = dash_duo.find_elements("#src-text mark.mapped a")
    assert len(links) == len(mapped)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", links[0])
    _shot(dash_duo, "source-document")
    links[0].click()
    _wait(
        lambda: f"indicator={mapped[0]['indicator_id']}" in dash_duo.driver.current_url, what="indicator link"
    )
    dash_duo.wait_for_element("#ind-obs-table")
    assert dash_duo.get_logs() == []


def test_rev001_reviewer_signs_in_and_rejects_a_pending_figure(dash_duo, loaded, monkeypatch):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", "s3cret-token")
    dash_duo.start_server(create_app(loaded))
    fig = sql(loaded, "SELECT id FROM figures WHERE text = 'two platforms'")[0]["id"]
    pending = sql(
        loaded,
        "SELECT count(*) AS n FROM figures WHERE part = 'reply' AND mapping IN ('unmapped', 'ambiguous')",
    )[0]["n"]
    dash_duo.wait_for_page(url=dash_duo.server_url + "/")
    dash_duo.wait_for_element(".cards")
    # The navigation offers the page while the token is set (the frame redraws it, so look again).
    _wait(lambda: dash_duo.find_elements("#nav a[href='/review']"), what="the review link")
    dash_duo.driver.execute_script("document.querySelector(\"#nav a[href='/review']\").click()")
    # A wrong token is refused; the right one shows the figures awaiting review.
    dash_duo.wait_for_element("#rev-token").send_keys("guess")
    dash_duo.find_element("#rev-login").click()
    dash_duo.wait_for_contains_text(".notice-error", "not the review token")
    dash_duo.find_element("#rev-token").send_keys("s3cret-token")
    dash_duo.find_element("#rev-login").click()
    dash_duo.wait_for_text_to_equal("#rev-count", f"Figures awaiting review: {pending}.")
    option = dash_duo.find_element(f"#rev-figure input[value='{fig}']")
    label = option.find_element(By.XPATH, "./ancestor::label")
    assert label.find_element(By.CSS_SELECTOR, "mark").text == "two platforms"
    _shot(dash_duo, "review")

    # A decision needs a reason: the error from etl.review.decide is shown and nothing is stored.
    option.click()
    dash_duo.find_element("#rev-action input[value='reject']").click()
    dash_duo.find_element("#rev-who").send_keys("ana")
    dash_duo.find_element("#rev-submit").click()
    dash_duo.wait_for_contains_text("#rev-result", "a decision needs a reason")
    assert sql(loaded, "SELECT * FROM review_decisions") == []

    dash_duo.find_element("#rev-reason").send_keys("a count of platforms, not an indicator")
    dash_duo.find_element("#rev-submit").click()
    dash_duo.wait_for_contains_text("#rev-result", "Recorded")
    dash_duo.wait_for_text_to_equal("#rev-count", f"Figures awaiting review: {pending - 1}.")
    assert not dash_duo.find_elements(f"#rev-figure input[value='{fig}']")
    rows = sql(loaded, "SELECT figure_id, action, who, reason FROM review_decisions")
    assert rows == [
        {
            "figure_id": fig,
            "action": "reject",
            "who": "ana",
            "reason": "a count of platforms, not an indicator",
        }
    ]
    assert sql(loaded, "SELECT mapping FROM figures WHERE id = :f", f=fig)[0]["mapping"] == "rejected"
    # The same session stays signed in across a reload.
    dash_duo.driver.refresh()
    dash_duo.wait_for_text_to_equal("#rev-count", f"Figures awaiting review: {pending - 1}.")
    _shot(dash_duo, "review-done")
    # Signing out returns to the sign-in form, and a reload does not sign the session in again.
    dash_duo.find_element("#rev-signout").click()
    dash_duo.wait_for_contains_text(".notice", "Signed out")
    assert dash_duo.find_elements("#rev-token") and not dash_duo.find_elements("#rev-submit")
    dash_duo.driver.refresh()
    dash_duo.wait_for_element("#rev-token")
    assert not dash_duo.find_elements("#rev-submit")
    assert dash_duo.get_logs() == []


def test_rev002_without_the_token_the_page_is_read_only(dash_duo, loaded, monkeypatch):
    monkeypatch.delenv("ITDASH_REVIEW_TOKEN", raising=False)
    dash_duo.start_server(create_app(loaded))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/review")
    dash_duo.wait_for_contains_text(".notice", "read-only")
    assert not dash_duo.find_elements("#nav a[href='/review']")
    assert not dash_duo.find_elements("#rev-token")
    assert dash_duo.get_logs() == []


def test_rev003_reviewer_rejects_a_conflicting_replys_figure(dash_duo, sqlite_url, tmp_path, monkeypatch):
    """tests/fixtures/series: a reply (over 900) and a curated report (about 950) disagree."""
    folder = tmp_path / "series"
    shutil.copytree(FIXTURES / "series", folder)
    pipeline.run([folder], sqlite_url, curated_dir=folder / "curated")
    reply = sql(
        sqlite_url, "SELECT figure_id, doc_id FROM observations WHERE conflict AND source_kind = 'reply'"
    )[0]
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", "s3cret-token")
    dash_duo.start_server(create_app(sqlite_url))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/review")
    dash_duo.wait_for_element("#rev-token").send_keys("s3cret-token")
    dash_duo.find_element("#rev-login").click()
    dash_duo.wait_for_text_to_equal(
        "#rev-conflicts-count", "Flagged observations: 2; indicator and date pairs: 1."
    )
    rows = dash_duo.find_elements("#rev-conflicts tr.rev-conflict")
    assert [r.get_attribute("class") for r in rows] == ["rev-conflict", "rev-conflict not-preferred"]
    assert "preferred: the series value" in rows[0].text and "over 900 spatial datasets" in rows[1].text
    link = rows[1].find_element(By.CSS_SELECTOR, "a")
    assert f"/sources?doc={reply['doc_id']}#fig-" in link.get_attribute("href")
    assert not rows[0].find_elements(By.CSS_SELECTOR, "button")
    _shot(dash_duo, "review-conflicts")

    # "Review this figure" chooses it in the form; rejecting it removes the reply's row.
    rows[1].find_element(By.CSS_SELECTOR, "button").click()
    dash_duo.wait_for_contains_text("#rev-result", "is chosen")
    chosen = dash_duo.find_element(f"#rev-figure input[value='{reply['figure_id']}']")
    assert chosen.is_selected()
    dash_duo.find_element("#rev-action input[value='reject']").click()
    dash_duo.find_element("#rev-reason").send_keys("superseded by the annual report")
    dash_duo.find_element("#rev-who").send_keys("bo")
    dash_duo.find_element("#rev-submit").click()
    dash_duo.wait_for_contains_text("#rev-result", "Recorded")
    dash_duo.wait_for_text_to_equal(
        "#rev-conflicts-count", "Flagged observations: 1; indicator and date pairs: 1."
    )
    assert not dash_duo.find_elements("#rev-conflicts button")
    assert sql(sqlite_url, "SELECT figure_id, action FROM review_decisions") == [
        {"figure_id": reply["figure_id"], "action": "reject"}
    ]
    assert sql(
        sqlite_url, "SELECT count(*) AS n FROM observations WHERE figure_id = :f", f=reply["figure_id"]
    ) == [{"n": 0}]
    assert dash_duo.get_logs() == []


def test_lng001_language_switch_changes_labels_and_keeps_the_view(dash_duo, loaded):
    dash_duo.start_server(create_app(loaded))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/indicator?indicator=open_data_datasets")
    dash_duo.wait_for_text_to_equal("#nav a:first-child", "Overview")
    dash_duo.find_element("#lang-zh").click()
    dash_duo.wait_for_text_to_equal("#nav a:first-child", "概覽")
    _wait(
        lambda: dash_duo.driver.current_url.endswith("/indicator?indicator=open_data_datasets&lang=zh"),
        what="url",
    )
    name = sql(loaded, "SELECT label_zh FROM indicators WHERE id = 'open_data_datasets'")[0]["label_zh"]
    dash_duo.wait_for_text_to_equal("h1", name)
    assert dash_duo.driver.execute_script("return document.documentElement.lang") == "zh-Hant-HK"
    assert "最新" in dash_duo.find_element("#ind-summary").text
    # Units too: the axis and the table name the unit in Chinese.
    _wait(lambda: _plot(dash_duo, "layout.yaxis.title.text") == "數據集", what="the axis unit in Chinese")
    units = {td.text for td in dash_duo.find_elements("#ind-obs-table tbody td:nth-child(4)")}
    assert units == {"數據集"}
    _shot(dash_duo, "indicator-zh")
    # Moving to another page keeps the language; choosing English drops it from the address.
    dash_duo.find_element("#nav a:first-child").click()
    dash_duo.wait_for_text_to_equal("h1", "香港創新科技數字一覽")
    _shot(dash_duo, "overview-zh")
    dash_duo.find_element("#lang-en").click()
    dash_duo.wait_for_text_to_equal("h1", "Where Hong Kong's I&T figures stand")
    assert dash_duo.driver.current_url.rstrip("/") == dash_duo.server_url
    assert dash_duo.get_logs() == []


def test_a11y001_narrow_screen_and_keyboard(dash_duo, full):
    dash_duo.start_server(create_app(full))
    driver = dash_duo.driver
    driver.set_window_size(375, 812)
    seed = sql(full, "SELECT id FROM documents WHERE source LIKE '%LCQ13%'")[0]["id"]
    pages = {
        "overview": "/",
        "indicator": "/indicator?indicator=open_data_datasets",
        "data": "/data-table",
        "sources": "/sources",
        "source-document": f"/sources?doc={seed}",
    }
    try:
        for name, path in pages.items():
            dash_duo.wait_for_page(url=dash_duo.server_url + path)
            dash_duo.wait_for_element("main h1")
            time.sleep(0.3)
            width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"{name} is wider than the screen: {width}"
            _shot(dash_duo, f"{name}-375px")
        # Keyboard: the first Tab reaches the skip link, drawn with a visible outline.
        dash_duo.wait_for_page(url=dash_duo.server_url + "/")
        dash_duo.wait_for_element(".cards")
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        focused = driver.switch_to.active_element
        assert focused.get_attribute("id") == "skip-link"
        assert focused.value_of_css_property("outline-style") == "solid"
        # Tabbing on reaches the navigation and then every card's link.
        for _ in range(8):
            driver.switch_to.active_element.send_keys(Keys.TAB)
        assert "card-link" in (driver.switch_to.active_element.get_attribute("class") or "")
    finally:
        driver.set_window_size(1280, 1000)
    assert dash_duo.get_logs() == []


# WCAG 2 A and AA rules of axe-core. The AG Grid's own markup is left out: the
# axe-core bundled with axe-selenium-python (3.1) cannot read its colours and
# predates its ARIA structure, so it reports the grid falsely, not our pages.
AXE_OPTIONS = '{runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}}'
AXE_CONTEXT = {"exclude": [["#dat-grid"]]}


def _axe(dash_duo) -> list[str]:  # type: ignore[no-untyped-def]
    """Each WCAG A/AA violation on the page as one line: rule, impact and first places."""
    axe = Axe(dash_duo.driver)
    axe.inject()
    found = axe.run(context=AXE_CONTEXT, options=AXE_OPTIONS)["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]} {v['nodes'][0].get('failureSummary', '')}"
        for v in found
    ]


def test_a11y002_every_page_passes_wcag_aa_checks_in_both_languages(dash_duo, full, monkeypatch):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", "s3cret-token")
    dash_duo.start_server(create_app(full))
    seed = sql(full, "SELECT id FROM documents WHERE source LIKE '%LCQ13%'")[0]["id"]
    paths = [
        "/",
        "/indicator?indicator=open_data_datasets",
        "/indicator?indicator=open_data_datasets&scale=log",
        "/indicator?indicator=no_such_thing",
        "/data-table?source_kind=reply",
        "/sources",
        f"/sources?doc={seed}",
    ]
    problems = {}
    for lang in ("en", "zh"):
        for path in paths:
            address = path + ("&" if "?" in path else "?") + "lang=zh" if lang == "zh" else path
            dash_duo.wait_for_page(url=dash_duo.server_url + address)
            dash_duo.wait_for_element("main h1")
            time.sleep(0.5)  # let charts and grids draw
            if found := _axe(dash_duo):
                problems[address] = found
    # The review page, signed in, with its form and the conflicts.
    dash_duo.wait_for_page(url=dash_duo.server_url + "/review")
    dash_duo.wait_for_element("#rev-token").send_keys("s3cret-token")
    dash_duo.find_element("#rev-login").click()
    dash_duo.wait_for_element("#rev-figure input")
    time.sleep(0.5)
    if found := _axe(dash_duo):
        problems["/review"] = found
    assert problems == {}


def test_sec001_every_page_draws_under_the_content_security_policy(dash_duo, full, monkeypatch):
    """The policy is sent and enforced, yet charts, the grid, the document view and the review form draw."""
    import urllib.request

    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", "s3cret-token")
    dash_duo.start_server(create_app(full))
    with urllib.request.urlopen(dash_duo.server_url + "/") as r:
        policy = r.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "frame-ancestors 'none'" in policy
    doc = sql(full, "SELECT id FROM documents ORDER BY id LIMIT 1")[0]["id"]
    pages = [
        ("/", ".cards .spark .main-svg"),
        ("/indicator?indicator=open_data_datasets", "#ind-chart .main-svg"),
        ("/data-table", "#dat-grid .ag-row"),
        (f"/sources?doc={doc}", "#src-text mark"),
        ("/review", "#rev-token"),
    ]
    for path, drawn in pages:
        dash_duo.wait_for_page(url=dash_duo.server_url + path)
        dash_duo.wait_for_element(drawn)
        assert dash_duo.get_logs() == [], path
    # The language switch's clientside callback is an inline script: allowed by its hash, it ran.
    dash_duo.wait_for_page(url=dash_duo.server_url + "/?lang=zh")
    _wait(lambda: dash_duo.driver.execute_script("return document.documentElement.lang") == "zh-Hant-HK")
    # And the policy is enforced: a script the page did not bring is refused.
    dash_duo.driver.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        "document.body.appendChild(s);"
    )
    assert dash_duo.driver.execute_script("return window.injected") is None
    logs = dash_duo.get_logs()
    assert logs and all("Content Security Policy" in entry["message"] for entry in logs), logs
