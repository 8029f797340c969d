"""Extraction on every core: chunks of documents handed to worker processes, results back in order.

The process that runs the ETL is the only one that touches the database: it
reads the files, decides which need work, and writes what comes back. The
workers only compute (parse, extract, normalise, validate). At most
`in_flight` chunks are out at once, so memory stays flat whatever the size of
the corpus, and results come back in the order the chunks went out, so a run
decides duplicates and progress the same way on one core or on many.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

_WATCH_SECONDS = 1.0


def _orphan_watch(parent: int) -> None:
    """A worker whose writer was killed (kill -9 leaves no one to stop it) exits on its own."""
    while True:
        time.sleep(_WATCH_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


def _start(parent: int, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    threading.Thread(target=_orphan_watch, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


class Pool:
    """`submit` a chunk, then take `ready` results (oldest first) to keep the work in flight bounded.

    With `workers <= 1` each chunk is computed when submitted, in this process:
    small corpora and tests pay no process start-up. The processes start on
    the first chunk, so a run with nothing to reprocess never starts them.
    """

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple = (),
        in_flight: int | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self.initializer = initializer
        self.initargs = initargs
        self.in_flight = in_flight or 2 * self.workers
        self._executor: ProcessPoolExecutor | None = None
        self._inline_ready = False
        self._pending: deque[Future | Any] = deque()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn, not fork: the writer holds database connections a forked child would share.
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(os.getpid(), self.initializer, self.initargs),
            )
        return self._executor

    def submit(self, fn: Callable[[Any], Any], chunk: Any) -> None:
        if self.workers == 1:
            if not self._inline_ready and self.initializer is not None:
                self.initializer(*self.initargs)
            self._inline_ready = True
            self._pending.append(_Done(fn(chunk)))
        else:
            self._pending.append(self._pool().submit(fn, chunk))

    def ready(self) -> Iterator[Any]:
        """Results while more than `in_flight` chunks are out (the oldest first; waits for it)."""
        while len(self._pending) > self.in_flight:
            yield self._pending.popleft().result()

    def drain(self) -> Iterator[Any]:
        """Every result still out, in order."""
        while self._pending:
            yield self._pending.popleft().result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Done:
    """A result computed inline, with the face of a finished future."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value
