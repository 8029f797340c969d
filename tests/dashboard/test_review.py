"""The review page without a browser: read-only without the token, and no write without a session."""

from __future__ import annotations

import sys

import dash
import pytest

from dashboard import app as frame
from dashboard.app import create_app
from tests.dashboard.conftest import sql
from tests.dashboard.test_pages import _text, _walk

TOKEN = "correct horse battery staple"


def _page():  # type: ignore[no-untyped-def]
    return next(p for p in dash.page_registry.values() if p["path"] == "/review")


def _module():  # type: ignore[no-untyped-def]
    """The page module as the pages plugin imported it (importing it again would register it twice)."""
    return sys.modules[_page()["module"]]


def _two_platforms(url: str) -> str:
    return sql(url, "SELECT id FROM figures WHERE text = 'two platforms'")[0]["id"]


@pytest.fixture
def spy(monkeypatch):
    """Every call to etl.review.decide, which must never happen in these tests."""
    from etl import review as etl_review

    calls: list = []
    monkeypatch.setattr(etl_review, "decide", lambda *a, **k: calls.append((a, k)))
    return calls


def _submit(app, figure: str, who: str = "ana"):  # type: ignore[no-untyped-def]
    page = _module()
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        return page.submit(1, figure, "reject", None, None, None, "a duplicate", who, "en")


def test_rev_off_without_token_no_nav_read_only_page_and_no_write(loaded, monkeypatch, spy):
    monkeypatch.delenv("ITDASH_REVIEW_TOKEN", raising=False)
    app = create_app(loaded)
    hrefs = [link.href for link in frame._nav("/", "en")]
    assert "/review" not in hrefs
    with app.server.test_request_context("/review"):
        tree = _page()["layout"]()
    assert "read-only" in _text(tree)
    ids = {getattr(n, "id", None) for n in _walk(tree)}
    assert not ids & {"rev-token", "rev-submit", "rev-figure"}

    # The write callback called directly (as a forged request would) stores nothing.
    fig = _two_platforms(loaded)
    result, *rest = _submit(app, fig)
    assert "read-only" in _text(result)
    assert rest == [dash.no_update] * 3
    # An empty token is no token.
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", "  ")
    assert "/review" not in [link.href for link in frame._nav("/", "en")]
    _submit(app, fig)
    assert spy == []
    assert sql(loaded, "SELECT * FROM review_decisions") == []


def test_rev_token_set_but_session_not_signed_in_cannot_write(loaded, monkeypatch, spy):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    app = create_app(loaded)
    assert "/review" in [link.href for link in frame._nav("/", "en")]
    with app.server.test_request_context("/review"):
        tree = _page()["layout"]()
    ids = {getattr(n, "id", None) for n in _walk(tree)}
    assert "rev-token" in ids and "rev-submit" not in ids
    result, *_ = _submit(app, _two_platforms(loaded))
    assert "has not given the review token" in _text(result)
    assert spy == []
    assert sql(loaded, "SELECT * FROM review_decisions") == []


def test_rev_through_the_http_endpoint_a_wrong_token_signs_nobody_in(loaded, monkeypatch):
    """The real Dash endpoint with Flask's test client: wrong token, then a forged submit."""
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    app = create_app(loaded)
    client = app.server.test_client()
    login = {
        "output": "rev-body.children",
        "outputs": {"id": "rev-body", "property": "children"},
        "inputs": [
            {"id": "rev-login", "property": "n_clicks", "value": 1},
            {"id": "rev-token", "property": "n_submit", "value": None},
        ],
        "state": [
            {"id": "rev-token", "property": "value", "value": "guess"},
            {"id": "rev-lang", "property": "data", "value": "en"},
        ],
        "changedPropIds": ["rev-login.n_clicks"],
    }
    r = client.post("/_dash-update-component", json=login)
    assert r.status_code == 200 and "not the review token" in r.get_data(as_text=True)
    fig = _two_platforms(loaded)
    outs = [
        ("rev-result", "children"),
        ("rev-figure", "options"),
        ("rev-figure", "value"),
        ("rev-count", "children"),
    ]
    states = [
        ("rev-figure", "value", fig),
        ("rev-action", "value", "reject"),
        ("rev-indicator", "value", None),
        ("rev-value", "value", None),
        ("rev-qualifier", "value", None),
        ("rev-reason", "value", "forged"),
        ("rev-who", "value", "mallory"),
        ("rev-lang", "data", "en"),
    ]
    forged = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outs],
        "inputs": [{"id": "rev-submit", "property": "n_clicks", "value": 1}],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in states],
        "changedPropIds": ["rev-submit.n_clicks"],
    }
    r = client.post("/_dash-update-component", json=forged)
    assert r.status_code == 200 and "has not given the review token" in r.get_data(as_text=True)
    assert sql(loaded, "SELECT * FROM review_decisions") == []

    # The right token signs this client in; the same request then stores the decision.
    login["state"][0]["value"] = TOKEN
    assert "rev-submit" in client.post("/_dash-update-component", json=login).get_data(as_text=True)
    r = client.post("/_dash-update-component", json=forged)
    assert "Recorded" in r.get_data(as_text=True)
    rows = sql(loaded, "SELECT figure_id, action, who, reason FROM review_decisions")
    assert rows == [{"figure_id": fig, "action": "reject", "who": "mallory", "reason": "forged"}]
