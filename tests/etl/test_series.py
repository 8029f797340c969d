"""Series across sources: conflicts, revisions, warnings, targets, curated rows, review decisions."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from etl import db, pipeline, review
from etl import export as ex
from itdash.cli import app


def rows(url: str, sql: str, **params) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as c:
        out = [tuple(r) for r in c.execute(text(sql), params).all()]
    engine.dispose()
    return out


def run(series, url):
    corpus, curated = series
    return pipeline.run([corpus], url, curated_dir=curated)


def test_a_restated_figure_is_a_revision_and_preferred(series, database_url):
    run(series, database_url)
    got = rows(
        database_url,
        "SELECT value, revision, preferred, conflict FROM observations "
        "WHERE indicator_id = 'open_data_datasets' AND as_of = '2023-12-31' ORDER BY published",
    )
    assert got == [(5000, "revised", False, False), (5120, "revision", True, False)]


def test_disagreeing_sources_are_kept_flagged_and_one_preferred(series, database_url):
    run(series, database_url)
    got = rows(
        database_url,
        "SELECT source_kind, value, conflict, preferred FROM observations "
        "WHERE indicator_id = 'csdi_spatial_datasets' ORDER BY source_kind",
    )
    # The curated report is newer (2024-08-01) than the reply (2024-07-10): it is preferred.
    assert got == [("curated", 950, True, True), ("reply", 900, True, False)]


def test_series_checks_are_stored_not_thrown(series, database_url):
    summary = run(series, database_url)
    kinds = dict(rows(database_url, "SELECT kind, indicator_id FROM series_warnings"))
    assert kinds == {"falling_stock": "open_data_datasets", "overlapping_flow": "streamlining_measures"}
    assert summary.warnings == 2
    (msg,) = rows(database_url, "SELECT message FROM series_warnings WHERE kind = 'falling_stock'")
    assert "5,120" in msg[0] and "4,800" in msg[0]


def test_targets_and_members_figures_stay_out_of_the_series(series, database_url):
    summary = run(series, database_url)
    assert rows(database_url, "SELECT value, as_of FROM targets") == [(1200, "2025-12-31")]
    assert rows(database_url, "SELECT count(*) FROM observations WHERE value = 9999") == [(0,)]
    assert rows(database_url, "SELECT count(*) FROM observations WHERE value = 1200") == [(0,)]
    assert summary.curated == 3 and summary.targets == 1


def test_a_bad_curated_row_is_quarantined_with_file_and_line(series, database_url):
    summary = run(series, database_url)
    (reason,) = [e for e in summary.failures if e.doc.endswith("fixture.csv:7")]
    assert "unknown indicator 'no_such_indicator'" in reason.reason
    assert rows(database_url, "SELECT stage FROM quarantine WHERE source LIKE '%fixture.csv:7'") == [
        ("curated",)
    ]


def _fig(url: str, text_: str) -> str:
    (fid,) = rows(url, "SELECT id FROM figures WHERE text = :t", t=text_)[0]
    return fid


def test_review_decisions_are_stored_and_survive_every_run(series, database_url):
    run(series, database_url)
    engine = db.engine(database_url)
    workshops = _fig(database_url, "12 workshops")
    assert workshops in set(review.pending(engine)["id"])
    review.decide(
        engine, workshops, "map", "counted as portal outreach", "ana", indicator_id="open_data_providers_orgs"
    )
    falls = _fig(database_url, "about 4 800 datasets")
    review.decide(
        engine, falls, "correct", "the reply's annex gives 4 850", "ana", value=4850, qualifier="exact"
    )
    spatial = _fig(database_url, "over 900 spatial datasets")
    review.decide(engine, spatial, "reject", "superseded by the annual report", "bo")
    engine.dispose()

    for _ in range(2):  # decisions hold after the ETL runs again, twice
        run(series, database_url)
        assert rows(
            database_url,
            "SELECT indicator_id, status, rule FROM observations WHERE figure_id = :f",
            f=workshops,
        ) == [("open_data_providers_orgs", "reviewed", "review")]
        assert rows(
            database_url,
            "SELECT value, qualifier, lower, upper, status FROM observations WHERE figure_id = :f",
            f=falls,
        ) == [(4850, "exact", 4850, 4850, "corrected")]
        assert rows(database_url, "SELECT count(*) FROM observations WHERE figure_id = :f", f=spatial) == [
            (0,)
        ]
    who = rows(database_url, "SELECT action, who, reason FROM review_decisions ORDER BY id")
    assert who[0] == ("map", "ana", "counted as portal outreach") and len(who) == 3
    with pytest.raises(Exception, match="map needs a known indicator"):
        review.decide(db.engine(database_url), workshops, "map", "x", "ana", indicator_id="nope")


def test_export_has_the_columns_and_neutralises_formulas(series, sqlite_url, tmp_path):
    run(series, sqlite_url)
    out = tmp_path / "obs.csv"
    result = CliRunner().invoke(app, ["export", "--database", sqlite_url, "--output", str(out)])
    assert result.exit_code == 0, result.output
    data = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(data[0])[:13] == ex.EXPORT_COLUMNS
    notes = {r["sentence"] for r in data}
    assert '\'=HYPERLINK("http://evil")' in notes and '=HYPERLINK("http://evil")' not in notes
    js = CliRunner().invoke(app, ["export", "--database", sqlite_url, "--format", "json"])
    assert js.exit_code == 0 and '"indicator": "open_data_datasets"' in js.stdout


def test_status_and_review_list(series, sqlite_url):
    run(series, sqlite_url)
    status = CliRunner().invoke(app, ["status", "--database", sqlite_url])
    assert status.exit_code == 0
    # The 7 of curated indicators, and the one of a series nobody has curated (etl/uncurated.py).
    assert "observations: 8 (curated 3, reply 5)" in status.stdout
    assert "series not yet reviewed: 1 (1 observations)" in status.stdout
    assert "conflicts: 2" in status.stdout and "warnings: 2" in status.stdout
    assert "figures awaiting review: 1" in status.stdout
    listed = CliRunner().invoke(app, ["review", "list", "--database", sqlite_url])
    assert "'12 workshops'" in listed.stdout
    mapped = CliRunner().invoke(
        app,
        [
            "review",
            "map",
            _fig(sqlite_url, "12 workshops"),
            "nope",
            "--reason",
            "x",
            "--database",
            sqlite_url,
        ],
    )
    assert mapped.exit_code != 0


def _flags_and_warnings(url: str) -> tuple[list[tuple], list[tuple]]:
    return (
        rows(url, "SELECT id, indicator_id, conflict, revision, preferred FROM observations ORDER BY id"),
        rows(url, "SELECT * FROM series_warnings ORDER BY id"),
    )


def test_reconciled_in_pieces_of_one_indicator_the_tables_are_those_of_one_piece(series, database_url):
    """The series pass reconciles a piece of whole indicators at a time (load.series_pieces).
    Pieces of one indicator each must leave what one piece leaves, also when a warning's
    observation has moved to an indicator of another piece (its warning keeps its id)."""
    summary = run(series, database_url)
    whole = _flags_and_warnings(database_url)
    assert {o[3] for o in whole[0]} == {None, "revision", "revised"}  # no revision is NULL, not 'NaN'
    engine = db.engine(database_url)
    registry = pipeline.indicators.load()
    try:
        assert len(pipeline.load.series_pieces(engine, 1)) > 3
        # In-process, then read and reconciled ahead by two worker processes (etl/ahead.py).
        for processes in (1, 2):
            with engine.begin() as c:
                c.execute(
                    text("UPDATE observations SET conflict = false, preferred = false, revision = NULL")
                )
                c.execute(text("DELETE FROM series_warnings"))
            pieced = pipeline.Summary()
            pipeline._series(engine, registry, pieced, piece=1, processes=processes)
            assert (pieced.conflicts, pieced.warnings) == (summary.conflicts, summary.warnings) != (0, 0)
            assert _flags_and_warnings(database_url) == whole
        with engine.begin() as c:  # flags lost, and the falling stock's point filed under another indicator
            c.execute(text("UPDATE observations SET conflict = false, preferred = false, revision = NULL"))
            c.execute(
                text(
                    "INSERT INTO indicators (id, label_en, label_zh, unit, kind, headline, definition) "
                    "VALUES ('zz_elsewhere', 'x', 'x', 'dataset', 'stock', false, 'moved')"
                )
            )
            c.execute(
                text(
                    "UPDATE observations SET indicator_id = 'zz_elsewhere' WHERE id IN"
                    " (SELECT observation_id FROM series_warnings WHERE kind = 'falling_stock')"
                )
            )
            c.execute(  # a warning of no indicator lies in no piece: swept all the same
                text(
                    "INSERT INTO series_warnings (id, indicator_id, kind, observation_id, message)"
                    " VALUES ('outlier:nowhere', NULL, 'outlier', 'nowhere', 'left over')"
                )
            )
        pipeline._series(engine, registry, pipeline.Summary(), piece=1, processes=1)
        moved = _flags_and_warnings(database_url)
        assert "outlier:nowhere" not in {w[0] for w in moved[1]}
        pipeline._series(engine, registry, pipeline.Summary())  # one piece: nothing left to change
        assert _flags_and_warnings(database_url) == moved
        assert "falling_stock" not in {w[2] for w in moved[1]}  # alone in its indicator: no fall
    finally:
        engine.dispose()
