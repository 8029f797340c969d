"""pandera models for the tables a stage hands on, checked before anything is written."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.figure import PARTS, QUALIFIERS

ISO_AS_OF = r"^\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?$"
SOURCE_KINDS = ("reply", "curated")
# The span a figure's period may fall in: wide enough for "since 1841" and "by 2100",
# narrow enough that a misread year (or a hostile one) is refused rather than stored.
EARLIEST_DATE = date(1800, 1, 1)
LATEST_DATE = date(2200, 12, 31)


def _finite(series: pd.Series) -> pd.Series:
    return series.isna() | np.isfinite(series.astype(float))


def _plausible(series: pd.Series) -> pd.Series:
    low, high = pd.Timestamp(EARLIEST_DATE), pd.Timestamp(LATEST_DATE)
    return series.isna() | ((series >= low) & (series <= high))


class FigureFrame(pa.DataFrameModel):
    """Figures of one document, with the document's length and date to check against."""

    id: Series[str] = pa.Field(unique=True)
    doc_id: Series[str] = pa.Field(str_length={"min_value": 64, "max_value": 64})
    part: Series[str] = pa.Field(isin=PARTS)
    item: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1)
    start: Series[int] = pa.Field(ge=0)
    end: Series[int] = pa.Field(ge=1)
    text: Series[str] = pa.Field(str_length={"min_value": 1})
    value: Series[float] = pa.Field(ge=0)
    qualifier: Series[str] = pa.Field(isin=QUALIFIERS)
    unit: Series[str] = pa.Field(str_length={"min_value": 1})
    subject: Series[str] = pa.Field(nullable=True)
    as_of: Series[str] = pa.Field(str_matches=ISO_AS_OF)
    as_of_start: Series[pa.DateTime]
    as_of_end: Series[pa.DateTime]
    sentence: Series[str] = pa.Field(str_length={"min_value": 1})
    doc_length: Series[int] = pa.Field(ge=1)

    class Config:
        strict = False
        coerce = True

    @pa.dataframe_check(error="a figure's span must lie inside its document")
    def span_inside(cls, df):  # noqa: N805
        return (df["start"] < df["end"]) & (df["end"] <= df["doc_length"])

    @pa.check("value", error="a value must be a finite number")
    def value_finite(cls, series):  # noqa: N805
        return _finite(series)

    @pa.check("as_of_start", "as_of_end", error="a period must lie between 1800 and 2200")
    def as_of_plausible(cls, series):  # noqa: N805
        return _plausible(series)

    @pa.dataframe_check(error="as_of's start must not be after its end")
    def period_ordered(cls, df):  # noqa: N805
        return df["as_of_start"] <= df["as_of_end"]


class ObservationFrame(pa.DataFrameModel):
    """Observations, from replies or curated files, before they are loaded."""

    id: Series[str] = pa.Field(unique=True)
    indicator_id: Series[str] = pa.Field(str_length={"min_value": 1})
    period_start: Series[pa.DateTime]
    period_end: Series[pa.DateTime]
    value: Series[float] = pa.Field(ge=0)
    qualifier: Series[str] = pa.Field(isin=QUALIFIERS)
    lower: Series[float] = pa.Field(nullable=True, ge=0)
    upper: Series[float] = pa.Field(nullable=True, ge=0)
    unit: Series[str] = pa.Field(str_length={"min_value": 1})
    source_kind: Series[str] = pa.Field(isin=SOURCE_KINDS)
    published: Series[pa.DateTime] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True

    @pa.check("value", "lower", "upper", error="values and bounds must be finite numbers")
    def values_finite(cls, series):  # noqa: N805
        return _finite(series)

    @pa.check("period_start", "period_end", "published", error="dates must lie between 1800 and 2200")
    def dates_plausible(cls, series):  # noqa: N805
        return _plausible(series)

    @pa.dataframe_check(error="as_of must not be after the source's publication date")
    def not_after_published(cls, df):  # noqa: N805
        return df["published"].isna() | (df["period_start"] <= df["published"])

    @pa.dataframe_check(error="period start must not be after its end")
    def period_ordered(cls, df):  # noqa: N805
        return df["period_start"] <= df["period_end"]

    @pa.dataframe_check(error="bounds must hold the value: lower <= value <= upper")
    def bounds_hold_value(cls, df):  # noqa: N805
        low_ok = df["lower"].isna() | (df["lower"] <= df["value"])
        up_ok = df["upper"].isna() | (df["value"] <= df["upper"])
        return low_ok & up_ok
