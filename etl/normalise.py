"""Figures and curated rows → observations and targets: the one place they are built.

A figure maps when exactly one indicator has a rule it satisfies; with none
it stays unmapped and with several it is ambiguous — both wait for review,
never guessed. A mapped figure dated after its reply (`by 2027`) is a target,
never a point of a series. Observations get their period and the bounds
their qualifier promises here, whoever asks: the pipeline for reply figures,
curated.py for reference rows, review.py for an analyst's decision. Every
function takes plain values and returns rows; none reads or writes anything.
`from_figures` states the same rows as a SELECT over stored figures, for a pass
that makes hundreds of thousands at once (etl/uncurated.py); a test holds the
two to the same rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache

from sqlalchemy import ColumnElement, Select, and_, case, literal, null, select

from etl import sentences
from etl.indicators import Registry
from schemas.figure import Figure
from schemas.registry import Rule
from schemas.storage import FigureRow, Observation, Target, column_defaults


@dataclass(frozen=True)
class Mapping:
    status: str  # mapped | unmapped | ambiguous | question
    indicator_id: str | None = None
    rule: str | None = None


@cache
def _word(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])" + re.escape(word.lower()) + r"(?![\w])")


def _words(words: list[str]) -> re.Pattern[str] | None:
    """One pattern for "any of these words" (`_has` of each, in one search); None for no words."""
    if not words:
        return None
    alts = sorted({re.escape(w.lower()) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])")


@dataclass(frozen=True)
class _Compiled:
    """A rule's conditions other than its units, as patterns built once per registry."""

    subjects: tuple[str, ...]
    clause_all: tuple[re.Pattern[str], ...]
    clause_any: re.Pattern[str] | None
    clause_none: re.Pattern[str] | None
    sentence_any: re.Pattern[str] | None
    sentence_none: re.Pattern[str] | None

    @classmethod
    def of(cls, rule: Rule) -> _Compiled:
        return cls(
            tuple(s.lower() for s in rule.subjects),
            tuple(_word(w) for w in rule.clause_all),
            _words(rule.clause_any),
            _words(rule.clause_none),
            _words(rule.sentence_any),
            _words(rule.sentence_none),
        )

    def holds(self, subject: str, clause: str, sentence: str) -> bool:
        if self.subjects and not any(s in subject for s in self.subjects):
            return False
        return (
            all(p.search(clause) for p in self.clause_all)
            and (self.clause_any is None or self.clause_any.search(clause) is not None)
            and (self.clause_none is None or self.clause_none.search(clause) is None)
            and (self.sentence_any is None or self.sentence_any.search(sentence) is not None)
            and (self.sentence_none is None or self.sentence_none.search(sentence) is None)
        )


_Index = dict[str, list[tuple[str, list[tuple[int, _Compiled]]]]]
# Registry -> unit -> each indicator's rules for that unit, numbered as in the registry. Most
# indicators have no rule for a figure's unit; looking only at those that do is most of mapping.
_BY_UNIT: dict[int, tuple[Registry, _Index]] = {}


def _rules_for(registry: Registry, unit: str) -> list[tuple[str, list[tuple[int, _Compiled]]]]:
    held = _BY_UNIT.get(id(registry))
    if held is None or held[0] is not registry:
        index: _Index = {}
        for ind in registry.indicators.values():
            per: dict[str, list[tuple[int, _Compiled]]] = {}
            for k, rule in enumerate(ind.rules, start=1):
                compiled = _Compiled.of(rule)
                for u in dict.fromkeys(rule.units):
                    per.setdefault(u, []).append((k, compiled))
            for u, rules in per.items():
                index.setdefault(u, []).append((ind.id, rules))
        if len(_BY_UNIT) > 16:
            _BY_UNIT.clear()  # a process sees a registry or two; tests build many
        held = _BY_UNIT[id(registry)] = (registry, index)
    return held[1].get(unit, [])


def map_figure(fig: Figure, registry: Registry) -> Mapping:
    if fig.part != "reply":
        return Mapping("question")
    subject, clause, sentence = (fig.subject or "").lower(), fig.clause.lower(), fig.sentence.lower()
    hits: dict[str, str] = {}
    for ind_id, rules in _rules_for(registry, fig.unit):
        for k, rule in rules:
            if rule.holds(subject, clause, sentence):
                hits.setdefault(ind_id, f"{ind_id}#{k}")
                break
    if len(hits) == 1:
        ((ind_id, rule_id),) = hits.items()
        return Mapping("mapped", ind_id, rule_id)
    if hits:
        return Mapping("ambiguous", None, ";".join(sorted(hits.values())))
    return Mapping("unmapped")


# The qualifiers that bound the true value from below and from above; "about" bounds it neither way.
_LOWER = ("exact", "over", "at_least")
_UPPER = ("exact", "under", "up_to", "nearly")


def bounds(value: float, qualifier: str) -> tuple[float | None, float | None]:
    """The interval a qualifier promises for the true value (None: open)."""
    return (value if qualifier in _LOWER else None), (value if qualifier in _UPPER else None)


def period(as_of: str) -> tuple[date, date]:
    """An as_of as its first and last day."""
    first, _, last = as_of.partition("/")
    return date.fromisoformat(first), date.fromisoformat(last or first)


def is_target(period_start: date, published: date | None) -> bool:
    """Whether a figure speaks of a time after its source was published: a goal, not a fact."""
    return published is not None and period_start > published


def is_target_sql(period_start: ColumnElement, published: ColumnElement) -> ColumnElement[bool]:
    """`is_target` as a condition on columns."""
    return and_(published.is_not(None), period_start > published)


def figure_id(doc_id: str, start: int, end: int) -> str:
    """A figure's key: its document and span, so re-running the ETL keeps every id."""
    return f"{doc_id[:16]}-{start}-{end}"


_REPLY = "reply:"


def reply_id(figure_id: str) -> str:
    """The key of the observation or target a reply figure becomes."""
    return f"{_REPLY}{figure_id}"


def reply_id_sql(figure_id: ColumnElement) -> ColumnElement:
    """`reply_id` as a column expression."""
    return literal(_REPLY) + figure_id


@dataclass(frozen=True)
class Stated:
    """What a figure or a curated row states, under the id of the row it becomes."""

    id: str
    indicator_id: str
    as_of: str
    value: float
    qualifier: str
    unit: str


@dataclass(frozen=True)
class Source:
    """Where it was stated: a reply (with its figure and document) or a curated reference."""

    kind: str
    url: str | None
    published: date | None
    figure_id: str | None = None
    doc_id: str | None = None
    sentence_id: str | None = None  # a reply's sentence, stored once in `sentences`


def _common(stated: Stated, source: Source) -> dict:
    start, end = period(stated.as_of)
    where = {"source_kind": source.kind, "source_url": source.url, "published": source.published}
    ids = {"figure_id": source.figure_id, "doc_id": source.doc_id, "sentence_id": source.sentence_id}
    # vars, not asdict: Stated holds plain values, and asdict's deep copy is most of the cost.
    return {**vars(stated), "period_start": start, "period_end": end, **where, **ids}


def observation_values(
    stated: Stated, source: Source, sentence: str | None, rule: str | None, status: str = "auto"
) -> dict:
    """`observation` as the column values it sets, without building the model (thousands a run)."""
    lower, upper = bounds(stated.value, stated.qualifier)
    return {
        **_common(stated, source),
        "lower": lower,
        "upper": upper,
        "sentence": sentence,
        "rule": rule,
        "status": status,
    }


def observation(
    stated: Stated, source: Source, sentence: str | None, rule: str | None, status: str = "auto"
) -> Observation:
    """One point of a series, with the period of its as_of and the bounds of its qualifier."""
    return Observation(**observation_values(stated, source, sentence, rule, status))


def target_values(stated: Stated, source: Source, note: str | None) -> dict:
    """`target` as the column values it sets, without building the model."""
    return {**_common(stated, source), "note": note}


def target(stated: Stated, source: Source, note: str | None) -> Target:
    """A stated goal, with the period of its as_of; drawn as a goal, never part of a series."""
    return Target(**target_values(stated, source, note))


def from_figures(
    model: type[Observation] | type[Target],
    f: type,
    d: type,
    indicator_id: ColumnElement,
    rule: str | None = None,
) -> Select:
    """The rows `observation_values` (sentence None, status auto) or `target_values` (note None)
    make of reply figures, as a SELECT over `f` (figures) joined to `d` (their documents), its
    columns in the table's order for an INSERT ... FROM SELECT; the caller adds the joins and
    conditions. Built in the database: at 100 000 replies two million rows went through
    Python dicts, the bind processors and back (a tenth of a first load).

    A stored figure's as_of_start and as_of_end are `period` of its as_of (`figure_values`).
    """
    values: dict[str, object] = {
        "id": reply_id_sql(f.id),
        "indicator_id": indicator_id,
        "as_of": f.as_of,
        "period_start": f.as_of_start,
        "period_end": f.as_of_end,
        "value": f.value,
        "qualifier": f.qualifier,
        "unit": f.unit,
        "source_kind": "reply",
        "source_url": d.url,
        "published": d.published,
        "figure_id": f.id,
        "doc_id": f.doc_id,
        "sentence_id": f.sentence_id,
    }
    if model is Observation:
        values |= {
            "lower": case((f.qualifier.in_(_LOWER), f.value), else_=null()),
            "upper": case((f.qualifier.in_(_UPPER), f.value), else_=null()),
            "sentence": None,
            "rule": rule,
            "status": "auto",
        }
    else:
        values["note"] = None
    blank = column_defaults(model)
    columns = []
    for col in model.__table__.columns:  # type: ignore[attr-defined]
        v = values.get(col.key, blank[col.key])
        if v is None:
            v = null()
        elif isinstance(v, str | bool | int | float):  # a constant, else a column of f or d
            v = literal(v, type_=col.type)
        columns.append(v.label(col.key))  # type: ignore[attr-defined]
    return select(*columns)


# The Figure fields a stored figure keeps as they are (its sentence goes to `sentences`).
_KEPT = tuple(f.name for f in fields(Figure) if f.name in FigureRow.model_fields)


def figure_values(fig: Figure, doc_id: str, ordinal: int, m: Mapping) -> dict:
    """A figure as stored (its span, reading, period and mapping), as the column values it sets."""
    start, end = period(fig.as_of)
    return {
        **column_defaults(FigureRow),
        **{k: getattr(fig, k) for k in _KEPT},
        **sentences.clause_fields(fig.sentence, fig.clause),
        "id": figure_id(doc_id, fig.start, fig.end),
        "doc_id": doc_id,
        "sentence_id": sentences.sentence_id(doc_id, fig.sentence),
        "ordinal": ordinal,
        "as_of_start": start,
        "as_of_end": end,
        "mapping": m.status,
        "indicator_id": m.indicator_id,
        "rule": m.rule,
    }


@dataclass
class Normalised:
    """What one reply's figures become, as column dicts of their tables (what the bulk writer
    inserts and pandera checks: a model object a row cost more than the extraction)."""

    figures: list[dict] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    mapped: int = 0
    sentences: list[dict] = field(default_factory=list)  # each once, in reading order


def reply(
    found: list[Figure], registry: Registry, doc_id: str, url: str | None, published: date
) -> Normalised:
    """A reply's figures as stored figures, and its mapped ones as observations or targets."""
    out = Normalised()
    seen: set[str] = set()
    blank_obs, blank_tgt = column_defaults(Observation), column_defaults(Target)
    for k, fig in enumerate(found):
        m = map_figure(fig, registry)
        row = figure_values(fig, doc_id, k, m)
        out.figures.append(row)
        sentence_id = row["sentence_id"]
        if sentence_id not in seen:
            seen.add(sentence_id)
            out.sentences.append({"id": sentence_id, "doc_id": doc_id, "text": fig.sentence})
        if m.status != "mapped" or m.indicator_id is None:
            continue  # unmapped and ambiguous figures wait for review
        out.mapped += 1
        stated = Stated(reply_id(row["id"]), m.indicator_id, fig.as_of, fig.value, fig.qualifier, fig.unit)
        source = Source("reply", url, published, figure_id=row["id"], doc_id=doc_id, sentence_id=sentence_id)
        if is_target(row["as_of_start"], published):  # "by 2027": a goal, drawn as a target
            out.targets.append({**blank_tgt, **target_values(stated, source, note=None)})
        else:
            out.observations.append({**blank_obs, **observation_values(stated, source, None, m.rule)})
    return out
