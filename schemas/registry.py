"""Models of the definition files under data/: a typo there fails validation, loudly."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Theme(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label_en: str = Field(min_length=1)
    label_zh: str = Field(min_length=1)


class Rule(_Strict):
    """When a figure maps to an indicator: every condition given must hold."""

    units: list[str] = Field(min_length=1)
    subjects: list[str] = []
    clause_all: list[str] = []
    clause_any: list[str] = []
    clause_none: list[str] = []
    sentence_any: list[str] = []
    sentence_none: list[str] = []


class IndicatorDef(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label_en: str = Field(min_length=1)
    label_zh: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    theme: str
    kind: Literal["stock", "flow", "amount"]
    headline: bool = False
    definition: str = Field(min_length=20)
    # The same definition in Traditional Chinese (Hong Kong Government usage): Chinese pages
    # show it; where it is missing they show the English, labelled as English.
    definition_zh: str | None = Field(default=None, min_length=10)
    rules: list[Rule] = []


class Event(_Strict):
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    indicators: list[str] = Field(min_length=1)
    label_en: str
    label_zh: str
    source_url: str | None = None
