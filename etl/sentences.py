"""A document's sentences stored once, and a figure's sentence and clause read back from them.

A reply of 3 000 numbers in one 51 KB sentence stored that sentence on each
figure and each observation: 154 MB, growing with the square of the sentence.
Now the sentence is one row of `sentences` and a figure's clause is a span of
it, so storage grows with the document. Every reader joins `text_of` (or, for
ORM rows, `texts`) to get the words back; outputs are what they were.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from schemas.storage import Sentence

_CHUNK = 500  # ids per IN (...) list: well under SQLite's limit on bound parameters


def sentence_id(doc_id: str, text: str) -> str:
    """Derived from the document and the words, so a rerun writes the same key (and one a sentence)."""
    return hashlib.sha256(f"{doc_id}\n{text}".encode()).hexdigest()[:32]


def clause_fields(sentence: str, clause: str) -> dict:
    """Where the clause sits in its sentence; its own words only where it is not part of it."""
    k = sentence.find(clause)
    if k < 0:
        return {"clause_start": None, "clause_end": None, "clause_text": clause}
    return {"clause_start": k, "clause_end": k + len(clause), "clause_text": None}


def clause_of(sentence: str, start: int | None, end: int | None, own: str | None) -> str:
    """The clause `clause_fields` stored, given the sentence."""
    if own is not None or start is None or end is None:
        return own or ""
    return sentence[start:end]


def text_of(sentence_id: ColumnElement, fallback: ColumnElement | None = None) -> ColumnElement:
    """The words of a row's sentence, as a scalar subquery (a curated row's own note when it has none).

    A subquery rather than a join, so every select that read the old column
    reads this in its place without another table in its FROM.
    """
    found = select(Sentence.text).where(Sentence.id == sentence_id).scalar_subquery()
    return found if fallback is None else func.coalesce(found, fallback)


def texts(s: Session | Connection, ids: Iterable[str | None]) -> dict[str, str]:
    """The words of these sentences, by id."""
    wanted = sorted({i for i in ids if i})
    out: dict[str, str] = {}
    for k in range(0, len(wanted), _CHUNK):
        chunk = wanted[k : k + _CHUNK]
        out.update(s.execute(select(Sentence.id, Sentence.text).where(Sentence.id.in_(chunk))).tuples().all())
    return out
