"""A guarded pattern finds what its plain pattern finds, spans and groups alike (hypothesis)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.extract import asof, numbers, subjects, units
from etl.extract.guard import guarded, lookahead
from etl.extract.vocab import vocab
from etl.vocab import language

SMALL = [
    r"(?:a?){5}b",
    r"\d{1,3}(?:[ ,]\d{3})+",
    r"(?<=a)b|c\b",
    r"(a)\1b",
    r"(?i:ab)c",
    r"[^a]b",
    r"K|s|i",
    r"(?i)\bkS\w+",
    r"x{2,}y|z",
    r"(?:[a-c]|\d)(?:\s+of)?\b",
]


def _extractor_patterns() -> list[re.Pattern[str]]:
    en = vocab(language("en"))
    found = [asof._anchors(en), asof._YEAR, subjects._known(en), subjects._phrase(en), subjects._AT_NAME]
    found += [units._NUMBER_OF, *numbers._masks(en)]
    return found


def _pairs() -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    pairs = [(re.compile(p), guarded(p)) for p in SMALL]
    pairs += [(re.compile(p, re.I), guarded(p, re.I)) for p in SMALL if "(?i" not in p]
    for fast in _extractor_patterns():
        ahead = lookahead(fast.pattern, fast.flags)
        if ahead and fast.pattern.startswith(ahead + "(?:"):
            pairs.append((re.compile(fast.pattern[len(ahead) + 3 : -1], fast.flags), fast))
    return pairs


PAIRS = _pairs()
PIECES = [
    "the", "in", "as at", "end of", "mid-", "first", "half", "of", "year", "this", "last", "December",
    "May", "2024", "2024-25", "2023/24", "19", "(1)", "12/F", "9:30 am", "2180 9000", "HK$", "$", "%",
    "per cent", "million", "Fund", "Cyberport", "Hong Kong", "Science Park", "number of", "numbers of",
    "between", "from", "ſ", "K", "İ", "ı", "１２", "–", "—", "/", ",", ".", "\n", " ", "  ", "\u00a0",
    "年", "月", "日", "億", "萬", "元", "約", "百分之", "二○二四", "截至", "，", "。", "（", "）",
]  # fmt: skip
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=40).map("".join)


@pytest.mark.parametrize("plain,fast", PAIRS, ids=[p.pattern[:40] for p, _ in PAIRS])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, cut=st.integers(0, 6), skip=st.integers(0, 6))
def test_same_matches(plain: re.Pattern[str], fast: re.Pattern[str], text: str, cut: int, skip: int) -> None:
    end = max(0, len(text) - cut)
    assert [(m.span(), m.groups()) for m in fast.finditer(text, skip, end)] == [
        (m.span(), m.groups()) for m in plain.finditer(text, skip, end)
    ]
    a, b = fast.search(text, skip, end), plain.search(text, skip, end)
    assert (a and (a.span(), a.groupdict())) == (b and (b.span(), b.groupdict()))


def test_guards_the_costly_patterns() -> None:
    assert len(PAIRS) > len(SMALL) * 2 + 8
    assert guarded(r"x*").pattern == "x*"  # may match the empty string: nothing to check
    assert guarded(r"\(\d\)").pattern == r"\(\d\)"  # re already skips to its first character
