"""Figures → observations: map each figure to at most one indicator, and bound it.

A figure maps when exactly one indicator has a rule it satisfies; with none
it stays unmapped and with several it is ambiguous — both wait for review,
never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from etl.indicators import Registry
from schemas.figure import Figure
from schemas.registry import Rule


@dataclass(frozen=True)
class Mapping:
    status: str  # mapped | unmapped | ambiguous | question
    indicator_id: str | None = None
    rule: str | None = None


@cache
def _word(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])" + re.escape(word.lower()) + r"(?![\w])")


def _has(text: str, word: str) -> bool:
    return bool(_word(word).search(text))


def matches(fig: Figure, rule: Rule) -> bool:
    """Whether a figure satisfies every condition of a rule."""
    if fig.unit not in rule.units:
        return False
    if rule.subjects:
        subject = (fig.subject or "").lower()
        if not any(s.lower() in subject for s in rule.subjects):
            return False
    clause, sentence = fig.clause.lower(), fig.sentence.lower()
    return (
        all(_has(clause, w) for w in rule.clause_all)
        and (not rule.clause_any or any(_has(clause, w) for w in rule.clause_any))
        and not any(_has(clause, w) for w in rule.clause_none)
        and (not rule.sentence_any or any(_has(sentence, w) for w in rule.sentence_any))
        and not any(_has(sentence, w) for w in rule.sentence_none)
    )


def map_figure(fig: Figure, registry: Registry) -> Mapping:
    if fig.part != "reply":
        return Mapping("question")
    hits: dict[str, str] = {}
    for ind in registry.indicators.values():
        for k, rule in enumerate(ind.rules, start=1):
            if matches(fig, rule):
                hits.setdefault(ind.id, f"{ind.id}#{k}")
                break
    if len(hits) == 1:
        ((ind_id, rule_id),) = hits.items()
        return Mapping("mapped", ind_id, rule_id)
    if hits:
        return Mapping("ambiguous", None, ";".join(sorted(hits.values())))
    return Mapping("unmapped")


def bounds(value: float, qualifier: str) -> tuple[float | None, float | None]:
    """The interval a qualifier promises for the true value (None: open)."""
    if qualifier == "exact":
        return value, value
    if qualifier in ("over", "at_least"):
        return value, None
    if qualifier in ("under", "up_to", "nearly"):
        return None, value
    return None, None  # about: no hard bound either way


def period(as_of: str) -> tuple[date, date]:
    """An as_of as its first and last day."""
    first, _, last = as_of.partition("/")
    return date.fromisoformat(first), date.fromisoformat(last or first)
