"""Extraction cases as golden files, grouped by where they came from (tests/etl/golden/).

- `spec_rules.yaml`: a sentence of our own for each rule of shared/spec/figures.md;
- `bugs.yaml`: cases added with a bug fix, and bugs known but not fixed yet;
- `seed.yaml`: every reply figure of the seed reply, read from shared/corpus by
  name (tests/etl/test_extract_seed.py);
- the development gold set, tests/fixtures/gold/gold.jsonl: one case for each
  gold figure and field. Its known misses are listed one by one in
  `gold_known_misses.yaml` rather than hidden under the score floors.

A known failure is marked `xfail(strict=True)`: a change that fixes it fails
too, so the list is brought up to date instead of going stale. After a change
that moves the gold set's misses on purpose, rewrite the list with
`python tests/etl/test_extract_golden.py` and review its diff.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from etl.score import FIELDS, Score, load_gold, score
from tests.conftest import FIXTURES
from tests.etl.test_extract_properties import reply

GOLDEN = Path(__file__).resolve().parent / "golden"
GOLD = FIXTURES / "gold"
KNOWN_MISSES = GOLDEN / "gold_known_misses.yaml"


def load(name: str) -> dict:
    """A golden file, its dates read back as the ISO text the extractor writes."""

    def iso(x):
        if isinstance(x, date):
            return x.isoformat()
        if isinstance(x, dict):
            return {k: iso(v) for k, v in x.items()}
        if isinstance(x, list):
            return [iso(v) for v in x]
        return x

    return iso(yaml.safe_load((GOLDEN / name).read_text(encoding="utf-8")))


def _xfail(case: dict) -> list:
    return [pytest.mark.xfail(strict=True, reason=case["xfail"])] if case.get("xfail") else []


def _sentence_cases(*names: str) -> list:
    out = []
    for name in names:
        data = load(name)
        for case in data["cases"]:
            out.append(
                pytest.param(
                    data["date"], case, id=f"{name.removesuffix('.yaml')}:{case['id']}", marks=_xfail(case)
                )
            )
    return out


@pytest.mark.parametrize(("day", "case"), _sentence_cases("spec_rules.yaml", "bugs.yaml"))
def test_sentence_case(day, case):
    expected = case["figures"]
    keys = list(expected[0]) if expected else ["text"]
    got = [{k: getattr(f, k) for k in keys} for f in reply(case["text"], date.fromisoformat(day))]
    assert got == [{k: pytest.approx(v) if k == "value" else v for k, v in e.items()} for e in expected]


# The development gold set.


def _gold_keys() -> dict[tuple[str, int], str]:
    """Each gold figure's name in the known-misses file: its text, numbered if its document repeats it."""
    out: dict[tuple[str, int], str] = {}
    for doc, rows in load_gold(GOLD / "gold.jsonl").items():
        seen: Counter[str] = Counter()
        for row in rows:
            seen[row["text"]] += 1
            out[(doc, row["start"])] = (
                row["text"] if seen[row["text"]] == 1 else f"{row['text']} #{seen[row['text']]}"
            )
    return out


def current_misses(result: Score) -> list[dict]:
    """What the extractor gets wrong on the gold set now, in the known-misses file's shape."""
    keys = _gold_keys()
    out = []
    for doc in sorted(set(result.misses) | set(result.wrong) | set(result.spurious)):
        for g in result.misses.get(doc, []):
            out.append(
                {
                    "doc": doc,
                    "text": keys[(doc, g["start"])],
                    "field": "found",
                    "gold": g["value"],
                    "got": None,
                }
            )
        for name, g, p in result.wrong.get(doc, []):
            out.append(
                {"doc": doc, "text": keys[(doc, g["start"])], "field": name, "gold": g[name], "got": p[name]}
            )
        for p in result.spurious.get(doc, []):
            out.append({"doc": doc, "text": p["text"], "field": "spurious", "gold": None, "got": p["value"]})
    return out


def _known() -> dict[tuple[str, str, str], dict]:
    return {(m["doc"], m["text"], m["field"]): m for m in load("gold_known_misses.yaml")["misses"] or []}


def _gold_cases() -> list:
    known = _known()
    out = []
    for (doc, _), text in sorted(_gold_keys().items()):
        for field in ("found", *FIELDS):
            miss = known.get((doc, text, field))
            marks = (
                [pytest.mark.xfail(strict=True, reason=f"known miss: got {miss['got']!r}")] if miss else []
            )
            out.append(pytest.param(doc, text, field, id=f"{doc}:{text[:40]}:{field}", marks=marks))
    return out


@pytest.fixture(scope="module")
def gold_result() -> Score:
    return score(GOLD / "gold.jsonl", GOLD / "replies")


@pytest.fixture(scope="module")
def misses(gold_result) -> dict[tuple[str, str, str], dict]:
    return {(m["doc"], m["text"], m["field"]): m for m in current_misses(gold_result)}


@pytest.mark.parametrize(("doc", "text", "field"), _gold_cases())
def test_gold_figure(misses, doc, text, field):
    assert (doc, text, field) not in misses, misses.get((doc, text, field))


def test_known_misses_name_gold_figures_and_say_what_is_got(misses):
    """Every listed miss names a gold figure and field, and the wrong answer is still the one listed.

    A miss whose wrong answer changes is a change in behaviour too, even if it is still wrong.
    """
    known = _known()
    names = {(doc, text) for (doc, _), text in _gold_keys().items()}
    for key, m in known.items():
        assert m["field"] == "spurious" or (m["doc"], m["text"]) in names, f"no such gold figure: {key}"
        assert m["field"] in ("found", "spurious", *FIELDS), f"no such field: {key}"
        if key in misses:
            assert misses[key]["got"] == m["got"], (
                f"{key}: now got {misses[key]['got']!r}, listed {m['got']!r}"
            )


def test_no_spurious_figure_beyond_those_listed(misses):
    listed = {k for k in _known() if k[2] == "spurious"}
    assert {k for k in misses if k[2] == "spurious"} == listed


def _write_known_misses() -> None:
    header = KNOWN_MISSES.read_text(encoding="utf-8").split("misses:")[0]
    rows = current_misses(score(GOLD / "gold.jsonl", GOLD / "replies"))
    lines = [
        "  - "
        + yaml.safe_dump(row, allow_unicode=True, sort_keys=False, default_flow_style=True, width=10_000)
        for row in rows
    ]
    KNOWN_MISSES.write_text(header + "misses:\n" + "".join(lines), encoding="utf-8")
    print(f"wrote {len(rows)} known misses to {KNOWN_MISSES}")


if __name__ == "__main__":
    _write_known_misses()
