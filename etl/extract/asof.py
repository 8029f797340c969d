"""When a figure holds: the anchors of a sentence, read into ISO dates and intervals.

Rules: shared/spec/figures.md ("Time: as_of") and docs/extraction.md.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from etl.extract.numbers import MONTHS

_MONTH_NUM = (
    {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
    | {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
    | {"sept": 9}
)
_Y = r"(?:19|20)\d{2}"
_POS = (
    r"(?P<pos>mid|end|early|late|the\s+end\s+of|end\s+of|the\s+middle\s+of|middle\s+of"
    r"|the\s+beginning\s+of|beginning\s+of|the\s+start\s+of|start\s+of)"
)
_PRE = (
    r"(?P<pre>as\s+(?:of|at)|by|in|since|during|throughout|for|up\s+to|until|till|at|before|"
    r"from|over)"
)
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}

_DATED = [
    # Financial years, one or several: "2024-25", "the 2023-24 financial year".
    rf"(?P<fy>(?:(?:the|in|for|during)\s+)?(?P<fy1>{_Y})\s?[-–/]\s?(?P<fy2>{_Y}|\d{{2}})"
    rf"(?:\s+(?:and|to)\s+(?P<fy3>{_Y})\s?[-–/]\s?(?P<fy4>{_Y}|\d{{2}}))?"
    r"(?:\s+financial\s+years?)?)(?!\s?[-–/]?\d)",
    # Quarters and halves: "the third quarter of 2024", "the first half of 2025".
    r"(?P<qh>(?:in\s+|during\s+|by\s+)?(?:the\s+)?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)"
    rf"\s+(?P<qhk>quarter|half)\s+(?:of\s+)?(?P<qhy>{_Y}))",
    # Months: "as of December 2024", "mid-May 2025", "in January 2021".
    rf"(?P<mon>(?:{_PRE}\s+)?(?:{_POS}[-\s]+)?(?P<month>{MONTHS})\.?\s+(?P<my>{_Y}))\b",
    # Years: "by 2027", "end-2023", "in 2023", "since 2019".
    rf"(?P<yr>(?:{_PRE.replace('pre', 'ypre')}\s+)?(?:{_POS.replace('pos', 'ypos')}[-\s]+)?"
    rf"(?P<year>{_Y}))\b(?!\s?[-–/]\s?\d)",
]
_WORDS = [
    # Words for "now" and for last year.
    r"(?P<now>\b(?:currently|at\s+present|so\s+far|to\s+date|as\s+at\s+today|up\s+to\s+now"
    r"|at\s+the\s+moment|presently|as\s+of\s+now|as\s+at\s+present)\b)",
    r"(?P<last>\b(?:last|the\s+past|the\s+previous)\s+(?P<lastk>financial\s+)?year\b)",
    r"(?P<this>\b(?:this|the\s+current)\s+(?P<thisk>financial\s+)?year\b)",
]
ANCHORS = re.compile("|".join(_DATED + _WORDS), re.I)
# Anchors with a year are only looked for around a year: the full pattern is
# costly to try at every character, a four-digit year is cheap to find.
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_WORD_HINT = re.compile(r"\b(?:currently|present|presently|far|date|now|moment|year)\b", re.I)
_LOOKBACK = 48

# Verbs that make a date the date of an event, not of a figure.
_EVENT = re.compile(
    r"\b(?:commenced|commence|launched|launch|opened|open|established|set\s+up|signed|"
    r"promulgated|announced|completed|started|began|introduced|founded|inaugurated|unveiled|"
    r"held|deepened|enacted|passed|approved|published|released|implemented|rolled\s+out|"
    r"came\s+into\s+operation|was\s+set\s+up|were\s+set\s+up|took\s+effect|establishment|"
    r"inception|launching|opening)\b[^,;]*$",
    re.I,
)
CONTINUES = re.compile(
    r"\W*(?:among\s+them|among\s+these|amongst\s+them|of\s+these|of\s+them|of\s+which|of\s+this"
    r"|of\s+the\s+total|at\s+that\s+time|in\s+the\s+same\s+year|in\s+the\s+same\s+period|"
    r"during\s+the\s+same\s+period|at\s+the\s+same\s+time|by\s+then|as\s+at\s+that\s+date)\b",
    re.I,
)


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    value: str


def _last_day(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _fy(y1: int) -> str:
    return f"{y1}-04-01/{y1 + 1}-03-31"


def _year2(y1: int, y2: str) -> int:
    return int(y2) if len(y2) == 4 else (y1 // 100) * 100 + int(y2)


def _pos(pos: str | None) -> str | None:
    return " ".join(pos.lower().split()).removeprefix("the ") if pos else None


def _read(m: re.Match[str], reply: date) -> str | None:
    g = m.groupdict()
    if g["fy"]:
        tail = m.string[m.end() : m.end() + 30]
        if re.match(r"\s+[A-Z]", tail) or re.match(r"\s+(?:budget|policy\s+address)", tail, re.I):
            return None  # "the 2025-26 Budget" is a title
        y1 = int(g["fy1"])
        if _year2(y1, g["fy2"]) != y1 + 1:
            return None
        last = int(g["fy3"]) if g["fy3"] else y1
        return f"{y1}-04-01/{last + 1}-03-31"
    if g["qh"]:
        y, k = int(g["qhy"]), _ORD[g["ord"].lower()]
        if g["qhk"].lower() == "quarter":
            first = 3 * (k - 1) + 1
            return f"{date(y, first, 1)}/{_last_day(y, first + 2)}"
        if k > 2:
            return None
        return f"{y}-01-01/{y}-06-30" if k == 1 else f"{y}-07-01/{y}-12-31"
    if g["mon"]:
        pre = " ".join((g["pre"] or "").lower().split())
        if pre == "since":
            return reply.isoformat()
        y, mo = int(g["my"]), _MONTH_NUM[g["month"].lower().rstrip(".")]
        pos = _pos(g["pos"])
        if pos in ("mid", "middle of"):
            return date(y, mo, 15).isoformat()
        if pos in ("early", "beginning of", "start of"):
            return date(y, mo, 10).isoformat()
        return _last_day(y, mo).isoformat()
    if g["yr"]:
        pre = " ".join((g["ypre"] or "").lower().split())
        pos = _pos(g["ypos"])
        y = int(g["year"])
        if pre == "since" and not pos:
            return reply.isoformat()
        if pos in ("mid", "middle of"):
            return f"{y}-06-30"
        if pos in ("early", "beginning of", "start of"):
            return f"{y}-03-31"
        if pos in ("end", "late", "end of"):
            return f"{y}-12-31"
        if pre in ("by", "as of", "as at", "up to", "until", "till", "before"):
            return f"{y}-12-31"
        if pre in ("in", "during", "throughout", "for", "over"):
            return f"{y}-01-01/{y}-12-31"
        return None  # a bare year dates nothing by itself
    if g["now"]:
        return reply.isoformat()
    if g["last"]:
        if g["lastk"]:
            y = reply.year - 1 if reply.month >= 4 else reply.year - 2
            return _fy(y)
        return f"{reply.year - 1}-01-01/{reply.year - 1}-12-31"
    if g["this"]:
        if g["thisk"]:
            return _fy(reply.year if reply.month >= 4 else reply.year - 1)
        return f"{reply.year}-01-01/{reply.year}-12-31"
    return None


def _candidates(text: str, start: int, end: int) -> list[re.Match[str]]:
    """ANCHORS matches in `text[start:end]`, tried only near a year or a hint word."""
    found: dict[tuple[int, int], re.Match[str]] = {}
    windows = [(max(start, y.start() - _LOOKBACK), y.end()) for y in _YEAR.finditer(text, start, end)]
    windows += [(max(start, h.start() - 16), h.end()) for h in _WORD_HINT.finditer(text, start, end)]
    for a, b in windows:
        for m in ANCHORS.finditer(text, a, min(end, b + 24)):
            if m.start() < b and m.end() >= b - 4:
                found.setdefault((m.start(), m.end()), m)
    # Keep the longest of overlapping matches ("in 2021-22 and 2022-23" over "2022-23").
    out: list[re.Match[str]] = []
    for key in sorted(found, key=lambda k: (k[0], -k[1])):
        m = found[key]
        if out and m.start() < out[-1].end():
            continue
        out.append(m)
    return out


def anchors(text: str, start: int, end: int, reply: date, figures: list[tuple[int, int]]) -> list[Anchor]:
    """The anchors of one sentence, events' dates left out.

    A date is an event's ("commenced operation in 2023") when an event verb
    stands before it in the same clause with no figure in between.
    """
    out: list[Anchor] = []
    for m in _candidates(text, start, end):
        value = _read(m, reply)
        if value is None:
            continue
        clause_start = max(start, m.start() - 100)
        ev = _EVENT.search(text, clause_start, m.start())
        if ev and not any(ev.start() < a < m.start() for a, _ in figures):
            continue
        out.append(Anchor(m.start(), m.end(), value))
    return out


def nearest(anchors_: list[Anchor], a: int, b: int) -> Anchor | None:
    """The anchor nearest the figure at `a:b`."""
    best, dist = None, None
    for an in anchors_:
        d = a - an.end if an.end <= a else (an.start - b if an.start >= b else 0)
        if dist is None or d < dist:
            best, dist = an, d
    return best
