"""Curated observations: CSV files of facts from other official releases, with citations.

Every CSV under data/curated/ (columns of shared/reference/observations.csv)
is loaded on each run through the same pandera model as extracted figures.
Rows marked `target` become targets; rows a Member quoted in a question stay
out. A row that fails a check is quarantined on its own (file and line); the
file's other rows load.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.errors as pe

from etl import normalise
from etl.errors import DocumentError
from etl.indicators import Registry
from schemas import storage
from schemas.figure import QUALIFIERS
from schemas.frames import ObservationFrame

COLUMNS = [
    "indicator_id",
    "indicator_label",
    "value",
    "qualifier",
    "unit",
    "as_of",
    "published",
    "status",
    "source_kind",
    "source_url",
    "note",
]
# Optional columns (older files without them still load): how far the source is from the
# official original, and who published it under what title, so a row can be cited alone.
CITATION = ["source_tier", "publisher", "title"]
STATUSES = ("observed", "target", "quoted_in_question")
TIERS = ("official", "mirror", "secondary")


@dataclass
class CuratedFile:
    name: str
    observations: list[storage.Observation] = field(default_factory=list)
    targets: list[storage.Target] = field(default_factory=list)
    skipped_quoted: int = 0
    failures: list[DocumentError] = field(default_factory=list)


def _row_error(name: str, line: int, row: dict, registry: Registry) -> str | None:
    ind = registry.indicators.get(row["indicator_id"])
    if ind is None:
        return f"unknown indicator {row['indicator_id']!r}"
    if row["status"] not in STATUSES:
        return f"status {row['status']!r} is not one of {', '.join(STATUSES)}"
    if row["qualifier"] not in QUALIFIERS:
        return f"qualifier {row['qualifier']!r} is not one of {', '.join(QUALIFIERS)}"
    if row.get("source_tier") and row["source_tier"] not in TIERS:
        return f"source_tier {row['source_tier']!r} is not one of {', '.join(TIERS)}"
    if row["unit"] != ind.unit:
        return f"unit {row['unit']!r} is not the indicator's unit {ind.unit!r}"
    try:
        float(row["value"])
        normalise.period(row["as_of"])
        if row["published"]:
            pd.Timestamp(row["published"])
    except ValueError as e:
        return f"cannot read value, as_of or published: {e}"
    return None


def read(path: Path, registry: Registry) -> CuratedFile:
    """One curated CSV as observations and targets; bad rows become failures."""
    out = CuratedFile(path.name)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as e:
        out.failures.append(DocumentError(str(path), f"cannot read CSV: {e}", "curated"))
        return out
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        out.failures.append(DocumentError(str(path), f"missing columns: {', '.join(missing)}", "curated"))
        return out
    for c in CITATION:
        if c not in df.columns:
            df[c] = ""
    rows: list[tuple[int, storage.Observation | storage.Target]] = []
    for line, row in enumerate(df.to_dict("records"), start=2):
        row = {k: (v or "").strip() for k, v in row.items()}
        where = f"{path}:{line}"
        error = _row_error(path.name, line, row, registry)
        if error:
            out.failures.append(DocumentError(where, error, "curated"))
            continue
        if row["status"] == "quoted_in_question":
            out.skipped_quoted += 1
            continue
        digest = hashlib.sha256("|".join(row[c] for c in COLUMNS).encode()).hexdigest()[:16]
        stated = normalise.Stated(
            f"curated:{path.name}:{digest}",
            row["indicator_id"],
            row["as_of"],
            float(row["value"]),
            row["qualifier"],
            row["unit"],
        )
        published = pd.Timestamp(row["published"]).date() if row["published"] else None
        source = normalise.Source("curated", row["source_url"] or None, published)
        if row["status"] == "target":
            rows.append((line, normalise.target(stated, source, note=row["note"])))
        else:
            point = normalise.observation(stated, source, sentence=row["note"] or None, rule="curated")
            point.source_tier = row["source_tier"] or None
            point.publisher = row["publisher"] or None
            point.source_title = row["title"] or None
            rows.append((line, point))
    obs = [(line, o) for line, o in rows if isinstance(o, storage.Observation)]
    bad_lines: set[int] = set()
    if obs:
        frame = pd.DataFrame([o.model_dump() for _, o in obs])
        try:
            ObservationFrame.validate(frame, lazy=True)
        except pe.SchemaErrors as e:
            for index, group in e.failure_cases.dropna(subset=["index"]).groupby("index"):
                line = obs[int(index)][0]
                bad_lines.add(line)
                checks = "; ".join(
                    dict.fromkeys(
                        chk
                        if c == "ObservationFrame" or chk.startswith(("as_of", "period", "bounds"))
                        else f"{c}: {chk}"
                        for c, chk in zip(group["column"], group["check"], strict=True)
                    )
                )
                out.failures.append(
                    DocumentError(f"{path}:{line}", f"failed validation: {checks}", "validate")
                )
    for line, item in rows:
        if line in bad_lines:
            continue
        if isinstance(item, storage.Target):
            out.targets.append(item)
        else:
            out.observations.append(item)
    return out


def files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv")) if folder.exists() else []
