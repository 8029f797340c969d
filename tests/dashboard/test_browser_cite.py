"""Citing from the dashboard in headless Chromium: a table's reply link lands on the sentence,
the Sources page lists curated references with their tiers, and reads in Chinese in Chinese.

Codes `cit` (citation); like tests/dashboard/test_browser.py, each test ends with no console errors.
"""

from __future__ import annotations

import re
import time

import pytest

from dashboard.app import create_app
from tests.dashboard.conftest import SHOTS, sql

pytestmark = pytest.mark.browser


def _wait(predicate, timeout: float = 10, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _shot(dash_duo, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    time.sleep(0.3)
    dash_duo.driver.save_screenshot(str(SHOTS / f"{name}.png"))


def test_cit001_the_tables_reply_link_opens_the_reply_at_its_sentence(dash_duo, full):
    reply = sql(
        full,
        "SELECT o.figure_id, o.doc_id, f.text FROM observations o JOIN figures f ON f.id = o.figure_id "
        "WHERE o.indicator_id = 'open_data_datasets' AND o.source_kind = 'reply' ORDER BY o.period_end LIMIT 1",
    )[0]
    dash_duo.start_server(create_app(full))
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/indicator?indicator=open_data_datasets")
    dash_duo.wait_for_element("#ind-obs-table")
    link = dash_duo.find_element(f"#ind-obs-table a.to-sentence[href$='#fig-{reply['figure_id']}']")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    landed = _wait(
        lambda: dash_duo.driver.execute_script("return document.querySelector('#src-text mark.landed')"),
        what="the figure to be marked",
    )
    assert landed.get_attribute("id") == f"fig-{reply['figure_id']}"
    assert landed.text == reply["text"]
    assert dash_duo.driver.current_url.endswith(f"/sources?doc={reply['doc_id']}#fig-{reply['figure_id']}")
    # Scrolled to: the marked figure is on screen, not at the top of a long document.
    inside = dash_duo.driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;",
        landed,
    )
    assert inside
    _shot(dash_duo, "cite-landed-sentence")
    # An address typed in (or shared) lands there too, in Chinese as in English.
    dash_duo.wait_for_page(
        url=f"{dash_duo.server_url}/sources?doc={reply['doc_id']}&lang=zh#fig-{reply['figure_id']}"
    )
    _wait(
        lambda: (
            dash_duo.driver.execute_script(
                "const m = document.querySelector('#src-text mark.landed'); return m && m.id;"
            )
            == f"fig-{reply['figure_id']}"
        ),
        what="the shared address to land",
    )
    assert dash_duo.get_logs() == []


LATIN = re.compile(r"[A-Za-z]{2,}")


def test_cit002_sources_list_curated_references_with_tiers_in_both_languages(dash_duo, full):
    sources = sql(full, "SELECT DISTINCT source_url FROM observations WHERE source_kind = 'curated'")
    dash_duo.start_server(create_app(full))
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/sources")
    dash_duo.wait_for_element("#src-curated")
    links = {a.get_attribute("href") for a in dash_duo.find_elements("#src-curated a")}
    assert links == {s["source_url"] for s in sources}
    tiers = {s.text for s in dash_duo.find_elements("#src-curated .tier")}
    assert tiers == {"official", "copy", "secondary"}
    _shot(dash_duo, "cite-sources")

    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/sources?lang=zh")
    dash_duo.wait_for_element("#src-curated")
    assert {s.text for s in dash_duo.find_elements("#src-curated .tier")} == {"官方", "副本", "二手報道"}
    ui = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.page h1, .page h2, .page th, .page p, .page .tier'))"
        ".map(e => e.innerText);"
    )
    english = [s for s in ui if LATIN.search(s)]
    assert ui and not english, english
    _shot(dash_duo, "cite-sources-zh")
    assert dash_duo.get_logs() == []


def test_cit003_a_filtered_download_says_so_in_its_name_and_cites_every_row(dash_duo, full):
    import csv
    import io
    from pathlib import Path

    dash_duo.start_server(create_app(full))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/data-table?source_kind=reply")
    dash_duo.wait_for_element("#dat-grid .ag-row")
    dash_duo.find_element("#dat-download-csv").click()
    folder = Path(dash_duo.download_path)
    found = _wait(
        lambda: (
            [p for p in folder.glob("observations-filtered-*.csv") if p.stat().st_size > 0]
            and not list(folder.glob("*.crdownload"))
        ),
        what="the filtered download",
    )
    (path,) = [p for p in folder.glob("observations-filtered-*.csv")]
    assert found and re.fullmatch(r"observations-filtered-[0-9a-f]{8}\.csv", path.name)
    got = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    want = sql(full, "SELECT id FROM observations WHERE source_kind = 'reply'")
    assert sorted(r["observation_id"] for r in got) == sorted(r["id"] for r in want)
    assert all(r["citation"] and r["source_tier"] == "official" for r in got)
    assert dash_duo.get_logs() == []
