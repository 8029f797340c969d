"""The series a figure belongs to (shared/spec/series.md), computed from its facets.

A series is one line on one chart: the same quantity of the same thing in the
same scope, in the same kind of unit, on the same stock / flow / cumulative
basis, targets apart from actuals. Each of those is a facet read from the
figure itself (subject, unit, qualifier, as_of) and the clause around it; the
id is the facets written down, so the same figure restated in another reply,
in other words or another language, gets the same id without anyone curating
it. Word lists are data (`data/series.toml`).
"""

from __future__ import annotations

import html
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from etl import settings
from etl.extract import subjects
from etl.extract.vocab import vocab as extract_vocab
from schemas.figure import CURRENCIES, Figure

_CJK = re.compile(r"[\u3400-\u9fff]")
_SINCE = re.compile(r"\bsince\s+(?:\w+\s+)?(\d{4})\b|自\s*(\d{4})\s*年")
_WORD = re.compile(r"[a-z][a-z-]{3,}")
_STOP = frozenset(
    [
        "this",
        "that",
        "these",
        "those",
        "with",
        "from",
        "into",
        "their",
        "there",
        "which",
        "have",
        "been",
        "were",
        "will",
        "would",
        "under",
        "over",
        "about",
        "more",
        "than",
        "less",
        "also",
        "such",
        "each",
        "other",
        "total",
        "some",
        "them",
        "they",
        "what",
        "when",
        "where",
        "while",
        "than",
        "among",
        "about",
        "approximately",
        "around",
        "nearly",
        "over",
        "under",
        "least",
        "most",
        "almost",
        "exceeding",
        "within",
        "below",
        "above",
    ]
)


@dataclass(frozen=True)
class Facets:
    scope: str
    measure: str
    subpopulations: tuple[str, ...]
    kind: str  # count, duration, pct, or a currency code in lower case
    basis: str  # "" for a level at a date; per_fy, per_cy, per_q, per_h, per_sy, per_nfy, cumulative…
    parameter: str  # "", cap, average
    target: bool
    additional: bool

    def id(self) -> str:
        scope, measure = in_english(self.scope, self.measure)  # Chinese figures: see the end
        parts = [slug(scope), slug(measure), *self.subpopulations]
        if self.parameter:
            parts.append(self.parameter)
        if self.kind not in ("count", "duration"):
            parts.append(self.kind)
        if self.basis:
            parts.append(self.basis)
        if self.additional:
            parts.append("additional")
        if self.target:
            parts.append("target")
        return ".".join(p for p in parts if p)


@dataclass(frozen=True)
class Vocab:
    scopes: dict[str, str]
    measures: dict[str, str]
    durations: frozenset[str]
    subpopulations: dict[str, str]
    subpopulation_cues: tuple[str, ...]  # the keys of `subpopulations`, asked all at once
    money_roles: tuple[str, ...]
    share_roles: tuple[str, ...]
    target_cues: tuple[str, ...]
    additional_cues: tuple[str, ...]
    cumulative_cues: tuple[str, ...]
    cap_cues: tuple[str, ...]
    cap_words: tuple[str, ...]
    change_cues: tuple[str, ...]
    average_cues: tuple[str, ...]
    quota_cues: tuple[str, ...]
    combined_cues: tuple[str, ...]
    territory_measures: tuple[str, ...]
    government_actors: tuple[str, ...]
    generic_modifiers: frozenset[str]
    np_function_words: frozenset[str]


@cache
def vocab(path: Path | None = None) -> Vocab:
    with (path or settings.DATA_DIR / "series.toml").open("rb") as f:
        d = tomllib.load(f)
    return Vocab(
        scopes=d["scopes"],
        measures=d["measures"],
        durations=frozenset(d["durations"]),
        subpopulations=d["subpopulations"],
        subpopulation_cues=tuple(d["subpopulations"]),
        money_roles=tuple(d["money_roles"]),
        share_roles=tuple(d["share_roles"]),
        target_cues=tuple(d["target_cues"]),
        additional_cues=tuple(d["additional_cues"]),
        cumulative_cues=tuple(d["cumulative_cues"]),
        cap_cues=tuple(d["cap_cues"]),
        cap_words=tuple(d["cap_words"]),
        change_cues=tuple(d["change_cues"]),
        average_cues=tuple(d["average_cues"]),
        quota_cues=tuple(d["quota_cues"]),
        combined_cues=tuple(d["combined_cues"]),
        territory_measures=tuple(d["territory_measures"]),
        government_actors=tuple(d["government_actors"]),
        generic_modifiers=frozenset(d["generic_modifiers"]),
        np_function_words=frozenset(d["predicate_stop"]),
    )


@lru_cache(maxsize=16384)
def slug(text: str) -> str:
    """A readable id part: lower case, words joined by `_`; Chinese kept as written.
    Remembered: a reply's scopes and measures repeat across its figures, and every
    figure's id is made of them (a tenth of the series stage's time)."""
    text = text.strip().lower()
    text = re.sub(r"[^\w\u3400-\u9fff/]+", "_", text)
    return text.strip("_").replace("/", "_")


def _whole(cue: str) -> str:
    r"""An English cue as whole words: `(?<![\w-])cue(?![\w-])`, with the look behind moved past
    the cue's first character (`c(?<![\w-].)ue`: the character before that one). A pattern
    whose every branch starts with a plain character lets the regex engine skip, in C, to the
    places one of those characters stands, where a leading look behind had it try at every
    place of the text: a third of the series stage's time (`tests/etl/test_series_cues.py`)."""
    return rf"{re.escape(cue[0])}(?<![\w-].){re.escape(cue[1:])}(?![\w-])"


@cache
def _cues(cues: tuple[str, ...]) -> tuple[tuple[str, ...], re.Pattern[str] | None]:
    """One pattern for a list of cues: an English cue as whole words, a Chinese one anywhere;
    with the strings the pattern matches literally, shortest first. Built once per list;
    asking cue by cue compiled a pattern per cue per figure."""
    latin = sorted((c.strip() for c in cues if not _CJK.search(c) and c.strip()), key=len, reverse=True)
    chinese = [c for c in cues if _CJK.search(c)]
    parts = [_whole(c) for c in latin] + [re.escape(c) for c in chinese]
    needles = tuple(sorted({*latin, *chinese}, key=len))
    return needles, (re.compile("|".join(parts)) if parts else None)


def _has(text: str, cue: str) -> bool:
    # A cue that is not even a substring is no whole word of the text: asked role by role
    # ("the cost", "the funding", ...), most cues are not, and `in` says so faster than a search.
    return cue.strip() in text and _any(text, (cue,))


def _any(text: str, cues: tuple[str, ...]) -> bool:
    """Whether any of the cues is in the text (`_has` of each, in one search).

    The pattern only matches where one of its cues stands as written, and most texts hold
    none: `in` over the cues says so in a fraction of a search (a search tries the branches
    at every place one of their first letters stands, and most letters start some cue)."""
    needles, pattern = _cues(cues)
    for needle in needles:
        if needle in text:
            return pattern is not None and pattern.search(text) is not None
    return False


def _since(text: str) -> re.Match[str] | None:
    """`_SINCE` in a lower-case text, searched only where it can match (it starts with a word
    boundary, so the regex engine would try it at every place)."""
    return _SINCE.search(text) if "since" in text or "自" in text else None


def basis(
    as_of: str,
    context: str,
    v: Vocab,
    *,
    stock: bool = False,
    sentence: str = "",
    parameter: str = "",
) -> str:
    """Stock, flow (and over what kind of period) or cumulative, from as_of and the clause.

    A figure dated by a period is a flow over it: "123 projects in 2022-23" counts what
    happened in the year. It stays a level only where it is one by nature (`stock`: a ceiling
    or a duration a scheme sets, or a definite reference back, "the 16 laboratories").
    """
    if parameter:
        return ""  # a ceiling, an average or a quota: a "cumulative funding ceiling" is a ceiling
    if _since(context) or _any(context, v.cumulative_cues):
        return "cumulative"  # a total since a start, whichever start the reply names
    if "/" not in as_of and not stock and _since(sentence):
        return "cumulative"  # "has invested $395m in 42 start-ups since 2017": the start ends the sentence
    if "/" not in as_of or stock:
        return ""
    a, b = (date.fromisoformat(x) for x in as_of.split("/"))
    months = (b.year - a.year) * 12 + b.month - a.month + 1
    if (a.month, a.day, b.month, b.day) == (4, 1, 3, 31):
        return "per_fy" if months == 12 else f"per_{months // 12}fy"
    if (a.month, a.day, b.month, b.day) == (9, 1, 8, 31):
        return "per_sy" if months == 12 else f"per_{months // 12}sy"
    if (a.month, a.day, b.month, b.day) == (1, 1, 12, 31):
        return "per_cy" if months == 12 else f"per_{months // 12}cy"
    if months == 3:
        return "per_q"
    if months == 6:
        return "per_h"
    return f"per_{months}m"


_OF = re.compile(
    r"^\s*of\s+(?:the\s+|all\s+|its\s+|their\s+|these\s+|such\s+)?"
    r"([a-z][a-z/&-]*(?:\s+[a-z][a-z/&-]*){0,3}?)"
    r"(?=\s*(?:[,.;:()]|$|\s(?:is|are|was|were|have|has|had|in|to|by|on|at|from|with|which|that|and|or|of"
    r"|last|this|next|during|since|each|every)\b))"
)


_SHARE_OF = re.compile(r"\b(?:percentage|proportion|share|per\s+cent|%)\s+of\s+(?:the\s+)?([a-z][\w&-]*)")


def _whose(fig: Figure, context: str, lead: str) -> str | None:
    """What a share or an amount is of: "38.6% of mobile subscriptions" -> subscription; a
    table column "GERD as a percentage of GDP" -> gdp."""
    after = context[len(lead) :] if context.startswith(lead) else ""
    m = _OF.match(after)
    if not m and fig.unit == "percent":
        m = _SHARE_OF.search(context)
    if not m:
        return None
    head = m.group(1).split()[-1]
    return head[:-1] if head.endswith("s") and not head.endswith("ss") else head


def _before(fig: Figure) -> str:
    """The figure's sentence up to the figure: its verb and what it measures may come well before."""
    sentence = fig.sentence.lower()
    visible = _visible(fig.text).lower()
    k = sentence.find(visible) if visible else -1
    return sentence[: k + len(visible)] if k >= 0 else ""


def _measure(fig: Figure, context: str, v: Vocab, lead: str = "") -> tuple[str, str]:
    """What is counted, and the kind of unit."""
    unit = fig.unit
    if unit in CURRENCIES:
        role = next((r for r in v.money_roles if _has(lead or context, r)), None)
        role = (
            role
            or _whose(fig, context, lead)
            or next((r for r in v.money_roles if _has(context, r)), "amount")
        )
        return v.measures.get(role, role), unit.lower()
    if unit == "percent":  # what it is a share of, else what share it is ("of the cost", "occupancy")
        role = _whose(fig, context, lead) or next(
            (r for r in v.share_roles if _has(lead or context, r)), None
        )
        role = role or "share"
        return v.measures.get(role, role), "pct"
    if unit in v.durations:
        m = _TIMED.search(
            _before(fig) or lead or context
        )  # "the processing time of licences": what takes the time
        return (m.group(1) + "_time" if m and m.group(1) not in _STOP else "duration"), "duration"
    return v.measures.get(unit, unit), "count"


_TOKEN = re.compile(r"[a-z][a-z0-9&-]*")
_TIMED = re.compile(r"\b([a-z]{4,})\s+(?:time|period|duration)\b")


def _modifiers(phrase: str, unit: str, v: Vocab) -> set[str]:
    """Words between the number and the counted noun that name a sub-population
    ("98 life and health technology projects" -> life, health); generic ones say nothing."""
    if unit in CURRENCIES or unit == "percent" or unit in v.durations:
        return set()
    words = _TOKEN.findall(html.unescape(phrase).lower())
    stem = (unit.split()[-1] if unit else "")[:5]
    heads = [k for k, w in enumerate(words) if stem and w.startswith(stem)]
    if not heads:
        return set()  # no counted noun in the phrase ("more than 280"): nothing between
    out = set()
    for w in words[: heads[-1]]:
        singular = w[:-1] if w.endswith("s") else w
        if w in unit.split() or w in v.generic_modifiers or len(w) < 3:
            continue
        if w in v.measures or singular in v.measures or singular in v.durations:
            continue
        out.add(w.replace("-", "_").replace("&", "and"))
    return out


@lru_cache(maxsize=1024)
def _visible(phrase: str) -> str:
    """A figure's text as its clause shows it: entities read, whitespace collapsed.
    Remembered: a figure's facets ask for it four or five times over."""
    return " ".join(html.unescape(phrase).split())


def _start_in(lead: str, phrase: str) -> int:
    """Where the figure starts in its lead (the clause up to its end), or -1."""
    visible = _visible(phrase)
    return lead.rfind(visible[:8]) if visible else -1


def _lead(context: str, phrase: str) -> str:
    """The clause up to the end of the figure: a target's cue comes before its number ("aims to
    reach 85%"), and a cue after one figure belongs to the next."""
    visible = _visible(phrase)
    k = context.find(visible[:8]) if visible else -1
    return context[: k + len(visible)] if k >= 0 else context


_DEFINITE = re.compile(r"(?:^|\W)(?:the|its|their|these|those|all)\s+$")


def _definite(lead: str, phrase: str) -> bool:
    """The figure refers back to a known set ("the 16 laboratories", "its 30 centres")."""
    k = _start_in(lead, phrase)
    return k > 0 and _DEFINITE.search(lead[:k]) is not None


_SUBSET_BEFORE = re.compile(
    r"\b(?:of|among|amongst)\s+(?:which|whom|them|these|those)\b\W+(?:[\w-]+\W+){0,3}$"
)
_SUBSET_AFTER = re.compile(r"^\s*(?:of|among|amongst)\s+(?:them|these|those|the\s+[\w-]+\s+[a-z][\w-]*)\b")
_PREDICATE = re.compile(
    r"^\W*(?:(?:of|among|amongst)\s+(?:them|these|those|the\s+[^,;.]*?)\s+)?"
    r"(?:were|was|are|is|have\s+been|has\s+been|had\s+been|have|has|had)\s+(?:[a-z]+ly\s+)?([a-z][a-z-]{2,})\b"
)


def _subset(context: str, lead: str, phrase: str, v: Vocab) -> str | None:
    """The part of an earlier figure's whole that a back reference counts: "applications, of which
    about 87 000 were approved" -> approved. None if the figure is no subset, or says not which."""
    k = _start_in(lead, phrase)
    before, after = (lead[:k], context[len(lead) :]) if k >= 0 else ("", "")
    if not (_SUBSET_BEFORE.search(before) or _SUBSET_AFTER.match(after)):
        return None
    m = _PREDICATE.match(after)
    word = m.group(1) if m else ""
    if not word or word in v.generic_modifiers or word in _STOP or word in v.np_function_words:
        return None
    return word.replace("-", "_")


def _combined(fig: Figure, sentence: str, scope: str, v: Vocab, abbr: dict[str, str]) -> str:
    """A figure about two bodies together ("Cyberport and the Science Park together house")
    is a series of its own, never either part's (series.md). `sentence`: the figure's, lower case."""
    if _CJK.search(fig.sentence) or not _any(sentence, v.combined_cues):
        return scope
    ev = extract_vocab()
    names = {
        v.scopes.get(m.name, m.name)
        for m in subjects.mentions(fig.sentence, 0, len(fig.sentence), ev, abbr)
        if not m.place
    }
    return " + ".join(sorted(names)) if len(names) >= 2 else scope


def _own(context: str, lead: str, phrase: str) -> str:
    """The figure's part of its clause: from the last comma before it to the first after it.
    In "over 300 were Web3 companies, some 420 were AI-related companies" the Web3 is the
    300's, not the 420's."""
    k = _start_in(lead, phrase)
    if k < 0:
        return context
    before, after = lead[:k], context[len(lead) :]
    cut = max(before.rfind(","), before.rfind(";"))
    stop = min((i for i in (after.find(","), after.find(";")) if i >= 0), default=len(after))
    return before[cut + 1 :] + lead[k:] + after[:stop]


def _named(fig: Figure, abbr: dict[str, str]) -> bool:
    """The figure's subject is named in its own sentence, not carried from an earlier one."""
    if not fig.subject:
        return False
    if fig.subject in fig.sentence:
        return True
    return any(short in fig.sentence for short, name in abbr.items() if name == fig.subject)


def facets(
    fig: Figure, reply_day: date, default_scope: str | None, abbr: dict[str, str] | None = None
) -> Facets:
    v = vocab()
    sentence = fig.sentence.lower()
    context = (fig.clause or fig.sentence).lower()
    phrase = fig.text.lower()
    scope = v.scopes.get(fig.subject or "", fig.subject) or default_scope or "Hong Kong"
    scope = _combined(fig, sentence, scope, v, abbr or {})
    named = _named(fig, abbr or {})
    if fig.subject is None and _any(sentence, v.government_actors):
        scope = "Government"  # "B/Ds are implementing 210 AI projects" in a reply about one centre
    if _any(context, v.territory_measures) and not named:
        scope = "Hong Kong"  # "the GERD was HK$30.3 billion" in a reply about the ITF
    lead = _lead(context, phrase)
    measure, kind = _measure(fig, context, v, lead)
    own = _own(context, lead, phrase)
    cues = v.subpopulation_cues
    subs = set()
    if _any(phrase, cues) or _any(own, cues):  # most figures name none: one search says so
        subs = {seg for cue, seg in v.subpopulations.items() if _has(phrase, cue) or _has(own, cue)}
    subs |= _modifiers(phrase, fig.unit, v)
    part = _subset(context, lead, phrase, v)
    if part and not subs:  # "of which 40 are engaged in Web3": Web3 already says which part
        subs.add(part)
    subs = sorted(subs)
    start = date.fromisoformat(fig.as_of.split("/")[0])
    target = start > reply_day or _any(lead, v.target_cues)
    additional = target and _any(lead, v.additional_cues)
    parameter = ""
    if _any(context, v.average_cues):
        parameter = "average"
    elif _any(lead, v.quota_cues):
        parameter = "quota"
    elif _any(lead, v.cap_words) or (
        fig.qualifier == "up_to"
        and kind != "count"
        and _any(phrase, v.cap_cues)
        and not _any(_before(fig), v.change_cues)
    ):
        parameter = "cap"  # a ceiling set, not a level reached ("shortened ... to within 10 days")
    if additional:
        subs = [s for s in subs if s != "new"]
    return Facets(
        scope=scope,
        measure=measure,
        subpopulations=tuple(subs),
        kind=kind,
        basis=basis(
            fig.as_of,
            context,
            v,
            stock=bool(parameter) or kind == "duration" or _definite(lead, phrase),
            sentence=sentence,
            parameter=parameter,
        ),
        parameter=parameter,
        target=target,
        additional=additional,
    )


def label(f: Facets, lang: str) -> str:
    """A human name for the series, in the document's language."""
    if lang == "zh":
        extra = {"target": "（目標）", "cumulative": "（累計）"}
        head = f"{f.scope}：{' '.join(f.subpopulations)}{f.measure}".replace("： ", "：")
        return (
            head
            + (extra["target"] if f.target else "")
            + (extra["cumulative"] if f.basis == "cumulative" else "")
        )
    words = [*f.subpopulations, f.measure.replace("_", " ")]
    if f.parameter:
        words.append(f"({f.parameter})")
    text = " ".join(w.replace("_", " ") for w in words)
    unit = {"pct": "per cent", "duration": ""}.get(f.kind, "" if f.kind == "count" else f.kind.upper())
    out = f"{text}{' (' + unit + ')' if unit else ''}, {f.scope}"
    if f.basis:
        out += {
            "per_fy": ", per financial year",
            "per_cy": ", per calendar year",
            "per_sy": ", per school year",
            "per_q": ", per quarter",
            "per_h": ", per half-year",
            "cumulative": ", cumulative",
        }.get(f.basis, f", {f.basis.replace('_', ' ')}")
    if f.target:
        out += ", target"
    return out


_JOIN = re.compile(
    r"\s*(?:to|and|or|-|–|—|至|到|增至|減至|縮短至|延長至|增加至|上升至|下降至|提升至)(?![a-z])", re.I
)


# The figure before a change, written after the one now: ", up from", ", compared with".
_UP_FROM = re.compile(
    r",\s*(?:up|down|rising|falling|increased|decreased|compared)\s+(?:from|with)\s+(?:about\s+|some\s+)?$",
    re.I,
)


# The date of the first figure of a change, standing before the join: "in 2024 to ...".
_LEADING_DATE = re.compile(
    r"\s*(?:in|at|as\s+at|as\s+of|by)\s+(?:the\s+(?:first|second|third|fourth)\s+(?:quarter|half)\s+of\s+)?"
    r"(?:(?:end|mid)-)?(?:[A-Z][a-z]+\s+)?\d{4}(?:-\d{2})?,?(?=\s)",
    re.I,
)


def _partners(lo: Figure, hi: Figure) -> bool:
    """Both ends of a range or the before and after of a change: one series, told apart by qualifier."""
    if lo.sentence_start != hi.sentence_start or lo.sentence != hi.sentence or lo.start > hi.start:
        return False
    if lo.unit != hi.unit:
        return False
    if (lo.qualifier, hi.qualifier) == ("at_least", "up_to"):
        return True
    clause = hi.clause or ""
    at = clause.find(hi.text)
    if at > 0 and _UP_FROM.search(clause, 0, at):
        return True  # "1 260 counters accept it, up from 870 at end-2023": the before of a change
    lead = _LEADING_DATE.match(clause)  # "from about 30 hours in 2024 to under 12 hours in 2026"
    join = _JOIN.match(clause, lead.end() if lead else 0)
    if not join or join.group(0).strip().lower() in ("and", "or"):
        return False  # "82 B/Ds and 31 organisations": a list, not a range
    return len(clause[join.start() :].split()) < 12


def _distinct_word(fig: Figure, others: list[Figure]) -> str:
    """A word of this figure's clause that the others' clauses lack, to tell two series apart."""
    theirs = set()
    for o in others:
        theirs |= set(_WORD.findall((o.clause or "").lower()))
    for w in _WORD.findall((fig.clause or "").lower()):
        if w not in theirs and w not in _STOP:
            return w
    return _distinct_chinese(fig, others)  # Chinese has no words to split on: see the end


_SUCH = re.compile(r"\bsuch\b|這類|該等")


def _such(found: list[tuple[Figure, Facets]]) -> list[tuple[Figure, Facets]]:
    """ "152 such kiosks": the same kind as the last kiosks the reply counted, so their
    sub-populations ("self-registration kiosks") carry over."""
    out: list[tuple[Figure, Facets]] = []
    for f, fc in found:
        if _SUCH.search(f.text):
            same = (pc for p, pc in reversed(out) if p.unit == f.unit and pc.measure == fc.measure)
            prior = next(same, None)
            if prior is not None:
                fc = replace(fc, scope=prior.scope, subpopulations=prior.subpopulations)
        out.append((f, fc))
    return out


def _abbreviations(figures: list[Figure]) -> dict[str, str]:
    """Short names the reply defines ("the Futian Park"), as far as its figures' sentences show."""
    text = " ".join(dict.fromkeys(f.sentence for f in figures))
    return subjects.abbreviations(text, extract_vocab())


def assign(figures: list[Figure], reply_day: date, lang: str = "en") -> None:
    """Give every figure of one reply its `series` and `series_label`.

    Two figures of one reply with the same facets, the same as_of and different
    values cannot be one series (a line holds one value at a time) unless they
    are a range or a change; the later ones are told apart by a word of their own.
    """
    subjects = Counter(f.subject for f in figures if f.subject and f.part == "reply")
    default = subjects.most_common(1)[0][0] if subjects else None
    abbr = {} if lang == "zh" else _abbreviations(figures)
    found = [(f, facets(f, reply_day, default, abbr)) for f in figures]
    found = _such(found)
    named = {fc: (fc.id(), label(fc, lang)) for fc in dict.fromkeys(fc for _, fc in found)}  # once a facets
    for (a, fa), (b, _) in zip(found, found[1:], strict=False):
        if _partners(a, b):  # the upper end or the after takes the lower end's or the before's series
            b.series, b.series_label = named[fa]
    groups: dict[str, list[Figure]] = defaultdict(list)
    for f, fc in found:
        if f.series is None:
            f.series, f.series_label = named[fc]
        groups[f.series].append(f)
    for key, members in groups.items():
        kept: list[Figure] = []
        for f in members:
            clash = [k for k in kept if k.as_of == f.as_of and k.value != f.value and not _partners(k, f)]
            if clash:
                word = _distinct_word(f, clash) or str(len(kept))
                f.series = f"{key}.{slug(word)}"
                f.series_label = f"{f.series_label} ({word})"
            else:
                kept.append(f)


# -- Chinese figures ---------------------------------------------------------------------------
# A Chinese figure's scope and measure are Chinese words; its id is written in the English
# ones (data/series_zh.toml), so a reply without an English twin lands in the series of the
# English figures it restates. The label keeps the Chinese words.


@dataclass(frozen=True)
class ChineseWords:
    scopes: dict[str, str]
    measures: dict[str, str]
    nouns: tuple[str, ...]  # the measures' Chinese words, longest first


@cache
def chinese_words(path: Path | None = None) -> ChineseWords:
    with (path or settings.DATA_DIR / "series_zh.toml").open("rb") as f:
        d = tomllib.load(f)
    return ChineseWords(
        scopes=d["scopes"],
        measures=d["measures"],
        nouns=tuple(sorted(d["measures"], key=len, reverse=True)),
    )


# What the extractor may leave before a counted noun that says nothing of it: a number with
# its hedge and measure word (`個數據集`, `逾四萬九千個熱點`, `近二千支智慧燈柱`); nothing longer.
_ZH_LEFT_OVER = re.compile(
    r"(?:[^\d\s]{0,3}?[\d零〇○一二兩三四五六七八九十百千萬億,，.\s\u00a0\u2009]+)?"
    r"[個家項名間宗份場部支所位條座次架輛張本批]?"
)


def in_english(scope: str, measure: str) -> tuple[str, str]:
    """A scope and a measure in the words of the English series: a Chinese name by the
    table, a Chinese unit by the longest listed noun it ends with when what comes before
    that noun is a number or a measure word (`_ZH_LEFT_OVER`); a unit with a modifier of its
    own (`快速充電器`, `青年初創企業`) stays as written, a sub-population the English words
    do not name."""
    if not (_CJK.search(scope) or _CJK.search(measure)):
        return scope, measure
    w = chinese_words()
    scope = w.scopes.get(scope, scope)
    if _CJK.search(measure):
        if measure in w.measures:
            return scope, w.measures[measure]
        noun = next((n for n in w.nouns if measure.endswith(n)), None)
        head = measure[: -len(noun)] if noun else ""
        if noun and _ZH_LEFT_OVER.fullmatch(head):
            measure = w.measures[noun]
    return scope, measure


# Runs of Chinese characters with numerals, measure words and particles left out: a tell-apart
# word is taken from what the clause says, not from 個 or 的.
_ZH_RUN = re.compile(
    r"[^\W\d零〇○一二兩三四五六七八九十百千萬億個家項名間宗份場部支所位的了及和與或為有是在於中共約逾近其a-zA-Z_]+"
)


def _distinct_chinese(fig: Figure, others: list[Figure]) -> str:
    """Two characters of this figure's Chinese clause that no other clause holds, to tell two
    Chinese series apart as `_distinct_word` does with an English word (else each later
    figure of a clash would get the same numbered id and be merged again)."""
    theirs = "\0".join(o.clause or "" for o in others)
    for run in _ZH_RUN.findall(fig.clause or ""):
        for k in range(len(run) - 1):
            if run[k : k + 2] not in theirs:
                return run[k : k + 2]
    return ""
