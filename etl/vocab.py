"""The vocabulary files of one language (data/vocab/<lang>/*.toml), read and validated.

Each file is checked against its model in `schemas.vocab`; a mistake raises a
ConfigError naming the file and the entry, so a typo in a word list stops the
run instead of quietly changing what is extracted. Compiling the lists into
patterns is the extractor's business (`etl.extract.vocab`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ValidationError

from etl import settings
from etl.errors import ConfigError
from schemas import vocab as models


def language(tag: str) -> str:
    """The folder of a language tag: `zh-Hant` and `zh-HK` read `zh/`, `en-GB` reads `en/`."""
    return tag.split("-")[0].strip().lower() or settings.DEFAULT_LANG


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else str(part)
    return out


def read_file(path: Path) -> BaseModel:
    """One vocabulary file, validated against the model of its name."""
    model = models.FILES.get(path.name)
    if model is None:
        raise ConfigError(f"{path}: not a vocabulary file (known: {', '.join(sorted(models.FILES))})")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: {e}") from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = [_problem(err) for err in e.errors()[:3]]
        more = f"; {e.error_count() - 3} more" if e.error_count() > 3 else ""
        raise ConfigError(f"{path}: {'; '.join(problems)}{more}") from None


def _problem(err: dict) -> str:
    got = err.get("input")
    shown = f" (got {got!r})" if isinstance(got, str | int | float) and err["type"] != "missing" else ""
    return f"{_where(err['loc'])}: {err['msg']}{shown}"


@dataclass(frozen=True)
class Files:
    """Every vocabulary file of a language, validated."""

    qualifiers: models.Qualifiers
    numbers: models.Numbers
    units: models.Units
    subjects: models.Subjects
    negatives: models.Negatives
    dates: models.Dates
    sentences: models.Sentences
    topics: models.Topics


def folder(lang: str) -> Path:
    return settings.VOCAB_DIR / language(lang)


def read(lang: str = settings.DEFAULT_LANG, root: Path | None = None) -> Files:
    """The vocabulary of `lang`, from `root` (default data/vocab/<lang>/)."""
    where = root or folder(lang)
    if not where.is_dir():
        raise ConfigError(f"{where}: no vocabulary for language {lang!r}")
    found = {}
    for name in models.FILES:
        path = where / name
        if not path.exists():
            raise ConfigError(f"{path}: file not found (every language has {', '.join(models.FILES)})")
        found[name.removesuffix(".toml")] = read_file(path)
    return Files(**found)


def paths() -> list[Path]:
    """Every vocabulary file of every language: what a change to must reprocess documents."""
    return sorted(settings.VOCAB_DIR.rglob("*.toml"))


@cache
def months(lang: str = settings.DEFAULT_LANG) -> dict[str, int]:
    """Month names, lower case, and their numbers: the one list the parser and the extractor read."""
    return {name.lower(): number for name, number in read(lang).dates.months.items()}
