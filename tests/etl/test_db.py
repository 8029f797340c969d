"""Opening a database (SQLite file and PostgreSQL) with `etl.db.engine`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from etl import db, setaside


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


def test_an_older_database_gets_the_message_codes_as_empty_columns(database_url):
    """Warnings' parameters and quarantine codes came later: an older database gains them, empty."""
    db.engine(database_url).dispose()
    old = db.engine(database_url, create=False)
    with old.begin() as c:
        c.execute(text('ALTER TABLE series_warnings DROP COLUMN "params"'))
        c.execute(text('ALTER TABLE quarantine DROP COLUMN "code"'))
        c.execute(text('ALTER TABLE quarantine DROP COLUMN "detail"'))
    old.dispose()
    db.engine(database_url).dispose()
    eng = db.engine(database_url, create=False)
    assert "params" in {c["name"] for c in inspect(eng).get_columns("series_warnings")}
    assert {"code", "detail"} <= {c["name"] for c in inspect(eng).get_columns("quarantine")}
    eng.dispose()


def test_checks_and_quarantine_reasons_are_stored_with_their_codes(corpus, database_url):
    """Each warning keeps the parameters its message was written from; each quarantine reason of
    a known kind its code and technical detail (etl/errors.py's REASONS)."""
    import json

    from etl import pipeline
    from etl.errors import REASONS

    pipeline.run([corpus], database_url)
    eng = db.engine(database_url, create=False)
    with eng.connect() as c:
        warned = c.execute(text("SELECT kind, message, params FROM series_warnings")).mappings().all()
        held = c.execute(text("SELECT reason, code, detail FROM quarantine")).mappings().all()
    eng.dispose()
    assert {w["kind"] for w in warned} >= {"falling_stock", "overlapping_flow", "outlier"}
    for w in warned:
        params = json.loads(w["params"])
        if w["kind"] == "falling_stock":
            assert w["message"].startswith(f"falls from {params['before']:,.0f} ({params['before_as_of']})")
        if w["kind"] == "overlapping_flow":
            assert w["message"].startswith(f"period {params['period']} overlaps {params['other']}")
        if w["kind"] == "outlier":
            assert f"({params['as_of']}) is more than {params['factor']:g}x" in w["message"]
    codes = {h["code"] for h in held}
    assert {"no_date", "no_part", "row_invalid"} <= codes and codes <= {code for code, _ in REASONS}
    for h in held:
        assert h["detail"] is None or h["detail"] in h["reason"]


@pytest.mark.postgres
def test_on_postgres_a_run_leaves_statistics_and_reclaims_the_rows_it_replaced(
    corpus, postgres_url, monkeypatch
):
    """A reprocess deletes every document's old rows; this server runs no autovacuum, so unless
    the run vacuums, they stay as dead rows that each later delete and lookup wades through.
    And without statistics PostgreSQL took a document's rows for half a table (etl/db.py)."""
    from etl import pipeline, version

    pipeline.run([corpus], postgres_url, curated_dir=corpus / "none")
    monkeypatch.setattr(version, "digest", lambda registry: "as after a vocabulary change")
    assert pipeline.run([corpus], postgres_url, curated_dir=corpus / "none").documents_loaded == 3
    eng = db.engine(postgres_url, create=False)
    tables = ("documents", "sentences", "figures", "observations", "targets")
    with eng.connect() as c:
        autovacuum = c.exec_driver_sql("SHOW autovacuum").scalar()
        analysed = set(c.exec_driver_sql("SELECT tablename FROM pg_stats WHERE attname = 'doc_id'").scalars())
        c.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        dead = {
            t: c.exec_driver_sql(f"SELECT dead_tuple_count FROM pgstattuple('{t}')").scalar() for t in tables
        }
        c.commit()
    eng.dispose()
    assert {"sentences", "figures", "observations"} <= analysed  # (the corpus has no targets: no statistics)
    if autovacuum == "off":  # else the server's own daemon reclaims them, in its time
        assert dead == dict.fromkeys(tables, 0)


@pytest.mark.postgres
def test_on_postgres_every_connection_runs_without_jit_even_after_a_rollback(postgres_url):
    """A piece's query of the sync ran in 2.9 s with JIT and 1.6 s without (100 000 replies): the
    engine turns JIT off for each session, outside a transaction, so no rollback brings it back."""
    eng = db.engine(postgres_url, create=False)
    try:
        for _ in range(2):  # the second time on the pooled connection the first gave back
            with eng.connect() as c:
                assert c.exec_driver_sql("SHOW jit").scalar() == "off"
                c.rollback()
                assert c.exec_driver_sql("SHOW jit").scalar() == "off"
    finally:
        eng.dispose()


def test_on_sqlite_every_connection_keeps_keys_and_frees_pages_without_zeroing_them(sqlite_url):
    """Foreign keys on and WAL on every connection, also one `setaside` handed back; freed pages
    are not written over with zeros (Debian's SECURE_DELETE build made dropping the old rows of
    a 100 000-reply reprocess take 56 s)."""
    eng = db.engine(sqlite_url)
    try:
        for _ in range(2):  # the second time on the pooled connection the first gave back
            with eng.connect() as c:
                assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert c.exec_driver_sql("PRAGMA secure_delete").scalar() == 2  # FAST
                assert c.exec_driver_sql("PRAGMA legacy_alter_table").scalar() == 0
        setaside.hold(eng, ["no such document"])
        assert setaside.pending(eng) and setaside.release(eng) == 0 and not setaside.pending(eng)
        with eng.connect() as c:  # the pragmas the set aside turned around are back
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert c.exec_driver_sql("PRAGMA legacy_alter_table").scalar() == 0
    finally:
        eng.dispose()


def test_update_rows_sets_only_the_named_rows_and_keeps_nulls_and_types(database_url):
    from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, select

    table = Table(
        "scratch_update_rows",
        MetaData(),
        Column("id", String, primary_key=True),
        Column("flag", Boolean),
        Column("label", String),
        Column("n", Integer),
    )
    engine = db.engine(database_url)
    table.create(engine)
    try:
        with engine.begin() as c:
            c.execute(table.insert(), [dict(id=f"r{k}", flag=None, label="old", n=k) for k in range(5)])
            db.update_rows(
                c,
                table,
                "id",
                [
                    dict(id="r1", flag=True, label=None),
                    dict(id="r3", flag=False, label="it's new; DROP TABLE x"),  # a value, never SQL
                    dict(id="r9", flag=True, label="no such row"),
                ],
            )
            db.update_rows(c, table, "id", [])
        with engine.connect() as c:
            got = [tuple(r) for r in c.execute(select(table).order_by(table.c.id))]
        assert got == [
            ("r0", None, "old", 0),
            ("r1", True, None, 1),
            ("r2", None, "old", 2),
            ("r3", False, "it's new; DROP TABLE x", 3),
            ("r4", None, "old", 4),
        ]
    finally:
        table.drop(engine)
        engine.dispose()


def _index_sql(c) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every index of observations and targets, by name, with how it is defined (SQLite)."""
    rows = c.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('observations', 'targets')"
    )
    return dict(rows.all())


def test_indexes_later_drops_them_for_the_fill_and_a_rollback_keeps_every_one(sqlite_url):
    """A failure in the middle of a fill, or a process killed before its commit, must not leave
    a table without its indexes: the drops are part of the fill's transaction."""
    from schemas.storage import Observation, Target

    eng = db.engine(sqlite_url)
    tables = [Observation.__table__, Target.__table__]
    with eng.connect() as c:
        before = _index_sql(c)
    assert "ix_observations_series" in before and "ix_targets_figure_id" in before

    class Boom(Exception):
        pass

    with pytest.raises(Boom), eng.begin() as c, db.indexes_later(c, tables):
        # Only the implicit primary-key index is left while the rows go in.
        assert all(name.startswith("sqlite_autoindex") for name in _index_sql(c))
        raise Boom
    with eng.connect() as c:
        assert _index_sql(c) == before

    with eng.begin() as c, db.indexes_later(c, tables):
        c.exec_driver_sql("INSERT INTO themes (id, label_en, label_zh) VALUES ('t', 't', 't')")
    with eng.connect() as c:
        assert _index_sql(c) == before  # built again, each as it was defined
        assert c.exec_driver_sql("SELECT count(*) FROM themes").scalar() == 1
    eng.dispose()


@pytest.mark.postgres
def test_indexes_later_leaves_postgres_indexes_alone(postgres_url):
    """On PostgreSQL a DROP INDEX would lock the table against the dashboard's reads."""
    from schemas.storage import Observation

    eng = db.engine(postgres_url)
    with eng.begin() as c, db.indexes_later(c, [Observation.__table__]):
        names = {i["name"] for i in inspect(c).get_indexes("observations")}
        assert "ix_observations_series" in names
    eng.dispose()


def test_a_first_load_leaves_observations_and_targets_with_every_index(corpus, sqlite_url):
    """The uncurated series are filled with their indexes dropped (`db.indexes_later`): the
    run must end with every index the tables define, and a rerun must find its rows by them."""
    from etl import pipeline
    from schemas.storage import Observation, Target

    pipeline.run([corpus], sqlite_url, curated_dir=corpus / "none")
    eng = db.engine(sqlite_url, create=False)
    defined = {ix.name for t in (Observation.__table__, Target.__table__) for ix in t.indexes}
    with eng.connect() as c:
        stored = set(_index_sql(c))
        uncurated = c.exec_driver_sql("SELECT count(*) FROM observations WHERE rule = 'series'").scalar()
    eng.dispose()
    assert uncurated > 0  # the fill ran
    assert defined <= stored


@pytest.mark.postgres
def test_keys_restored_on_postgres_stay_in_the_tables_this_process_creates_after(postgres_url, sqlite_url):
    """`drop_secondary` then `restore_secondary` on PostgreSQL leaves the foreign keys as they
    were there, and a database made afterwards in the same process still gets them in its
    CREATE TABLE (SQLAlchemy's AddConstraint would have left them out of every later one)."""
    from schemas.storage import Observation

    tables = [Observation.__table__]
    pg = db.engine(postgres_url)
    try:
        with pg.connect() as c:
            before = db._keys_held(c)
        db.drop_secondary(pg, tables)
        with pg.connect() as c:
            assert not [k for k in db._keys_held(c) if k[0] == "observations"]
        db.restore_secondary(pg, tables)
        with pg.connect() as c:
            assert db._keys_held(c) == before
    finally:
        pg.dispose()
    lite = db.engine(sqlite_url)
    try:
        with lite.connect() as c:
            keys = {r[2] for r in c.exec_driver_sql("PRAGMA foreign_key_list(observations)")}
        assert keys == {"documents", "figures", "sentences", "indicators"}
    finally:
        lite.dispose()


@pytest.mark.postgres
def test_an_opening_while_another_process_runs_the_etl_leaves_what_it_dropped_to_it(postgres_url):
    """A first load (or set-aside reprocess) on PostgreSQL drops indexes and foreign keys and
    restores them when its load ends; another process opening the database meanwhile (the
    dashboard starting) must not add them back under it, and must once that run has ended. The
    run itself, holding the lock, still restores what a killed run left."""
    from sqlalchemy import create_engine

    from schemas.storage import FigureRow

    tables = [FigureRow.__table__]

    def figures_keys_and_indexes() -> tuple[int, bool]:
        eng = db.engine(postgres_url, create=False)
        try:
            with eng.connect() as c:
                keys = len([k for k in db._keys_held(c) if k[0] == "figures"])
            return keys, "ix_figures_doc_id" in {i["name"] for i in inspect(eng).get_indexes("figures")}
        finally:
            eng.dispose()

    db.engine(postgres_url).dispose()
    whole = figures_keys_and_indexes()
    assert whole[0] == 2 and whole[1]
    dropped = db.engine(postgres_url, create=False)
    db.drop_secondary(dropped, tables)
    dropped.dispose()
    # Another process's run: its lock taken as `db.exclusive` takes it, on a session not ours.
    other = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with other.connect() as c:
        c.execute(text("SELECT pg_advisory_lock(:k)"), {"k": db._ETL_LOCK_KEY})
        db.engine(postgres_url).dispose()
        assert figures_keys_and_indexes() == (0, False)  # left to the run
        c.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": db._ETL_LOCK_KEY})
    other.dispose()
    with db.exclusive(postgres_url, wait=5):  # this process's own run: it restores them
        db.engine(postgres_url).dispose()
        assert figures_keys_and_indexes() == whole
    db.drop_secondary(db.engine(postgres_url, create=False), tables)
    db.engine(postgres_url).dispose()  # no run going: restored
    assert figures_keys_and_indexes() == whole


# Another process's ETL run: it holds the run lock as `db.exclusive` takes it until told to end.
_OTHER_RUN = """
import sys
from etl import db
with db.exclusive(sys.argv[1], wait=5, shared=sys.argv[2] == "shared"):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_sqlite_opening_while_another_process_runs_the_etl_leaves_the_indexes_to_it(sqlite_url):
    """As on PostgreSQL: a first load on SQLite drops the figures' indexes and builds them when its
    load ends. Another process opening the file meanwhile (the dashboard starting) must not build
    them under the load, which it would hold back; once that run has ended it must. Runs over
    shards drop nothing, so an opening beside them builds what is missing."""
    import subprocess
    import sys

    from schemas.storage import FigureRow

    root = Path(__file__).resolve().parents[2]
    tables = [FigureRow.__table__]

    def figures_indexes() -> set[str]:
        eng = db.engine(sqlite_url, create=False)
        try:
            return {i["name"] for i in inspect(eng).get_indexes("figures")}
        finally:
            eng.dispose()

    def drop() -> None:
        eng = db.engine(sqlite_url, create=False)
        db.drop_secondary(eng, tables)
        eng.dispose()
        assert figures_indexes() == set()

    def opened_beside(mode: str) -> set[str]:
        other = subprocess.Popen(
            [sys.executable, "-c", _OTHER_RUN, sqlite_url, mode],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert other.stdout is not None and other.stdout.readline().strip() == "held"
            db.engine(sqlite_url).dispose()
            return figures_indexes()
        finally:
            assert other.stdin is not None
            other.stdin.close()
            assert other.wait(timeout=30) == 0

    db.engine(sqlite_url).dispose()
    whole = figures_indexes()
    assert "ix_figures_doc_id" in whole
    drop()
    assert opened_beside("whole") == set()  # left to the run
    db.engine(sqlite_url).dispose()  # the run has ended: built
    assert figures_indexes() == whole
    drop()
    assert opened_beside("shared") == whole  # shard runs drop nothing: built
    drop()
    with db.exclusive(sqlite_url, wait=5):  # this process's own run: it builds them
        db.engine(sqlite_url).dispose()
        assert figures_indexes() == whole
