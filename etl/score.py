"""Extraction against a gold set: precision, recall, F1, and field accuracy.

A prediction matches a gold figure of the same document when their spans
overlap and their values are equal; each gold figure matches at most one
prediction. Only reply figures count (the gold set lists reply figures).

Two gold sets can be scored together (`score_together`): the English set and the Chinese
one, read in one pass so that each Chinese reply meets its English version, with their
series keys made one namespace, so the series pairs across languages count too.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from etl import corpus, replies
from etl.errors import ItdashError

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
    # (gold series, predicted series) of every matched figure, for the pairwise series scores
    series_pairs: list[tuple[str | None, str | None, str, str]] = field(default_factory=list)
    # (gold twin_agrees, predicted twin_agrees) of matched figures whose gold says
    twin_pairs: list[tuple[bool, bool | None, str, str]] = field(default_factory=list)

    def twin_scores(self) -> dict[str, float]:
        """twin_agrees accuracy, the share of planted disagreements found, and false alarms."""
        pairs = self.twin_pairs
        right = sum(1 for g, p, _, _ in pairs if g == p)
        planted = [p for g, p, _, _ in pairs if g is False]
        agreeing = [p for g, p, _, _ in pairs if g is True]
        return {
            "accuracy": right / len(pairs) if pairs else 0.0,
            "found": sum(1 for p in planted if p is False) / len(planted) if planted else 0.0,
            "planted": float(len(planted)),
            "false_alarms": float(sum(1 for p in agreeing if p is False)),
        }

    def series_scores(self) -> dict[str, float]:
        """Coverage, and pairwise precision / recall / F1 over all pairs of matched figures:
        a pair is predicted together when both carry one series id, truly together when their
        gold keys are equal (shared/spec/series.md)."""
        pairs = [p for p in self.series_pairs if p[0] is not None]
        covered = sum(1 for _, got, _, _ in pairs if got)
        tp = fp = fn = 0
        by_gold: dict[str, list[int]] = defaultdict(list)
        by_pred: dict[str, list[int]] = defaultdict(list)
        for k, (g, p, _, _) in enumerate(pairs):
            by_gold[g].append(k)
            if p:
                by_pred[p].append(k)
        for members in by_pred.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    if pairs[a][0] == pairs[b][0]:
                        tp += 1
                    else:
                        fp += 1
        true_pairs = sum(len(m) * (len(m) - 1) // 2 for m in by_gold.values())
        fn = true_pairs - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "coverage": covered / len(pairs) if pairs else 0.0,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "pairs": float(true_pairs),
        }

    def series_errors(self, most: int = 15) -> list[str]:
        """The worst merges (one predicted series holding several gold ones) and splits."""
        pairs = [p for p in self.series_pairs if p[0] is not None]
        merged: dict[str, set[str]] = defaultdict(set)
        split: dict[str, set[str]] = defaultdict(set)
        texts: dict[str, list[str]] = defaultdict(list)
        for g, p, doc, text in pairs:
            merged[p or "∅"].add(g)
            split[g].add(p or "∅")
            texts[p or "∅"].append(f"{doc}: {text!r} [{g}]")
        out = []
        for p, golds in sorted(merged.items(), key=lambda kv: -len(kv[1]))[:most]:
            if len(golds) > 1:
                out.append(f"  merged   {p}: {len(golds)} gold series: " + "; ".join(texts[p][:4]))
        for g, preds in sorted(split.items(), key=lambda kv: -len(kv[1]))[:most]:
            if len(preds) > 1:
                out.append(f"  split    {g}: {', '.join(sorted(preds))}")
        return out

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
        if any(g for g, _, _, _ in self.series_pairs):
            ss = self.series_scores()
            out.append(
                f"series: coverage {ss['coverage']:.3f}  pairwise precision {ss['precision']:.3f}  "
                f"recall {ss['recall']:.3f}  F1 {ss['f1']:.3f} ({ss['pairs']:.0f} gold pairs)"
            )
        if self.twin_pairs:
            ts = self.twin_scores()
            out.append(
                f"twins: twin_agrees accuracy {ts['accuracy']:.3f}  planted disagreements found "
                f"{ts['found']:.3f} of {ts['planted']:.0f}  false alarms {ts['false_alarms']:.0f}"
            )
        out += [f"error: {e}" for e in self.errors]
        if verbose:
            out += self.series_errors()
            out += [
                f"  twin     {doc}: {text!r}: gold {g}, got {p}"
                for g, p, doc, text in self.twin_pairs
                if g != p
            ]
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


def _names(folder: Path) -> set[str]:
    return {p.name for p in Path(folder).iterdir() if p.is_file()}


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


def _match(
    result: Score,
    gold: dict[str, list[dict]],
    predicted: dict[str, list[dict]],
    key: Callable[[str], str] | None = None,
) -> None:
    """Add the documents of one gold set to `result`; `key` names each gold series key in the
    namespace the pairs are counted in."""
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
            gold_key = g.get("series")
            if key is not None and gold_key is not None:
                gold_key = key(gold_key)
            result.series_pairs.append((gold_key, p.get("series"), doc, g["text"]))
            if "twin_agrees" in g:
                result.twin_pairs.append((g["twin_agrees"], p.get("twin_agrees"), doc, g["text"]))
            for name in FIELDS:
                if agrees(name, g.get(name), p.get(name)):
                    result.correct[name] += 1
                else:
                    result.wrong[doc].append((name, g, p))
        result.spurious[doc].extend(p for k, p in enumerate(p_list) if k not in used)


def _predicted(done: list[replies.Read], names: set[str]) -> dict[str, list[dict]]:
    return {
        Path(r.doc.name).name: [f.spec() for f in r.figures if f.part == "reply"]
        for r in done
        if Path(r.doc.name).name in names
    }


def score(gold_path: Path, folder: Path, twins_in: list[Path] | None = None) -> Score:
    """Score the documents of `folder`; those of `twins_in` are read too, only so that the
    Chinese and English versions of a reply can be compared (`twin_agrees`)."""
    gold = load_gold(gold_path)
    result = Score()
    done, failed = replies.read([folder, *(twins_in or [])])
    result.errors += [str(e) for e in failed if not twins_in or Path(e.doc).name in _names(folder)]
    _match(result, gold, _predicted(done, _names(folder)))
    return result


@dataclass(frozen=True)
class GoldSet:
    """A gold set folder: `replies/` (with manifest.csv), `gold.jsonl`, and optionally
    `series_shared.toml`, whose `[same_series]` table names the keys of the first set that
    series of this one are (a series the two annotators keyed apart, in replies not twinned)."""

    folder: Path
    gold: Path | None = None  # default folder/gold.jsonl
    replies: Path | None = None  # default folder/replies

    @property
    def gold_path(self) -> Path:
        return self.gold or self.folder / "gold.jsonl"

    @property
    def replies_path(self) -> Path:
        return self.replies or self.folder / "replies"


def shared_keys(
    first: dict[str, list[dict]], other: dict[str, list[dict]], table: dict[str, str]
) -> dict[str, str]:
    """The first set's key of every series key of `other` that the first set holds too.

    A gold figure naming its `twin` (the same figure in the other language, figures.md "The
    two versions of one reply") is in the twin's series, so its key is the twin's; `table`
    adds the series of replies without a twin. One key given two names is a gold error."""
    by_text: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for doc, figures in first.items():
        for g in figures:
            by_text[(doc, g["text"])].append(g)
    out: dict[str, str] = {}
    for figures in other.values():
        for g in figures:
            twin = g.get("twin")
            if not twin or not g.get("series"):
                continue
            found = by_text.get((Path(twin["doc"]).name, twin["text"]), [])
            k = int(twin.get("occurrence") or 1)
            if len(found) < k:
                raise ItdashError(f"{g['doc']}: twin {twin} is not a figure of the first gold set")
            theirs = found[k - 1].get("series")
            mine = g["series"]
            if theirs and out.setdefault(mine, theirs) != theirs:
                raise ItdashError(f"series {mine!r} is twinned with {out[mine]!r} and {theirs!r}")
    for ours, theirs in table.items():
        if out.setdefault(ours, theirs) != theirs:
            raise ItdashError(f"series_shared.toml: {ours!r} is twinned with {out[ours]!r}, not {theirs!r}")
    return out


def _shared(folder: Path) -> dict:
    path = folder / "series_shared.toml"
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ItdashError(f"{path}: {e}") from None


def _table(folder: Path) -> dict[str, str]:
    return dict(_shared(folder).get("same_series", {}))


def _same_keys(folder: Path) -> bool:
    """The set spells its series keys as the first set does (a held-out set written against it),
    so every key is shared as written: `same_keys = true` in its series_shared.toml."""
    return _shared(folder).get("same_keys") is True


def _namer(keys: dict[str, str], tag: str) -> Callable[[str], str]:
    return lambda g: keys.get(g, f"{tag}:{g}")


def score_together(sets: Sequence[GoldSet]) -> Score:
    """Score several gold sets as one: every folder read in one pass (so each Chinese reply is
    paired with its English version and takes its series), and the series keys of the later
    sets written in the first set's (`shared_keys`); a key the first set does not hold is
    kept apart, under its set's name, so only series known to be shared pair across sets."""
    if not sets:
        raise ItdashError("no gold set to score")
    golds = [load_gold(s.gold_path) for s in sets]
    names = [{src.name for src in corpus.discover([s.replies_path])} for s in sets]
    for k, these in enumerate(names):
        for j in range(k):
            if clash := these & names[j]:
                raise ItdashError(f"documents named in two gold sets: {', '.join(sorted(clash))}")
    done, failed = replies.read([s.replies_path for s in sets])
    result = Score()
    result.errors += [str(e) for e in failed]
    for k, (s, gold) in enumerate(zip(sets, golds, strict=True)):
        if k == 0 or _same_keys(s.folder):
            key = None
        else:
            keys = shared_keys(golds[0], gold, _table(s.folder))
            key = _namer(keys, s.folder.name)
        _match(result, gold, _predicted(done, names[k]), key)
    return result
