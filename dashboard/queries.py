"""Every read the dashboard makes, as parameterised SQLAlchemy statements.

Pages and download routes call these and never write SQL of their own, so a
change of storage touches one module. `Filters` is the one reading of the
address's filter parameters, shared by the data page and the downloads, so a
page and its download always agree on which rows they mean.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache

import pandas as pd
from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from etl import db, export, settings
from etl import indicators as registry
from etl.errors import ConfigError
from etl.export import EXPORT_COLUMNS, EXTRA_COLUMNS  # noqa: F401 - re-exported for downloads
from schemas.registry import Event
from schemas.tables import Document, EtlRun, Figure, Indicator, Observation, Quarantine, Theme

log = logging.getLogger("itdash.dashboard")

# The columns of `itdash export` and of every download, in order (etl/export.py).
_OBS_COLUMNS = EXPORT_COLUMNS + ["preferred", "revision", "period_start", "period_end", "doc_id", "id"]


class FilterError(ValueError):
    """A filter parameter that cannot be read, with a message for the person who wrote it."""


@dataclass(frozen=True)
class Filters:
    """Which observations a page or download means; None is no filter.

    `date_from` / `date_to` keep observations whose period overlaps the range,
    so a financial-year figure counts for both calendar years it touches.
    """

    theme: str | None = None
    indicator: str | None = None
    source_kind: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    PARAMS = {"date_from": "from", "date_to": "to"}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> Filters:
        """Filters from query parameters (`theme`, `indicator`, `source_kind`, `status`, `from`, `to`)."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = args.get(cls.PARAMS.get(f.name, f.name))
            if isinstance(raw, list):  # a repeated parameter: the last one wins
                raw = raw[-1] if raw else None
            if raw in (None, ""):
                continue
            if f.name.startswith("date_"):
                try:
                    values[f.name] = date.fromisoformat(str(raw)[:10])
                except ValueError:
                    name = cls.PARAMS[f.name]
                    raise FilterError(f"{name}={raw!r} is not a date; write it as YYYY-MM-DD") from None
            else:
                values[f.name] = str(raw)
        return cls(**values)  # type: ignore[arg-type]

    def args(self) -> dict[str, str]:
        """The filters as query parameters, the inverse of `from_args`."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None:
                out[self.PARAMS.get(f.name, f.name)] = v.isoformat() if isinstance(v, date) else v
        return out


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return db.engine(url, create=True)


def engine(url: str | None = None) -> Engine:
    """The engine for the app's database (or `url`); opened once per process."""
    if url is None:
        url = current_app.config["ITDASH_DATABASE_URL"] if has_app_context() else settings.database_url()
    return _engine(url)


def _frame(eng: Engine, stmt, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    with eng.connect() as c:
        return pd.DataFrame(c.execute(stmt).mappings().all(), columns=columns)


def indicators(eng: Engine) -> pd.DataFrame:
    """Indicators with their theme, definition and how many observations each has."""
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
            Indicator.headline,
            Indicator.definition,
            Theme.label_en.label("theme_en"),
            Theme.label_zh.label("theme_zh"),
            func.coalesce(n.c.n, 0).label("n"),
        )
        .join(Theme, Theme.id == Indicator.theme)
        .join(n, n.c.indicator_id == Indicator.id, isouter=True)
        .order_by(Indicator.theme, Indicator.id)
    )
    cols = [
        "id",
        "label_en",
        "label_zh",
        "unit",
        "kind",
        "theme",
        "headline",
        "definition",
        "theme_en",
        "theme_zh",
        "n",
    ]
    return _frame(eng, stmt, cols)


def observations(
    eng: Engine,
    indicator_id: str | None = None,
    filters: Filters | None = None,
    indicator_ids: list[str] | None = None,
) -> pd.DataFrame:
    """Observations in export shape (plus period, document and id), oldest first."""
    o = Observation
    stmt = select(*export.columns(), o.doc_id, o.id).order_by(*export.ORDER)
    f = filters or Filters()
    if indicator_id is not None:
        stmt = stmt.where(o.indicator_id == indicator_id)
    if indicator_ids is not None:
        stmt = stmt.where(o.indicator_id.in_(indicator_ids))
    if f.indicator is not None:
        stmt = stmt.where(o.indicator_id == f.indicator)
    if f.theme is not None:
        stmt = stmt.join(Indicator, Indicator.id == o.indicator_id).where(Indicator.theme == f.theme)
    if f.source_kind is not None:
        stmt = stmt.where(o.source_kind == f.source_kind)
    if f.status is not None:
        stmt = stmt.where(o.status == f.status)
    if f.date_from is not None:
        stmt = stmt.where(o.period_end >= f.date_from)
    if f.date_to is not None:
        stmt = stmt.where(o.period_start <= f.date_to)
    return _frame(eng, stmt, _OBS_COLUMNS)


def distinct_values(eng: Engine, column: str) -> list[str]:
    """The values one observation column takes (`source_kind`, `status`), sorted."""
    col = {"source_kind": Observation.source_kind, "status": Observation.status}[column]
    with eng.connect() as c:
        return sorted(v for (v,) in c.execute(select(col).distinct()).all() if v is not None)


def documents(eng: Engine) -> pd.DataFrame:
    """Every stored document, newest first, without its content."""
    d = Document
    stmt = select(
        d.id,
        d.source,
        d.url,
        d.title,
        d.lcq_number,
        d.published,
        d.lang,
        d.kind,
        d.figures_found,
        d.figures_mapped,
    ).order_by(d.published.desc(), d.source)
    cols = [
        "id",
        "source",
        "url",
        "title",
        "lcq_number",
        "published",
        "lang",
        "kind",
        "figures_found",
        "figures_mapped",
    ]
    return _frame(eng, stmt, cols)


def document(eng: Engine, doc_id: str) -> dict | None:
    """One document with its content, or None."""
    with eng.connect() as c:
        row = c.execute(select(Document.__table__).where(Document.id == doc_id)).mappings().first()
    return None if row is None else dict(row)


def document_figures(eng: Engine, doc_id: str) -> pd.DataFrame:
    """A document's figures in reading order, with where they sit in its content."""
    f = Figure
    stmt = (
        select(
            f.id,
            f.start,
            f.end,
            f.text,
            f.value,
            f.qualifier,
            f.unit,
            f.mapping,
            f.indicator_id,
        )
        .where(f.doc_id == doc_id)
        .order_by(f.start)
    )
    return _frame(
        eng, stmt, ["id", "start", "end", "text", "value", "qualifier", "unit", "mapping", "indicator_id"]
    )


def document_titles(eng: Engine, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    with eng.connect() as c:
        rows = c.execute(select(Document.id, Document.title).where(Document.id.in_(ids))).all()
    return {r[0]: r[1] or r[0][:12] for r in rows}


def document_content(eng: Engine, doc_id: str) -> str | None:
    with eng.connect() as c:
        return c.execute(select(Document.content).where(Document.id == doc_id)).scalar_one_or_none()


def quarantine(eng: Engine) -> pd.DataFrame:
    """Documents (and curated rows) the ETL could not load, with the stage and reason."""
    q = Quarantine
    stmt = select(q.source, q.stage, q.reason, q.doc_id).order_by(q.source)
    return _frame(eng, stmt, ["source", "stage", "reason", "doc_id"])


def last_run(eng: Engine) -> dict | None:
    """The latest finished ETL run: when it ended and what it read."""
    stmt = (
        select(EtlRun.finished_at, EtlRun.documents_read, EtlRun.corpus)
        .where(EtlRun.finished_at.is_not(None))
        .order_by(EtlRun.id.desc())
        .limit(1)
    )
    with eng.connect() as c:
        row = c.execute(stmt).mappings().first()
    return None if row is None else dict(row)


# Definition files the dashboard reads besides the database: the display order and
# the events drawn on charts. Read once per process; a change needs a restart. They
# only decorate pages, so a broken file is logged and ignored rather than shown as
# a database failure.


@lru_cache(maxsize=1)
def _registry() -> registry.Registry | None:
    try:
        return registry.load()
    except ConfigError as e:
        log.warning("registry unreadable, pages fall back to database order: %s", e)
        return None


def indicator_order() -> list[str]:
    """Indicator ids in the order data/indicators.toml lists them."""
    reg = _registry()
    return list(reg.indicators) if reg else []


def theme_order() -> list[str]:
    """Theme ids in the order data/themes.toml lists them."""
    reg = _registry()
    return list(reg.themes) if reg else []


@lru_cache(maxsize=1)
def events() -> list[Event]:
    """Every event of data/events.toml (none if the file cannot be read)."""
    reg = _registry()
    if reg is None:
        return []
    try:
        return registry.events(reg)
    except ConfigError as e:
        log.warning("events unreadable, charts drawn without them: %s", e)
        return []


def totals(eng: Engine) -> dict[str, int]:
    """How many observations, indicators with data and documents behind them, counted in SQL."""
    o = Observation
    with eng.connect() as c:
        n, k, docs = c.execute(
            select(func.count(), func.count(o.indicator_id.distinct()), func.count(o.doc_id.distinct()))
        ).one()
    return {"n": n, "k": k, "docs": docs}
