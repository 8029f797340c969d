"""Figures in a parsed reply, each with value, qualifier, unit, subject and as_of.

The stage reads sentence by sentence; within a sentence it finds numbers
(`numbers`), reads each one's hedge and counted noun, pairs ranges, then dates
(`asof`) and attributes (`subjects`) the figures. Carry-overs between
sentences — an `of them`, a continuing `Among them`, a subject named in the
previous sentence — are the only state kept across sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from etl.extract import asof, numbers, subjects, tables, units, zh
from etl.extract.emit import emit
from etl.extract.guard import guarded
from etl.extract.sentences import Sentence, split
from etl.extract.vocab import Vocab, vocab
from etl.parse import Reply
from etl.text import collapse
from etl.vocab import language
from schemas.figure import CURRENCIES, Figure

_OF_THESE = re.compile(r"(?:Of|Among|Amongst)\s+(?:these|those|the)\s+([a-z][\w\- ]{1,50}?s),\s", re.I)
# "increase the number to no fewer than 180", "The figure for 2026 was 1 315": the count
# stated before, again.
_THE_NUMBER = guarded(
    r"\bthe\s+(?:number|figure|total)(?=\s*[,.]|\s+(?:for|in|to|was|were|is|are|will|would|has|had|rose|"
    r"reached|stood|increased|grew|fell|dropped|went|at|by|then|now)\b)",
    re.I,
)


def _last_count(drafts: list[_Draft]) -> str | None:
    """The unit of the last of `drafts` that counts something (no share, no sum of money)."""
    return next((x.unit for x in reversed(drafts) if x.unit and x.unit not in _NOT_COUNTS), None)


def _said_again(text: str, start: int, at: int, prev: list[_Draft]) -> str | None:
    return _last_count(prev) if _THE_NUMBER.search(text, start, at) else None


# "One of them ..., and the other two ...", "The remaining 12 ...": more of what was counted.
_THE_OTHER = guarded(r"\b(?:the\s+other|the\s+remaining|another)\s+$", re.I)


def _the_others(text: str, start: int, at: int, before: list[_Draft], prev: list[_Draft]) -> str | None:
    return _last_count([*prev, *before]) if _THE_OTHER.search(text, max(start, at - 16), at) else None


_BETWEEN = guarded(r"\bbetween\s+$", re.I)
_FROM = guarded(r"\bfrom\s+$", re.I)
# "ranges from 10 to 15", "varying from ...": the span between two ends, not a change from one to the other.
_SPAN_FROM = guarded(r"\b(?:rang(?:e|es|ed|ing)|var(?:y|ies|ied|ying))\s+from\s+$", re.I)
_RANGE = re.compile(r"\s*(to|-|–|—|and)\s*$")


# Units a bare count never takes from a figure before it: a share, a sum of money.
_NOT_COUNTS = frozenset({"percent", *CURRENCIES})


@dataclass
class _Draft:
    n: numbers.Number
    start: int
    end: int
    qualifier: str
    unit: str | None
    backref: bool = False
    subject: str | None = None
    as_of: str | None = None
    hedged: bool = False
    clause: str | None = None  # a table cell's header and row label stand in for its clause


def _hedge(text: str, n: numbers.Number, s: Sentence, v: Vocab) -> tuple[str, int, bool]:
    w0 = max(s.start, n.start - 40)
    window = text[w0 : n.start]
    m = v.hedge_before.search(window)
    if m and not v.not_hedge.search(window):
        return v.hedge_before_kind[" ".join(m.group(1).lower().split())], w0 + m.start(1), True
    return "exact", n.start, False


_AGED = re.compile(r"\b(?:aged|age\s+of|ages\s+of)\s+$", re.I)


def _draft(text: str, n: numbers.Number, raw: str, s: Sentence, v: Vocab) -> _Draft | None:
    qualifier, start, hedged = _hedge(text, n, s, v)
    pos = n.end
    after = v.hedge_after.match(text[pos : pos + 16])
    if after:
        qualifier, hedged = v.hedge_after_kind[after.group(1).lower()], True
        pos += after.end()
    d = _Draft(n, start, pos, qualifier, None, hedged=hedged)
    if n.currency:
        d.unit = n.currency
    elif n.kind == "times":
        d.unit = "time"
    ref_end = units.backref(text, pos, v)
    if ref_end:
        d.backref, d.end = True, ref_end
        if n.percent:
            d.unit = "percent"
    elif n.percent:
        d.unit = "percent"
    elif d.unit is None and _AGED.search(text, max(s.start, start - 12), start):
        d.unit = "year"  # "aged 65 or above": an age, in years
    elif d.unit is None:
        np = units.noun_phrase(text, units.skip_of(text, pos), s.end, v)
        d.unit, d.end = np.unit, max(np.end, pos)
        late = v.hedge_after.match(text[d.end : d.end + 16]) if np.unit and not after else None
        if late:  # "5 working days or below": the hedge follows the noun
            d.qualifier, d.hedged = v.hedge_after_kind[late.group(1).lower()], True
            d.end += late.end()
    if numbers.is_year(n, raw) and not (d.unit and (d.unit in v.single_units or d.unit in v.multi_units)):
        return None
    if (
        d.unit in v.durations
        and qualifier == "over"
        and text[start : start + 4].lower() == "over"  # "more than four years" is a hedge wherever it stands
        and not v.over_is_hedge.search(text[max(s.start, start - 12) : start])
    ):
        d.qualifier = "exact"  # "over four years" means during them
    return d


def _pair_ranges(text: str, drafts: list[_Draft], s: Sentence) -> None:
    for a, b in zip(drafts, drafts[1:], strict=False):
        between = text[a.n.end : b.start]
        m = _RANGE.fullmatch(between) if len(between) < 8 else None
        if not m:
            continue
        word = m.group(1)
        before = text[max(s.start, a.start - 12) : a.start]
        if word == "and" and not _BETWEEN.search(before):
            continue
        if _BETWEEN.search(before):
            a.start = a.start - len(before) + before.lower().rfind("between")
        if a.unit and b.unit and a.unit != b.unit:
            continue  # "committed US$820 million to 24 enterprises": two things, not two ends of one
        if (
            word == "to"
            and _FROM.search(before)
            and not _SPAN_FROM.search(text[max(s.start, a.start - 24) : a.start])
        ):
            if a.unit is None:  # a change: each end keeps its own hedge
                a.unit = b.unit
            continue
        a.qualifier, b.qualifier = "at_least", "up_to"
        if a.n.scale == 1 and b.n.scale != 1 and a.n.kind in ("digits", "word"):
            a.n.value *= b.n.scale
        if b.n.currency and not a.n.currency:
            a.unit = b.n.currency
        elif a.n.currency and not b.n.currency:
            b.unit = a.n.currency
        if b.n.percent and not a.n.percent:
            a.unit = "percent"
        if a.unit is None or a.end == a.n.end:
            a.unit = a.unit or b.unit
        a.end = a.n.end


def _label_as_of(text: str, a: int, b: int, reply: date, v: Vocab) -> str | None:
    """A row label that is a date and nothing else ("Third quarter of 2025"): its period."""
    found = asof.anchors(text, a, b, reply, [], v)
    if len(found) != 1:
        return None
    rest = text[a : found[0].start] + text[found[0].end : b]
    return None if any(c.isdigit() for c in rest) else found[0].value


def _table_row(text: str, s: Sentence, v: Vocab, reply: date) -> list[_Draft]:
    """A table row's figures: the header gives unit and scale, the row's year or period its as_of.

    Each cell is masked on its own, like a sentence, so a date, a telephone
    number or an item number in a cell is no figure.
    """
    assert s.row is not None
    first = text[s.row.cells[0][0] : s.row.cells[0][1]]
    as_of = tables.row_as_of(first)
    if as_of is None and any(c.isdigit() for c in first):
        as_of = _label_as_of(text, *s.row.cells[0], reply, v)
    drafts = []
    for k, (a, b) in enumerate(s.row.cells):
        if k == 0 and (as_of or not any(c.isdigit() for c in first)):
            continue  # the row's label: its year, or a name
        col = tables.column(s.row.header[k] if k < len(s.row.header) else "", v)
        spans = numbers.masks(text, v, a, b)
        for n, _raw in numbers.candidates(text, a, b, v, spans, [x for x, _ in spans]):
            qualifier, start, hedged = _hedge(text, n, s, v)
            if n.scale == 1 and col.scale != 1:
                n.value *= col.scale
            unit = n.currency or col.currency or ("percent" if (n.percent or col.percent) else None)
            if unit is None:
                np = units.noun_phrase(col.header, 0, len(col.header), v)
                unit = np.unit or "count"
            drafts.append(
                _Draft(
                    n,
                    start,
                    n.end,
                    qualifier,
                    unit,
                    as_of=as_of or reply.isoformat(),
                    hedged=hedged,
                    clause=f"{collapse(col.header)} {collapse(first)}",
                )
            )
    return drafts


def extract(doc: Reply) -> list[Figure]:
    """Every figure of the question and reply parts, in document order."""
    if doc.lang == "zh":
        return zh.extract(doc)  # the same record, read with Chinese grammar and vocabulary
    v = vocab(language(doc.lang))
    text = doc.text
    spans = numbers.masks(text, v)
    starts = [a for a, _ in spans]
    abbr = subjects.abbreviations(text, v)
    subjects.former_names(text, v, abbr)
    defined = set(abbr)  # a short name the reply defines ("(the Fund)") keeps its meaning throughout
    classes = units.class_abbreviations(text, v)  # "27 CIOs" counts operators
    out: list[Figure] = []
    prev: list[_Draft] = []
    prev_anchor: str | None = None
    carry: str | None = None
    paragraph = -1
    for s in split(doc, v):
        if s.part is None:
            continue
        if s.paragraph != paragraph:
            paragraph, carry = s.paragraph, None
        if s.row is not None:
            drafts = _table_row(text, s, v, doc.date)
            emit(out, doc, s, drafts, collapse(text[s.start : s.end]))
            prev = drafts or prev
            continue
        drafts = [
            d
            for n, raw in numbers.candidates(text, s.start, s.end, v, spans, starts)
            if (d := _draft(text, n, raw, s, v)) is not None
        ]
        _pair_ranges(text, drafts, s)
        continues = bool(v.continues.match(text, s.start, s.end))
        # "Of these contracts, 37 ...", "Among these activities, 318 ...": what the bare counts are.
        lead = _OF_THESE.match(text, s.start, s.end) if continues else None
        lead_unit = units.noun_phrase(text, lead.start(1), lead.end(1), v).unit if lead else None
        # Units still missing: an "of them", a noun before, a "number of", the figure before.
        for k, d in enumerate(drafts):
            # A count refers to a count, not to a share or a sum stated before it ("some 63 per
            # cent of all documents. Of these e-filed documents, nearly 90 000 ...").
            share = d.unit == "percent" or d.backref
            counted = [x for x in drafts[:k] if not x.backref and (share or x.unit not in _NOT_COUNTS)]
            referent = counted[-1] if counted else None
            if referent is None and (d.backref or continues) and prev:
                referent = next((x for x in reversed(prev) if share or x.unit not in _NOT_COUNTS), prev[-1])
            if d.backref and referent:
                d.subject = referent.subject
                d.unit = d.unit or referent.unit
            if d.unit is None:
                d.unit = (
                    units.unit_before(text, d.start, s.start, v)
                    or units.number_of(text, s.start, d.start, v)
                    or (lead_unit if lead and lead.end() <= d.start else None)
                    or (referent.unit if referent else None)
                    or _said_again(text, s.start, d.start, prev)
                    or _the_others(text, s.start, d.start, drafts[:k], prev)
                    or "count"
                )
            if d.unit in classes:
                d.unit = classes[d.unit]
        # Dates.
        found = asof.anchors(text, s.start, s.end, doc.date, [(d.start, d.end) for d in drafts], v)
        same = continues or bool(v.same_time.search(text, s.start, s.end))
        inherited = prev_anchor if same and not found else None
        for d in drafts:
            an = asof.nearest(found, d.start, d.end)
            d.as_of = an.value if an else (inherited or doc.date.isoformat())
        if found:
            prev_anchor = drafts[-1].as_of if drafts else found[-1].value
        elif inherited is None:
            prev_anchor = None
        # Subjects.
        ms = subjects.mentions(text, s.start, s.end, v, abbr)
        for k, d in enumerate(drafts):
            if d.backref and d.subject:
                continue
            if continues and not ms and prev and k == 0:
                d.subject = prev[-1].subject
                continue
            d.subject = (
                subjects.choose(ms, d.start, d.end, s.start)
                or (drafts[k - 1].subject if d.backref and k else None)
                or carry
            )
            if carry and subjects.is_place(d.subject, v) and not subjects.is_place(carry, v):
                d.subject = carry  # a programme named just before beats a bare "Hong Kong"
        if drafts:
            carry = drafts[-1].subject or carry
        elif ms:
            carry = ms[-1].name
        subjects.refer_back(abbr, defined, ms, v)
        emit(out, doc, s, drafts, collapse(text[s.start : s.end]))
        if drafts:
            prev = drafts
    return out
