"""Stable download addresses: /data/<indicator>.<fmt> and /data/observations.<fmt>.

Only the routes live here; the rows, columns and formats (csv, json, xlsx, zip)
are etl/export.py's, the same code `itdash export` runs, so a download and an
export of the same filters are the same bytes. The routes take the data page's
query parameters (`?source_kind=reply&from=2020-01-01`, read by
`export.Filters`), so a page and its download mean the same rows.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard import messages, queries
from etl import export, settings
from etl.errors import ItdashError
from etl.export import COLUMNS, FIELDS  # noqa: F401 - the download columns, for readers of this module

log = logging.getLogger("itdash.downloads")

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
        filters = export.Filters.from_args(request.args)
    except export.FilterError as e:
        return _text(f"Cannot read the filters: {e}.", 400)
    try:
        body = export.render(
            queries.engine(), name, fmt, filters, settings.export_time(), base=request.url_root
        )
    except export.UnknownIndicator as e:
        return _text(str(e), 404)
    except export.FilterError as e:
        return _text(f"Cannot read the filters: {e}.", 400)
    except (ItdashError, SQLAlchemyError) as e:
        log.warning("download %s.%s: database unavailable: %s", name, fmt, messages.first_line(e))
        return _text("The database cannot be read right now. Try again later.", 503)
    # content_type, not mimetype: Flask would add a second charset to text/csv's.
    where = export.filename(name, fmt, filters)
    return Response(
        body, content_type=_MIME[fmt], headers={"Content-Disposition": f'attachment; filename="{where}"'}
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
