"""Stable download addresses: /data/<indicator>.<fmt> and /data/observations.<fmt>.

Formats: csv, json, xlsx (sheets about, metadata, data) and zip (the CSV, a
Frictionless `datapackage.json` and a README). They take the data page's
query parameters (`?source_kind=reply&from=2020-01-01`, read by
`queries.Filters`), so a page and its download mean the same rows. Columns are
`queries.EXPORT_COLUMNS` first, then `queries.EXTRA_COLUMNS`.

A cell that starts with `=`, `+`, `-` or `@` is prefixed with `'` so that no
spreadsheet runs it as a formula.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from datetime import UTC, datetime

import pandas as pd
from flask import Flask, Response, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard import messages, queries
from etl.errors import ItdashError
from etl.export import FORMULA_STARTS, neutralise, safe  # noqa: F401 - one definition, re-exported

log = logging.getLogger("itdash.downloads")
COLUMNS = queries.EXPORT_COLUMNS + queries.EXTRA_COLUMNS
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
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


def export_frame(obs: pd.DataFrame) -> pd.DataFrame:
    """The download columns in order, strings neutralised."""
    out = obs.rename(columns={"id": "observation_id"}).reindex(columns=COLUMNS)
    return safe(out)


def csv_text(obs: pd.DataFrame) -> str:
    buf = io.StringIO()
    export_frame(obs).to_csv(buf, index=False)
    return buf.getvalue()


def json_text(obs: pd.DataFrame, about: dict) -> str:
    """The rows as JSON records (dates ISO, blanks null) under a short `about`."""
    frame = obs.rename(columns={"id": "observation_id"}).reindex(columns=COLUMNS)
    records = json.loads(frame.to_json(orient="records", date_format="iso"))
    for r in records:
        for k in ("published", "period_start", "period_end"):
            if isinstance(r.get(k), str):
                r[k] = r[k][:10]
    return json.dumps({**about, "columns": COLUMNS, "observations": records}, ensure_ascii=False, indent=1)


def _about(name: str, filters: queries.Filters) -> dict:
    when = datetime.now(UTC).replace(microsecond=0).isoformat()
    return {
        "title": f"itdash — {name}",
        "what": "Quantitative figures from Hong Kong Government replies to Legislative Council "
        "questions and from cited reference sources, one row per observation.",
        "cite": CITE.format(when=when[:10], url=request.url),
        "filters": filters.args(),
        "retrieved": when,
        "address": request.url,
    }


def _sources(obs: pd.DataFrame, eng) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Each source behind the rows, with its date and how many rows it gives."""
    titles = queries.document_titles(eng, sorted(obs["doc_id"].dropna().unique().tolist()))
    src = obs.assign(title=obs["doc_id"].map(titles))
    cols = ["source_kind", "source_url", "title", "published", "doc_id"]
    return (
        src.groupby(cols, dropna=False)
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


def xlsx_bytes(obs: pd.DataFrame, about: dict, inds: pd.DataFrame, sources: pd.DataFrame) -> bytes:
    about_rows = [
        (k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in about.items()
    ]
    defs = inds[["id", "label_en", "label_zh", "unit", "theme", "kind", "definition"]]
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        _xlsx_safe(pd.DataFrame(about_rows, columns=["field", "value"])).to_excel(
            xl, sheet_name="about", index=False
        )
        _xlsx_safe(defs).to_excel(xl, sheet_name="metadata", index=False)
        _xlsx_safe(sources).to_excel(xl, sheet_name="metadata", index=False, startrow=len(defs) + 3)
        xl.sheets["metadata"].cell(row=len(defs) + 3, column=1, value="sources")
        _xlsx_safe(export_frame(obs)).to_excel(xl, sheet_name="data", index=False)
    return buf.getvalue()


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


def zip_bytes(name: str, obs: pd.DataFrame, about: dict) -> bytes:
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
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{name}.csv", csv_text(obs))
        z.writestr("datapackage.json", json.dumps(datapackage(name, about), ensure_ascii=False, indent=1))
        z.writestr("README.txt", readme)
    return buf.getvalue()


_MIME = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def download(name: str, fmt: str) -> Response:
    """One download: `name` is `observations` or an indicator id."""
    try:
        filters = queries.Filters.from_args(request.args)
    except queries.FilterError as e:
        return _text(f"Cannot read the filters: {e}.", 400)
    try:
        eng = queries.engine()
        inds = queries.indicators(eng)
        if name != "observations" and name not in set(inds["id"]):
            return _text(
                f"There is no indicator {name!r}. Every indicator is listed on /data-table "
                f"and in /data/observations.csv.",
                404,
            )
        obs = queries.observations(eng, None if name == "observations" else name, filters)
        about = _about(name, filters)
        if fmt == "csv":
            body: str | bytes = csv_text(obs)
        elif fmt == "json":
            body = json_text(obs, about)
        elif fmt == "xlsx":
            used = inds[inds["id"].isin(obs["indicator"].unique())]
            body = xlsx_bytes(obs, about, used, _sources(obs, eng))
        else:
            body = zip_bytes(name, obs, about)
    except (ItdashError, SQLAlchemyError) as e:
        log.warning("download %s.%s: database unavailable: %s", name, fmt, messages.first_line(e))
        return _text("The database cannot be read right now. Try again later.", 503)
    return Response(
        body, mimetype=_MIME[fmt], headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )


def register(server: Flask) -> None:
    server.add_url_rule("/data/<name>.<any(csv, json, xlsx, zip):fmt>", "itdash_download", download)

    @server.route("/data/<path:rest>")
    def no_download(rest: str) -> Response:
        """Anything else under /data/ is a mistyped download, not a page of the app."""
        return _text(
            f"There is no download /data/{rest}. Downloads are /data/<indicator>.<format> and "
            f"/data/observations.<format>, the format one of csv, json, xlsx, zip.",
            404,
        )

    @server.route("/document/<doc_id>")
    def document_text(doc_id: str) -> Response:
        """A stored document's content as plain text (the sources page shows it highlighted)."""
        text = queries.document_content(queries.engine(), doc_id)
        if text is None:
            return _text(f"There is no document {doc_id!r}.", 404)
        return Response(text, mimetype="text/plain; charset=utf-8")
