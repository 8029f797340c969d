"""Visible text of HTML pages maps back to offsets in the page source."""

from __future__ import annotations

from etl.text import html_page, looks_like_html, plain, visible

PAGE = """<!DOCTYPE html><html><head><title>LCQ1</title><script>var x = "over 99 datasets";</script></head>
<body><div id="nav">Home 2024 | 12 links</div>
<span id="PRHeadlineSpan">LCQ1: Open data</span>
<span id="pressrelease">Question:<br><br>How many?<br><br>Reply:<br><br>There are over 5&nbsp;500
   datasets in R&amp;D.<br><br>Ends/Wednesday, March 26, 2025</span>
<div id="footer">Issued at HKT 12:30</div></body></html>"""


def test_only_the_release_is_visible():
    v = html_page(PAGE)
    assert "LCQ1: Open data" in v.text
    assert "over 99" not in v.text and "Home" not in v.text and "HKT" not in v.text


def test_spans_map_to_source_offsets_entities_included():
    v = html_page(PAGE)
    i = v.text.index("over 5")
    j = v.text.index("datasets") + len("datasets")
    a, b = v.span(i, j)
    assert PAGE[a:b] == "over 5&nbsp;500\n   datasets"
    assert v.text[i:j] == "over 5\u00a0500 datasets"


def test_amp_entity_and_breaks():
    v = html_page(PAGE)
    assert "R&D" in v.text
    assert "Reply:\n\nThere are" in v.text


def test_plain_text_is_identity():
    v = plain("abc")
    assert v.span(1, 3) == (1, 3)
    assert not looks_like_html("LCQ13: x\n\nFollowing is")
    assert visible("LCQ13: x").map.identity
