"""The ETL in order: read → parse → extract → normalise → validate → load.

`process` is the pure part for one document (testable without a database);
`run` walks a corpus, gives each document its own transaction, and sends any
document that fails a stage to quarantine without stopping the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from etl import (
    corpus,
    curated,
    db,
    indicators,
    load,
    normalise,
    pairing,
    reconcile,
    review,
    series,
    series_review,
    settings,
    validate,
    version,
)
from etl.errors import DocumentError
from etl.extract import extract
from etl.locations import locate
from etl.parse import Reply, parse
from schemas import storage


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
        series.assign(found, doc.date, doc.lang)
    except Exception as e:  # noqa: BLE001 - an extractor bug must not stop the corpus
        raise DocumentError(raw.name, f"extraction failed: {e.__class__.__name__}: {e}", "extract") from e
    validate.figure_count(len(found), raw.name)  # before mapping, whose cost grows with sentence length
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
        lang="zh-Hant" if doc.lang == "zh" else raw.source.lang,
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
    duplicates: list[str] = field(default_factory=list)  # "file: same bytes as other file"

    def _duplicates(self) -> str:
        return f", {len(self.duplicates)} duplicates of another file" if self.duplicates else ""

    def line(self) -> str:
        return (
            f"{self.documents_read} documents read ({self.documents_loaded} loaded, "
            f"{self.documents_unchanged} unchanged{self._duplicates()}), {self.figures} figures, "
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
    """The whole ETL over `paths` into `database_url`; one run at a time per database (`db.exclusive`)."""
    with db.exclusive(database_url, settings.etl_wait_seconds()):
        return _run(paths, database_url, progress, curated_dir)


def _run(
    paths: Iterable[Path | str],
    database_url: str,
    progress: Progress | None = None,
    curated_dir: Path | None = None,
) -> Summary:
    t0 = time.perf_counter()
    paths = list(paths)
    registry = indicators.load()
    processed_with = version.digest(registry)
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
            seen = locate(engine, item, processed_with, run_id)
            if seen.duplicate_of is not None:
                summary.duplicates.append(f"{item.name}: same bytes as {seen.duplicate_of}")
                summary.documents_unchanged += int(seen.unchanged)
                continue
            if load.is_current(engine, item.name, item.sha256, processed_with):
                summary.documents_unchanged += 1
                continue
            result = process(item, registry, processed_with)
            rows = [result.document, *result.figures, *result.observations, *result.targets]
            validate.storable(rows, item.name)
            load.write_document(engine, result.document, result.figures, result.observations, result.targets)
            summary.documents_loaded += 1
            summary.figures += len(result.figures)
            summary.observations += len(result.observations)
        except Exception as exc:  # noqa: BLE001 - one document's failure, whatever it is, never stops the rest
            e = DocumentError.of(exc, name)
            summary.quarantined += 1
            summary.failures.append(e)
            doc_id = None if isinstance(item, DocumentError) else item.sha256
            load.quarantine(engine, e.doc, doc_id, e.stage, e.reason, run_id)
    _curated(engine, registry, curated_dir or settings.CURATED_DIR, run_id, summary)
    # Series review (etl/series_review.py): the two versions of each reply compared, then series decisions.
    summary.decisions = series_review.after_load(engine)
    summary.decisions += review.apply(engine)
    _series(engine, registry, summary)
    pairing.warn(engine)  # after _series, which replaces the warnings: where the two versions disagree
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
