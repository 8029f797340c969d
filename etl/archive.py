"""The archive: exact copies of fetched pages, their provenance, a manifest, the failures.

Layout (the ETL reads this folder like a corpus folder)::

    ARCHIVE/manifest.csv                   kept releases: file,url,published,lang,...
    ARCHIVE/failures.csv                   url,reason,when,attempts (cleared on success)
    ARCHIVE/YYYYMM/DD/P<digits>.htm        a release, byte for byte as served
    ARCHIVE/YYYYMM/DD/P<digits>.htm.json   its provenance
    ARCHIVE/index/YYYYMM/DD.htm(.json)     daily index pages

Every file is written to a temporary name in its own folder and renamed into
place, so a reader (or a run that was killed) never sees half a file. A page
counts as archived only once its provenance, written after it, exists. Only
whole pages reach `store`: the fetcher holds a page in memory (within its size
cap) until it has all of it, so a page cut short by a cap, a timeout or the
network leaves nothing here.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST = "manifest.csv"
FAILURES = "failures.csv"
MANIFEST_COLUMNS = ["file", "url", "published", "lang", "title", "fetched_at", "status", "sha256"]
FAILURE_COLUMNS = ["url", "reason", "when", "attempts"]
TMP_PREFIX = ".tmp-"
_RELEASE_RECORDS = "[0-9][0-9][0-9][0-9][0-9][0-9]/[0-9][0-9]/P*.htm.json"
_INDEX_RECORDS = "index/[0-9][0-9][0-9][0-9][0-9][0-9]/[0-9][0-9].htm.json"

Record = dict[str, Any]


class ArchiveBusy(RuntimeError):
    """Another `itdash fetch` holds this archive; two writers would interleave the manifest."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that `path` is either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _csv(columns: list[str], rows: Iterator[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _load(path: Path) -> Record | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def manifest_row(file: str, record: Record) -> dict[str, str]:
    """A release's manifest row, from its provenance."""
    return {
        "file": file,
        "url": record.get("url", ""),
        "published": record.get("published", ""),
        "lang": record.get("lang", "en"),
        "title": record.get("title", ""),
        "fetched_at": record.get("fetched_at", ""),
        "status": str(record.get("status", "")),
        "sha256": record.get("sha256", ""),
    }


class Archive:
    """One run's handle on the archive folder: locked, cleaned of stray temporaries, indexed."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.manifest: dict[str, dict[str, str]] = {}
        self.failures: dict[str, dict[str, str]] = {}
        self._lock: int | None = None

    def __enter__(self) -> Archive:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Lock the folder, remove temporaries a killed run left, rebuild the manifest."""
        self.root.mkdir(parents=True, exist_ok=True)
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            write_atomic(ignore, b"# itdash fetch archive: fetched pages, not source\n*\n")
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ArchiveBusy(f"another itdash fetch is using {self.root}") from None
        self._lock = fd
        for stray in self.root.rglob(f"{TMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                stray.unlink()
        # The manifest is derived from the provenance records, so a run killed
        # between storing a page and rewriting the manifest loses nothing.
        self.manifest = {}
        for path in sorted(self.root.glob(_RELEASE_RECORDS)):
            record = _load(path)
            page = path.with_suffix("")
            if record and record.get("kind") == "release" and page.exists():
                file = page.relative_to(self.root).as_posix()
                self.manifest[file] = manifest_row(file, record)
        self.failures = {row["url"]: row for row in _read_csv(self.root / FAILURES) if row.get("url")}
        self._write_manifest()

    def close(self) -> None:
        """Release the lock."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def record(self, rel: PurePosixPath) -> Record | None:
        """The provenance of an archived page, or None if the page is not (completely) archived."""
        page = self.root / rel
        if not page.exists():
            return None
        return _load(page.with_name(page.name + ".json"))

    def store(self, rel: PurePosixPath, body: bytes, record: Record) -> None:
        """Keep a page byte for byte, then its provenance; a release also enters the manifest."""
        page = self.root / rel
        write_atomic(page, body)
        self.update(rel, record)
        if record.get("kind") == "release":
            self.manifest[rel.as_posix()] = manifest_row(rel.as_posix(), record)
            self._write_manifest()
        self.clear_failure(record["url"])

    def update(self, rel: PurePosixPath, record: Record) -> None:
        """Rewrite an archived page's provenance (e.g. after a 304 confirmed it)."""
        page = self.root / rel
        text = json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        write_atomic(page.with_name(page.name + ".json"), text.encode("utf-8"))

    def fail(self, url: str, reason: str, when: str, attempts: int) -> None:
        """Record why `url` could not be kept; the row stays until a run succeeds with it."""
        self.failures[url] = {"url": url, "reason": reason, "when": when, "attempts": str(attempts)}
        self._write_failures()

    def clear_failure(self, url: str) -> None:
        """Forget an earlier failure of `url`: it is in the archive now."""
        if self.failures.pop(url, None) is not None:
            self._write_failures()

    def _write_manifest(self) -> None:
        rows = (self.manifest[k] for k in sorted(self.manifest))
        write_atomic(self.root / MANIFEST, _csv(MANIFEST_COLUMNS, rows))

    def _write_failures(self) -> None:
        rows = (self.failures[k] for k in sorted(self.failures))
        write_atomic(self.root / FAILURES, _csv(FAILURE_COLUMNS, rows))


def last_fetched_day(archive: Path) -> date | None:
    """The latest day whose daily index is in the archive, for `itdash refresh` to start from.

    Pass it as `--since`: that day's index is read again if it was fetched
    before the day was over, so releases issued later that day are found.
    """
    days = []
    for record in Path(archive).glob(_INDEX_RECORDS):
        page = record.with_suffix("")
        if page.exists():
            with contextlib.suppress(ValueError):
                days.append(date(int(page.parent.name[:4]), int(page.parent.name[4:]), int(page.stem)))
    return max(days, default=None)


def failed_urls(archive: Path) -> list[str]:
    """Addresses whose last attempt failed (from `failures.csv`), for a later run to retry."""
    return [row["url"] for row in _read_csv(Path(archive) / FAILURES) if row.get("url")]
