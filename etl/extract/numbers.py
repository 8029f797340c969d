"""Numbers in running text: digits, number words, fractions, scales and currencies.

`candidates` finds every number that could be a figure and drops those the
spec says are not (dates, years, item numbers, names like `5G`, telephone
numbers, clock times, quoted names). What remains is handed to the hedge,
unit and date readers in `etl.extract`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from etl.extract import periods
from etl.extract.guard import guarded
from etl.extract.vocab import Vocab, alternation

SEPARATORS = " ,\u00a0\u2009\u202f□"


# Masks that need a word, with the word: a text without it (in lower case) is not scanned.
# The words have no letter that IGNORECASE matches outside ASCII (as it does the long s with s).
_WORD_MASKS = [
    # "the first half of 2024", "the second half": a period, not a share.
    ("half", re.compile(r"\b(?:first|second|latter|former|1st|2nd)\s+half\b", re.I)),
    # "the three parts of the question": the question's structure, not a quantity.
    ("part", re.compile(r"\b[a-z]+\s+parts?\s+of\s+(?:the|this|your|my)\s+(?:Member's\s+)?question", re.I)),
]


@cache
def _masks(v: Vocab) -> list[re.Pattern[str]]:
    """Patterns of spans that never hold a figure, found once per document."""
    return [
        # Dates: "March 26", "26 March 2025", "December 2024", "mid-May 2025".
        guarded(
            rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{v.month_pattern})\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?"
            rf"(?:,?\s+{periods.YEAR}\b)?"
        ),
        # Financial-year labels: 2024-25, 2024/25, 2024-2025.
        guarded(rf"(?<!\d){periods.FY_LABEL}(?!\d)"),
        # Clock times.
        guarded(r"\b\d{1,2}:\d{2}(?:\s*(?:am|pm|a\.m\.|p\.m\.))?", re.I),
        guarded(r"\b\d{1,2}(?:\.\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?!\w)", re.I),
        # Telephone numbers: eight digits, often as two groups of four.
        guarded(r"(?<!\d)(?<![\d][,.])\d{4}[ \u00a0-]?\d{4}(?!\d)(?![,.]\d)"),
        # Seven-digit service lines: "1878 200" (four digits and three are no thousands grouping).
        guarded(r"(?<![\d,.])(?!19\d\d|20\d\d)\d{4}[ \u00a0]\d{3}(?!\d|[,.]\d)"),
        # Item numbers.
        re.compile(r"\(\d{1,2}\)"),
        # Floors: "12/F".
        guarded(r"\b\d{1,3}/F\b"),
        # Street addresses: "100 Cyberport Road", "213 Queen's Road East".
        guarded(
            r"\b\d{1,4}[A-Z]?(?:(?:\s+[A-Z][a-z]+(?:['’]s)?){1,3}\s+(?:Road|Street|Avenue|Lane|Drive|Path|Terrace|Place|Square)"
            r"|\s+Queensway)\b"
        ),
        # Names and slogans in quotation marks.
        re.compile(r"\"[^\"\n]{1,150}\"|“[^”\n]{1,150}”|‘[^’\n]{1,80}’"),
        # Page furniture.
        re.compile(r"Ends\s*/.*|Issued at HKT.*"),
    ]


# What each of `_masks` cannot match without, in its order (None: not checked). A pattern
# led by a look-behind is tried at every character; one led by a digit skips to the digits,
# so a text without a clock time or a telephone number is not scanned for one.
_MASK_NEEDS = [
    None,
    None,
    re.compile(r"\d:\d"),
    re.compile(r"\d\s*(?:am|pm|a\.m\.|p\.m\.)", re.I),
    re.compile(r"\d{4}[ \u00a0-]?\d{4}"),
    re.compile(r"\d{4}[ \u00a0]\d{3}"),
    None,
    re.compile(r"\d/F"),
    re.compile(r"(?:Road|Street|Avenue|Lane|Drive|Path|Terrace|Queensway|Place|Square)\b"),
    None,
    None,
]
# All of the checks above at once: most replies have none of them.
_ANY_NEED = re.compile(
    r"\d(?::\d|(?-i:/F)|\s*(?:am|pm|a\.m\.|p\.m\.)|\d{3}[ \u00a0-]?\d{4}|\d{3}[ \u00a0]\d{3})"
    r"|(?-i:Road|Street|Avenue|Lane|Drive|Path|Terrace|Queensway|Place|Square)\b",
    re.I,
)


@dataclass
class Number:
    """A number found in the text, before hedges, units and dates are read."""

    start: int  # where the number (or its currency) begins
    end: int  # past the number, scale word and percent sign
    value: float
    currency: str | None = None
    scale: float = 1.0
    percent: bool = False
    kind: str = "digits"  # digits | word | fraction | times


@cache
def _pattern(v: Vocab) -> re.Pattern[str]:
    cur = rf"(?P<cur>{v.currency})\s?"
    digits = r"(?P<num>\d{1,3}(?:[ ,\u00a0\u2009\u202f□]\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)"
    words = r"(?P<word>" + alternation(list(v.words)) + r")"
    fractions = r"(?P<frac>" + alternation(list(v.fractions)) + r")"
    times = r"(?P<times>" + alternation(list(v.times)) + r")"
    big = [s for s in v.scales if len(s) > 2]
    scale = r"(?:\s?(?P<scale>" + alternation(big) + r"|bn|mn)\b|(?P<m>m)\b)"
    pct = r"(?P<pct>\s?%|\s+per\s?cent\b|\s+percent\b)"
    return re.compile(
        rf"(?<![\w.,/$£¥€\\])(?:(?:{cur})?{digits}|\b(?:{fractions}|{times}|{words})\b)"
        rf"(?:{scale})?{pct}?",
        re.I,
    )


@cache
def _any_number(v: Vocab) -> re.Pattern[str]:
    """What every match of `_pattern` holds, lower case: a digit or a number word.

    Led by literals and a class, `re` skips to them instead of trying `_pattern`'s
    look-behind at every character."""
    words = [w.lower() for w in (*v.words, *v.fractions, *v.times)]
    return re.compile(r"\d|" + alternation(words))


def masks(text: str, v: Vocab, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sorted spans of `text[start:end]` where no figure can be.

    A table cell is masked on its own (`start`, `end`): a date pattern may run
    over the tab between a month label and the count in the next cell.
    """
    stop = len(text) if end is None else end
    some = _ANY_NEED.search(text, start, stop) is not None
    spans = [
        m.span()
        for rx, need in zip(_masks(v), _MASK_NEEDS, strict=True)
        if need is None or (some and need.search(text, start, stop))
        for m in rx.finditer(text, start, stop)
    ]
    low = text[start:stop].lower()
    spans += [m.span() for word, rx in _WORD_MASKS if word in low for m in rx.finditer(text, start, stop)]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


_NEXT_WORD = re.compile(r"\s*([A-Za-z.]+)")
_LOWER_NEXT = re.compile(r"\s+[a-z]")
# Words that follow a name, never a count's noun: "the Policy Statement 2.0 on the Development".
_FUNCTION_NEXT = re.compile(r"\s+(?:on|of|in|for|to|and|or|by|with|at|is|was|has|sets|set|will)\b")


def masked(spans: list[tuple[int, int]], starts: list[int], a: int, b: int) -> bool:
    """Whether `a:b` overlaps any masked span."""
    k = bisect.bisect_right(starts, b - 1) - 1
    return k >= 0 and spans[k][1] > a


_NO_SEPARATORS = str.maketrans("", "", SEPARATORS)


def _digits(raw: str) -> float:
    return float(raw.translate(_NO_SEPARATORS))


def _word_before(text: str, i: int) -> str:
    j = i
    while j > 0 and text[j - 1] in " \t\u00a0":
        j -= 1
    k = j
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] in ".&/"):
        k -= 1
    return text[k:j]


def _sentence_start(text: str, i: int) -> bool:
    """Whether position `i` (just before a word) begins a sentence or a line."""
    j = i
    while j > 0 and text[j - 1] in " \t\u00a0":
        j -= 1
    return j == 0 or text[j - 1] in '.?!:\n("“'


def _is_year(n: Number, raw: str) -> bool:
    return (
        n.kind == "digits"
        and raw.isdigit()
        and len(raw) == 4
        and 1900 <= int(raw) <= 2100
        and not n.currency
        and not n.percent
        and n.scale == 1
    )


def candidates(
    text: str, start: int, end: int, v: Vocab, spans: list[tuple[int, int]], starts: list[int]
) -> list[tuple[Number, str]]:
    """Numbers in `text[start:end]` that may be figures, with their raw digits.

    Years come back too (flagged by their raw text) because only the words
    after them tell a year from a count; `is_year` lets the caller decide.
    """
    out: list[tuple[Number, str]] = []
    segment = text[start:end]
    # Outside ASCII, IGNORECASE matches letters that `lower` does not give (the long s for s).
    if segment.isascii() and not _any_number(v).search(segment.lower()):
        return out
    for m in _pattern(v).finditer(text, start, end):
        a, b = m.span()
        k = bisect.bisect_right(starts, b - 1) - 1
        if k >= 0 and spans[k][1] > a:
            continue  # masked
        after = text[b : b + 2]
        glued = after[:1].isalpha() or (after[:1] == "-" and after[1:2].isalpha())
        if glued and not text.startswith("-odd", b):
            continue  # 5G, 3D, 2nd, one-stop, 3-year: a name, an ordinal or an adjective
        before = text[a - 2 : a] if a >= 2 else text[:a]
        if before[-1:] == "-" and before[:1].isalpha():
            continue  # COVID-19, mid-2024
        n = Number(a, b, 0.0)
        raw = ""
        frac, times, word_, num, cur, scale, mega, pct = m.group(
            "frac", "times", "word", "num", "cur", "scale", "m", "pct"
        )
        if frac:
            n.value, n.kind, n.percent = (v.fractions[" ".join(frac.lower().split())], "fraction", True)
        elif times:
            n.value, n.kind = v.times[times.lower()], "times"
        elif word_:
            word = " ".join(word_.lower().split())
            n.value, n.kind = v.words[word], "word"
            prior = _word_before(text, a).lower()
            pronoun = (
                v.one_not_count.match(text, a)
                or prior in v.one_after
                or (v.one_idioms.match(text, a) and prior not in v.one_idiom_counts_after)
            )
            if (word == "one" or word.startswith("one ")) and pronoun:
                continue
        else:
            raw = num
            n.value = _digits(raw)
            if cur:
                n.currency = v.currencies.get(cur.strip(), "HKD")
        if scale:
            n.scale = v.scales[scale.lower()]
        elif mega:
            if not n.currency:
                continue  # "10m" without a currency is a length, not a million
            n.scale = 1e6
        if pct:
            n.percent = True
        n.value *= n.scale
        if n.kind == "digits":
            prev = _word_before(text, n.start)
            if prev.lower() in v.before_words:
                continue
            nxt = _NEXT_WORD.match(text[b : b + 12])
            if nxt and (
                nxt.group(1).lower() in v.after_words or nxt.group(1).lower().rstrip(".") in v.after_words
            ):
                continue
            if n.scale == 1 and not n.percent and not n.currency:
                named = prev[:1].isupper() and prev.lower() not in v.months
                if (
                    named
                    and not _sentence_start(text, n.start - len(prev) - 1)
                    and (not _LOWER_NEXT.match(text[b : b + 3]) or _FUNCTION_NEXT.match(text, b))
                ):
                    # Blueprint 2.0, Services 5 (SOA-QPS5), "the Policy Statement 2.0 on ...": a number
                    # in a name; a count after a name goes on to what it counts.
                    continue
        out.append((n, raw))
    return out


def is_year(n: Number, raw: str) -> bool:
    return _is_year(n, raw)
