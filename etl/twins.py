"""The two versions of one reply (shared/spec/figures.md): their figures lined up and compared.

The English and the Chinese page of a reply state the same figures in the same
order, item by item; a translation can still drop a hedge, mistype a number or
leave a figure out. So the figures of each item are aligned as two sequences
(Needleman-Wunsch: a figure pairs best with one of the same value and kind of
unit, next best with one of the same kind, and may be left alone), and every
figure is marked `twin_agrees`: true when its partner states the same value,
qualifier and as_of, false when the partner differs or there is none.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from schemas.figure import Figure

_MONEY = {"HKD", "USD", "CNY", "EUR", "GBP", "JPY", "SGD"}
_GAP = -1.0


def kind(fig: Figure) -> str:
    """The kind of unit, the one thing both languages write the same way."""
    if fig.unit in _MONEY:
        return fig.unit
    return "percent" if fig.unit == "percent" else "count"


def _same_value(a: Figure, b: Figure) -> bool:
    return math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9)


def _score(a: Figure, b: Figure) -> float:
    if kind(a) != kind(b):
        return -math.inf
    if _same_value(a, b):
        return 3.0 + (a.qualifier == b.qualifier) + (a.as_of == b.as_of)
    return 0.5  # the same kind in the same place: a mistyped number, still this figure's twin


def align(left: Sequence[Figure], right: Sequence[Figure]) -> list[tuple[Figure | None, Figure | None]]:
    """The best alignment of two figure sequences, gaps as None."""
    n, m = len(left), len(right)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        best[i][0] = i * _GAP
    for j in range(1, m + 1):
        best[0][j] = j * _GAP
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best[i][j] = max(
                best[i - 1][j - 1] + _score(left[i - 1], right[j - 1]),
                best[i - 1][j] + _GAP,
                best[i][j - 1] + _GAP,
            )
    out: list[tuple[Figure | None, Figure | None]] = []
    i, j = n, m
    while i or j:
        if i and j and best[i][j] == best[i - 1][j - 1] + _score(left[i - 1], right[j - 1]):
            out.append((left[i - 1], right[j - 1]))
            i, j = i - 1, j - 1
        elif i and best[i][j] == best[i - 1][j] + _GAP:
            out.append((left[i - 1], None))
            i -= 1
        else:
            out.append((None, right[j - 1]))
            j -= 1
    return out[::-1]


def agrees(a: Figure, b: Figure) -> bool:
    """The same figure in both versions: value, qualifier and as_of (series.md adds the series)."""
    return _same_value(a, b) and a.qualifier == b.qualifier and a.as_of == b.as_of


def _by_item(figures: Sequence[Figure]) -> dict[int | None, list[Figure]]:
    out: dict[int | None, list[Figure]] = defaultdict(list)
    for f in figures:
        if f.part == "reply":
            out[f.item].append(f)
    return out


def _match_exact(left: list[Figure], right: list[Figure]) -> list[tuple[Figure, Figure]]:
    """Pairs of the same value and kind, whatever their order: Chinese word order moves figures
    within a sentence. The closest in position wins among several candidates."""
    pairs = []
    free = list(range(len(right)))
    for i, a in enumerate(left):
        candidates = [j for j in free if kind(right[j]) == kind(a) and _same_value(a, right[j])]
        if candidates:
            j = min(candidates, key=lambda j: (abs(j / max(len(right), 1) - i / max(len(left), 1)), j))
            free.remove(j)
            pairs.append((a, right[j]))
    return pairs


def compare(
    english: Sequence[Figure], chinese: Sequence[Figure]
) -> list[tuple[Figure | None, Figure | None]]:
    """Mark every reply figure of both versions with `twin_agrees`; returns the aligned pairs.

    Figures of one item pair first by equal value (in any order), then what is left is
    aligned in order, so a mistyped number still finds its twin and a dropped figure none.
    A Chinese twin takes its English partner's series: a series is one line whatever the
    language it was stated in.
    """
    en, zh = _by_item(english), _by_item(chinese)
    if set(en) != set(zh):  # items numbered differently: one sequence each
        en = {None: [f for f in english if f.part == "reply"]}
        zh = {None: [f for f in chinese if f.part == "reply"]}
    pairs: list[tuple[Figure | None, Figure | None]] = []
    for key in sorted(set(en) | set(zh), key=lambda k: (k is None, k or 0)):
        left, right = en.get(key, []), zh.get(key, [])
        exact = _match_exact(left, right)
        paired = {id(a) for a, _ in exact} | {id(b) for _, b in exact}
        pairs += exact
        pairs += align([a for a in left if id(a) not in paired], [b for b in right if id(b) not in paired])
    for a, b in pairs:
        same = a is not None and b is not None and agrees(a, b)
        if a is not None:
            a.twin_agrees = same
        if b is not None:
            b.twin_agrees = same
            if a is not None and a.series:
                b.series, b.series_label = a.series, b.series_label or a.series_label
    return pairs


def confirmed(english: Sequence[Figure], chinese: Sequence[Figure]) -> bool:
    """Whether two replies of one day and number are really one reply told twice: half of the
    smaller one's figures at least have a twin of the same value."""
    left = [f for f in english if f.part == "reply"]
    right = [f for f in chinese if f.part == "reply"]
    if not left or not right:
        return not left and not right
    return len(_match_exact(left, right)) >= 0.5 * min(len(left), len(right))


def pair(documents: Sequence[tuple[str, int | None, object, str]]) -> dict[str, str]:
    """English name -> Chinese name for documents given as (name, lcq_number, day, lang).

    Two documents are one reply when they share the day and the LCQ number and are in
    the two languages; a reply with no number, or with several candidates, stays alone.
    """
    keyed: dict[tuple[object, int, str], list[str]] = defaultdict(list)
    for name, number, day, lang in documents:
        if number is not None:
            keyed[(day, number, "zh" if lang.startswith("zh") else "en")].append(name)
    out: dict[str, str] = {}
    for (day, number, lang), names in keyed.items():
        other = keyed.get((day, number, "zh"), []) if lang == "en" else []
        if lang == "en" and len(names) == 1 and len(other) == 1:
            out[names[0]] = other[0]
    return out
