"""The writer gives back what a stage freed (etl/memory.py), so the passes after the load
do not stand on the load's high-water mark."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest

from etl import pipeline

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


def _full_collections(run: Callable[[], None]) -> int:
    """How many full collections `run` asked for: with the automatic ones off, only gc.collect()."""
    seen: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(1)

    was_enabled = gc.isenabled()
    gc.disable()
    gc.callbacks.append(note)
    try:
        run()
    finally:
        gc.callbacks.remove(note)
        if was_enabled:
            gc.enable()
    return len(seen)


@pytest.mark.parametrize(("bulk_from", "collections"), [(10**9, 0), (1, 1)])
def test_a_full_collection_once_after_a_large_load_and_never_between_a_small_run_s_stages(
    corpus, tmp_path, monkeypatch, bulk_from, collections
):
    # A full collection walks every object the process holds (200 ms in a test process); at
    # every stage it took four tenths of a pipeline test's time. The trim alone costs nothing.
    monkeypatch.setenv("ITDASH_BULK_FROM", str(bulk_from))

    def run(name: str) -> None:
        pipeline.run([corpus], f"sqlite:///{tmp_path / name}", curated_dir=corpus / "none")

    run("first.sqlite")  # what a first run imports may collect on import (hypothesis does)
    assert _full_collections(lambda: run("second.sqlite")) == collections
