"""Storage: SQLModel tables, the same on SQLite and PostgreSQL.

Keys are derived from content (a document's SHA-256, a figure's document and
span), never from insertion order, so running the ETL twice writes the same
rows with the same keys.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel


class DocumentBase(SQLModel):
    source: str = Field(index=True, unique=True, description="path as given, or the address")
    url: str | None = None
    title: str | None = None
    lcq_number: int | None = None
    subject: str | None = None
    member: str | None = None
    official: str | None = None
    office: str | None = None
    published: date = Field(description="the day the reply was given")
    date_source: str = Field(description="where `published` came from")
    lang: str = "en"
    kind: str = Field(description="text or html")
    encoding: str = "utf-8"
    figures_found: int = 0
    figures_mapped: int = 0


class DocumentRow(DocumentBase, table=True):
    __tablename__ = "documents"
    id: str = Field(primary_key=True, description="SHA-256 of the file's bytes")
    content: str = Field(sa_column=Column(Text, nullable=False))
    processed_with: str = Field(description="version of the extractor and registry used")


class Sentence(SQLModel, table=True):
    """A sentence of a document, stored once however many figures it holds.

    Figures, observations and targets name it by id: a sentence with n figures
    stored on each would make storage grow with n times its length. The id is
    derived from the document and the text (`etl.sentences.sentence_id`), so a
    rerun writes the same rows with the same keys.
    """

    __tablename__ = "sentences"
    id: str = Field(primary_key=True)
    doc_id: str = Field(foreign_key="documents.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))


class FigureBase(SQLModel):
    part: str
    item: int | None = None
    start: int
    end: int
    text: str
    value: float
    qualifier: str
    unit: str
    subject: str | None = None
    as_of: str
    as_of_start: date
    as_of_end: date
    # The sentence is in `sentences`; the clause is sentence[clause_start:clause_end], or, where it
    # is not part of the sentence (a table cell's header and row label), `clause_text`.
    sentence_id: str | None = Field(default=None, foreign_key="sentences.id", index=True)
    clause_start: int | None = None
    clause_end: int | None = None
    clause_text: str | None = Field(default=None, sa_column=Column(Text))
    series: str | None = Field(default=None, index=True, description="shared/spec/series.md: its series id")
    series_label: str | None = None
    twin_agrees: bool | None = Field(default=None, description="the other language's version agrees")
    twin_id: str | None = Field(default=None, description="the same figure in the other language's version")
    mapping: str = Field(description="mapped, unmapped or ambiguous")
    indicator_id: str | None = Field(default=None, index=True)
    rule: str | None = Field(default=None, description="the registry rule that matched")


class FigureRow(FigureBase, table=True):
    __tablename__ = "figures"
    id: str = Field(primary_key=True)
    doc_id: str = Field(foreign_key="documents.id", index=True)
    ordinal: int


class Theme(SQLModel, table=True):
    __tablename__ = "themes"
    id: str = Field(primary_key=True)
    label_en: str
    label_zh: str


class Indicator(SQLModel, table=True):
    __tablename__ = "indicators"
    id: str = Field(primary_key=True)
    # Indexed: the data grid sorted by name walks the indicators in name order.
    label_en: str = Field(index=True)
    label_zh: str = Field(index=True)
    unit: str
    # None for a series nobody has curated (etl/uncurated.py): it has no place on the overview.
    theme: str | None = Field(default=None, foreign_key="themes.id")
    kind: str
    headline: bool = False
    definition: str = Field(sa_column=Column(Text, nullable=False))
    definition_zh: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    series: str | None = Field(
        default=None,
        index=True,
        description="an uncurated series' id (not yet reviewed); None: a registry one",
    )
    scope: str | None = Field(default=None, description="an uncurated series' scope, for the search")


class ObservationBase(SQLModel):
    indicator_id: str = Field(foreign_key="indicators.id", index=True)
    as_of: str
    period_start: date
    period_end: date
    value: float
    qualifier: str
    lower: float | None = None
    upper: float | None = None
    unit: str
    source_kind: str = Field(description="reply or curated")
    source_url: str | None = None
    source_tier: str | None = Field(
        default=None, description="official, mirror or secondary (a curated row's; a reply is official)"
    )
    publisher: str | None = Field(default=None, description="who published a curated row's source")
    source_title: str | None = Field(default=None, description="a curated row's source document, if named")
    published: date | None = None
    sentence: str | None = Field(
        default=None, sa_column=Column(Text), description="a curated row's note; a reply's is sentence_id's"
    )
    sentence_id: str | None = Field(default=None, foreign_key="sentences.id", index=True)
    status: str = Field(default="auto", description="auto, reviewed, corrected")
    conflict: bool = Field(default=False, description="another source gives another value")
    revision: str | None = Field(default=None, description="revised (superseded) or revision")
    preferred: bool = Field(default=True, description="the value the series shows for its as_of")


class Observation(ObservationBase, table=True):
    __tablename__ = "observations"
    # A series in time order: the indicator page, the overview's latest values, the downloads.
    # Conflicts are few: a partial index finds the series that have one without a scan.
    __table_args__ = (
        Index("ix_observations_series", "indicator_id", "period_end", "period_start"),
        # The data grid's sorts (dashboard/queries.py, SORTS) walk these.
        Index("ix_observations_time", "period_end", "period_start"),
        Index("ix_observations_value", "value"),
        Index("ix_observations_published", "published"),
        Index(
            "ix_observations_conflict",
            "indicator_id",
            sqlite_where=text("conflict = 1"),  # the form SQLAlchemy writes `conflict == True` in
            postgresql_where=text("conflict"),
        ),
    )
    id: str = Field(primary_key=True)
    figure_id: str | None = Field(default=None, foreign_key="figures.id", index=True)
    doc_id: str | None = Field(default=None, foreign_key="documents.id", index=True)
    rule: str | None = None


class Target(SQLModel, table=True):
    """A goal or plan stated as a number: drawn as a goal, never part of a series."""

    __tablename__ = "targets"
    id: str = Field(primary_key=True)
    indicator_id: str = Field(foreign_key="indicators.id", index=True)
    as_of: str
    period_start: date
    period_end: date
    value: float
    qualifier: str
    unit: str
    source_kind: str
    source_url: str | None = None
    published: date | None = None
    note: str | None = Field(default=None, sa_column=Column(Text), description="a curated row's note")
    sentence_id: str | None = Field(default=None, foreign_key="sentences.id", index=True)
    figure_id: str | None = Field(default=None, foreign_key="figures.id", index=True)
    doc_id: str | None = Field(default=None, foreign_key="documents.id", index=True)


class SeriesWarning(SQLModel, table=True):
    """A check on a loaded series that failed: stored for the dashboard, not thrown."""

    __tablename__ = "series_warnings"
    id: str = Field(primary_key=True)
    # None for a series nobody has curated (a twin_disagrees warning names it in `series`).
    indicator_id: str | None = Field(default=None, foreign_key="indicators.id", index=True)
    series: str | None = Field(default=None, index=True, description="the figures' series id")
    kind: str = Field(description="falling_stock, overlapping_flow, outlier or twin_disagrees")
    observation_id: str = Field(index=True)
    message: str = Field(sa_column=Column(Text, nullable=False))
    # The message's parameters as JSON, so a page writes it in its own language (`kind` is
    # its code); None in a database from before, whose pages show `message` as it is.
    params: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ReviewDecision(SQLModel, table=True):
    """An analyst's decision on a figure; applied on top of every ETL run.

    Keyed by the figure id (the document's hash and the span), so it holds for
    every later run over the same document; if the document's bytes change, the
    decision no longer finds its figure and `itdash review` lists it as stale.
    """

    __tablename__ = "review_decisions"
    id: int | None = Field(default=None, primary_key=True)
    figure_id: str = Field(index=True)
    action: str = Field(description="map, correct, reject or accept")
    indicator_id: str | None = None
    value: float | None = None
    qualifier: str | None = None
    reason: str = Field(sa_column=Column(Text, nullable=False))
    who: str
    at: datetime


class SeriesDecision(SQLModel, table=True):
    """An analyst's decision on a whole series; applied after every run, once series are assigned.

    merge: the figures of `series` join `into_series`; split: `figure_id` leaves its series for
    `new_series`; rename: the series' labels become `label_en` / `label_zh`; promote: the
    series becomes registry indicator `indicator_id` (its entry is written to
    data/promoted.toml) and its unmapped figures map to it. Series ids are computed from
    facets, so a decision holds over every later run that computes the same ids.
    """

    __tablename__ = "series_decisions"
    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(description="merge, split, rename or promote")
    series: str = Field(index=True, description="the series decided on (split: the figure's at the time)")
    into_series: str | None = Field(default=None, description="merge: the series that stays")
    figure_id: str | None = Field(default=None, index=True, description="split: the figure taken out")
    new_series: str | None = Field(default=None, description="split: the figure's new series id")
    label_en: str | None = None
    label_zh: str | None = None
    indicator_id: str | None = Field(default=None, description="promote: the new registry id")
    theme: str | None = None
    reason: str = Field(sa_column=Column(Text, nullable=False))
    who: str
    at: datetime


class EtlRun(SQLModel, table=True):
    __tablename__ = "etl_runs"
    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime
    finished_at: datetime | None = None
    corpus: str
    documents_read: int = 0
    documents_loaded: int = 0
    documents_unchanged: int = 0
    figures: int = 0
    observations: int = 0
    quarantined: int = 0
    seconds: float = 0.0


class Quarantine(SQLModel, table=True):
    """A document the ETL could not load, with why; its last good version stays."""

    __tablename__ = "quarantine"
    source: str = Field(primary_key=True)
    doc_id: str | None = None
    stage: str
    reason: str = Field(sa_column=Column(Text, nullable=False))
    run_id: int | None = Field(default=None, foreign_key="etl_runs.id")
    # The reason's known kind (etl/errors.py's REASONS) and its technical rest, for pages in
    # another language; None where the reason is of no known kind, or the database older.
    code: str | None = None
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DocumentLocation(SQLModel, table=True):
    """Every place a document's bytes were found: one reply may sit in two corpora or under two names.

    Keyed by the file, not the content, so the second copy of a reply is kept
    as a place of the one document instead of replacing it. No foreign key to
    `documents`: a place is recorded when a file is found, loaded or not.
    """

    __tablename__ = "document_locations"
    path: str = Field(primary_key=True, description="the file, links resolved")
    source: str = Field(description="the name its corpus gives it")
    doc_id: str = Field(index=True, description="SHA-256 of the bytes found there")
    run_id: int | None = Field(
        default=None,
        foreign_key="etl_runs.id",
        description="the last run that found it changed (bytes, stamp or name): a run that finds "
        "a place as recorded writes nothing",
    )
    stamp: str | None = Field(
        default=None,
        description="the file's size, modification and change times (ns) and inode when its bytes "
        "were hashed: while they hold, a rerun takes doc_id without reading the file (etl/corpus.py)",
    )


class EtlState(SQLModel, table=True):
    """What the ETL remembers between runs to prove work unneeded (etl/derived.py).

    One row a key; `derived` holds the inputs' digest of the last completed
    pass of the stages after loading, and their counts. Any document write
    deletes it in its own transaction, so a run killed after loading leaves none.
    """

    __tablename__ = "etl_state"
    key: str = Field(primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))


def column_defaults(model: type[SQLModel]) -> dict:
    """A table's columns with the defaults its model declares (None where a value is required).

    Bulk writers build rows as column dicts, without the model (whose construction cost more
    than extracting the figures); a Core insert takes every column, so each row starts from this.
    """
    return dict(_defaults(model))


@cache
def _defaults(model: type[SQLModel]) -> tuple[tuple[str, object], ...]:
    fields = model.model_fields
    return tuple(
        (c.key, None if fields[c.key].is_required() else fields[c.key].default)
        for c in model.__table__.columns  # type: ignore[attr-defined]
    )
