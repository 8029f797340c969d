"""Observations as analysts take them away: which rows, in which columns, in which format.

The one exporter: `itdash export` and every dashboard download (`/data/...`)
call `render`, so a file from either is the same bytes for the same rows.
`Filters` is the one reading of the filter parameters (the data page uses it
too). Formats: CSV; JSON (an `about` block, then the rows, dates as days);
XLSX (sheets about, metadata, data); ZIP (the CSV, a Frictionless
`datapackage.json` and a README). String cells that a spreadsheet would run as
a formula (`=`, `+`, `-`, `@` first) are neutralised with a leading
apostrophe. The XLSX and ZIP carry `retrieved` as their file times, so they
too depend only on the rows and the moment given (`settings.export_time`).

Every row can be cited alone (Our World in Data's download bundle is the
model): its source's tier, publisher or reply title, LCQ number, day and
address are columns, and `citation` writes them as one line whose address is
never empty (a reply without one cites its sentence on the dashboard,
`figure_address`). The indicator's label and definition travel in every
format: columns of the CSV, an `indicators` block in the JSON, `indicators.csv`
in the ZIP, the XLSX's metadata sheet. A filtered file says so in its name.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import tomllib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import case, func, not_, or_, select
from sqlalchemy.engine import Engine

from etl import settings
from etl.errors import ItdashError
from etl.sentences import text_of
from schemas.storage import DocumentRow, FigureRow, Indicator, Observation

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
EXTRA_COLUMNS = ["preferred", "revision", "period_start", "period_end", "observation_id"]
# Where each row comes from, enough to cite it alone, and what its indicator means.
CITE_COLUMNS = [
    "source_tier",
    "publisher",
    "source_title",
    "lcq_number",
    "figure_id",
    "series",
    "series_label",
    "indicator_label",
    "indicator_definition",
    "indicator_definition_zh",
    "citation",
]
COLUMNS = EXPORT_COLUMNS + EXTRA_COLUMNS + CITE_COLUMNS
SOURCE_KINDS = ("reply", "curated")
STATUSES = ("auto", "reviewed", "corrected")
LICENSE = {
    "name": "other-at",
    "title": "Facts with attribution: each figure belongs to its cited source and is under that "
    "source's terms; cite the source (citation column) and itdash.",
}
FORMATS = ("csv", "json", "xlsx", "zip")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DCTERMS = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")
_DATES = ("published", "period_start", "period_end")
# Frictionless Table Schema: type and meaning of every column.
FIELDS = {
    "indicator": ("string", "indicator id (data/indicators.toml)"),
    "as_of": ("string", "the day or period (start/end, ISO 8601) the value holds for"),
    "value": ("number", "the figure as stated"),
    "qualifier": ("string", "exact, over, at_least, about, up_to, under or nearly"),
    "lower": ("number", "lowest value the qualifier allows (empty: open)"),
    "upper": ("number", "highest value the qualifier allows (empty: open)"),
    "unit": ("string", "unit of the figure"),
    "source_kind": ("string", "reply (a LegCo written reply) or curated (a cited reference)"),
    "source_url": ("string", "address of the source"),
    "published": ("date", "the day the source was published"),
    "sentence": ("string", "the sentence the figure was read from"),
    "status": ("string", "review status: auto, reviewed or corrected"),
    "conflict": ("boolean", "another source gives another value for the same date"),
    "preferred": ("boolean", "the value the series shows for its date"),
    "revision": ("string", "revised (superseded) or revision"),
    "period_start": ("date", "first day of as_of"),
    "period_end": ("date", "last day of as_of"),
    "observation_id": ("string", "stable id of the observation"),
    "source_tier": (
        "string",
        "official (a Government, LegCo or statutory body's site), mirror (a copy "
        "of an official document elsewhere) or secondary (news or other reporting)",
    ),
    "publisher": ("string", "who published a curated row's source (a mirror names the original)"),
    "source_title": ("string", "the reply's title, or a curated source's document where named"),
    "lcq_number": ("integer", "the reply's LegCo question number"),
    "figure_id": ("string", "the figure of the reply the value was read from"),
    "series": ("string", "the figure's series id (shared/spec/series.md)"),
    "series_label": ("string", "the figure's series, in words"),
    "indicator_label": ("string", "the indicator's name"),
    "indicator_definition": ("string", "what the indicator counts, and its caveats"),
    "indicator_definition_zh": ("string", "the same definition in Traditional Chinese"),
    "citation": ("string", "the row's source as one line to quote: who, what, when, where"),
}
CITE = (
    "itdash: figures of Hong Kong's innovation and technology policy from LegCo written "
    "replies. Retrieved {when} from {url}. Cite each figure's own source too (its citation column)."
)
# `series`: set for a series nobody has curated yet (etl/uncurated.py), empty for the registry's.
INDICATOR_COLUMNS = [
    "id",
    "label_en",
    "label_zh",
    "unit",
    "theme",
    "kind",
    "definition",
    "definition_zh",
    "series",
]
ORDER = (Observation.indicator_id, Observation.period_end, Observation.period_start, Observation.id)


class FilterError(ValueError):
    """A filter parameter that cannot be read, with a message for the person who wrote it."""


# Column filters (the data grid's, and `f.<column>=` in an address): the columns one may
# filter on, each with its kind, and what each kind may ask. A column's condition is
# one of its kind's operations with its operand(s); ranges include both ends.
COLUMN_FILTERS = {
    "indicator": "text",  # its id or its name in either language
    "as_of": "date",  # the period's last day
    "value": "number",
    "unit": "text",  # its code or its name in either language (data/labels.toml)
    "published": "date",
    "sentence": "text",
    "source_url": "text",
}
FILTER_OPS = {
    "text": ("contains", "notContains", "equals", "notEqual", "startsWith", "endsWith"),
    "number": (
        "equals",
        "notEqual",
        "lessThan",
        "lessThanOrEqual",
        "greaterThan",
        "greaterThanOrEqual",
        "inRange",
    ),
    "date": ("equals", "notEqual", "lessThan", "greaterThan", "inRange"),
}
MAX_FILTER_TEXT = 200  # characters of a text filter's words
MAX_FILTER_NUMBER = 1e15  # past any figure a reply gives; beyond it a number is a forged request
_NEGATIVE = ("notContains", "notEqual")


@dataclass(frozen=True)
class ColumnFilter:
    """One column's condition: `value <op> operand` (`operand_to` closes an inRange).

    Built only through `make`, which refuses what no grid could ask, so a
    ColumnFilter is always one the SQL of `filtered` can apply.
    """

    column: str
    op: str
    operand: str | float | date
    operand_to: float | date | None = None

    @classmethod
    def make(cls, column: str, op: str, operand: object, operand_to: object = None) -> ColumnFilter:
        kind = COLUMN_FILTERS.get(column)
        if kind is None:
            raise FilterError(
                f"there is no filter on column {column!r}; filters: {', '.join(COLUMN_FILTERS)}"
            )
        if op not in FILTER_OPS[kind]:
            raise FilterError(
                f"{column} is a {kind} column: filter it by {', '.join(FILTER_OPS[kind])}, not {op!r}"
            )
        read = {"text": _filter_text, "number": _filter_number, "date": _filter_date}[kind]
        first = read(column, operand)
        if op != "inRange":
            if operand_to is not None:
                raise FilterError(f"{column}: only inRange takes a second value")
            return cls(column, op, first)
        if operand_to is None:
            raise FilterError(f"{column}: inRange needs two values, from and to")
        last = read(column, operand_to)
        if last < first:  # type: ignore[operator]
            raise FilterError(f"{column}: the range ends ({last}) before it starts ({first})")
        return cls(column, op, first, last)  # type: ignore[arg-type]

    @classmethod
    def parse(cls, column: str, text: str) -> ColumnFilter:
        """From an address's `f.<column>=<op>:<operand>` (a range as `<from>..<to>`)."""
        op, sep, rest = text.partition(":")
        if not sep:
            raise FilterError(f"f.{column}={text!r} is not <operation>:<value>, e.g. f.value=greaterThan:100")
        if op == "inRange":
            start, dots, end = rest.partition("..")
            if not dots:
                raise FilterError(f"f.{column}: write a range as inRange:<from>..<to>")
            return cls.make(column, op, start, end)
        return cls.make(column, op, rest)

    def param(self) -> tuple[str, str]:
        """The address's parameter for this condition, the inverse of `parse`."""
        shown = [_filter_shown(v) for v in (self.operand, self.operand_to) if v is not None]
        return f"f.{self.column}", f"{self.op}:{'..'.join(shown)}"


def _filter_text(column: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FilterError(f"{column}: a text filter needs words")
    value = value.strip()
    if len(value) > MAX_FILTER_TEXT:
        raise FilterError(f"{column}: a text filter of {len(value):,} characters; at most {MAX_FILTER_TEXT}")
    if any(ord(c) < 32 for c in value):
        raise FilterError(f"{column}: a text filter holds control characters")
    return value


def _filter_number(column: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FilterError(f"{column}: {_cut(value)} is not a number")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise FilterError(f"{column}: {_cut(value)} is not a number") from None
    if not math.isfinite(number) or abs(number) > MAX_FILTER_NUMBER:
        raise FilterError(
            f"{column}: a number from -{MAX_FILTER_NUMBER:,.0f} to {MAX_FILTER_NUMBER:,.0f},"
            f" not {_cut(value)}"
        )
    return number


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}( 00:00:00)?")  # AG Grid's date filter adds a midnight


def _filter_date(column: str, value: object) -> date:
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise FilterError(f"{column}: {_cut(value)} is not a day; write it as YYYY-MM-DD")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise FilterError(f"{column}: {_cut(value)} is not a day of the calendar") from None


def _filter_shown(value: object) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return value.isoformat() if isinstance(value, date) else str(value)


def _cut(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


class UnknownIndicator(ItdashError):
    """An export asked for an indicator the database does not hold."""


@dataclass(frozen=True)
class Filters:
    """Which observations a page or an export means; None is no filter.

    `date_from` / `date_to` keep observations whose period overlaps the range,
    so a financial-year figure counts for both calendar years it touches.
    """

    theme: str | None = None
    indicator: str | None = None
    source_kind: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    # The grid's column filters, one condition per column, in the order given.
    columns: tuple[ColumnFilter, ...] = ()

    PARAMS = {"date_from": "from", "date_to": "to"}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> Filters:
        """Filters from query parameters (`theme`, `indicator`, `source_kind`, `status`, `from`, `to`,
        and `f.<column>` for a column filter)."""
        values: dict[str, object] = {}
        conditions = []
        for key, raw in args.items():
            if isinstance(key, str) and key.startswith("f."):
                if isinstance(raw, list):
                    raw = raw[-1] if raw else None
                if raw not in (None, ""):
                    conditions.append(ColumnFilter.parse(key[2:], str(raw)))
        if conditions:
            values["columns"] = tuple(conditions)
        for f in fields(cls):
            if f.name == "columns":
                continue
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
        for name, allowed in (("source_kind", SOURCE_KINDS), ("status", STATUSES)):
            if name in values and values[name] not in allowed:
                raise FilterError(f"{name}={values[name]!r} is not one of {', '.join(allowed)}")
        return cls(**values)  # type: ignore[arg-type]

    def args(self) -> dict[str, str]:
        """The filters as query parameters, the inverse of `from_args`."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "columns":
                out.update(c.param() for c in v)
            elif v is not None:
                out[self.PARAMS.get(f.name, f.name)] = v.isoformat() if isinstance(v, date) else v
        return out


def check(engine: Engine, f: Filters) -> None:
    """Raise FilterError for a theme or indicator the database does not hold (a typo, not no rows)."""
    for name, table in (("theme", Indicator.theme), ("indicator", Indicator.id)):
        value = getattr(f, name)
        if value is None:
            continue
        with engine.connect() as c:
            if c.execute(select(table).where(table == value).limit(1)).first() is None:
                raise FilterError(f"{name}={value!r} is not one the data holds")


def filtered(stmt, f: Filters):  # type: ignore[no-untyped-def]
    """`stmt` narrowed to the observations `f` means; the one reading of the filters in SQL."""
    o = Observation
    if f.indicator is not None:
        stmt = stmt.where(o.indicator_id == f.indicator)
    if f.theme is not None:
        stmt = stmt.where(o.indicator_id.in_(select(Indicator.id).where(Indicator.theme == f.theme)))
    if f.source_kind is not None:
        stmt = stmt.where(o.source_kind == f.source_kind)
    if f.status is not None:
        stmt = stmt.where(o.status == f.status)
    if f.date_from is not None:
        stmt = stmt.where(o.period_end >= f.date_from)
    if f.date_to is not None:
        stmt = stmt.where(o.period_start <= f.date_to)
    for condition in f.columns:
        stmt = stmt.where(_condition(condition))
    return stmt


def _condition(c: ColumnFilter):  # type: ignore[no-untyped-def]
    """One column filter as a SQL condition; every operand is a bound parameter."""
    o = Observation
    column = {
        "indicator": o.indicator_id,
        "as_of": o.period_end,
        "value": o.value,
        "unit": o.unit,
        "published": o.published,
        "sentence": text_of(o.sentence_id, o.sentence),  # a reply's in `sentences`, a curated row's note
        "source_url": o.source_url,
    }[c.column]
    kind = COLUMN_FILTERS[c.column]
    if kind == "text":
        words = str(c.operand)
        hit = _like(column, c.op, words)
        if c.column == "indicator":
            named = select(Indicator.id).where(
                or_(_like(Indicator.label_en, c.op, words), _like(Indicator.label_zh, c.op, words))
            )
            hit = or_(hit, column.in_(named))
        elif c.column == "unit":
            hit = or_(
                hit,
                column.in_(
                    sorted(u for u, names in unit_names().items() if _names_match(names, c.op, words))
                ),
            )
        return or_(column.is_(None), not_(hit)) if c.op in _NEGATIVE else hit
    if c.op == "inRange":
        return column.between(c.operand, c.operand_to)
    compare = {
        "equals": column == c.operand,
        "notEqual": or_(column.is_(None), column != c.operand),
        "lessThan": column < c.operand,
        "lessThanOrEqual": column <= c.operand,
        "greaterThan": column > c.operand,
        "greaterThanOrEqual": column >= c.operand,
    }
    return compare[c.op]


def _like(column, op: str, words: str):  # type: ignore[no-untyped-def]
    """`column` holds `words` as `op` asks, any case; the words' own % and _ match themselves."""
    w = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = {"startsWith": f"{w}%", "endsWith": f"%{w}", "equals": w, "notEqual": w}.get(op, f"%{w}%")
    return column.ilike(pattern, escape="\\")


def _names_match(names: tuple[str, ...], op: str, words: str) -> bool:
    """Whether any of a unit's names holds `words` as `op` (or, for a negative op, its positive) asks."""
    want = words.casefold()
    test = {
        "equals": lambda n: n == want,
        "notEqual": lambda n: n == want,
        "startsWith": lambda n: n.startswith(want),
        "endsWith": lambda n: n.endswith(want),
    }.get(op, lambda n: want in n)
    return any(test(n.casefold()) for n in names)


@lru_cache(maxsize=1)
def unit_names() -> dict[str, tuple[str, ...]]:
    """Each unit's names as pages show them (data/labels.toml's [unit]), so a filter typed on a
    Chinese page ("數據集") finds the rows its download holds (`dataset`)."""
    try:
        data = tomllib.loads((settings.DATA_DIR / "labels.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {
        code: tuple(v for v in texts.values() if isinstance(v, str))
        for code, texts in data.get("unit", {}).items()
        if isinstance(texts, dict)
    }


def neutralise(value: object) -> object:
    """A string cell made inert for spreadsheets; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def tier():  # type: ignore[no-untyped-def]
    """An observation's source tier: a reply is official; a curated row's as its file states."""
    o = Observation
    return case((o.source_kind == "reply", "official"), else_=o.source_tier)


def select_observations(*cols):  # type: ignore[no-untyped-def]
    """SELECT `cols` from observations with their figure and document joined (both may be absent)."""
    o = Observation
    joined = o.__table__.outerjoin(FigureRow, FigureRow.id == o.figure_id).outerjoin(
        DocumentRow, DocumentRow.id == o.doc_id
    )
    return select(*cols).select_from(joined)


def columns() -> list:
    """The selected columns of an observation, in export order (the dashboard adds to them).

    Needs the joins of `select_observations`.
    """
    o = Observation
    return [
        o.indicator_id.label("indicator"),
        o.as_of,
        o.value,
        o.qualifier,
        o.lower,
        o.upper,
        o.unit,
        o.source_kind,
        o.source_url,
        o.published,
        text_of(o.sentence_id, o.sentence).label("sentence"),
        o.status,
        o.conflict,
        o.preferred,
        o.revision,
        o.period_start,
        o.period_end,
        tier().label("source_tier"),
        o.publisher,
        func.coalesce(o.source_title, DocumentRow.title).label("source_title"),
        DocumentRow.lcq_number,
        o.figure_id,
        FigureRow.series,
        FigureRow.series_label,
    ]


def figure_address(doc_id: str, figure_id: str | None, base: str = "") -> str:
    """The dashboard's address of a reply, at a figure's sentence when there is one.

    The Sources page gives each figure of a document the anchor `fig-<figure id>`
    and scrolls to it; charts and tables link here so a click lands on the sentence.
    """
    where = f"{base.rstrip('/')}/sources?{urlencode({'doc': doc_id})}"
    return where + (f"#fig-{figure_id}" if figure_id else "")


def _day(v: object) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "undated"
    return str(v)[:10]


def citation(r: Mapping, base: str = "") -> str:
    """One row's source as a line to quote; its address is never empty."""
    url = r.get("source_url") if isinstance(r.get("source_url"), str) else ""
    if r.get("source_kind") == "reply":
        lcq = r.get("lcq_number")
        number = f"LCQ{int(lcq)}" if lcq is not None and not pd.isna(lcq) else "LegCo question"
        title = r.get("source_title") if isinstance(r.get("source_title"), str) else None
        named = f"{number}: {title}" if title and not title.startswith(number) else (title or number)
        where = url or (figure_address(r["doc_id"], r.get("figure_id"), base) if r.get("doc_id") else "")
        day = _day(r.get("published"))
        return f"HKSAR Government, written reply to the Legislative Council, {named}, {day}. {where}".strip()
    parts = [r.get("publisher") if isinstance(r.get("publisher"), str) else "source not named"]
    if isinstance(r.get("source_title"), str) and r.get("source_title"):
        parts.append(str(r["source_title"]))
    parts.append(_day(r.get("published")))
    tier_word = {"mirror": " (a copy of the original)", "secondary": " (a secondary report)"}
    return ", ".join(parts) + tier_word.get(str(r.get("source_tier")), "") + (f". {url}" if url else ".")


def observations(
    engine: Engine, indicator: str | None = None, filters: Filters | None = None, base: str = ""
) -> pd.DataFrame:
    """The observations an export means, oldest first: COLUMNS, then the document each came from."""
    stmt = select_observations(*columns(), Observation.id.label("observation_id"), Observation.doc_id)
    stmt = filtered(stmt, filters or Filters()).order_by(*ORDER)
    if indicator is not None:
        stmt = stmt.where(Observation.indicator_id == indicator)
    with engine.connect() as c:
        rows = c.execute(stmt).all()
    names = [*EXPORT_COLUMNS, *EXTRA_COLUMNS[:-1], *CITE_COLUMNS[:7], "observation_id", "doc_id"]
    df = pd.DataFrame([tuple(r) for r in rows], columns=names)  # tuples: see load.series_observations
    defs = indicator_definitions(engine, sorted(df["indicator"].unique().tolist())).set_index("id")
    df["indicator_label"] = df["indicator"].map(defs["label_en"]) if len(defs) else None
    df["indicator_definition"] = df["indicator"].map(defs["definition"]) if len(defs) else None
    df["indicator_definition_zh"] = df["indicator"].map(defs["definition_zh"]) if len(defs) else None
    df["lcq_number"] = df["lcq_number"].astype("Int64")
    df["citation"] = [citation(r, base) for r in df.to_dict("records")]
    return df.reindex(columns=[*COLUMNS, "doc_id"])


def safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every string cell neutralised (CSV and XLSX alike)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def filename(name: str, fmt: str, filters: Filters) -> str:
    """The file's name: `name.fmt`, or `name-filtered-<hash of the filters>.fmt` for a part of it."""
    args = filters.args()
    if not args:
        return f"{name}.{fmt}"
    digest = hashlib.sha256(urlencode(sorted(args.items())).encode()).hexdigest()[:8]
    return f"{name}-filtered-{digest}.{fmt}"


def address(name: str, fmt: str, filters: Filters, base: str = "") -> str:
    """The stable download address of an export, the one its `about` cites."""
    query = urlencode(filters.args())
    return f"{base.rstrip('/')}/data/{name}.{fmt}" + (f"?{query}" if query else "")


def about(name: str, filters: Filters, where: str, retrieved: datetime) -> dict:
    """What a JSON, XLSX or ZIP export says of itself: title, citation, filters, when and where."""
    when = retrieved.replace(microsecond=0).isoformat()
    return {
        "title": f"itdash — {name}",
        "what": "Quantitative figures from Hong Kong Government replies to Legislative Council "
        "questions and from cited reference sources, one row per observation.",
        "cite": CITE.format(when=when[:10], url=where),
        "filters": filters.args(),
        "retrieved": when,
        "address": where,
    }


def to_csv(obs: pd.DataFrame) -> str:
    buf = io.StringIO()
    safe(obs.reindex(columns=COLUMNS)).to_csv(buf, index=False)
    return buf.getvalue()


def _records(df: pd.DataFrame) -> list[dict]:
    records = json.loads(df.to_json(orient="records", date_format="iso"))
    for r in records:
        for k in _DATES:
            if isinstance(r.get(k), str):
                r[k] = r[k][:10]
    return records


def to_json(obs: pd.DataFrame, about: dict, definitions: pd.DataFrame, sources: pd.DataFrame) -> str:
    """The rows as JSON records (dates as days, blanks null) under the `about` block and the metadata."""
    body = {
        **about,
        "columns": COLUMNS,
        "fields": {c: {"type": FIELDS[c][0], "description": FIELDS[c][1]} for c in COLUMNS},
        "indicators": _records(definitions),
        "sources": _records(sources),
        "observations": _records(obs.reindex(columns=COLUMNS)),
    }
    return json.dumps(body, ensure_ascii=False, indent=1)


def indicator_definitions(engine: Engine, ids: list[str]) -> pd.DataFrame:
    """The registry's word on each indicator in `ids` (the XLSX metadata sheet), by theme."""
    i = Indicator
    stmt = select(*(getattr(i, c) for c in INDICATOR_COLUMNS)).where(i.id.in_(ids)).order_by(i.theme, i.id)
    with engine.connect() as c:
        rows = c.execute(stmt).all()
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def sources(engine: Engine, obs: pd.DataFrame) -> pd.DataFrame:
    """Each source behind the rows, with its tier, publisher, title, date and how many rows it gives."""
    cols = ["source_kind", "source_url", "source_title", "published", "source_tier", "publisher", "doc_id"]
    return (
        obs.assign(
            source_title=obs["source_title"].where(obs["source_title"].notna(), obs["doc_id"].str[:12])
        )
        .groupby(cols, dropna=False)
        .size()
        .reset_index(name="observations")
        .sort_values(["published", "source_url"], na_position="last")
    )


def _xlsx_safe(df: pd.DataFrame) -> pd.DataFrame:
    out = safe(df)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: _ILLEGAL_XLSX.sub("", v) if isinstance(v, str) else v)
    return out


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    return (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)


def _member(name: str, when: datetime) -> zipfile.ZipInfo:
    """A ZIP member stamped `when`, readable by all once unpacked (mode 0644, not the default 0600)."""
    info = zipfile.ZipInfo(name, _zip_time(when))
    info.external_attr = 0o100644 << 16
    info.create_system = 3  # Unix, so unzip reads the mode
    return info


def _restamp(data: bytes, when: datetime) -> bytes:
    """A ZIP container (an XLSX) rewritten with every member, and the workbook's dates, at `when`.

    openpyxl stamps members and `docProps/core.xml` with the moment it saves;
    without this two XLSX of the same rows would differ in those bytes.
    """
    stamp = when.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _DCTERMS.sub(rb"\g<1>" + stamp.encode(), body)
            dst.writestr(_member(info.filename, when), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def to_xlsx(obs: pd.DataFrame, about: dict, definitions: pd.DataFrame, sources: pd.DataFrame) -> bytes:
    about_rows = [
        (k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in about.items()
    ]
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        _xlsx_safe(pd.DataFrame(about_rows, columns=["field", "value"])).to_excel(
            xl, sheet_name="about", index=False
        )
        _xlsx_safe(definitions).to_excel(xl, sheet_name="metadata", index=False)
        _xlsx_safe(sources).to_excel(xl, sheet_name="metadata", index=False, startrow=len(definitions) + 3)
        xl.sheets["metadata"].cell(row=len(definitions) + 3, column=1, value="sources")
        _xlsx_safe(obs.reindex(columns=COLUMNS)).to_excel(xl, sheet_name="data", index=False)
        sheet = xl.sheets["data"]
        sheet.freeze_panes = "A2"  # the header stays in view, and each column can be filtered
        sheet.auto_filter.ref = sheet.dimensions
    return _restamp(buf.getvalue(), datetime.fromisoformat(about["retrieved"]))


def datapackage(stem: str, about: dict, sources: pd.DataFrame) -> dict:
    """A Frictionless Data Package of the ZIP's two tables; every path is a file in the ZIP."""
    cited = sources.drop_duplicates(["source_url", "source_title", "publisher"])
    return {
        "profile": "tabular-data-package",
        "name": f"itdash-{stem}".replace("_", "-").lower(),
        "title": about["title"],
        "description": about["what"],
        "created": about["retrieved"],
        "homepage": about["address"],
        "licenses": [LICENSE],
        "sources": [
            {
                "title": str(
                    r.source_title if isinstance(r.source_title, str) else r.publisher or r.source_kind
                ),
                **({"path": r.source_url} if isinstance(r.source_url, str) and r.source_url else {}),
            }
            for r in cited.itertuples()
        ],
        "resources": [
            {
                "name": "indicators",
                "path": "indicators.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": c, "type": "string"} for c in INDICATOR_COLUMNS],
                    "missingValues": [""],
                    "primaryKey": ["id"],
                },
            },
            {
                "name": stem.replace("_", "-").lower(),
                "path": f"{stem}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": c, "type": FIELDS[c][0], "description": FIELDS[c][1]} for c in COLUMNS
                    ],
                    "missingValues": [""],
                    "primaryKey": ["observation_id"],
                    "foreignKeys": [
                        {"fields": "indicator", "reference": {"resource": "indicators", "fields": "id"}}
                    ],
                },
            },
        ],
    }


def to_zip(
    stem: str, obs: pd.DataFrame, about: dict, definitions: pd.DataFrame, sources: pd.DataFrame
) -> bytes:
    readme = "\n".join(
        [
            about["title"],
            "",
            about["what"],
            "",
            f"Retrieved: {about['retrieved']}",
            f"Address: {about['address']}",
            f"Filters: {json.dumps(about['filters'], ensure_ascii=False) or 'none'}",
            "",
            f"{stem}.csv   the observations, one per row ({len(obs)} rows)",
            "indicators.csv   each indicator's label (English, Chinese), unit, kind and definition;",
            "                 `series` names a series not yet reviewed (empty for the registry's)",
            "datapackage.json   Frictionless Data Package: each column's type and meaning, licence, sources",
            "",
            "How to cite:",
            about["cite"],
            "Each row's own source is in its columns source_tier, publisher, source_title, lcq_number,",
            "published and source_url, and written out in its citation column, e.g.:",
            *([f"  {obs['citation'].iloc[0]}"] if len(obs) else []),
            "",
            "Cells starting with =, +, - or @ carry a leading ' so spreadsheets do not run them.",
            "",
        ]
    )
    ind = io.StringIO()
    safe(definitions.reindex(columns=INDICATOR_COLUMNS)).to_csv(ind, index=False)
    members = {
        f"{stem}.csv": to_csv(obs),
        "indicators.csv": ind.getvalue(),
        "datapackage.json": json.dumps(datapackage(stem, about, sources), ensure_ascii=False, indent=1),
        "README.txt": readme,
    }
    when = datetime.fromisoformat(about["retrieved"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for member, body in members.items():
            z.writestr(_member(member, when), body, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def render(
    engine: Engine, name: str, fmt: str, filters: Filters, retrieved: datetime, base: str = ""
) -> bytes:
    """One export: `name` is `observations` or an indicator id; the bytes of the file.

    `base` is where the downloads are served (the cited address is
    `base/data/name.fmt?filters`). Raises UnknownIndicator for an id the
    database does not hold.
    """
    if fmt not in FORMATS:
        raise ItdashError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    indicator = None if name == "observations" else name
    if indicator is not None:
        with engine.connect() as c:
            known = c.execute(select(Indicator.id).where(Indicator.id == indicator)).first()
        if known is None:
            raise UnknownIndicator(
                f"There is no indicator {name!r}. Every indicator is listed on /data-table "
                f"and in /data/observations.csv."
            )
    check(engine, filters)
    obs = observations(engine, indicator, filters, base)
    if fmt == "csv":
        return to_csv(obs).encode("utf-8")
    meta = about(name, filters, address(name, fmt, filters, base), retrieved)
    definitions = indicator_definitions(engine, sorted(obs["indicator"].unique().tolist()))
    if fmt == "json":
        return to_json(obs, meta, definitions, sources(engine, obs)).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(obs, meta, definitions, sources(engine, obs))
    stem = filename(name, fmt, filters).rsplit(".", 1)[0]
    return to_zip(stem, obs, meta, definitions, sources(engine, obs))
