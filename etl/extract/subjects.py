"""Which programme, fund, body, portal or place a figure belongs to.

Mentions come from three places: known names in `data/vocab/<lang>/subjects.toml`,
abbreviations the reply defines itself ("Digital Policy Office (DPO)"), and
capitalised phrases ending in a word like Fund, Portal or Park.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from etl.extract.guard import guarded
from etl.extract.vocab import Vocab, alternation

# A capitalised word, or a brand's lower-case initial before a capital ("eHealth", "eHealth+").
_CAP = r"(?:[A-Z]|[a-z](?=[A-Z]))[\w&'’.\-/+]*"


@cache
def _phrase(v: Vocab) -> re.Pattern[str]:
    """A run of capitalised words, with small link words between them."""
    link = alternation(list(v.links))
    return guarded(rf"(?<![\w])({_CAP}(?:(?:,\s+|\s+)(?:{link}\s+)*{_CAP})*)")


@cache
def _abbreviation(v: Vocab) -> re.Pattern[str]:
    """A name with the abbreviation it is given in parentheses: "Digital Policy Office (DPO)"."""
    link = alternation(list(v.links))
    return re.compile(
        rf"({_CAP}(?:(?:,[ \t]+|[ \t]+)(?:{link}[ \t]+)*{_CAP})*)\s*\(\s*(?:the\s+)?"
        r"((?:[A-Z]|[a-z](?=[A-Z]))[A-Za-z&@.\-]{0,11}(?:\s[A-Z][A-Za-z&@.\-]{0,11})?)\s*\)"
    )


_AT_NAME = guarded(r"(?<![\w@])([A-Z][A-Za-z]*@([A-Z][\w]*))")
# A name written in capitals around an @ (GREEN@COMMUNITY, GREEN@TAI WAI): a brand, not an address.
_CAPS_AT_NAME = guarded(r"(?<![\w@.])([A-Z]{2,}@[A-Z]{2,}(?:[ \t][A-Z]{2,})*)(?![\w@.])")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    name: str
    place: bool = False  # a place ("Hong Kong") counts only where nothing more specific is named


@cache
def _known(v: Vocab) -> re.Pattern[str]:
    names = sorted(v.subjects, key=len, reverse=True)
    return guarded(r"(?<![\w.])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])")


@lru_cache(maxsize=1 << 14)
def _trim(phrase: str, v: Vocab) -> str:
    words = phrase.rstrip(",").split()
    owner = max((k for k, w in enumerate(words[:-1]) if w.endswith(("'s", "’s"))), default=-1)
    words = words[owner + 1 :]  # "the Police Force's Cyber Security ... Bureau": the bureau
    while words and (words[0].lower().rstrip(",") in v.openers or words[0].endswith(("'s", "’s"))):
        words = words[1:]
    while words and words[-1].lower() in v.links:
        words = words[:-1]
    return " ".join(words).rstrip(",")


def _subject_like(name: str, v: Vocab) -> bool:
    words = name.split()
    if not words or name in v.subject_never:
        return False
    if _head_then(words[:-1], v, _OF_FOR):
        # "Department of Health", "Pilot Scheme for Electric Ferries": the name carries on past
        # its head word with "of" or "for" ("in" would take a place in: "Science Park in Pak
        # Shek Kok"); its last word is one in letters ("Fund of HK$1 billion" names no fund).
        return any(c.islower() for c in words[-1]) and not any(w.endswith(",") for w in words)
    if len(words) >= 2 and words[0] in v.name_first and all(w[:1].isupper() for w in words[1:]):
        return True  # "Project Ensemble"
    return words[-1] in v.subject_heads or name in v.subjects


_OF_FOR = frozenset({"of", "for"})


def _head_then(words: list[str], v: Vocab, joins: frozenset[str]) -> bool:
    """Whether a head word is followed by one of `joins` in `words`."""
    return any(w in v.subject_heads and nxt in joins for w, nxt in zip(words, words[1:], strict=False))


def _carried_on(name: str, v: Vocab) -> bool:
    """A head word the name carries on past: "Technology Start-up Support Scheme for Universities".

    Only where the reply gives the name an abbreviation: elsewhere a place often follows the
    same way ("Hong Kong Science Park in Pak Shek Kok")."""
    return _head_then(name.split(), v, v.name_continues)


_CAMEL = re.compile(r"[a-z][A-Z]")  # a capital inside a word: rare, and found by `re` at C speed


@cache
def _introduced(v: Vocab) -> re.Pattern[str]:
    """What a reply calls a one-word name it introduces, right after the name: "TechConnect
    is a one-stop online platform", "the "HKeMobility" app"."""
    kinds = alternation(list(v.name_kinds))
    return re.compile(rf"[\"”]?\s+(?:is\s+an?\s+(?:[\w\-]+\s+){{0,4}}?)?(?:{kinds})\b")


@cache
def _introduced_after(v: Vocab) -> re.Pattern[str]:
    """The kind written before the name, as an appositive: "the HKO's mobile app, MyObservatory,",
    "its chatbot WeatherPal", "a platform called TradeLink"."""
    kinds = alternation(list(v.name_kinds))
    return re.compile(rf"\b(?:{kinds})(?:,\s*|\s+(?:called\s+|named\s+)?)[\"“]?$")


def _introductions(text: str, v: Vocab) -> list[str]:
    """One-word names with a capital inside that the reply introduces as a platform, an app ..."""
    out = []
    for m in _CAMEL.finditer(text):
        a = m.start()
        while a > 0 and text[a - 1].isalpha():
            a -= 1
        b = m.end()
        while b < len(text) and text[b].isalpha():
            b += 1
        word = text[a:b]
        if (a and (text[a - 1].isalnum() or text[a - 1] in "@-.")) or word in out:
            continue
        if (word[:1].isupper() or (word[:1] == "i" and word[1:2].isupper())) and (
            _introduced(v).match(text, b) or _introduced_after(v).search(text, max(0, a - 40), a)
        ):
            out.append(word)
    return out


def abbreviations(text: str, v: Vocab) -> dict[str, str]:
    """Abbreviations a reply defines for subject-like names: {"DPO": "Digital Policy Office"}."""
    found: dict[str, str] = {}
    for m in _abbreviation(v).finditer(text):
        full, abbr = _trim(text[_prefix(text, m.start(1)) : m.end(1)], v), m.group(2)
        if "," in full and "".join(w[0] for w in full.split() if w[:1].isupper()) != abbr:
            full = _trim(full.rsplit(",", 1)[1], v)  # "the HKSTP, the Innovation and ... Commission (ITC)"
        # Keep only the trailing words whose initials could spell the abbreviation.
        words = full.split()
        caps = [w for w in words if w[:1].isupper()]
        k = len(abbr)
        cut = _nth_cap_from_end(words, k) if len(caps) > k else 0
        joined = [w.lower() for w in words[max(0, cut - 2) : cut] if w.lower() != "the"][-1:] == ["and"]
        if cut and joined and "".join(w[0] for w in caps[-k:]) == abbr:
            # Two names joined, the abbreviation's initials the second's: "University Grants
            # Committee and the Research Grants Council (RGC)" defines the council alone.
            full = _trim(" ".join(words[cut:]), v)
        elif len(caps) > len(abbr) + 3:
            full = " ".join(words[-(len(abbr) + 3) :])
            full = _trim(full, v)
        if abbr in v.subjects and abbr not in v.places:
            found[abbr] = v.subjects[abbr]  # a listed short name: "Agriculture, Fisheries and ... (AFCD)"
        elif _subject_like(full, v) or v.subjects.get(full) or _carried_on(full, v):
            found[abbr] = v.subjects.get(full, full)
    # A short name given to a listed name that ends in a parenthesis of its own: "Commissioner
    # of Critical Infrastructure (Computer-system Security) (the Commissioner)".
    for m in _SHORT_AFTER_PAREN.finditer(text) if _parenthesised_names(v) else ():
        name = next((n for n in _parenthesised_names(v) if text.endswith(n, 0, m.start() + 1)), None)
        if name:
            found.setdefault(m.group(1), v.subjects[name])
    for word in _introductions(text, v):
        found.setdefault(word, v.subjects.get(word, word))
    for m in _appositive(v).finditer(text) if ", " in text else ():
        name = m.group(1)  # "HKP's smart parcel locker network, iPostal Station, comprised ..."
        if name not in v.subject_never and name not in v.places:
            found.setdefault(name, v.subjects.get(name, name))
    return found


@cache
def _appositive(v: Vocab) -> re.Pattern[str]:
    """A name set off by commas right after its kind: "its network, iPostal Station, ..."."""
    kinds = alternation(list(v.name_kinds))
    return re.compile(
        rf"\b(?:{kinds}),\s+((?:[A-Z]|[a-z](?=[A-Z]))[\w@'’\-+]*(?:\s+[A-Z][\w@'’\-+]*){{0,4}}),\s"
    )


@cache
def _parenthesised_names(v: Vocab) -> tuple[str, ...]:
    return tuple(n for n in v.subjects if n.endswith(")"))


_SHORT_AFTER_PAREN = re.compile(r"\)\s*\(\s*(?:the\s+)?([A-Z][A-Za-z&@.\-]{0,15})\s*\)")


def _nth_cap_from_end(words: list[str], n: int) -> int:
    """Where the `n`-th capitalised word from the end stands in `words`."""
    seen = 0
    for i in range(len(words) - 1, -1, -1):
        if words[i][:1].isupper():
            seen += 1
            if seen == n:
                return i
    return 0


def _prefix(text: str, a: int) -> int:
    """Where a name starting at `a` really starts: "e-Procurement Platform" keeps its "e-".

    Kept out of `_CAP`, where a lower-case first letter would let every word start a name."""
    if a >= 2 and text[a - 1] == "-" and text[a - 2].islower() and (a == 2 or not text[a - 3].isalnum()):
        return a - 2
    return a


@lru_cache(maxsize=1 << 14)
def _named(phrase: str, v: Vocab) -> tuple[str, str] | None:
    """A capitalised phrase cut to the name it holds, and that name trimmed; None without a head word.

    Cached: a reply names the same bodies again and again, and so do replies.
    """
    words = phrase.split()
    heads = [k for k, w in enumerate(words) if w.rstrip(",") in v.subject_heads]
    if not heads:
        return None
    # Cut after the last head word unless a qualifier follows it: "Corporation and
    # Cyberport" are two names, "Fund for Application in Elderly Care" is one.
    cut = heads[-1]
    first = [k for k, w in enumerate(words[:-1]) if w in v.name_first and words[k + 1][:1].isupper()]
    if first and first[0] == cut:
        cut += 1  # "the HKMA's sandbox, Project Ensemble": the name follows its head word
        while cut + 1 < len(words) and words[cut + 1][:1].isupper() and words[cut + 1] not in v.subject_heads:
            cut += 1
    if cut + 1 < len(words) and words[cut + 1] not in v.name_continues:
        phrase = " ".join(words[: cut + 1])
    else:
        # A name carried on past its head word ends at a comma: "Under the Pilot Scheme for
        # Electric Ferries, the Government ..." names the scheme, not the Government.
        comma = next((k for k in range(cut + 1, len(words) - 1) if words[k].endswith(",")), None)
        if comma is not None:
            phrase = " ".join(words[: comma + 1]).rstrip(",")
    words = phrase.split()
    for k, w in enumerate(words[1:-1], start=1):
        # "X Corporation and Cyberport": two names, each ending in a head word.
        if (
            w == "and"
            and words[k - 1].rstrip(",") in v.subject_heads
            and any(x in v.subject_heads for x in words[k + 1 :])
        ):
            phrase = " ".join(words[:k])
            break
    return phrase, _trim(phrase, v)


def mentions(text: str, start: int, end: int, v: Vocab, abbr: dict[str, str]) -> list[Mention]:
    """Subject mentions in `text[start:end]`, in order; of overlapping ones the longest."""
    found: list[Mention] = []
    for m in _AT_NAME.finditer(text, start, end) if text.find("@", start, end) >= 0 else ():
        if m.group(2) in v.subjects:  # "Health@InnoHK": a cluster of InnoHK, a scope of its own
            found.append(Mention(m.start(1), m.end(1), m.group(1)))
    for m in _CAPS_AT_NAME.finditer(text, start, end) if text.find("@", start, end) >= 0 else ():
        found.append(Mention(m.start(1), m.end(1), m.group(1)))
    for m in _known(v).finditer(text, start, end):
        found.append(Mention(m.start(), m.end(), v.subjects[m.group(1)], m.group(1) in v.places))
    for m in _phrase(v).finditer(text, start, end):
        a = _prefix(text, m.start()) if m.start() - 2 >= start else m.start()
        phrase = text[a : m.end(1)].rstrip(".")  # "... Lampposts Scheme." ends the sentence, not the name
        if phrase in abbr:
            found.append(Mention(a, a + len(phrase), abbr[phrase]))
            continue
        short = _trim(phrase.removesuffix("'s").removesuffix("’s"), v)  # "the GLD's exercises"
        if short != phrase and short in abbr:  # "The MRP" opening a sentence
            found.append(Mention(a + phrase.rfind(short), a + len(phrase), abbr[short]))
            continue
        named = _named(phrase, v)
        if named is None:
            continue
        phrase, name = named
        if name in abbr:
            name = abbr[name]
        if _subject_like(name, v) and (len(name.split()) >= 2 or name in v.subjects):
            offset = phrase.find(name.split()[0]) if name.split() else 0
            found.append(Mention(a + max(offset, 0), a + len(phrase), v.subjects.get(name, name)))
    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    out: list[Mention] = []
    for mention in sorted(found, key=lambda x: -(x.end - x.start)):
        if not any(o.start < mention.end and mention.start < o.end for o in out):
            out.append(mention)
    out.sort(key=lambda x: x.start)
    return out


# A former name given after the current one: "the New Energy Transport Fund (NET Fund), known as
# the Pilot Green Transport Fund before 2020", "(formerly the ...)", "renamed from the ...".
_FORMERLY = re.compile(
    r"\b(?:(?:formerly|previously)\s+(?:known\s+as|called)|known\s+as|formerly|renamed\s+from)\s+(?:the\s+)?",
    re.I,
)


# What may stand between a name and "known as" / "formerly": its short name, a comma, a parenthesis.
_RIGHT_AFTER = re.compile(r"\)?[\s,]*(?:\([^()]*\)[\s,]*)?\(?\s*$")


def former_names(text: str, v: Vocab, abbr: dict[str, str]) -> None:
    """Add to `abbr` each former name a reply gives, read as the current name it follows."""
    if "known as" not in text and "formerly" not in text and "renamed" not in text:
        return
    for m in _FORMERLY.finditer(text):
        stop = max(text.rfind(". ", 0, m.start()), text.rfind("\n", 0, m.start()))
        named = mentions(text, max(stop + 1, m.start() - 250), m.start(), v, abbr)
        before = [x for x in named if not x.place]
        after = mentions(text, m.end(), min(len(text), m.end() + 150), v, abbr)
        if not (before and after and after[0].start == m.end() and after[0].name != before[-1].name):
            continue
        if _RIGHT_AFTER.match(text[before[-1].end : m.start()]):  # not "the ITC's scheme, known as ..."
            abbr.setdefault(after[0].name, before[-1].name)


def refer_back(abbr: dict[str, str], defined: set[str], ms: list[Mention], v: Vocab) -> None:
    """ "The Fund", "the Scheme", "the Portal" name the last fund, scheme or portal the reply
    named (series.md: short references back), unless the reply defined the short name itself."""
    for m in ms:
        words = m.name.split()
        if len(words) >= 2 and words[-1] in v.subject_heads and words[-1] not in defined:
            abbr[words[-1]] = m.name


def is_place(name: str | None, v: Vocab) -> bool:
    return name in v.places


def choose(ms: list[Mention], a: int, b: int, sentence_start: int) -> str | None:
    """The subject for a figure at `a:b`: one it names, else nearest before, else after."""
    specific = [m for m in ms if not m.place]
    if specific:
        ms = specific
    for m in ms:
        if a <= m.start <= b + 2 or (m.start < b and m.end > a):
            return m.name
    before = [m for m in ms if m.end <= a]
    if before:
        return before[-1].name
    after = [m for m in ms if m.start >= b]
    return after[0].name if after else None
