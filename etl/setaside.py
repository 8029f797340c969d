"""A reprocess of many stored documents: their old rows set aside whole, then loaded like a
first load, the last good version of any document that fails put back at the end.

A run after a change of vocabulary or registry replaces every stored document. Replacing them
chunk by chunk deletes each document's old rows through its indexes, in a key order random to
the B-trees: at 100 000 replies the writer spent 442 s storing on SQLite, against 155 s for a
first load (on PostgreSQL 352 s against 53 s, each row also checked against its foreign keys).
Here the four tables that hold a document's rows (sentences, figures, observations, targets)
are renamed to `held_*` in one transaction, which moves no row, and new empty ones take their
names, so the load writes into empty tables with their secondary indexes dropped (and on
PostgreSQL their foreign keys: `db.drop_secondary`), exactly as a first load. `release` then
restores the documents this run did not write again (one that now fails keeps its last good
version, as the README promises) and drops the held tables.

A process killed in between leaves the held tables: the next run releases them before it
looks at what is stored (`pipeline._run`), so its documents are the last good versions again
and it converges to the tables of a clean run. Meanwhile the dashboard does not see a set
aside document until it is loaded again: the price of the speed, written in the README. Only a
whole-corpus run sets documents aside, and it holds the database's run lock alone
(`db.exclusive`): no shard run releases them under it.

The two databases differ in what follows a renamed table. SQLite (with `legacy_alter_table`)
leaves other tables' REFERENCES naming the old name, so the new tables' rows are checked
against each other; its automatic primary-key index follows the table. PostgreSQL moves the
foreign keys, and keeps the names of the primary-key indexes, which the new tables' own would
collide with: the held tables lose their keys first (they are read once, whole, by `release`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.schema import CreateTable

from schemas.storage import DocumentRow, FigureRow, Observation, Sentence, Target

# Parents first: rows are copied in this order, and held tables dropped in the reverse one.
_PARTS = (Sentence, FigureRow, Observation, Target)
_HELD_DOCS = "held_documents"
_IDS_AT_ONCE = 500  # set aside ids inserted this many a statement (SQLite's variable limit is 32 766)
# Kept documents at most an eighth of the held ones (a reprocess after a vocabulary change holds
# them all): their rows are copied back through the doc_id index, a lookup a row, rather than by
# reading the held tables whole. At 100 000 replies, all held, the whole reads took
# 6.1 s of the set aside on SQLite and 6.7 s of 11.3 s on PostgreSQL, which meanwhile locks the
# four tables against the dashboard's reads. At this bound (90 000 held, 10 000 kept) the index
# was still the faster: 10.7 s against 18.0 s on SQLite, 11.2 s against 18.6 s on PostgreSQL.
_FEW_KEPT = 8


def _held(name: str) -> str:
    return f"held_{name}"


class _Sqlite:
    """The surgery's statements on SQLite's own connection (pragmas cannot change in a
    transaction, and pysqlite would not begin one at DDL)."""

    temp = "temp"  # the schema of this connection's temporary tables

    def __init__(self, con: object) -> None:
        self.con = con

    def run(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return self.con.execute(sql, tuple(params)).fetchall()  # type: ignore[attr-defined]

    def columns(self, table: str) -> list[str]:
        return [row[1] for row in self.run(f'PRAGMA table_info("{table}")')]

    def exists(self, table: str) -> bool:
        return bool(self.run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)))

    @staticmethod
    def _in(column: str, ids: Sequence[str]) -> list[tuple[str, Sequence[object]]]:
        """`column IN (...)` with its values, `_IDS_AT_ONCE` ids a condition."""
        parts = [list(ids[i : i + _IDS_AT_ONCE]) for i in range(0, len(ids), _IDS_AT_ONCE)]
        return [(f"{column} IN ({', '.join('?' * len(part))})", part) for part in parts]

    def hold_ids(self, source: str, ids: Sequence[str]) -> None:
        for where, part in self._in("id", ids):
            self.run(f'INSERT INTO {_HELD_DOCS} SELECT * FROM "{source}" WHERE {where}', part)  # noqa: S608 - names are ours

    def kept(self, held: str) -> str:
        """The rows of `held` no held document owns (SQLite runs `NOT IN` over an ephemeral index:
        faster here than a `NOT EXISTS` a row, 0.72 s against 0.85 s over 10 000 replies)."""
        return f"doc_id IS NULL OR doc_id NOT IN (SELECT id FROM {_HELD_DOCS})"

    def of_documents(self, ids: Sequence[str]) -> list[tuple[str, Sequence[object]]]:
        """The rows of these documents, a condition the doc_id index answers (with its values)."""
        return self._in("doc_id", ids)

    def unkey(self, tables: Sequence[str]) -> None:
        """Nothing: foreign keys are off, and the renamed tables' keys go on naming the new ones."""

    def drop_indexes(self, table: str) -> None:
        for (index,) in self.run(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ):
            self.run(f'DROP INDEX "{index}"')

    def create(self, engine: Engine, table: object) -> None:
        self.run(str(CreateTable(table).compile(dialect=engine.dialect)))  # type: ignore[arg-type]


class _Postgres:
    """The surgery's statements in one PostgreSQL transaction."""

    temp = "pg_temp"

    def __init__(self, con: Connection) -> None:
        self.con = con

    def run(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        result = self.con.exec_driver_sql(sql, tuple(params))
        return [tuple(row) for row in result] if result.returns_rows else []

    def columns(self, table: str) -> list[str]:
        return [
            row[0]
            for row in self.run(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]

    def exists(self, table: str) -> bool:
        return bool(
            self.run(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name = %s",
                (table,),
            )
        )

    def hold_ids(self, source: str, ids: Sequence[str]) -> None:
        self.run(f'INSERT INTO {_HELD_DOCS} SELECT * FROM "{source}" WHERE id = ANY(%s)', (list(ids),))

    def kept(self, held: str) -> str:
        """The rows of `held` no held document owns, as an anti-join (PostgreSQL hashes a
        `NOT IN` list only if it fits in `work_mem`, and otherwise scans it for every row)."""
        return f'NOT EXISTS (SELECT 1 FROM {_HELD_DOCS} h WHERE h.id = "{held}".doc_id)'

    def of_documents(self, ids: Sequence[str]) -> list[tuple[str, Sequence[object]]]:
        """The rows of these documents, a condition the doc_id index answers (with its values)."""
        return [("doc_id = ANY(%s)", (list(ids),))] if ids else []

    def unkey(self, tables: Sequence[str]) -> None:
        """Drop every constraint of `tables`, foreign keys first (a primary key cannot go while
        a key points at it): renamed, the tables would keep them, under names the new tables'
        own constraints take."""
        for kinds in (["f"], ["p", "u"]):
            for table, name in self.run(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE connamespace = current_schema()::regnamespace AND conrelid::regclass::text = ANY(%s) "
                "AND contype::text = ANY(%s) ORDER BY 1, 2",
                (list(tables), kinds),
            ):
                self.run(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')

    def drop_indexes(self, table: str) -> None:
        for (index,) in self.run(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
            (table,),
        ):
            self.run(f'DROP INDEX "{index}"')

    def create(self, engine: Engine, table: object) -> None:
        """Without its foreign keys: `db.drop_secondary` would drop them next, and the kept rows
        copied in are not checked one by one (`db.restore_secondary` checks all in one join)."""
        self.con.execute(CreateTable(table, include_foreign_key_constraints=[]))  # type: ignore[arg-type]


@contextmanager
def _surgery(engine: Engine) -> Iterator[_Sqlite | _Postgres]:
    """One write transaction. On SQLite, on a connection of its own with foreign keys off (rows
    move in parent-first order, and a table dropped whole is not checked row by row) and table
    renames that leave other tables' REFERENCES naming the new tables (`legacy_alter_table`);
    both pragmas are no-ops inside a transaction, so they are set before it and restored after."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            yield _Postgres(c)
        return
    raw = engine.raw_connection()
    con = raw.driver_connection
    try:
        con.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        con.execute("PRAGMA legacy_alter_table=ON")  # type: ignore[union-attr]
        con.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        try:
            yield _Sqlite(con)
            con.execute("COMMIT")  # type: ignore[union-attr]
        except BaseException:
            con.execute("ROLLBACK")  # type: ignore[union-attr]
            raise
    finally:
        con.execute("PRAGMA legacy_alter_table=OFF")  # type: ignore[union-attr]
        con.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
        raw.close()


def _copy(
    s: _Sqlite | _Postgres, source: str, target: str, where: str, params: Sequence[object] = ()
) -> None:
    """Rows of `source` into `target` by the columns both have: a held table may come from an
    older schema (`db._add_missing_columns` adds columns to the live tables only)."""
    mine = set(s.columns(source))
    cols = ", ".join(f'"{c}"' for c in s.columns(target) if c in mine)
    s.run(f'INSERT INTO "{target}" ({cols}) SELECT {cols} FROM "{source}" WHERE {where}', params)  # noqa: S608 - names are ours


def _keep(s: _Sqlite | _Postgres, held: str, table: str, kept_docs: Sequence[str] | None) -> None:
    """Copy the rows no held document owns from `held` back into `table`. `kept_docs`: the
    documents that stay, when they are few: their rows (and those of no document, a curated
    file's) are then found through the held table's doc_id index, not by reading it whole."""
    if kept_docs is None:
        _copy(s, held, table, s.kept(held))
        return
    _copy(s, held, table, "doc_id IS NULL")
    for where, params in s.of_documents(kept_docs):
        _copy(s, held, table, where, params)


def _supported(engine: Engine) -> bool:
    return engine.dialect.name in ("sqlite", "postgresql")


def pending(engine: Engine) -> bool:
    """Whether a run set documents aside and did not release them (it was killed)."""
    if not _supported(engine):
        return False
    if engine.dialect.name == "postgresql":
        with engine.connect() as c:
            return _Postgres(c).exists(_HELD_DOCS)
    with engine.connect() as c:
        return _Sqlite(c.connection.driver_connection).exists(_HELD_DOCS)


def hold(engine: Engine, doc_ids: Sequence[str]) -> None:
    """Set the stored documents `doc_ids` aside with all their rows, in one transaction, and
    leave the four tables holding only the others' rows, with no secondary index (and on
    PostgreSQL no foreign key)."""
    if not _supported(engine) or not doc_ids:
        return
    docs = DocumentRow.__tablename__
    with _surgery(engine) as s:
        if s.exists(_HELD_DOCS):
            raise RuntimeError("documents are already set aside: release them first")
        s.run(f'CREATE TABLE {_HELD_DOCS} AS SELECT * FROM "{docs}" WHERE 1 = 0')  # noqa: S608 - names are ours
        s.hold_ids(docs, doc_ids)
        s.run(f"CREATE UNIQUE INDEX ix_{_HELD_DOCS}_id ON {_HELD_DOCS} (id)")
        kept_docs = [
            row[0]
            for row in s.run(f'SELECT id FROM "{docs}" WHERE id NOT IN (SELECT id FROM {_HELD_DOCS})')  # noqa: S608 - names are ours
        ]
        few = len(kept_docs) * _FEW_KEPT <= len(doc_ids)
        s.unkey([model.__tablename__ for model in _PARTS])
        for model in _PARTS:
            table = model.__table__  # type: ignore[attr-defined]
            held = _held(table.name)
            # Renamed, a table keeps its indexes (the kept rows are found by them), under names
            # the new table's own will take: they go once its rows are copied.
            s.run(f'ALTER TABLE "{table.name}" RENAME TO "{held}"')
            s.create(engine, table)
            _keep(s, held, table.name, kept_docs if few else None)
            s.drop_indexes(held)
        s.run(f'DELETE FROM "{docs}" WHERE id IN (SELECT id FROM {_HELD_DOCS})')  # noqa: S608 - names are ours


def release(engine: Engine, drop: bool = True) -> int:
    """Put back every set-aside document that no row now stands for (neither its source nor its
    bytes are stored: it failed, or the run stopped before it), with its rows, and drop the held
    tables (unless not `drop`: a later call puts back what is gone by then, such as a document
    taken out when the foreign keys came back, `db.restore_secondary`); all in one transaction.
    Returns how many were put back."""
    if not pending(engine):
        return 0
    docs = DocumentRow.__tablename__
    with _surgery(engine) as s:
        if not s.exists(_HELD_DOCS):
            return 0  # another run released them first
        restored = f"{s.temp}.restored"  # this connection's own, never a table of the same name
        s.run(f"DROP TABLE IF EXISTS {restored}")
        s.run(
            f"CREATE TEMP TABLE restored AS SELECT h.id FROM {_HELD_DOCS} h "  # noqa: S608 - names are ours
            f'WHERE NOT EXISTS (SELECT 1 FROM "{docs}" d WHERE d.source = h.source) '
            f'AND NOT EXISTS (SELECT 1 FROM "{docs}" d WHERE d.id = h.id)'
        )
        back = s.run(f"SELECT count(*) FROM {restored}")[0][0]  # noqa: S608 - names are ours
        if back:
            _copy(s, _HELD_DOCS, docs, f"id IN (SELECT id FROM {restored})")
        for model in _PARTS:
            name = _held(model.__tablename__)
            if back and s.exists(name):
                _copy(s, name, model.__tablename__, f"doc_id IN (SELECT id FROM {restored})")
        if drop:
            for model in reversed(_PARTS):
                s.run(f'DROP TABLE IF EXISTS "{_held(model.__tablename__)}"')
            s.run(f"DROP TABLE {_HELD_DOCS}")
        s.run(f"DROP TABLE {restored}")
    return int(back)
