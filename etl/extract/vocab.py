"""The extractor's vocabularies: the files of a language (`etl.vocab`) compiled into regexes.

Phrases live in data files so that adding a hedge or a unit is a one-line
change reviewed as data; this module only compiles them, once per process and
language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from etl import settings
from etl.vocab import months, read


def _phrase(p: str) -> str:
    """A phrase as a regex where any run of white space matches any other."""
    return r"\s+".join(re.escape(w) for w in p.split())


def alternation(phrases: list[str]) -> str:
    """One regex for many phrases, as a trie so `re` never retries a shared prefix.

    Longer phrases still win: at every node the longer continuations are tried
    before the phrase that ends there. White space matches any run of it.
    """
    trie: dict = {}
    for p in set(phrases):
        node = trie
        for ch in " ".join(p.split()):
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie(trie)


def _trie(node: dict) -> str:
    ends = "" in node
    branches = [
        (r"\s+" if ch == " " else re.escape(ch)) + _trie(child)
        for ch, child in sorted(node.items())
        if ch != ""
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
    if len(branches) == 1 and not ends:
        return body
    return body + ("?" if ends else "")


@dataclass(frozen=True, eq=False)
class Vocab:
    hedge_before: re.Pattern[str]
    hedge_before_kind: dict[str, str]
    hedge_after: re.Pattern[str]
    hedge_after_kind: dict[str, str]
    not_hedge: re.Pattern[str]
    words: dict[str, float]
    fractions: dict[str, float]
    times: dict[str, float]
    scales: dict[str, float]
    currencies: dict[str, str]
    unit_aliases: dict[str, str]
    multi_units: tuple[str, ...]
    single_units: frozenset[str]
    singular: dict[str, str]
    np_stop: frozenset[str]
    np_premodifiers: frozenset[str]
    np_participles: frozenset[str]
    subjects: dict[str, str]  # alias or name -> name
    places: frozenset[str]
    subject_heads: frozenset[str]
    subject_never: frozenset[str]
    before_words: frozenset[str]
    after_words: frozenset[str]
    one_not_count: re.Pattern[str]
    one_after: frozenset[str]
    one_idioms: re.Pattern[str]
    one_idiom_counts_after: frozenset[str]
    vague: re.Pattern[str]
    conjunctions: frozenset[str]
    durations: frozenset[str]
    abbreviations: frozenset[str]  # written without their last dot
    openers: frozenset[str]
    links: tuple[str, ...]  # small words inside a name
    name_continues: frozenset[str]
    name_kinds: tuple[str, ...]
    name_first: frozenset[str]  # head words that come before the name: "Project Ensemble"
    months: dict[str, int]  # lower-case name -> month number
    month_pattern: str  # the names as written, for a regex
    ordinals: dict[str, int]
    currency: str  # a regex of every currency sign
    events: re.Pattern[str]
    continues: re.Pattern[str]
    same_time: re.Pattern[str]
    back_reference: re.Pattern[str]
    over_is_hedge: re.Pattern[str]  # before "over" and a duration
    now: tuple[str, ...]
    last_year: tuple[str, ...]
    this_year: tuple[str, ...]
    positions: dict[str, str]  # "mid" -> "middle"
    prepositions: dict[str, str]  # "as of" -> "until"


def _number_words(numbers: dict) -> dict[str, float]:
    words: dict[str, float] = {}
    units = numbers["units"]
    tens = numbers["tens"]
    words.update(units)
    for t, tv in tens.items():
        words[t] = tv
        for u, uv in units.items():
            if uv < 10:
                words[f"{t}-{u}"] = tv + uv
                words[f"{t} {u}"] = tv + uv
    for w, v in list(units.items()) + list(tens.items()):
        words[f"{w} hundred"] = v * 100
        words[f"{w} thousand"] = v * 1000
    words.update(numbers["phrases"])
    return {k.lower(): float(v) for k, v in words.items()}


@cache
def vocab(lang: str = settings.DEFAULT_LANG) -> Vocab:
    """The compiled vocabularies of a language (cached: they are read once per process)."""
    files = read(lang)
    q, n, u, s, neg, d, sen = (
        files[name].model_dump()
        for name in ("qualifiers", "numbers", "units", "subjects", "negatives", "dates", "sentences")
    )
    before_kind = {p.lower(): k for k, ps in q["before"].items() for p in ps}
    after_kind = {p.lower(): k for k, ps in q["after"].items() for p in ps}
    subjects: dict[str, str] = {}
    for entry in s["subject"]:
        subjects[entry["name"]] = entry["name"]
        for alias in entry["aliases"]:
            subjects[alias] = entry["name"]
    return Vocab(
        hedge_before=re.compile(r"(?:(?<=[^\w-])|^)(" + alternation(list(before_kind)) + r")\s*$", re.I),
        hedge_before_kind=before_kind,
        hedge_after=re.compile(r"^(?:\s*|-)(" + alternation(list(after_kind)) + r")\b", re.I),
        hedge_after_kind=after_kind,
        not_hedge=re.compile(r"\b(?:" + alternation(q["not_hedges"]["before"]) + r")\s*$", re.I),
        words=_number_words(n),
        fractions={k.lower(): float(v) for k, v in n["fractions"].items()},
        times={k.lower(): float(v) for k, v in n["times"].items()},
        scales={k.lower(): float(v) for k, v in n["scales"].items()},
        currencies=dict(n["currencies"]),
        unit_aliases={k.lower(): v for k, v in u["aliases"].items()},
        multi_units=tuple(sorted(u["known"]["multi"], key=len, reverse=True)),
        single_units=frozenset(u["known"]["single"]),
        singular={k.lower(): v for k, v in u["singular"].items()},
        np_stop=frozenset(w.lower() for w in u["noun_phrase"]["stop"] + u["noun_phrase"]["function_words"]),
        subjects=subjects | {p: p for p in s["heuristic"]["places"]},
        places=frozenset(s["heuristic"]["places"]),
        subject_heads=frozenset(s["heuristic"]["head_words"]),
        subject_never=frozenset(s["heuristic"]["never"]),
        before_words=frozenset(w.lower() for w in neg["before_words"]),
        after_words=frozenset(w.lower() for w in neg["after_words"]),
        one_not_count=re.compile(r"(?:" + alternation(neg["one_not_count"]) + r")\b", re.I),
        one_after=frozenset(neg["one_after"]),
        one_idioms=re.compile(r"(?:" + alternation(neg["one_idioms"]) + r")\b", re.I),
        one_idiom_counts_after=frozenset(neg["one_idiom_counts_after"]),
        vague=re.compile(r"\b(?:" + alternation(neg["vague"]) + r")\b", re.I),
        conjunctions=frozenset(u["noun_phrase"]["conjunctions"]),
        np_premodifiers=frozenset(u["noun_phrase"]["premodifiers"]),
        np_participles=frozenset(u["noun_phrase"]["participles"]),
        durations=frozenset(u["known"]["durations"]),
        abbreviations=frozenset(a.lower() for a in sen["abbreviations"]),
        openers=frozenset(w.lower() for w in s["heuristic"]["openers"]),
        links=tuple(s["heuristic"]["links"]),
        name_continues=frozenset(s["heuristic"]["continues"]),
        name_kinds=tuple(s["heuristic"]["kinds"]),
        name_first=frozenset(s["heuristic"]["first"]),
        months=months(lang),
        now=tuple(d["anchors"]["now"]),
        last_year=tuple(d["anchors"]["last_year"]),
        this_year=tuple(d["anchors"]["this_year"]),
        positions={p: kind for kind, ps in d["anchors"]["positions"].items() for p in ps},
        prepositions={p: kind for kind, ps in d["anchors"]["prepositions"].items() for p in ps},
        month_pattern=alternation(list(d["months"])),
        ordinals={k.lower(): o for k, o in d["ordinals"].items()},
        currency=alternation(list(n["currencies"])),
        events=re.compile(r"\b(?:" + alternation(d["anchors"]["events"]) + r")\b[^,;]*$", re.I),
        continues=re.compile(r"\W*(?:" + alternation(d["anchors"]["continues"]) + r")\b", re.I),
        same_time=re.compile(r"\b(?:" + alternation(d["anchors"]["same_time"]) + r")\b", re.I),
        back_reference=re.compile(
            r"\s+(?:" + alternation(u["noun_phrase"]["back_references"]) + r")\b", re.I
        ),
        over_is_hedge=re.compile(
            r"\b(?:" + alternation(q["durations"]["over_is_hedge_after"]) + r")\s+$", re.I
        ),
    )
