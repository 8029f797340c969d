"""Where each document was found, so identical bytes under two names are one document, reported.

A document's key is its content, and the `documents` table holds one source
per document; without this, a second file with the same bytes replaced the
first on every run, both counted as loaded and neither ever as unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from etl import db
from etl.corpus import RawDocument
from schemas.storage import DocumentLocation, DocumentRow


@dataclass(frozen=True)
class Seen:
    """What the database already knows of a file's bytes."""

    duplicate_of: str | None = None  # the source the document was loaded from, if not this file
    unchanged: bool = False  # a duplicate this place already held on an earlier run


def place(raw: RawDocument) -> str:
    """The file `raw` was read from, links resolved: the key of its location."""
    return raw.place if raw.place is not None else _place(raw)


def _place(raw: RawDocument) -> str:
    try:
        return str(raw.source.path.resolve())
    except OSError:
        return str(raw.source.path)


def locate(engine: Engine, raw: RawDocument, processed_with: str, run_id: int | None) -> Seen:
    """Record where `raw` was found; say whether it is a copy of a document already loaded."""
    place = _place(raw)
    with Session(engine) as s, s.begin():
        stored = s.execute(
            select(DocumentRow.source, DocumentRow.processed_with).where(DocumentRow.id == raw.sha256)
        ).first()
        before = s.get(DocumentLocation, place)
        held = before is not None and before.doc_id == raw.sha256
        s.merge(DocumentLocation(path=place, source=raw.name, doc_id=raw.sha256, run_id=run_id))
    if stored is None or stored[0] == raw.name or stored[1] != processed_with:
        return Seen()
    return Seen(duplicate_of=stored[0], unchanged=held)


def places(engine: Engine, doc_id: str) -> list[str]:
    """Every file a document was found at, in order."""
    with Session(engine) as s:
        return sorted(s.scalars(select(DocumentLocation.path).where(DocumentLocation.doc_id == doc_id)))


def held(engine: Engine) -> dict[str, tuple[str, str | None, str]]:
    """Every recorded place, the bytes last found there, the file's stamp then (`corpus.stamp`)
    and the name its corpus gave it, in one query (a run reads it once)."""
    loc = DocumentLocation
    with engine.connect() as c:
        rows = c.execute(select(loc.path, loc.doc_id, loc.stamp, loc.source))
        return {path: (doc_id, stamp, source) for path, doc_id, stamp, source in rows}


def record(engine: Engine, rows: list[dict]) -> None:
    """Store many places at once (`path, source, doc_id, run_id, stamp` each), replacing what each held."""
    if rows:
        with engine.begin() as c:
            db.upsert(c, DocumentLocation.__table__, rows, ["path"])  # type: ignore[arg-type]
