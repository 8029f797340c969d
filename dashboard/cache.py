"""Reads that change only when the ETL or a reviewer writes, kept per state of the database.

The overview's headline summaries and the per-indicator counts scan every
observation; with a million rows that is most of a second, on every page view.
The data behind them changes only when an ETL run finishes or a review
decision is stored, and both leave a row behind (`etl_runs`,
`review_decisions`). So a result is kept under the database's *version*, read
from those two small tables in one cheap query per call, and a finished run
or a new decision makes every page read fresh data at once. A time limit
(`TTL`) bounds how stale a page can be after writes that leave no such row (a
hand edit of the database).

Where results are kept: with REDIS_URL set, in Redis through Flask-Caching
(`RedisCache`), shared by every worker and machine serving the app, under
keys of ITDASH_REDIS_PREFIX; a value is pickled, so a kept page must hold
plain data (a figure as a dict, not a `go.Figure`, which validates itself
again when unpickled). Unset, in this process's memory: a least-recently-used
table of SIZE results, shared by the callers without copying (Flask-Caching's
in-process SimpleCache would pickle every value and drop at random, not the
oldest). If Redis cannot be reached, the read is made afresh and the page
still draws.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context
from flask_caching import Cache
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from etl import settings
from schemas.storage import EtlRun, ReviewDecision, SeriesDecision

TTL = 300.0  # seconds
SIZE = 256  # results kept per process, least recently used dropped first
EXTENSION = "itdash_cache"

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger("itdash.dashboard")

_lock = threading.Lock()
_store: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
_now = time.monotonic


def init_app(server: Flask) -> None:
    """Keep `server`'s reads in Redis when REDIS_URL is set; otherwise they stay in this process."""
    url = settings.redis_url()
    if url is None:
        return
    shared = Cache(
        config={
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": url,
            "CACHE_KEY_PREFIX": f"{settings.redis_prefix()}:read:",
            "CACHE_DEFAULT_TIMEOUT": int(TTL),
        }
    )
    shared.init_app(server)
    server.extensions[EXTENSION] = shared


def version(eng: Engine) -> tuple:
    """What identifies the data's state: the last run and its end, and the review decisions."""
    stmt = select(
        select(func.max(EtlRun.id)).scalar_subquery(),
        select(func.max(EtlRun.finished_at)).scalar_subquery(),
        select(func.max(ReviewDecision.id)).scalar_subquery(),
        select(func.count()).select_from(ReviewDecision).scalar_subquery(),
        select(func.max(SeriesDecision.id)).scalar_subquery(),  # a series merged or promoted
    )
    with eng.connect() as c:
        return tuple(c.execute(stmt).one())


def _shared() -> Cache | None:
    return current_app.extensions.get(EXTENSION) if has_app_context() else None


def by_version(fn: Callable[P, R]) -> Callable[P, R]:
    """Keep `fn(eng, *args)` until the database's version changes or TTL passes.

    The result is shared between callers: they must not change it.
    """

    @wraps(fn)
    def wrapper(eng: Engine, *args: Hashable) -> R:  # type: ignore[misc]
        key = (fn.__module__, fn.__qualname__, str(eng.url), version(eng), args)
        shared = _shared()
        if shared is not None:
            return _through_redis(shared, key, lambda: fn(eng, *args))  # type: ignore[arg-type]
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


def _through_redis(shared: Cache, key: tuple, read: Callable[[], R]) -> R:
    """`read()`'s result kept in Redis under a digest of `key` (it names the database's URL)."""
    digest = hashlib.sha256(repr(key).encode()).hexdigest()
    try:
        hit = shared.get(digest)
    except Exception as e:  # noqa: BLE001 - Redis away: read afresh, the page still draws
        log.warning("read cache unavailable: %s", e)
        return read()
    if hit is not None:
        return hit[0]  # kept as a 1-tuple, so a result of None is a hit too
    value = read()
    try:
        shared.set(digest, (value,))
    except Exception as e:  # noqa: BLE001
        log.warning("read cache unavailable: %s", e)
    return value


def clear() -> None:
    """Forget every kept result of this process, and of the app's Redis when there is one."""
    with _lock:
        _store.clear()
    shared = _shared()
    if shared is not None:
        shared.clear()
