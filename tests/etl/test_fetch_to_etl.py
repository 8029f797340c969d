"""Fetch from a fixture site on 127.0.0.1, run the ETL over the archive, find the figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from etl import pipeline
from etl.fetch import run
from itdash.cli import app
from tests.etl.test_fetch import fast, server  # noqa: F401 - the fixture site


def test_fetched_replies_flow_into_the_database_with_their_addresses(server, tmp_path, sqlite_url):  # noqa: F811
    archive = tmp_path / "archive"
    report = run(fast(server, archive), since=date(2025, 3, 26), until=date(2025, 3, 27))
    assert report.kept > 0
    summary = pipeline.run([archive], sqlite_url, curated_dir=tmp_path / "none")
    in_manifest = (archive / "manifest.csv").read_text().count("\n") - 1
    assert summary.documents_loaded == in_manifest > 0
    assert summary.quarantined == 0, [str(e) for e in summary.failures]

    engine = create_engine(sqlite_url)
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT d.url, d.published, f.text, f.value FROM figures f JOIN documents d ON d.id = f.doc_id "
                "WHERE f.text = 'about HK$96 million'"
            )
        ).all()
        index_pages = c.execute(
            text("SELECT count(*) FROM documents WHERE source LIKE 'index/%'")
        ).scalar_one()
    engine.dispose()
    (url, published, _, value) = rows[0]
    assert url == f"{server.url}/gia/general/202503/26/P2025032600321.htm"
    assert str(published) == "2025-03-26" and value == 96_000_000
    assert index_pages == 0


def test_refresh_fetches_then_loads(server, tmp_path, sqlite_url):  # noqa: F811
    archive = tmp_path / "archive"
    # Seed the archive with the first day so refresh starts from it.
    run(fast(server, archive), since=date(2025, 3, 26), until=date(2025, 3, 26))
    result = CliRunner().invoke(
        app,
        [
            "refresh",
            "--archive",
            str(archive),
            "--database",
            sqlite_url,
            "--base-url",
            server.url,
            "--rate",
            "100",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "etl:" in result.output and "quarantined" in result.output
