"""dashboard/cache.py on a real SQLite file: kept until the data changes, the time limit, the size bound."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from dashboard import cache
from etl import db
from schemas.storage import EtlRun, ReviewDecision


def _counted():  # type: ignore[no-untyped-def]
    calls: list[tuple] = []

    @cache.by_version
    def read(eng, *args):  # type: ignore[no-untyped-def]
        calls.append(args)
        return len(calls)

    return read, calls


def _add(eng, row) -> None:  # type: ignore[no-untyped-def]
    with Session(eng) as s:
        s.add(row)
        s.commit()


def test_a_result_is_kept_until_a_run_or_a_decision_changes_the_database(sqlite_url):
    eng = db.engine(sqlite_url)
    cache.clear()
    read, calls = _counted()
    assert read(eng, "a") == read(eng, "a") == 1
    assert read(eng, "b") == 2  # other arguments, another result
    _add(
        eng,
        EtlRun(
            started_at=datetime(2026, 1, 1, tzinfo=UTC),
            finished_at=datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
            corpus="c",
        ),
    )
    assert read(eng, "a") == 3  # a finished run: read again
    assert read(eng, "a") == 3
    _add(
        eng,
        ReviewDecision(
            figure_id="f", action="reject", reason="r", who="ana", at=datetime(2026, 1, 2, tzinfo=UTC)
        ),
    )
    assert read(eng, "a") == 4
    eng.dispose()


def test_the_time_limit_and_the_size_bound(sqlite_url, monkeypatch):
    eng = db.engine(sqlite_url)
    cache.clear()
    clock = [0.0]
    monkeypatch.setattr(cache, "_now", lambda: clock[0])
    read, calls = _counted()
    assert read(eng, "a") == 1
    clock[0] += cache.TTL - 1
    assert read(eng, "a") == 1
    clock[0] += 2  # a hand edit leaves no run behind; the time limit still bounds staleness
    assert read(eng, "a") == 2

    monkeypatch.setattr(cache, "SIZE", 3)
    cache.clear()
    for k in range(4):
        read(eng, k)
    assert len(cache._store) == 3
    before = len(calls)
    read(eng, 0)  # the least recently used was dropped, so it is read again
    assert len(calls) == before + 1
    eng.dispose()
