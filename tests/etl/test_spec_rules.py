"""One test per rule of shared/spec/figures.md, on sentences of our own (reply of 2024-05-08)."""

from __future__ import annotations

import pytest

from tests.etl.test_extract_properties import reply

# sentence, [(text, value, qualifier, unit, as_of), ...]
CASES = {
    "as of a month": (
        "As of December 2024, 58 enterprises were admitted.",
        [("58 enterprises", 58, "exact", "enterprise", "2024-12-31")],
    ),
    "by mid-year": (
        "By mid-2024, about 1 480 items were digitalised.",
        [("about 1 480 items", 1480, "about", "item", "2024-06-30")],
    ),
    "mid-month": (
        "In mid-May 2025, 12 start-ups joined.",
        [("12 start-ups", 12, "exact", "start-up", "2025-05-15")],
    ),
    "end of year": (
        "By end-2023, over 5 000 datasets were online.",
        [("over 5 000 datasets", 5000, "over", "dataset", "2023-12-31")],
    ),
    "as at the end": (
        "As at the end of 2023, 47 B/Ds took part.",
        [("47 B/Ds", 47, "exact", "bureau/department", "2023-12-31")],
    ),
    "leap month": (
        "In February 2024, 29 projects were approved.",
        [("29 projects", 29, "exact", "project", "2024-02-29")],
    ),
    "by a year": ("The target is 30 parks by 2027.", [("30 parks", 30, "exact", "park", "2027-12-31")]),
    "financial year": (
        "In 2024/25, some 180 measures were proposed.",
        [("some 180 measures", 180, "about", "measure", "2024-04-01/2025-03-31")],
    ),
    "financial year long": (
        "In the 2023-2024 financial year, 12 schemes ran.",
        [("12 schemes", 12, "exact", "scheme", "2023-04-01/2024-03-31")],
    ),
    "summed years": (
        "In 2021-22 and 2022-23, a total of 300 grants were made.",
        [("a total of 300 grants", 300, "exact", "grant", "2021-04-01/2023-03-31")],
    ),
    "calendar year": (
        "In 2023, 41 start-ups were admitted.",
        [("41 start-ups", 41, "exact", "start-up", "2023-01-01/2023-12-31")],
    ),
    "quarter": (
        "In the first quarter of 2025, 9 projects began.",
        [("9 projects", 9, "exact", "project", "2025-01-01/2025-03-31")],
    ),
    "half": (
        "In the first half of 2025, 20 projects began.",
        [("20 projects", 20, "exact", "project", "2025-01-01/2025-06-30")],
    ),
    "last year": (
        "Last year, 15 schemes were launched.",
        [("15 schemes", 15, "exact", "scheme", "2023-01-01/2023-12-31")],
    ),
    "no anchor": (
        "The portal has 5 500 datasets.",
        [("5 500 datasets", 5500, "exact", "dataset", "2024-05-08")],
    ),
    "since": (
        "Since 2019, over 200 start-ups have joined.",
        [("over 200 start-ups", 200, "over", "start-up", "2024-05-08")],
    ),
    "event date is no anchor": (
        "The branch, which commenced operation in 2023, now has 58 enterprises.",
        [("58 enterprises", 58, "exact", "enterprise", "2024-05-08")],
    ),
    "title is no anchor": (
        "As announced in the 2025-26 Budget, 10 labs will be set up.",
        [("10 labs", 10, "exact", "lab", "2024-05-08")],
    ),
    "range": (
        "Each grant runs for two to three years.",
        [("two", 2, "at_least", "year", "2024-05-08"), ("three years", 3, "up_to", "year", "2024-05-08")],
    ),
    "between": (
        "Between 200 and 300 firms applied.",
        [
            ("Between 200", 200, "at_least", "firm", "2024-05-08"),
            ("300 firms", 300, "up_to", "firm", "2024-05-08"),
        ],
    ),
    "change": (
        "Processing fell from about 60 to no more than 20 days.",
        [
            ("about 60", 60, "about", "day", "2024-05-08"),
            ("no more than 20 days", 20, "up_to", "day", "2024-05-08"),
        ],
    ),
    "over meaning during": (
        "The fund will be disbursed over four years.",
        [("over four years", 4, "exact", "year", "2024-05-08")],
    ),
    "money": (
        "A maximum of HK$5 million is available.",
        [("A maximum of HK$5 million", 5_000_000, "up_to", "HKD", "2024-05-08")],
    ),
    "escaped dollar": (
        "The \\$10 billion fund has five thematic areas.",
        [
            ("\\$10 billion", 1e10, "exact", "HKD", "2024-05-08"),
            ("five thematic areas", 5, "exact", "thematic area", "2024-05-08"),
        ],
    ),
    "lost separator": (
        "The portal has 3□000 datasets.",
        [("3□000 datasets", 3000, "exact", "dataset", "2024-05-08")],
    ),
    "percent words": (
        "Some 12.5 per cent of firms use AI.",
        [("Some 12.5 per cent", 12.5, "about", "percent", "2024-05-08")],
    ),
    "fraction": (
        "One-third of the firms are start-ups.",
        [("One-third", 100 / 3, "exact", "percent", "2024-05-08")],
    ),
    "nearly half of them": (
        "About 10 firms applied, and nearly half of them are in AI.",
        [
            ("About 10 firms", 10, "about", "firm", "2024-05-08"),
            ("nearly half of them", 50, "nearly", "percent", "2024-05-08"),
        ],
    ),
    "one or more": (
        "One or more sub-fund(s) will be set up.",
        [("One or more sub-fund(s)", 1, "at_least", "sub-fund", "2024-05-08")],
    ),
    "odd": (
        "There are 100-odd incubatees.",
        [("100-odd incubatees", 100, "over", "incubatee", "2024-05-08")],
    ),
    "or so": ("There are 40 or so labs.", [("40 or so labs", 40, "about", "lab", "2024-05-08")]),
    "once": (
        "Applicants visit offices no more than once.",
        [("no more than once", 1, "up_to", "time", "2024-05-08")],
    ),
    "a dozen": ("A dozen start-ups joined.", [("A dozen start-ups", 12, "exact", "start-up", "2024-05-08")]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_spec_rule(name):
    sentence, expected = CASES[name]
    got = [(f.text, f.value, f.qualifier, f.unit, f.as_of) for f in reply(sentence)]
    assert got == [(t, pytest.approx(v), q, u, a) for t, v, q, u, a in expected]


def test_continuing_sentence_inherits_the_anchor():
    figs = reply("As of December 2024, 58 enterprises were admitted. Among them, 40 are in AI.")
    assert [(f.value, f.as_of, f.unit) for f in figs] == [
        (58, "2024-12-31", "enterprise"),
        (40, "2024-12-31", "enterprise"),
    ]


def test_a_new_sentence_does_not_inherit_the_anchor():
    figs = reply("As of December 2024, 58 enterprises were admitted. The park has 12 labs.")
    assert [f.as_of for f in figs] == ["2024-12-31", "2024-05-08"]
