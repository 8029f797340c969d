"""How the dashboard's bytes travel: compressed, and cached by browsers for as long as they cannot change.

The pages once sent 7.4 MB uncompressed (Plotly's bundle alone is 4.8 MB), so a
phone on 4G waited seconds for a first chart. Flask-Compress answers with
brotli or gzip as the browser accepts. Dash names its component bundles with a
fingerprint of version and file time (`.v3_0_1m1700000000.js`) and its assets
with `?m=<file time>`, so such an address always holds the same bytes: the
browser may keep it a year without asking again (`immutable`). Compressing the
same bundle anew for every visitor would cost a core a fifth of a second, so
the compressed bytes of fingerprinted files are kept per process.
"""

from __future__ import annotations

import threading

from dash.fingerprint import check_fingerprint
from flask import Flask, Request, Response, request
from flask_compress import Compress

YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"


def fingerprinted(req: Request) -> bool:
    """Whether the address names one fixed version of a file: a fingerprinted bundle or a dated asset."""
    path = req.path
    if path.startswith("/_dash-component-suites/"):
        return check_fingerprint(path)[1]  # Dash's own reading of its names
    return path.startswith("/assets/") and "m" in req.args


class _FixedFiles:
    """Compressed bytes of fingerprinted files, by algorithm and address; anything else is not kept."""

    def __init__(self, limit: int = 64) -> None:
        self._kept: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._limit = limit

    def get(self, key: str) -> bytes | None:
        return self._kept.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";") or len(self._kept) >= self._limit:
            return
        with self._lock:
            self._kept[key] = value


def _key(req: Request) -> str:
    """Fixed files are kept compressed: fingerprinted ones, and every package file Dash serves (Plotly's
    bundle has no fingerprint, but its bytes change only with a reinstall, which restarts the process)."""
    return req.full_path if fingerprinted(req) or req.path.startswith("/_dash-component-suites/") else ""


# Plotly's bundle (1.3 MB compressed) is asked for only once the page's first callback has drawn
# a graph; a preload starts it with the other scripts, a second earlier on a 4G phone.
PLOTLY = "/_dash-component-suites/plotly/package_data/plotly.min.js"


def preload(index: str) -> str:
    """Dash's page template with Plotly's bundle fetched from the start."""
    return index.replace("{%css%}", f'<link rel="preload" href="{PLOTLY}" as="script">\n        {{%css%}}', 1)


def register(server: Flask) -> None:
    """Compress `server`'s responses and give fixed files a year's cache lifetime."""
    server.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    server.config.setdefault("COMPRESS_BR_LEVEL", 5)
    server.config.setdefault("COMPRESS_CACHE_KEY", _key)
    server.config.setdefault("COMPRESS_CACHE_BACKEND", _FixedFiles)
    server.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])  # assets are streamed
    server.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "text/html",
            "text/css",
            "text/plain",
            "text/csv",
            "text/javascript",
            "application/javascript",
            "application/json",
            "image/svg+xml",
        ],
    )

    @server.after_request
    def _lifetime(response: Response) -> Response:
        if response.status_code == 200 and fingerprinted(request):
            response.headers["Cache-Control"] = IMMUTABLE
        return response

    Compress(server)
