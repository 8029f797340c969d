"""A sentence's drafts become figures: one place for both languages' offsets and defaults.

English (etl/extract/__init__.py) and Chinese (etl/extract/zh.py) read numbers
with their own grammar into drafts of their own; what a figure records of a
draft (its span in the source, its clause, the defaults for a unit or date
not found) is the same record either way (shared/spec/figures.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from etl.parse import Reply
from etl.text import collapse
from schemas.figure import Figure


class Value(Protocol):
    value: float


class Sentence(Protocol):
    """Each language's sentence (a table row is one too): its span, part and item."""

    start: int
    end: int
    part: str | None
    item: int | None


class Draft(Protocol):
    """What each language's draft of a figure holds by the time it is emitted."""

    n: Value
    start: int
    end: int
    qualifier: str
    unit: str | None
    subject: str | None
    as_of: str | None


def emit(out: list[Figure], doc: Reply, s: Sentence, drafts: Sequence[Draft], sentence: str) -> None:
    """Append the figures of `drafts`, of sentence `s` (its text `sentence`), to `out`.

    A figure's clause is the text between its neighbours in the sentence, unless its draft
    carries one (an English table cell: its header and row label)."""
    text = doc.text
    for k, d in enumerate(drafts):
        a, b = doc.body.span(d.start, d.end)
        lo = drafts[k - 1].end if k else s.start
        hi = drafts[k + 1].start if k + 1 < len(drafts) else s.end
        out.append(
            Figure(
                doc=doc.name,
                part=s.part,
                item=s.item,
                start=a,
                end=b,
                text=doc.raw.text[a:b],
                value=d.n.value,
                qualifier=d.qualifier,
                unit=d.unit or "count",
                subject=d.subject,
                as_of=d.as_of or doc.date.isoformat(),
                sentence=sentence,
                clause=getattr(d, "clause", None) or collapse(text[lo:hi]),
                sentence_start=s.start,
                sentence_end=s.end,
            )
        )
