"""Find reply documents on disk and read them with their manifest metadata.

A corpus is any folder of `.txt` / `.htm` / `.html` replies; a `manifest.csv`
beside them (`file,url,published,lang`, extra columns allowed) supplies each
document's address and date. Where a folder has a manifest, the manifest is
the list of its documents — that is how `itdash fetch`'s cache keeps its
index pages out of the ETL.

A corpus is its folder: nothing outside it is read, whatever a manifest row
or a symbolic link says. Only regular files are read, and only up to the
size limit (`settings.max_document_bytes`), so a FIFO or a link to a device
cannot hang the run or take its memory. Problems are never raised from
`discover`: a bad manifest row or an unreadable file becomes a `Source`
carrying its error, which `read` raises, so the pipeline quarantines that
one document and goes on.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePath

from etl import settings
from etl.errors import DocumentError

DOCUMENT_SUFFIXES = {".txt", ".htm", ".html"}
MANIFEST = "manifest.csv"
# A manifest row names a file and a few short fields; one far longer is not a row.
MAX_MANIFEST_LINE = 64 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_PROVENANCE_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Source:
    """A document to read: where it is and what the manifest says of it.

    `root` is the corpus folder the document must stay inside (None for a file
    named on its own); `error`, when set, is why it cannot be read at all.
    """

    path: Path
    name: str
    url: str | None = None
    published: date | None = None
    lang: str = "en"
    root: Path | None = None
    error: DocumentError | None = None


@dataclass(frozen=True)
class RawDocument:
    """A document's decoded text and identity, before any parsing.

    `place` is the file it was read from, links resolved (etl/locations.py's key),
    when `read` resolved it already.
    """

    source: Source
    text: str
    sha256: str
    encoding: str
    place: str | None = None

    @property
    def name(self) -> str:
        return self.source.name


def _kind(mode: int) -> str:
    for test, label in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return label
    return "not a regular file"


Folders = dict[str, str]  # a folder as named -> the folder with its links resolved


def resolve(path: Path, folders: Folders | None = None) -> str:
    """`path` with its links resolved, as `Path.resolve` gives it.

    With `folders`, a file that is not itself a link is its folder's resolved
    path and its name, and each folder is resolved once into `folders`: resolving
    walks every part of the path, three times a document, and was most of the
    time of a run over an unchanged corpus. Callers keep `folders` for one
    batch of reads (`read_all`), so a link changed meanwhile is seen by the next.
    """
    if folders is None:
        return str(path.resolve())
    head, tail = os.path.split(os.fspath(path))
    if tail in ("", ".", "..") or ".." in head.split(os.sep):
        return str(path.resolve())
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            return str(path.resolve())
    except OSError:
        return str(path.resolve())
    real = folders.get(head)
    if real is None:
        real = folders[head] = str(Path(head or ".").resolve())
    return os.path.join(real, tail)


def inside(path: Path, root: Path, folders: Folders | None = None) -> str:
    """`path` with its links resolved, or ValueError when that leaves `root`."""
    resolved = resolve(path, folders)
    base = resolve(root, folders) if folders is None else _root(root, folders)
    if not (resolved == base or resolved.startswith(base.rstrip(os.sep) + os.sep)):
        raise ValueError(f"leads outside the corpus folder (to {resolved})")
    return resolved


def _root(root: Path, folders: Folders) -> str:
    key = "\0root\0" + os.fspath(root)  # not a path: no folder is named so
    if key not in folders:
        folders[key] = str(root.resolve())
    return folders[key]


# A file changed less than this long ago is not stamped: on a file system whose clock is coarse,
# a write in the same tick as the stamp would leave it unchanged (git's "racy" files).
_SETTLED_NS = 2_000_000_000


def stamp(place: str) -> str | None:
    """What the file at `place` (links resolved) looks like from outside: size, modification and
    change times and inode. Any write to it changes the change time, which no user can set, so
    while the stamp holds its bytes are those hashed with it; None for a file changed too lately
    to tell, or one that cannot be looked at."""
    try:
        info = os.stat(place)
    except OSError:
        return None
    if time.time_ns() - max(info.st_ctime_ns, info.st_mtime_ns) < _SETTLED_NS:
        return None
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"


def read_bytes(
    path: Path | str, limit: int, root: Path | None = None, folders: Folders | None = None
) -> bytes:
    """A regular file's bytes, at most `limit` of them; OSError or ValueError otherwise.

    Opened without blocking and checked with fstat before a byte is read: a
    FIFO would wait for a writer forever, and /dev/zero never ends.
    """
    if root is not None:
        path = inside(path, root, folders)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise ValueError(f"is {info.st_size} bytes, over the limit of {limit}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise ValueError(f"grew past the limit of {limit} bytes while being read")
        return b"".join(chunks)
    finally:
        os.close(fd)


@dataclass
class _Row:
    line: int
    fields: dict[str, str] | None = None
    problem: str | None = None


def _manifest_rows(path: Path, root: Path) -> list[_Row]:
    """Each manifest line as fields or as the problem with it; raises DocumentError for the whole file.

    A manifest row is one line: parsing line by line keeps an unclosed quote
    from swallowing the rows after it, and an undecodable byte or an endless
    field costs its own row only.
    """
    try:
        data = read_bytes(path, MAX_MANIFEST_BYTES, root)
    except (OSError, ValueError) as e:
        why = getattr(e, "strerror", None) or e
        raise DocumentError(str(path), f"cannot read the manifest: {why}") from None
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    header: list[str] | None = None
    rows: list[_Row] = []
    for n, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        if len(raw) > MAX_MANIFEST_LINE:
            problem = f"the line is {len(raw)} bytes long; a manifest row is at most {MAX_MANIFEST_LINE}"
            rows.append(_Row(n, problem=problem))
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            problem = f"not valid UTF-8 (byte {raw[e.start]:#04x} at column {e.start + 1})"
            rows.append(_Row(n, problem=problem))
            continue
        if "\x00" in line:
            rows.append(_Row(n, problem="the line holds a NUL character"))
            continue
        try:
            cells = next(csv.reader([line], strict=True))
        except csv.Error as e:
            rows.append(_Row(n, problem=f"not a CSV row ({e}; an unclosed quote?)"))
            continue
        if header is None:
            header = [c.strip() for c in cells]
            if "file" not in header:
                raise DocumentError(str(path), f"line {n}: the manifest has no 'file' column")
            continue
        rows.append(_Row(n, fields=dict(zip(header, cells, strict=False))))
    return rows


def _date(value: str | None) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"published {value[:80]!r} is not an ISO date") from None


def _source(path: Path, name: str, row: dict[str, str] | None, root: Path | None) -> Source:
    row = row or {}
    return Source(
        path=path,
        name=name,
        url=(row.get("url") or "").strip() or None,
        published=_date(row.get("published")),
        lang=(row.get("lang") or "en").strip() or "en",
        root=root,
    )


def _safe_name(file: str) -> str | None:
    """Why a manifest's `file` cannot name a document of this folder, or None."""
    if not file.strip():
        return "names no file"
    pure = PurePath(file)
    if pure.is_absolute() or file.startswith("~"):
        return f"file {file[:200]!r} is an absolute path, outside the corpus folder"
    if ".." in pure.parts:
        return f"file {file[:200]!r} climbs out of the corpus folder"
    return None


def _from_manifest(folder: Path) -> list[Source]:
    manifest = folder / MANIFEST
    try:
        rows = _manifest_rows(manifest, folder)
    except DocumentError as e:
        return [Source(manifest, str(manifest), root=folder, error=e)]
    sources: list[Source] = []
    first_line: dict[str, int] = {}
    for row in rows:
        file = (row.fields or {}).get("file", "")
        problem = row.problem
        if problem is None:
            problem = _safe_name(file)
        if problem is None and file in first_line:
            problem = f"names {file!r} again (first on line {first_line[file]})"
        if problem is None:
            try:
                sources.append(_source(folder / file, file, row.fields, folder))
                first_line[file] = row.line
                continue
            except ValueError as e:
                problem = str(e)
        # Quarantined under the document's name when that is safe and not taken by a good row,
        # else under the manifest's line.
        if file and _safe_name(file) is None and file not in first_line:
            error = DocumentError(file, f"{manifest} line {row.line}: {problem}")
        else:
            error = DocumentError(f"{manifest}:{row.line}", f"bad manifest row: {problem}")
        sources.append(Source(manifest, error.doc, root=folder, error=error))
    return sources


def _scan(folder: Path) -> list[Source]:
    """Every document file under a folder without a manifest; links to folders are not followed."""
    found: list[Path] = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        found.extend(Path(top) / f for f in files if Path(f).suffix in DOCUMENT_SUFFIXES)
        found.extend(Path(top) / d for d in dirs if Path(d).suffix in DOCUMENT_SUFFIXES)
    return [_source(p, str(p.relative_to(folder)), None, folder) for p in sorted(found)]


def discover(paths: Iterable[Path | str]) -> list[Source]:
    """Every document named by `paths` (files or folders), in a stable order; never raises for one."""
    sources: list[Source] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            if os.path.lexists(path / MANIFEST):
                sources.extend(_from_manifest(path))
            else:
                sources.extend(_scan(path))
        elif os.path.lexists(path):
            row = next(
                (
                    s
                    for s in (_from_manifest(path.parent) if (path.parent / MANIFEST).exists() else [])
                    if s.error is None and s.path.name == path.name
                ),
                None,
            )
            if row is not None:
                sources.append(Source(path, str(given), row.url, row.published, row.lang))
            else:
                sources.append(Source(path, str(given)))
        else:
            raise DocumentError(str(given), "no such file or folder")
    return sources


def _provenance(source: Source) -> dict:
    """The fetcher's record beside a cached page: which encoding it decoded with."""
    record = source.path.with_name(source.path.name + ".json")
    if not record.exists():
        return {}
    try:
        found = json.loads(read_bytes(record, MAX_PROVENANCE_BYTES, source.root).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def read(source: Source, folders: Folders | None = None) -> RawDocument:
    """Decode one document; UTF-8 unless the fetcher recorded another encoding."""
    if source.error is not None:
        raise source.error
    limit = settings.max_document_bytes()
    try:
        data = read_bytes(source.path, limit, source.root, folders)
    except OSError as e:
        raise DocumentError(source.name, f"cannot read: {e.strerror or e}") from None
    except ValueError as e:
        raise DocumentError(source.name, f"the file {e}") from None
    record = _provenance(source)
    encoding = str(record.get("encoding") or "utf-8")
    try:
        text = data.decode(encoding, errors=str(record.get("encoding_errors") or "strict"))
    except (UnicodeDecodeError, LookupError) as e:
        where = getattr(e, "start", None)
        at = f" at byte {where}" if where is not None else ""
        raise DocumentError(source.name, f"not valid {encoding}{at}") from None
    nul = text.find("\x00")
    if nul >= 0:
        raise DocumentError(source.name, f"holds a NUL character at offset {nul}: not a text document")
    try:
        place: str | None = resolve(source.path, folders)
    except (OSError, RuntimeError):  # a link loop: etl/locations.py says so for this document
        place = None
    return RawDocument(source, text, hashlib.sha256(data).hexdigest(), encoding, place)


def read_all(
    sources: Iterable[Source], folders: Folders | None = None
) -> Iterator[RawDocument | DocumentError]:
    """Each source read, or the error that stopped it; one never stops the rest.

    Each folder's links are resolved once for the batch (`resolve`), or for as long as the
    caller keeps `folders`."""
    folders = {} if folders is None else folders
    for source in sources:
        try:
            yield read(source, folders)
        except DocumentError as e:
            yield e
