"""Checks before writing: a document's frames against the pandera models, its rows against the columns.

A failure becomes a `DocumentError` carrying the report, so the document is
quarantined with the reason and the others load. `batch` checks many
documents' frames in one pandera call (its fixed cost per call was most of
the ETL's time) and maps each failure case back to its document. The column checks exist
because the databases disagree on what they hold: SQLite takes an integer
PostgreSQL refuses (an LCQ number of 2^31), PostgreSQL refuses a NUL
character SQLite keeps; a value either one would refuse, or that no reply can
mean (an infinite number, a date in year 9999), is stopped here, by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import pandas as pd
import pandera.errors as pe
from sqlalchemy import BigInteger, Date, Float, Integer, String, Table, Text
from sqlmodel import SQLModel

from etl import settings
from etl.errors import DocumentError
from schemas.frames import EARLIEST_DATE, LATEST_DATE, FigureFrame, ObservationFrame

INT32 = (-(2**31), 2**31 - 1)  # PostgreSQL INTEGER, what SQLModel makes of `int`
INT64 = (-(2**63), 2**63 - 1)  # BIGINT, and every SQLite integer
# LegCo written replies exist since the 1990s; a reply is never dated far ahead of today.
EARLIEST_REPLY = date(1985, 1, 1)


def _report(cases: pd.DataFrame, limit: int = 12) -> str:
    lines = []
    for row in cases.head(limit).itertuples(index=False):
        column = getattr(row, "column", None)
        check = getattr(row, "check", None)
        case = getattr(row, "failure_case", None)
        index = getattr(row, "index", None)
        where = f" (row {index})" if index is not None and not pd.isna(index) else ""
        lines.append(f"{column}: {check}: {case!r}{where}")
    more = len(cases) - limit
    return "; ".join(lines) + (f"; and {more} more" if more > 0 else "")


def figure_count(count: int, doc: str) -> None:
    """Refuse a document with more figures than any reply holds, before the work on each begins."""
    limit = settings.max_figures()
    if count > limit:
        raise DocumentError(doc, f"{count} figures, over the limit of {limit} a document may hold", "extract")


def figures(df: pd.DataFrame, doc: str) -> pd.DataFrame:
    figure_count(len(df), doc)
    try:
        return FigureFrame.validate(df, lazy=True)
    except pe.SchemaErrors as e:
        report = _report(e.failure_cases)
        raise DocumentError(doc, f"figures failed validation: {report}", "validate") from None


def observations(df: pd.DataFrame, doc: str) -> pd.DataFrame:
    try:
        return ObservationFrame.validate(df, lazy=True)
    except pe.SchemaErrors as e:
        report = _report(e.failure_cases)
        raise DocumentError(doc, f"observations failed validation: {report}", "validate") from None


@dataclass
class Frames:
    """One document's rows, as column dicts, for `batch`."""

    doc: str  # the name failures are reported under
    doc_id: str
    length: int  # characters of the document's text: every span must lie inside
    figures: list[dict] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)


def _rounds(items: Sequence[Frames]) -> list[list[int]]:
    """Indices split so no round holds the same bytes twice (their row ids are equal, not duplicates)."""
    rounds: list[list[int]] = []
    seen: list[set[str]] = []
    for k, item in enumerate(items):
        for r, ids in enumerate(seen):
            if item.doc_id not in ids:
                ids.add(item.doc_id)
                rounds[r].append(k)
                break
        else:
            seen.append({item.doc_id})
            rounds.append([k])
    return rounds


def _frame(
    items: Sequence[Frames], members: list[int], part: str
) -> tuple[pd.DataFrame, list[int], list[int]]:
    records: list[dict] = []
    owner: list[int] = []
    local: list[int] = []
    lengths: list[int] = []
    for k in members:
        rows = getattr(items[k], part)
        records.extend(rows)
        owner.extend([k] * len(rows))
        local.extend(range(len(rows)))
        lengths.extend([items[k].length] * len(rows))
    df = pd.DataFrame.from_records(records)
    if part == "figures":
        df["item"] = df["item"].astype("Int64")
        df["doc_length"] = lengths
    return df, owner, local


def _one(item: Frames, part: str) -> DocumentError | None:
    try:
        if part == "figures":
            df, _, _ = _frame([item], [0], part)
            figures(df, item.doc)
        else:
            observations(pd.DataFrame.from_records(item.observations), item.doc)
    except DocumentError as e:
        return e
    return None


def batch(items: Sequence[Frames]) -> dict[int, DocumentError]:
    """Check every document's figures and observations, a pandera call per part; failures by index.

    Each failure case names the row it is about, so it is reported against
    that row's document (its row number counted within the document, as when
    a document is checked alone) and the other documents pass. A case that
    names no row (a whole column missing) cannot be placed: the documents of
    that call are then checked one by one.
    """
    errors: dict[int, DocumentError] = {}
    for members in _rounds(items):
        for part, model in (("figures", FigureFrame), ("observations", ObservationFrame)):
            todo = [k for k in members if k not in errors and getattr(items[k], part)]
            if not todo:
                continue
            df, owner, local = _frame(items, todo, part)
            try:
                model.validate(df, lazy=True)
                continue
            except pe.SchemaErrors as e:
                cases = e.failure_cases
            rows = pd.to_numeric(cases["index"], errors="coerce")
            if rows.isna().any():
                for k in todo:
                    found = _one(items[k], part)
                    if found is not None:
                        errors[k] = found
                continue
            cases = cases.assign(index=[local[int(r)] for r in rows], _owner=[owner[int(r)] for r in rows])
            for k, sub in cases.groupby("_owner", sort=True):
                report = _report(sub.drop(columns="_owner"))
                errors[int(k)] = DocumentError(
                    items[int(k)].doc, f"{part} failed validation: {report}", "validate"
                )
    return errors


def _problem(table: str, column, value: object) -> str | None:  # type: ignore[no-untyped-def]
    kind = getattr(column.type, "impl_instance", column.type)  # SQLModel's AutoString decorates String
    label = f"{table}.{column.name}"
    if isinstance(kind, Integer) and isinstance(value, int) and not isinstance(value, bool):
        low, high = INT64 if isinstance(kind, BigInteger) else INT32
        if not low <= value <= high:
            return f"{label} = {value} does not fit an integer column ({low}..{high})"
    elif isinstance(kind, (String, Text)) and isinstance(value, str):
        at = value.find("\x00")
        if at >= 0:
            return f"{label} holds a NUL character at offset {at}"
    elif isinstance(kind, Float) and isinstance(value, float):
        if not math.isfinite(value):
            return f"{label} = {value} is not a finite number"
    elif isinstance(kind, Date) and isinstance(value, date):
        low, high = EARLIEST_DATE, LATEST_DATE
        if table == "documents" and column.name == "published":
            low, high = EARLIEST_REPLY, date.today() + timedelta(days=366)
        if not low <= value <= high:
            return f"{label} = {value.isoformat()} is not a plausible date ({low}..{high})"
    return None


def _fine_int(low: int, high: int):  # type: ignore[no-untyped-def]
    return lambda v: not isinstance(v, int) or low <= v <= high


def _fine_str(v: object) -> bool:
    return not isinstance(v, str) or "\x00" not in v


def _fine_float(v: object) -> bool:
    return not isinstance(v, float) or math.isfinite(v)


def _fine_date(v: object) -> bool:
    return not isinstance(v, date) or EARLIEST_DATE <= v <= LATEST_DATE


@cache
def _checks(table: Table) -> tuple[tuple[str, Callable[[object], bool], object], ...]:
    """Per column, a quick test that a value is fine; `_problem` says what is wrong with one that
    is not (and has the last word). Millions of values a run: the column's type is looked at once."""
    out = []
    for column in table.columns:
        kind = getattr(column.type, "impl_instance", column.type)
        if isinstance(kind, Integer):
            fine = _fine_int(*(INT64 if isinstance(kind, BigInteger) else INT32))
        elif isinstance(kind, (String, Text)):
            fine = _fine_str
        elif isinstance(kind, Float):
            fine = _fine_float
        elif isinstance(kind, Date) and not (table.name == "documents" and column.name == "published"):
            fine = _fine_date
        elif isinstance(kind, Date):
            fine = _never  # a reply's day is checked against today, by _problem
        else:
            continue
        out.append((column.key, fine, column))
    return tuple(out)


def _never(v: object) -> bool:
    return False


def storable(rows: Iterable[SQLModel], doc: str, limit: int = 12) -> None:
    """Raise a `DocumentError` naming every value of `rows` the database would refuse or misread."""
    tables = []
    for row in rows:
        table = getattr(type(row), "__table__", None)
        if table is not None:
            tables.append((table, [{c.key: getattr(row, c.key, None) for c in table.columns}]))
    storable_dicts(tables, doc, limit)


def storable_dicts(tables: Iterable[tuple[Table, Sequence[dict]]], doc: str, limit: int = 12) -> None:
    """`storable` over column dicts, a table's rows at a time (what the bulk writer inserts)."""
    problems: list[str] = []
    for table, dicts in tables:
        checks = _checks(table)
        for row in dicts:
            for key, fine, column in checks:
                value = row.get(key)
                if value is not None and not fine(value):
                    found = _problem(table.name, column, value)
                    if found:
                        problems.append(found)
    if problems:
        more = len(problems) - limit
        report = "; ".join(problems[:limit]) + (f"; and {more} more" if more > 0 else "")
        raise DocumentError(doc, f"values the database cannot hold: {report}", "validate")
