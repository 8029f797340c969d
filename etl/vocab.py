"""The vocabulary files of one language (data/vocab/<lang>/*.toml), read and validated.

Each file is checked against its model in `schemas.vocab`; a mistake raises a
ConfigError naming the file and the entry, so a typo in a word list stops the
run instead of quietly changing what is extracted. Compiling the lists into
patterns is the extractor's business (`etl.extract.vocab`).
"""

from __future__ import annotations

import tomllib
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


def _models(lang: str) -> dict[str, type[BaseModel]]:
    found = models.FILES.get(language(lang))
    if found is None:
        raise ConfigError(f"{folder(lang)}: no models for language {lang!r} (schemas/vocab.py FILES)")
    return found


def read_file(path: Path, lang: str = settings.DEFAULT_LANG) -> BaseModel:
    """One vocabulary file of `lang`, validated against the model of its name."""
    model = _models(lang).get(path.name)
    if model is None:
        known = ", ".join(sorted(_models(lang)))
        raise ConfigError(f"{path}: not a vocabulary file of {lang!r} (known: {known})")
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


def folder(lang: str) -> Path:
    return settings.VOCAB_DIR / language(lang)


def read(lang: str = settings.DEFAULT_LANG, root: Path | None = None) -> dict[str, BaseModel]:
    """Every vocabulary file of `lang`, validated, by name without `.toml` (from `root` if given)."""
    where = root or folder(lang)
    if not where.is_dir():
        raise ConfigError(f"{where}: no vocabulary for language {lang!r}")
    found = {}
    for name in _models(lang):
        path = where / name
        if not path.exists():
            raise ConfigError(f"{path}: file not found (language {lang!r} has {', '.join(_models(lang))})")
        found[name.removesuffix(".toml")] = read_file(path, lang)
    return found


def paths() -> list[Path]:
    """Every vocabulary file of every language: what a change to must reprocess documents."""
    return sorted(settings.VOCAB_DIR.rglob("*.toml"))


@cache
def months(lang: str = settings.DEFAULT_LANG) -> dict[str, int]:
    """Month names, lower case, and their numbers: the one list the parser and the extractor read."""
    dates = read(lang)["dates"]
    assert isinstance(dates, models.Dates)
    return {name.lower(): number for name, number in dates.months.items()}
