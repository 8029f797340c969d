"""`make bench` says whether extraction alone holds issue 14's rate, by the rate it printed."""

from __future__ import annotations

from bench.run import TARGET_RATE, verdict


def test_the_extraction_rate_is_judged_against_1_000_replies_a_second():
    assert TARGET_RATE == 1_000
    assert verdict(554.4) == "  target: 1,000 replies/s on one core: NOT held (0.55 of it)"
    assert verdict(999.9).endswith("NOT held (1.00 of it)")  # rounding never passes it
    assert verdict(1_000.0) == "  target: 1,000 replies/s on one core: held (1.00 of it)"
