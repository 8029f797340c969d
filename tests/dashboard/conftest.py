"""Databases the dashboard tests read, each loaded by the real ETL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from etl import pipeline

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
# Nothing is listening here: a database that cannot be reached.
UNREACHABLE_URL = "postgresql+psycopg://itdash@127.0.0.1:9/none?connect_timeout=2"


@pytest.fixture
def loaded(corpus, sqlite_url):
    """The fixture corpus and the seed reply, without curated references: known values."""
    pipeline.run([corpus], sqlite_url, curated_dir=corpus / "none")
    return sqlite_url


@pytest.fixture
def full(corpus, sqlite_url):
    """The same replies plus the curated references of data/curated: long series, conflicts."""
    pipeline.run([corpus], sqlite_url)
    return sqlite_url


@pytest.fixture(autouse=True)
def _fresh_engines():
    """Each test's database is new: forget engines cached for an earlier test's file."""
    from dashboard import queries

    queries._engine.cache_clear()
    yield
    queries._engine.cache_clear()


def sql(url: str, statement: str, **params) -> list[dict]:
    """Rows straight from the database, to compare the dashboard against."""
    engine = create_engine(url)
    with engine.connect() as c:
        rows = [dict(r) for r in c.execute(text(statement), params).mappings().all()]
    engine.dispose()
    return rows
