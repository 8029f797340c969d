"""The series cues' one pattern a list (etl/series.py `_cues`) finds what a cue-by-cue search finds.

The pattern is written for speed (each branch starts with a plain character, its
look behind moved past it); these checks hold it to the plain reading of a cue:
an English cue as whole words (no letter, digit, `_` or `-` either side), a Chinese
one anywhere, on texts made of the real vocabulary's cues and the characters
around them that decide a word's edge.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import series

V = series.vocab()
LISTS = {
    name: tuple(getattr(V, name))
    for name in (
        "cumulative_cues",
        "government_actors",
        "territory_measures",
        "target_cues",
        "additional_cues",
        "average_cues",
        "quota_cues",
        "cap_words",
        "cap_cues",
        "change_cues",
    )
} | {"subpopulations": tuple(V.subpopulations)}
CUES = sorted({c for cues in LISTS.values() for c in cues})
EDGES = ["", " ", "-", "_", "a", "9", "(", ",", "\n", "/", "的", "。"]


def _plain(text: str, cues: tuple[str, ...]) -> bool:
    """The reading the pattern must keep: any cue, searched on its own."""
    for cue in cues:
        if series._CJK.search(cue):
            if cue in text:
                return True
        elif cue.strip() and re.search(rf"(?<![\w-]){re.escape(cue.strip())}(?![\w-])", text):
            return True
    return False


texts = st.lists(
    st.one_of(st.sampled_from(CUES), st.sampled_from(EDGES), st.text(max_size=3)), max_size=8
).map("".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, name=st.sampled_from(sorted(LISTS)))
def test_a_list_of_cues_matches_as_each_cue_alone(text, name):
    cues = LISTS[name]
    assert series._any(text, cues) == _plain(text, cues)


def test_edges_of_a_word():
    cues = ("new", "start-up")
    assert series._any("new", cues) and series._any("a new one", cues) and series._any("(new)", cues)
    assert (
        not series._any("renew", cues) and not series._any("news", cues) and not series._any("non-new", cues)
    )
    assert not series._any("new-found", cues) and not series._any("_new", cues)
    assert series._any("start-ups? no: start-up.", cues) and not series._any("start-ups", cues)
    assert series._any("n\nnew", cues) and not series._any("新new", cues)  # a Chinese character is a word one
    assert series._any("逾5 800家新成立企業", ("新成立",)) and not series._any("", cues)


since_texts = st.lists(
    st.sampled_from(
        ["since", "since ", "its launch ", "2019", "1998", " ", "自", "年", "s", "ince", "x", "。"]
    ),
    max_size=8,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=since_texts)
def test_since_is_searched_only_where_it_can_match_and_then_as_ever(text):
    found, plain = series._since(text), series._SINCE.search(text)
    assert (found and found.groups()) == (plain and plain.groups())


def test_since_finds_a_start_in_either_language():
    assert series._since("a total of 300 since early 2019").group(1) == "2019"
    assert series._since("自2019年起").group(2) == "2019"
    assert series._since("sinc 2019") is None
