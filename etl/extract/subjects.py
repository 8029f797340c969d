"""Which programme, fund, body, portal or place a figure belongs to.

Mentions come from three places: known names in `data/vocab/subjects.toml`,
abbreviations the reply defines itself ("Digital Policy Office (DPO)"), and
capitalised phrases ending in a word like Fund, Portal or Park.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from etl.extract.vocab import Vocab

_CAP = r"[A-Z][\w&'’.\-/]*"
_LINK = r"(?:of|and|for|on|in|the|de|&)"
_PHRASE = re.compile(rf"(?<![\w])({_CAP}(?:\s+(?:{_LINK}\s+)*{_CAP})*)")
_ABBR = re.compile(
    rf"({_CAP}(?:[ \t]+(?:{_LINK}[ \t]+)*{_CAP})*)\s*\(\s*(?:the\s+)?([A-Z][A-Za-z&]{{1,9}})\s*\)"
)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    name: str


@cache
def _known(v: Vocab) -> re.Pattern[str]:
    names = sorted(v.subjects, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])")


def _trim(phrase: str) -> str:
    words = phrase.split()
    while words and words[0].lower() in ("the", "this", "these", "its", "our", "a", "an"):
        words = words[1:]
    return " ".join(words)


def _subject_like(name: str, v: Vocab) -> bool:
    words = name.split()
    return (
        bool(words) and name not in v.subject_never and (words[-1] in v.subject_heads or name in v.subjects)
    )


def abbreviations(text: str, v: Vocab) -> dict[str, str]:
    """Abbreviations a reply defines for subject-like names: {"DPO": "Digital Policy Office"}."""
    found: dict[str, str] = {}
    for m in _ABBR.finditer(text):
        full, abbr = _trim(m.group(1)), m.group(2)
        # Keep only the trailing words whose initials could spell the abbreviation.
        words = full.split()
        caps = [w for w in words if w[:1].isupper()]
        if len(caps) > len(abbr) + 3:
            full = " ".join(words[-(len(abbr) + 3) :])
            full = _trim(full)
        if _subject_like(full, v) or v.subjects.get(full):
            found[abbr] = v.subjects.get(full, full)
    return found


def mentions(text: str, start: int, end: int, v: Vocab, abbr: dict[str, str]) -> list[Mention]:
    """Subject mentions in `text[start:end]`, in order, without overlaps."""
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in _known(v).finditer(text, start, end):
        out.append(Mention(m.start(), m.end(), v.subjects[m.group(1)]))
        taken.append((m.start(), m.end()))
    for m in _PHRASE.finditer(text, start, end):
        a, b = m.start(), m.end()
        if any(x < b and a < y for x, y in taken):
            continue
        phrase = m.group(1)
        if phrase in abbr:
            out.append(Mention(a, b, abbr[phrase]))
            continue
        words = phrase.split()
        # Cut the phrase after its last head word: "Cyberport Incubation Programme".
        cut = max((k for k, w in enumerate(words) if w in v.subject_heads), default=-1)
        if cut < 0:
            continue
        name = _trim(" ".join(words[: cut + 1]))
        if _subject_like(name, v) and len(name.split()) >= 2:
            out.append(Mention(a, a + len(" ".join(words[: cut + 1])), abbr.get(name, name)))
    out.sort(key=lambda x: x.start)
    return out


def choose(ms: list[Mention], a: int, b: int, sentence_start: int) -> str | None:
    """The subject for a figure at `a:b`: one it names, else nearest before, else after."""
    for m in ms:
        if a <= m.start <= b + 2 or (m.start < b and m.end > a):
            return m.name
    before = [m for m in ms if m.end <= a]
    if before:
        return before[-1].name
    after = [m for m in ms if m.start >= b]
    return after[0].name if after else None
