"""Headers that tell a browser what the dashboard's pages may do, on every response.

The document view serves stored text from replies, and downloads serve cells a
reply wrote: a browser must not guess them to be HTML (`nosniff`), run a
script the page did not bring, or show a page inside someone else's frame. The
Content-Security-Policy allows scripts from this server only, plus Dash's own
inline scripts by their SHA-256 hashes (`Dash.csp_hashes`, worked out once the
pages and their clientside callbacks are registered, i.e. at the first
request). Styles may be inline: React, Plotly and AG Grid set `style`
attributes and inject style sheets as they draw, so `style-src` keeps
'unsafe-inline' (styles cannot run code). Plotly draws images from data: and
blob: addresses. Nothing else loads from elsewhere.
"""

from __future__ import annotations

from dash import Dash
from flask import Response

STATIC = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def policy(script_hashes: list[str]) -> str:
    """The Content-Security-Policy text, given the quoted hashes of the inline scripts to allow."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def register(app: Dash) -> None:
    """Add the headers to every response of `app`'s server, errors and downloads included."""
    known: list[str] = []

    @app.server.after_request
    def _headers(response: Response) -> Response:
        if not known:
            known.append(policy(app.csp_hashes()))
        response.headers.setdefault("Content-Security-Policy", known[0])
        for name, value in STATIC.items():
            response.headers.setdefault(name, value)
        return response
