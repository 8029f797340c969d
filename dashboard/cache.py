"""Reads that change only when the ETL or a reviewer writes, kept per state of the database.

The overview's headline summaries and the per-indicator counts scan every
observation; with a million rows that is most of a second, on every page view.
The data behind them changes only when an ETL run finishes or a review
decision is stored, and both leave a row behind (`etl_runs`,
`review_decisions`). So a result is kept under the database's *version*, read
from those two small tables in one cheap query per call, and a finished run
or a new decision makes every page read fresh data at once. A time limit
(`TTL`) bounds how stale a page can be after writes that leave no such row (a
hand edit of the database); each gunicorn worker keeps its own copy.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from schemas.storage import EtlRun, ReviewDecision

TTL = 300.0  # seconds
SIZE = 256  # results kept per process, least recently used dropped first

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_store: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
_now = time.monotonic


def version(eng: Engine) -> tuple:
    """What identifies the data's state: the last run and its end, and the review decisions."""
    stmt = select(
        select(func.max(EtlRun.id)).scalar_subquery(),
        select(func.max(EtlRun.finished_at)).scalar_subquery(),
        select(func.max(ReviewDecision.id)).scalar_subquery(),
        select(func.count()).select_from(ReviewDecision).scalar_subquery(),
    )
    with eng.connect() as c:
        return tuple(c.execute(stmt).one())


def by_version(fn: Callable[P, R]) -> Callable[P, R]:
    """Keep `fn(eng, *args)` until the database's version changes or TTL passes.

    The result is shared between callers: they must not change it.
    """

    @wraps(fn)
    def wrapper(eng: Engine, *args: Hashable) -> R:  # type: ignore[misc]
        key = (fn.__module__, fn.__qualname__, str(eng.url), version(eng), args)
        now = _now()
        with _lock:
            hit = _store.get(key)
            if hit is not None and now - hit[0] < TTL:
                _store.move_to_end(key)
                return hit[1]  # type: ignore[return-value]
        value = fn(eng, *args)  # outside the lock: a slow read never blocks the others
        with _lock:
            _store[key] = (now, value)
            _store.move_to_end(key)
            while len(_store) > SIZE:
                _store.popitem(last=False)
        return value

    return wrapper  # type: ignore[return-value]


def clear() -> None:
    """Forget every kept result (tests that write behind the app's back use this)."""
    with _lock:
        _store.clear()
