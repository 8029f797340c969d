"""Regexes that fail fast where they cannot match, with the same matches.

Python's `re` tries a pattern at every position of the text unless the
pattern starts with a literal or a case-sensitive character class. Most of
the extractor's patterns start with an optional word, a group or a look-behind,
so a scan of a sentence costs a full attempt of every alternative at every
character: the anchors pattern costs about 2.6 µs a character.

`guarded` puts a look-ahead in front of a pattern: the first few characters any
match of the pattern can begin with, as a small trie of character classes.
The look-ahead is implied by the pattern (every match satisfies it), so the
matches, their groups and their spans are the pattern's own; only the
positions where no match can start are given up sooner. Whatever the prefix
reader does not know (a back-reference, a conditional, a scoped flag) ends
the prefix there, which keeps the look-ahead implied; a pattern that may match
the empty string gets none.
"""

from __future__ import annotations

import re

try:  # the parser `re` itself uses (private: a Python that moves it gets plain patterns)
    from re import _constants as C  # noqa: N812
    from re import _parser as P  # noqa: N812
except ImportError:  # pragma: no cover - Python 3.11-3.13 have both
    C = P = None  # type: ignore[assignment]

# A prefix that any text may continue: nothing after it is checked.
_OPEN = "\x00open"
_ANY = frozenset({(0, 0x10FFFF)})  # a position any character fills
_CATEGORIES = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_SPACE: r"\s", C.CATEGORY_WORD: r"\w"} if C else {}
_LIMIT = 4000  # prefixes kept at most; past it the look-ahead checks fewer characters


def _atoms(op: object, av: object) -> frozenset[tuple]:
    """One character position: a set of characters (`(lo, hi)` code point ranges) and categories."""
    if op is C.LITERAL:
        return frozenset({(av, av)})
    if op is C.IN:
        out: set[tuple] = set()
        for o, a in av:
            if o is C.LITERAL:
                out.add((a, a))
            elif o is C.RANGE:
                out.add(tuple(a))
            elif o is C.CATEGORY and a in _CATEGORIES:
                out.add((_CATEGORIES[a],))
            else:
                return _ANY
        return frozenset(out)
    return _ANY  # NOT_LITERAL, ANY, a negated class: one character, any


def _uncased(c: int) -> bool:
    ch = chr(c)
    return ch.lower() == ch == ch.upper() and ch.casefold() == ch


def _folded(atoms: frozenset[tuple]) -> frozenset[tuple]:
    """The class widened to hold every character IGNORECASE could match, as a case-sensitive class.

    ASCII letters take their other case; anything outside ASCII that has case
    stands for any character outside ASCII (Unicode's folds, such as the
    long s or the Kelvin sign, are many and need not be exact here).
    """
    out = set(atoms)
    for atom in atoms:
        if len(atom) == 1:
            continue  # a category: \d, \s and \w ignore case
        lo, hi = atom
        if hi > 0x7F and not all(_uncased(c) for c in range(max(lo, 0x80), min(hi, 0x80 + 512) + 1)):
            out.add((0x80, 0x10FFFF))
        if hi - lo > 512:
            out.add((0x80, 0x10FFFF))
        for a, b, shift in ((0x41, 0x5A, 0x20), (0x61, 0x7A, -0x20)):
            x, y = max(lo, a), min(hi, b)
            if x <= y:
                out.add((x + shift, y + shift))
                out.add((0x80, 0x10FFFF))  # the Kelvin sign, the long s, the dotted and dotless i
    return frozenset(out)


def _class(atoms: frozenset[tuple]) -> str:
    body = []
    for atom in sorted(atoms, key=repr):
        if len(atom) == 1:
            body.append(atom[0])
        else:
            lo, hi = atom
            body.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
    return "[" + "".join(body) + "]"


def _closed(p: tuple, k: int) -> bool:
    return len(p) >= k or (bool(p) and p[-1] == _OPEN)


def _seq(items: list, k: int) -> set[tuple]:
    """Prefixes (tuples of character classes) of at most `k` characters of a sequence of items.

    A prefix shorter than `k` that does not end in `_OPEN` is a whole match.
    """
    results: set[tuple] = {()}
    for op, av in items:
        done = {p for p in results if _closed(p, k)}
        todo = results - done
        if not todo:
            break
        nxt = set(done)
        for tail in _one(op, av, k):
            for p in todo:
                nxt.add((p + tail)[:k])
        results = nxt
        if len(results) > _LIMIT:
            raise OverflowError
    return results


def _one(op: object, av: object, k: int) -> set[tuple]:
    if op in (C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY):
        return {(_atoms(op, av),)}
    if op is C.SUBPATTERN:
        _group, add, dele, sub = av
        if (add | dele) & ~C.SRE_FLAG_UNICODE:
            return {(_OPEN,)}  # a scoped flag: the look-ahead would read it with the outer flags
        return _seq(sub.data, k)
    if op is C.ATOMIC_GROUP:
        return _seq(av.data, k)
    if op is C.BRANCH:
        out: set[tuple] = set()
        for alt in av[1]:
            out |= _seq(alt.data, k)
        return out
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        body = _seq(sub.data, k)
        out, cur, n = set(), {()}, 0
        while True:
            if n >= lo:
                out |= cur
            if n == hi:
                return out
            grown = {p if _closed(p, k) else (p + b)[:k] for p in cur for b in body}
            if n >= lo and grown <= out:
                return out  # further repetitions add no prefix
            cur, n = grown, n + 1
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return {()}  # zero width: leaving it out only widens the look-ahead
    return {(_OPEN,)}


def _trie(prefixes: set[tuple], fold: bool) -> str:
    by: dict[object, set[tuple]] = {}
    for p in prefixes:
        by.setdefault(p[0], set()).add(p[1:])
    alts = []
    for first, rests in sorted(by.items(), key=lambda x: repr(x[0])):
        if first == _OPEN:
            alts.append("")
            continue
        head = _class(_folded(first) if fold else first)
        if () in rests or (_OPEN,) in rests:
            alts.append(head)
        else:
            alts.append(head + _trie(rests, fold))
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def lookahead(pattern: str, flags: int = 0, k: int = 3) -> str | None:
    """A look-ahead every match of `pattern` satisfies, or None when there is none worth having."""
    try:
        parsed = P.parse(pattern, flags)
        prefixes = _seq(parsed.data, k)
    except (OverflowError, re.error, RecursionError, TypeError, ValueError):
        return lookahead(pattern, flags, k - 1) if k > 1 else None
    if () in prefixes or any(p[0] == _OPEN or p[0] == _ANY for p in prefixes):
        return None  # a match may start with anything: nothing to check
    if flags & re.IGNORECASE:  # case-sensitive classes: `re` tests them without folding each character
        return "(?=(?-i:" + _trie(prefixes, True) + "))"
    return "(?=" + _trie(prefixes, False) + ")"


def _scanned_fast(pattern: str, flags: int) -> bool:
    """Whether `re` already skips to where the pattern can start (a literal or class first)."""
    if flags & re.IGNORECASE:
        return False
    first = P.parse(pattern, flags).data[:1]
    if not first:
        return False
    op, av = first[0]
    if op is C.BRANCH:
        return all(alt.data[:1] and alt.data[0][0] is C.LITERAL for alt in av[1])
    return op in (C.LITERAL, C.IN)


def guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, with a look-ahead of its first characters when one helps."""
    plain = re.compile(pattern, flags)
    if P is None or plain.flags & re.VERBOSE or _scanned_fast(pattern, plain.flags):
        return plain
    ahead = lookahead(pattern, plain.flags)
    if ahead is None:
        return plain
    try:
        fast = re.compile(ahead + "(?:" + pattern + ")", plain.flags)
    except re.error:
        return plain
    return fast if fast.groupindex == plain.groupindex and fast.groups == plain.groups else plain
