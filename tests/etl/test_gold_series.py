"""The gold set's series keys: present on every figure, listed in SERIES.md, and the trap
pairs of shared/spec/series.md kept apart or together, so a careless edit of gold.yaml shows."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from tests.conftest import FIXTURES

GOLD = FIXTURES / "gold"


@pytest.fixture(scope="module")
def figures() -> list[dict]:
    lines = (GOLD / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def key(figures: list[dict], doc: str, text: str) -> str:
    found = [f["series"] for f in figures if f["doc"] == doc and f["text"] == text]
    assert len(found) == 1, f"{doc}: {text!r} found {len(found)} times"
    return found[0]


def test_every_gold_figure_has_a_series(figures):
    missing = [(f["doc"], f["text"]) for f in figures if not (f.get("series") or "").strip()]
    assert missing == []


def test_series_md_lists_every_key_with_its_count(figures):
    listed = {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^\| `([^`]+)` \| (\d+) \| \d+ \|", (GOLD / "SERIES.md").read_text(), re.M)
    }
    assert listed == dict(Counter(f["series"] for f in figures))


SAME = [
    # an alias of the portal, and the portal named in full, at other dates
    (
        ("2025-03-19-LCQ9-open-data-portal.txt", "over 5 600 datasets"),
        ("2024-05-08-LCQ7-open-data.txt", "a total of 5 320 datasets"),
    ),
    # the former office and the office that took its work over
    (
        ("2025-06-25-LCQ6-digital-policy-office.htm", "150 self-registration kiosks"),
        ("2024-05-15-LCQ12-iam-smart.htm", "132 self-registration kiosks"),
    ),
    # two years and 24 months
    (
        ("2026-02-11-LCQ13-talent-admission.txt", "up to 24 months"),
        ("2025-06-11-LCQ17-talent-schemes.txt", "no longer than two years"),
    ),
    # both ends of a change
    (
        ("2025-09-17-LCQ3-technology-voucher.txt", "no more than 20"),
        ("2025-09-17-LCQ3-technology-voucher.txt", "about 15 working days"),
    ),
    # two targets of one measure, stated in different replies
    (
        ("2025-06-25-LCQ6-digital-policy-office.htm", "3.5 million registered users"),
        ("2024-05-15-LCQ12-iam-smart.htm", "3.2 million registered users"),
    ),
]

APART = [
    # a sub-population is not the whole
    (
        ("2024-09-25-LCQ4-cyberport-community.htm", "over 300"),
        ("2024-09-25-LCQ4-cyberport-community.htm", "about 2&nbsp;200 start-ups"),
    ),
    (
        ("2025-03-19-LCQ9-open-data-portal.txt", "some 4 150"),
        ("2025-03-19-LCQ9-open-data-portal.txt", "over 5 600 datasets"),
    ),
    # new datasets are not the total
    (
        ("2025-03-19-LCQ9-open-data-portal.txt", "a total of 690 new datasets"),
        ("2025-03-19-LCQ9-open-data-portal.txt", "over 5 600 datasets"),
    ),
    # another portal's datasets
    (
        ("2025-05-21-LCQ18-spatial-data.txt", "some 1 260 spatial datasets"),
        ("2025-05-21-LCQ18-spatial-data.txt", "over 5 500 datasets"),
    ),
    # a target is not an actual
    (
        ("2025-03-19-LCQ9-open-data-portal.txt", "6 000 datasets"),
        ("2025-03-19-LCQ9-open-data-portal.txt", "over 5 600 datasets"),
    ),
    # a combined figure is neither part
    (
        ("2024-09-25-LCQ4-cyberport-community.htm", "more than 3&nbsp;500 technology companies"),
        ("2025-06-04-LCQ12-shenzhen-branch.txt", "over 1 300 companies"),
    ),
    # a branch is not its parent park
    (
        ("2025-06-04-LCQ12-shenzhen-branch.txt", "81 companies"),
        ("2025-06-04-LCQ12-shenzhen-branch.txt", "over 1 300 companies"),
    ),
    # a financial year is not a calendar year, nor a school year
    (
        ("2025-07-23-LCQ16-cyber-security.txt", "about 13 100 security incidents"),
        ("2025-07-23-LCQ16-cyber-security.txt", "12,536 incidents"),
    ),
    (
        ("2025-10-15-LCQ20-it-innovation-lab.txt", "152 STEM training courses"),
        ("2025-10-15-LCQ20-it-innovation-lab.txt", "149 such courses"),
    ),
    # a total since launch is not a year's flow
    (
        ("2026-02-11-LCQ13-talent-admission.txt", "about 135 000 applications"),
        ("2026-02-11-LCQ13-talent-admission.txt", "some 24 000 applications"),
    ),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_one_series(figures, a, b):
    assert key(figures, *a) == key(figures, *b)


@pytest.mark.parametrize(("a", "b"), APART)
def test_two_series(figures, a, b):
    assert key(figures, *a) != key(figures, *b)
