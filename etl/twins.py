"""The two versions of one reply (shared/spec/figures.md): paired, lined up and compared.

Pairing. The Government issues every LegCo reply twice on the same day, in English and
in Traditional Chinese, as two press releases whose numbers are close
(P2026012100492 and P2026012100483). Nothing in either text names the other,
so the pair is found from what both carry: the day and the LCQ number. Where a
day holds several candidates with one number (a reissued release, two sittings),
the release numbers in the addresses decide: the nearest wins, each document
used once. A document without a day or a number, or a tie nothing decides, stays
unpaired rather than paired by guess; `confirmed` then checks the pair by its figures.

Comparing. The two versions state the same figures, item by item, though Chinese word
order may move them within a sentence and a translation can drop a hedge, mistype a
number or leave a figure out. Figures of one item pair first by equal value and kind
of unit (in any order), then the rest are aligned in order (Needleman-Wunsch), and every
figure is marked `twin_agrees`: true when its partner states the same value, qualifier
and as_of, false when the partner differs or there is none.

Pure: callers pass what `etl.parse` and `etl.extract` made; nothing is read here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from etl.site import release_number
from schemas.figure import CURRENCIES, Figure


@dataclass(frozen=True)
class Document:
    """What pairing needs to know of one document."""

    name: str
    lcq_number: int | None
    date: date | None
    lang: str  # "en", or "zh" / "zh-Hant" (anything starting "zh" is Chinese)
    url: str | None = None


@dataclass(frozen=True)
class Pair:
    """An English reply and its Chinese version, by document name."""

    en: str
    zh: str


def _side(lang: str) -> str | None:
    lang = lang.strip().lower()
    if lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    return None


def _distance(a: Document, b: Document) -> int | None:
    x, y = release_number(a.url or ""), release_number(b.url or "")
    return abs(x - y) if x is not None and y is not None else None


def _match(en: list[Document], zh: list[Document]) -> list[Pair]:
    if len(en) == 1 and len(zh) == 1:
        return [Pair(en[0].name, zh[0].name)]
    scored = []
    for e in en:
        for z in zh:
            d = _distance(e, z)
            if d is not None:
                scored.append((d, e.name, z.name))
    scored.sort()
    pairs: list[Pair] = []
    used: set[str] = set()
    for i, (d, e_name, z_name) in enumerate(scored):
        if e_name in used or z_name in used:
            continue
        # A tie with another free candidate at the same distance is left undecided.
        rivals = [
            s
            for s in scored[:i] + scored[i + 1 :]
            if s[0] == d and (s[1] == e_name) != (s[2] == z_name) and not ({s[1], s[2]} & used)
        ]
        if rivals:
            continue
        pairs.append(Pair(e_name, z_name))
        used |= {e_name, z_name}
    return pairs


def pair_documents(documents: Iterable[Document]) -> list[Pair]:
    """Each English reply with its Chinese version: same day and LCQ number, then nearest release.

    Returns the pairs found, sorted by English name; documents left out have
    no twin among those given (or no day or number to find one by).
    """
    groups: dict[tuple[date, int], dict[str, list[Document]]] = defaultdict(lambda: defaultdict(list))
    for doc in documents:
        side = _side(doc.lang)
        if side is None or doc.date is None or doc.lcq_number is None:
            continue
        groups[(doc.date, doc.lcq_number)][side].append(doc)
    pairs: list[Pair] = []
    for key in sorted(groups):
        sides = groups[key]
        if sides["en"] and sides["zh"]:
            by_name = lambda d: d.name  # noqa: E731
            pairs += _match(sorted(sides["en"], key=by_name), sorted(sides["zh"], key=by_name))
    return sorted(pairs, key=lambda p: p.en)


# -- comparing the figures of a pair --------------------------------------------------------

_GAP = -1.0


def kind(fig: Figure) -> str:
    """The kind of unit, the one thing both languages write the same way."""
    if fig.unit in CURRENCIES:
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
    kinds = [kind(b) for b in right]  # once each: a pair of long replies compares every figure to every other
    for i, a in enumerate(left):
        ka = kind(a)
        candidates = [j for j in free if kinds[j] == ka and _same_value(a, right[j])]
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
