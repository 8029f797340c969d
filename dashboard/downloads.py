"""Stable download addresses: /data/<indicator>.csv and /data/observations.csv.

A cell that starts with `=`, `+`, `-` or `@` is prefixed with `'` so that no
spreadsheet runs it as a formula.
"""

from __future__ import annotations

import io

import pandas as pd
from flask import Flask, Response, abort

from dashboard import queries

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A string cell made inert for spreadsheets; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_frame(obs: pd.DataFrame) -> pd.DataFrame:
    """The export columns only, strings neutralised."""
    out = obs[queries.EXPORT_COLUMNS].copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def csv_text(obs: pd.DataFrame) -> str:
    buf = io.StringIO()
    export_frame(obs).to_csv(buf, index=False)
    return buf.getvalue()


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def register(server: Flask) -> None:
    @server.route("/data/observations.csv")
    def all_observations() -> Response:
        return _csv_response(csv_text(queries.observations(queries.engine())), "observations.csv")

    @server.route("/document/<doc_id>")
    def document_text(doc_id: str) -> Response:
        text = queries.document_content(queries.engine(), doc_id)
        if text is None:
            abort(404, description=f"no document {doc_id!r}")
        return Response(text, mimetype="text/plain; charset=utf-8")

    @server.route("/data/<indicator>.csv")
    def indicator_csv(indicator: str) -> Response:
        eng = queries.engine()
        known = queries.indicators(eng)
        if indicator not in set(known["id"]):
            abort(404, description=f"no indicator {indicator!r}")
        return _csv_response(csv_text(queries.observations(eng, indicator)), f"{indicator}.csv")
