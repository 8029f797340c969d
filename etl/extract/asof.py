"""When a figure holds: the anchors of a sentence, read into ISO dates and intervals.

Rules: shared/spec/figures.md ("Time: as_of") and docs/extraction.md.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from etl.extract import periods
from etl.extract.guard import guarded
from etl.extract.vocab import Vocab, alternation

_Y = periods.YEAR


def _dated(v: Vocab) -> list[str]:
    """Anchors that hold a year, as patterns."""
    pos = alternation(list(v.positions))
    pre = alternation(list(v.prepositions))
    which = alternation(list(v.this_year) + list(v.last_year))
    return [
        # Financial years, one or several: "2024-25", "the 2023-24 financial year".
        rf"(?P<fy>(?:(?:the|in|for|during)\s+)?{periods.fy_label('fy1', 'fy2')}"
        rf"(?:\s+(?:and|to)\s+{periods.fy_label('fy3', 'fy4')})?"
        r"(?:\s+financial\s+years?)?)(?!\s?[-–/]?\d)",
        # Quarters and halves: "the third quarter of 2024", "the first half of 2025".
        rf"(?P<qh>(?:in\s+|during\s+|by\s+)?(?:the\s+)?(?P<ord>{alternation(list(v.ordinals))})"
        rf"\s+(?P<qhk>quarter|half)\s+(?:of\s+)?(?P<qhy>{_Y}))",
        # ... of this or last year: "the first half of this year", "the third quarter of last year".
        rf"(?P<qhr>(?:in\s+|during\s+|by\s+)?(?:the\s+)?(?P<rord>{alternation(list(v.ordinals))})"
        rf"\s+(?P<rqhk>quarter|half)\s+of\s+(?P<qhw>{which})\s+year)\b",
        # A part of this or last year: "as at the end of last year", "by mid-this year".
        rf"(?P<prel>(?:(?P<ppre>{pre})\s+)?(?P<ppos>{pos})[-\s]+(?:of\s+)?(?P<pwhich>{which})\s+year)\b",
        # Months: "as of December 2024", "mid-May 2025", "in January 2021".
        rf"(?P<mon>(?:(?P<pre>{pre})\s+)?(?:(?P<pos>{pos})[-\s]+)?(?P<month>{v.month_pattern})\.?\s+"
        rf"(?P<my>{_Y}))\b",
        # Months of this or last year: "as at the end of May this year", "by end-October last year".
        rf"(?P<mrel>(?:(?P<rpre>{pre})\s+)?(?:(?P<rpos>{pos})[-\s]+)?(?P<rmonth>{v.month_pattern})\.?\s+"
        rf"(?:of\s+)?(?P<rwhich>{alternation(list(v.this_year) + list(v.last_year))})\s+year)\b",
        # Years: "by 2027", "end-2023", "in 2023", "since 2019".
        rf"(?P<yr>(?:(?P<ypre>{pre})\s+)?(?:(?P<ypos>{pos})[-\s]+)?"
        rf"(?P<year>{_Y}))\b(?!\s?[-–/]\s?\d)",
    ]


def _words(v: Vocab) -> list[str]:
    """Anchors in words: "currently", "last year", "this financial year"."""
    return [
        rf"(?P<now>\b(?:{alternation(list(v.now))})\b)",
        rf"(?P<last>\b(?:{alternation(list(v.last_year))})\s+(?P<lastk>financial\s+)?year\b)",
        rf"(?P<this>\b(?:{alternation(list(v.this_year))})\s+(?P<thisk>financial\s+)?year\b)",
    ]


@cache
def _anchors(v: Vocab) -> re.Pattern[str]:
    return guarded("|".join(_dated(v) + _words(v)), re.I)


# Anchors with a year are only looked for around a year: the full pattern is
# costly to try at every character, a four-digit year is cheap to find.
_YEAR = guarded(rf"(?<!\d){_Y}(?!\d)")
_LOOKBACK = 48


@cache
def _hint(v: Vocab) -> re.Pattern[str]:
    """The last word of every anchor in words: cheap to find, and the anchor ends there."""
    last = {p.split()[-1] for p in v.now} | {"year"}
    return re.compile(r"\b(?:" + alternation(sorted(last)) + r")\b", re.I)


@cache
def _hint_words(v: Vocab) -> tuple[str, ...]:
    return tuple(sorted({p.split()[-1].lower() for p in v.now} | {"year"}))


def _may_hint(segment: str, v: Vocab) -> bool:
    """Whether `_hint` may match in `segment`: an ASCII text without any hint word has none.

    Outside ASCII, IGNORECASE matches letters that `lower` does not give (the long s
    for s), so such a text is always scanned."""
    if not segment.isascii():
        return True
    low = segment.lower()
    return any(w in low for w in _hint_words(v))


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    value: str


def _last_day(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _kind(kinds: dict[str, str], word: str | None) -> str | None:
    return kinds[" ".join(word.lower().split())] if word else None


def _read(m: re.Match[str], g: dict[str, str | None], reply: date, v: Vocab) -> str | None:
    """The anchor `m` (its groups `g`) as an ISO date or interval; None if it dates nothing."""
    if g["fy"]:
        tail = m.string[m.end() : m.end() + 30]
        y1 = int(g["fy1"])
        if not periods.follows(y1, g["fy2"]):
            return None
        head = m.string[max(0, m.start() - 24) : m.start()]
        school = re.match(r"\s+school\s+years?\b", tail, re.I) or re.search(
            r"school\s+year\s*[(（]\s*$", head, re.I
        )
        if school:  # "the 2024/25 school year", "the last school year (2024/25)": 1 September to 31 August
            return f"{y1}-09-01/{(int(g['fy3']) if g['fy3'] else y1) + 1}-08-31"
        if re.match(r"\s+[A-Z]", tail) or re.match(r"\s+(?:budget|policy\s+address)", tail, re.I):
            return None  # "the 2025-26 Budget" is a title
        return periods.financial_years(y1, int(g["fy3"]) if g["fy3"] else None)
    if g["mrel"]:
        which = " ".join(g["rwhich"].lower().split())
        y = reply.year - 1 if which in {w.lower() for w in v.last_year} else reply.year
        mo = v.months[g["rmonth"].lower().rstrip(".")]
        pos = _kind(v.positions, g["rpos"])
        if pos == "middle":
            return date(y, mo, 15).isoformat()
        if pos == "start":
            return date(y, mo, 10).isoformat()
        return _last_day(y, mo).isoformat()
    if g["qhr"] or g["prel"]:
        which = " ".join((g["qhw"] or g["pwhich"]).lower().split())
        y = reply.year - 1 if which in {w.lower() for w in v.last_year} else reply.year
        if g["prel"]:
            return {"middle": f"{y}-06-30", "start": f"{y}-03-31"}.get(
                _kind(v.positions, g["ppos"]), f"{y}-12-31"
            )
        k = v.ordinals[g["rord"].lower()]
        if g["rqhk"].lower() == "quarter":
            first = 3 * (k - 1) + 1
            return f"{date(y, first, 1)}/{_last_day(y, first + 2)}"
        if k > 2:
            return None
        return f"{y}-01-01/{y}-06-30" if k == 1 else f"{y}-07-01/{y}-12-31"
    if g["qh"]:
        y, k = int(g["qhy"]), v.ordinals[g["ord"].lower()]
        if g["qhk"].lower() == "quarter":
            first = 3 * (k - 1) + 1
            return f"{date(y, first, 1)}/{_last_day(y, first + 2)}"
        if k > 2:
            return None
        return f"{y}-01-01/{y}-06-30" if k == 1 else f"{y}-07-01/{y}-12-31"
    if g["mon"]:
        if _kind(v.prepositions, g["pre"]) == "since":
            return reply.isoformat()
        y, mo = int(g["my"]), v.months[g["month"].lower().rstrip(".")]
        pos = _kind(v.positions, g["pos"])
        if pos == "middle":
            return date(y, mo, 15).isoformat()
        if pos == "start":
            return date(y, mo, 10).isoformat()
        return _last_day(y, mo).isoformat()
    if g["yr"]:
        pre, pos = _kind(v.prepositions, g["ypre"]), _kind(v.positions, g["ypos"])
        y = int(g["year"])
        if pre == "since" and not pos:
            return reply.isoformat()
        if pos == "middle":
            return f"{y}-06-30"
        if pos == "start":
            return f"{y}-03-31"
        if pos == "end":
            return f"{y}-12-31"
        if pre == "until":
            return f"{y}-12-31"
        if pre == "during":
            return periods.calendar_year(y)
        return None  # a bare year dates nothing by itself
    if g["now"]:
        return reply.isoformat()
    if g["last"]:
        if g["lastk"]:
            y = reply.year - 1 if reply.month >= 4 else reply.year - 2
            return periods.financial_years(y)
        return periods.calendar_year(reply.year - 1)
    if g["this"]:
        if g["thisk"]:
            return periods.financial_years(reply.year if reply.month >= 4 else reply.year - 1)
        return periods.calendar_year(reply.year)
    return None


def _candidates(text: str, start: int, end: int, v: Vocab) -> list[re.Match[str]]:
    """Anchor matches in `text[start:end]`, tried only near a year or a hint word."""
    found: dict[tuple[int, int], re.Match[str]] = {}
    windows = [(max(start, y.start() - _LOOKBACK), y.end()) for y in _YEAR.finditer(text, start, end)]
    if _may_hint(text[start:end], v):
        windows += [(max(start, h.start() - 40), h.end()) for h in _hint(v).finditer(text, start, end)]
    for a, b in windows:
        for m in _anchors(v).finditer(text, a, min(end, b + 24)):
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


def anchors(
    text: str, start: int, end: int, reply: date, figures: list[tuple[int, int]], v: Vocab
) -> list[Anchor]:
    """The anchors of one sentence, events' dates left out.

    A date is an event's ("commenced operation in 2023") when an event verb
    stands before it in the same clause with no figure in between.
    """
    out: list[Anchor] = []
    for m in _candidates(text, start, end, v):
        g = m.groupdict()  # forty-odd groups: built once an anchor, not once a question
        value = _read(m, g, reply, v)
        if value is None:
            continue
        clause_start = max(start, m.start() - 100)
        ev = v.events.search(text, clause_start, m.start())
        while ev:  # the event word nearest the date: "approved 4 800 ... since its launch in 2018"
            later = v.events.search(text, ev.start() + 1, m.start())
            if later is None:
                break
            ev = later
        deadline = _kind(v.prepositions, g["ypre"] or g["pre"]) == "until"
        if ev and not deadline and not any(ev.start() < a < m.start() for a, _ in figures):
            continue  # an event's date; "set up … by 2027" is a deadline, not an event
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
