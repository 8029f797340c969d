"""The blind gold sets (tests/fixtures/gold_blind*): each written without sight of the extractor
and scored once before any change made for it (its README, and docs/extraction.md's "How well it
does"), then a development set held to the floors below."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pytest

from etl.score import Score, score
from tests.conftest import FIXTURES


@dataclass(frozen=True)
class Floors:
    """What a set must keep. Raise these when extraction improves; never lower them to make a
    change pass."""

    gold: int  # its figures: a set edited by mistake fails here first
    f1: float
    fields: dict[str, float]
    recall_all: bool = True  # every gold figure found
    series_f1: float | None = None


SETS = {
    "gold_blind3": Floors(
        126, 0.995, {"qualifier": 0.99, "unit": 0.99, "as_of": 0.99, "subject": 0.97}, False, 0.9
    ),
    "gold_blind4": Floors(105, 0.99, {"qualifier": 0.99, "unit": 0.995, "as_of": 0.985, "subject": 0.95}),
    "gold_blind5": Floors(129, 0.99, {"qualifier": 0.99, "unit": 0.97, "as_of": 0.99, "subject": 0.89}),
    "gold_blind6": Floors(117, 0.995, {"qualifier": 0.99, "unit": 0.97, "as_of": 0.97, "subject": 0.93}),
    "gold_blind7": Floors(
        126, 0.995, {"qualifier": 0.99, "unit": 0.99, "as_of": 0.99, "subject": 0.94}, True, 0.94
    ),
    "gold_blind8": Floors(131, 0.995, {"qualifier": 0.99, "unit": 0.98, "as_of": 0.99, "subject": 0.98}),
    "gold_blind9": Floors(128, 0.995, {"qualifier": 0.99, "unit": 0.96, "as_of": 0.98, "subject": 0.95}),
    # Chinese.
    "gold_blind_zh1": Floors(118, 0.99, {"qualifier": 0.99, "unit": 0.995, "as_of": 0.99, "subject": 0.95}),
    "gold_blind_zh2": Floors(114, 0.99, {"qualifier": 0.99, "unit": 0.97, "as_of": 0.99, "subject": 0.93}),
    "gold_blind_zh3": Floors(115, 0.995, {"qualifier": 0.99, "unit": 0.96, "as_of": 0.99, "subject": 0.98}),
    "gold_blind_zh4": Floors(118, 0.995, {"qualifier": 0.98, "unit": 0.96, "as_of": 0.98, "subject": 0.82}),
    "gold_blind_zh5": Floors(
        120, 0.99, {"qualifier": 0.99, "unit": 0.91, "as_of": 0.99, "subject": 0.9}, False
    ),
}


@cache
def _result(name: str) -> Score:
    """A set scored once for all its tests."""
    return score(FIXTURES / name / "gold.jsonl", FIXTURES / name / "replies")


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_figure_is_found(name):
    result, floors = _result(name), SETS[name]
    assert result.errors == []
    assert result.gold == floors.gold
    if floors.recall_all:
        assert result.recall == 1.0, "\n".join(result.lines(verbose=True))
    assert result.f1 >= floors.f1, "\n".join(result.lines(verbose=True))


@pytest.mark.parametrize(
    ("name", "field_name"), [(name, f) for name in sorted(SETS) for f in sorted(SETS[name].fields)]
)
def test_field_accuracy_holds_its_floor(name, field_name):
    result = _result(name)
    assert result.accuracy(field_name) >= SETS[name].fields[field_name], "\n".join(result.lines(verbose=True))


@pytest.mark.parametrize("name", sorted(n for n, f in SETS.items() if f.series_f1 is not None))
def test_series_hold_their_floor(name):
    result = _result(name)
    assert result.series_scores()["f1"] >= SETS[name].series_f1, "\n".join(result.series_errors())
