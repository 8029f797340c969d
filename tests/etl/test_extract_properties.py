"""Property-based checks of the number grammar and the negatives (hypothesis)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.corpus import RawDocument, Source
from etl.extract import extract
from etl.extract.vocab import vocab
from etl.parse import parse

SEPARATORS = [" ", "\u00a0", "\u2009", "\u202f", ","]
SCALES = {"": 1, " thousand": 1e3, " million": 1e6, " billion": 1e9, "bn": 1e9, "mn": 1e6}
CURRENCIES = {"": None, "$": "HKD", "HK$": "HKD", "\\$": "HKD", "US$": "USD", "RMB": "CNY"}


def reply(sentence: str, day: date = date(2024, 5, 8)) -> list:
    """The reply figures of a one-paragraph reply given on `day`."""
    text = (
        "LCQ1: Property\n\nFollowing is a question by the Hon A B and a written reply by the "
        "Secretary for Innovation, Technology and Industry, Professor C D, in the Legislative "
        f"Council today ({day:%B} {day.day}):\n\nQuestion:\n\nHow many?\n\nReply:\n\nPresident,\n\n"
        + sentence
        + "\n"
    )
    name = f"{day.isoformat()}-x.txt"
    raw = RawDocument(Source(Path(name), name), text, "0" * 64, "utf-8")
    return [f for f in extract(parse(raw)) if f.part == "reply"]


def grouped(n: int, sep: str) -> str:
    digits = f"{n:,}"
    return digits.replace(",", sep)


HEDGES = sorted((p, k) for p, k in vocab().hedge_before_kind.items() if p not in ("within",))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=1, max_value=999_999_999),
    sep=st.sampled_from(SEPARATORS),
    scale=st.sampled_from(sorted(SCALES)),
    currency=st.sampled_from(sorted(CURRENCIES)),
    hedge=st.sampled_from([("", "exact"), *HEDGES]),
)
def test_any_integer_is_read_back_exactly(n, sep, scale, currency, hedge):
    phrase, qualifier = hedge
    if scale in ("bn", "mn") and not currency:
        scale = " million"
    number = f"{currency}{grouped(n, sep)}{scale}"
    sentence = f"The Open Data Portal recorded {phrase + ' ' if phrase else ''}{number} datasets last month."
    (fig,) = reply(sentence)
    assert fig.value == n * SCALES[scale]
    assert fig.qualifier == qualifier
    assert fig.unit == (CURRENCIES[currency] or "dataset")
    assert fig.text.endswith("datasets") or currency


NEGATIVES = [
    "the 2025-26 Budget",
    "Blueprint 2.0",
    "LCQ13",
    "the 14th meeting",
    "the 2nd phase",
    "third-generation",
    "Cap. 486",
    "section 4",
    "5G",
    "Web3",
    "COVID-19",
    "G20",
    "Phase 2",
    "Batch 1",
    "No. 3 Science Park Avenue",
    "Room 1203",
    "the hotline 1823",
    "2180 9000",
    "9:30 am",
    "hundreds of firms",
    "dozens of firms",
    "a few firms",
    "several firms",
    "one of the firms",
    "the one-stop portal",
    "March 26",
    "26 March 2025",
    "the year 2024",
    '"one visit at most"',
    "HKT 12:30",
    "the 3.5 GHz band",
    "(3)",
]
HOSTS = [
    "The Government noted {} in its review.",
    "In addition, {} was discussed with the industry.",
    "The Digital Policy Office will take forward {} as planned.",
    "{} remains a priority of the Bureau.",
]


@settings(max_examples=200, deadline=None)
@given(negative=st.sampled_from(NEGATIVES), host=st.sampled_from(HOSTS))
def test_negatives_are_never_figures(negative, host):
    sentence = host.format(negative)
    sentence = sentence[0].upper() + sentence[1:]
    assert reply(sentence) == []
