"""Find reply documents on disk and read them with their manifest metadata.

A corpus is any folder of `.txt` / `.htm` / `.html` replies; a `manifest.csv`
beside them (`file,url,published,lang`, extra columns allowed) supplies each
document's address and date. Where a folder has a manifest, the manifest is
the list of its documents — that is how `itdash fetch`'s cache keeps its
index pages out of the ETL.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from etl.errors import DocumentError

DOCUMENT_SUFFIXES = {".txt", ".htm", ".html"}
MANIFEST = "manifest.csv"


@dataclass(frozen=True)
class Source:
    """A document to read: where it is and what the manifest says of it."""

    path: Path
    name: str
    url: str | None = None
    published: date | None = None
    lang: str = "en"


@dataclass(frozen=True)
class RawDocument:
    """A document's decoded text and identity, before any parsing."""

    source: Source
    text: str
    sha256: str
    encoding: str

    @property
    def name(self) -> str:
        return self.source.name


def _manifest(folder: Path) -> dict[str, dict[str, str]]:
    path = folder / MANIFEST
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise DocumentError(str(path), "manifest has no 'file' column")
        return {row["file"]: row for row in reader if row.get("file")}


def _date(value: str | None, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise DocumentError(where, f"published {value!r} is not an ISO date") from None


def _source(path: Path, name: str, row: dict[str, str] | None, where: str) -> Source:
    row = row or {}
    return Source(
        path=path,
        name=name,
        url=(row.get("url") or "").strip() or None,
        published=_date(row.get("published"), where),
        lang=(row.get("lang") or "en").strip() or "en",
    )


def discover(paths: Iterable[Path | str]) -> list[Source]:
    """Every document named by `paths` (files or folders), in a stable order."""
    sources: list[Source] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            manifest = _manifest(path)
            if manifest:
                for file, row in manifest.items():
                    sources.append(_source(path / file, file, row, f"{path / MANIFEST}: {file}"))
            else:
                for file in sorted(p for p in path.rglob("*") if p.suffix in DOCUMENT_SUFFIXES):
                    sources.append(_source(file, str(file.relative_to(path)), None, str(file)))
        elif path.is_file():
            row = _manifest(path.parent).get(path.name)
            sources.append(_source(path, str(given), row, str(path)))
        else:
            raise DocumentError(str(given), "no such file or folder")
    return sources


def _provenance(path: Path) -> dict:
    """The fetcher's record beside a cached page: which encoding it decoded with."""
    record = path.with_name(path.name + ".json")
    if not record.exists():
        return {}
    try:
        return json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def read(source: Source) -> RawDocument:
    """Decode one document; UTF-8 unless the fetcher recorded another encoding."""
    try:
        data = source.path.read_bytes()
    except OSError as e:
        raise DocumentError(source.name, f"cannot read: {e.strerror or e}") from None
    record = _provenance(source.path)
    encoding = record.get("encoding") or "utf-8"
    try:
        text = data.decode(encoding, errors=record.get("encoding_errors") or "strict")
    except (UnicodeDecodeError, LookupError) as e:
        where = getattr(e, "start", None)
        at = f" at byte {where}" if where is not None else ""
        raise DocumentError(source.name, f"not valid {encoding}{at}") from None
    return RawDocument(source, text, hashlib.sha256(data).hexdigest(), encoding)


def read_all(sources: Iterable[Source]) -> Iterator[RawDocument | DocumentError]:
    """Each source read, or the error that stopped it; one never stops the rest."""
    for source in sources:
        try:
            yield read(source)
        except DocumentError as e:
            yield e
