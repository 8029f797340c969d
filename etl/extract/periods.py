"""Years and financial years: one pattern for their labels, one rule for what they mean.

A label such as `2024-25`, `2024/25` or `2024-2025` is masked as a number
(`numbers`), read as an anchor (`asof`) and read as a table row's year
(`tables`); all three take its pattern and its interval from here. Hong Kong's
financial year runs from 1 April to 31 March, and a label names one only when
its two years follow each other.
"""

from __future__ import annotations

YEAR = r"(?:19|20)\d{2}"
_SEP = r"\s?[-–/]\s?"
# A financial-year label without groups, for masks.
FY_LABEL = rf"{YEAR}{_SEP}(?:{YEAR}|\d{{2}})"


def fy_label(first: str, second: str) -> str:
    """The label's pattern, its two years captured under the given group names."""
    return rf"(?P<{first}>{YEAR}){_SEP}(?P<{second}>{YEAR}|\d{{2}})"


def follows(first: int, second: str) -> bool:
    """Whether the label's second year (`25` or `2025`) is the year after `first`."""
    year = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
    return year == first + 1


def financial_years(first: int, last: int | None = None) -> str:
    """The interval from financial year `first` through financial year `last` (default: one year)."""
    return f"{first}-04-01/{(first if last is None else last) + 1}-03-31"


def calendar_year(year: int) -> str:
    return f"{year}-01-01/{year}-12-31"
