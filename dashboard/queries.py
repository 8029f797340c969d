"""Every read the dashboard makes, as parameterised SQLAlchemy statements.

Pages and download routes call these and never write SQL of their own, so a
change of storage touches one module.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from etl import db, settings
from schemas.tables import Document, Indicator, Observation, Theme

# The columns of `itdash export` and of every download, in order.
EXPORT_COLUMNS = [
    "indicator",
    "as_of",
    "value",
    "qualifier",
    "lower",
    "upper",
    "unit",
    "source_kind",
    "source_url",
    "published",
    "sentence",
    "status",
    "conflict",
]


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return db.engine(url, create=True)


def engine(url: str | None = None) -> Engine:
    """The engine for the app's database (or `url`); opened once per process."""
    if url is None:
        url = current_app.config["ITDASH_DATABASE_URL"] if has_app_context() else settings.database_url()
    return _engine(url)


def indicators(eng: Engine) -> pd.DataFrame:
    """Indicators with their theme label and how many observations each has."""
    n = (
        select(Observation.indicator_id, func.count().label("n"))
        .group_by(Observation.indicator_id)
        .subquery()
    )
    stmt = (
        select(
            Indicator.id,
            Indicator.label_en,
            Indicator.label_zh,
            Indicator.unit,
            Indicator.kind,
            Indicator.theme,
            Theme.label_en.label("theme_en"),
            Theme.label_zh.label("theme_zh"),
            func.coalesce(n.c.n, 0).label("n"),
        )
        .join(Theme, Theme.id == Indicator.theme)
        .join(n, n.c.indicator_id == Indicator.id, isouter=True)
        .order_by(Indicator.theme, Indicator.id)
    )
    with eng.connect() as c:
        return pd.DataFrame(
            c.execute(stmt).mappings().all(),
            columns=["id", "label_en", "label_zh", "unit", "kind", "theme", "theme_en", "theme_zh", "n"],
        )


def observations(eng: Engine, indicator_id: str | None = None) -> pd.DataFrame:
    """Observations in export shape (plus the document id), oldest first."""
    stmt = select(
        Observation.indicator_id.label("indicator"),
        Observation.as_of,
        Observation.value,
        Observation.qualifier,
        Observation.lower,
        Observation.upper,
        Observation.unit,
        Observation.source_kind,
        Observation.source_url,
        Observation.published,
        Observation.sentence,
        Observation.status,
        Observation.conflict,
        Observation.doc_id,
        Observation.period_start,
        Observation.period_end,
        Observation.id,
    ).order_by(Observation.indicator_id, Observation.period_end, Observation.id)
    if indicator_id is not None:
        stmt = stmt.where(Observation.indicator_id == indicator_id)
    with eng.connect() as c:
        rows = c.execute(stmt).mappings().all()
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS + ["doc_id", "period_start", "period_end", "id"])


def document_titles(eng: Engine, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    with eng.connect() as c:
        rows = c.execute(select(Document.id, Document.title).where(Document.id.in_(ids))).all()
    return {r[0]: r[1] or r[0][:12] for r in rows}


def document_content(eng: Engine, doc_id: str) -> str | None:
    with eng.connect() as c:
        return c.execute(select(Document.content).where(Document.id == doc_id)).scalar_one_or_none()
