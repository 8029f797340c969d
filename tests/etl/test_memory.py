"""The writer gives back what a stage freed (etl/memory.py), so the passes after the load
do not stand on the load's high-water mark."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Freed memory stuck below a live allocation, as the writer's is after the load: 200 MB of
# 2 kB strings (malloc's heap, not Python's small-object arenas), one pinned above them.
_SCRIPT = textwrap.dedent(
    """
    import os
    from etl import memory

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    held = [os.urandom(1) * 2000 + str(k).encode() for k in range(100_000)]
    pin = b"x" * 3000
    full = rss()
    del held
    freed = rss()
    available = memory.give_back()
    print(available, round(full), round(freed), round(rss()))
    """
)


def test_memory_a_stage_freed_goes_back_to_the_system():
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True)
    available, full, freed, after = out.stdout.split()
    assert available == "True", "glibc's malloc_trim was not found on this Linux machine"
    full_mb, freed_mb, after_mb = int(full), int(freed), int(after)
    assert full_mb - after_mb > 150, (full_mb, freed_mb, after_mb)  # most of the 200 MB given back
    assert after_mb < freed_mb - 100, (full_mb, freed_mb, after_mb)  # by give_back, not by the del
