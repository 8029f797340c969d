"""Every read the dashboard makes, as parameterised SQLAlchemy statements.

Pages and download routes call these and never write SQL of their own, so a
change of storage touches one module. `Filters` is the one reading of the
address's filter parameters, shared by the data page and the downloads, so a
page and its download always agree on which rows they mean.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import pandas as pd
from flask import current_app, has_app_context
from sqlalchemy import exists, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased

from dashboard import cache
from etl import db, export, settings
from etl import indicators as registry
from etl.errors import ConfigError
from etl.export import EXPORT_COLUMNS, EXTRA_COLUMNS, FilterError, Filters  # noqa: F401 - etl/export.py's
from etl.export import filtered as _filtered
from etl.sentences import text_of
from schemas.registry import Event
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

log = logging.getLogger("itdash.dashboard")


def _observation_select():  # type: ignore[no-untyped-def]
    """Observations in the columns of `itdash export` (etl/export.py), then their document and id.

    The figure and document are joined (outer), for the columns a row is cited by.
    """
    return export.select_observations(*export.columns(), Observation.doc_id, Observation.id)


def _cited(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with each row's citation line, as the downloads write it (etl/export.py)."""
    df["citation"] = [export.citation(r) for r in df.to_dict("records")] if len(df) else []
    return df


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return db.engine(url, create=True)


def engine(url: str | None = None) -> Engine:
    """The engine for the app's database (or `url`); opened once per process."""
    if url is None:
        url = current_app.config["ITDASH_DATABASE_URL"] if has_app_context() else settings.database_url()
    return _engine(url)


def _frame(eng: Engine, stmt) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The rows of `stmt`, its selected columns named even when there are none."""
    with eng.connect() as c:
        rows = [tuple(r) for r in c.execute(stmt)]  # plain tuples: pandas probes a Row's attributes
        return pd.DataFrame(rows, columns=list(stmt.selected_columns.keys()))


def indicators(eng: Engine) -> pd.DataFrame:
    """Indicators with their theme, definition and how many observations each has.

    Counting scans every observation, so the frame is kept per database version
    (dashboard/cache.py); callers get their own copy.
    """
    return _indicators(eng).copy()


@cache.by_version
def _indicators(eng: Engine) -> pd.DataFrame:
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
            Indicator.definition_zh,
            Theme.label_en.label("theme_en"),
            Theme.label_zh.label("theme_zh"),
            func.coalesce(n.c.n, 0).label("n"),
            # A series nobody has curated (etl/uncurated.py): no theme, not on the overview.
            Indicator.series,
            Indicator.series.is_(None).label("curated"),
        )
        .join(Theme, Theme.id == Indicator.theme, isouter=True)
        .join(n, n.c.indicator_id == Indicator.id, isouter=True)
        .order_by(Indicator.theme, Indicator.id)
    )
    return _frame(eng, stmt)


def _twin_columns() -> list:
    """A reply figure's counterpart in the other language's version (etl/pairing.py): its figure,
    document and sentence, and the language of the row's own document."""
    twin = aliased(FigureRow)
    said = (
        select(Sentence.text).join(twin, twin.sentence_id == Sentence.id).where(twin.id == FigureRow.twin_id)
    )
    return [
        DocumentRow.lang.label("doc_lang"),
        FigureRow.twin_id.label("twin_figure_id"),
        select(twin.doc_id).where(twin.id == FigureRow.twin_id).scalar_subquery().label("twin_doc_id"),
        said.scalar_subquery().label("twin_sentence"),
    ]


def observations(
    eng: Engine,
    indicator_id: str | None = None,
    filters: Filters | None = None,
) -> pd.DataFrame:
    """Observations in export shape (plus period, document and id, and the figure's twin), oldest first."""
    stmt = _observation_select().add_columns(*_twin_columns())
    stmt = _filtered(stmt, filters or Filters()).order_by(*export.ORDER)
    if indicator_id is not None:
        stmt = stmt.where(Observation.indicator_id == indicator_id)
    return _cited(_frame(eng, stmt))


def curated(inds: pd.DataFrame) -> pd.DataFrame:
    """The registry's indicators of `indicators(eng)`: what the overview and theme lists show."""
    return inds[inds["curated"].astype(bool)]


FOUND = 50  # series a search lists at once


def _pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _stem(word: str) -> str:
    """ "datasets" finds "dataset": series labels name the counted thing in the singular."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@cache.by_version
def find_series(eng: Engine, words: str) -> tuple[pd.DataFrame, int]:
    """Indicators, curated or not, whose label (English or Chinese), scope or unit holds every word.

    The indicator page's search box: an uncurated series has no place on the overview, so this
    is how it is found. Matched in SQL, case-insensitively, each word a bound parameter; the
    first FOUND matches (those with observations first) and how many there are.
    """
    cols = (Indicator.label_en, Indicator.label_zh, Indicator.scope, Indicator.unit, Indicator.series)
    n = (
        select(Observation.indicator_id, func.count().label("n"))
        .group_by(Observation.indicator_id)
        .subquery()
    )
    conds = [or_(*(c.ilike(_pattern(_stem(w)), escape="\\") for c in cols)) for w in words.split()]
    if not conds:
        return pd.DataFrame(columns=["id", "label_en", "label_zh", "unit", "scope", "series", "n"]), 0
    where = select(Indicator.id).where(*conds)
    stmt = (
        select(
            Indicator.id,
            Indicator.label_en,
            Indicator.label_zh,
            Indicator.unit,
            Indicator.scope,
            Indicator.series,
            func.coalesce(n.c.n, 0).label("n"),
        )
        .join(n, n.c.indicator_id == Indicator.id, isouter=True)
        .where(Indicator.id.in_(where))
        .order_by((func.coalesce(n.c.n, 0) == 0), Indicator.series.is_not(None), Indicator.id)
        .limit(FOUND)
    )
    with eng.connect() as c:
        total = c.execute(select(func.count()).select_from(where.subquery())).scalar_one()
    return _frame(eng, stmt), int(total)


@cache.by_version
def count(eng: Engine, filters: Filters) -> int:
    """How many observations the filters mean (the data page's count, before any row is read)."""
    with eng.connect() as c:
        return c.execute(_filtered(select(func.count()).select_from(Observation), filters)).scalar_one()


# What the grid may sort by: its column, and the stored columns that order it. Each
# has an index (schemas/storage.py), so a sorted page is a walk along it rather than
# a sort of every observation; the grid offers no other sort.
SORTS = {
    "indicator": None,  # by the indicator's name in the page's language: joined below
    "as_of": (Observation.period_end, Observation.period_start),
    "shown": (Observation.value,),
    "published": (Observation.published,),
}


def searched(stmt, words: str):  # type: ignore[no-untyped-def]
    """`stmt` kept to observations whose sentence, source or indicator name holds `words` (any case).

    The data grid's search box: the grid reads its rows in blocks from SQL, so
    AG Grid's own quick filter, which searches rows already in the browser, cannot.
    """
    if not words:
        return stmt
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    o = Observation
    names = select(Indicator.id).where(
        or_(Indicator.label_en.ilike(pattern, escape="\\"), Indicator.label_zh.ilike(pattern, escape="\\"))
    )
    return stmt.where(
        or_(
            text_of(o.sentence_id, o.sentence).ilike(pattern, escape="\\"),
            o.source_url.ilike(pattern, escape="\\"),
            o.indicator_id.in_(names),
        )
    )


@cache.by_version
def count_searched(eng: Engine, filters: Filters, words: str) -> int:
    """How many observations the filters and the search box's words mean."""
    stmt = searched(_filtered(select(func.count()).select_from(Observation), filters), words)
    with eng.connect() as c:
        return c.execute(stmt).scalar_one()


def observation_rows(
    eng: Engine,
    filters: Filters,
    start: int,
    stop: int,
    sort: tuple[str, bool] | None = None,
    lang: str = "en",
    search: str = "",
) -> pd.DataFrame:
    """Rows `start` to `stop` of the filtered observations, for a grid that reads as it scrolls.

    `sort` is a grid column (a key of SORTS) and whether it descends; with
    none, rows come in the downloads' order (indicator, then time). Sorting
    and slicing happen in SQL along an index, so a page of rows is quick with
    a million observations behind it; the id breaks ties, so pages never
    overlap.
    """
    o = Observation
    stmt = searched(_filtered(_observation_select(), filters), search)
    keys: tuple = export.ORDER
    if sort is not None and sort[0] in SORTS:
        column, descending = sort
        cols = SORTS[column]
        if cols is None:
            name = Indicator.label_zh if lang == "zh" else Indicator.label_en
            stmt = stmt.join(Indicator, Indicator.id == o.indicator_id)
            cols = (name,)
        keys = tuple(c.desc() if descending else c.asc() for c in cols) + export.ORDER
    stmt = stmt.order_by(*keys).offset(max(start, 0)).limit(max(stop - start, 0))
    return _cited(_frame(eng, stmt))


SPARK_POINTS = 40  # a card's sparkline: the latest this many preferred observations


@cache.by_version
def _headlines(eng: Engine, ids: tuple[str, ...], points: int) -> tuple[pd.DataFrame, frozenset[str]]:
    o = Observation
    newest = (o.period_end.desc(), o.period_start.desc(), o.published.desc(), o.id.desc())
    rows = []
    columns = list(_observation_select().selected_columns.keys())
    with eng.connect() as c:
        # One small query per indicator walks the series index from its newest end;
        # a window function over all of them would sort every observation first.
        for ind in ids:
            stmt = (
                _observation_select()
                .where(o.indicator_id == ind, o.preferred.is_(True))
                .order_by(*newest)
                .limit(points)
            )
            rows.extend(reversed(c.execute(stmt).mappings().all()))
        flagged = select(o.indicator_id).where(o.conflict == True).distinct()  # noqa: E712 - the partial index
        conflicts = frozenset(v for (v,) in c.execute(flagged).all()) & frozenset(ids)
    return pd.DataFrame(rows, columns=columns), conflicts


def headlines(eng: Engine, ids: list[str], points: int = SPARK_POINTS) -> tuple[pd.DataFrame, frozenset[str]]:
    """For the overview's cards: each indicator's latest `points` preferred observations
    (oldest first), and which indicators have a conflict anywhere in their series.

    Ranked in SQL, so a card costs `points` rows however long its series is;
    kept per database version.
    """
    rows, conflicts = _headlines(eng, tuple(sorted(ids)), points)
    return rows.copy(), conflicts


@cache.by_version
def distinct_values(eng: Engine, column: str) -> list[str]:
    """The values one observation column takes (`source_kind`, `status`), sorted."""
    col = {"source_kind": Observation.source_kind, "status": Observation.status}[column]
    with eng.connect() as c:
        return sorted(v for (v,) in c.execute(select(col).distinct()).all() if v is not None)


def documents(eng: Engine) -> pd.DataFrame:
    """Every stored document, newest first, without its content."""
    d = DocumentRow
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
    return _frame(eng, stmt)


def curated_sources(eng: Engine) -> pd.DataFrame:
    """Each curated source (address, publisher, title, day, tier), with how many observations it gives."""
    o = Observation
    keys = (o.source_url, o.publisher, o.source_title, o.published, o.source_tier)
    stmt = (
        select(*keys, func.count().label("observations"))
        .where(o.source_kind == "curated")
        .group_by(*keys)
        .order_by(o.published.desc().nulls_last(), o.publisher, o.source_url)
    )
    return _frame(eng, stmt)


def document(eng: Engine, doc_id: str) -> dict | None:
    """One document with its content, or None."""
    with eng.connect() as c:
        row = c.execute(select(DocumentRow.__table__).where(DocumentRow.id == doc_id)).mappings().first()
    return None if row is None else dict(row)


def document_figures(eng: Engine, doc_id: str) -> pd.DataFrame:
    """A document's figures in reading order, with where they sit in its content."""
    f = FigureRow
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
    return _frame(eng, stmt)


def document_content(eng: Engine, doc_id: str) -> str | None:
    with eng.connect() as c:
        return c.execute(select(DocumentRow.content).where(DocumentRow.id == doc_id)).scalar_one_or_none()


def quarantine(eng: Engine) -> pd.DataFrame:
    """Documents (and curated rows) the ETL could not load, with the stage and reason."""
    q = Quarantine
    stmt = select(q.source, q.stage, q.reason, q.code, q.detail, q.doc_id).order_by(q.source)
    return _frame(eng, stmt)


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


@cache.by_version
def totals(eng: Engine) -> dict[str, int]:
    """How many observations, curated indicators with data, documents behind them and uncurated series."""
    inds = indicators(eng)
    counts = curated(inds)["n"]
    behind = exists().where(Observation.doc_id == DocumentRow.id)
    with eng.connect() as c:
        docs = c.execute(select(func.count()).select_from(DocumentRow).where(behind)).scalar_one()
    uncurated = int((~inds["curated"].astype(bool)).sum())
    return {"n": int(counts.sum()), "k": int((counts > 0).sum()), "docs": docs, "uncurated": uncurated}


def conflicts(eng: Engine) -> pd.DataFrame:
    """Observations flagged `conflict`, each group (indicator, as_of) together with its preferred row first.

    For the review page: a reviewer weighs the disagreeing values side by side
    and, for a reply's row, can reject its figure. The figure's text and the
    document's file name let the page offer that figure in the decision form.
    """
    o = Observation
    stmt = (
        select(
            o.id,
            o.indicator_id,
            o.as_of,
            o.value,
            o.qualifier,
            o.unit,
            o.preferred,
            o.source_kind,
            o.source_url,
            o.published,
            text_of(o.sentence_id, o.sentence).label("sentence"),
            o.status,
            o.figure_id,
            o.doc_id,
            FigureRow.text.label("figure_text"),
            DocumentRow.source.label("doc_source"),
        )
        .join(FigureRow, FigureRow.id == o.figure_id, isouter=True)
        .join(DocumentRow, DocumentRow.id == o.doc_id, isouter=True)
        .where(o.conflict)
        .order_by(o.indicator_id, o.as_of, o.preferred.desc(), o.published.desc().nulls_last(), o.id)
    )
    return _frame(eng, stmt)


def targets(eng: Engine, indicator_id: str) -> pd.DataFrame:
    """An indicator's stated goals (figures dated after the reply that gave them), by date."""
    tg = Target
    stmt = (
        select(
            tg.as_of,
            tg.period_start,
            tg.period_end,
            tg.value,
            tg.qualifier,
            tg.source_kind,
            tg.source_url,
            tg.published,
            text_of(tg.sentence_id, tg.note).label("note"),
            tg.doc_id,
        )
        .where(tg.indicator_id == indicator_id)
        .order_by(tg.period_end, tg.published, tg.id)
    )
    return _frame(eng, stmt)


def series_warnings(eng: Engine, indicator_id: str | None = None) -> pd.DataFrame:
    """The checks a series failed at load (falling stock, overlapping flows, outliers)."""
    w = SeriesWarning
    stmt = select(w.indicator_id, w.kind, w.observation_id, w.message, w.params).order_by(
        w.indicator_id, w.id
    )
    if indicator_id is not None:
        stmt = stmt.where(w.indicator_id == indicator_id)
    return _frame(eng, stmt)


@cache.by_version
def warned_indicators(eng: Engine) -> dict[str, int]:
    """How many stored warnings each indicator has (for the overview's flags)."""
    w = SeriesWarning
    with eng.connect() as c:
        rows = c.execute(select(w.indicator_id, func.count()).group_by(w.indicator_id)).all()
    return {ind: n for ind, n in rows}
