"""The download routes through Flask's test client, against databases the real ETL loaded.

Every format is compared with the database read directly (raw SQL, not
dashboard.queries), so a download that drifts from the data fails here.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from datetime import date

import openpyxl
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from dashboard import queries
from dashboard.app import create_app
from dashboard.downloads import COLUMNS, FIELDS
from itdash.cli import app
from tests.dashboard.conftest import UNREACHABLE_URL, sql

DB_COLUMNS = (
    "id, indicator_id, as_of, value, qualifier, lower, upper, unit, source_kind, source_url, "
    "published, status, conflict, preferred, "
    # A reply's sentence is stored once, in `sentences`; a curated row keeps its note.
    "COALESCE((SELECT s.text FROM sentences s WHERE s.id = observations.sentence_id), sentence) AS sentence"
)


@pytest.fixture
def client(full):
    return create_app(full).server.test_client()


def _csv(body: bytes) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(body.decode("utf-8")))
    return list(reader.fieldnames or []), list(reader)


def _num(v: object) -> float | None:
    if v in (None, ""):
        return None
    f = float(v)  # type: ignore[arg-type]
    return None if math.isnan(f) else f


def _db(url: str, where: str = "1=1", **params) -> dict[str, dict]:
    rows = sql(url, f"SELECT {DB_COLUMNS} FROM observations WHERE {where}", **params)
    return {r["id"]: r for r in rows}


def _same(got: dict, want: dict) -> None:
    """One downloaded row (strings) against its database row."""
    assert got["indicator"] == want["indicator_id"]
    assert got["as_of"] == want["as_of"]
    assert float(got["value"]) == want["value"]
    assert got["qualifier"] == want["qualifier"]
    assert _num(got["lower"]) == want["lower"] and _num(got["upper"]) == want["upper"]
    assert got["unit"] == want["unit"] and got["source_kind"] == want["source_kind"]
    assert (got["source_url"] or None) == want["source_url"]
    assert (got["published"] or None) == (str(want["published"]) if want["published"] else None)
    assert (got["sentence"] or None) == want["sentence"]
    assert got["status"] == want["status"]
    assert got["conflict"] in ("True", "False") and (got["conflict"] == "True") == bool(want["conflict"])


def test_dl001_each_indicator_csv_equals_the_database(client, full):
    ids = [r["indicator_id"] for r in sql(full, "SELECT DISTINCT indicator_id FROM observations")]
    assert len(ids) > 10
    for ind in ids:
        r = client.get(f"/data/{ind}.csv")
        assert r.status_code == 200 and r.mimetype == "text/csv"
        assert r.headers["Content-Disposition"] == f'attachment; filename="{ind}.csv"'
        header, rows = _csv(r.data)
        assert header[: len(queries.EXPORT_COLUMNS)] == queries.EXPORT_COLUMNS
        assert header == COLUMNS
        want = _db(full, "indicator_id = :i", i=ind)
        assert sorted(row["observation_id"] for row in rows) == sorted(want)
        for row in rows:
            _same(row, want[row["observation_id"]])


def test_dl002_all_observations_csv_takes_the_page_filters(client, full):
    header, rows = _csv(client.get("/data/observations.csv").data)
    assert header[: len(queries.EXPORT_COLUMNS)] == queries.EXPORT_COLUMNS
    assert len(rows) == len(_db(full))

    _, rows = _csv(client.get("/data/observations.csv?source_kind=reply&from=2024-07-01").data)
    want = _db(full, "source_kind = 'reply' AND period_end >= '2024-07-01'")
    assert 0 < len(want) < len(_db(full))
    assert sorted(r["observation_id"] for r in rows) == sorted(want)

    theme = "open_data"
    _, rows = _csv(client.get(f"/data/observations.csv?theme={theme}&to=2019-12-31").data)
    want = _db(
        full,
        "indicator_id IN (SELECT id FROM indicators WHERE theme = :t) AND period_start <= '2019-12-31'",
        t=theme,
    )
    assert want and sorted(r["observation_id"] for r in rows) == sorted(want)


def test_dl003_json_equals_the_database(client, full):
    body = client.get("/data/open_data_datasets.json?source_kind=curated").get_json()
    assert body["filters"] == {"source_kind": "curated"}
    assert body["columns"] == COLUMNS
    want = _db(full, "indicator_id = 'open_data_datasets' AND source_kind = 'curated'")
    assert sorted(r["observation_id"] for r in body["observations"]) == sorted(want)
    for r in body["observations"]:
        w = want[r["observation_id"]]
        assert (r["value"], r["qualifier"], r["as_of"], r["conflict"]) == (
            w["value"],
            w["qualifier"],
            w["as_of"],
            bool(w["conflict"]),
        )
        assert r["published"] == (str(w["published"]) if w["published"] else None)


def test_dl004_xlsx_has_about_metadata_and_data(client, full):
    r = client.get("/data/observations.xlsx?source_kind=reply")
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["about", "metadata", "data"]
    about = {row[0]: row[1] for row in book["about"].iter_rows(min_row=2, values_only=True)}
    assert json.loads(about["filters"]) == {"source_kind": "reply"}
    assert "Cite" in about["cite"] and about["retrieved"][:4].isdigit()
    data = list(book["data"].iter_rows(values_only=True))
    assert list(data[0]) == COLUMNS
    want = _db(full, "source_kind = 'reply'")
    got = {row[COLUMNS.index("observation_id")]: row for row in data[1:]}
    assert sorted(got) == sorted(want)
    for oid, row in got.items():
        assert row[COLUMNS.index("value")] == want[oid]["value"]
        assert row[COLUMNS.index("as_of")] == want[oid]["as_of"]
    meta = [row for row in book["metadata"].iter_rows(values_only=True)]
    assert meta[0][:3] == ("id", "label_en", "label_zh")
    used = {r["indicator_id"] for r in want.values()}
    assert {row[0] for row in meta[1 : len(used) + 1]} == used
    assert any(row[0] == "sources" for row in meta)
    assert any(row[0] == "reply" and row[3] is not None for row in meta)  # each source with its date


def test_dl005_zip_holds_csv_datapackage_and_readme(client, full):
    r = client.get("/data/gerd.zip?from=2010-01-01")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    name = r.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    assert re.fullmatch(r"gerd-filtered-[0-9a-f]{8}\.zip", name), name
    stem = name[: -len(".zip")]
    z = zipfile.ZipFile(io.BytesIO(r.data))
    assert sorted(z.namelist()) == sorted(["README.txt", "datapackage.json", "indicators.csv", f"{stem}.csv"])
    header, rows = _csv(z.read(f"{stem}.csv"))
    assert sorted(r["observation_id"] for r in rows) == sorted(
        _db(full, "indicator_id = 'gerd' AND period_end >= '2010-01-01'")
    )
    package = json.loads(z.read("datapackage.json"))
    assert package["profile"] == "tabular-data-package"
    assert {res["path"] for res in package["resources"]} <= set(z.namelist())  # only files in the ZIP
    assert package["licenses"] and package["licenses"][0]["name"]
    assert package["sources"] and all(src["title"] for src in package["sources"])
    resource = next(res for res in package["resources"] if res["name"] == stem)
    assert resource["path"] == f"{stem}.csv" and resource["profile"] == "tabular-data-resource"
    fields = resource["schema"]["fields"]
    assert [f["name"] for f in fields] == header
    # Every cell reads as its declared type.
    readers = {
        "number": float,
        "date": date.fromisoformat,
        "boolean": {"True": 1, "False": 0}.__getitem__,
        "integer": int,
        "string": str,
    }
    for row in rows:
        for f in fields:
            if row[f["name"]] != "":
                readers[f["type"]](row[f["name"]])
    assert set(FIELDS) == set(COLUMNS)
    readme = z.read("README.txt").decode("utf-8")
    assert "How to cite" in readme and '"from": "2010-01-01"' in readme


def test_dl006_formula_cells_are_neutralised_in_csv_and_xlsx(full):
    engine = create_engine(full)
    with engine.begin() as c:
        oid = c.execute(
            text("SELECT id FROM observations WHERE indicator_id = 'open_data_datasets' ORDER BY id LIMIT 1")
        ).scalar_one()
        c.execute(
            text("UPDATE observations SET sentence = :s, source_url = :u WHERE id = :i"),
            {"s": '=HYPERLINK("http://evil.example","x")', "u": "@SUM(A1)", "i": oid},
        )
    engine.dispose()
    client = create_app(full).server.test_client()
    _, rows = _csv(client.get("/data/open_data_datasets.csv").data)
    row = next(r for r in rows if r["observation_id"] == oid)
    assert row["sentence"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["source_url"] == "'@SUM(A1)"
    book = openpyxl.load_workbook(io.BytesIO(client.get("/data/open_data_datasets.xlsx").data))
    cells = [c for line in book["data"].iter_rows() for c in line if isinstance(c.value, str)]
    risky = [c for c in cells if "HYPERLINK" in c.value]
    assert risky and all(c.data_type == "s" and c.value.startswith("'=") for c in risky)


def test_dl007_unknown_indicator_bad_filter_and_unreachable_database_say_why(client):
    r = client.get("/data/no_such_indicator.csv")
    assert r.status_code == 404 and b"no indicator 'no_such_indicator'" in r.data
    r = client.get("/data/observations.csv?from=yesterday")
    assert r.status_code == 400 and b"YYYY-MM-DD" in r.data
    assert client.get("/data/observations.pdf").status_code == 404
    down = create_app(UNREACHABLE_URL).server.test_client()
    r = down.get("/data/observations.csv")
    assert r.status_code == 503 and b"database cannot be read" in r.data


def test_dl008_empty_database_downloads_headers_only(sqlite_url):
    client = create_app(sqlite_url).server.test_client()
    header, rows = _csv(client.get("/data/observations.csv").data)
    assert header == COLUMNS and rows == []


EPOCH = "1783000000"  # 2026-07-02: a fixed retrieval time for both writers


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "zip"])
def test_dl009_the_cli_export_is_the_download_byte_for_byte(fmt, client, full, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    cases = [
        ("observations", {}),
        ("observations", {"source_kind": "reply", "from": "2024-07-01"}),
        ("observations", {"theme": "open_data", "to": "2019-12-31", "status": "auto"}),
        ("open_data_datasets", {"source_kind": "curated"}),
    ]
    options = {"source_kind": "--source-kind", "from": "--from", "to": "--to", "theme": "--theme"}
    for name, params in cases:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        r = client.get(f"/data/{name}.{fmt}" + (f"?{query}" if query else ""))
        assert r.status_code == 200, r.data[:200]
        out = tmp_path / f"{name}.{fmt}"
        argv = ["export", "--database", full, "--format", fmt, "--output", str(out)]
        argv += ["--base-url", "http://localhost/"]
        argv += [] if name == "observations" else ["--indicator", name]
        for k, v in params.items():
            argv += [options.get(k, f"--{k}"), v]
        result = CliRunner().invoke(app, argv)
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == r.data, f"{name}.{fmt}?{query}: the CLI and the download differ"
    if fmt in ("xlsx", "zip"):  # the file times are the retrieval time, not the moment of writing
        stamps = {i.date_time for i in zipfile.ZipFile(io.BytesIO(r.data)).infolist()}
        assert stamps == {(2026, 7, 2, 13, 46, 40)}


def test_dl010_every_row_is_citable_alone(client, full):
    _, rows = _csv(client.get("/data/observations.csv").data)
    docs = {r["id"]: r for r in sql(full, "SELECT id, url, title, lcq_number, published FROM documents")}
    figs = {r["id"]: r for r in sql(full, "SELECT id, series, series_label FROM figures")}
    replies = [r for r in rows if r["source_kind"] == "reply"]
    curated = [r for r in rows if r["source_kind"] == "curated"]
    assert replies and curated
    for r in rows:
        assert r["citation"] and not r["citation"].endswith(". "), r
        assert r["source_tier"] in ("official", "mirror", "secondary"), r
    by_figure = {r["figure_id"]: r for r in replies}
    for fid, r in by_figure.items():
        fig = figs[fid]
        assert (r["series"] or None) == fig["series"] and (r["series_label"] or None) == fig["series_label"]
    for r in replies:
        assert r["source_tier"] == "official"
        doc = next(
            d for d in docs.values() if d["published"] == r["published"] and d["title"] == r["source_title"]
        )
        assert r["lcq_number"] == (str(doc["lcq_number"]) if doc["lcq_number"] is not None else "")
        if doc["lcq_number"] is not None:
            assert f"LCQ{doc['lcq_number']}" in r["citation"]
        assert r["published"] in r["citation"]
        # The address is the reply's own, or else the sentence on this dashboard: never empty.
        want = doc["url"] or f"/sources?doc={doc['id']}#fig-{r['figure_id']}"
        assert r["citation"].endswith(want), (r["citation"], want)
    assert any(not r["source_url"] for r in replies), "the fixture should have a reply without an address"
    tiers = {r["source_tier"] for r in curated}
    assert tiers == {"official", "mirror", "secondary"}
    for r in curated:
        assert r["publisher"] and r["citation"].startswith(r["publisher"])
        assert r["citation"].endswith(r["source_url"])
        assert ("(a copy of the original)" in r["citation"]) == (r["source_tier"] == "mirror")


def test_dl011_every_format_carries_the_indicators_label_definition_and_unit(client, full):
    defs = {
        r["id"]: r
        for r in sql(full, "SELECT id, label_en, label_zh, unit, definition, definition_zh FROM indicators")
    }
    assert defs["gerd"]["definition_zh"]
    _, rows = _csv(client.get("/data/gerd.csv").data)
    assert rows and all(
        (r["indicator_label"], r["indicator_definition"], r["indicator_definition_zh"], r["unit"])
        == tuple(defs["gerd"][k] for k in ("label_en", "definition", "definition_zh", "unit"))
        for r in rows
    )
    body = client.get("/data/observations.json?theme=open_data").get_json()
    used = {r["indicator"] for r in body["observations"]}
    assert {i["id"] for i in body["indicators"]} == used
    for i in body["indicators"]:
        assert (i["label_en"], i["label_zh"], i["unit"], i["definition"], i["definition_zh"]) == tuple(
            defs[i["id"]][k] for k in ("label_en", "label_zh", "unit", "definition", "definition_zh")
        )
    assert "source_url" not in body["cite"] and "citation" in body["cite"]
    assert body["sources"] and set(body["fields"]) == set(COLUMNS)
    z = zipfile.ZipFile(io.BytesIO(client.get("/data/observations.zip").data))
    _, ind = _csv(z.read("indicators.csv"))
    assert {r["id"] for r in ind} == {r["indicator"] for r in _csv(z.read("observations.csv"))[1]}
    assert all(r["definition"] == defs[r["id"]]["definition"] for r in ind)
    assert all(
        r["definition_zh"] == (defs[r["id"]]["definition_zh"] or "") for r in ind
    )  # CSV: empty, not null
    book = openpyxl.load_workbook(io.BytesIO(client.get("/data/gerd.xlsx").data))
    meta = [[c.value for c in row] for row in book["metadata"].iter_rows()]
    assert meta[0][: len(meta[0])].count("definition_zh") == 1
    assert [r[meta[0].index("definition_zh")] for r in meta[1:2]] == [defs["gerd"]["definition_zh"]]
    readme = z.read("README.txt").decode()
    assert "citation" in readme and "indicators.csv" in readme


def test_dl012_headers_names_modes_and_the_spreadsheet_frame(client):
    r = client.get("/data/observations.csv")
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="observations.csv"'
    one = client.get("/data/observations.csv?source_kind=reply").headers["Content-Disposition"]
    two = client.get("/data/observations.csv?source_kind=curated").headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="observations-filtered-[0-9a-f]{8}\.csv"', one)
    assert one != two
    for url in ("/data/observations.zip", "/data/observations.xlsx"):
        z = zipfile.ZipFile(io.BytesIO(client.get(url).data))
        assert {(i.external_attr >> 16) & 0o777 for i in z.infolist()} == {0o644}, url
    book = openpyxl.load_workbook(io.BytesIO(client.get("/data/observations.xlsx").data))
    sheet = book["data"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions and sheet.auto_filter.ref.startswith("A1:")


@pytest.mark.parametrize(
    "query",
    ["source_kind=bogus", "status=bogus", "theme=bogus", "indicator=bogus", "from=2024-13-01"],
)
def test_dl013_an_unknown_filter_value_is_a_400_naming_it(client, query):
    r = client.get(f"/data/observations.csv?{query}")
    assert r.status_code == 400, (query, r.data[:200])
    assert query.split("=")[0].encode() in r.data
