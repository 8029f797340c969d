"""A document's visible text cut into plain runs and figure runs, for highlighting.

Figures store offsets into the document's content: the text itself for a
plain-text reply, the page source for an HTML page (see `etl.text`). Here the
HTML case goes back through the same visible-text map the extractor used, so
a highlight covers exactly the characters the figure was read from, and the
page shows text (escaped by Dash) rather than markup.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from etl.text import VisibleText, visible


@dataclass(frozen=True)
class Run:
    text: str
    figure: int | None = None  # index into the spans given, or None for plain text


def to_visible(content: str, spans: Iterable[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """The visible text of `content` and each source span as a span of that text."""
    vis: VisibleText = visible(content)
    spans = list(spans)
    if vis.map.identity:
        return vis.text, spans
    starts = [vis.map.start(i) for i in range(len(vis.text))]
    out = []
    for s, e in spans:
        a = bisect.bisect_left(starts, s)
        b = bisect.bisect_left(starts, e)
        out.append((a, max(a, b)))
    return vis.text, out


def runs(text: str, spans: Iterable[tuple[int, int]]) -> list[Run]:
    """`text` as runs in order; empty, out-of-range or overlapping spans are left plain."""
    out: list[Run] = []
    pos = 0
    order = sorted(enumerate(spans), key=lambda x: (x[1][0], x[1][1]))
    for k, (s, e) in order:
        if s < pos or e <= s or e > len(text):
            continue
        if s > pos:
            out.append(Run(text[pos:s]))
        out.append(Run(text[s:e], k))
        pos = e
    if pos < len(text):
        out.append(Run(text[pos:]))
    return out
