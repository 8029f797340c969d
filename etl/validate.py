"""Checks before writing: a document's frames against the pandera models.

A failure becomes a `DocumentError` carrying pandera's report, so the
document is quarantined with the reason and the others load.
"""

from __future__ import annotations

import pandas as pd
import pandera.errors as pe

from etl.errors import DocumentError
from schemas.frames import FigureFrame, ObservationFrame


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


def figures(df: pd.DataFrame, doc: str) -> pd.DataFrame:
    try:
        return FigureFrame.validate(df, lazy=True)
    except pe.SchemaErrors as e:
        raise DocumentError(doc, f"figures failed validation: {_report(e)}", "validate") from None


def observations(df: pd.DataFrame, doc: str) -> pd.DataFrame:
    try:
        return ObservationFrame.validate(df, lazy=True)
    except pe.SchemaErrors as e:
        raise DocumentError(doc, f"observations failed validation: {_report(e)}", "validate") from None
