"""Every path and setting itdash uses, in one place.

Other modules ask here rather than building paths, so a deployment changes one
environment variable instead of hunting through code.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ITDASH_DATA", ROOT / "data"))
VOCAB_DIR = DATA_DIR / "vocab"  # one folder a language: vocab/en/, vocab/zh/
DEFAULT_LANG = "en"
CURATED_DIR = DATA_DIR / "curated"
INDICATORS_FILE = DATA_DIR / "indicators.toml"
THEMES_FILE = DATA_DIR / "themes.toml"
EVENTS_FILE = DATA_DIR / "events.toml"
TOPICS_FILE = VOCAB_DIR / DEFAULT_LANG / "topics.toml"

DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'itdash.sqlite'}"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_CACHE = DATA_DIR / "cache"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
DEFAULT_BASE_URL = "https://www.info.gov.hk"
USER_AGENT = "itdash/0.1 (+https://github.com/itdash; LegCo reply figures dashboard)"


def database_url() -> str:
    """The database to use when no `--database` is given."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def corpus_dir() -> Path:
    """The corpus `itdash etl` reads when no `--corpus` is given."""
    return Path(os.environ.get("CORPUS") or DEFAULT_CORPUS)


def cache_dir() -> Path:
    """Where `itdash fetch` keeps its byte-for-byte copies."""
    return Path(os.environ.get("ITDASH_CACHE") or DEFAULT_CACHE)


def host() -> str:
    return os.environ.get("HOST") or DEFAULT_HOST


def port() -> int:
    return int(os.environ.get("PORT") or DEFAULT_PORT)


def review_token() -> str | None:
    """The dashboard's review token, or None when review is off (unset or blank).

    Read on every request, not once: the page and its navigation link follow
    the environment the server runs in.
    """
    return os.environ.get("ITDASH_REVIEW_TOKEN", "").strip() or None
