"""A reprocess of many stored documents on SQLite: their old rows set aside whole, then loaded
like a first load, the last good version of any document that fails put back at the end.

A run after a change of vocabulary or registry replaces every stored document. Replacing them
chunk by chunk deletes each document's old rows through its indexes, in a key order random to
the B-trees: at 100 000 replies the writer spent 442 s storing, against 155 s for a first
load. Here the four tables that hold a document's rows (sentences, figures, observations,
targets) are renamed to `held_*` in one transaction, which moves no row, and new empty ones
take their names, so the load writes into empty tables with their secondary indexes dropped
(`db.drop_secondary`), exactly as a first load. `release` then restores the documents this run
did not write again (one that now fails keeps its last good version, as the README promises)
and drops the held tables.

A process killed in between leaves the held tables: the next run releases them before it
looks at what is stored (`pipeline._run`), so its documents are the last good versions again
and it converges to the tables of a clean run. Meanwhile the dashboard does not see a set
aside document until it is loaded again: the price of the speed, written in the README.

SQLite only: there the rename costs nothing. On PostgreSQL each chunk's replacement stays.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.schema import CreateTable

from schemas.storage import DocumentRow, FigureRow, Observation, Sentence, Target

# Parents first: rows are copied in this order, and held tables dropped in the reverse one.
_PARTS = (Sentence, FigureRow, Observation, Target)
_HELD_DOCS = "held_documents"
_IDS_AT_ONCE = 500  # set aside ids inserted this many a statement (SQLite's variable limit is 32 766)


def _held(name: str) -> str:
    return f"held_{name}"


@contextmanager
def _surgery(engine: Engine) -> Iterator[object]:
    """One write transaction on a connection of its own with foreign keys off (rows move in
    parent-first order, and a table dropped whole is not checked row by row) and table renames
    that leave other tables' REFERENCES naming the new tables (`legacy_alter_table`). Both
    pragmas are no-ops inside a transaction, so they are set before it and restored after."""
    raw = engine.raw_connection()
    con = raw.driver_connection
    try:
        con.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        con.execute("PRAGMA legacy_alter_table=ON")  # type: ignore[union-attr]
        con.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        try:
            yield con
            con.execute("COMMIT")  # type: ignore[union-attr]
        except BaseException:
            con.execute("ROLLBACK")  # type: ignore[union-attr]
            raise
    finally:
        con.execute("PRAGMA legacy_alter_table=OFF")  # type: ignore[union-attr]
        con.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
        raw.close()


def _columns(con: object, table: str) -> list[str]:
    return [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]  # type: ignore[attr-defined]


def _exists(con: object, table: str) -> bool:
    found = con.execute(  # type: ignore[attr-defined]
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return found is not None


def _copy(con: object, source: str, target: str, where: str) -> None:
    """Rows of `source` into `target` by the columns both have: a held table may come from an
    older schema (`db._add_missing_columns` adds columns to the live tables only)."""
    mine = set(_columns(con, source))
    cols = ", ".join(f'"{c}"' for c in _columns(con, target) if c in mine)
    con.execute(f'INSERT INTO "{target}" ({cols}) SELECT {cols} FROM "{source}" WHERE {where}')  # type: ignore[attr-defined]  # noqa: S608 - names are ours


def pending(engine: Engine) -> bool:
    """Whether a run set documents aside and did not release them (it was killed)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as c:
        return _exists(c.connection.driver_connection, _HELD_DOCS)


def hold(engine: Engine, doc_ids: Sequence[str]) -> None:
    """Set the stored documents `doc_ids` aside with all their rows, in one transaction, and
    leave the four tables holding only the others' rows, with no secondary index."""
    if engine.dialect.name != "sqlite" or not doc_ids:
        return
    docs = DocumentRow.__tablename__
    with _surgery(engine) as con:
        if _exists(con, _HELD_DOCS):
            raise RuntimeError("documents are already set aside: release them first")
        con.execute(f'CREATE TABLE {_HELD_DOCS} AS SELECT * FROM "{docs}" WHERE 0')  # type: ignore[attr-defined]
        ids = list(doc_ids)
        for i in range(0, len(ids), _IDS_AT_ONCE):
            part = ids[i : i + _IDS_AT_ONCE]
            marks = ", ".join("?" * len(part))
            con.execute(  # type: ignore[attr-defined]
                f'INSERT INTO {_HELD_DOCS} SELECT * FROM "{docs}" WHERE id IN ({marks})', part
            )
        con.execute(f"CREATE UNIQUE INDEX ix_{_HELD_DOCS}_id ON {_HELD_DOCS} (id)")  # type: ignore[attr-defined]
        kept = f"doc_id IS NULL OR doc_id NOT IN (SELECT id FROM {_HELD_DOCS})"
        for model in _PARTS:
            table = model.__table__  # type: ignore[attr-defined]
            for (index,) in con.execute(  # type: ignore[attr-defined]
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                (table.name,),
            ).fetchall():
                con.execute(f'DROP INDEX "{index}"')  # type: ignore[attr-defined]
            con.execute(f'ALTER TABLE "{table.name}" RENAME TO "{_held(table.name)}"')  # type: ignore[attr-defined]
            con.execute(str(CreateTable(table).compile(dialect=engine.dialect)))  # type: ignore[attr-defined]
            _copy(con, _held(table.name), table.name, kept)
        con.execute(f'DELETE FROM "{docs}" WHERE id IN (SELECT id FROM {_HELD_DOCS})')  # type: ignore[attr-defined]


def release(engine: Engine) -> int:
    """Put back every set-aside document that no row now stands for (neither its source nor its
    bytes are stored: it failed, or the run stopped before it), with its rows, and drop the held
    tables; all in one transaction. Returns how many were put back."""
    if not pending(engine):
        return 0
    docs = DocumentRow.__tablename__
    with _surgery(engine) as con:
        if not _exists(con, _HELD_DOCS):
            return 0  # another run released them first
        con.execute("DROP TABLE IF EXISTS temp.restored")  # type: ignore[attr-defined]
        con.execute(  # type: ignore[attr-defined]
            f"CREATE TEMP TABLE restored AS SELECT h.id FROM {_HELD_DOCS} h "
            f'WHERE NOT EXISTS (SELECT 1 FROM "{docs}" d WHERE d.source = h.source OR d.id = h.id)'
        )
        back = con.execute("SELECT count(*) FROM temp.restored").fetchone()[0]  # type: ignore[attr-defined]
        if back:
            _copy(con, _HELD_DOCS, docs, "id IN (SELECT id FROM temp.restored)")
        for model in _PARTS:
            name = _held(model.__tablename__)
            if back and _exists(con, name):
                _copy(con, name, model.__tablename__, "doc_id IN (SELECT id FROM temp.restored)")
        for model in reversed(_PARTS):
            con.execute(f'DROP TABLE IF EXISTS "{_held(model.__tablename__)}"')  # type: ignore[attr-defined]
        con.execute(f"DROP TABLE {_HELD_DOCS}")  # type: ignore[attr-defined]
        con.execute("DROP TABLE temp.restored")  # type: ignore[attr-defined]
    return back
