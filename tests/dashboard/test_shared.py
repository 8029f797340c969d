"""State shared across workers through the machine's Redis (127.0.0.1:6379): the read cache and sign-in.

Two app instances stand for two gunicorn workers (or two machines) behind one
address. Each test writes under its own key prefix and removes its keys.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
import redis
from sqlmodel import Session

from dashboard import auth, cache
from dashboard.app import create_app
from etl import db
from schemas.storage import ReviewDecision
from tests.dashboard.test_inputs import Client
from tests.dashboard.test_review import TOKEN, Browser

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def shared(monkeypatch):  # type: ignore[no-untyped-def]
    """REDIS_URL set, under a prefix of this test's own; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running at 127.0.0.1:6379 (.ci/run starts it)")
    prefix = f"itdash-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("REDIS_URL", REDIS)
    monkeypatch.setenv("ITDASH_REDIS_PREFIX", prefix)
    yield client, prefix
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def _counted():  # type: ignore[no-untyped-def]
    calls: list[tuple] = []

    @cache.by_version
    def read(eng, *args):  # type: ignore[no-untyped-def]
        calls.append(args)
        return {"n": len(calls), "args": args}

    return read, calls


def test_two_workers_share_one_read_cache_keyed_by_the_database_version(loaded, shared):
    client, prefix = shared
    one, two = create_app(loaded).server, create_app(loaded).server
    eng = db.engine(loaded)
    read, calls = _counted()
    cache._store.clear()
    with one.app_context():
        assert read(eng, "a") == {"n": 1, "args": ("a",)}
    with two.app_context():
        assert read(eng, "a") == {"n": 1, "args": ("a",)}  # read by the other worker, from Redis
        assert read(eng, "b")["n"] == 2
    assert len(calls) == 2 and cache._store == {}  # nothing kept in this process
    assert len(list(client.scan_iter(f"{prefix}:read:*"))) == 2
    # A review decision changes the version: both workers read afresh, once between them.
    with Session(eng) as s:
        s.add(ReviewDecision(figure_id="f", action="reject", reason="r", who="ana", at=datetime.now(UTC)))
        s.commit()
    with two.app_context():
        assert read(eng, "a")["n"] == 3
    with one.app_context():
        assert read(eng, "a")["n"] == 3
    eng.dispose()


def test_pages_drawn_by_one_worker_are_served_by_the_other(loaded, shared):
    """The kept pages (overview, indicator view) go through pickle and Redis and come back whole."""
    client, prefix = shared
    cache._store.clear()
    first, second = Client(create_app(loaded)), Client(create_app(loaded))
    for path, search in [("/", ""), ("/indicator", "?indicator=open_data_datasets")]:
        drawn = json.loads(first.page(path, search))["response"]
        served = json.loads(second.page(path, search))["response"]
        assert drawn == served and "could not be drawn" not in json.dumps(served)
    assert "ind-chart" in json.dumps(served) and list(client.scan_iter(f"{prefix}:read:*"))


def test_wrong_tokens_are_counted_across_workers(loaded, monkeypatch, shared):
    client, prefix = shared
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    # Each app's first request before the next app exists: Dash hands the pages' callbacks to one app.
    a, b = Browser(create_app(loaded), "203.0.113.7"), Browser(create_app(loaded), "203.0.113.7")
    for k in range(3):
        assert "not the review token" in a.sign_in(f"guess {k}")
    assert "not the review token" in b.sign_in("guess 3")
    assert "Too many wrong tokens" in b.sign_in("guess 4")  # the fifth, on the other worker
    assert "Too many wrong tokens" in a.sign_in(TOKEN) and "Too many wrong tokens" in b.sign_in(TOKEN)
    # Another address is its own count, on either worker; the count's keys expire with the window.
    other = Browser(b.app, "198.51.100.2")
    assert "rev-submit" in other.sign_in(TOKEN)
    keys = list(client.scan_iter(f"{prefix}:signin*"))
    assert keys and all(0 < client.ttl(k) <= auth.WINDOW for k in keys)


def test_without_redis_each_worker_counts_for_itself(loaded, monkeypatch):
    """REDIS_URL unset (`make demo`): nothing shared, nothing to run; the limit is per worker."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    a, b = Browser(create_app(loaded), "203.0.113.8"), Browser(create_app(loaded), "203.0.113.8")
    assert cache.EXTENSION not in a.app.server.extensions
    for k in range(5):
        a.sign_in(f"guess {k}")
    assert "Too many wrong tokens" in a.sign_in(TOKEN)
    assert "rev-submit" in b.sign_in(TOKEN)


def test_redis_gone_pages_still_draw_and_nobody_signs_in(loaded, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens there
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    app = create_app(loaded)
    page = Client(app).page("/", "")
    assert "card-" in page and "could not be drawn" not in page
    answer = Browser(app, "203.0.113.9").sign_in(TOKEN)
    assert "Sign-in cannot be checked right now" in answer and "rev-submit" not in answer
