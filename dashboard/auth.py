"""Who may review: the session mark of a reviewer, and the count of wrong tokens per client.

Review is on only while ITDASH_REVIEW_TOKEN is set, and a browser session is
a reviewer's only after it gave that token. The session remembers an HMAC of
the token (keyed by the app's secret key), so changing the token signs every
reviewer out. Signing out removes the mark from this browser's session
cookie; Flask's session is a signed cookie, not a server-side record, so a
copy of the cookie taken earlier stays valid until the token or
ITDASH_SECRET_KEY changes.

Wrong tokens are counted per client address (`request.remote_addr`): after
MAX_WRONG within WINDOW seconds, that address is refused, even with the right
token, until the oldest of those guesses is WINDOW old. The count lives in
this process's memory, so the limit is per worker process (a server running
four workers allows four times as many guesses) and a restart forgets it.
Behind a reverse proxy every client has the proxy's address unless the server
is set up to trust its forwarded address (werkzeug's ProxyFix).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time

from flask import current_app, has_request_context, request, session

from etl import settings

SESSION_KEY = "itdash_reviewer"

MAX_WRONG = 5
WINDOW = 15 * 60.0  # seconds
MAX_CLIENTS = 1024  # addresses remembered at once; the ones wrong longest ago are forgotten first
_now = time.monotonic  # the clock of the guess counter; tests move it
_lock = threading.Lock()
_wrong: dict[str, list[float]] = {}  # client address -> times of its last (at most MAX_WRONG) wrong tokens


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


def _forget_old(now: float) -> None:
    """Drop addresses whose last wrong token is out of the window, and keep at most MAX_CLIENTS.

    Called with `_lock` held, on every wrong token, so memory stays bounded
    whatever the number of addresses guessing.
    """
    for client in [c for c, times in _wrong.items() if times[-1] <= now - WINDOW]:
        del _wrong[client]
    if len(_wrong) > MAX_CLIENTS:
        for client in sorted(_wrong, key=lambda c: _wrong[c][-1])[: len(_wrong) - MAX_CLIENTS]:
            del _wrong[client]


def _wait_minutes(times: list[float], now: float) -> int:
    """Whole minutes until this address may try again (0: it may now)."""
    if len(times) < MAX_WRONG:
        return 0
    return max(1, math.ceil((times[-MAX_WRONG] + WINDOW - now) / 60))


def sign_in(given: str | None) -> tuple[bool, int]:
    """(signed in, minutes this client must wait before trying again).

    The check and the count happen under one lock, so concurrent guesses from
    one address cannot get past MAX_WRONG between them. An empty field is not
    a guess and is not counted.
    """
    current = settings.review_token()
    if current is None:
        return False, 0
    client = _client()
    with _lock:
        now = _now()
        recent = [x for x in _wrong.get(client, ()) if x > now - WINDOW]
        if wait := _wait_minutes(recent, now):
            return False, wait
        if not isinstance(given, str) or not given.strip():
            return False, 0
        if not hmac.compare_digest(given.strip().encode(), current.encode()):
            _wrong[client] = times = [*recent, now][-MAX_WRONG:]
            _forget_old(now)
            return False, _wait_minutes(times, now)
        _wrong.pop(client, None)
    session[SESSION_KEY] = mark(current)
    return True, 0


def sign_out() -> None:
    """Forget this session's mark (this browser only: see the module's note on copied cookies)."""
    session.pop(SESSION_KEY, None)
