"""The ETL in order: read → parse → extract → normalise → validate → load.

`process` is the pure part for one document (testable without a database);
`run` walks a corpus, gives each document its own transaction, and sends any
document that fails a stage to quarantine without stopping the others.
"""

from __future__ import annotations

import ast
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from etl import corpus, curated, db, indicators, load, normalise, reconcile, review, settings, validate
from etl.errors import DocumentError
from etl.extract import extract
from etl.parse import Reply, parse
from schemas import storage


def _module_file(name: str, root: Path) -> Path | None:
    """The project file of a dotted module name (a package's __init__.py), or None outside it."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, root: Path) -> set[Path]:
    """Project files `path` imports anywhere in its body (function-level imports too)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            # `from etl import parse` names a module; `from etl.parse import Reply` a name in one.
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            for k in range(1, len(parts) + 1):  # a submodule's import runs its packages' __init__ too
                file = _module_file(".".join(parts[:k]), root)
                if file is not None:
                    found.add(file)
    return found


def code_files(root: Path | None = None) -> list[Path]:
    """Every project source file the pipeline runs: this module and all it imports, transitively."""
    root = root or settings.ROOT
    start = root / Path(*__name__.split(".")).with_suffix(".py")
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(_imports(path, root) - seen)
    return sorted(seen)


def version(registry: indicators.Registry, root: Path | None = None, vocab_dir: Path | None = None) -> str:
    """A digest of everything that decides what a document becomes.

    A document is reprocessed when its bytes or this digest change. The code
    part is not a hand-kept list of files (one went stale: editing the table
    reader reprocessed nothing) but every project module this one imports,
    followed through their imports (`code_files`): a new extractor module is
    covered the moment the extraction path imports it. It takes in the modules
    that run after extraction too (load, review, reconcile); editing them
    costs a reprocessing run, never a stale extraction. Every file under the
    vocabulary folder, at any depth, and the registry's digest complete it;
    names are hashed with the bytes, so moving a vocabulary file counts too.
    """
    root = root or settings.ROOT
    vocab_dir = vocab_dir or settings.VOCAB_DIR
    h = hashlib.sha256(registry.digest.encode())
    for path in code_files(root):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    for path in sorted(p for p in vocab_dir.rglob("*") if p.is_file()):
        h.update(path.relative_to(vocab_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Processed:
    document: storage.DocumentRow
    figures: list[storage.FigureRow]
    observations: list[storage.Observation]
    targets: list[storage.Target] = field(default_factory=list)


def _figure_frame(rows: list[storage.FigureRow], doc_length: int) -> pd.DataFrame:
    df = pd.DataFrame([r.model_dump() for r in rows])
    df["item"] = df["item"].astype("Int64")
    df["doc_length"] = doc_length
    return df


def process(raw: corpus.RawDocument, registry: indicators.Registry, processed_with: str) -> Processed:
    """One document through parse, extract, normalise and validate; raises DocumentError."""
    doc: Reply = parse(raw)
    try:
        found = extract(doc)
    except Exception as e:  # noqa: BLE001 - an extractor bug must not stop the corpus
        raise DocumentError(raw.name, f"extraction failed: {e.__class__.__name__}: {e}", "extract") from e
    out = normalise.reply(found, registry, raw.sha256, doc.url, doc.date)
    figures, observations = out.figures, out.observations
    if figures:
        validate.figures(_figure_frame(figures, len(raw.text)), raw.name)
    if observations:
        validate.observations(pd.DataFrame([o.model_dump() for o in observations]), raw.name)
    document = storage.DocumentRow(
        id=raw.sha256,
        source=raw.name,
        url=doc.url,
        title=doc.title,
        lcq_number=doc.lcq_number,
        subject=doc.subject,
        member=doc.member,
        official=doc.official,
        office=doc.office,
        published=doc.date,
        date_source=doc.date_source,
        lang=raw.source.lang,
        kind="text" if doc.body.map.identity else "html",
        encoding=raw.encoding,
        figures_found=len(figures),
        figures_mapped=out.mapped,
        content=raw.text,
        processed_with=processed_with,
    )
    return Processed(document, figures, observations, out.targets)


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
    conflicts: int = 0
    warnings: int = 0
    seconds: float = 0.0
    failures: list[DocumentError] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.documents_read} documents read ({self.documents_loaded} loaded, "
            f"{self.documents_unchanged} unchanged), {self.figures} figures, "
            f"{self.observations} observations, {self.quarantined} quarantined; "
            f"{self.curated} curated observations, {self.targets} targets; "
            f"{self.decisions} review decisions applied; {self.conflicts} conflicts, "
            f"{self.warnings} warnings; {self.seconds:.2f} s"
        )


Progress = Callable[[int, int, str], None]


def _curated(engine, registry: indicators.Registry, folder: Path, run_id: int, summary: Summary) -> None:  # type: ignore[no-untyped-def]
    for path in curated.files(folder):
        result = curated.read(path, registry)
        load.write_curated(engine, path.name, result.observations, result.targets)
        summary.curated += len(result.observations)
        summary.targets += len(result.targets)
        for e in result.failures:
            summary.quarantined += 1
            summary.failures.append(e)
            load.quarantine(engine, e.doc, None, e.stage, e.reason, run_id)


def _series(engine, registry: indicators.Registry, summary: Summary) -> None:  # type: ignore[no-untyped-def]
    obs = load.series_observations(engine)
    flags = reconcile.reconcile(obs)
    merged = obs.merge(flags, on="id")
    kinds = {i.id: i.kind for i in registry.indicators.values()}
    found = reconcile.warnings(merged, kinds) if not merged.empty else []
    load.write_series(engine, flags.to_dict("records"), found)
    summary.conflicts = int(flags["conflict"].sum()) if not flags.empty else 0
    summary.warnings = len(found)


def run(
    paths: Iterable[Path | str],
    database_url: str,
    progress: Progress | None = None,
    curated_dir: Path | None = None,
) -> Summary:
    """The whole ETL over `paths` into `database_url`."""
    t0 = time.perf_counter()
    paths = list(paths)
    registry = indicators.load()
    processed_with = version(registry)
    engine = db.engine(database_url)
    load.sync_registry(engine, registry)
    run_id = load.start_run(
        engine,
        storage.EtlRun(started_at=datetime.now(UTC), corpus=", ".join(str(p) for p in paths)),
    )
    summary = Summary()
    sources = corpus.discover(paths)
    for k, item in enumerate(corpus.read_all(sources), start=1):
        name = item.doc if isinstance(item, DocumentError) else item.name
        if progress:
            progress(k, len(sources), name)
        summary.documents_read += 1
        try:
            if isinstance(item, DocumentError):
                raise item
            if load.is_current(engine, item.name, item.sha256, processed_with):
                summary.documents_unchanged += 1
                continue
            result = process(item, registry, processed_with)
            load.write_document(engine, result.document, result.figures, result.observations, result.targets)
            summary.documents_loaded += 1
            summary.figures += len(result.figures)
            summary.observations += len(result.observations)
        except DocumentError as e:
            summary.quarantined += 1
            summary.failures.append(e)
            doc_id = None if isinstance(item, DocumentError) else item.sha256
            load.quarantine(engine, e.doc, doc_id, e.stage, e.reason, run_id)
    _curated(engine, registry, curated_dir or settings.CURATED_DIR, run_id, summary)
    summary.decisions = review.apply(engine)
    _series(engine, registry, summary)
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
