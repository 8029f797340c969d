"""Fetch LegCo replies from the Government's press-release site into the archive.

The first stage of the ETL: `itdash fetch` walks daily index pages (or takes
addresses), keeps the LCQ replies on I&T topics and stores each page byte for
byte with its provenance (see `etl.archive`). Politeness is the default, not an
option: one request at a time, spaced by a rate limit, robots.txt obeyed,
back-off on errors, Retry-After honoured (up to a cap). A page that fails is
recorded and reported; it never stops the others, and the next run picks it up
again.

A hostile or broken server bounds nothing, so the fetcher bounds everything:
`timeout` is a deadline for the whole exchange (connect, headers, body), kept
by asyncio because httpx's own timeouts apply to each read and a server sending
one byte a second never trips them (encode/httpx#1450); a page's size is capped
as sent and once decompressed (`etl.body`); a page that is not HTML is refused
on its Content-Type, before its body is read; and only a whole page is stored.

Page recognition (what is a release, an index link, an I&T title) is in
`etl.site`, as pure functions; this module is the I/O around them.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from etl import site
from etl.archive import Archive, Record
from etl.body import ACCEPT_ENCODING, Body, BodyError, Truncated, check_length
from etl.settings import (
    DEFAULT_BASE_URL,
    TOPICS_FILE,
    USER_AGENT,
    archive_dir,
    max_page_bytes,
    max_retry_after,
)

HKT = timezone(timedelta(hours=8), "HKT")
Phase = Literal["index", "release"]
Result = Literal["fetched", "skipped", "failed"]


@dataclass(frozen=True)
class FetchConfig:
    """How to fetch. The defaults are the polite ones; tests lift `rate` and shorten `backoff`."""

    base_url: str = DEFAULT_BASE_URL
    archive: Path = field(default_factory=archive_dir)
    rate: float | None = 1.0  # requests per second; None lifts the limit (tests, benchmarks)
    timeout: float = 30.0  # seconds for a whole exchange: connect, headers and body
    retries: int = 3  # further attempts after the first, on timeouts, 5xx, 429, truncation
    backoff: float = 1.0  # first back-off in seconds, doubled on each retry
    max_backoff: float = 60.0
    # A longer Retry-After is honoured only this long, then the page is given up until the next run.
    max_retry_after: float = field(default_factory=max_retry_after)
    max_page_bytes: int = field(default_factory=max_page_bytes)  # as sent and once decompressed
    max_redirects: int = 5
    refresh: bool = False  # fetch archived pages again, conditionally
    all_lcq: bool = False  # keep every LCQ reply, not only those on I&T
    user_agent: str = USER_AGENT
    topics_file: Path = TOPICS_FILE


@dataclass(frozen=True)
class Event:
    """Progress for a display: a phase's planned `total`, or one page's `result`."""

    phase: Phase
    url: str = ""
    result: Result | None = None
    detail: str = ""
    total: int = 0


@dataclass(frozen=True)
class Outcome:
    """What happened to one page."""

    url: str
    phase: Phase
    result: Result
    reason: str = ""
    attempts: int = 0


@dataclass
class Report:
    """A run's outcomes, for the closing summary."""

    outcomes: list[Outcome] = field(default_factory=list)
    days: int = 0
    listed: int = 0  # release links on the index pages read
    kept: int = 0  # of those, the LCQ replies kept

    def count(self, result: Result, phase: Phase | None = None) -> int:
        """How many pages (of a phase) ended with `result`."""
        return sum(o.result == result and phase in (None, o.phase) for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == "failed"]


class FetchFailed(Exception):
    """A page that cannot be kept; `reason` goes to failures.csv and the closing report."""

    def __init__(self, reason: str, attempts: int = 1, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts
        self.status = status


class _Retry(Exception):
    """A transient problem: try again after back-off (or the server's Retry-After)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class RateLimiter:
    """Spaces request starts at least `1/rate` apart; `hold` keeps every request back a while.

    Back-off and Retry-After go through `hold`, so a server that asked for a
    pause gets it for the next page too, not only for the retried one.
    """

    def __init__(
        self,
        rate: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")

    def wait(self) -> None:
        """Block until a request may start, and book the next slot."""
        while (delay := self._next - self._clock()) > 0:
            self._sleep(delay)
        self._next = self._clock() + self.interval

    def hold(self, seconds: float) -> None:
        """No request starts sooner than `seconds` from now."""
        self._next = max(self._next, self._clock() + seconds)

    def slow_to(self, interval: float) -> None:
        """Never go faster than one request per `interval` seconds (robots.txt Crawl-delay)."""
        self.interval = max(self.interval, interval)


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class _Response:
    status: int
    headers: httpx.Headers
    body: bytes
    url: str
    charset: str | None
    attempts: int = 1
    location: str | None = None  # a redirect's target, not yet followed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Fetcher:
    """One run's HTTP client, rate limiter and robots.txt rules over an open `Archive`.

    Requests go one at a time through a private event loop, only so that
    `asyncio.timeout` can put one deadline on a whole exchange.
    """

    def __init__(
        self,
        config: FetchConfig,
        archive: Archive,
        on_event: Callable[[Event], None] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self.archive = archive
        self.on_event = on_event or (lambda event: None)
        self.now = now or (lambda: datetime.now(UTC))
        self.limiter = RateLimiter(config.rate)
        self.topics = site.load_topics(config.topics_file)
        self._loop = asyncio.Runner()
        self.client = httpx.AsyncClient(
            headers={"User-Agent": config.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=config.timeout,
            follow_redirects=False,
        )
        self._robots: dict[str, RobotFileParser] = {}
        self._robots_problem: dict[str, str] = {}
        self.report = Report()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._loop.run(self.client.aclose())
        finally:
            self._loop.close()

    # -- HTTP ------------------------------------------------------------------

    async def _exchange(self, url: str, headers: dict[str, str], html: bool) -> _Response:
        """One request and its answer, all within `timeout`; only a 200's body is read."""
        async with (
            asyncio.timeout(self.config.timeout),
            self.client.stream("GET", url, headers=headers) as resp,
        ):
            status, charset = resp.status_code, resp.charset_encoding
            if resp.has_redirect_location:
                return _Response(status, resp.headers, b"", url, charset, location=resp.headers["location"])
            if status != 200:
                return _Response(status, resp.headers, b"", url, charset)
            if html and (problem := site.check_content_type(resp.headers.get("content-type"))):
                raise FetchFailed(problem, status=status)
            try:
                check_length(resp.headers.get("content-length"), self.config.max_page_bytes)
                body = Body(self.config.max_page_bytes, resp.headers.get("content-encoding"))
                async for chunk in resp.aiter_raw():
                    body.feed(chunk)
                data = body.finish()
            except Truncated as e:
                raise _Retry("truncated") from e
            except BodyError as e:
                raise FetchFailed(e.reason, status=status) from None
            return _Response(status, resp.headers, data, url, charset)

    def _once(self, url: str, headers: dict[str, str], robots: bool, html: bool) -> _Response:
        """One attempt: follow same-site redirects, each hop a whole exchange within the timeout."""
        current, hops = url, [url]
        for _ in range(self.config.max_redirects + 1):
            if robots and not self._allowed(current):
                problem = self._robots_problem.get(_origin(current))
                raise FetchFailed(
                    f"disallowed by robots.txt ({problem})" if problem else "disallowed by robots.txt"
                )
            self.limiter.wait()
            try:
                resp = self._loop.run(self._exchange(current, headers, html))
            except TimeoutError:
                raise _Retry(f"timed out: no whole answer within {self.config.timeout:g} s") from None
            if resp.location is None:
                return resp
            target = urljoin(current, resp.location)
            if _origin(target) != _origin(url):
                raise FetchFailed(f"redirected off-site to {target}", status=resp.status)
            if target in hops:
                chain = " -> ".join(urlsplit(u).path for u in [*hops[hops.index(target) :], target])
                raise FetchFailed(f"redirect loop: {chain}", status=resp.status)
            hops.append(target)
            current = target
        raise FetchFailed(f"too many redirects (more than {self.config.max_redirects})")

    def _get(self, url: str, headers: dict[str, str], *, html: bool, robots: bool = True) -> _Response:
        """GET with retries on timeouts, 5xx, 429 and truncated pages, backing off in between."""
        attempts = 0
        while True:
            attempts += 1
            try:
                try:
                    resp = self._once(url, headers, robots, html)
                except httpx.TimeoutException:
                    raise _Retry(f"timed out: no whole answer within {self.config.timeout:g} s") from None
                except httpx.RemoteProtocolError as e:
                    raise _Retry("truncated" if "body" in str(e) else f"protocol error ({e})") from None
                except httpx.TransportError as e:
                    raise _Retry(f"connection error ({type(e).__name__})") from None
                except httpx.HTTPError as e:  # anything else the client refuses: say so, go on
                    raise FetchFailed(f"HTTP client error ({type(e).__name__}: {e})") from None
                status = resp.status
                if status in (408, 429) or status >= 500:
                    wait = retry_after(resp.headers.get("retry-after"), self.now())
                    raise _Retry(f"HTTP {status}", wait)
                if status not in (200, 304):
                    raise FetchFailed(f"HTTP {status}", status=status)
                if status == 200 and html and (problem := site.check_body(resp.body)):
                    raise FetchFailed(problem, status=status)  # before the truncation check: no retry
                if status == 200 and html and site.is_truncated(resp.body):
                    raise _Retry("truncated")
                return _Response(status, resp.headers, resp.body, resp.url, resp.charset, attempts)
            except FetchFailed as e:
                e.attempts = attempts
                raise
            except _Retry as e:
                cap = self.config.max_retry_after
                if e.retry_after is not None and e.retry_after > cap:
                    # Honoured up to the cap, so the next page is not held for a day.
                    self.limiter.hold(cap)
                    raise FetchFailed(
                        f"{e.reason}: Retry-After {e.retry_after:g} s is past the {cap:g} s cap; "
                        "tried again on the next run",
                        attempts,
                    ) from None
                if e.retry_after is not None:
                    self.limiter.hold(e.retry_after)
                if attempts > self.config.retries:
                    raise FetchFailed(e.reason, attempts) from None
                backoff = self.config.backoff * 2 ** (attempts - 1)
                self.limiter.hold(min(backoff, self.config.max_backoff))

    def _allowed(self, url: str) -> bool:
        """robots.txt says itdash may fetch `url` (read once per site, on first need)."""
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        return self._robots[origin].can_fetch(self.config.user_agent, url)

    def _read_robots(self, origin: str) -> RobotFileParser:
        rules = RobotFileParser(f"{origin}/robots.txt")
        try:
            resp = self._get(rules.url, {}, html=False, robots=False)
        except FetchFailed as e:
            # As urllib.robotparser and RFC 9309: a missing file allows all,
            # a refused one (401/403) or an unreachable one allows nothing.
            status = e.status or 0
            rules.allow_all = 400 <= status < 500 and status not in (401, 403)
            rules.disallow_all = not rules.allow_all
            if rules.disallow_all:
                self._robots_problem[origin] = f"robots.txt unavailable: {e.reason}"
            return rules
        rules.parse(site.decode(resp.body, resp.charset).text.splitlines())
        agent = self.config.user_agent
        delay = rules.crawl_delay(agent)
        if delay:
            self.limiter.slow_to(float(delay))
        rate = rules.request_rate(agent)
        if rate and rate.requests:
            self.limiter.slow_to(rate.seconds / rate.requests)
        return rules

    # -- pages -----------------------------------------------------------------

    def _fresh(self, record: Record, rel: PurePosixPath, phase: Phase) -> bool:
        """An archived page need not be fetched again: releases never change; a daily index
        read before its day was over (HKT) may have grown since."""
        if self.config.refresh:
            return False
        if phase == "release":
            return True
        day = datetime.strptime(f"{rel.parent.name}{rel.stem}", "%Y%m%d").replace(tzinfo=HKT)
        try:
            checked = datetime.fromisoformat(record.get("checked_at") or record["fetched_at"])
        except (KeyError, TypeError, ValueError):
            return False
        if checked.tzinfo is None:
            checked = checked.replace(tzinfo=UTC)
        return checked >= day + timedelta(days=1)

    def page(self, url: str, rel: PurePosixPath, phase: Phase, title: str = "") -> str | None:
        """Fetch one page into the archive unless it is there.

        Returns an index page's text (a release's is not needed: ""), or None if
        the page failed and no earlier copy is archived.
        """
        cached = self.archive.record(rel)
        if cached is not None and self._fresh(cached, rel, phase):
            self.archive.clear_failure(url)
            self._done(Outcome(url, phase, "skipped", "in the archive"))
            return self._cached_text(rel, cached, phase)
        headers = {}
        if cached is not None:
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]
        when = self.now()
        try:
            resp = self._get(url, headers, html=True)
            if resp.status == 304:
                if cached is None:
                    raise FetchFailed("HTTP 304 without an archived copy", resp.attempts, 304)
                self.archive.update(rel, {**cached, "checked_at": _iso(when)})
                self.archive.clear_failure(url)
                self._done(Outcome(url, phase, "skipped", "not modified", resp.attempts))
                return self._cached_text(rel, cached, phase)
            decoded = site.decode(resp.body, resp.charset)
            if phase == "release" and (problem := site.check_release(decoded.text)):
                raise FetchFailed(problem, resp.attempts, resp.status)
        except FetchFailed as e:
            self.archive.fail(url, e.reason, _iso(when), e.attempts)
            self._done(Outcome(url, phase, "failed", e.reason, e.attempts))
            return self._cached_text(rel, cached, phase) if cached is not None else None
        record: Record = {
            "url": url,
            "final_url": resp.url,
            "kind": phase,
            "fetched_at": _iso(when),
            "checked_at": _iso(when),
            "status": resp.status,
            "etag": resp.headers.get("etag"),
            "last_modified": resp.headers.get("last-modified"),
            "content_type": resp.headers.get("content-type"),
            # The page is kept as the document served, after any gzip transfer coding.
            "content_encoding": resp.headers.get("content-encoding"),
            "declared_charset": resp.charset,
            "encoding": decoded.encoding,
            "encoding_errors": decoded.errors,
            "sha256": hashlib.sha256(resp.body).hexdigest(),
            "length": len(resp.body),
            "attempts": resp.attempts,
            "user_agent": self.config.user_agent,
        }
        if phase == "release":
            day = site.release_day(url)
            record |= {
                "published": day.isoformat() if day else "",
                "lang": "en",
                "title": site.release_title(decoded.text) or title,
                "index_title": title,
            }
        self.archive.store(rel, resp.body, record)
        self._done(Outcome(url, phase, "fetched", "", resp.attempts))
        return decoded.text

    def _cached_text(self, rel: PurePosixPath, record: Record, phase: Phase) -> str:
        if phase == "release":
            return ""  # only index pages are read back; a big archive is not re-read each run
        body = (self.archive.root / rel).read_bytes()
        return body.decode(record.get("encoding") or "utf-8", record.get("encoding_errors") or "replace")

    def _done(self, outcome: Outcome) -> None:
        self.report.outcomes.append(outcome)
        self.on_event(Event(outcome.phase, outcome.url, outcome.result, outcome.reason))

    # -- a run -----------------------------------------------------------------

    def run(self, urls: Iterable[str] = (), since: date | None = None, until: date | None = None) -> Report:
        """Walk the days from `since` to `until` and fetch the kept releases and given `urls`."""
        base = self.config.base_url.rstrip("/") + "/"
        days: list[date] = []
        if since is not None:
            last = until or self.now().astimezone(HKT).date()
            days = [since + timedelta(n) for n in range((last - since).days + 1)]
        releases: dict[str, str] = {}
        bad: list[str] = []
        for given in urls:
            url = urljoin(base, given.strip())
            index_day = site.index_day(url)
            if site.release_file(url) is not None:
                releases.setdefault(url, "")
            elif index_day is not None:
                days.append(index_day)
            else:
                bad.append(url)
        days = sorted(set(days))
        self.report.days = len(days)
        self.on_event(Event("index", total=len(days)))
        for day in days:
            url = site.index_url(self.config.base_url, day)
            text = self.page(url, site.index_file(day), "index")
            if text is None:
                continue
            listings = site.parse_index(text, url, self.config.base_url)
            self.report.listed += len(listings)
            for listing in listings:
                if self.topics.keep(listing.title, self.config.all_lcq):
                    self.report.kept += 1
                    if not releases.get(listing.url):
                        releases[listing.url] = listing.title
        self.on_event(Event("release", total=len(releases) + len(bad)))
        for url in bad:
            self.archive.fail(url, "not a release address", _iso(self.now()), 0)
            self._done(Outcome(url, "release", "failed", "not a release address"))
        for url, title in releases.items():
            rel = site.release_file(url)
            assert rel is not None
            self.page(url, rel, "release", title)
        return self.report


def run(
    config: FetchConfig,
    urls: Iterable[str] = (),
    since: date | None = None,
    until: date | None = None,
    on_event: Callable[[Event], None] | None = None,
    now: Callable[[], datetime] | None = None,
) -> Report:
    """Fetch into `config.archive`; raises `ArchiveBusy` if another run holds it."""
    with Archive(config.archive) as archive, Fetcher(config, archive, on_event, now) as fetcher:
        return fetcher.run(urls, since, until)
