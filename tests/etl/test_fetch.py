"""`itdash fetch` against a real HTTP server on 127.0.0.1 serving tests/fixtures/site.

The server mirrors the press-release site's layout (daily indexes, releases,
robots.txt) and adds routes that misbehave the ways the real one can: 404,
500-then-200, 503 with Retry-After, slow answers, truncated pages, wrong
charsets, redirects. Rate limits are lifted and back-off shortened to
milliseconds, except in the tests about politeness itself.
"""

from __future__ import annotations

import csv
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from etl import site
from etl.archive import Archive, ArchiveBusy, failed_urls, last_fetched_day
from etl.fetch import FetchConfig, RateLimiter, Report, retry_after, run
from itdash.commands.fetch import fetch as fetch_command

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
GENERAL = "/gia/general/202503"
HKT = timezone(timedelta(hours=8))


def page(day: str, number: str) -> str:
    return f"{GENERAL}/{day}/P202503{day}00{number}.htm"


# Day 26 and 27 are walked through their index pages; day 28 holds the
# misbehaving routes, fetched by address.
R321, R322, R323, R330, R340 = (page("26", n) for n in ("321", "322", "323", "330", "340"))
R200, R210, R220, R230, R240, R250 = (page("27", n) for n in ("200", "210", "220", "230", "240", "250"))
FLAKY, UNAVAILABLE, BROKEN = page("28", "500"), page("28", "503"), page("28", "599")
SLOW, DRIBBLE, CUT_HTML, CUT_BODY = (page("28", n) for n in ("408", "409", "206", "207"))
MOVED, TARGET, OFFSITE = page("28", "301"), page("28", "302"), page("28", "303")
ASCII_HDR, LATIN1_HDR, CP1252, BAD_BYTES = (page("28", n) for n in ("415", "416", "417", "418"))
TOO_LONG, MISSING = page("28", "429"), page("28", "404")


def fixture_bytes(path: str) -> bytes:
    return (SITE / path.lstrip("/")).read_bytes()


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    at: float


@dataclass
class Site:
    """State shared by the handler threads: what was asked, and per-test switches."""

    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    robots: tuple[int, str] | None = None  # (status, text) overriding robots.txt
    inflight: int = 0
    max_inflight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return [h.path for h in self.hits]

    def requested(self, path: str) -> int:
        return self.paths().count(path)

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each small write waits on a delayed ACK
    server: ThreadingHTTPServer  # with a .site attribute

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        state: Site = self.server.site  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        with state.lock:
            state.hits.append(Hit(path, dict(self.headers), time.monotonic()))
            state.counts[path] = n = state.counts.get(path, 0) + 1
            state.inflight += 1
            state.max_inflight = max(state.max_inflight, state.inflight)
        try:
            self.route(state, path, n)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with state.lock:
                state.inflight -= 1

    def send(
        self,
        status: int,
        body: bytes = b"",
        ctype: str = "text/html; charset=utf-8",
        **headers: str,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def static(self, path: str, ctype: str = "text/html; charset=utf-8") -> None:
        file = SITE / path.lstrip("/")
        if not file.is_file():
            self.send(404, b"<html><body>Not found</body></html>")
            return
        body = file.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send(200, body, ctype, ETag=etag, Last_Modified="Fri, 28 Mar 2025 04:00:00 GMT")

    def route(self, state: Site, path: str, n: int) -> None:
        ok = fixture_bytes(FLAKY)
        if path == "/robots.txt" and state.robots is not None:
            status, text = state.robots
            self.send(status, text.encode(), "text/plain")
        elif path == "/robots.txt":
            self.static(path, "text/plain; charset=utf-8")
        elif path in (FLAKY, UNAVAILABLE) and n == 1:
            if path == FLAKY:
                self.send(500, b"<html><body>Internal Server Error</body></html>")
            else:
                self.send(503, b"<html><body>Busy</body></html>", Retry_After="1")
        elif path == BROKEN:
            self.send(500, b"<html><body>Internal Server Error</body></html>")
        elif path == TOO_LONG:
            self.send(429, b"<html>slow down</html>", Retry_After="3600")
        elif path == SLOW:
            time.sleep(1.5)
            self.send(200, ok)
        elif path == DRIBBLE:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(ok)))
            self.end_headers()
            step = len(ok) // 20 + 1
            for i in range(0, len(ok), step):
                self.wfile.write(ok[i : i + step])
                self.wfile.flush()
                time.sleep(0.05)
        elif path == CUT_HTML:
            self.send(200, ok[: len(ok) * 2 // 3])
        elif path == CUT_BODY:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(ok)))
            self.end_headers()
            self.wfile.write(ok[: len(ok) // 2])
            self.close_connection = True
        elif path == MOVED:
            self.send(301, b"", Location=TARGET)
        elif path == OFFSITE:
            self.send(302, b"", Location=f"http://elsewhere.invalid{TARGET}")
        elif path == ASCII_HDR:
            self.send(200, fixture_bytes(ASCII_HDR), "text/html; charset=us-ascii")
        elif path == LATIN1_HDR:
            self.send(200, fixture_bytes(ASCII_HDR), "text/html; charset=ISO-8859-1")
        elif path == CP1252:
            text = fixture_bytes(ASCII_HDR).decode().replace("charset=utf-8", "charset=windows-1252")
            self.send(200, text.encode("cp1252"), "text/html; charset=windows-1252")
        elif path == BAD_BYTES:
            self.send(200, ok.replace(b"235 villages", b"235 \xff\xfe villages"))
        else:
            self.static(path)


@pytest.fixture
def server() -> Iterator[Site]:
    state = Site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.site = state  # type: ignore[attr-defined]
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def fast(server: Site, archive: Path, **overrides: object) -> FetchConfig:
    """A config for tests: no rate limit, millisecond back-off, short timeout."""
    settings: dict[str, object] = dict(
        base_url=server.url,
        archive=archive,
        rate=None,
        timeout=0.5,
        retries=2,
        backoff=0.001,
        max_backoff=0.01,
        max_retry_after=5.0,
    )
    settings.update(overrides)
    return FetchConfig(**settings)  # type: ignore[arg-type]


def manifest(archive: Path) -> list[dict[str, str]]:
    with (archive / "manifest.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def failures(archive: Path) -> dict[str, dict[str, str]]:
    path = archive / "failures.csv"
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        return {row["url"]: row for row in csv.DictReader(f)}


def provenance(archive: Path, path: str) -> dict[str, object]:
    rel = site.release_file(path)
    assert rel is not None
    return json.loads((archive / f"{rel}.json").read_text(encoding="utf-8"))


def archived(archive: Path, path: str) -> Path:
    rel = site.release_file(path)
    assert rel is not None
    return archive / rel


def leftovers(archive: Path) -> list[Path]:
    return [p for p in archive.rglob("*") if p.name.startswith(".tmp-")]


def walk(server: Site, archive: Path, **overrides: object) -> Report:
    return run(fast(server, archive, **overrides), since=date(2025, 3, 26), until=date(2025, 3, 27))


# -- walking the daily indexes -----------------------------------------------------


def test_walk_keeps_the_lcq_replies_on_it_and_nothing_else(server: Site, tmp_path: Path) -> None:
    report = walk(server, tmp_path)

    rows = manifest(tmp_path)
    assert [r["file"] for r in rows] == [
        "202503/26/P2025032600321.htm",
        "202503/26/P2025032600340.htm",
        "202503/27/P2025032700200.htm",
        "202503/27/P2025032700220.htm",
    ]
    assert list(rows[0])[:4] == ["file", "url", "published", "lang"]
    first = rows[0]
    assert first["url"] == server.url + R321
    assert first["published"] == "2025-03-26" and first["lang"] == "en"
    assert first["title"] == "LCQ5: Support for technology start-ups"
    assert rows[3]["title"] == "LCQ 14: R&D centres under InnoHK"  # older page, no ids
    # Non-I&T LCQ replies and other releases are never requested.
    for path in (R322, R323, R330, R240):
        assert server.requested(path) == 0
    assert (report.days, report.listed, report.kept) == (2, 11, 7)
    assert report.count("fetched", "index") == 2 and report.count("fetched", "release") == 4


def test_archive_holds_exact_bytes_with_provenance(server: Site, tmp_path: Path) -> None:
    walk(server, tmp_path)

    for path in (R321, R340, R200, R220):
        body = archived(tmp_path, path).read_bytes()
        assert body == fixture_bytes(path)
        record = provenance(tmp_path, path)
        assert record["url"] == server.url + path
        assert record["status"] == 200
        assert record["sha256"] == hashlib.sha256(body).hexdigest()
        assert record["etag"] and record["last_modified"] == "Fri, 28 Mar 2025 04:00:00 GMT"
        assert record["encoding"] == "utf-8"
        fetched = datetime.fromisoformat(str(record["fetched_at"]))
        assert abs(datetime.now(UTC) - fetched) < timedelta(minutes=5)
    index = tmp_path / "index" / "202503" / "26.htm"
    assert index.read_bytes() == fixture_bytes(f"{GENERAL}/26.htm")
    assert json.loads(index.with_name("26.htm.json").read_text())["kind"] == "index"
    assert (tmp_path / ".gitignore").read_text().splitlines()[-1] == "*"
    assert leftovers(tmp_path) == []


def test_failures_are_recorded_with_reasons_and_never_stop_the_rest(server: Site, tmp_path: Path) -> None:
    report = walk(server, tmp_path)

    failed = failures(tmp_path)
    assert set(failed) == {server.url + p for p in (R210, R230, R250)}
    assert failed[server.url + R210]["reason"].startswith("not a release")
    assert failed[server.url + R230]["reason"] == "HTTP 404"
    assert failed[server.url + R230]["attempts"] == "1"  # a 404 is not retried
    assert failed[server.url + R250]["reason"] == "disallowed by robots.txt"
    assert server.requested(R250) == 0  # robots.txt is obeyed before asking
    assert {o.url for o in report.failures} == set(failed)
    for path in (R210, R230, R250):
        assert not archived(tmp_path, path).exists()
    assert not any(r["url"] in failed for r in manifest(tmp_path))
    assert failed_urls(tmp_path) == sorted(failed)


def test_second_run_fetches_nothing_new(server: Site, tmp_path: Path) -> None:
    walk(server, tmp_path)
    before = manifest(tmp_path)
    server.reset()

    report = walk(server, tmp_path)

    retried = {server.url + p for p in (R210, R230)}  # failures are tried again
    assert set(server.paths()) <= {"/robots.txt", R210, R230}
    assert {o.url for o in report.outcomes if o.result == "fetched"} == set()
    assert report.count("skipped") == 2 + 4
    assert {o.url for o in report.failures} == retried | {server.url + R250}
    assert manifest(tmp_path) == before


def test_all_lcq_keeps_every_lcq_reply(server: Site, tmp_path: Path) -> None:
    walk(server, tmp_path, all_lcq=True)

    files = {r["file"].rsplit("/", 1)[1][:-4] for r in manifest(tmp_path)}
    assert {"P2025032600322", "P2025032600323"} <= files
    assert server.requested(R330) == 0 and server.requested(R240) == 0


def test_last_fetched_day_is_the_latest_index_in_the_archive(server: Site, tmp_path: Path) -> None:
    assert last_fetched_day(tmp_path) is None
    walk(server, tmp_path)
    assert last_fetched_day(tmp_path) == date(2025, 3, 27)


def test_index_of_an_unfinished_day_is_read_again(server: Site, tmp_path: Path) -> None:
    config = fast(server, tmp_path)
    day = date(2025, 3, 26)
    morning = datetime(2025, 3, 26, 10, 0, tzinfo=HKT)
    run(config, since=day, until=day, now=lambda: morning)
    server.reset()

    run(config, since=day, until=day, now=lambda: morning + timedelta(days=1))
    asked = [h for h in server.hits if h.path == f"{GENERAL}/26.htm"]
    assert len(asked) == 1 and asked[0].headers.get("If-None-Match")  # conditional
    server.reset()

    run(config, since=day, until=day, now=lambda: morning + timedelta(days=2))
    assert server.hits == []  # the day is over and its index was read after it


# -- addresses given on the command line --------------------------------------------


def test_server_errors_are_retried_with_back_off(server: Site, tmp_path: Path) -> None:
    report = run(fast(server, tmp_path), [server.url + FLAKY, server.url + BROKEN])

    assert archived(tmp_path, FLAKY).read_bytes() == fixture_bytes(FLAKY)
    assert provenance(tmp_path, FLAKY)["attempts"] == 2
    assert server.requested(BROKEN) == 3  # the first try and 2 retries
    row = failures(tmp_path)[server.url + BROKEN]
    assert (row["reason"], row["attempts"]) == ("HTTP 500", "3")
    assert [o.result for o in report.outcomes] == ["fetched", "failed"]


def test_retry_after_is_honoured(server: Site, tmp_path: Path) -> None:
    started = time.monotonic()
    run(fast(server, tmp_path), [server.url + UNAVAILABLE])
    assert time.monotonic() - started >= 1.0  # the 503 said Retry-After: 1
    assert archived(tmp_path, UNAVAILABLE).read_bytes() == fixture_bytes(UNAVAILABLE)

    run(fast(server, tmp_path), [server.url + TOO_LONG])
    assert server.requested(TOO_LONG) == 1  # 3600 s is past max_retry_after: give up
    assert "Retry-After" in failures(tmp_path)[server.url + TOO_LONG]["reason"]


def test_slow_pages_time_out_and_leave_nothing_behind(server: Site, tmp_path: Path) -> None:
    urls = [server.url + p for p in (SLOW, DRIBBLE, R321)]
    run(fast(server, tmp_path, retries=1, timeout=0.25), urls)

    failed = failures(tmp_path)
    assert failed[server.url + SLOW]["reason"] == "timed out: no whole answer within 0.25 s"
    # Each piece arrives well within the timeout, but the whole page does not.
    assert failed[server.url + DRIBBLE]["reason"] == "timed out: no whole answer within 0.25 s"
    assert failed[server.url + DRIBBLE]["attempts"] == "2"
    assert archived(tmp_path, R321).exists()
    assert not archived(tmp_path, SLOW).exists() and not archived(tmp_path, DRIBBLE).exists()
    assert leftovers(tmp_path) == []


def test_truncated_pages_are_failures_after_retries(server: Site, tmp_path: Path) -> None:
    run(fast(server, tmp_path), [server.url + CUT_HTML, server.url + CUT_BODY])

    failed = failures(tmp_path)
    for path in (CUT_HTML, CUT_BODY):
        assert failed[server.url + path]["reason"] == "truncated"
        assert failed[server.url + path]["attempts"] == "3"
        assert not archived(tmp_path, path).exists()
    assert manifest(tmp_path) == []
    assert leftovers(tmp_path) == []


def test_redirects_are_followed_on_the_site_only(server: Site, tmp_path: Path) -> None:
    run(fast(server, tmp_path), [server.url + MOVED, server.url + OFFSITE])

    assert archived(tmp_path, MOVED).read_bytes() == fixture_bytes(TARGET)
    record = provenance(tmp_path, MOVED)
    assert (record["url"], record["final_url"]) == (server.url + MOVED, server.url + TARGET)
    reason = failures(tmp_path)[server.url + OFFSITE]["reason"]
    assert reason.startswith("redirected off-site to http://elsewhere.invalid")


@pytest.mark.parametrize(
    ("path", "encoding", "errors"),
    [
        (ASCII_HDR, "utf-8", "strict"),  # declared charset fails: the <meta> one is used
        (LATIN1_HDR, "utf-8", "strict"),  # latin-1 never fails, but <meta> and bytes say UTF-8
        (CP1252, "cp1252", "strict"),  # a right declaration is honoured
        (BAD_BYTES, "utf-8", "replace"),  # nothing decodes: UTF-8 with replacement
    ],
)
def test_encoding_is_chosen_and_recorded_but_bytes_kept(
    server: Site, tmp_path: Path, path: str, encoding: str, errors: str
) -> None:
    run(fast(server, tmp_path), [server.url + path])

    record = provenance(tmp_path, path)
    assert (record["encoding"], record["encoding_errors"]) == (encoding, errors)
    body = archived(tmp_path, path).read_bytes()
    assert hashlib.sha256(body).hexdigest() == record["sha256"]
    text = body.decode(encoding, errors)
    if path != BAD_BYTES:
        assert "Government’s “digital skills for all”" in text
        assert "2024–25" in text


def test_given_addresses_that_are_not_releases(server: Site, tmp_path: Path) -> None:
    report = run(
        fast(server, tmp_path),
        [server.url + MISSING, "https://example.org/news/today.htm", f"{GENERAL}/26.htm"],
    )

    failed = failures(tmp_path)
    assert failed[server.url + MISSING]["reason"] == "HTTP 404"
    assert failed["https://example.org/news/today.htm"]["reason"] == "not a release address"
    # A daily index address (here as a site path) is walked.
    assert report.days == 1 and archived(tmp_path, R321).exists()


def test_a_failure_is_cleared_once_the_page_is_fetched(server: Site, tmp_path: Path) -> None:
    config = fast(server, tmp_path, retries=0)
    run(config, [server.url + FLAKY])
    assert failures(tmp_path)[server.url + FLAKY]["reason"] == "HTTP 500"

    run(config, [server.url + FLAKY])  # the server answers 200 from now on
    assert failures(tmp_path) == {}
    assert [r["url"] for r in manifest(tmp_path)] == [server.url + FLAKY]


def test_refresh_asks_again_conditionally(server: Site, tmp_path: Path) -> None:
    run(fast(server, tmp_path), [server.url + R321])
    page_file = archived(tmp_path, R321)
    first = provenance(tmp_path, R321)
    server.reset()

    report = run(fast(server, tmp_path, refresh=True), [server.url + R321])

    [hit] = [h for h in server.hits if h.path == R321]
    assert hit.headers.get("If-None-Match") == first["etag"]
    assert hit.headers.get("If-Modified-Since") == first["last_modified"]
    assert report.outcomes[0].result == "skipped" and report.outcomes[0].reason == "not modified"
    assert page_file.read_bytes() == fixture_bytes(R321)
    again = provenance(tmp_path, R321)
    assert again["fetched_at"] == first["fetched_at"] and again["checked_at"] >= first["checked_at"]


def test_killed_run_leftovers_are_cleaned_and_manifest_rebuilt(server: Site, tmp_path: Path) -> None:
    run(fast(server, tmp_path), [server.url + R321, server.url + R200])
    rows = manifest(tmp_path)
    (tmp_path / "manifest.csv").unlink()  # as if killed between a page and the manifest
    stray = tmp_path / "202503" / "26" / ".tmp-abc123"
    stray.write_bytes(b"<html><body>half a pa")
    server.reset()

    run(fast(server, tmp_path), [server.url + R321, server.url + R200])

    assert manifest(tmp_path) == rows
    assert not stray.exists()
    assert [p for p in server.paths() if p != "/robots.txt"] == []


def test_one_run_at_a_time_per_archive(server: Site, tmp_path: Path) -> None:
    with Archive(tmp_path), pytest.raises(ArchiveBusy):
        run(fast(server, tmp_path), [server.url + R321])


# -- politeness ------------------------------------------------------------------------


def test_default_politeness(server: Site, tmp_path: Path) -> None:
    default = FetchConfig()
    assert default.rate == 1.0 and default.retries >= 1 and default.backoff >= 1.0
    assert "itdash" in default.user_agent

    started = time.monotonic()
    run(fast(server, tmp_path, rate=2.0), [server.url + R321, server.url + R200])
    elapsed = time.monotonic() - started

    assert server.paths() == ["/robots.txt", R321, R200]  # 3 requests at 2 per second
    assert elapsed >= 1.0
    assert server.max_inflight == 1
    assert all("itdash" in h.headers.get("User-Agent", "") for h in server.hits)


def test_robots_crawl_delay_slows_the_rate(server: Site, tmp_path: Path) -> None:
    server.robots = (200, "User-agent: *\nCrawl-delay: 1\n")
    started = time.monotonic()
    run(fast(server, tmp_path), [server.url + R321, server.url + R200])
    assert time.monotonic() - started >= 1.0
    assert archived(tmp_path, R200).exists()


@pytest.mark.parametrize(
    ("robots", "allowed"), [((404, "gone"), True), ((403, "no"), False), ((503, "down"), False)]
)
def test_robots_txt_that_cannot_be_read(
    server: Site, tmp_path: Path, robots: tuple[int, str], allowed: bool
) -> None:
    server.robots = robots
    run(fast(server, tmp_path, retries=0), [server.url + R321])
    assert archived(tmp_path, R321).exists() is allowed
    assert (server.requested(R321) == 1) is allowed
    if not allowed:
        assert failures(tmp_path)[server.url + R321]["reason"].startswith("disallowed by robots")


def test_rate_limiter_spaces_requests_and_holds() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
    limiter.wait()
    limiter.wait()
    limiter.hold(3.0)
    limiter.wait()
    assert slept == [0.5, 3.0]


def test_retry_after_header_forms() -> None:
    now = datetime(2025, 3, 26, 4, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120.0
    assert retry_after("Wed, 26 Mar 2025 04:00:30 GMT", now) == 30.0
    assert retry_after("Wed, 26 Mar 2025 03:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None and retry_after(None, now) is None


# -- page recognition (pure) ---------------------------------------------------------


def test_index_links_are_resolved_rebased_and_deduplicated() -> None:
    html = fixture_bytes(f"{GENERAL}/26.htm").decode()
    links = site.parse_index(html, f"http://mirror:8/{GENERAL}/26.htm", "http://mirror:8")
    assert [link.url.rsplit("/", 1)[1] for link in links] == [
        "P2025032600321.htm",
        "P2025032600322.htm",
        "P2025032600323.htm",
        "P2025032600330.htm",
        "P2025032600340.htm",
    ]
    assert all(link.url.startswith("http://mirror:8/gia/general/") for link in links)
    assert links[0].title == "LCQ5: Support for technology start-ups"


@pytest.mark.parametrize(
    ("title", "kept"),
    [
        ("LCQ5: Support for technology start-ups", True),
        ("LCQ 14: R&D centres under InnoHK", True),
        ("LCQ3: AI in public hospitals", True),
        ("LCQ9: Biotechnology industry", True),
        ("LCQ2: Cyberport and Science Park", True),
        ("LCQ8: Legal aid services for the elderly", False),  # "aid" is not "AI"
        ("LCQ6: Maintenance of public swimming pools", False),
        ("Speech by SITI at technology forum", False),  # not an LCQ reply
        ("LCQ: Digital government (older title)", True),
    ],
)
def test_topic_terms(title: str, kept: bool) -> None:
    assert site.load_topics().keep(title) is kept


def test_topics_file_is_valid() -> None:
    topics = site.load_topics()
    assert topics.terms is not None and topics.exact is not None
    assert topics.is_lcq("LCQ22 : Smart city") and not topics.is_lcq("Speech: LCQ")


def test_pages_that_are_not_releases() -> None:
    assert site.is_release(fixture_bytes(R321).decode())
    assert site.is_release(fixture_bytes(R220).decode())  # older page: title starts "LCQ"
    reason = site.check_release(fixture_bytes(R210).decode())
    assert reason is not None and "#PRHeadlineSpan" in reason
    assert site.is_truncated(fixture_bytes(R321)[:-20]) and not site.is_truncated(fixture_bytes(R321))


def test_release_addresses() -> None:
    assert str(site.release_file(f"http://x{R321}")) == "202503/26/P2025032600321.htm"
    assert site.release_day(f"http://x{R321}") == date(2025, 3, 26)
    assert site.release_file("http://x/gia/general/202502/30/P2025023000001.htm") is None
    assert site.release_file(f"http://x{GENERAL}/26.htm") is None
    assert site.index_day(f"http://x{GENERAL}/26.htm") == date(2025, 3, 26)


@given(
    st.binary(max_size=300),
    st.sampled_from([None, "utf-8", "latin-1", "ascii", "big5", "utf-16", "base64", "x"]),
)
def test_decoding_is_reproducible_from_the_provenance(body: bytes, declared: str | None) -> None:
    decoded = site.decode(body, declared)
    assert body.decode(decoded.encoding, decoded.errors) == decoded.text


# -- the command ----------------------------------------------------------------------


def cli() -> Callable[..., object]:
    app = typer.Typer()
    app.command()(fetch_command)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_command_fetches_and_prints_a_summary(server: Site, tmp_path: Path) -> None:
    invoke = cli()
    result = invoke(
        "--since",
        "2025-03-26",
        "--until",
        "2025-03-27",
        "--base-url",
        server.url,
        "--archive",
        tmp_path,
        "--rate",
        "1000",
        "--retries",
        "0",
    )
    assert result.exit_code == 1  # some pages failed
    assert "6 fetched, 0 skipped (already in the archive), 3 failed." in result.stdout
    assert "2 daily index page(s): 11 releases listed, 7 LCQ replies kept." in result.stdout
    assert f"{server.url}{R230}: HTTP 404" in result.stdout
    assert len(manifest(tmp_path)) == 4

    again = invoke("--base-url", server.url, "--archive", tmp_path, "--rate", "1000", server.url + R321)
    assert again.exit_code == 0 and "0 fetched, 1 skipped" in again.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2025-03-28", "--until", "2025-03-27"], "is after --until"),
        (["--since", "26/03/2025"], "is not a date"),
        ([], "give release addresses"),
        (["--since", "2025-03-26", "--rate", "0"], "--rate must be more than 0"),
        (["--since", "2999-01-01"], "is after today"),
    ],
)
def test_command_rejects_bad_arguments_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = cli()(*args, "--archive", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_command_reports_a_busy_archive_in_one_line(server: Site, tmp_path: Path) -> None:
    with Archive(tmp_path):
        result = cli()("--base-url", server.url, "--archive", tmp_path, server.url + R321)
    assert result.exit_code == 1
    assert result.stderr == f"error: another itdash fetch is using {tmp_path}\n"
    assert server.hits == []


def test_cache_is_a_hidden_deprecated_name_for_archive(server: Site, tmp_path: Path) -> None:
    invoke = cli()
    result = invoke("--base-url", server.url, "--cache", tmp_path, "--rate", "1000", server.url + R321)
    assert result.exit_code == 0, result.output
    assert result.stderr == "note: --cache is deprecated; use --archive\n"
    assert archived(tmp_path, R321).exists()
    help_text = invoke("--help").stdout
    assert "--archive" in help_text and "--cache" not in help_text
    clash = invoke("--archive", tmp_path / "a", "--cache", tmp_path / "b", server.url + R321)
    assert clash.exit_code == 2 and "disagree" in clash.stderr


def test_archive_folder_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from etl import settings

    for name in ("ITDASH_ARCHIVE", "ITDASH_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(settings, "DEFAULT_ARCHIVE", tmp_path / "archive")
    monkeypatch.setattr(settings, "LEGACY_ARCHIVE", tmp_path / "cache")
    assert settings.archive_dir() == tmp_path / "archive"
    (tmp_path / "cache").mkdir()  # an archive fetched before the rename is still found
    assert settings.archive_dir() == tmp_path / "cache"
    (tmp_path / "archive").mkdir()
    assert settings.archive_dir() == tmp_path / "archive"
    monkeypatch.setenv("ITDASH_CACHE", str(tmp_path / "old"))
    assert settings.archive_dir() == tmp_path / "old"
    monkeypatch.setenv("ITDASH_ARCHIVE", str(tmp_path / "new"))
    assert settings.archive_dir() == FetchConfig().archive == tmp_path / "new"
