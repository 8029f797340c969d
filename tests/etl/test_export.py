"""`itdash export` on a database the real ETL loaded: dates as days, filters, clear errors."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from etl import pipeline
from itdash.cli import app


@pytest.fixture
def loaded(series, sqlite_url):
    corpus, curated = series
    pipeline.run([corpus], sqlite_url, curated_dir=curated)
    return sqlite_url


def export(*argv: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["export", *argv])


def test_json_dates_are_days_not_timestamps(loaded):
    result = export("--database", loaded, "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["columns"][:2] == ["indicator", "as_of"] and body["observations"]
    day = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    published = [r["published"] for r in body["observations"] if r["published"] is not None]
    assert published and all(day.match(p) for p in published), published
    for r in body["observations"]:
        assert day.match(r["period_start"]) and day.match(r["period_end"])


def test_filters_narrow_the_rows_as_the_data_page_does(loaded):
    everything = list(csv.DictReader(io.StringIO(export("--database", loaded).stdout)))
    replies = list(csv.DictReader(io.StringIO(export("--database", loaded, "--source-kind", "reply").stdout)))
    assert 0 < len(replies) < len(everything)
    assert {r["source_kind"] for r in replies} == {"reply"}
    later = export("--database", loaded, "--from", "2024-01-01").stdout
    assert all(r["period_end"] >= "2024-01-01" for r in csv.DictReader(io.StringIO(later)))


def test_an_unknown_indicator_or_a_bad_date_is_one_clear_line(loaded):
    result = export("--database", loaded, "--indicator", "no_such_thing")
    assert result.exit_code == 1 and "no indicator 'no_such_thing'" in result.output
    result = export("--database", loaded, "--from", "yesterday")
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.output


def test_an_unknown_filter_value_is_one_clear_line_as_the_download_is_a_400(loaded):
    for argv, name in ((["--source-kind", "bogus"], "source_kind"), (["--theme", "bogus"], "theme")):
        result = export("--database", loaded, *argv)
        assert result.exit_code == 1 and f"{name}='bogus'" in result.output, result.output
        assert "Traceback" not in result.output


def test_every_exported_row_has_a_citation_with_an_address(loaded):
    rows = list(csv.DictReader(io.StringIO(export("--database", loaded, "--base-url", "http://x/").stdout)))
    assert rows and all(re.search(r"(https?://\S+)$", r["citation"]) for r in rows), rows[0]["citation"]


def test_column_filters_select_the_same_rows_on_sqlite_and_postgresql(corpus, database_url):
    """The grid's column filters (`f.<column>`) in SQL: bound parameters, the same rows on both stores."""
    from datetime import datetime

    from sqlalchemy import text

    from etl import db
    from etl import export as ex

    pipeline.run([corpus], database_url)
    engine = db.engine(database_url, create=False)
    with engine.connect() as c:
        rows = [
            dict(r)
            for r in c.execute(
                text(
                    "SELECT o.*, coalesce(s.text, o.sentence) AS sentence, i.label_zh FROM observations o"
                    " JOIN indicators i ON i.id = o.indicator_id LEFT JOIN sentences s ON s.id = o.sentence_id"
                )
            ).mappings()
        ]
    engine.dispose()

    def ids(args: dict) -> set[str]:
        body = ex.render(
            db.engine(database_url, create=False),
            "observations",
            "json",
            ex.Filters.from_args(args),
            datetime(2026, 1, 1),
        )
        return {r["observation_id"] for r in json.loads(body)["observations"]}

    def day(v: object) -> str:
        return str(v)[:10] if v is not None else ""

    cases = [
        ({"f.value": "inRange:10..1000"}, lambda r: 10 <= r["value"] <= 1000),
        (
            {"f.published": "lessThan:2020-01-01"},
            lambda r: r["published"] is not None and day(r["published"]) < "2020-01-01",
        ),
        ({"f.as_of": "greaterThan:2024-06-30"}, lambda r: day(r["period_end"]) > "2024-06-30"),
        ({"f.unit": "equals:數據集"}, lambda r: r["unit"] == "dataset"),
        ({"f.indicator": "contains:資料一線通"}, lambda r: "資料一線通" in r["label_zh"]),
        (
            {"f.sentence": "notContains:BUSINESSES"},
            lambda r: "businesses" not in (r["sentence"] or "").lower(),
        ),
        (
            {"f.source_url": "startsWith:https://www.info.gov.hk/"},
            lambda r: (r["source_url"] or "").startswith("https://www.info.gov.hk/"),
        ),
        ({"f.sentence": "contains:100%"}, lambda r: "100%" in (r["sentence"] or "")),
    ]
    for args, keep in cases:
        want = {r["id"] for r in rows if keep(r)}
        assert ids(args) == want, args
        assert 0 < len(want) < len(rows) or args == {"f.sentence": "contains:100%"}, (args, len(want))
