"""Models of the vocabulary files under data/vocab/<lang>/: a typo there fails validation, loudly.

Every file of a language has a model here, found by the file's name in
`FILES`, so adding a language (`data/vocab/zh/`) means writing the same files
in it, and a file nobody reads cannot sit there unchecked. The models check
shape (no unknown or missing keys), values (a qualifier the spec names, a
month from 1 to 12, a share from 0 to 100) and lists (no entry twice).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from schemas.figure import QUALIFIERS

Qualifier = Literal[QUALIFIERS]  # the spec's, defined once in schemas.figure
Currency = Literal["HKD", "USD", "CNY"]


def _no_repeats(entries: list[str]) -> list[str]:
    seen: set[str] = set()
    for entry in entries:
        if entry in seen:
            raise ValueError(f"{entry!r} is listed twice")
        seen.add(entry)
    return entries


def _trimmed(entry: str) -> str:
    if entry != entry.strip() or "  " in entry:
        raise ValueError(f"{entry!r} has stray spaces")
    return entry


def _lower(entry: str) -> str:
    if entry != entry.lower():
        raise ValueError(f"{entry!r} must be lower case")
    return entry


Phrase = Annotated[str, Field(min_length=1), AfterValidator(_trimmed)]
Lower = Annotated[Phrase, AfterValidator(_lower)]
Phrases = Annotated[list[Phrase], AfterValidator(_no_repeats)]
LowerPhrases = Annotated[list[Lower], AfterValidator(_no_repeats)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# qualifiers.toml


class NotHedges(_Strict):
    before: Phrases


class Durations(_Strict):
    over_is_hedge_after: LowerPhrases


class Qualifiers(_Strict):
    """Hedge phrases by the qualifier they mean, before and after the number."""

    before: dict[Qualifier, Phrases]
    after: dict[Qualifier, Phrases]
    not_hedges: NotHedges
    durations: Durations


# numbers.toml


class Numbers(_Strict):
    units: dict[Lower, Annotated[int, Field(ge=0, le=19)]]
    tens: dict[Lower, Annotated[int, Field(ge=20, le=90, multiple_of=10)]]
    phrases: dict[Lower, Annotated[float, Field(gt=0)]]
    fractions: dict[Lower, Annotated[float, Field(gt=0, le=100)]]  # shares, in percent
    times: dict[Lower, Annotated[int, Field(ge=1)]]
    scales: dict[Lower, Annotated[float, Field(gt=1)]]
    currencies: dict[Phrase, Currency]


# units.toml


class Known(_Strict):
    multi: LowerPhrases
    durations: LowerPhrases
    single: LowerPhrases


class NounPhrase(_Strict):
    stop: LowerPhrases
    function_words: LowerPhrases
    conjunctions: LowerPhrases
    back_references: LowerPhrases


class Units(_Strict):
    aliases: dict[Lower, Lower]
    known: Known
    singular: dict[Lower, Lower]
    currencies: dict[Currency, Currency]
    noun_phrase: NounPhrase


# subjects.toml


class Subject(_Strict):
    name: Phrase
    aliases: Phrases = []


class Heuristic(_Strict):
    head_words: Phrases
    places: Phrases
    never: Phrases
    links: LowerPhrases
    continues: LowerPhrases
    openers: LowerPhrases


class Subjects(_Strict):
    subject: list[Subject]
    heuristic: Heuristic


# negatives.toml


class Negatives(_Strict):
    before_words: LowerPhrases
    after_words: LowerPhrases
    one_not_count: LowerPhrases
    one_after: LowerPhrases
    vague: LowerPhrases


# dates.toml


class Anchors(_Strict):
    events: LowerPhrases
    continues: LowerPhrases
    now: LowerPhrases
    last_year: LowerPhrases
    this_year: LowerPhrases
    positions: dict[Literal["middle", "start", "end"], LowerPhrases]
    prepositions: dict[Literal["since", "until", "during", "other"], LowerPhrases]


class Dates(_Strict):
    months: dict[Phrase, Annotated[int, Field(ge=1, le=12)]]
    ordinals: dict[Lower, Annotated[int, Field(ge=1, le=4)]]
    anchors: Anchors


# sentences.toml


class Sentences(_Strict):
    abbreviations: LowerPhrases  # written without their last dot


# topics.toml (read by etl.site for `itdash fetch`)


class Topics(_Strict):
    lcq_title: str
    terms: Annotated[list[Annotated[str, Field(min_length=1)]], AfterValidator(_no_repeats)]
    exact_terms: Phrases = []


# The model of every file a language's folder holds, by file name.
FILES: dict[str, type[_Strict]] = {
    "qualifiers.toml": Qualifiers,
    "numbers.toml": Numbers,
    "units.toml": Units,
    "subjects.toml": Subjects,
    "negatives.toml": Negatives,
    "dates.toml": Dates,
    "sentences.toml": Sentences,
    "topics.toml": Topics,
}
