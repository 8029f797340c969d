"""The one place that makes database engines and creates the tables, and the helpers every
writer shares: bulk inserts, deletes by many ids, key ranges for working a table in pieces."""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    ForeignKeyConstraint,
    Index,
    Select,
    Table,
    bindparam,
    delete,
    event,
    exists,
    func,
    insert,
    inspect,
    select,
    text,
    true,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import AddConstraint
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel, create_engine

import schemas.storage  # noqa: F401  (registers the tables)
from etl import sentences
from etl.errors import ItdashError, reason_code
from schemas.storage import DocumentRow, FigureRow, Observation, Quarantine, Sentence, Target


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names or omits."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _add_missing_columns(eng: Engine) -> bool:
    """Give a database from an older itdash the nullable columns added since (series, twins),
    and drop NOT NULL from a column made nullable since (`indicators.theme`).

    Only nullable columns are ever added between versions, and every document is
    reprocessed when the code changes, so an added column fills on the next run;
    the one change beyond that (`_move_sentences`) is moved by hand; another would
    need real migrations (Alembic).
    """
    found = inspect(eng)
    existing = set(found.get_table_names())
    rebuild: list[tuple[Table, list[str]]] = []
    changed = False
    with eng.begin() as c:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in existing:
                continue
            cols = {col["name"]: col for col in found.get_columns(table.name)}
            have = set(cols)
            for col in table.columns:
                if col.name not in have and col.nullable:
                    kind = col.type.compile(dialect=eng.dialect)
                    c.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{col.name}" {kind}'))
                    changed = True
            relax = [
                col.name
                for col in table.columns
                if col.name in have
                and col.nullable
                and not col.primary_key
                and not cols[col.name]["nullable"]
            ]
            changed |= bool(relax)
            if relax and eng.dialect.name == "postgresql":
                for name in relax:
                    c.execute(text(f'ALTER TABLE "{table.name}" ALTER COLUMN "{name}" DROP NOT NULL'))
            elif relax:
                rebuild.append((table, sorted(have & {col.name for col in table.columns})))
    for table, keep in rebuild:
        _rebuild_sqlite(eng, table, keep)
    return changed


def _rebuild_sqlite(eng: Engine, table: Table, keep: list[str]) -> None:
    """A SQLite table made again with its rows: SQLite cannot drop a column's NOT NULL in place.

    A column made nullable since (`indicators.theme`: a series nobody has curated has no
    theme, etl/uncurated.py). Foreign keys are off meanwhile, as SQLite's own recipe says,
    so the rows that point at this table stay.
    """
    cols = ", ".join(f'"{n}"' for n in keep)
    with eng.connect() as c:
        c.exec_driver_sql("PRAGMA foreign_keys=OFF")
        c.commit()
        try:
            c.exec_driver_sql(f'CREATE TABLE "_keep_{table.name}" AS SELECT * FROM "{table.name}"')
            c.exec_driver_sql(f'DROP TABLE "{table.name}"')
            table.create(c)
            c.exec_driver_sql(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM "_keep_{table.name}"')
            c.exec_driver_sql(f'DROP TABLE "_keep_{table.name}"')
            c.commit()
        finally:
            c.exec_driver_sql("PRAGMA foreign_keys=ON")
            c.commit()


def _move_sentences(eng: Engine) -> bool:
    """A database from before `sentences` kept each figure's sentence and clause on the figure.

    Those columns are NOT NULL, so new figures could not be written beside them:
    in one transaction the sentences move to `sentences` (each once), the clauses
    become spans of them, reply observations and targets name their sentence
    instead of holding a copy, and the two columns are dropped. Everything the
    old file showed still shows; the file shrinks only when vacuumed.
    """
    found = inspect(eng)
    if "figures" not in found.get_table_names():
        return False
    if "sentence" not in {c["name"] for c in found.get_columns("figures")}:
        return False
    with eng.begin() as c:
        held: dict[str, dict] = {}
        spans: list[dict] = []
        for fid, doc, words, clause in c.execute(text("SELECT id, doc_id, sentence, clause FROM figures")):
            sid = sentences.sentence_id(doc, words)
            held.setdefault(sid, {"id": sid, "doc_id": doc, "text": words})
            spans.append({"_id": fid, "sentence_id": sid, **sentences.clause_fields(words, clause or "")})
        if held:
            c.execute(insert(Sentence.__table__), list(held.values()))  # type: ignore[attr-defined]
            table = FigureRow.__table__  # type: ignore[attr-defined]
            keys = ("sentence_id", "clause_start", "clause_end", "clause_text")
            stmt = update(table).where(table.c.id == bindparam("_id")).values({k: bindparam(k) for k in keys})
            c.execute(stmt, spans)
        for name, words in (("observations", "sentence"), ("targets", "note")):
            c.execute(
                text(
                    f'UPDATE "{name}" SET sentence_id = (SELECT f.sentence_id FROM figures f'
                    f' WHERE f.id = "{name}".figure_id), "{words}" = NULL WHERE figure_id IS NOT NULL'
                )
            )
        for col in ("sentence", "clause"):
            c.execute(text(f'ALTER TABLE figures DROP COLUMN "{col}"'))
    return True


# Threads of one process (the dashboard's first pages) opening one new database at once.
_creating = threading.Lock()


# pg_advisory_xact_lock key of "creating the tables": two processes opening a fresh database
# at once (shards started together) would otherwise race in CREATE TABLE.
_CREATE_LOCK = 0x17DA5C0DE


def _create(eng: Engine) -> None:
    """Create what is missing: tables, the columns and indexes added since an older file.

    create_all skips tables that exist, and with them indexes added since the file was
    made; a database from an older itdash gets them here. On PostgreSQL one process
    creates at a time (an advisory lock held meanwhile); on SQLite a race loses only a
    "table exists", and the next attempt finds the table.
    """
    holder = eng.connect() if eng.dialect.name == "postgresql" else None
    try:
        if holder is not None:
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _CREATE_LOCK})
        for attempt in range(5):
            try:
                SQLModel.metadata.create_all(eng)
                if _add_missing_columns(eng) | _move_sentences(eng):
                    # Tables an older itdash left were changed: the next pass after loading is
                    # a full one, whatever the stored digest of its inputs says (etl/derived.py).
                    with eng.begin() as c:
                        c.execute(text("DELETE FROM etl_state WHERE key = 'derived'"))
                if _another_run_writes(eng):
                    return  # it restores what its load dropped, or did when it opened the database
                for table in SQLModel.metadata.sorted_tables:
                    for index in table.indexes:
                        index.create(eng, checkfirst=True)
                if eng.dialect.name == "postgresql":  # a first load killed with its keys dropped
                    with eng.begin() as c:
                        _restore_keys(c, SQLModel.metadata.sorted_tables)
                return
            except Exception:  # noqa: BLE001 - another process created it first: look again
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
    finally:
        if holder is not None:
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _CREATE_LOCK})
            holder.close()


# The databases whose ETL-run lock this process holds, in `exclusive`, by `_run_key`: how many
# times (shard runs in threads of one process hold it together; a lock, since `+=` on a Counter
# is a read and a write another thread may come between).
_RUNNING: Counter[str] = Counter()
_running_lock = threading.Lock()
# An advisory lock on a 64-bit key shows in pg_locks as its high and low 32 bits.
_RUN_LOCK_HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = :hi AND objid = :lo AND objsubid = 1 AND pid <> pg_backend_pid() "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
)


def _canonical(url: str) -> str:
    return make_url(normalise_url(url)).render_as_string(hide_password=False)


def _run_key(url: str) -> str:
    """One name for a database whichever URL names it: a SQLite file by its resolved path."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(Path(parsed.database).resolve())
    return _canonical(url)


@contextmanager
def _running(key: str) -> Iterator[None]:
    with _running_lock:
        _RUNNING[key] += 1
    try:
        yield
    finally:
        with _running_lock:
            _RUNNING[key] -= 1


def _file_lock_taken(path: Path) -> bool:
    """Whether a process holds `path`'s flock exclusively (an ETL run not over shards).

    Asked by taking it shared for an instant: a run starting in that instant waits one poll
    (`_POLL_SECONDS`) and says so; nothing else sees the question."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # no lock file: no run has ever written here
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing it releases the shared lock
    return False


def _another_run_writes(eng: Engine) -> bool:
    """Whether another process runs the ETL on this database now.

    A first load or a set-aside reprocess drops the secondary indexes (and on PostgreSQL the
    foreign keys) of the tables it fills, and restores them when its load ends. Another process
    opening the database meanwhile (the dashboard starting, `itdash status`) then leaves them to
    it: on PostgreSQL adding a foreign key back locks two tables the loader's chunk transactions
    also lock, in another order; on SQLite building an index needs the write lock the loader
    takes for every chunk, so each waits for the other. Either way an index built then slows
    every chunk after, the cost the load dropped it to avoid.
    Once that run ends, or is killed (its lock dies with it), the next opening restores
    whatever is missing. On SQLite only a run over the whole corpus is seen: runs over shards
    hold the lock shared, and never drop anything.
    """
    url = eng.url.render_as_string(False)
    if _RUNNING[_run_key(url)]:
        return False
    if eng.dialect.name == "sqlite":
        database = eng.url.database
        return bool(database) and database != ":memory:" and _file_lock_taken(Path(f"{database}.etl-lock"))
    if eng.dialect.name != "postgresql":
        return False
    key = {"hi": _ETL_LOCK_KEY >> 32, "lo": _ETL_LOCK_KEY & 0xFFFFFFFF}
    with eng.connect() as c:
        return bool(c.execute(_RUN_LOCK_HELD, key).scalar())


SQLITE_CACHE_KB = 131072  # 128 MB at most, taken only as pages are read


def engine(url: str, create: bool = True, cache_kb: int = SQLITE_CACHE_KB) -> Engine:
    """An engine for `url`; SQLite files get their folder, foreign keys and WAL, and a page cache
    of `cache_kb` a connection."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ItdashError(f"database URL {url!r} is not a valid SQLAlchemy URL") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        eng = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as e:
        raise ItdashError(f"database URL {url!r} cannot be used: {e}") from None
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(eng, "connect")
        def _pragmas(conn, _record):  # type: ignore[no-untyped-def]
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # A chunk's rows land in a dozen indexes: with SQLite's default 2 MB page cache the
            # inserts of a large transaction went to disk and back (88 us a row at 10 000 replies).
            cur.execute(f"PRAGMA cache_size=-{int(cache_kb)}")
            # WAL with NORMAL: a crash of the process loses nothing committed; only a power
            # failure may lose the last transactions, never consistency (sqlite.org/wal.html).
            cur.execute("PRAGMA synchronous=NORMAL")
            # Debian builds SQLite with SECURE_DELETE: every freed page written over with zeros.
            # The replies are public, and the zeros cost: dropping the old rows of a 100 000-reply
            # reprocess (etl/setaside.py) took 56 s that way. FAST zeroes only within pages
            # written anyway (sqlite.org/pragma.html#pragma_secure_delete).
            cur.execute("PRAGMA secure_delete=FAST")
            cur.close()

    elif parsed.get_backend_name() == "postgresql":

        @event.listens_for(eng, "connect")
        def _no_jit(conn, _record):  # type: ignore[no-untyped-def]
            # PostgreSQL compiles a plan it costs above `jit_above_cost` to machine code: our
            # statements over a piece of a large table are costed so, and each runs once. At
            # 100 000 replies one piece's figures query ran in 2.9 s with JIT (3.9 s of compiling,
            # spread over its workers) and in 1.6 s without. Over whole runs the gain was within
            # the bench's noise (the uncurated sync: 221 s, then 218 s). A SET inside a
            # transaction rolled back is undone: run it outside one.
            autocommit = conn.autocommit
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SET jit = off")
            conn.autocommit = autocommit

    if create:
        try:
            with _creating:
                _create(eng)
        except Exception as e:  # noqa: BLE001 - any driver error means the same to a user
            first = str(e).splitlines()[0] if str(e) else ""
            where = parsed.render_as_string()
            raise ItdashError(f"cannot open database {where}: {e.__class__.__name__}: {first}") from None
    return eng


# pg_advisory_lock key of "one ETL run at a time": any fixed 64-bit number, the same in every itdash.
_ETL_LOCK_KEY = 0x17DA5E71
_POLL_SECONDS = 0.2


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _wait(try_lock: Callable[[], bool], where: str, wait: float, say: Callable[[str], None]) -> None:
    if try_lock():
        return
    say(f"itdash etl: another ETL run is writing to {where}; waiting for it to finish (up to {wait:.0f} s)")
    started = time.monotonic()
    while not try_lock():
        if time.monotonic() - started > wait:
            raise ItdashError(f"another ETL run held {where} for over {wait:.0f} s; try again when it ends")
        time.sleep(_POLL_SECONDS)
    say(f"itdash etl: the other run has finished after {time.monotonic() - started:.1f} s; going on")


@contextmanager
def exclusive(
    url: str, wait: float, say: Callable[[str], None] = _stderr, shared: bool = False, lock: str = "run"
) -> Iterator[None]:
    """Hold the database's one ETL-run lock while the block runs; wait for another run to end.

    Two runs writing the same documents, registry and series at once collide
    on their keys; taking turns makes both succeed. The lock dies with its
    process (a file lock beside a SQLite file; a PostgreSQL advisory lock on
    its own connection), so a killed run never leaves it held.

    `shared=True` is for runs over disjoint shards of a corpus: they hold the
    run lock together (a whole-corpus run waits for all of them, and they for
    it) and take `lock="serial"` in turn for what every run rewrites (the
    registry, curated rows, the series).
    """
    url = normalise_url(url)
    parsed = make_url(url)
    where = parsed.render_as_string()
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            yield
            return
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        suffix = ".etl-lock" if lock == "run" else f".{lock}.etl-lock"
        fd = os.open(f"{path}{suffix}", os.O_RDWR | os.O_CREAT, 0o644)
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX

        def try_file() -> bool:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        try:
            _wait(try_file, where, wait, say)
            if lock == "run":
                with _running(_run_key(url)):
                    yield
            else:
                yield
        finally:
            os.close(fd)  # closing the file releases its lock
        return
    if parsed.get_backend_name() != "postgresql":
        yield  # no lock for other engines; itdash is tested on SQLite and PostgreSQL
        return
    eng = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        conn = eng.connect()
    except Exception as e:  # noqa: BLE001 - any driver error means the same to a user
        first = str(e).splitlines()[0] if str(e) else ""
        raise ItdashError(f"cannot open database {where}: {e.__class__.__name__}: {first}") from None
    try:
        key = _ETL_LOCK_KEY if lock == "run" else _ETL_LOCK_KEY + 1
        kind = "_shared" if shared else ""

        def try_advisory() -> bool:
            return bool(conn.execute(text(f"SELECT pg_try_advisory_lock{kind}(:k)"), {"k": key}).scalar())

        _wait(try_advisory, where, wait, say)
        try:
            with _running(_run_key(url) if lock == "run" else ""):
                yield
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock{kind}(:k)"), {"k": key})
    finally:
        conn.close()
        eng.dispose()


def _upsert(conn: Connection, table: Table, keys: list[str], columns: Iterable[str]):  # type: ignore[no-untyped-def]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    return stmt, {c: stmt.excluded[c] for c in columns if c not in keys}


def upsert(conn: Connection, table: Table, rows: list[dict], keys: list[str]) -> None:
    """Insert `rows`, replacing any with the same `keys`, in one statement (SQLite and PostgreSQL)."""
    if not rows:
        return
    stmt, changes = _upsert(conn, table, keys, rows[0])
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes), rows)


def upsert_from(conn: Connection, table: Table, rows: Select, keys: list[str]) -> int:
    """Insert the rows of a SELECT (its columns in the table's order), replacing any with the
    same `keys`, in one statement; returns how many it wrote. The SELECT needs a WHERE clause
    (SQLite would read the ON of an upsert after a join as the join's)."""
    columns = [c.key for c in table.columns]
    stmt, changes = _upsert(conn, table, keys, columns)
    stmt = stmt.from_select(columns, rows).on_conflict_do_update(index_elements=keys, set_=changes)
    # Without preserve_rowcount SQLAlchemy keeps the count of an UPDATE or DELETE only (-1 here).
    return conn.execute(stmt.execution_options(preserve_rowcount=True)).rowcount


def bulk_insert(c: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert column dicts in the connection's transaction: PostgreSQL's COPY, SQLite's executemany.

    Millions of rows a run: SQLAlchemy's insert compiles each row's parameters, and over
    PostgreSQL sends each row as its own statement, which took longer than extracting the
    figures. Values go through the columns' own bind processors, so what is stored is what
    `insert(table)` stores; a refused row fails the whole transaction, as before.
    """
    if not rows:
        return
    dialect = c.dialect
    columns = list(table.columns)
    procs = [col.type.dialect_impl(dialect).bind_processor(dialect) for col in columns]
    keys = [col.key for col in columns]
    values: Iterable[Sequence] = (tuple(map(row.get, keys)) for row in rows)
    converted = [(k, p) for k, p in enumerate(procs) if p is not None]
    if converted:
        values = (_converted(list(v), converted) for v in values)
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(col.name) for col in columns)
    raw = c.connection.driver_connection
    if dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for v in values:
                copy.write_row(v)
    elif dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        c.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", list(values))
    else:
        c.execute(insert(table), list(rows))


def update_rows(c: Connection, table: Table, key: str, rows: Sequence[dict]) -> None:
    """Set the columns of many rows, each found by its `key` column, in the connection's
    transaction: one statement over arrays on PostgreSQL, SQLite's executemany.

    Every row names the same columns. The passes after loading rewrite flags of hundreds of
    thousands of rows: as one UPDATE a row, PostgreSQL took longer to receive them than to
    change them (88 000 figures of 2 000 pairs: 8.8 of the comparison's 22 s).
    """
    if not rows:
        return
    dialect = c.dialect
    names = [key, *(k for k in rows[0] if k != key)]
    columns = [table.c[n] for n in names]
    quote = dialect.identifier_preparer.quote
    bound = [col.type.dialect_impl(dialect).bind_processor(dialect) for col in columns]
    procs = [(k, p) for k, p in enumerate(bound) if p is not None]
    values = [_converted([row[n] for n in names], procs) for row in rows]
    sets = ", ".join(f"{quote(n)} = v.{quote(n)}" for n in names[1:])
    if dialect.name == "postgresql":
        arrays = [f"CAST(:a{k} AS {col.type.compile(dialect)}[])" for k, col in enumerate(columns)]
        # The keys once more as `= ANY`, which PostgreSQL looks up in the key's index: joined to
        # the arrays alone, it costed tens of thousands of keys (a series piece: 53 000) cheaper
        # as a scan of the whole table into a hash (940 000 observations at 100 000 replies: the
        # update took 6.4-8.4 s a piece, 4.7-5.1 s with the keys looked up).
        c.execute(
            text(
                f"UPDATE {quote(table.name)} AS t SET {sets} FROM unnest({', '.join(arrays)}) "
                f"AS v({', '.join(quote(n) for n in names)}) WHERE t.{quote(key)} = v.{quote(key)} "
                f"AND t.{quote(key)} = ANY({arrays[0]})"
            ),
            {f"a{k}": [v[k] for v in values] for k in range(len(names))},
        )
    elif dialect.name == "sqlite":
        marks = ", ".join(f"{quote(n)} = ?" for n in names[1:])
        c.exec_driver_sql(
            f"UPDATE {quote(table.name)} SET {marks} WHERE {quote(key)} = ?", [(*v[1:], v[0]) for v in values]
        )
    else:
        stmt = update(table).where(table.c[key] == bindparam("_key"))
        stmt = stmt.values({n: bindparam(n) for n in names[1:]})
        c.execute(stmt, [{**row, "_key": row[key]} for row in rows])


def analyze(eng: Engine, tables: Sequence[Table]) -> None:
    """Give PostgreSQL's planner statistics of tables just written in bulk and, on a server that
    runs no autovacuum, reclaim the rows they replaced too (`tidy`).

    PostgreSQL plans from statistics that only ANALYZE (or autovacuum, which lags a bulk load
    and which a server may not run at all: this machine's does not) collects. Without them
    it guessed a document's rows at half a table and scanned the tables whole for each
    chunk's delete of old rows, so a reprocess grew with the square of the archive. SQLite's
    planner assumes an index is selective, and the passes after loading are tuned to its
    plans without statistics: it is left as it is.
    """
    if eng.dialect.name == "postgresql" and tables:
        _maintain(eng, "ANALYZE" if _autovacuum(eng) else "VACUUM (ANALYZE)", tables)


def tidy(eng: Engine, tables: Sequence[Table]) -> None:
    """On a PostgreSQL server that runs no autovacuum, what it would have done after a run:
    VACUUM (ANALYZE) of the tables written.

    Each run deletes and rewrites every changed document's rows, and the passes after
    loading update flags in place: the dead rows stay until a VACUUM. Left there, a
    reprocess of 10 000 replies had tables twice their live size, indexes pointing at the
    dead rows, and each chunk's delete of old rows took twice as long; the next one worse.
    """
    if eng.dialect.name == "postgresql" and tables and not _autovacuum(eng):
        _maintain(eng, "VACUUM (ANALYZE)", tables)


def _autovacuum(eng: Engine) -> bool:
    with eng.connect() as c:
        return c.exec_driver_sql("SHOW autovacuum").scalar() == "on"


def _maintain(eng: Engine, command: str, tables: Sequence[Table]) -> None:
    names = ", ".join(eng.dialect.identifier_preparer.quote(t.name) for t in tables)
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as c:  # VACUUM: no transaction
        c.exec_driver_sql(f"{command} {names}")


def _converted(v: list, procs: list[tuple[int, Callable]]) -> tuple:
    for k, p in procs:
        if v[k] is not None:
            v[k] = p(v[k])
    return tuple(v)


# Working a large table a piece at a time: ranges of one key, each of about so many rows.
_IDS_AT_ONCE = 500  # ids bound in one DELETE: well under SQLite's and PostgreSQL's limits


def delete_in(c: Connection, table: object, column: object, ids: Sequence[str]) -> None:
    """Delete the rows whose `column` is one of `ids`, a few hundred bound parameters a statement."""
    for k in range(0, len(ids), _IDS_AT_ONCE):
        c.execute(delete(table).where(column.in_(ids[k : k + _IDS_AT_ONCE])))  # type: ignore[arg-type,attr-defined]


def key_ranges(c: Connection, counts: Select, size: int) -> list[tuple[str | None, str | None]]:
    """Ranges of a key (after the first bound, up to and including the second) that together
    cover every value, the first open below and the last above, each holding about `size` rows.
    `counts` selects (key, rows) grouped and ordered by the key: the bounds are the database's
    own values in its own order (its collation), so a range it is asked for is a range counted."""
    bounds: list[str] = []
    held = 0
    for key, n in c.execute(counts):
        held += n
        if held >= size:
            bounds.append(key)
            held = 0
    edges: list[str | None] = [None, *bounds, None]
    return list(zip(edges[:-1], edges[1:], strict=True))


def within(column: object, lo: str | None, hi: str | None) -> ColumnElement[bool]:
    """`column` in the range of `key_ranges` after `lo` up to and including `hi`."""
    test: ColumnElement[bool] = true()
    if lo is not None:
        test = test & (column > lo)  # type: ignore[operator]
    if hi is not None:
        test = test & (column <= hi)  # type: ignore[operator]
    return test


def _secondary(tables: Sequence[Table]) -> list[Index]:
    """The indexes of `tables` that only speed reads up: none that holds a uniqueness rule."""
    return [ix for t in tables for ix in sorted(t.indexes, key=lambda ix: ix.name or "") if not ix.unique]


@contextmanager
def indexes_later(c: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Fill `tables` in bulk with their secondary indexes dropped, then build them again, all in
    the connection's transaction: a rollback, or a process killed before the commit, leaves
    every index as it was.

    An insert keeps every index of its table up to date, one B-tree descent an index a row in
    a key order that is random for most of them (ids, documents, sentences, values, dates);
    once the indexes outgrow the page cache, each descent reads and writes pages. A CREATE
    INDEX sorts its keys once instead: filling the uncurated series of 100 000 replies (two
    million rows) on SQLite took 124 s this way, 173 s with the indexes kept. The primary key
    and unique indexes stay. Only SQLite: on PostgreSQL a DROP INDEX locks the table against
    the dashboard's reads until the commit.
    """
    if c.dialect.name != "sqlite":
        yield
        return
    raw = c.connection.driver_connection
    if not raw.in_transaction:  # type: ignore[union-attr]
        # pysqlite opens a transaction at the first INSERT, UPDATE or DELETE, not at DDL: without
        # this BEGIN the drops would be committed at once, and a killed run would leave them.
        c.exec_driver_sql("BEGIN")
    indexes = _secondary(tables)
    for ix in indexes:
        ix.drop(c, checkfirst=True)  # a first load may have left them dropped (`drop_secondary`)
    yield
    for ix in indexes:
        ix.create(c)


# A foreign key PostgreSQL holds: its table, its columns in order, and its name.
_KEYS_HELD = text(
    "SELECT k.conrelid::regclass::text, k.conname, "
    "array_agg(a.attname::text ORDER BY c.ord) "
    "FROM pg_constraint k CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS c(attnum, ord) "
    "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.attnum "
    "WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace "
    "GROUP BY k.oid, k.conrelid, k.conname"
)


def _keys_held(c: Connection) -> dict[tuple[str, tuple[str, ...]], str]:
    """PostgreSQL's foreign keys, by table and columns: their names."""
    return {(table, tuple(columns)): name for table, name, columns in c.execute(_KEYS_HELD)}


def _columns_of(key: ForeignKeyConstraint) -> tuple[str, ...]:
    return tuple(col.name for col in key.columns)


@dataclass(frozen=True)
class Removed:
    """A document taken out whole, and quarantined, when the load's foreign keys came back:
    a row of it referred to what is not stored."""

    source: str
    doc_id: str
    reason: str
    figures: int


def remove_documents(c: Connection, doc_ids: Sequence[str]) -> None:
    """Delete these documents and every row of theirs, children before the rows they refer to."""
    if not doc_ids:
        return
    ids = list(doc_ids)
    for model in (Observation, Target, FigureRow, Sentence):
        c.execute(delete(model).where(model.doc_id.in_(ids)))  # type: ignore[attr-defined]
    c.execute(delete(DocumentRow).where(DocumentRow.id.in_(ids)))  # type: ignore[attr-defined]


def _refers_to_nothing(
    c: Connection, table: Table, key: ForeignKeyConstraint, run_id: int | None
) -> list[Removed]:
    """Take out what breaks `key`: each document holding such a row whole (quarantined with
    why, its other rows with it: a document is wholly stored or wholly absent), and such rows
    of no stored document (a curated file's rows have none).

    With the keys dropped for a bulk load (`drop_secondary`), a row referring to nothing is
    not refused as it is written, where it would cost its document alone: adding the key back
    would fail, and with it the run and every later opening of the database."""
    (col,) = key.columns
    (parent,) = [e.column for e in key.elements]
    dangling = col.is_not(None) & ~exists().where(parent == col)
    doc_ids = sorted(d for (d,) in c.execute(select(table.c.doc_id).where(dangling).distinct()) if d)
    reason = (
        "rows refer to what is not stored (found when the load's foreign keys were added back): "
        f"{table.name}.{col.name} -> {parent.table.name}"
    )
    figures = select(func.count()).where(FigureRow.doc_id == DocumentRow.id).scalar_subquery()  # type: ignore[arg-type]
    stored = select(DocumentRow.id, DocumentRow.source, figures).where(DocumentRow.id.in_(doc_ids))  # type: ignore[attr-defined]
    removed = [
        Removed(source, doc_id, reason, n) for doc_id, source, n in c.execute(stored.order_by(DocumentRow.id))
    ]
    remove_documents(c, doc_ids)
    c.execute(delete(table).where(dangling))  # rows of no document, or of none stored
    code, detail = reason_code(reason)
    kept = dict(stage="load", reason=reason, run_id=run_id, code=code, detail=detail)
    rows = [dict(source=r.source, doc_id=r.doc_id, **kept) for r in removed]
    if rows:
        upsert(c, Quarantine.__table__, rows, ["source"])  # type: ignore[attr-defined]
    return removed


def _restore_keys(c: Connection, tables: Sequence[Table], run_id: int | None = None) -> list[Removed]:
    """Add back the foreign keys of `tables` PostgreSQL lacks (`drop_secondary` dropped them).
    Adding one checks every row in one join, and lets reads go on meanwhile. A key some rows
    break is added once they are taken out (`_refers_to_nothing`): the documents returned."""
    held = _keys_held(c)
    removed: list[Removed] = []
    for t in tables:
        for key in sorted(t.foreign_key_constraints, key=_columns_of):
            if (t.name, _columns_of(key)) in held:
                continue
            # Not isolated from the table: by default SQLAlchemy marks the constraint to be left
            # out of every CREATE TABLE after, and the next database this process made (a
            # SQLite file in the tests) had no foreign keys.
            add = AddConstraint(key, isolate_from_table=False)
            try:
                with c.begin_nested():
                    c.execute(add)
            except IntegrityError:
                if "doc_id" not in t.c or len(key.columns) != 1:
                    raise
                removed += _refers_to_nothing(c, t, key, run_id)
                c.execute(add)
    return removed


def drop_secondary(eng: Engine, tables: Sequence[Table]) -> None:
    """Drop the secondary indexes of `tables`, and on PostgreSQL their foreign keys, for a load
    of many documents into tables that hold none of their rows, each chunk in a transaction of
    its own: `restore_secondary` puts them back when the load ends, and if the process is
    killed first, the next `engine` does (`_create` adds every missing index and key).

    On PostgreSQL too (unlike `indexes_later`): the drops are committed at once, on tables
    that hold none of the load's rows yet, so the dashboard's reads wait only for that; a
    CREATE INDEX, or a foreign key added back, lets reads go on (each locks out writes, and
    this run is the only writer). A foreign key is checked by a trigger a row, each locking
    the row it points to: at 100 000 replies the uncurated sync's two INSERTs took 112 s with
    the keys and indexes in place, 30 s without, and 17 s to add them back after.
    """
    with eng.begin() as c:
        for ix in _secondary(tables):
            ix.drop(c, checkfirst=True)
        if eng.dialect.name == "postgresql":
            names = {t.name for t in tables}
            quote = eng.dialect.identifier_preparer.quote
            for (table, _), name in sorted(_keys_held(c).items()):
                if table in names:
                    c.execute(text(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}"))


def restore_secondary(
    eng: Engine, tables: Sequence[Table], only: Iterable[str] | None = None, run_id: int | None = None
) -> list[Removed]:
    """Create whichever indexes of `tables` are missing (of them, those named in `only`, if
    given), and on PostgreSQL add back their missing foreign keys (those `drop_secondary`
    dropped): the documents it took out to do so (`_refers_to_nothing`, quarantined under
    `run_id`)."""
    wanted = None if only is None else set(only)
    with eng.begin() as c:
        for t in tables:
            for ix in t.indexes:
                if wanted is None or ix.name in wanted:
                    ix.create(c, checkfirst=True)
        if eng.dialect.name == "postgresql":
            return _restore_keys(c, tables, run_id)
    return []
