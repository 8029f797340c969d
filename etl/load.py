"""The ETL's database: documents written whole, quarantine for failures, and the reads it needs.

A changed document (same source, new content) replaces its old rows inside
the same transaction, so readers see the old version or the new, never half.
Documents are written many to a transaction with SQLAlchemy Core multi-row
inserts (`write_documents`): building an ORM object per row and flushing it
cost more than the extraction. The pipeline asks here (`stored`,
`series_observations`) rather than writing SQL itself, so it only runs the
stages in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel

from etl import db, derived
from etl.errors import reason_code
from etl.indicators import Registry
from etl.pairing import KIND as TWINS
from schemas.storage import (
    DocumentRow,
    EtlRun,
    FigureRow,
    Indicator,
    Observation,
    Quarantine,
    Sentence,
    SeriesWarning,
    Target,
    Theme,
)


def sync_registry(engine: Engine, registry: Registry) -> None:
    """Make the indicators and themes tables say what the registry files say."""
    with Session(engine) as s, s.begin():
        for t in registry.themes.values():
            s.merge(Theme(id=t.id, label_en=t.label_en, label_zh=t.label_zh))
        s.flush()
        for ind in registry.indicators.values():
            s.merge(
                Indicator(
                    id=ind.id,
                    label_en=ind.label_en,
                    label_zh=ind.label_zh,
                    unit=ind.unit,
                    theme=ind.theme,
                    kind=ind.kind,
                    headline=ind.headline,
                    definition=ind.definition.strip(),
                    definition_zh=ind.definition_zh.strip() if ind.definition_zh else None,
                )
            )
        s.flush()
        # An uncurated series' row (etl/uncurated.py) is not the registry's to remove.
        registered = select(Indicator.id).where(Indicator.series.is_(None))
        gone = [i for i in s.scalars(registered) if i not in registry.indicators]
        if gone:
            s.execute(delete(Observation).where(Observation.indicator_id.in_(gone)))
            s.execute(delete(Target).where(Target.indicator_id.in_(gone)))
            s.execute(delete(SeriesWarning).where(SeriesWarning.indicator_id.in_(gone)))
            s.execute(delete(Indicator).where(Indicator.id.in_(gone)))
        known_themes = set(registry.themes)
        s.execute(delete(Theme).where(Theme.id.not_in(known_themes)))


def is_current(engine: Engine, source: str, doc_id: str, processed_with: str) -> bool:
    """Whether this exact document was already loaded by this version of the ETL."""
    with Session(engine) as s:
        row = s.execute(
            select(DocumentRow.id, DocumentRow.processed_with).where(DocumentRow.source == source)
        ).first()
    return bool(row) and row[0] == doc_id and row[1] == processed_with


@dataclass
class Rows:
    """One document's rows as plain column dicts: picklable, cheap to insert, ready for a frame."""

    document: dict
    figures: list[dict] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)  # each once: figures and observations name them

    @property
    def source(self) -> str:
        return self.document["source"]

    @property
    def id(self) -> str:
        return self.document["id"]


def as_dicts(rows: Iterable[SQLModel]) -> list[dict]:
    """Each table row's column values, by column key (what a Core insert takes)."""
    out = []
    for row in rows:
        keys = [c.key for c in type(row).__table__.columns]  # type: ignore[attr-defined]
        values = row.__dict__
        out.append({k: values.get(k, getattr(row, k, None)) for k in keys})
    return out


def rows_of(
    doc: DocumentRow,
    figures: Sequence[FigureRow] = (),
    observations: Sequence[Observation] = (),
    targets: Sequence[Target] = (),
    sentences: Sequence[Sentence] = (),
) -> Rows:
    return Rows(
        as_dicts([doc])[0], as_dicts(figures), as_dicts(observations), as_dicts(targets), as_dicts(sentences)
    )


@dataclass
class Stored:
    """What the database holds of every document, read once per run rather than once a document."""

    by_source: dict[str, tuple[str, str]]  # source -> (id, processed_with)
    by_id: dict[str, tuple[str, str]]  # id -> (source, processed_with)

    def is_current(self, source: str, doc_id: str, processed_with: str) -> bool:
        return self.by_source.get(source) == (doc_id, processed_with)

    def duplicate_of(self, source: str, doc_id: str, processed_with: str) -> str | None:
        """The other source these bytes were loaded from by this version, if any (`locations.locate`)."""
        held = self.by_id.get(doc_id)
        if held is None or held[0] == source or held[1] != processed_with:
            return None
        return held[0]

    def forget(self, doc_ids: Sequence[str]) -> None:
        """These documents are no longer stored (set aside, etl/setaside.py)."""
        for doc_id in doc_ids:
            source, _ = self.by_id.pop(doc_id, (None, None))
            if source is not None and self.by_source.get(source, (None,))[0] == doc_id:
                del self.by_source[source]

    def wrote(self, rows: Rows) -> None:
        old = self.by_id.get(rows.id)
        if old is not None and old[0] != rows.source:
            self.by_source.pop(old[0], None)
        before = self.by_source.get(rows.source)
        if before is not None:
            self.by_id.pop(before[0], None)
        pw = rows.document["processed_with"]
        self.by_source[rows.source] = (rows.id, pw)
        self.by_id[rows.id] = (rows.source, pw)


def stored(engine: Engine) -> Stored:
    """Every stored document's source, id and version, in one query."""
    with engine.connect() as c:
        found = c.execute(select(DocumentRow.source, DocumentRow.id, DocumentRow.processed_with)).all()
    return Stored({s: (i, p) for s, i, p in found}, {i: (s, p) for s, i, p in found})


def write_document(
    engine: Engine,
    doc: DocumentRow,
    figures: list[FigureRow],
    observations: list[Observation],
    targets: list[Target] = (),  # type: ignore[assignment]
    sentences: list[Sentence] = (),  # type: ignore[assignment]
) -> None:
    """Replace whatever the database holds for this document's source, atomically."""
    write_documents(engine, [rows_of(doc, figures, observations, targets, sentences)])


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,return-value]


def write_documents(engine: Engine, docs: Sequence[Rows]) -> None:
    """Replace what the database holds for each document's source and bytes, all in one transaction.

    All or nothing: if any document is refused, none of them is written, and
    the caller retries them one by one so only that document is lost.
    """
    if not docs:
        return
    sources = [d.source for d in docs]
    ids = [d.id for d in docs]
    with engine.begin() as c:
        derived.forget(c)  # first: shards writing at once take this row in one order
        old = list(
            c.scalars(
                select(DocumentRow.id).where(or_(DocumentRow.source.in_(sources), DocumentRow.id.in_(ids)))
            )
        )
        db.remove_documents(c, old)
        c.execute(delete(Quarantine).where(Quarantine.source.in_(sources)))
        db.bulk_insert(c, _table(DocumentRow), [d.document for d in docs])
        parts = (Sentence, "sentences"), (FigureRow, "figures"), (Observation, "observations")
        for model, part in (*parts, (Target, "targets")):
            found = [row for d in docs for row in getattr(d, part)]
            if found:
                db.bulk_insert(c, _table(model), found)


def quarantine_many(engine: Engine, failures: Sequence[dict]) -> None:
    """Keep many failures with their reasons (`source, doc_id, stage, reason, run_id` each), one a source."""
    if failures:
        last = {f["source"]: {**f, **_coded(f["reason"])} for f in failures}
        with engine.begin() as c:
            db.upsert(c, _table(Quarantine), list(last.values()), ["source"])


def quarantine(
    engine: Engine, source: str, doc_id: str | None, stage: str, reason: str, run_id: int | None
) -> None:
    """Keep a failure with its reason; the document's last good version stays loaded."""
    with Session(engine) as s, s.begin():
        s.merge(
            Quarantine(
                source=source, doc_id=doc_id, stage=stage, reason=reason, run_id=run_id, **_coded(reason)
            )
        )


def _coded(reason: str) -> dict[str, str | None]:
    """The reason's kind and detail (etl/errors.py's REASONS), stored for pages in other languages."""
    code, detail = reason_code(reason)
    return {"code": code, "detail": detail}


def start_run(engine: Engine, run: EtlRun) -> int:
    with Session(engine) as s, s.begin():
        s.add(run)
        s.flush()
        assert run.id is not None
        return run.id


def finish_run(engine: Engine, run_id: int, **fields: object) -> None:
    with Session(engine) as s, s.begin():
        run = s.get(EtlRun, run_id)
        assert run is not None
        for k, v in fields.items():
            setattr(run, k, v)


def write_curated(engine: Engine, name: str, observations: list[Observation], targets: list[Target]) -> None:
    """Replace one curated file's rows, atomically."""
    prefix = f"curated:{name}:"
    seen: set[str] = set()
    obs = [o for o in observations if not (o.id in seen or seen.add(o.id))]
    tgt = [t for t in targets if not (t.id in seen or seen.add(t.id))]
    with Session(engine) as s, s.begin():
        s.execute(delete(Observation).where(Observation.id.startswith(prefix)))
        s.execute(delete(Target).where(Target.id.startswith(prefix)))
        s.flush()
        s.add_all(obs)
        s.add_all(tgt)


@contextmanager
def _begun(bind: Engine | Connection) -> Iterator[Connection]:
    """The connection's own transaction, or a new one of the engine's."""
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.begin() as c:
            yield c


def write_series(
    bind: Engine | Connection,
    flags: list[dict],
    warnings: list[dict],
    lo: str | None = None,
    hi: str | None = None,
) -> None:
    """Store conflicts, revisions and preferred values, and replace the warnings of the
    indicators in the range `lo`..`hi` (`series_pieces`; all of them by default).

    `flags` need only name the observations whose flags changed; the warnings
    are compared with those stored, so an unchanged corpus writes nothing. The
    two versions' disagreements are etl/pairing.py's to write, and left alone here.
    """
    table = _table(SeriesWarning)
    with _begun(bind) as c:
        db.update_rows(c, _table(Observation), "id", flags)
        blank = {col.key: None for col in table.columns}
        mine = (table.c.kind != TWINS) & db.within(table.c.indicator_id, lo, hi)
        have = {r["id"]: dict(r) for r in c.execute(select(table).where(mine)).mappings()}
        want = {w["id"]: {**blank, **w} for w in warnings}
        if have != want:
            c.execute(delete(table).where(mine))
            # A warning whose observation moved to an indicator of another piece keeps its id.
            db.delete_in(c, table, table.c.id, list(want))
            if warnings:
                db.bulk_insert(c, table, list(want.values()))
        if lo is None and hi is not None:
            # Warnings of no indicator lie in no piece: swept with the first of several.
            c.execute(delete(table).where(table.c.kind != TWINS, table.c.indicator_id.is_(None)))


SERIES_PIECE = 50_000  # observations reconciled at a time: the series pass's memory stays flat


def series_pieces(bind: Engine | Connection, size: int = SERIES_PIECE) -> list[tuple[str | None, str | None]]:
    """Ranges of indicator ids (`db.key_ranges`), each of whole indicators with about `size`
    observations: reconciliation and its checks look within one indicator only, so each range
    is reconciled on its own."""
    counts = (
        select(Observation.indicator_id, func.count())
        .group_by(Observation.indicator_id)
        .order_by(Observation.indicator_id)
    )
    with _begun(bind) as c:
        return db.key_ranges(c, counts, size)


SERIES_COLUMNS = (
    Observation.id,
    Observation.indicator_id,
    Observation.as_of,
    Observation.value,
    Observation.qualifier,
    Observation.source_kind,
    Observation.source_tier,
    Observation.published,
    Observation.period_start,
    Observation.period_end,
)


def series_observations(
    bind: Engine | Connection, lo: str | None = None, hi: str | None = None
) -> pd.DataFrame:
    """Every observation (of the indicators in `lo`..`hi`) with what reconcile needs to group,
    order and check the series."""
    stmt = select(*SERIES_COLUMNS).where(db.within(Observation.indicator_id, lo, hi))
    with _begun(bind) as c:
        rows = c.execute(stmt).all()
    # Plain tuples: from Row objects pandas probes every row's attributes, 8x the time.
    return pd.DataFrame([tuple(r) for r in rows], columns=[x.key for x in SERIES_COLUMNS])


def series_flags(bind: Engine | Connection, lo: str | None = None, hi: str | None = None) -> pd.DataFrame:
    """Every observation's (of the indicators in `lo`..`hi`) stored conflict, revision and
    preferred flags: only changes are written back."""
    cols = (Observation.id, Observation.conflict, Observation.revision, Observation.preferred)
    stmt = select(*cols).where(db.within(Observation.indicator_id, lo, hi))
    with _begun(bind) as c:
        rows = c.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=[x.key for x in cols])
