"""Every path and setting itdash uses, in one place.

Other modules ask here rather than building paths, so a deployment changes one
environment variable instead of hunting through code.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ITDASH_DATA", ROOT / "data"))
VOCAB_DIR = DATA_DIR / "vocab"
CURATED_DIR = DATA_DIR / "curated"
INDICATORS_FILE = DATA_DIR / "indicators.toml"
THEMES_FILE = DATA_DIR / "themes.toml"
EVENTS_FILE = DATA_DIR / "events.toml"
TOPICS_FILE = VOCAB_DIR / "topics.toml"

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


def redis_url() -> str | None:
    """The Redis the dashboard's workers share (read cache, sign-in attempts), or None for none.

    Unset, each worker keeps both in its own memory, so `make demo` needs
    nothing running; set (`redis://127.0.0.1:6379/0`), every worker and
    machine serving one address sees the same cache and the same count.
    """
    return os.environ.get("REDIS_URL", "").strip() or None


def redis_prefix() -> str:
    """What the dashboard's Redis keys start with, so deployments (and tests) sharing one Redis stay apart."""
    return os.environ.get("ITDASH_REDIS_PREFIX", "").strip() or "itdash"


def secret_key() -> str | None:
    """The key that signs the dashboard's session cookie, or None for a random one per start.

    Set it so a reviewer's session survives a restart and is known to every
    worker and machine serving one address.
    """
    return os.environ.get("ITDASH_SECRET_KEY", "").strip() or None


def reviewer() -> str | None:
    """Who `itdash review` records as deciding when no `--who` is given (else the login name)."""
    return os.environ.get("ITDASH_REVIEWER", "").strip() or None


def review_token() -> str | None:
    """The dashboard's review token, or None when review is off (unset or blank).

    Read on every request, not once: the page and its navigation link follow
    the environment the server runs in.
    """
    return os.environ.get("ITDASH_REVIEW_TOKEN", "").strip() or None
