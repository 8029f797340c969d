"""Checks before writing: a document's frames against the pandera models, its rows against the columns.

A failure becomes a `DocumentError` carrying the report, so the document is
quarantined with the reason and the others load. The column checks exist
because the databases disagree on what they hold: SQLite takes an integer
PostgreSQL refuses (an LCQ number of 2^31), PostgreSQL refuses a NUL
character SQLite keeps; a value either one would refuse, or that no reply can
mean (an infinite number, a date in year 9999), is stopped here, by name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd
import pandera.errors as pe
from sqlalchemy import BigInteger, Date, Float, Integer, String, Text
from sqlmodel import SQLModel

from etl import settings
from etl.errors import DocumentError
from schemas.frames import EARLIEST_DATE, LATEST_DATE, FigureFrame, ObservationFrame

INT32 = (-(2**31), 2**31 - 1)  # PostgreSQL INTEGER, what SQLModel makes of `int`
INT64 = (-(2**63), 2**63 - 1)  # BIGINT, and every SQLite integer
# LegCo written replies exist since the 1990s; a reply is never dated far ahead of today.
EARLIEST_REPLY = date(1985, 1, 1)


def _report(e: pe.SchemaErrors, limit: int = 12) -> str:
    cases = e.failure_cases
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
        raise DocumentError(doc, f"figures failed validation: {_report(e)}", "validate") from None


def observations(df: pd.DataFrame, doc: str) -> pd.DataFrame:
    try:
        return ObservationFrame.validate(df, lazy=True)
    except pe.SchemaErrors as e:
        raise DocumentError(doc, f"observations failed validation: {_report(e)}", "validate") from None


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


def storable(rows: Iterable[SQLModel], doc: str, limit: int = 12) -> None:
    """Raise a `DocumentError` naming every value of `rows` the database would refuse or misread."""
    problems: list[str] = []
    for row in rows:
        table = getattr(type(row), "__table__", None)
        if table is None:
            continue
        for column in table.columns:
            found = _problem(table.name, column, getattr(row, column.key, None))
            if found:
                problems.append(found)
    if problems:
        more = len(problems) - limit
        report = "; ".join(problems[:limit]) + (f"; and {more} more" if more > 0 else "")
        raise DocumentError(doc, f"values the database cannot hold: {report}", "validate")
