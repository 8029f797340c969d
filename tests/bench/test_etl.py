"""`make bench` says which of issue 14's targets hold, by the figures it printed."""

from __future__ import annotations

from bench.etl import verdict


def _run(seconds: float, loaded: int, peak_mb: float = 500.0) -> dict:
    return {"seconds": seconds, "loaded": loaded, "peak_mb": peak_mb}


def _lines(text: str) -> dict[str, str]:
    return {line.split(":", 2)[1].strip(): line for line in text.splitlines()}


def test_each_target_is_judged_by_its_own_figure_at_100_000_replies():
    held = _lines(verdict(100_000, "sqlite", _run(119.0, 100_000), _run(9.9, 0), _run(120.0, 100_000)))
    assert all(": held" in line for key, line in held.items() if not key.startswith("reprocess"))
    assert "1.01x its time" in held["reprocess after a vocabulary change at a first load's speed"]

    missed = verdict(100_000, "sqlite", _run(121.0, 100_000, 1100.0), _run(2.0, 3), None)
    assert "first load under 120 s: NOT held (121.0 s, 1.0x the target)" in missed
    assert "nothing reprocessed: NOT held (2.0 s, 3 loaded)" in missed  # fast, but it reprocessed
    assert "peak memory under 1024 MB: NOT held (1100 MB)" in missed
    assert "vocabulary change" not in missed  # no such run, no ratio


def test_peak_memory_is_judged_by_all_of_a_runs_processes_together():
    """The writer under the limit does not hold the target when its workers take the run past it."""
    run = _run(100.0, 100_000, 800.0) | {"together_mb": 1300.0}
    assert "peak memory under 1024 MB: NOT held (1300 MB)" in verdict(
        100_000, "sqlite", run, _run(1.0, 0), None
    )


def test_postgresql_has_its_own_first_load_target():
    assert "first load under 180 s: held" in verdict(100_000, "postgres", _run(170.0, 1), _run(1.0, 0), None)


def test_a_smaller_run_is_not_judged():
    out = verdict(10_000, "sqlite", _run(11.0, 10_000), _run(0.5, 0), None)
    assert "held" not in out and "judged at 100,000 replies only" in out
