"""Setting stored documents aside and putting them back (etl/setaside.py), SQLite and PostgreSQL.

The pipeline's tests (test_scale.py, scl011-scl013) hold a whole reprocess to a plain one; these
hold the two halves on their own: what `hold` leaves, and that `release` of documents no run
wrote again gives back every row they had, on both databases, whose renames differ.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bench.generate import generate
from etl import db, pipeline, setaside

_PARTS = ("sentences", "figures", "observations", "targets")


def _counts(url: str) -> dict[str, int]:
    """Rows a table: the documents, and the rows of theirs in each of the four tables."""
    eng = db.engine(url, create=False)
    try:
        with eng.connect() as c:
            return {
                t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("documents", *_PARTS)
            }
    finally:
        eng.dispose()


def _schema(url: str) -> tuple[list, list]:
    """The figures' foreign keys and indexes, as the database states them."""
    eng = db.engine(url, create=False)
    try:
        found = inspect(eng)
        keys = sorted(
            (k["constrained_columns"], k["referred_table"]) for k in found.get_foreign_keys("figures")
        )
        return keys, sorted(ix["name"] for ix in found.get_indexes("figures"))
    finally:
        eng.dispose()


@pytest.fixture
def loaded(tmp_path: Path, database_url: str) -> str:
    """Twelve replies, and the curated files' rows (of no document: `doc_id` is NULL)."""
    folder = generate(tmp_path / "corpus", 12)
    pipeline.run([folder], database_url, workers=1)
    return database_url


def _curated(url: str) -> int:
    eng = db.engine(url, create=False)
    with eng.connect() as c:
        n = c.execute(text("SELECT count(*) FROM observations WHERE doc_id IS NULL")).scalar_one()
    eng.dispose()
    return n


def _doc_ids(url: str) -> list[str]:
    eng = db.engine(url, create=False)
    with eng.connect() as c:
        ids = list(c.execute(text("SELECT id FROM documents ORDER BY id")).scalars())
    eng.dispose()
    return ids


# 5 held of 12: the kept rows found by reading the held tables whole; 11: through their index.
@pytest.mark.parametrize("holding", [5, 11])
def test_held_documents_leave_the_tables_and_come_back_whole(loaded, holding):
    url = loaded
    before, schema, curated = _counts(url), _schema(url), _curated(url)
    assert schema[0] and "ix_figures_doc_id" in schema[1] and curated
    ids = _doc_ids(url)
    held, kept = ids[:holding], ids[holding:]
    eng = db.engine(url, create=False)
    try:
        setaside.hold(eng, held)
        assert setaside.pending(eng)
        with eng.connect() as c:
            left = set(c.execute(text("SELECT DISTINCT doc_id FROM figures")).scalars())
            assert left == set(kept)  # the kept documents' rows copied into the new table
            assert set(c.execute(text("SELECT id FROM documents")).scalars()) == set(kept)
            assert c.execute(text("SELECT count(*) FROM held_documents")).scalar_one() == len(held)
        assert _curated(url) == curated  # the rows of no document stay
        keys, indexes = _schema(url)
        assert "ix_figures_doc_id" not in indexes  # the new tables come without them
        gone = inspect(eng)
        assert not any(gone.get_indexes(f"held_{t}") for t in _PARTS)  # their names are free again
        assert keys == (schema[0] if url.startswith("sqlite") else [])  # PostgreSQL's come back later
        with pytest.raises(RuntimeError, match="already set aside"):
            setaside.hold(eng, kept)
        assert setaside.release(eng) == len(held)  # no run wrote them again: all put back
        assert not setaside.pending(eng)
    finally:
        eng.dispose()
    assert _counts(url) == before
    db.engine(url).dispose()  # any opening adds what is missing, as after a killed run
    assert _schema(url) == schema


def test_a_table_named_as_the_put_back_s_own_temporary_one_is_left_alone(loaded):
    url = loaded
    eng = db.engine(url, create=False)
    try:
        with eng.begin() as c:
            c.execute(text("CREATE TABLE restored (id VARCHAR PRIMARY KEY)"))
            c.execute(text("INSERT INTO restored VALUES ('mine')"))
        setaside.hold(eng, _doc_ids(url)[:2])
        assert setaside.release(eng) == 2
        with eng.connect() as c:
            assert list(c.execute(text("SELECT id FROM restored")).scalars()) == ["mine"]
    finally:
        eng.dispose()
