"""Extraction against a gold set: precision, recall, F1, and field accuracy.

A prediction matches a gold figure of the same document when their spans
overlap and their values are equal; each gold figure matches at most one
prediction. Only reply figures count (the gold set lists reply figures).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from etl import corpus
from etl.errors import DocumentError, ItdashError
from etl.extract import extract
from etl.parse import parse

FIELDS = ("qualifier", "unit", "as_of", "subject")


@dataclass
class Score:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    spurious: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    wrong: dict[str, list[tuple[str, dict, dict]]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> float:
        return self.correct[name] / self.matched if self.matched else 0.0

    def lines(self, verbose: bool = False) -> list[str]:
        out = [
            f"figures: gold {self.gold}, predicted {self.predicted}, matched {self.matched}",
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}",
            "accuracy among matched: " + "  ".join(f"{n} {self.accuracy(n):.3f}" for n in FIELDS),
        ]
        out += [f"error: {e}" for e in self.errors]
        if verbose:
            for doc in sorted(set(self.misses) | set(self.spurious) | set(self.wrong)):
                out.append(f"{doc}:")
                out += [
                    f"  missed   {g['text']!r} ({g['start']}-{g['end']}) = {g['value']}"
                    for g in self.misses.get(doc, [])
                ]
                out += [
                    f"  spurious {p['text']!r} ({p['start']}-{p['end']}) = {p['value']}"
                    for p in self.spurious.get(doc, [])
                ]
                out += [
                    f"  {name:9} {g['text']!r}: gold {g[name]!r}, got {p[name]!r}"
                    for name, g, p in self.wrong.get(doc, [])
                ]
        return out


_CJK = re.compile(r"[\u3400-\u9fff]")


def agrees(name: str, gold: object, got: object) -> bool:
    """Whether a predicted field is right. Chinese units and subjects are compared without
    word splitting: one written inside the other (`課程` in `培訓課程`) is the same word."""
    if gold == got:
        return True
    if name in ("unit", "subject") and isinstance(gold, str) and isinstance(got, str) and _CJK.search(gold):
        a, b = "".join(gold.split()), "".join(got.split())
        return bool(a and b) and (a in b or b in a)
    return False


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def load_gold(path: Path) -> dict[str, list[dict]]:
    gold: dict[str, list[dict]] = defaultdict(list)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ItdashError(f"{path}: cannot read: {e.strerror or e}") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            gold[Path(record["doc"]).name].append(record)
        except (ValueError, KeyError) as e:
            raise ItdashError(f"{path}:{n}: not a figure record: {e}") from None
    return gold


def score(gold_path: Path, folder: Path) -> Score:
    gold = load_gold(gold_path)
    predicted: dict[str, list[dict]] = {}
    result = Score()
    for item in corpus.read_all(corpus.discover([folder])):
        try:
            if isinstance(item, DocumentError):
                raise item
            figs = extract(parse(item))
        except DocumentError as e:
            result.errors.append(str(e))
            continue
        predicted[Path(item.name).name] = [f.spec() for f in figs if f.part == "reply"]
    for doc in sorted(set(gold) | set(predicted)):
        g_list, p_list = gold.get(doc, []), predicted.get(doc, [])
        result.gold += len(g_list)
        result.predicted += len(p_list)
        used: set[int] = set()
        for g in g_list:
            hit = next(
                (
                    k
                    for k, p in enumerate(p_list)
                    if k not in used
                    and p["start"] < g["end"]
                    and g["start"] < p["end"]
                    and _same(p["value"], g["value"])
                ),
                None,
            )
            if hit is None:
                result.misses[doc].append(g)
                continue
            used.add(hit)
            result.matched += 1
            p = p_list[hit]
            for name in FIELDS:
                if agrees(name, g.get(name), p.get(name)):
                    result.correct[name] += 1
                else:
                    result.wrong[doc].append((name, g, p))
        result.spurious[doc].extend(p for k, p in enumerate(p_list) if k not in used)
    return result
