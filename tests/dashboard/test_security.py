"""Security headers on every response the dashboard's server gives, through Flask's test client."""

from __future__ import annotations

import pytest

from dashboard import security
from dashboard.app import create_app


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/indicator?indicator=open_data_datasets",
        "/sources",
        "/data/observations.csv",
        "/nowhere",
        "/_dash-layout",
    ],
)
def test_every_response_carries_the_headers(loaded, path):
    client = create_app(loaded).server.test_client()
    r = client.get(path)
    assert r.status_code in (200, 404), r.status_code
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = dict(d.strip().split(" ", 1) for d in r.headers["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]


def test_the_policy_allows_exactly_dashs_inline_scripts(loaded):
    app = create_app(loaded)
    r = app.server.test_client().get("/")
    script_src = next(
        d for d in r.headers["Content-Security-Policy"].split("; ") if d.startswith("script-src ")
    ).split()[1:]
    assert script_src[0] == "'self'" and sorted(script_src[1:]) == sorted(app.csp_hashes())
    assert len(script_src) >= 3  # the renderer's start and the frame's clientside callback at least


def test_a_failed_callback_is_also_covered(loaded):
    r = create_app(loaded).server.test_client().post("/_dash-update-component", data="not json")
    assert r.status_code >= 400 and r.headers["X-Content-Type-Options"] == "nosniff"
    assert security.STATIC["X-Frame-Options"] == r.headers["X-Frame-Options"]
