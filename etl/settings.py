"""Every path and setting itdash uses, in one place.

Other modules ask here rather than building paths, so a deployment changes one
environment variable instead of hunting through code.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ITDASH_DATA", ROOT / "data"))
VOCAB_DIR = DATA_DIR / "vocab"  # one folder a language: vocab/en/, vocab/zh/
DEFAULT_LANG = "en"
CURATED_DIR = DATA_DIR / "curated"
INDICATORS_FILE = DATA_DIR / "indicators.toml"
PROMOTED_FILE = DATA_DIR / "promoted.toml"  # series promoted by review (etl/series_review.py)
THEMES_FILE = DATA_DIR / "themes.toml"
EVENTS_FILE = DATA_DIR / "events.toml"
TOPICS_FILE = VOCAB_DIR / DEFAULT_LANG / "topics.toml"
ZH_TOPICS_FILE = VOCAB_DIR / "zh" / "topics.toml"  # the same for Chinese titles (立法會X題：…)

DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'itdash.sqlite'}"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
# Fictional replies of itdash's own, read when the shared corpus is absent (a clone elsewhere).
SAMPLE_CORPUS = ROOT / "data" / "sample"
DEFAULT_CORPUS = SHARED_CORPUS if (SHARED_CORPUS / "manifest.csv").exists() else SAMPLE_CORPUS
DEFAULT_ARCHIVE = DATA_DIR / "archive"
LEGACY_ARCHIVE = DATA_DIR / "cache"  # the archive's folder before issue 11 named it
DEFAULT_MAX_PAGE_MB = 5.0  # a press release is tens of kB; more is a fault or an attack
DEFAULT_MAX_RETRY_AFTER = 60.0  # seconds; a longer Retry-After fails the page until the next run
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
DEFAULT_BASE_URL = "https://www.info.gov.hk"
USER_AGENT = "itdash/0.1 (+https://github.com/itdash; LegCo reply figures dashboard)"


def database_url() -> str:
    """The database to use when no `--database` is given."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def corpus_dir() -> Path:
    """The corpus `itdash etl` reads when no `--corpus` is given: $CORPUS, else the shared
    corpus beside the project, else the project's own sample."""
    return Path(os.environ.get("CORPUS") or DEFAULT_CORPUS)


def is_sample(corpus: str | Path) -> bool:
    """Whether a corpus is the project's own fictional sample (the dashboard says so)."""
    try:
        return Path(corpus).resolve() == SAMPLE_CORPUS.resolve()
    except OSError:
        return False


def archive_dir() -> Path:
    """Where `itdash fetch` keeps its byte-for-byte copies (`ITDASH_CACHE` is the old name).

    An archive fetched before the rename, in `data/cache`, is still found.
    """
    folder = os.environ.get("ITDASH_ARCHIVE") or os.environ.get("ITDASH_CACHE")
    if folder:
        return Path(folder)
    return LEGACY_ARCHIVE if LEGACY_ARCHIVE.is_dir() and not DEFAULT_ARCHIVE.exists() else DEFAULT_ARCHIVE


def _positive(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        number = float(value) if value else default
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None
    if not 0 < number < float("inf"):
        raise ValueError(f"{name}={value!r} must be a number more than 0")
    return number


def max_page_bytes() -> int:
    """The most a fetched page may be, as sent and once decompressed (`ITDASH_MAX_PAGE_MB`)."""
    return int(_positive("ITDASH_MAX_PAGE_MB", DEFAULT_MAX_PAGE_MB) * 1_000_000)


def max_retry_after() -> float:
    """The longest Retry-After the fetcher waits for, in seconds (`ITDASH_MAX_RETRY_AFTER`)."""
    return _positive("ITDASH_MAX_RETRY_AFTER", DEFAULT_MAX_RETRY_AFTER)


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        return default


def max_document_bytes() -> int:
    """Largest document the ETL reads; a larger one is quarantined before it is read.

    Real replies are tens of kilobytes and their press-release pages a few
    hundred; the bound keeps one hostile file from costing the run its memory.
    """
    return _int_env("ITDASH_MAX_DOCUMENT_BYTES", 2_000_000)


def max_figures() -> int:
    """Most figures one document may yield; more is quarantined as not a reply."""
    return _int_env("ITDASH_MAX_FIGURES", 2_000)


def etl_wait_seconds() -> int:
    """How long an ETL run waits for another run over the same database to finish."""
    return _int_env("ITDASH_ETL_WAIT", 3_600)


def chunk() -> int:
    """Documents a worker checks in one pandera call and the writer stores in one transaction
    (`ITDASH_CHUNK`). pandera costs about 35 ms a call whatever the rows, and each commit
    rewrites the index pages it touched: at 100 a chunk, validation took twice as long and
    the writer a quarter longer than at 500. Larger chunks hold more documents in memory
    (about 50 kB of rows each, a few chunks in flight)."""
    return max(1, _int_env("ITDASH_CHUNK", 500))


def bulk_from() -> int:
    """Documents a first load into an empty database needs before it writes with the big
    tables' secondary indexes (and on PostgreSQL their foreign keys) dropped, restoring them
    once at the end (etl/pipeline.py): below it, the drop and the rebuild cost more than the
    upkeep they save."""
    return _int_env("ITDASH_BULK_FROM", 1_000)


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


def export_time() -> datetime:
    """The moment an export says it was retrieved: now, or $SOURCE_DATE_EPOCH when set.

    SOURCE_DATE_EPOCH (seconds since 1970, the reproducible-builds convention)
    makes two exports of the same rows the same bytes, JSON, XLSX and ZIP too.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)
