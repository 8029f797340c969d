"""Observations as analysts take them away: one row each, sources and bounds as columns.

`itdash export` and every dashboard download use these columns, so a file from
either reads the same. String cells that a spreadsheet would run as a formula
(`=`, `+`, `-`, `@` first) are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import io
import json

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from schemas.storage import Observation

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
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A string cell made inert for spreadsheets; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def columns() -> list:
    """The selected columns of an observation, in export order (the dashboard adds to them)."""
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
        o.sentence,
        o.status,
        o.conflict,
        o.preferred,
        o.revision,
        o.period_start,
        o.period_end,
    ]


ORDER = (Observation.indicator_id, Observation.period_end, Observation.period_start, Observation.id)


def observations(engine: Engine, indicator: str | None = None) -> pd.DataFrame:
    """Every observation (or one indicator's), oldest first, in export columns."""
    stmt = select(*columns(), Observation.id.label("observation_id")).order_by(*ORDER)
    if indicator is not None:
        stmt = stmt.where(Observation.indicator_id == indicator)
    with engine.connect() as c:
        rows = c.execute(stmt).mappings().all()
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS + EXTRA_COLUMNS)


def safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every string cell neutralised (CSV and XLSX alike)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def to_csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    safe(df).to_csv(buf, index=False)
    return buf.getvalue()


def to_json(df: pd.DataFrame) -> str:
    records = json.loads(df.to_json(orient="records", date_format="iso"))
    return json.dumps(records, ensure_ascii=False, indent=1)
