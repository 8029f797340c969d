"""Where the writer's time goes on an unchanged rerun, stage by stage; prints, never asserts.

Loads a synthetic corpus (bench/generate.py, English with Chinese replies of
the same days and numbers) into a fresh SQLite file once, then runs the ETL
over it again under cProfile with one worker, so the rerun's cost is the
writer's alone: reading and hashing the files, the stored-state reads, and
the after-loop stages. `--top` prints the heaviest functions.

With `--keep` the database of an earlier call is reused, and the version its
documents were processed with is kept (etl/version.py's digest is still
computed, for its cost): editing the writer's code then costs no reload.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.etl import OUT, corpora  # noqa: E402
from etl import pairing, pipeline, review, series_review, uncurated, version  # noqa: E402

# The stages after loading, timed one by one with --stages (module, function name).
STAGES = [
    (pipeline, "_curated"),
    (series_review, "after_load"),
    (uncurated, "sync"),
    (review, "apply"),
    (pipeline, "_series"),
    (pairing, "warn"),
    (pipeline.derived, "digest"),
]


def _timed(seconds: dict[str, float]) -> None:
    for module, name in STAGES:
        real = getattr(module, name)

        def wrapper(*a, _real=real, _name=f"{module.__name__}.{name}", **k):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return _real(*a, **k)
            finally:
                seconds[_name] = seconds.get(_name, 0.0) + time.perf_counter() - t

        setattr(module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--stages",
        action="store_true",
        help="no profile: forget the kept digest (a full pass after loading) and time each stage",
    )
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database of an earlier call, and its version"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    paths = corpora(args.replies)
    db = OUT / f"profile-{args.replies}.sqlite"
    if args.keep and db.exists():
        import sqlite3

        with sqlite3.connect(db) as c:
            (held,) = c.execute("SELECT processed_with FROM documents LIMIT 1").fetchone()
        real = version.digest

        def pinned(*a, **k):  # type: ignore[no-untyped-def]
            real(*a, **k)
            return held

        version.digest = pinned
    else:
        for p in OUT.glob(f"profile-{args.replies}.sqlite*"):
            p.unlink()
        t = time.perf_counter()
        s = pipeline.run(paths, f"sqlite:///{db}", curated_dir=None)
        print(f"first load {time.perf_counter() - t:.1f} s: {s.line()}", flush=True)
    if args.stages:
        import sqlite3

        with sqlite3.connect(db) as c:
            c.execute("DROP TABLE IF EXISTS etl_state")  # made again by the run, empty
        seconds: dict[str, float] = {}
        _timed(seconds)
        t = time.perf_counter()
        s = pipeline.run(paths, f"sqlite:///{db}", curated_dir=None, workers=1)
        print(f"rerun with a full pass after loading {time.perf_counter() - t:.2f} s: {s.line()}")
        for name, took in seconds.items():
            print(f"  {name:<32} {took:7.2f} s")
        print(f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        return
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    s = pipeline.run(paths, f"sqlite:///{db}", curated_dir=None, workers=1)
    prof.disable()
    print(f"unchanged rerun {time.perf_counter() - t:.2f} s: {s.line()}")
    print(f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
