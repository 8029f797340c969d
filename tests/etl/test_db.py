"""Opening a database (SQLite file and PostgreSQL) with `etl.db.engine`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from etl import db


def _indexes(url: str) -> set[str]:
    eng = db.engine(url, create=False)
    try:
        return {i["name"] for i in inspect(eng).get_indexes("observations")}
    finally:
        eng.dispose()


def test_an_older_database_gets_the_indexes_added_since(database_url):
    db.engine(database_url).dispose()
    assert {"ix_observations_series", "ix_observations_conflict"} <= _indexes(database_url)
    old = db.engine(database_url, create=False)
    with old.begin() as c:  # as a database made before these indexes existed
        c.execute(text("DROP INDEX ix_observations_series"))
        c.execute(text("DROP INDEX ix_observations_conflict"))
    old.dispose()
    assert "ix_observations_series" not in _indexes(database_url)

    db.engine(database_url).dispose()
    assert {"ix_observations_series", "ix_observations_conflict"} <= _indexes(database_url)
    db.engine(database_url).dispose()  # and opening it again changes nothing
    assert {"ix_observations_series", "ix_observations_conflict"} <= _indexes(database_url)


def test_an_older_database_gets_the_columns_added_since(database_url):
    """A database made before figures carried their series gains the column, empty, on open."""
    db.engine(database_url).dispose()
    old = db.engine(database_url, create=False)
    with old.begin() as c:
        c.execute(text("DROP INDEX IF EXISTS ix_figures_series"))
        c.execute(text('ALTER TABLE figures DROP COLUMN "series"'))
        c.execute(text('ALTER TABLE figures DROP COLUMN "series_label"'))
    old.dispose()
    db.engine(database_url).dispose()
    eng = db.engine(database_url, create=False)
    columns = {c["name"] for c in inspect(eng).get_columns("figures")}
    eng.dispose()
    assert {"series", "series_label", "twin_agrees"} <= columns


def test_the_database_holds_the_series_itdash_extract_prints(corpus, database_url):
    import json

    from etl import pipeline
    from itdash.cli import app
    from tests.test_cli import runner

    pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    printed = {
        (Path(r["doc"]).name, r["start"]): r["series"]
        for r in map(json.loads, runner.invoke(app, ["extract", str(corpus)]).stdout.splitlines())
    }
    eng = db.engine(database_url, create=False)
    with eng.connect() as c:
        rows = c.execute(
            text("SELECT d.source, f.start, f.series FROM figures f JOIN documents d ON d.id = f.doc_id")
        ).all()
    eng.dispose()
    assert rows and all(printed[(Path(src).name, start)] == s for src, start, s in rows)


def _old_layout(url: str) -> None:
    """Put a database back as itdash kept it before `sentences`: each figure held its sentence and
    clause (NOT NULL), each reply observation and target a copy of the sentence."""
    from etl.sentences import clause_of

    eng = db.engine(url, create=False)
    with eng.begin() as c:
        for col in ("sentence", "clause"):
            c.execute(text(f"ALTER TABLE figures ADD COLUMN {col} TEXT NOT NULL DEFAULT ''"))
        found = c.execute(
            text(
                "SELECT f.id, s.text, f.clause_start, f.clause_end, f.clause_text"
                " FROM figures f JOIN sentences s ON s.id = f.sentence_id"
            )
        ).all()
        c.execute(
            text("UPDATE figures SET sentence = :s, clause = :c WHERE id = :i"),
            [{"i": i, "s": s, "c": clause_of(s, a, b, own)} for i, s, a, b, own in found],
        )
        for table, col in (("observations", "sentence"), ("targets", "note")):
            c.execute(
                text(
                    f"UPDATE {table} SET {col} = (SELECT s.text FROM sentences s"
                    f" WHERE s.id = {table}.sentence_id) WHERE sentence_id IS NOT NULL"
                )
            )
            c.execute(text(f"UPDATE {table} SET sentence_id = NULL"))
        c.execute(
            text(
                "UPDATE figures SET sentence_id = NULL, clause_start = NULL, clause_end = NULL, clause_text = NULL"
            )
        )
        c.execute(text("DELETE FROM sentences"))
    eng.dispose()


def test_an_older_database_with_sentences_on_its_figures_is_moved_and_reads_the_same(series, database_url):
    """Before `sentences`, a figure held its sentence: opening moves them, and every output is unchanged."""
    from datetime import UTC, datetime

    from etl import export, pipeline, review

    corpus, curated = series
    pipeline.run([corpus], database_url, curated_dir=curated)
    when = datetime(2026, 1, 1, tzinfo=UTC)

    def outputs() -> tuple:
        eng = db.engine(database_url)
        try:
            csv = export.render(eng, "observations", "csv", export.Filters(), when)
            return csv, review.pending(eng).to_dict("records")
        finally:
            eng.dispose()

    def stored() -> tuple:
        eng = db.engine(database_url, create=False)
        with eng.connect() as c:
            got = tuple(
                c.execute(text(f"SELECT * FROM {t} ORDER BY id")).all() for t in ("sentences", "figures")
            )
        eng.dispose()
        return got

    want, tables = outputs(), stored()
    _old_layout(database_url)
    assert outputs() == want  # moved on open: the same file, the same figures awaiting review
    assert stored() == tables
    eng = db.engine(database_url, create=False)
    columns = {c["name"] for c in inspect(eng).get_columns("figures")}
    with eng.begin() as c:  # and the next run can write figures again
        c.execute(text("UPDATE documents SET processed_with = 'older'"))
    eng.dispose()
    assert not {"sentence", "clause"} & columns
    assert pipeline.run([corpus], database_url, curated_dir=curated).documents_loaded > 0
    assert outputs() == want and stored() == tables
