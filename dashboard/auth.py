"""Who may review: the session mark of a reviewer, and the count of wrong tokens per client.

Review is on only while ITDASH_REVIEW_TOKEN is set, and a browser session is
a reviewer's only after it gave that token. The session remembers an HMAC of
the token (keyed by the app's secret key), so changing the token signs every
reviewer out. Signing out removes the mark from this browser's session
cookie; Flask's session is a signed cookie, not a server-side record, so a
copy of the cookie taken earlier stays valid until the token or
ITDASH_SECRET_KEY changes.

Wrong tokens are counted per client address (`request.remote_addr`) by
Flask-Limiter's moving window: after MAX_WRONG within WINDOW seconds, that
address is refused, even with the right token, until the oldest of those
guesses is WINDOW old; the right token forgets the address's count. Every
non-empty guess takes its place in the window *before* it is compared (the
limiter's check-and-add is one step, a Lua script in Redis), so concurrent
guesses cannot slip past the limit between a check and a count. With
REDIS_URL set the count lives in Redis, shared by every worker and machine
(and it survives restarts); unset, it is kept in this process's memory, per
worker, and a restart forgets it. If Redis cannot be reached nobody is signed
in (the page says to try later): the limit is never skipped. Behind a reverse
proxy every client has the proxy's address unless the server is set up to
trust its forwarded address (werkzeug's ProxyFix).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

from flask import Flask, current_app, has_request_context, request, session
from flask_limiter import Limiter
from limits import RateLimitItemPerSecond

from etl import settings

SESSION_KEY = "itdash_reviewer"

MAX_WRONG = 5
WINDOW = 15 * 60  # seconds
EXTENSION = "itdash_signin"
_now = time.time  # the limiter's clock (wall time: Redis entries are shared between machines)
log = logging.getLogger("itdash.dashboard")


class Unavailable(Exception):
    """The store of sign-in attempts cannot be reached: nobody is signed in until it can."""


def init_app(server: Flask) -> Limiter:
    """Count `server`'s sign-in attempts in Redis (REDIS_URL) or, unset, in this process."""
    url = settings.redis_url()
    limiter = Limiter(
        _client,
        app=server,
        storage_uri=url or "memory://",
        # The counts are read and written through the limiter's strategy, whose keys the
        # storage's own prefix starts (Flask-Limiter's key_prefix covers route limits only).
        storage_options={"key_prefix": f"{settings.redis_prefix()}:signin"} if url else {},
        strategy="moving-window",
        default_limits=[],  # no route is limited: sign-in is a Dash callback, counted below
        headers_enabled=False,
    )
    server.extensions[EXTENSION] = limiter
    return limiter


def _limit() -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(MAX_WRONG, int(WINDOW))


def mark(value: str) -> str:
    """What the session keeps for a reviewer: the token's HMAC, never the token."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else bytes(key or b"")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def is_reviewer() -> bool:
    """Whether this request's session gave the current token (checked on the server)."""
    current = settings.review_token()
    if current is None or not has_request_context():
        return False
    stored = session.get(SESSION_KEY)
    return isinstance(stored, str) and hmac.compare_digest(stored, mark(current))


def _client() -> str:
    return request.remote_addr or "unknown"


def _wait_minutes(limiter: Limiter, client: str) -> int:
    """Whole minutes until this address may try again (0: it may now)."""
    item = _limit()
    if limiter.limiter.test(item, client):
        return 0
    reset, _ = limiter.limiter.get_window_stats(item, client)
    return max(1, math.ceil((reset - _now()) / 60))


def sign_in(given: object) -> tuple[bool, int]:
    """(signed in, minutes this client must wait before trying again).

    An empty field is not a guess and is not counted. Raises Unavailable when
    the count cannot be read or written.
    """
    current = settings.review_token()
    if current is None:
        return False, 0
    limiter: Limiter = current_app.extensions[EXTENSION]
    client = _client()
    try:
        if not isinstance(given, str) or not given.strip():
            return False, _wait_minutes(limiter, client)
        if not limiter.limiter.hit(_limit(), client):  # one guess too many: refused unread
            return False, _wait_minutes(limiter, client)
        if not hmac.compare_digest(given.strip().encode(), current.encode()):
            return False, _wait_minutes(limiter, client)
        limiter.limiter.clear(_limit(), client)
    except Exception as e:  # noqa: BLE001 - Redis away (or its client): refuse, never skip the limit
        log.warning("sign-in attempts cannot be counted: %s", e)
        raise Unavailable(str(e)) from None
    session[SESSION_KEY] = mark(current)
    return True, 0


def sign_out() -> None:
    """Forget this session's mark (this browser only: see the module's note on copied cookies)."""
    session.pop(SESSION_KEY, None)
