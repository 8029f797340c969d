"""Replies read whole, as `itdash extract` prints them: parsed, their figures extracted, each
figure given its series, and the two versions of one reply compared figure by figure.

The comparison needs both versions, so this reads a whole set of documents before any
figure is final; the pipeline does the same per pair of documents it loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from etl import corpus, series, twins
from etl.errors import DocumentError
from etl.extract import extract
from etl.parse import Reply, parse
from schemas.figure import Figure


@dataclass
class Read:
    doc: Reply
    figures: list[Figure]


def read(paths: Iterable[Path | str]) -> tuple[list[Read], list[DocumentError]]:
    """Every document under `paths`, in order, and the ones that could not be read."""
    done: list[Read] = []
    failed: list[DocumentError] = []
    for item in corpus.read_all(corpus.discover(list(paths))):
        try:
            if isinstance(item, DocumentError):
                raise item
            doc = parse(item)
            try:
                figures = extract(doc)
                series.assign(figures, doc.date, doc.lang)
            except Exception as e:  # noqa: BLE001 - an extractor bug must not stop the others
                raise DocumentError(
                    doc.name, f"extraction failed: {e.__class__.__name__}: {e}", "extract"
                ) from e
        except DocumentError as e:
            failed.append(e)
            continue
        done.append(Read(doc, figures))
    by_name = {r.doc.name: r for r in done}
    found = [(r.doc.name, r.doc.lcq_number, r.doc.date, r.doc.lang) for r in done]
    for english, chinese in twins.pair(found).items():
        twins.compare(by_name[english].figures, by_name[chinese].figures)
    return done, failed
