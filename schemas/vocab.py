"""Models of the vocabulary files under data/vocab/<lang>/: a typo there fails validation, loudly.

Every file of a language has a model here, found by language and file name
in `FILES`, so a file nobody reads cannot sit there unchecked. The models check
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
    premodifiers: LowerPhrases
    participles: LowerPhrases
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
    kinds: LowerPhrases
    first: Phrases
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
    one_idioms: LowerPhrases
    one_idiom_counts_after: LowerPhrases
    vague: LowerPhrases


# dates.toml


class Anchors(_Strict):
    events: LowerPhrases
    continues: LowerPhrases
    same_time: LowerPhrases
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
    # word-start (English: "start-up" matches "start-ups") or anywhere (Chinese has no spaces)
    match: Literal["word-start", "anywhere"] = "word-start"


# Chinese (data/vocab/zh/, read by etl/extract/zh.py): its own files, for its own grammar.


class ZhAsof(_Strict):
    today: Phrases
    continues: Phrases
    event_verbs: Phrases
    title_words: Phrases
    same_period: Phrases


class ZhNumbers(_Strict):
    measure_words: Phrases
    not_figures: Phrases
    ordinal_before: Phrases
    label_after: Phrases
    scales: dict[Phrase, Annotated[int, Field(gt=1)]]
    self_units: dict[Phrase, Phrase]


class ZhQualifiers(_Strict):
    joiners: Phrases
    not_after: Phrases
    before: dict[Phrase, Qualifier]
    after: dict[Phrase, Qualifier]
    after_money: dict[Phrase, Qualifier]


class ZhSubjects(_Strict):
    names: Phrases
    endings: Phrases
    left_stops: Phrases
    not_names: Phrases
    not_name_starts: Phrases
    not_inside: Phrases
    not_endings: Phrases
    back_refs: Phrases
    places: Phrases
    aliases: dict[Phrase, Phrase]


class ZhUnits(_Strict):
    nouns: Phrases
    stops: Phrases
    count_words: Phrases
    measure_when_noun: Phrases
    money: dict[Phrase, Annotated[str, Field(pattern=r"^[A-Z]{3}$")]]  # an ISO 4217 code


# The model of every file a language's folder holds, by language and file name. A new
# language is its folder under data/vocab/ and its entry here; the loader stays as it is.
FILES: dict[str, dict[str, type[_Strict]]] = {
    "en": {
        "qualifiers.toml": Qualifiers,
        "numbers.toml": Numbers,
        "units.toml": Units,
        "subjects.toml": Subjects,
        "negatives.toml": Negatives,
        "dates.toml": Dates,
        "sentences.toml": Sentences,
        "topics.toml": Topics,
    },
    "zh": {
        "asof.toml": ZhAsof,
        "numbers.toml": ZhNumbers,
        "qualifiers.toml": ZhQualifiers,
        "subjects.toml": ZhSubjects,
        "units.toml": ZhUnits,
        "topics.toml": Topics,
    },
}
