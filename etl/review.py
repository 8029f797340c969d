"""Analysts' decisions on figures: stored with who, when and why, applied after every run.

Extraction never overwrites a decision: the ETL rebuilds what it derives and
then `apply` lays every stored decision on top, in the order they were made.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from etl import normalise, uncurated
from etl.errors import ItdashError
from etl.sentences import text_of
from schemas.figure import QUALIFIERS
from schemas.storage import DocumentRow, FigureRow, Indicator, Observation, ReviewDecision

ACTIONS = ("map", "correct", "reject", "accept")


def decide(
    engine: Engine,
    figure_id: str,
    action: str,
    reason: str,
    who: str,
    indicator_id: str | None = None,
    value: float | None = None,
    qualifier: str | None = None,
) -> ReviewDecision:
    """Store one decision after checking it makes sense; raises ItdashError otherwise."""
    if action not in ACTIONS:
        raise ItdashError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    if not reason.strip():
        raise ItdashError("a decision needs a reason")
    with Session(engine) as s:
        fig = s.get(FigureRow, figure_id)
        if fig is None:
            raise ItdashError(f"no figure {figure_id!r}")
        if action == "map" and (indicator_id is None or s.get(Indicator, indicator_id) is None):
            raise ItdashError(f"map needs a known indicator, not {indicator_id!r}")
        if action == "correct":
            if value is None and qualifier is None:
                raise ItdashError("correct needs a new value or qualifier")
            if value is not None and value < 0:
                raise ItdashError("a value cannot be negative")
            if qualifier is not None and qualifier not in QUALIFIERS:
                raise ItdashError(f"qualifier {qualifier!r} is not one of {', '.join(QUALIFIERS)}")
    decision = ReviewDecision(
        figure_id=figure_id,
        action=action,
        indicator_id=indicator_id,
        value=value,
        qualifier=qualifier,
        reason=reason.strip(),
        who=who,
        at=datetime.now(UTC),
    )
    with Session(engine) as s, s.begin():
        s.add(decision)
    apply(engine)
    # A figure mapped to the registry leaves its uncurated series; in this process alone, as a
    # decision is made in the dashboard's server (etl/series_review.py).
    uncurated.sync(engine, processes=1)
    return decision


def apply(engine: Engine) -> int:
    """Lay every stored decision over the derived tables; returns how many applied."""
    applied = 0
    with Session(engine) as s, s.begin():
        decisions = s.scalars(select(ReviewDecision).order_by(ReviewDecision.at, ReviewDecision.id)).all()
        for d in decisions:
            fig = s.get(FigureRow, d.figure_id)
            if fig is None:
                continue  # stale: its document changed; `itdash review` lists it
            doc = s.get(DocumentRow, fig.doc_id)
            obs_id = normalise.reply_id(fig.id)
            obs = s.get(Observation, obs_id)
            if d.action == "reject":
                if obs is not None:
                    s.delete(obs)
                fig.mapping = "rejected"
            elif d.action in ("map", "correct", "accept"):
                indicator = d.indicator_id or fig.indicator_id or (obs.indicator_id if obs else None)
                if d.action == "map":
                    fig.mapping, fig.indicator_id, fig.rule = "mapped", d.indicator_id, "review"
                if indicator is None:
                    continue
                value = obs.value if obs is not None else fig.value
                qualifier = obs.qualifier if obs is not None else fig.qualifier
                if d.action == "correct":
                    value = d.value if d.value is not None else value
                    qualifier = d.qualifier or qualifier
                unit = (
                    s.get(Indicator, indicator).unit if d.action == "map" else (obs.unit if obs else fig.unit)
                )
                status = {"map": "reviewed", "accept": "reviewed", "correct": "corrected"}[d.action]
                if obs is not None and obs.status == "corrected" and d.action != "correct":
                    status = "corrected"
                new = normalise.observation(
                    normalise.Stated(obs_id, indicator, fig.as_of, value, qualifier, unit),
                    normalise.Source(
                        "reply",
                        doc.url if doc else None,
                        doc.published if doc else None,
                        figure_id=fig.id,
                        doc_id=fig.doc_id,
                        sentence_id=fig.sentence_id,
                    ),
                    sentence=None,
                    rule="review" if d.action == "map" else (obs.rule if obs else "review"),
                    status=status,
                )
                s.merge(new)
            s.flush()
            applied += 1
    return applied


def pending(engine: Engine) -> pd.DataFrame:
    """Reply figures awaiting review: unmapped or ambiguous, with no decision yet, and not joined
    to a registry indicator through their series (etl/uncurated.py's aliases)."""
    decided = select(ReviewDecision.figure_id)
    registry = select(Indicator.id).where(Indicator.series.is_(None))
    aliased = select(Observation.figure_id).where(
        Observation.rule == uncurated.RULE, Observation.indicator_id.in_(registry)
    )
    stmt = (
        select(
            FigureRow.id,
            FigureRow.text,
            FigureRow.value,
            FigureRow.qualifier,
            FigureRow.unit,
            FigureRow.subject,
            FigureRow.as_of,
            FigureRow.mapping,
            FigureRow.rule,
            text_of(FigureRow.sentence_id).label("sentence"),
            DocumentRow.source,
        )
        .join(DocumentRow, DocumentRow.id == FigureRow.doc_id)
        .where(
            FigureRow.part == "reply",
            FigureRow.mapping.in_(["unmapped", "ambiguous"]),
            FigureRow.id.not_in(decided),
            FigureRow.id.not_in(aliased),
        )
        .order_by(DocumentRow.source, FigureRow.start)
    )
    with engine.connect() as c:
        rows = c.execute(stmt).mappings().all()
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "text",
            "value",
            "qualifier",
            "unit",
            "subject",
            "as_of",
            "mapping",
            "rule",
            "sentence",
            "source",
        ],
    )


def stale(engine: Engine) -> list[ReviewDecision]:
    """Decisions whose figure is gone (its document changed)."""
    with Session(engine) as s:
        return list(
            s.scalars(select(ReviewDecision).where(ReviewDecision.figure_id.not_in(select(FigureRow.id))))
        )


def forget(engine: Engine, decision_id: int) -> None:
    with Session(engine) as s, s.begin():
        s.execute(delete(ReviewDecision).where(ReviewDecision.id == decision_id))
