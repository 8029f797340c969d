"""Rules of shared/spec/figures.md that span sentences, on sentences of our own (reply of 2024-05-08).

The one-sentence cases, one a rule, are golden: tests/etl/golden/spec_rules.yaml
(tests/etl/test_extract_golden.py).
"""

from __future__ import annotations

from tests.etl.test_extract_properties import reply


def test_continuing_sentence_inherits_the_anchor():
    figs = reply("As of December 2024, 58 enterprises were admitted. Among them, 40 are in AI.")
    assert [(f.value, f.as_of, f.unit) for f in figs] == [
        (58, "2024-12-31", "enterprise"),
        (40, "2024-12-31", "enterprise"),
    ]


def test_a_new_sentence_does_not_inherit_the_anchor():
    figs = reply("As of December 2024, 58 enterprises were admitted. The park has 12 labs.")
    assert [f.as_of for f in figs] == ["2024-12-31", "2024-05-08"]
