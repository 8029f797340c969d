"""Sentences of a reply, each knowing its part, item and paragraph.

Rules (docs/extraction.md): a sentence ends at `.`, `?` or `!` followed by a
capital, a quote or a parenthesis, except after an abbreviation; paragraphs end
sentences unless a hard line break cut one in two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl.extract.tables import Row, rows
from etl.extract.vocab import Vocab
from etl.parse import Reply

_END = re.compile(r"[.?!][\"”’)]?(?=\s+[\"“‘(\[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")
_ITEM = re.compile(r"\(\d{1,2}\)\s+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    part: str | None
    item: int | None
    paragraph: int
    row: Row | None = None  # set when the sentence is a table row


def _joined_paragraphs(doc: Reply) -> list[tuple[int, int, int]]:
    """Paragraphs as (start, end, index), hard-broken ones joined back."""
    text = doc.text
    out: list[list[int]] = []
    for k, p in enumerate(doc.paragraphs):
        if out:
            prev_end = out[-1][1]
            tail = text[:prev_end].rstrip(" □\u00a0")
            nxt = text[p.start : p.start + 1]
            same_part = doc.part_at(prev_end - 1) == p.part
            if same_part and tail and tail[-1] not in '.?!:;"”)' and nxt.islower():
                out[-1][1] = p.end
                continue
        out.append([p.start, p.end, k])
    return [(a, b, k) for a, b, k in out]


def split(doc: Reply, v: Vocab) -> list[Sentence]:
    """Every sentence of the document, in order."""
    text = doc.text
    sentences: list[Sentence] = []
    for a, b, k in _joined_paragraphs(doc):
        para = doc.paragraphs[k]
        table = rows(text, a, b)
        if table is not None:
            for r in table:
                if r.cells:
                    sentences.append(Sentence(r.cells[0][0], r.cells[-1][1], para.part, para.item, k, r))
            continue
        marker = _ITEM.match(text, a)  # "(1) " opens an item; it is not part of a sentence
        start = marker.end() if marker else a
        for m in _END.finditer(text, a, b):
            word = _WORD_BEFORE.search(text, max(a, m.start() - 12), m.start())
            if word and word.group(1).lower().rstrip(".") in v.abbreviations:
                continue
            if (
                m.start() > 0
                and text[m.start() - 1].isupper()
                and (m.start() < 2 or text[m.start() - 2] in " \t\n(\u00a0")
            ):
                continue  # an initial, as in "Mr A. Chan"; "I&T." ends a sentence
            sentences.append(Sentence(start, m.end(), para.part, para.item, k))
            start = m.end()
            while start < b and text[start].isspace():
                start += 1
        if start < b:
            sentences.append(Sentence(start, b, para.part, para.item, k))
    return sentences
