"""Reading ahead: the passes after loading read and compute their next pieces in worker
processes while the one writer writes the piece before.

Each pass after loading (the pairs compared, the uncurated series, the series
flags) walks the database a piece at a time in one transaction: read the piece,
work out what it should be, write what differs. Read and computed in the writer
alone, two thirds of each pass left the second core idle. The pieces are
disjoint and each piece's reads see only what was committed before the pass
began (what the writer changes in its open transaction is in other pieces), so
a worker with a connection of its own computes exactly what the writer would.
Results come back in order, with at most `in_flight` pieces out, so memory stays
a few pieces.
"""

from __future__ import annotations

import os
import pickle
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine

from etl import db, workers

Item = TypeVar("Item")

# What a worker holds between pieces: its engine, made once.
_held: dict[str, Engine] = {}


# A reader's SQLite page cache: it reads each piece once, so a cache as large as the writer's
# (which inserts into a dozen indexes) only holds pages it will not read again, and the two
# readers' caches were most of the run's peak (100 000 replies, the series pass).
READER_CACHE_KB = 16_384


def _open(url: str) -> None:
    _held["engine"] = db.engine(url, create=False, cache_kb=READER_CACHE_KB)


def _read(task: tuple[Callable[[Connection, Any], Any], Any]) -> Any:
    compute, item = task
    with _held["engine"].connect() as c:
        return compute(c, item)


def in_memory(engine: Engine) -> bool:
    """An in-memory SQLite database is one connection's: no other process can read it."""
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def pieces(
    engine: Engine,
    c: Connection,
    items: Sequence[Item],
    compute: Callable[[Connection, Item], Any],
    processes: int | None = None,
    least: int = 2,
) -> Iterator[tuple[Item, Any]]:
    """Each item with `compute(connection, item)`, in order.

    `compute` must be a module-level function (or a `functools.partial` of one), since a worker
    is sent it by pickling. `processes` worker processes compute while the caller writes; by
    default every core, once there are `least` items (starting the processes costs seconds).
    With one process, a single item, or an in-memory database, the caller's own connection `c`
    computes each in turn.
    """
    if processes is None:
        processes = (os.cpu_count() or 1) if len(items) >= least else 1
    if processes <= 1 or len(items) < 2 or in_memory(engine):
        for item in items:
            yield item, compute(c, item)
        return
    # Refused here, in the caller, rather than by the pool's feeder thread: after a pickling error
    # there, a pool shutting down could wait forever on its manager thread (seen under pytest).
    pickle.dumps(compute)
    url = engine.url.render_as_string(hide_password=False)
    sent: deque[Item] = deque()
    with workers.Pool(processes, _open, (url,), in_flight=max(1, processes - 1)) as pool:
        for item in items:
            pool.submit(_read, (compute, item))
            sent.append(item)
            for done in pool.ready():
                yield sent.popleft(), done
        for done in pool.drain():
            yield sent.popleft(), done
