"""The review page's series part in headless Chromium: find a series, judge its figures beside
their sentences, rename it and split a figure out; and the two versions of a reply side by side."""

from __future__ import annotations

import shutil

import pytest

from dashboard.app import create_app
from etl import db, pairing, pipeline, series_review
from tests.conftest import FIXTURES
from tests.dashboard.conftest import sql
from tests.dashboard.test_browser import _shot

pytestmark = pytest.mark.browser
TOKEN = "s3cret-token"


@pytest.fixture
def twin_pair(tmp_path, sqlite_url):
    """Our gold LCQ7 of 2024-05-08 in both languages (the Chinese drops the hedge of "over 2 300")."""
    folder = tmp_path / "pair"
    folder.mkdir()
    rows = ["file,url,published,lang"]
    for src, lang in (
        (FIXTURES / "gold" / "replies" / "2024-05-08-LCQ7-open-data.txt", "en"),
        (FIXTURES / "gold_zh" / "replies" / "2024-05-08-LCQ7-open-data-zh.txt", "zh-Hant"),
    ):
        shutil.copy(src, folder / src.name)
        rows.append(f"{src.name},,2024-05-08,{lang}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    pipeline.run([folder], sqlite_url, curated_dir=folder / "none")
    return sqlite_url


def test_ser001_reviewer_judges_a_series_renames_it_and_splits_a_figure_out(dash_duo, twin_pair, monkeypatch):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    eng = db.engine(twin_pair)
    disagreeing = pairing.disagreements(eng)
    dropped = sql(twin_pair, "SELECT id, series, as_of FROM figures WHERE text = 'over 2 300 datasets'")[0]
    about = series_review.summaries(eng).set_index("series").loc[dropped["series"]]
    eng.dispose()
    dash_duo.start_server(create_app(twin_pair))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/review")
    dash_duo.wait_for_element("#rev-token").send_keys(TOKEN)
    dash_duo.find_element("#rev-login").click()

    # The two versions side by side: the English sentence and the Chinese one, each figure marked.
    n = len(disagreeing)
    dash_duo.wait_for_text_to_equal(
        "#ser-twins-count", f"{n} figure{'' if n == 1 else 's'} whose versions disagree."
    )
    assert len(dash_duo.find_elements("#ser-twins tr.ser-twin")) == n
    row = dash_duo.find_element(f"#ser-twins tr.ser-twin[data-figure='{dropped['id']}']")
    cells = row.find_elements("css selector", "td")
    assert cells[0].text == "qualifier"
    assert "over 2 300 datasets on the Portal" in cells[1].text and "自2019年起" in cells[2].text
    assert [m.text for m in row.find_elements("css selector", "mark")] == [
        "over 2 300 datasets",
        "2 300個數據集",
    ]

    # Find the series by words of its label, and read its figures beside their sentences.
    dash_duo.find_element("#ser-search").send_keys("machine readable")
    dash_duo.wait_for_contains_text("#ser-count", "series found")
    zh = f" / {about['label_zh']}" if isinstance(about["label_zh"], str) else ""
    option = f"{about['label_en']}{zh} — {about['scope']} · {about['figures']} · {dropped['series']}"
    dash_duo.select_dcc_dropdown("#ser-pick", value=option)
    dash_duo.wait_for_contains_text("#ser-title", dropped["series"])
    figures = dash_duo.find_elements("#ser-figures tr.ser-figure")
    assert len(figures) == about["figures"]
    mine = dash_duo.find_element(f"#ser-figures tr.ser-figure[data-figure='{dropped['id']}']")
    assert "have been provided in machine-readable formats" in mine.text and "disagrees" in mine.text
    _shot(dash_duo, "review-series")

    # Rename it (both languages); the decision is stored with who and why.
    dash_duo.find_element("#ser-action input[value='rename']").click()
    dash_duo.find_element("#ser-label").send_keys("Machine-readable datasets on the Portal")
    dash_duo.find_element("#ser-label-zh").send_keys("網站上機器可讀的數據集")
    dash_duo.find_element("#ser-reason").send_keys("a clearer name")
    dash_duo.find_element("#ser-who").send_keys("ana")
    dash_duo.find_element("#ser-submit").click()
    dash_duo.wait_for_contains_text("#ser-result", f"Recorded: Rename for series {dropped['series']}")
    labels = sql(
        twin_pair,
        "SELECT DISTINCT d.lang, f.series_label FROM figures f JOIN documents d ON d.id = f.doc_id "
        "WHERE f.series = :s ORDER BY d.lang",
        s=dropped["series"],
    )
    assert [(r["lang"], r["series_label"]) for r in labels] == [
        ("en", "Machine-readable datasets on the Portal"),
        ("zh-Hant", "網站上機器可讀的數據集"),
    ]

    # Split the English figure out: it gets a series of its own, shown at once.
    dash_duo.find_element("#ser-action input[value='split']").click()
    dash_duo.select_dcc_dropdown(
        "#ser-figure", value=f"over 2 300 datasets ({dropped['as_of']}, {dropped['id']})"
    )
    dash_duo.find_element("#ser-submit").click()
    new = series_review.split_id(dropped["series"], dropped["id"])
    dash_duo.wait_for_contains_text("#ser-result", f"Recorded: Split a figure out for series {new}")
    dash_duo.wait_for_contains_text("#ser-title", new)
    assert sql(twin_pair, "SELECT series FROM figures WHERE id = :i", i=dropped["id"]) == [{"series": new}]
    stored = sql(twin_pair, "SELECT action, who, reason FROM series_decisions ORDER BY id")
    assert stored == [
        {"action": "rename", "who": "ana", "reason": "a clearer name"},
        {"action": "split", "who": "ana", "reason": "a clearer name"},
    ]
    assert dash_duo.get_logs() == []
