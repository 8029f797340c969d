"""The pages as a phone and a Chinese reader get them, in headless Chromium.

Short codes as in tests/dashboard/test_browser.py: `phn` (375 px), `zho`
(Chinese), `cns` (console), `clk` (a chart point's click). Each page leaves a
screenshot at 1280 and 375 px in both languages in screenshots/.
"""

from __future__ import annotations

import re
import time

import pytest
from selenium.webdriver.common.by import By

from dashboard.app import create_app
from tests.dashboard.conftest import SHOTS, sql

pytestmark = pytest.mark.browser

# console.warn and console.error as the page calls them, from before its first script runs
# (the driver's own log keeps only errors).
_WATCH = """
window.__warnings = [];
for (const level of ["warn", "error"]) {
  const original = console[level];
  console[level] = function (...args) {
    window.__warnings.push(level + ": " + args.map(String).join(" "));
    return original.apply(console, args);
  };
}
"""
# English a Chinese page may show: names, codes and abbreviations the Chinese press writes as is.
ALLOWED = {
    "itdash",
    "lcq",
    "legco",
    "etl",
    "csv",
    "json",
    "xlsx",
    "zip",
    "hk",
    "hkd",
    "usd",
    "cny",
    "rmb",
    "gba",
    "hkstp",
    "cip",
    "ccmf",
    "gerd",
    "gdp",
    "psi",
    "data",
    "gov",
    "english",
    "png",
    "url",
    "id",
    "ai",
    "ict",
    "ocr",
    "api",
    "itc",
    "itf",
    "hsitp",
    "stp",
    "svg",
    "ogcio",
    "dpo",
    "innohk",
    "startupblink",  # programme and publisher names
}
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:html?|txt|csv)\b|\b[\w-]+(?:\.[\w-]+)+/\S*|\S*[?&=]\S*")
# What is English by nature on the sources pages: the replies' titles and text. The quarantine
# reasons are in Chinese, their technical detail (a validation report) marked lang=en.
_OWN_WORDS = {
    "sources": "#src-docs td:nth-child(2)",
    "source-document": "main h1, #src-text, .facts dd",
}


def _pages(url: str) -> dict[str, str]:
    seed = sql(url, "SELECT id FROM documents WHERE source LIKE '%LCQ13%'")[0]["id"]
    return {
        "overview": "/",
        "indicator": "/indicator?indicator=open_data_datasets",
        "data": "/data-table",
        "sources": "/sources",
        "source-document": f"/sources?doc={seed}",
    }


def _with_lang(path: str, lang: str) -> str:
    if lang == "en":
        return path
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def _open(dash_duo, path: str) -> None:  # type: ignore[no-untyped-def]
    dash_duo.wait_for_page(url=dash_duo.server_url + path)
    dash_duo.wait_for_element("main h1")
    time.sleep(0.6)  # charts, grid rows


def _watch(dash_duo) -> None:  # type: ignore[no-untyped-def]
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _WATCH})


def _shot(dash_duo, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SHOTS / f"{name}.png"))


def test_phn001_every_page_fits_375px_with_its_title_in_view_in_both_languages(dash_duo, full):
    dash_duo.start_server(create_app(full))
    driver = dash_duo.driver
    _watch(dash_duo)
    problems: dict[str, object] = {}
    try:
        for width in (1280, 375):
            driver.set_window_size(width, 900)
            for lang in ("en", "zh"):
                for name, path in _pages(full).items():
                    _open(dash_duo, _with_lang(path, lang))
                    where = f"{name} {lang} {width}px"
                    sizes = driver.execute_script(
                        "return [document.documentElement.scrollWidth, window.innerWidth]"
                    )
                    if sizes[0] > sizes[1]:
                        problems[where + " overflows"] = sizes
                    if name == "indicator":
                        dash_duo.wait_for_element("#ind-chart .gtitle")
                        time.sleep(0.3)
                        problems.update(_chart_problems(driver, where))
                    if name == "data" and width == 375:
                        # The pinned first column stays, the others scroll inside the grid.
                        pinned = driver.find_elements(
                            By.CSS_SELECTOR, "#dat-grid .ag-pinned-left-cols-container"
                        )
                        if not pinned or pinned[0].size["width"] > 0.6 * width:
                            problems[where + " pinned column"] = pinned and pinned[0].size
                    if name == "indicator" and width == 375:
                        table = driver.execute_script(
                            "const c = document.querySelector('#ind-obs-table td');"
                            "return c && getComputedStyle(c).position;"
                        )
                        if table != "sticky":
                            problems[where + " table's first column"] = table
                    warned = driver.execute_script("return window.__warnings")
                    assert warned is not None, "the console watch did not run"
                    if warned:
                        problems[where + " console"] = warned
                    _shot(dash_duo, f"pages-{name}-{lang}-{width}px")
    finally:
        driver.set_window_size(1280, 1000)
    assert problems == {}
    assert dash_duo.get_logs() == []


def _chart_problems(driver, where: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The chart's title wholly inside the chart and clear of the modebar; no two point labels overlap."""
    out: dict[str, object] = {}
    boxes = driver.execute_script(
        """
        const root = document.querySelector('#ind-chart');
        const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        const title = root.querySelector('.gtitle');
        const bar = root.querySelector('.modebar');
        const labels = Array.from(root.querySelectorAll('.scatterlayer .textpoint text')).map(box);
        return {chart: box(root), title: title && box(title), bar: bar && box(bar), labels: labels};
        """
    )
    chart, title, bar = boxes["chart"], boxes["title"], boxes["bar"]
    if not title or title[0] < chart[0] or title[2] > chart[2] or title[1] < chart[1]:
        out[where + " title cut"] = boxes
    elif bar and not (title[2] <= bar[0] or title[3] <= bar[1] or title[1] >= bar[3]):
        out[where + " title under the toolbar"] = (title, bar)
    labels = boxes["labels"]
    for k, a in enumerate(labels):
        for b in labels[k + 1 :]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                out[where + " labels overlap"] = (a, b)
    return out


def _english_words(driver, skip_also: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """Latin words on the page outside what is English by nature: a reply's own words, marked lang=en,
    and the grid's sentence and source cells (the replies' text and addresses)."""
    text = driver.execute_script(
        """
        const skip = '[lang="en"], .ag-cell[col-id="sentence"], .ag-cell[col-id="source"], .modebar,'
          + ' .skip-link, script, style' + (arguments[0] ? ', ' + arguments[0] : '');
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const out = [];
        while (walker.nextNode()) {
          const node = walker.currentNode;
          const el = node.parentElement;
          if (!el || el.closest(skip)) continue;
          if (!el.getClientRects().length) continue;  // not shown
          out.push(node.textContent);
        }
        for (const el of document.querySelectorAll('input[placeholder]')) out.push(el.placeholder);
        return out.join(' ');
        """,
        skip_also,
    )
    words = re.findall(r"[A-Za-z][A-Za-z'-]{2,}", _URL.sub(" ", text))
    return sorted({w for w in words if w.lower() not in ALLOWED and not w.isupper()})


def test_zho001_every_page_in_chinese_shows_no_english_words_of_ours(dash_duo, full):
    dash_duo.start_server(create_app(full))
    found = {}
    # Every kind of load-time check the corpus raises, on its indicator's page, and the quarantine.
    warned = sql(full, "SELECT kind, min(indicator_id) AS ind FROM series_warnings GROUP BY kind")
    assert {w["kind"] for w in warned} >= {"falling_stock", "overlapping_flow", "outlier"}
    assert sql(full, "SELECT count(*) AS n FROM quarantine WHERE code IS NOT NULL")[0]["n"] >= 2
    pages = {**_pages(full), **{f"warned-{w['kind']}": f"/indicator?indicator={w['ind']}" for w in warned}}
    for name, path in pages.items():
        _open(dash_duo, _with_lang(path, "zh"))
        if name.startswith("warned-"):
            dash_duo.wait_for_element("#ind-warnings li")
        if words := _english_words(dash_duo.driver, _OWN_WORDS.get(name, "")):
            found[name] = words
    # The grid's "no rows" text, in Chinese.
    _open(dash_duo, "/data-table?q=zzqqxx&lang=zh")
    dash_duo.wait_for_text_to_equal("#dat-grid .ag-overlay-no-rows-center", "沒有可顯示的資料", timeout=10)
    assert found == {}
    assert dash_duo.get_logs() == []


def test_clk001_clicking_a_replys_point_opens_the_reply_at_its_sentence(dash_duo, loaded):
    dash_duo.start_server(create_app(loaded))
    _open(dash_duo, "/indicator?indicator=open_data_datasets")
    driver = dash_duo.driver
    point = driver.execute_script(
        """
        const gd = document.querySelector('#ind-chart .js-plotly-plot');
        for (let c = 0; c < gd.data.length; c++) {
          const cd = gd.data[c].customdata || [];
          for (let i = 0; i < cd.length; i++) if (cd[i]) return [c, i, cd[i]];
        }
        return null;
        """
    )
    assert point, "no point links to a reply"
    curve, index, link = point
    assert re.fullmatch(r"/sources\?doc=[0-9a-f]+#fig-.+", link), link
    # Plotly's own click event, as a click on that point sends it.
    driver.execute_script(
        "const gd = document.querySelector('#ind-chart .js-plotly-plot');"
        "gd.emit('plotly_click', {points: [{curveNumber: arguments[0], pointNumber: arguments[1],"
        " pointIndex: arguments[1], customdata: gd.data[arguments[0]].customdata[arguments[1]]}]});",
        curve,
        index,
    )
    deadline = time.monotonic() + 10
    while "/sources" not in driver.current_url and time.monotonic() < deadline:
        time.sleep(0.1)
    assert driver.current_url.endswith(link), driver.current_url
    dash_duo.wait_for_element("main h1")
    # The citation is drawn inside the figure: a PNG of the chart keeps it.
    _open(dash_duo, "/indicator?indicator=open_data_datasets")
    sub = driver.execute_script(
        "return document.querySelector('#ind-chart .js-plotly-plot').layout.title.subtitle.text"
    )
    assert "Retrieved" in sub and "/indicator?indicator=open_data_datasets" in sub.replace("<br>", "")
    assert dash_duo.get_logs() == []
