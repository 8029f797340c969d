"""A figure as the spec (shared/spec/figures.md) writes it down."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

QUALIFIERS = ("exact", "about", "over", "at_least", "nearly", "under", "up_to")
# A figure's unit when it is an amount of money: the currency codes the extractors write.
CURRENCIES = frozenset({"HKD", "USD", "CNY", "EUR", "GBP", "JPY", "SGD"})
PARTS = ("question", "reply")
# The spec's JSON Lines fields, in the spec's order.
SPEC_FIELDS = (
    "doc",
    "part",
    "item",
    "start",
    "end",
    "text",
    "value",
    "qualifier",
    "unit",
    "subject",
    "as_of",
    "sentence",
    "series",
    "series_label",
    "twin_agrees",
)


@dataclass
class Figure:
    """One quantitative figure found in a reply.

    The spec's fields come first; the rest is what later stages need to map a
    figure (its clause) without reparsing the reply.
    """

    doc: str
    part: str
    item: int | None
    start: int
    end: int
    text: str
    value: float
    qualifier: str
    unit: str
    subject: str | None
    as_of: str
    sentence: str
    clause: str = field(default="", repr=False)
    sentence_start: int = field(default=0, repr=False)
    sentence_end: int = field(default=0, repr=False)
    # shared/spec/series.md: set by etl.series after extraction; twin_agrees by etl.twins.
    series: str | None = None
    series_label: str | None = None
    twin_agrees: bool | None = None

    def spec(self) -> dict:
        """The figure as the spec's JSON object."""
        record = asdict(self)
        out = {k: record[k] for k in SPEC_FIELDS}
        if float(out["value"]).is_integer():
            out["value"] = int(out["value"])
        return out

    def jsonl(self) -> str:
        return json.dumps(self.spec(), ensure_ascii=False)
