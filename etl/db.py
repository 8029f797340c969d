"""The one place that makes database engines and creates the tables."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlmodel import SQLModel, create_engine

import schemas.storage  # noqa: F401  (registers the tables)
from etl.errors import ItdashError


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names or omits."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _add_missing_columns(eng: Engine) -> None:
    """Give a database from an older itdash the nullable columns added since (series, twins).

    Only nullable columns are ever added between versions, and every document is
    reprocessed when the code changes, so an added column fills on the next run;
    a schema change beyond that would need real migrations (Alembic).
    """
    found = inspect(eng)
    existing = set(found.get_table_names())
    with eng.begin() as c:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in existing:
                continue
            have = {col["name"] for col in found.get_columns(table.name)}
            for col in table.columns:
                if col.name not in have and col.nullable:
                    kind = col.type.compile(dialect=eng.dialect)
                    c.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{col.name}" {kind}'))


def engine(url: str, create: bool = True) -> Engine:
    """An engine for `url`; SQLite files get their folder, foreign keys and WAL."""
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
            cur.close()

    if create:
        try:
            SQLModel.metadata.create_all(eng)
            # create_all skips tables that exist, and with them indexes added
            # since the file was made; a database from an older itdash gets them here.
            _add_missing_columns(eng)
            for table in SQLModel.metadata.sorted_tables:
                for index in table.indexes:
                    index.create(eng, checkfirst=True)
        except Exception as e:  # noqa: BLE001 - any driver error means the same to a user
            first = str(e).splitlines()[0] if str(e) else ""
            where = parsed.render_as_string()
            raise ItdashError(f"cannot open database {where}: {e.__class__.__name__}: {first}") from None
    return eng
