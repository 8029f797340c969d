"""The indicator registry (data/indicators.toml, data/themes.toml), read and checked."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from etl import settings
from etl.errors import ConfigError
from schemas.registry import Event, IndicatorDef, Theme


@dataclass(frozen=True)
class Registry:
    themes: dict[str, Theme]
    indicators: dict[str, IndicatorDef]
    digest: str  # changes whenever a definition does, so mappings are redone


def _toml(path: Path) -> tuple[dict, bytes]:
    try:
        data = path.read_bytes()
        return tomllib.loads(data.decode("utf-8")), data
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: {e}") from None


def _models(path: Path, rows: list[dict], model: type, key: str) -> list:
    out = []
    for k, row in enumerate(rows):
        try:
            out.append(model.model_validate(row))
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            name = row.get("id") or row.get("label_en") or f"#{k + 1}"
            raise ConfigError(f"{path}: [[{key}]] {name}: {where}: {first['msg']}") from None
    return out


def load(
    indicators: Path | None = None, themes: Path | None = None, promoted: Path | None = None
) -> Registry:
    """The registry; raises ConfigError naming the file and entry of any mistake.

    Series a reviewer promoted (`itdash review series promote`) are entries of
    data/promoted.toml, read after the curated ones and checked the same way.
    """
    ipath = indicators or settings.INDICATORS_FILE
    tpath = themes or settings.THEMES_FILE
    ppath = promoted or settings.PROMOTED_FILE
    tdata, traw = _toml(tpath)
    idata, iraw = _toml(ipath)
    pdata, praw = _toml(ppath) if ppath.exists() else ({}, b"")
    theme_list = _models(tpath, tdata.get("theme", []), Theme, "theme")
    ind_list = [
        (ipath, ind) for ind in _models(ipath, idata.get("indicator", []), IndicatorDef, "indicator")
    ] + [(ppath, ind) for ind in _models(ppath, pdata.get("indicator", []), IndicatorDef, "indicator")]
    themes_by_id = {t.id: t for t in theme_list}
    seen: dict[str, IndicatorDef] = {}
    for path, ind in ind_list:
        if ind.id in seen:
            raise ConfigError(f"{path}: indicator {ind.id!r} is defined twice")
        if ind.theme not in themes_by_id:
            raise ConfigError(f"{path}: indicator {ind.id!r}: unknown theme {ind.theme!r}")
        seen[ind.id] = ind
    digest = hashlib.sha256(traw + iraw + praw).hexdigest()[:16]
    return Registry(themes_by_id, seen, digest)


def events(registry: Registry, path: Path | None = None) -> list[Event]:
    """Notable events to annotate charts with; each must name known indicators."""
    epath = path or settings.EVENTS_FILE
    if not epath.exists():
        return []
    data, _ = _toml(epath)
    out = _models(epath, data.get("event", []), Event, "event")
    for ev in out:
        unknown = [i for i in ev.indicators if i not in registry.indicators]
        if unknown:
            raise ConfigError(f"{epath}: event {ev.label_en!r}: unknown indicator {unknown[0]!r}")
    return out
