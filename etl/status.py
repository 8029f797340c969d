"""What the database holds, in numbers: for `itdash status` and the ETL's summary."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Engine

from etl import review
from schemas.storage import EtlRun, Indicator, Observation, Quarantine, SeriesWarning, Target


def report(engine: Engine) -> dict[str, object]:
    with engine.connect() as c:
        by_kind = dict(
            c.execute(select(Observation.source_kind, func.count()).group_by(Observation.source_kind)).all()
        )
        last = c.execute(select(EtlRun).order_by(EtlRun.id.desc()).limit(1)).mappings().first()
        out: dict[str, object] = {
            "indicators": c.execute(select(func.count()).select_from(Indicator)).scalar_one(),
            "indicators_with_data": c.execute(
                select(func.count(distinct(Observation.indicator_id)))
            ).scalar_one(),
            "observations": sum(by_kind.values()),
            # Series nobody has curated (etl/uncurated.py), and how many of the observations are theirs.
            "uncurated_series": c.execute(
                select(func.count()).select_from(Indicator).where(Indicator.series.is_not(None))
            ).scalar_one(),
            "uncurated_observations": c.execute(
                select(func.count())
                .select_from(Observation)
                .where(
                    Observation.indicator_id.in_(select(Indicator.id).where(Indicator.series.is_not(None)))
                )
            ).scalar_one(),
            "observations_by_source_kind": by_kind,
            "conflicts": c.execute(
                select(func.count()).select_from(Observation).where(Observation.conflict)
            ).scalar_one(),
            "warnings": c.execute(select(func.count()).select_from(SeriesWarning)).scalar_one(),
            "targets": c.execute(select(func.count()).select_from(Target)).scalar_one(),
            "quarantined": c.execute(select(func.count()).select_from(Quarantine)).scalar_one(),
            "last_run": None
            if last is None
            else {
                "finished_at": str(last["finished_at"]),
                "seconds": last["seconds"],
                "documents_read": last["documents_read"],
            },
        }
    out["awaiting_review"] = len(review.pending(engine))
    out["stale_decisions"] = len(review.stale(engine))
    return out
