"""The ETL in order: read → parse → extract → normalise → validate → load.

`process` is the pure part for one document (testable without a database).
`run` walks a corpus in chunks: this process reads each file once and decides
from one query of what is stored whether it needs work; worker processes
(`etl.workers`) parse, extract, normalise and validate a chunk at a time
(one pandera call a chunk, `validate.batch`); this process writes each chunk
in one transaction, and a chunk the database refuses is written again one
document a transaction, so a document that fails any stage is quarantined
alone and the others load.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pandas as pd
from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from etl import (
    ahead,
    corpus,
    curated,
    db,
    derived,
    indicators,
    load,
    locations,
    memory,
    normalise,
    pairing,
    reconcile,
    review,
    series,
    series_review,
    setaside,
    settings,
    uncurated,
    validate,
    version,
    workers,
)
from etl import shard as shards
from etl.errors import DocumentError
from etl.extract import extract
from etl.parse import Reply, parse
from schemas import storage

# A first load of `settings.bulk_from()` documents or more into an empty database writes these
# tables with their secondary indexes dropped (and on PostgreSQL their foreign keys), restored
# once after (`db.drop_secondary`): at 100 000 replies the writer's index upkeep took half a
# core from the workers on SQLite. A run replacing as many stored documents sets their rows
# aside first (etl/setaside.py) and then loads the same way.
_BULK_TABLES = (storage.Sentence, storage.FigureRow, storage.Observation, storage.Target)
# Of those, the tables the uncurated sync fills after a first load, before they are indexed: at
# 100 000 replies on PostgreSQL its INSERTs took 112 s with their keys and indexes, 30 s without.
_FILLED_AFTER = ("observations", "targets")
# The one index of theirs the passes after the sync read by (the series pass, an indicator's
# observations at a time); the others are restored after it, which rewrites the flags of a
# million observations at 100 000 replies (on PostgreSQL a new version of each row, and an
# entry in every index).
_SERIES_READS_BY = ("ix_observations_series",)
PLACES_AT_ONCE = 5000  # where files were found, recorded this many at a time


def stage(raw: corpus.RawDocument, registry: indicators.Registry, processed_with: str) -> load.Rows:
    """One document through parse, extract and normalise; raises DocumentError. Not yet validated."""
    doc: Reply = parse(raw)
    try:
        found = extract(doc)
        series.assign(found, doc.date, doc.lang)
    except Exception as e:  # noqa: BLE001 - an extractor bug must not stop the corpus
        raise DocumentError(raw.name, f"extraction failed: {e.__class__.__name__}: {e}", "extract") from e
    validate.figure_count(len(found), raw.name)  # before mapping, whose cost grows with sentence length
    out = normalise.reply(found, registry, raw.sha256, doc.url, doc.date)
    document = {
        **storage.column_defaults(storage.DocumentRow),
        "id": raw.sha256,
        "source": raw.name,
        "url": doc.url,
        "title": doc.title,
        "lcq_number": doc.lcq_number,
        "subject": doc.subject,
        "member": doc.member,
        "official": doc.official,
        "office": doc.office,
        "published": doc.date,
        "date_source": doc.date_source,
        "lang": "zh-Hant" if doc.lang == "zh" else raw.source.lang,
        "kind": "text" if doc.body.map.identity else "html",
        "encoding": raw.encoding,
        "figures_found": len(out.figures),
        "figures_mapped": out.mapped,
        "content": raw.text,
        "processed_with": processed_with,
    }
    return load.Rows(document, out.figures, out.observations, out.targets, out.sentences)


def _frames(raw: corpus.RawDocument, rows: load.Rows) -> validate.Frames:
    words = {s["id"]: s["text"] for s in rows.sentences}  # each figure's sentence is checked too
    figures = [{**f, "sentence": words.get(f["sentence_id"], "")} for f in rows.figures]
    return validate.Frames(raw.name, raw.sha256, len(raw.text), figures, rows.observations)


_TABLES = (
    ("document", storage.DocumentRow),
    ("sentences", storage.Sentence),
    ("figures", storage.FigureRow),
    ("observations", storage.Observation),
    ("targets", storage.Target),
)


def _storable(rows: load.Rows, doc: str) -> None:
    parts = [(model.__table__, getattr(rows, part)) for part, model in _TABLES]  # type: ignore[attr-defined]
    validate.storable_dicts([(t, r if isinstance(r, list) else [r]) for t, r in parts], doc)


def process(raw: corpus.RawDocument, registry: indicators.Registry, processed_with: str) -> load.Rows:
    """One document through parse, extract, normalise and validate; raises DocumentError."""
    rows = stage(raw, registry, processed_with)
    errors = validate.batch([_frames(raw, rows)])
    if errors:
        raise errors[0]
    _storable(rows, raw.name)
    return rows


# A worker's outcome for one document: its rows, or (name, reason, stage) of why it failed
# (a DocumentError does not survive pickling: its constructor takes more than its message).
Outcome = load.Rows | tuple[str, str, str]


def process_chunk(
    raws: Sequence[corpus.RawDocument], registry: indicators.Registry, processed_with: str
) -> list[Outcome]:
    """Many documents through every stage before loading, their frames checked in one pandera call."""
    out: list[Outcome | None] = [None] * len(raws)
    staged: list[tuple[int, load.Rows]] = []
    for k, raw in enumerate(raws):
        try:
            staged.append((k, stage(raw, registry, processed_with)))
        except Exception as exc:  # noqa: BLE001 - one document's failure, whatever it is, never stops the rest
            e = DocumentError.of(exc, raw.name)
            out[k] = (e.doc, e.reason, e.stage)
    errors = validate.batch([_frames(raws[k], rows) for k, rows in staged])
    for n, (k, rows) in enumerate(staged):
        e = errors.get(n)
        if e is None:
            try:
                _storable(rows, raws[k].name)
                out[k] = rows
                continue
            except DocumentError as found:
                e = found
        out[k] = (e.doc, e.reason, e.stage)
    return out  # type: ignore[return-value]


_worker: dict[str, object] = {}


def _worker_init(processed_with: str) -> None:
    registry = indicators.load()
    _worker.update(registry=registry, processed_with=processed_with)


def _work(raws: Sequence[corpus.RawDocument]) -> list[Outcome]:
    return process_chunk(raws, _worker["registry"], _worker["processed_with"])  # type: ignore[arg-type]


@dataclass
class Summary:
    documents_read: int = 0
    documents_loaded: int = 0
    documents_unchanged: int = 0
    figures: int = 0
    observations: int = 0
    quarantined: int = 0
    curated: int = 0
    targets: int = 0
    decisions: int = 0
    uncurated: int = 0  # series nobody has curated, charted as indicators not yet reviewed
    aliased: int = 0  # figures the rules missed, joined to a registry indicator through their series
    conflicts: int = 0
    warnings: int = 0
    seconds: float = 0.0
    # Wall seconds of each stage, in the order run ("load": reading, extracting and writing the
    # documents; then the passes over everything stored): where a slow run's time went.
    stages: dict[str, float] = field(default_factory=dict)
    # Of the load's seconds, those the writer spent storing documents: near the whole load, the
    # writer holds the workers back; far below it, the workers (extraction) set the pace.
    writing: float = 0.0
    # Documents a reprocess set aside (etl/setaside.py) and put back as they were: they failed.
    restored: int = 0
    # Told each stage's name as it starts: a run's progress past the documents' progress bar
    # (the passes after loading take minutes at 100 000 replies).
    on_stage: Callable[[str], None] | None = field(default=None, repr=False, compare=False)
    failures: list[DocumentError] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # "file: same bytes as other file"

    def _duplicates(self) -> str:
        return f", {len(self.duplicates)} duplicates of another file" if self.duplicates else ""

    def line(self) -> str:
        return (
            f"{self.documents_read} documents read ({self.documents_loaded} loaded, "
            f"{self.documents_unchanged} unchanged{self._duplicates()}), {self.figures} figures, "
            f"{self.observations} observations, {self.quarantined} quarantined; "
            f"{self.curated} curated observations, {self.targets} targets; "
            f"{self.uncurated} series not yet reviewed; "
            f"{self.aliased} figures joined to the registry by their series; "
            f"{self.decisions} review decisions applied; {self.conflicts} conflicts, "
            f"{self.warnings} warnings; {self.seconds:.2f} s"
        )


Progress = Callable[[int, int, str], None]


def _curated(
    engine, registry: indicators.Registry, paths: list[Path], summary: Summary
) -> list[DocumentError]:  # type: ignore[no-untyped-def]
    """Store every curated file's rows; returns its bad rows' failures."""
    failures: list[DocumentError] = []
    for path in paths:
        result = curated.read(path, registry)
        load.write_curated(engine, path.name, result.observations, result.targets)
        summary.curated += len(result.observations)
        summary.targets += len(result.targets)
        failures += result.failures
    return failures


def _series(  # type: ignore[no-untyped-def]
    engine,
    registry: indicators.Registry,
    summary: Summary,
    piece: int = load.SERIES_PIECE,
    processes: int | None = None,
) -> None:
    """Conflicts, revisions, preferred values and warnings, a piece of whole indicators at a
    time (`load.series_pieces`) in one transaction: the frames of every observation at once
    were most of the writer's peak memory (100 000 replies: 1.9 GB). The pieces are read and
    reconciled by `processes` (by default every core, once there are a few) while this
    process writes."""
    kinds = {i.id: i.kind for i in registry.indicators.values()} | uncurated.kinds(engine)
    summary.conflicts = summary.warnings = 0
    with engine.begin() as c:
        pieces = load.series_pieces(c, piece)
        # Each piece is read and reconciled ahead by worker processes (etl/ahead.py): a piece's
        # flags and warnings are its indicators' alone, and its reads see none of what is written.
        reconciled = functools.partial(_reconciled, kinds=kinds)
        pieced = ahead.pieces(engine, c, pieces, reconciled, processes, least=_AHEAD_FROM)
        for (lo, hi), (changed, found, conflicts) in pieced:
            load.write_series(c, changed, found, lo, hi)
            summary.conflicts += conflicts
            summary.warnings += len(found)


# Pieces of the series pass from which worker processes reconcile ahead: starting them costs
# seconds, more than a few pieces take in the writer.
_AHEAD_FROM = 4


def _reconciled(
    c: Connection, bounds: tuple[str | None, str | None], kinds: dict[str, str]
) -> tuple[list[dict], list[dict], int]:
    """A piece of indicators' flags that changed, its warnings, and how many of its
    observations conflict."""
    obs = load.series_observations(c, *bounds)
    flags = reconcile.reconcile(obs)
    merged = obs.merge(flags, on="id")
    found = reconcile.warnings(merged, kinds) if not merged.empty else []
    conflicts = int(flags["conflict"].sum()) if not flags.empty else 0
    return _changed(flags, load.series_flags(c, *bounds)), found, conflicts


def _changed(flags: pd.DataFrame, stored: pd.DataFrame) -> list[dict]:
    """The flags that differ from those stored: an unchanged corpus rewrites no observation."""
    if flags.empty:
        return []
    both = flags.merge(stored, on="id", how="left", suffixes=("", "_was"))
    same = both["revision"].fillna("").eq(both["revision_was"].fillna(""))
    for col in ("conflict", "preferred"):
        same &= both[col].astype(object).eq(both[f"{col}_was"].astype(object))
    # A frame's string column holds NaN where a flag has no revision: stored as NULL, never as
    # PostgreSQL's text 'NaN' (SQLite turns a NaN into NULL itself, which hid it).
    return [
        dict(
            id=r.id,
            conflict=bool(r.conflict),
            revision=r.revision if isinstance(r.revision, str) else None,
            preferred=bool(r.preferred),
        )
        for r in both.loc[~same].itertuples(index=False)
    ]


@contextmanager
def _timed(summary: Summary, name: str) -> Iterator[None]:
    memory.give_back()  # what the stage before freed, before this one takes more (etl/memory.py)
    if summary.on_stage is not None:
        summary.on_stage(name)
    t = time.perf_counter()
    try:
        yield
    finally:
        summary.stages[name] = summary.stages.get(name, 0.0) + time.perf_counter() - t


# The counts of the stages after loading, kept with their inputs' digest (etl/derived.py).
_COUNTS = ("curated", "targets", "decisions", "uncurated", "aliased", "conflicts", "warnings")


def _took_out(summary: Summary, removed: list[db.Removed]) -> None:
    """Count documents taken out when the load's foreign keys came back (a row of theirs
    referred to nothing, `db.restore_secondary`): quarantined there, no longer loaded."""
    for r in removed:
        summary.documents_loaded = max(summary.documents_loaded - 1, 0)
        summary.figures = max(summary.figures - r.figures, 0)
        summary.quarantined += 1
        summary.failures.append(DocumentError(r.source, r.reason, "load"))


def _after(  # type: ignore[no-untyped-def]
    engine,
    registry: indicators.Registry,
    processed_with: str,
    folder: Path,
    run_id: int,
    summary: Summary,
    deferred: Sequence[Table] = (),
) -> None:
    """Everything derived from all the documents at once, unless their inputs are those of the last
    completed pass (etl/derived.py), when it would rewrite exactly what is stored; the curated
    files' bad rows are quarantined again either way. `deferred`: tables a first load left without
    their secondary indexes and keys (`db.drop_secondary`): the keys and the series pass's index
    restored once the uncurated sync has filled them, the other indexes after the series pass."""
    paths = curated.files(folder)
    token = derived.digest(engine, processed_with, paths)
    kept = derived.kept(engine, token)
    if kept is not None and not {*_COUNTS, "failures"} <= kept.keys():
        kept = None  # kept by another version of this code: its digest differs anyway
    if kept is not None:
        for name in _COUNTS:
            setattr(summary, name, kept[name])
        failures = [DocumentError(*f) for f in kept["failures"]]
    else:
        failures = _curated(engine, registry, paths, summary)
    for e in failures:
        summary.quarantined += 1
        summary.failures.append(e)
    load.quarantine_many(
        engine,
        [dict(source=e.doc, doc_id=None, stage=e.stage, reason=e.reason, run_id=run_id) for e in failures],
    )
    if kept is not None:
        return
    # Series review (etl/series_review.py): both versions of each reply compared, then series decisions.
    with _timed(summary, "series review"):
        summary.decisions = series_review.after_load(engine)
    with _timed(summary, "uncurated"):
        synced = uncurated.sync(engine)  # before figure decisions: theirs stay
    if deferred:  # the keys, and the index the series pass reads by
        with _timed(summary, "indexes"):
            # A document taken out here was derived from: the digest `token` still holds it, so
            # the next run, whose documents differ, runs these passes whole.
            _took_out(summary, db.restore_secondary(engine, deferred, _SERIES_READS_BY, run_id))
    summary.uncurated, summary.aliased = synced["series"], synced["aliased"]
    with _timed(summary, "figure review"):
        summary.decisions += review.apply(engine)
    with _timed(summary, "series"):
        _series(engine, registry, summary)
    if deferred:  # the rest, once the series pass has rewritten the flags of a million rows
        with _timed(summary, "indexes"):
            db.restore_secondary(engine, deferred)  # its keys are back: nothing to take out
    with _timed(summary, "pairing"):
        pairing.warn(engine)  # after _series, which replaces the warnings: where the two versions disagree
    counts = {name: getattr(summary, name) for name in _COUNTS}
    derived.keep(engine, token, {**counts, "failures": [[e.doc, e.reason, e.stage] for e in failures]})


def run(
    paths: Iterable[Path | str],
    database_url: str,
    progress: Progress | None = None,
    curated_dir: Path | None = None,
    shard: shards.Shard | None = None,
    workers: int | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> Summary:
    """The whole ETL over `paths` into `database_url`; one run at a time per database (`db.exclusive`).

    With `shard`, only that shard's documents are read, and runs over other
    shards of the corpus may write to the same database at once: each holds
    the run lock shared, and they take turns (`lock="serial"`) for the
    registry, the curated rows and the series, which every run rewrites
    whole. Reconciliation runs at the end of each and depends only on what
    is stored, so the last run to finish leaves the tables one run over the
    whole corpus would.
    """
    with db.exclusive(database_url, settings.etl_wait_seconds(), shared=shard is not None):
        return _run(paths, database_url, progress, curated_dir, shard, workers, on_stage)


def _chunks(items: Sequence[corpus.Source], size: int) -> Iterator[list[corpus.Source]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@dataclass
class _Run:
    """What a run carries from document to document: the stored state, kept up to date as it writes."""

    engine: object
    run_id: int
    processed_with: str
    summary: Summary
    known: load.Stored
    places: dict[str, tuple[str, str | None, str]]  # place -> (bytes found there, their stamp, name)
    progress: Progress | None
    total: int
    done: int = 0
    failures: list[dict] = field(default_factory=list)
    # Places found changed, written a few thousand at a time: a transaction a chunk was a tenth
    # of an unchanged rerun, and rewriting the places found as recorded another tenth. Those of
    # a killed run are found and written again by the next.
    places_seen: list[dict] = field(default_factory=list)

    def flush_places(self, at_least: int = 0) -> None:
        if len(self.places_seen) >= max(at_least, 1):
            locations.record(self.engine, self.places_seen)  # type: ignore[arg-type]
            self.places_seen = []

    def tick(self, name: str, n: int = 1) -> None:
        self.done += n
        if self.progress:
            self.progress(self.done, self.total, name)

    def fail(self, exc: BaseException, name: str, doc_id: str | None) -> None:
        e = DocumentError.of(exc, name)
        self.summary.quarantined += 1
        self.summary.failures.append(e)
        self.failures.append(
            dict(source=e.doc, doc_id=doc_id, stage=e.stage, reason=e.reason, run_id=self.run_id)
        )

    def flush_failures(self) -> None:
        load.quarantine_many(self.engine, self.failures)  # type: ignore[arg-type]
        self.failures = []


def _encodable(*texts: str) -> bool:
    try:
        for t in texts:
            t.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unread(
    r: _Run,
    chunk: list[corpus.Source],
    folders: corpus.Folders,
    places: list[dict],
    stamps: dict[str, str | None],
) -> list[corpus.Source]:
    """The sources of a chunk that must be read: all but those whose file still bears the stamp
    it had when its bytes were hashed (`corpus.stamp`) and whose document is stored as current
    (or is the duplicate of one that is). Reading and hashing each file was most of an unchanged
    rerun: 9 of 18 s at 100 000 replies. Each file's stamp is taken here, before it is read, so
    a file written meanwhile bears another stamp at the next run and is read again."""
    unread: list[corpus.Source] = []
    pw = r.processed_with
    for src in chunk:
        if src.error is not None:  # reading it raises that error
            unread.append(src)
            continue
        try:
            where = (
                corpus.inside(src.path, src.root, folders) if src.root else corpus.resolve(src.path, folders)
            )
        except (OSError, RuntimeError, ValueError):  # reading it says what is wrong
            unread.append(src)
            continue
        stamps[where] = now = corpus.stamp(where)
        was = r.places.get(where)
        if now is None or was is None or was[1] != now or not _encodable(src.name, where):
            unread.append(src)
            continue
        sha = was[0]
        if (other := r.known.duplicate_of(src.name, sha, pw)) is not None:
            r.summary.duplicates.append(f"{src.name}: same bytes as {other}")
        elif not r.known.is_current(src.name, sha, pw):
            unread.append(src)  # to be processed: read it
            continue
        r.summary.documents_read += 1
        r.summary.documents_unchanged += 1
        if was[2] != src.name:  # the same file under another name: recorded; else nothing to write
            places.append(dict(path=where, source=src.name, doc_id=sha, run_id=r.run_id, stamp=now))
        r.tick(src.name)
    return unread


def _triage(r: _Run, chunk: list[corpus.Source]) -> list[tuple[corpus.RawDocument, bool]]:
    """Read a chunk once; record where each file was; keep those that need work (with `held`)."""
    todo: list[tuple[corpus.RawDocument, bool]] = []
    places: list[dict] = []
    pw = r.processed_with
    folders: corpus.Folders = {}
    stamps: dict[str, str | None] = {}
    for item in corpus.read_all(_unread(r, chunk, folders, places, stamps), folders):
        r.summary.documents_read += 1
        if isinstance(item, DocumentError):
            r.fail(item, item.doc, None)
            r.tick(item.doc)
            continue
        try:
            where = locations.place(item)
            was = r.places.get(where)
            held = was is not None and was[0] == item.sha256
            now = (item.sha256, stamps.get(where), item.name)
            place = dict(path=where, source=item.name, doc_id=item.sha256, run_id=r.run_id, stamp=now[1])
            if was == now:
                pass  # found as recorded: nothing to write
            elif _encodable(item.name, where):
                places.append(place)
            else:  # alone, so the driver's own error quarantines this document and not its chunk
                locations.record(r.engine, [place])  # type: ignore[arg-type]
            r.places[where] = now
            if (other := r.known.duplicate_of(item.name, item.sha256, pw)) is not None:
                r.summary.duplicates.append(f"{item.name}: same bytes as {other}")
                r.summary.documents_unchanged += int(held)
                r.tick(item.name)
            elif r.known.is_current(item.name, item.sha256, pw):
                r.summary.documents_unchanged += 1
                r.tick(item.name)
            else:
                todo.append((item, held))
        except Exception as exc:  # noqa: BLE001 - one document's failure, whatever it is, never stops the rest
            r.fail(exc, item.name, item.sha256)
            r.tick(item.name)
    r.places_seen.extend(places)
    r.flush_places(at_least=PLACES_AT_ONCE)
    return todo


def _write(r: _Run, meta: list[tuple[str, str, bool]], outcomes: list[Outcome]) -> None:
    """Store a chunk's documents in one transaction, or one by one if the database refuses the chunk."""
    t0 = time.perf_counter()
    batch: list[load.Rows] = []
    here: dict[str, str] = {}  # bytes -> source, of this chunk's documents
    for (name, sha, held), out in zip(meta, outcomes, strict=True):
        if isinstance(out, tuple):
            r.fail(DocumentError(*out), name, sha)
            continue
        if here.get(sha) == name or r.known.is_current(name, sha, r.processed_with):
            r.summary.documents_unchanged += 1  # the same file in two corpora, loaded moments ago
            continue
        other = r.known.duplicate_of(name, sha, r.processed_with)
        other = other if other is not None else here.get(sha)
        if other is not None:  # the same bytes loaded from another file earlier in this run
            r.summary.duplicates.append(f"{name}: same bytes as {other}")
            r.summary.documents_unchanged += int(held)
            continue
        here[sha] = name
        batch.append(out)
    try:
        load.write_documents(r.engine, batch)  # type: ignore[arg-type]
        written = batch
    except Exception:  # noqa: BLE001 - which document the database refused is found one by one
        written = []
        for rows in batch:
            try:
                load.write_documents(r.engine, [rows])  # type: ignore[arg-type]
                written.append(rows)
            except Exception as exc:  # noqa: BLE001 - that document alone is quarantined
                r.fail(exc, rows.source, rows.id)
    for rows in written:
        r.known.wrote(rows)
        r.summary.documents_loaded += 1
        r.summary.figures += len(rows.figures)
        r.summary.observations += len(rows.observations)
    r.flush_failures()
    r.summary.writing += time.perf_counter() - t0
    if meta:
        r.tick(meta[-1][0], len(meta))


def _stale(r: _Run, sources: Sequence[corpus.Source]) -> list[str]:
    """The stored documents of `sources` processed by another version of the ETL: this run
    replaces every one of them, whether or not its bytes changed."""
    held = r.known.by_source
    return [held[s.name][0] for s in sources if s.name in held and held[s.name][1] != r.processed_with]


def _quiet(_message: str) -> None:
    """Shards take turns for the registry and the series in seconds: not worth a line."""


def _run(
    paths: Iterable[Path | str],
    database_url: str,
    progress: Progress | None = None,
    curated_dir: Path | None = None,
    shard: shards.Shard | None = None,
    n_workers: int | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> Summary:
    t0 = time.perf_counter()
    paths = list(paths)
    wait = settings.etl_wait_seconds()
    registry = indicators.load()
    processed_with = version.digest(registry)
    engine = db.engine(database_url)
    with db.exclusive(database_url, wait, _quiet, lock="serial"):
        setaside.release(engine)  # a killed run's documents set aside: their last good versions back
        load.sync_registry(engine, registry)
    given = ", ".join(str(p) for p in paths) + (f" (shard {shard})" if shard else "")
    run_id = load.start_run(engine, storage.EtlRun(started_at=datetime.now(UTC), corpus=given))
    summary = Summary(on_stage=on_stage)
    sources = shards.select(corpus.discover(paths), shard)
    r = _Run(
        engine,
        run_id,
        processed_with,
        summary,
        load.stored(engine),
        locations.held(engine),
        progress,
        len(sources),
    )
    count = n_workers or os.cpu_count() or 1
    size = settings.chunk()
    if len(sources) < 2 * size:
        count = 1  # starting processes costs more than a small corpus takes
    waiting: list[list[tuple[str, str, bool]]] = []
    # Shards are left out: another may be reading or writing the same tables meanwhile.
    bulk = shard is None and not r.known.by_id and len(sources) >= settings.bulk_from()
    # A run that replaces many stored documents (after a change of vocabulary or registry) loads
    # the same way once their old rows are set aside: it then writes into tables holding none.
    stale = _stale(r, sources) if shard is None and not bulk else []
    redo = len(stale) >= settings.bulk_from()
    bulk_tables = [model.__table__ for model in _BULK_TABLES]  # type: ignore[attr-defined]
    if redo:
        with _timed(summary, "set aside"):
            setaside.hold(engine, stale)
        r.known.forget(stale)
    if bulk or redo:
        db.drop_secondary(engine, bulk_tables)
    # After a load that went well, the observations and targets stay so through the uncurated
    # sync, which fills them from the figures (two million rows at 100 000 replies), and all but
    # one of their indexes through the series pass after it (`_after`).
    deferred: list[Table] = []
    loaded = False
    try:
        with workers.Pool(count, _worker_init, (processed_with,)) as pool:
            for chunk in _chunks(sources, size):
                r.flush_failures()
                todo = _triage(r, chunk)
                r.flush_failures()
                if todo:
                    waiting.append([(raw.name, raw.sha256, held) for raw, held in todo])
                    pool.submit(_work, [raw for raw, _ in todo])
                for outcomes in pool.ready():
                    _write(r, waiting.pop(0), outcomes)
            for outcomes in pool.drain():
                _write(r, waiting.pop(0), outcomes)
        r.flush_places()
        loaded = True
    finally:
        summary.stages["load"] = time.perf_counter() - t0 - summary.stages.get("set aside", 0.0)
        many = len(sources) >= settings.bulk_from()
        del r, sources, waiting  # the stored state the load triaged by: a third of the writer at 100 000
        memory.give_back(collect=many)  # one full collection, where the state was worth one
        if redo:  # also when the load failed: what it did not write again is put back
            with _timed(summary, "put back"):
                summary.restored = setaside.release(engine, drop=False)
        if bulk or redo:  # also when the load failed: the next statements, and the dashboard, read by them
            deferred = [t for t in bulk_tables if t.name in _FILLED_AFTER] if loaded else []
            with _timed(summary, "indexes"):
                restoring = [t for t in bulk_tables if t not in deferred]
                _took_out(summary, db.restore_secondary(engine, restoring, run_id=run_id))
        if redo:  # a document those keys took out gets its last good version back too
            with _timed(summary, "put back"):
                summary.restored += setaside.release(engine)
    postgres = engine.dialect.name == "postgresql"
    if summary.documents_loaded and postgres:  # the passes after loading plan from statistics
        with _timed(summary, "statistics"):  # and, after a reprocess, would wade through old rows
            db.analyze(engine, [model.__table__ for _, model in _TABLES])  # type: ignore[attr-defined]
    with db.exclusive(database_url, wait, _quiet, lock="serial"):
        try:
            folder = curated_dir or settings.CURATED_DIR
            _after(engine, registry, processed_with, folder, run_id, summary, deferred)
        finally:
            if deferred:  # the passes were skipped, or failed before the sync restored them
                _took_out(summary, db.restore_secondary(engine, deferred, run_id=run_id))
    if postgres and (summary.documents_loaded or "series" in summary.stages):  # it wrote: reclaimed
        with _timed(summary, "vacuum"):
            db.tidy(engine, SQLModel.metadata.sorted_tables)
    summary.seconds = time.perf_counter() - t0
    load.finish_run(
        engine,
        run_id,
        finished_at=datetime.now(UTC),
        documents_read=summary.documents_read,
        documents_loaded=summary.documents_loaded,
        documents_unchanged=summary.documents_unchanged,
        figures=summary.figures,
        observations=summary.observations,
        quarantined=summary.quarantined,
        seconds=round(summary.seconds, 3),
    )
    engine.dispose()
    return summary
