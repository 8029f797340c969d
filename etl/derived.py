"""Proof that the stages after loading would change nothing, so an unchanged rerun skips them.

After the documents load, the pipeline rebuilds what it derives from all of
them: curated rows, the two versions compared, series and figure decisions,
uncurated series, conflicts and warnings (etl/pipeline.py `_after`). Each
of those passes reads every figure or observation, so at archive scale they
cost minutes even when nothing changed. Their result depends only on:

- the code, vocabularies, series files and registry (`processed_with`,
  etl/version.py);
- the documents stored: their ids (content hashes), sources and version, and the
  fields that pair and date them (LCQ number, day, language, address);
- the curated files (names and bytes);
- the stored series and figure decisions.

A completed pass stores a digest of those inputs with the counts it
reported (`keep`). A later pass whose inputs have the same digest would
write exactly what is stored, so it is skipped (`kept`). Every document write
deletes the stored digest in its own transaction (`forget`, called by
etl/load.py), so a run killed after loading, or documents written back to
what they were, never leave a digest that claims the derived rows are
current; the documents' part of the digest covers writers that do not call
`forget` (an older itdash).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection, Engine

from etl import db
from schemas.storage import DocumentRow, EtlState, ReviewDecision, SeriesDecision

KEY = "derived"
# What the passes read of a document beyond its figures: its identity and version, and what
# pairs it with its other version (etl/pairing.py) and dates its observations (etl/uncurated.py).
_DOCUMENT = (
    DocumentRow.id,
    DocumentRow.source,
    DocumentRow.processed_with,
    DocumentRow.lcq_number,
    DocumentRow.published,
    DocumentRow.lang,
    DocumentRow.url,
)
_TABLE = EtlState.__table__  # type: ignore[attr-defined]


def digest(engine: Engine, processed_with: str, curated: Iterable[Path]) -> str:
    """The digest of everything the stages after loading read that they do not write."""
    h = hashlib.sha256(processed_with.encode() + b"\0")
    for path in curated:
        try:
            data = path.read_bytes()
        except OSError as e:  # curated.read quarantines it; its rows stay as they were
            data = f"\0unreadable: {e.strerror}".encode()
        h.update(b"curated\0" + path.name.encode() + b"\0" + data + b"\0")
    with engine.connect() as c:
        docs = c.execute(select(*_DOCUMENT).order_by(DocumentRow.id))
        for row in docs:
            h.update("\0".join(map(str, row)).encode() + b"\n")
        for model in (SeriesDecision, ReviewDecision):
            table = model.__table__  # type: ignore[attr-defined]
            h.update(f"\0{table.name}\0".encode())
            for row in c.execute(select(table).order_by(table.c.id)).mappings():
                h.update(json.dumps(dict(row), default=str, sort_keys=True).encode() + b"\n")
    return h.hexdigest()


def kept(engine: Engine, token: str) -> dict | None:
    """What the last completed pass reported (its counts, the curated files' bad rows) if its
    inputs had digest `token`, else None."""
    with engine.connect() as c:
        value = c.scalar(select(_TABLE.c.value).where(_TABLE.c.key == KEY))
    if value is None:
        return None
    stored = json.loads(value)
    return stored["counts"] if stored.get("digest") == token else None


def keep(engine: Engine, token: str, counts: dict) -> None:
    """Remember a completed pass over inputs of digest `token`, with what it reported (JSON)."""
    value = json.dumps({"digest": token, "counts": counts}, sort_keys=True)
    with engine.begin() as c:
        db.upsert(c, _TABLE, [{"key": KEY, "value": value}], ["key"])


def forget(c: Connection) -> None:
    """Inside a document write's transaction: the derived rows are no longer proven current."""
    c.execute(delete(_TABLE).where(_TABLE.c.key == KEY))
