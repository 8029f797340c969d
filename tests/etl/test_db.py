"""Opening a database (SQLite file and PostgreSQL) with `etl.db.engine`."""

from __future__ import annotations

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
