"""Reading ahead (etl/ahead.py): worker processes read and compute the passes' pieces while the
writer writes, and what is written is what the writer alone would have written.

The passes run over a small generated archive of paired replies (bench/generate.py) in a SQLite
file and in PostgreSQL; worker processes are real, started by spawn.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from bench.generate import generate, generate_zh
from etl import ahead, db, pairing, pipeline


def _square(c, n: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A piece's computation: reads through the worker's own connection."""
    return n, int(c.execute(text("SELECT :n * :n"), {"n": n}).scalar_one())


def _fails(c, n: int) -> int:  # type: ignore[no-untyped-def]
    if n == 3:
        raise ValueError(f"piece {n} is bad")
    return n


@pytest.mark.parametrize("processes", [1, 2])
def test_pieces_come_back_in_order_with_what_was_computed(sqlite_url, processes):
    engine = db.engine(sqlite_url)
    try:
        with engine.begin() as c:
            got = list(ahead.pieces(engine, c, list(range(7)), _square, processes))
        assert got == [(n, (n, n * n)) for n in range(7)]
    finally:
        engine.dispose()


def test_a_piece_that_fails_in_a_worker_raises_in_the_writer(sqlite_url):
    engine = db.engine(sqlite_url)
    try:
        with engine.begin() as c, pytest.raises(ValueError, match="piece 3 is bad"):
            list(ahead.pieces(engine, c, list(range(6)), _fails, 2))
    finally:
        engine.dispose()


def test_an_in_memory_database_is_read_by_the_writer_alone():
    """No other process can open it: the pieces are computed on the writer's own connection
    (a lambda, which a worker could not even be sent, proves it)."""
    engine = db.engine("sqlite://")
    try:
        with engine.begin() as c:
            c.execute(text("CREATE TABLE t (n INTEGER)"))
            c.execute(text("INSERT INTO t VALUES (5)"))  # uncommitted: only this connection sees it
            got = list(
                ahead.pieces(
                    engine, c, [1, 2, 3], lambda cc, n: cc.execute(text("SELECT n FROM t")).scalar() + n, 2
                )
            )
        assert got == [(1, 6), (2, 7), (3, 8)]
    finally:
        engine.dispose()


def test_by_default_workers_start_only_from_enough_pieces(sqlite_url):
    """Fewer than `least` pieces are computed in the writer: a lambda, which no worker could be
    sent, goes through."""
    engine = db.engine(sqlite_url)
    try:
        with engine.begin() as c:
            got = list(ahead.pieces(engine, c, [1, 2, 3], lambda _c, n: -n, least=4))
            assert got == [(1, -1), (2, -2), (3, -3)]
            if (os.cpu_count() or 1) < 2:
                return  # one core: never any workers
            with pytest.raises(Exception, match="pickle"):  # from `least` on, workers are sent it
                list(ahead.pieces(engine, c, [1, 2, 3, 4], lambda _c, n: -n, processes=None, least=4))
    finally:
        engine.dispose()


@pytest.fixture
def pairs(tmp_path: Path) -> list[Path]:
    """Six English replies and their six Chinese versions."""
    return [generate(tmp_path / "en", 6), generate_zh(tmp_path / "zh", 6)]


def _twins(url: str) -> list[tuple]:
    engine = db.engine(url)
    with engine.connect() as c:
        out = [
            tuple(r)
            for r in c.execute(
                text("SELECT id, twin_agrees, twin_id, series, series_label FROM figures ORDER BY id")
            )
        ]
    engine.dispose()
    return out


def test_pairs_compared_by_workers_are_marked_as_compared_by_the_writer(pairs, database_url):
    pipeline.run(pairs, database_url, curated_dir=pairs[0] / "no-curated")
    loaded = _twins(database_url)
    assert sum(1 for r in loaded if r[1] is not None) > 50 and sum(1 for r in loaded if r[2]) > 50
    engine = db.engine(database_url)
    try:
        for processes in (1, 2):
            with engine.begin() as c:
                c.execute(text("UPDATE figures SET twin_agrees = NULL, twin_id = NULL"))
            # One pair a batch: six batches, compared by two workers or by this process.
            assert pairing.compare_stored(engine, processes=processes, batch=1) == 6
            assert _twins(database_url) == loaded
    finally:
        engine.dispose()


def _cache_size(c, n: int) -> int:  # type: ignore[no-untyped-def]
    return int(c.execute(text("PRAGMA cache_size")).scalar_one())


def test_a_reader_keeps_a_small_page_cache_and_the_writer_its_large_one(tmp_path):
    """Two readers with the writer's 128 MB cache each were most of the peak of a 100 000-reply
    run (the series pass); a reader reads each page of its piece once."""
    url = f"sqlite:///{tmp_path / 'cache.sqlite'}"
    eng = db.engine(url)
    with eng.connect() as c:
        assert _cache_size(c, 0) == -db.SQLITE_CACHE_KB  # negative: KiB, not pages
        read = [size for _, size in ahead.pieces(eng, c, list(range(4)), _cache_size, processes=2)]
    assert read == [-ahead.READER_CACHE_KB] * 4
    assert ahead.READER_CACHE_KB < db.SQLITE_CACHE_KB
