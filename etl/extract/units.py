"""What a figure counts: the noun phrase after the number, singular and lower case."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from etl.extract.guard import guarded
from etl.extract.vocab import Vocab

# A hard line break inside a paragraph is a space; "5G" and "3D" start with a digit.
_TOKEN = re.compile(
    r"[ \t\u00a0]*(?:\r?\n[ \t\u00a0]*)?"
    r"([A-Za-z][A-Za-z0-9&/'’.\-]*(?:\(s\))?|[0-9][A-Za-z][A-Za-z0-9]*(?![\w.]))"
)
_OF = re.compile(
    r"\s+of\s+(?:(?:the|its|their|our|his|her|all)\s+)?(?=[A-Za-z])(?!them\b|these\b|those\b|which\b)", re.I
)
_NUMBER_OF = guarded(
    r"\bnumbers?\s+of\s+(?:(?:its|their|our|the|these|those)\s+)?([A-Za-z][\w&/\-]*(?:\s+[a-z][\w&/\-]*)?)",
    re.I,
)
_PAREN_BEFORE = re.compile(r"([A-Za-z][\w&/\-]*)\s*\(\s*$")


@dataclass
class NounPhrase:
    unit: str | None
    end: int  # where the counted noun ends in the text (the span's end)


@lru_cache(maxsize=1 << 16)
def singular(word: str, v: Vocab) -> str:
    """The singular of a counted noun, lower case (cached: a reply repeats its nouns)."""
    w = word.lower().removesuffix("(s)")
    if w in v.singular:
        return v.singular[w]
    if len(w) <= 3 or w.endswith(("ss", "us", "is", "ics")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("s"):
        return w[:-1]
    return w


@cache
def _multi(v: Vocab) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """The first words of the multi-word units, and each unit padded with spaces for `find`."""
    return frozenset(u.split()[0] for u in v.multi_units), tuple((u, f" {u} ") for u in v.multi_units)


@lru_cache(maxsize=1 << 16)
def _plural_unit(word: str, v: Vocab) -> bool:
    low = word.lower()
    one = singular(low, v)
    return one != low and (one in v.single_units or low in v.unit_aliases)


def _unit_next(text: str, pos: int, end: int, v: Vocab) -> bool:
    """The word at `pos` is a counted noun: "registered users", not "registered in 2024";
    or an adjective before one: "monthly active users"."""
    m = _TOKEN.match(text, pos, end)
    if not m:
        return False
    if _unit_word(m.group(1), v):
        return True
    word = m.group(1)
    if not word[:1].islower() or _word_info(word, v)[2]:
        return False
    if _plural_looking(word.rstrip(".")):
        return True  # "registered borrowers": a plural noun, listed or not
    m = _TOKEN.match(text, m.end(), end)
    return m is not None and _unit_word(m.group(1), v)


@lru_cache(maxsize=1 << 16)
def _unit_word(token: str, v: Vocab) -> bool:
    low = token.rstrip(".").lower()
    one = singular(low, v)
    return one in v.single_units or low in v.unit_aliases or one in _multi(v)[0]


@lru_cache(maxsize=1 << 16)
def _word_info(token: str, v: Vocab) -> tuple[str, bool, bool, bool, bool, bool, bool]:
    """What `noun_phrase` asks of a token, read once per word (replies repeat their nouns).

    The word without a final full stop; whether it starts upper case; a stop word;
    a premodifier; a conjunction; starts lower case; a plural counted noun."""
    word = token.rstrip(".")
    low = word.lower()
    acronym = len(word) > 1 and word.isupper()  # "IT systems": not the pronoun "it"
    stop = (low in v.np_stop and not acronym) or (low.endswith("ly") and low not in v.single_units)
    return (
        word,
        word[:1].isupper(),
        stop,
        low in v.np_premodifiers,
        low in v.conjunctions,
        word[:1].islower(),
        _plural_unit(word, v),
    )


def _plural_looking(word: str) -> bool:
    """Whether a word ends like a plural noun ("statements", not "access", "campus", "basis")."""
    low = word.lower()
    return low.endswith("s") and not low.endswith(("ss", "us", "is"))


def noun_phrase(text: str, pos: int, end: int, v: Vocab) -> NounPhrase:
    """The counted noun directly after `pos`, or none."""
    tokens: list[tuple[str, int, int]] = []
    i = pos
    last: tuple | None = None  # the previous token's `_word_info`
    while len(tokens) < 8:
        m = _TOKEN.match(text, i, end)
        if not m:
            break
        info = _word_info(m.group(1), v)
        word, upper, stop, premodifier, conjunction = info[:5]
        if last is None and conjunction:
            break  # "by 2030 and consider digitising items": nothing the number counts
        if last is not None and upper and last[5] and not _unit_next(text, m.end(), end, v):
            break  # a name after the noun: "enterprises Cyberport admitted", not "joint R&D centres"
        if stop and (last is not None or not premodifier or not _unit_next(text, m.end(), end, v)):
            break  # a function word or a verb: "two platforms in ...", "two platforms help ..."
        if last is not None and not conjunction and last[6]:
            break  # "datasets last month": a plural counted noun ends the phrase
        if last is not None and word.endswith("ing") and _plural_looking(tokens[-1][0]):
            break  # "attempts targeting government systems": a participle's clause follows the noun
        if (
            last is not None
            and not conjunction
            and info[5]
            and _plural_looking(tokens[-1][0])
            and not _plural_looking(word)
            and not _unit_word(word, v)
        ):
            # "counters accept payment": after a plural noun, a word that is no noun of the phrase
            # (a plural modifier is followed by another plural: "sports venues", "goods vehicles").
            break
        tokens.append((word, m.start(1), m.start(1) + len(word)))
        last = info
        i = m.end()
    # A participle after the noun ("58 enterprises admitted") is not part of it.
    while tokens and (
        (tokens[-1][0].lower().endswith(("ing", "ed")) and tokens[-1][0].lower() not in v.single_units)
        or (len(tokens) > 1 and tokens[-1][0].lower() in v.np_participles and _plural_looking(tokens[-2][0]))
    ):
        tokens.pop()
    while tokens and tokens[-1][0].lower() in v.conjunctions:
        tokens.pop()
    if not tokens:
        return NounPhrase(None, pos)

    lowered = [t[0].lower() for t in tokens]
    # Aliases first, as whole prefixes of the phrase: "B/Ds", "bureaux and departments".
    for n in range(len(tokens), 0, -1):
        phrase = " ".join(lowered[:n])
        if phrase in v.unit_aliases:
            return NounPhrase(v.unit_aliases[phrase], tokens[n - 1][2])

    conjuncts: list[list[int]] = [[]]
    for k, w in enumerate(lowered):
        if w in v.conjunctions:
            conjuncts.append([])
        else:
            conjuncts[-1].append(k)
    conjuncts = [c for c in conjuncts if c]
    for conj in conjuncts:
        words = [singular(lowered[k], v) for k in conj]
        joined = " ".join(words)
        padded = f" {joined} "
        firsts, multis = _multi(v)
        # A multi-word unit starts at one of the words: most phrases hold none of their first
        # words, and one look at the words says so (a `find` of each unit cost a fifth of this).
        for multi, pad in multis if not firsts.isdisjoint(joined.split()) else ():
            at = padded.find(pad)
            if at >= 0:
                final = conj[len(joined[: at + len(multi)].split()) - 1]  # the unit's last word
                if final != conj[-1] and _plural_looking(lowered[conj[-1]]):
                    continue  # "government service counters": a plural noun after the unit heads it
                return NounPhrase(multi, tokens[final][2])
        k = conj[-1]  # a conjunct's head is its last word
        w = singular(lowered[k], v)
        if lowered[k] in v.unit_aliases:
            return NounPhrase(v.unit_aliases[lowered[k]], tokens[k][2])
        if w in v.single_units:
            return NounPhrase(w, tokens[k][2])
    head = conjuncts[0][-1]
    return NounPhrase(singular(lowered[head], v), tokens[head][2])


_NEXT_LOWER = re.compile(r"[ \t]+([a-z][\w-]*)")


def skip_of(text: str, pos: int) -> int:
    """Past an "of" (and its determiner) that leads to the counted noun: `a hundred of X`."""
    m = _OF.match(text, pos)
    return m.end() if m else pos


def backref(text: str, pos: int, v: Vocab) -> int | None:
    """End of an "of them" / "among these" right after `pos`, if there is one."""
    m = v.back_reference.match(text, pos)
    if m and m.group(0).lower().endswith(("total", "number")):
        nxt = _NEXT_LOWER.match(text, m.end())
        if nxt and nxt.group(1) not in v.np_stop:
            return None  # "one-third of the total project cost": a noun follows, nothing is referred to
    return m.end() if m else None


def unit_before(text: str, start: int, sentence_start: int, v: Vocab) -> str | None:
    """A noun written before the figure: `forms (over 3 800)`, `number of datasets`."""
    window = text[max(sentence_start, start - 40) : start]
    m = _PAREN_BEFORE.search(window)
    if m:
        return singular(m.group(1), v)
    return None


def number_of(text: str, sentence_start: int, start: int, v: Vocab) -> str | None:
    """The noun of a "number of X" earlier in the sentence (`the number of datasets rose to`)."""
    found = None
    for m in _NUMBER_OF.finditer(text, sentence_start, start):
        np = noun_phrase(text, m.start(1), start, v)
        found = np.unit
    return found


# A class of things given a short name: "critical infrastructure operators (CIOs)".
_CLASS_ABBREVIATION = re.compile(
    r"(?<![\w&\-])((?:[a-z][\w&\-]*[ \t]+){0,4}[a-z][\w&\-]*s)[ \t]*\([ \t]*([A-Z][A-Za-z&/]*[A-Z])s[ \t]*\)"
)


def class_abbreviations(text: str, v: Vocab) -> dict[str, str]:
    """Short names a reply gives to a class of what it counts, with the class's unit:
    {"cio": "operator"} for "critical infrastructure operators (CIOs)".

    "27 CIOs" then counts operators, as "27 B/Ds" counts bureaux and departments (spec: the
    unit is the counted noun, not its initials)."""
    out: dict[str, str] = {}
    if "s)" not in text:
        return out
    for m in _CLASS_ABBREVIATION.finditer(text):
        a, b = m.span(1)
        starts = [a] + [a + k + 1 for k, c in enumerate(text[a:b]) if c in " \t"]
        for start in starts:  # the longest noun phrase that ends where the parenthesis starts
            np = noun_phrase(text, start, b, v)
            if np.unit and np.end == b:
                out.setdefault(singular(m.group(2) + "s", v), np.unit)
                break
    return out
