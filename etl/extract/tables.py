"""Tables in replies: a row is read as a sentence, its header gives scale and unit.

Spec: "In a table, a row's year anchors its cells, and a header's scale or
unit (`(HK$ million)`, `as a percentage of GDP`) applies to its cells."
Tables come as markdown pipes in text replies and as tab-separated lines in
the visible text of HTML pages (`etl.text` writes a tab for every cell).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from etl.extract import periods
from etl.extract.vocab import Vocab, alternation

_SEPARATOR = re.compile(r"^[\s|:\-+]*$")
_PERCENT = re.compile(r"%|\bper\s*cent\b|\bpercentage\b", re.I)
_YEAR_CELL = re.compile(rf"^\s*(?:{periods.fy_label('y1', 'y2')}|(?P<year>{periods.YEAR}))\s*$")


@dataclass(frozen=True)
class Row:
    """A data row: the visible spans of its cells and the header cells' text."""

    cells: tuple[tuple[int, int], ...]
    header: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    currency: str | None
    scale: float
    percent: bool
    header: str


def _cells(text: str, a: int, b: int, pipes: bool) -> list[tuple[int, int]]:
    sep = "|" if pipes else "\t"
    out = []
    start = a
    for i in range(a, b + 1):
        if i == b or text[i] == sep:
            s, e = start, i
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            out.append((s, e))
            start = i + 1
    if pipes:  # "| a | b |": the outer pipes leave empty cells at both ends
        if out and out[0][0] == out[0][1]:
            out = out[1:]
        if out and out[-1][0] == out[-1][1]:
            out = out[:-1]
    elif out and out[0][0] == out[0][1]:
        out = out[1:]
    return out


def rows(text: str, a: int, b: int) -> list[Row] | None:
    """The data rows of the paragraph `text[a:b]` if it is a table, else None."""
    lines = []
    pos = a
    for line in text[a:b].split("\n"):
        if line.strip():
            lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    if len(lines) < 2:
        return None
    pipes = all(text[s:e].lstrip().startswith("|") for s, e in lines)
    tabs = all("\t" in text[s:e] for s, e in lines)
    if not (pipes or tabs):
        return None
    header = tuple(text[s:e] for s, e in _cells(text, *lines[0], pipes))
    out = []
    for s, e in lines[1:]:
        if _SEPARATOR.match(text[s:e]):
            continue
        out.append(Row(tuple(_cells(text, s, e, pipes)), header))
    return out


@cache
def _money(v: Vocab) -> re.Pattern[str]:
    """`(HK$ million)`: a currency and an optional scale word in parentheses."""
    scale = alternation(list(v.scales))
    return re.compile(rf"\(\s*({v.currency})\s*({scale})?\s*\)", re.I)


# "('000)", "(HK$'000)": the cells count thousands, a common header in government tables.
_THOUSANDS = re.compile(r"['’‘]000s?\s*\)")


@cache
def _money_thousands(v: Vocab) -> re.Pattern[str]:
    """`(HK$'000)`: a currency counted in thousands."""
    return re.compile(rf"\(\s*({v.currency})\s*['’‘]000s?\s*\)", re.I)


def column(header: str, v: Vocab) -> Column:
    """What a header says of its cells: currency and scale, or percent."""
    m = _money(v).search(header)
    base = 1000.0 if _THOUSANDS.search(header) else 1.0  # "('000)"
    if m:
        scale = v.scales.get((m.group(2) or "").lower(), base)
        return Column(v.currencies.get(m.group(1).upper(), "HKD"), scale, False, header)
    money = _money_thousands(v).search(header)
    if money:
        return Column(v.currencies.get(money.group(1).upper(), "HKD"), base, False, header)
    word = _scale_only(v).search(header)  # "Documents lodged (million)"
    scale = v.scales.get(word.group(1).lower(), base) if word else base
    return Column(None, scale, bool(_PERCENT.search(header)), header)


@cache
def _scale_only(v: Vocab) -> re.Pattern[str]:
    """`(million)`, `(thousand)`: the cells count in that many."""
    return re.compile(rf"\(\s*({alternation(list(v.scales))})\s*\)", re.I)


def row_as_of(cell: str) -> str | None:
    """A row's year or financial year as an interval."""
    m = _YEAR_CELL.match(cell)
    if not m:
        return None
    if m["year"]:
        return periods.calendar_year(int(m["year"]))
    y1 = int(m["y1"])
    return periods.financial_years(y1) if periods.follows(y1, m["y2"]) else None
