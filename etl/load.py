"""The ETL's database: one transaction per document, quarantine for failures, and the reads it needs.

A changed document (same source, new content) replaces its old rows inside
the same transaction, so readers see the old version or the new, never half.
The pipeline asks here (`is_current`, `series_observations`) rather than
writing SQL itself, so it only runs the stages in order.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from etl.indicators import Registry
from schemas.storage import (
    DocumentRow,
    EtlRun,
    FigureRow,
    Indicator,
    Observation,
    Quarantine,
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
                )
            )
        s.flush()
        gone = [i for i in s.scalars(select(Indicator.id)) if i not in registry.indicators]
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


def _remove(s: Session, doc_ids: list[str]) -> None:
    if not doc_ids:
        return
    s.execute(delete(Observation).where(Observation.doc_id.in_(doc_ids)))
    s.execute(delete(Target).where(Target.doc_id.in_(doc_ids)))
    s.execute(delete(FigureRow).where(FigureRow.doc_id.in_(doc_ids)))
    s.execute(delete(DocumentRow).where(DocumentRow.id.in_(doc_ids)))


def write_document(
    engine: Engine,
    doc: DocumentRow,
    figures: list[FigureRow],
    observations: list[Observation],
    targets: list[Target] = (),  # type: ignore[assignment]
) -> None:
    """Replace whatever the database holds for this document's source, atomically."""
    with Session(engine) as s, s.begin():
        old = list(
            s.scalars(
                select(DocumentRow.id).where((DocumentRow.source == doc.source) | (DocumentRow.id == doc.id))
            )
        )
        _remove(s, old)
        s.execute(delete(Quarantine).where(Quarantine.source == doc.source))
        s.flush()
        s.add(doc)
        s.flush()
        s.add_all(figures)
        s.flush()
        s.add_all(observations)
        s.add_all(targets)


def quarantine(
    engine: Engine, source: str, doc_id: str | None, stage: str, reason: str, run_id: int | None
) -> None:
    """Keep a failure with its reason; the document's last good version stays loaded."""
    with Session(engine) as s, s.begin():
        s.merge(Quarantine(source=source, doc_id=doc_id, stage=stage, reason=reason, run_id=run_id))


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


def write_series(engine: Engine, flags: list[dict], warnings: list[dict]) -> None:
    """Store conflicts, revisions and preferred values, and replace the warnings."""
    with Session(engine) as s, s.begin():
        if flags:
            s.execute(update(Observation), flags)
        s.execute(delete(SeriesWarning))
        s.flush()
        s.add_all(SeriesWarning(**w) for w in warnings)


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


def series_observations(engine: Engine) -> pd.DataFrame:
    """Every observation with what reconcile needs to group, order and check the series."""
    with engine.connect() as c:
        rows = c.execute(select(*SERIES_COLUMNS)).mappings().all()
    return pd.DataFrame(rows, columns=[x.key for x in SERIES_COLUMNS])
