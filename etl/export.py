"""Observations as analysts take them away: which rows, in which columns, in which format.

The one exporter: `itdash export` and every dashboard download (`/data/...`)
call `render`, so a file from either is the same bytes for the same rows.
`Filters` is the one reading of the filter parameters (the data page uses it
too). Formats: CSV; JSON (an `about` block, then the rows, dates as days);
XLSX (sheets about, metadata, data); ZIP (the CSV, a Frictionless
`datapackage.json` and a README). String cells that a spreadsheet would run as
a formula (`=`, `+`, `-`, `@` first) are neutralised with a leading
apostrophe. The XLSX and ZIP carry `retrieved` as their file times, so they
too depend only on the rows and the moment given (`settings.export_time`).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from etl.errors import ItdashError
from schemas.storage import DocumentRow, Indicator, Observation

EXPORT_COLUMNS = [
    "indicator",
    "as_of",
    "value",
    "qualifier",
    "lower",
    "upper",
    "unit",
    "source_kind",
    "source_url",
    "published",
    "sentence",
    "status",
    "conflict",
]
EXTRA_COLUMNS = ["preferred", "revision", "period_start", "period_end", "observation_id"]
COLUMNS = EXPORT_COLUMNS + EXTRA_COLUMNS
FORMATS = ("csv", "json", "xlsx", "zip")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DCTERMS = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")
_DATES = ("published", "period_start", "period_end")
# Frictionless Table Schema: type and meaning of every column.
FIELDS = {
    "indicator": ("string", "indicator id (data/indicators.toml)"),
    "as_of": ("string", "the day or period (start/end, ISO 8601) the value holds for"),
    "value": ("number", "the figure as stated"),
    "qualifier": ("string", "exact, over, at_least, about, up_to, under or nearly"),
    "lower": ("number", "lowest value the qualifier allows (empty: open)"),
    "upper": ("number", "highest value the qualifier allows (empty: open)"),
    "unit": ("string", "unit of the figure"),
    "source_kind": ("string", "reply (a LegCo written reply) or curated (a cited reference)"),
    "source_url": ("string", "address of the source"),
    "published": ("date", "the day the source was published"),
    "sentence": ("string", "the sentence the figure was read from"),
    "status": ("string", "review status: auto, reviewed or corrected"),
    "conflict": ("boolean", "another source gives another value for the same date"),
    "preferred": ("boolean", "the value the series shows for its date"),
    "revision": ("string", "revised (superseded) or revision"),
    "period_start": ("date", "first day of as_of"),
    "period_end": ("date", "last day of as_of"),
    "observation_id": ("string", "stable id of the observation"),
}
CITE = (
    "itdash: figures of Hong Kong's innovation and technology policy from LegCo written "
    "replies. Retrieved {when} from {url}. Cite each figure's own source (source_url) too."
)
ORDER = (Observation.indicator_id, Observation.period_end, Observation.period_start, Observation.id)


class FilterError(ValueError):
    """A filter parameter that cannot be read, with a message for the person who wrote it."""


class UnknownIndicator(ItdashError):
    """An export asked for an indicator the database does not hold."""


@dataclass(frozen=True)
class Filters:
    """Which observations a page or an export means; None is no filter.

    `date_from` / `date_to` keep observations whose period overlaps the range,
    so a financial-year figure counts for both calendar years it touches.
    """

    theme: str | None = None
    indicator: str | None = None
    source_kind: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    PARAMS = {"date_from": "from", "date_to": "to"}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> Filters:
        """Filters from query parameters (`theme`, `indicator`, `source_kind`, `status`, `from`, `to`)."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = args.get(cls.PARAMS.get(f.name, f.name))
            if isinstance(raw, list):  # a repeated parameter: the last one wins
                raw = raw[-1] if raw else None
            if raw in (None, ""):
                continue
            if f.name.startswith("date_"):
                try:
                    values[f.name] = date.fromisoformat(str(raw)[:10])
                except ValueError:
                    name = cls.PARAMS[f.name]
                    raise FilterError(f"{name}={raw!r} is not a date; write it as YYYY-MM-DD") from None
            else:
                values[f.name] = str(raw)
        return cls(**values)  # type: ignore[arg-type]

    def args(self) -> dict[str, str]:
        """The filters as query parameters, the inverse of `from_args`."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None:
                out[self.PARAMS.get(f.name, f.name)] = v.isoformat() if isinstance(v, date) else v
        return out


def filtered(stmt, f: Filters):  # type: ignore[no-untyped-def]
    """`stmt` narrowed to the observations `f` means; the one reading of the filters in SQL."""
    o = Observation
    if f.indicator is not None:
        stmt = stmt.where(o.indicator_id == f.indicator)
    if f.theme is not None:
        stmt = stmt.where(o.indicator_id.in_(select(Indicator.id).where(Indicator.theme == f.theme)))
    if f.source_kind is not None:
        stmt = stmt.where(o.source_kind == f.source_kind)
    if f.status is not None:
        stmt = stmt.where(o.status == f.status)
    if f.date_from is not None:
        stmt = stmt.where(o.period_end >= f.date_from)
    if f.date_to is not None:
        stmt = stmt.where(o.period_start <= f.date_to)
    return stmt


def neutralise(value: object) -> object:
    """A string cell made inert for spreadsheets; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def columns() -> list:
    """The selected columns of an observation, in export order (the dashboard adds to them)."""
    o = Observation
    return [
        o.indicator_id.label("indicator"),
        o.as_of,
        o.value,
        o.qualifier,
        o.lower,
        o.upper,
        o.unit,
        o.source_kind,
        o.source_url,
        o.published,
        o.sentence,
        o.status,
        o.conflict,
        o.preferred,
        o.revision,
        o.period_start,
        o.period_end,
    ]


def observations(
    engine: Engine, indicator: str | None = None, filters: Filters | None = None
) -> pd.DataFrame:
    """The observations an export means, oldest first: COLUMNS, then the document each came from."""
    stmt = select(*columns(), Observation.id.label("observation_id"), Observation.doc_id)
    stmt = filtered(stmt, filters or Filters()).order_by(*ORDER)
    if indicator is not None:
        stmt = stmt.where(Observation.indicator_id == indicator)
    with engine.connect() as c:
        rows = c.execute(stmt).all()
    return pd.DataFrame(rows, columns=[*COLUMNS, "doc_id"])


def safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every string cell neutralised (CSV and XLSX alike)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def address(name: str, fmt: str, filters: Filters, base: str = "") -> str:
    """The stable download address of an export, the one its `about` cites."""
    query = urlencode(filters.args())
    return f"{base.rstrip('/')}/data/{name}.{fmt}" + (f"?{query}" if query else "")


def about(name: str, filters: Filters, where: str, retrieved: datetime) -> dict:
    """What a JSON, XLSX or ZIP export says of itself: title, citation, filters, when and where."""
    when = retrieved.replace(microsecond=0).isoformat()
    return {
        "title": f"itdash — {name}",
        "what": "Quantitative figures from Hong Kong Government replies to Legislative Council "
        "questions and from cited reference sources, one row per observation.",
        "cite": CITE.format(when=when[:10], url=where),
        "filters": filters.args(),
        "retrieved": when,
        "address": where,
    }


def to_csv(obs: pd.DataFrame) -> str:
    buf = io.StringIO()
    safe(obs.reindex(columns=COLUMNS)).to_csv(buf, index=False)
    return buf.getvalue()


def to_json(obs: pd.DataFrame, about: dict) -> str:
    """The rows as JSON records (dates as days, blanks null) under the `about` block."""
    records = json.loads(obs.reindex(columns=COLUMNS).to_json(orient="records", date_format="iso"))
    for r in records:
        for k in _DATES:
            if isinstance(r.get(k), str):
                r[k] = r[k][:10]
    return json.dumps({**about, "columns": COLUMNS, "observations": records}, ensure_ascii=False, indent=1)


def indicator_definitions(engine: Engine, ids: list[str]) -> pd.DataFrame:
    """The registry's word on each indicator in `ids` (the XLSX metadata sheet), by theme."""
    i = Indicator
    stmt = (
        select(i.id, i.label_en, i.label_zh, i.unit, i.theme, i.kind, i.definition)
        .where(i.id.in_(ids))
        .order_by(i.theme, i.id)
    )
    with engine.connect() as c:
        rows = c.execute(stmt).all()
    return pd.DataFrame(rows, columns=["id", "label_en", "label_zh", "unit", "theme", "kind", "definition"])


def sources(engine: Engine, obs: pd.DataFrame) -> pd.DataFrame:
    """Each source behind the rows, with its title, date and how many rows it gives."""
    ids = sorted(obs["doc_id"].dropna().unique().tolist())
    titles: dict[str, str] = {}
    if ids:
        with engine.connect() as c:
            found = c.execute(select(DocumentRow.id, DocumentRow.title).where(DocumentRow.id.in_(ids))).all()
        titles = {r[0]: r[1] or r[0][:12] for r in found}
    cols = ["source_kind", "source_url", "title", "published", "doc_id"]
    return (
        obs.assign(title=obs["doc_id"].map(titles))
        .groupby(cols, dropna=False)
        .size()
        .reset_index(name="observations")
        .sort_values(["published", "source_url"], na_position="last")
    )


def _xlsx_safe(df: pd.DataFrame) -> pd.DataFrame:
    out = safe(df)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: _ILLEGAL_XLSX.sub("", v) if isinstance(v, str) else v)
    return out


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    return (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)


def _restamp(data: bytes, when: datetime) -> bytes:
    """A ZIP container (an XLSX) rewritten with every member, and the workbook's dates, at `when`.

    openpyxl stamps members and `docProps/core.xml` with the moment it saves;
    without this two XLSX of the same rows would differ in those bytes.
    """
    stamp = when.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _DCTERMS.sub(rb"\g<1>" + stamp.encode(), body)
            dst.writestr(zipfile.ZipInfo(info.filename, _zip_time(when)), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def to_xlsx(obs: pd.DataFrame, about: dict, definitions: pd.DataFrame, sources: pd.DataFrame) -> bytes:
    about_rows = [
        (k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in about.items()
    ]
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        _xlsx_safe(pd.DataFrame(about_rows, columns=["field", "value"])).to_excel(
            xl, sheet_name="about", index=False
        )
        _xlsx_safe(definitions).to_excel(xl, sheet_name="metadata", index=False)
        _xlsx_safe(sources).to_excel(xl, sheet_name="metadata", index=False, startrow=len(definitions) + 3)
        xl.sheets["metadata"].cell(row=len(definitions) + 3, column=1, value="sources")
        _xlsx_safe(obs.reindex(columns=COLUMNS)).to_excel(xl, sheet_name="data", index=False)
    return _restamp(buf.getvalue(), datetime.fromisoformat(about["retrieved"]))


def datapackage(name: str, about: dict) -> dict:
    return {
        "profile": "tabular-data-package",
        "name": f"itdash-{name}".replace("_", "-"),
        "title": about["title"],
        "description": about["what"],
        "created": about["retrieved"],
        "homepage": about["address"],
        "resources": [
            {
                "name": name.replace("_", "-"),
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": c, "type": FIELDS[c][0], "description": FIELDS[c][1]} for c in COLUMNS
                    ],
                    "missingValues": [""],
                    "primaryKey": ["observation_id"],
                },
            }
        ],
    }


def to_zip(name: str, obs: pd.DataFrame, about: dict) -> bytes:
    readme = "\n".join(
        [
            about["title"],
            "",
            about["what"],
            "",
            f"Retrieved: {about['retrieved']}",
            f"Address: {about['address']}",
            f"Filters: {json.dumps(about['filters'], ensure_ascii=False) or 'none'}",
            "",
            f"{name}.csv        the observations, one per row ({len(obs)} rows)",
            "datapackage.json   Frictionless Data Package: each column's type and meaning",
            "",
            "How to cite:",
            about["cite"],
            "",
            "Cells starting with =, +, - or @ carry a leading ' so spreadsheets do not run them.",
            "",
        ]
    )
    members = {
        f"{name}.csv": to_csv(obs),
        "datapackage.json": json.dumps(datapackage(name, about), ensure_ascii=False, indent=1),
        "README.txt": readme,
    }
    when = _zip_time(datetime.fromisoformat(about["retrieved"]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for member, body in members.items():
            z.writestr(zipfile.ZipInfo(member, when), body, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def render(
    engine: Engine, name: str, fmt: str, filters: Filters, retrieved: datetime, base: str = ""
) -> bytes:
    """One export: `name` is `observations` or an indicator id; the bytes of the file.

    `base` is where the downloads are served (the cited address is
    `base/data/name.fmt?filters`). Raises UnknownIndicator for an id the
    database does not hold.
    """
    if fmt not in FORMATS:
        raise ItdashError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    indicator = None if name == "observations" else name
    if indicator is not None:
        with engine.connect() as c:
            known = c.execute(select(Indicator.id).where(Indicator.id == indicator)).first()
        if known is None:
            raise UnknownIndicator(
                f"There is no indicator {name!r}. Every indicator is listed on /data-table "
                f"and in /data/observations.csv."
            )
    obs = observations(engine, indicator, filters)
    if fmt == "csv":
        return to_csv(obs).encode("utf-8")
    meta = about(name, filters, address(name, fmt, filters, base), retrieved)
    if fmt == "json":
        return to_json(obs, meta).encode("utf-8")
    if fmt == "xlsx":
        used = sorted(obs["indicator"].unique().tolist())
        return to_xlsx(obs, meta, indicator_definitions(engine, used), sources(engine, obs))
    return to_zip(name, obs, meta)
