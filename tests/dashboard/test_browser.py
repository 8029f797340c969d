"""The dashboard in headless Chromium, against a database the real ETL loaded."""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dashboard.app import create_app
from etl import pipeline

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
def loaded(corpus, sqlite_url):
    pipeline.run([corpus], sqlite_url, curated_dir=corpus / 'none')
    return sqlite_url


def _rows_from_db(url: str, indicator: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as c:
        rows = c.execute(
            text("SELECT as_of, value, qualifier, source_url FROM observations "
                 "WHERE indicator_id = :i ORDER BY period_end, id"), {"i": indicator}
        ).mappings().all()
    engine.dispose()
    return [dict(r) for r in rows]


def _label(url: str, indicator: str) -> str:
    engine = create_engine(url)
    with engine.connect() as c:
        name = c.execute(text("SELECT label_en FROM indicators WHERE id = :i"), {"i": indicator}).scalar_one()
        n = c.execute(text("SELECT count(*) FROM observations WHERE indicator_id = :i"), {"i": indicator}).scalar_one()
    engine.dispose()
    return f"{name} ({n})"


def _shot(dash_duo, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _wait_for_file(folder: Path, name: str, timeout: float = 10) -> Path:
    path = folder / name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0 and not list(folder.glob("*.crdownload")):
            return path
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded into {folder}: {os.listdir(folder)}")


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
    dash_duo.wait_for_contains_text("#ind-summary", "Latest: 58 as of 2024-12-31")
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
