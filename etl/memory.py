"""Memory the writer has freed, given back to the system between stages.

glibc's allocator keeps what a process frees for the process's own next
allocations: after the load of 100 000 replies the writer had freed most of
what it held (the stored state it triaged documents by, the chunks' rows) and
still held 700 MB through the passes after it, while the series pass's readers
took 300 MB each beside it (1.35 GB together). `malloc_trim` hands the free
pages back (a test process went from 301 to 131 MB after freeing that state);
Dask's workers do the same for the same reason
(distributed.dask.org, "Memory not released back to the OS"). Elsewhere (musl,
macOS) there is no such call and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


@functools.cache
def _trim():  # type: ignore[no-untyped-def]
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # no such library, or not glibc
        return None


def give_back(collect: bool = False) -> bool:
    """Return free heap pages to the system; whether the call exists here.

    `collect` first frees what only cycles held. It is off by default: a full collection walks
    every object the process holds (200 ms in a test process that has imported the dashboard,
    where the trim takes under a millisecond), and run at every stage it took four tenths of a
    pipeline test's time. The load, which drops a large state once, asks for it once.
    """
    if collect:
        gc.collect()
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
