"""The two language versions of one reply: which Chinese document is which English one's twin.

The Government issues every LegCo reply twice on the same day, in English and
in Traditional Chinese, as two press releases whose numbers are close
(P2026012100492 and P2026012100483). Nothing in either text names the other,
so the pair is found from what both carry: the day and the LCQ number. Where a
day holds several candidates with one number (a reissued release, two sittings),
the release numbers in the addresses decide: the nearest wins, each document
used once. A document without a day or a number, or a tie nothing decides, stays
unpaired rather than paired by guess.

Pure: callers pass what `etl.parse` read (`doc.name`, `doc.lcq_number`,
`doc.date`, `doc.lang`, `doc.url`); nothing is read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from etl.site import release_number


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
