"""The sixth blind gold set (tests/fixtures/gold_blind6): English replies written without sight
of the extractor, scored once before any change made for it (its README), then a development set."""

from __future__ import annotations

import pytest

from etl.score import score
from tests.conftest import FIXTURES

BLIND6 = FIXTURES / "gold_blind6"
# Raise these when extraction improves; never lower them to make a change pass.
FIELD_FLOORS = {"qualifier": 0.99, "unit": 0.93, "as_of": 0.97, "subject": 0.85}


@pytest.fixture(scope="module")
def result():
    return score(BLIND6 / "gold.jsonl", BLIND6 / "replies")


def test_every_figure_is_found(result):
    assert result.errors == []
    assert result.gold == 117 and result.recall == 1.0
    assert result.f1 >= 0.99, "\n".join(result.lines(verbose=True))


@pytest.mark.parametrize("name", sorted(FIELD_FLOORS))
def test_field_accuracy_holds_its_floor(result, name):
    assert result.accuracy(name) >= FIELD_FLOORS[name], "\n".join(result.lines(verbose=True))
