"""`itdash fetch` against a hostile press-release server on 127.0.0.1.

Every route sits at a release address and attacks the fetcher one way: bodies
of a gigabyte (generated as they are sent, never held), gzip and deflate bombs,
headers and bodies dribbled a byte at a time, a Retry-After of a day, redirect
loops, PDFs and images where a release should be. Each must end with one clear
reason in failures.csv, nothing partial in the archive, and the next page
fetched. Caps are small (1 MB, half a second) so the module stays quick; peak
memory is measured on the real command in a child process (`os.wait4`), which
runs under an address-space limit so a regression fails instead of exhausting
the machine. `bench/fetch_bench.py --hostile` runs the same server at full size.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from etl import settings, site
from etl.body import Body, TooLarge, Truncated, Undecodable
from etl.fetch import FetchConfig, Report, run
from itdash.commands.fetch import fetch as fetch_command

ROOT = Path(__file__).resolve().parents[2]
RELEASE = (ROOT / "tests/fixtures/site/gia/general/202503/26/P2025032600321.htm").read_bytes()
DAY = "/gia/general/202503/29"
MB = 1_000_000
GB = 1_000 * MB


def address(number: int) -> str:
    return f"{DAY}/P20250329{number:05d}.htm"


GOOD, GOOD_GZIP, GOOD_DEFLATE = address(1), address(2), address(3)
HUGE, DECLARED, BOMB, DEFLATE_BOMB, CUT_GZIP = (address(n) for n in (100, 101, 102, 103, 104))
SLOW_HEADERS, SLOW_BODY = address(110), address(111)
RETRY_TOMORROW = address(120)
LOOP_A, LOOP_B, ENDLESS = address(130), address(131), address(132)
PDF, PNG, PDF_AS_HTML, UNTYPED_PNG = (address(n) for n in (140, 141, 142, 143))
BROTLI = address(150)

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(200)
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + b"0" * 500 + b"\n%%EOF\n"


def padded(size: int, chunk: int = MB) -> Iterator[bytes]:
    """A release of about `size` bytes: the fixture page with blank space before </body>.

    It ends in </html> and reads as a release, so a fetcher without a cap would
    keep it; it is generated piece by piece, so the server never holds it.
    """
    head, tail = RELEASE.rsplit(b"</body>", 1)
    yield head
    left = max(0, size - len(RELEASE))
    blank = b" " * chunk
    while left > 0:
        yield blank[: min(chunk, left)]
        left -= chunk
    yield b"</body>" + tail


def compressed(pieces: Iterator[bytes], wbits: int) -> Iterator[bytes]:
    """Compress as it goes (flushing each piece), so a bomb costs the server nothing to hold."""
    z = zlib.compressobj(9, zlib.DEFLATED, wbits)
    for piece in pieces:
        out = z.compress(piece) + z.flush(zlib.Z_SYNC_FLUSH)
        if out:
            yield out
    yield z.flush()


@dataclass
class Hostile:
    """State shared by the handler threads: sizes and pacing per test, and what was sent."""

    url: str = ""
    huge: int = GB
    drip: float = 0.05  # seconds between dribbled pieces
    sent: dict[str, int] = field(default_factory=dict)  # body bytes written per path
    hits: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        state: Hostile = self.server.state  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        with state.lock:
            state.hits[path] = state.hits.get(path, 0) + 1
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the fetcher hung up
            self.route(state, path)

    def head(self, status: int, ctype: str | None = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()

    def whole(self, body: bytes, ctype: str | None = "text/html; charset=utf-8", **headers: str) -> None:
        self.head(200, ctype, Content_Length=str(len(body)), **headers)
        self.wfile.write(body)

    def stream(self, state: Hostile, path: str, pieces: Iterator[bytes], pause: float = 0.0) -> None:
        for piece in pieces:
            self.wfile.write(piece)
            self.wfile.flush()
            with state.lock:
                state.sent[path] = state.sent.get(path, 0) + len(piece)
            if pause:
                time.sleep(pause)

    def route(self, state: Hostile, path: str) -> None:
        if path == "/robots.txt":
            self.whole(b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == GOOD:
            self.whole(RELEASE)
        elif path == GOOD_GZIP:
            self.whole(gzip.compress(RELEASE), Content_Encoding="gzip")
        elif path == GOOD_DEFLATE:
            self.whole(zlib.compress(RELEASE), Content_Encoding="deflate")
        elif path == HUGE:  # no length: the body ends when the connection does
            self.head(200, Connection="close")
            self.close_connection = True
            self.stream(state, path, padded(state.huge))
        elif path == DECLARED:
            self.head(200, Content_Length=str(state.huge))
            self.stream(state, path, padded(state.huge))
        elif path in (BOMB, DEFLATE_BOMB):
            gz = path == BOMB
            self.head(200, Content_Encoding="gzip" if gz else "deflate", Connection="close")
            self.close_connection = True
            self.stream(state, path, compressed(padded(state.huge), 31 if gz else 15))
        elif path == CUT_GZIP:
            body = gzip.compress(RELEASE)
            self.whole(body[: len(body) // 2], Content_Encoding="gzip")
        elif path == SLOW_HEADERS:  # a byte at a time, each well within any per-read timeout
            head = (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"X-Padding: the status line and headers arrive one byte at a time\r\n"
                + f"Content-Length: {len(RELEASE)}\r\n\r\n".encode()
            )
            self.stream(state, path, (head[i : i + 1] for i in range(len(head))), state.drip)
            self.wfile.write(RELEASE)
        elif path == SLOW_BODY:
            self.head(200, Content_Length=str(len(RELEASE)))
            step = len(RELEASE) // 100 + 1
            pieces = (RELEASE[i : i + step] for i in range(0, len(RELEASE), step))
            self.stream(state, path, pieces, state.drip)
        elif path == RETRY_TOMORROW:
            body = b"<html><body>Too many requests</body></html>"
            self.head(429, Retry_After="99999", Content_Length=str(len(body)))
            self.wfile.write(body)
        elif path in (LOOP_A, LOOP_B):
            self.head(302, Location=LOOP_B if path == LOOP_A else LOOP_A, Content_Length="0")
        elif path == ENDLESS:  # a new address every time, so no address repeats
            n = int(self.path.partition("?n=")[2] or 0)
            self.head(302, Location=f"{ENDLESS}?n={n + 1}", Content_Length="0")
        elif path == PDF:
            self.whole(PDF_BYTES, "application/pdf")
        elif path == PNG:
            self.whole(PNG_BYTES, "image/png")
        elif path == PDF_AS_HTML:
            self.whole(PDF_BYTES)
        elif path == UNTYPED_PNG:
            self.whole(PNG_BYTES, None)
        elif path == BROTLI:
            self.whole(b"\x1b\x00\x00\x00", Content_Encoding="br")
        else:
            self.whole(b"<html><body>Not found</body></html>")


@contextmanager
def hostile_site() -> Iterator[Hostile]:
    """Serve the hostile routes on a free port of 127.0.0.1 (also used by bench/fetch_bench.py)."""
    state = Hostile()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), HostileHandler)
    httpd.daemon_threads = True
    httpd.state = state  # type: ignore[attr-defined]
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    with hostile_site() as state:
        yield state


def config(state: Hostile, archive: Path, **overrides: object) -> FetchConfig:
    """Small caps for quick tests: 1 MB pages, 2-second exchanges, no retries, no rate limit.

    Two seconds, not less: a good page must come back in time on a busy 2-core CI machine.
    English only: the hostile site has no Chinese pages (test_fetch.py tests those)."""
    values: dict[str, object] = dict(
        twins=False,
        base_url=state.url,
        archive=archive,
        rate=None,
        timeout=2.0,
        retries=0,
        backoff=0.001,
        max_backoff=0.01,
        max_retry_after=0.3,
        max_page_bytes=MB,
    )
    values.update(overrides)
    return FetchConfig(**values)  # type: ignore[arg-type]


def failures(archive: Path) -> dict[str, dict[str, str]]:
    path = archive / "failures.csv"
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        return {row["url"]: row for row in csv.DictReader(f)}


def stored(archive: Path) -> set[str]:
    """Release addresses whose page is in the archive, from the manifest."""
    with (archive / "manifest.csv").open(newline="", encoding="utf-8") as f:
        return {row["url"] for row in csv.DictReader(f)}


def page_file(archive: Path, path: str) -> Path:
    rel = site.release_file(path)
    assert rel is not None
    return archive / rel


def nothing_partial(archive: Path, *paths: str) -> None:
    """No page, provenance or temporary file of a failed page anywhere in the archive."""
    for path in paths:
        assert not page_file(archive, path).exists(), path
        assert not page_file(archive, path).with_suffix(".htm.json").exists(), path
    assert [p for p in archive.rglob("*") if p.name.startswith(".tmp-")] == []


def fetch_then_good(state: Hostile, archive: Path, path: str, **overrides: object) -> tuple[Report, float]:
    """Fetch a hostile page, then a good one; the good one must be fetched."""
    started = time.monotonic()
    report = run(config(state, archive, **overrides), [state.url + path, state.url + GOOD])
    elapsed = time.monotonic() - started
    assert [o.result for o in report.outcomes] == ["failed", "fetched"], report.outcomes
    assert page_file(archive, GOOD).read_bytes() == RELEASE
    nothing_partial(archive, path)
    return report, elapsed


def reason(archive: Path, state: Hostile, path: str) -> str:
    return failures(archive)[state.url + path]["reason"]


# -- size ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [HUGE, BOMB, DEFLATE_BOMB])
def test_a_page_over_the_cap_is_cut_off_while_streaming(hostile: Hostile, tmp_path: Path, path: str) -> None:
    report, elapsed = fetch_then_good(hostile, tmp_path, path)

    why = reason(tmp_path, hostile, path)
    if path == HUGE:
        assert why == "too large: more than 1 MB"
    else:
        assert why == f"too large: more than 1 MB once decompressed ({'gzip' if path == BOMB else 'deflate'})"
    assert report.outcomes[0].attempts == 1  # a page does not shrink on a retry
    assert hostile.sent[path] < 50 * MB  # of a 1 GB page: the fetcher hung up early
    assert elapsed < 10


def test_a_declared_length_over_the_cap_is_refused_unread(hostile: Hostile, tmp_path: Path) -> None:
    fetch_then_good(hostile, tmp_path, DECLARED)
    assert reason(tmp_path, hostile, DECLARED) == (
        "too large: Content-Length 1000000000 bytes is over the 1 MB cap"
    )


def test_a_page_under_the_cap_is_kept_decompressed(hostile: Hostile, tmp_path: Path) -> None:
    run(config(hostile, tmp_path), [hostile.url + p for p in (GOOD_GZIP, GOOD_DEFLATE)])
    for path in (GOOD_GZIP, GOOD_DEFLATE):
        assert page_file(tmp_path, path).read_bytes() == RELEASE
    record = json.loads(page_file(tmp_path, GOOD_GZIP).with_suffix(".htm.json").read_text())
    assert record["content_encoding"] == "gzip" and record["length"] == len(RELEASE)


def test_the_cap_is_exact(hostile: Hostile, tmp_path: Path) -> None:
    fits = run(config(hostile, tmp_path, max_page_bytes=len(RELEASE)), [hostile.url + GOOD_GZIP])
    assert fits.count("fetched") == 1
    over = run(config(hostile, tmp_path / "b", max_page_bytes=len(RELEASE) - 1), [hostile.url + GOOD_GZIP])
    assert over.failures[0].reason.startswith("too large: more than")


def run_command(args: list[str], limit: int = 2 * GB) -> tuple[str, float, float, int]:
    """Run `itdash ARGS` in a child process under an address-space limit.

    Returns its output, wall time, peak resident memory (MB, from `os.wait4`)
    and exit status.
    """
    # The peak is the child's own high-water mark (VmHWM of its memory after exec), written at exit:
    # ru_maxrss from wait4 also counts the forked copy of this (large) test process before exec.
    code = (
        "import atexit, resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
        "def _peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            print('PEAK_KB', line.split()[1], flush=True)\n"
        "atexit.register(_peak)\n"
        "from itdash.cli import main\n"
        f"sys.argv = ['itdash', *{args!r}]\n"
        "main()\n"
    )
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert child.stdout is not None
    with child.stdout:
        output = child.stdout.read().decode("utf-8", "replace")
    _, status, _usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    peaks = [int(line.split()[1]) for line in output.splitlines() if line.startswith("PEAK_KB ")]
    assert peaks, f"the child wrote no peak: {output}"
    return output, time.monotonic() - started, peaks[-1] / 1024, child.returncode


@pytest.mark.parametrize("path", [HUGE, BOMB])
def test_peak_memory_of_the_command_stays_small(hostile: Hostile, tmp_path: Path, path: str) -> None:
    """The issue's cases: a 1 GB body took 16.9 GB, a gzip bomb 21 GB; both now stop at the cap."""
    output, seconds, peak_mb, status = run_command(
        [
            "fetch",
            hostile.url + path,
            hostile.url + GOOD,
            "--base-url",
            hostile.url,
            "--archive",
            str(tmp_path),
        ]
        + ["--max-page-mb", "1", "--rate", "1000", "--retries", "0", "--timeout", "30", "--no-chinese"]
    )
    assert status == 1, output  # one page failed
    assert "1 fetched, 0 skipped (already in the archive), 1 failed." in output, output
    assert f"{hostile.url}{path}: too large: more than 1 MB" in output
    assert "Traceback" not in output
    assert peak_mb < 300, f"peak memory {peak_mb:.0f} MB"
    assert seconds < 20
    nothing_partial(tmp_path, path)


# -- time ------------------------------------------------------------------------------


def test_slow_headers_are_bounded_by_the_timeout(hostile: Hostile, tmp_path: Path) -> None:
    # About 150 header bytes at 0.05 s each: 7 s of dribble, each byte in time for any per-read timeout.
    _, elapsed = fetch_then_good(hostile, tmp_path, SLOW_HEADERS, timeout=1.0)
    assert reason(tmp_path, hostile, SLOW_HEADERS) == "timed out: no whole answer within 1 s"
    assert elapsed < 5.0  # the dribble lasts 7 s


def test_slow_bodies_are_bounded_by_the_timeout(hostile: Hostile, tmp_path: Path) -> None:
    _, elapsed = fetch_then_good(hostile, tmp_path, SLOW_BODY, timeout=1.0, retries=1)
    row = failures(tmp_path)[hostile.url + SLOW_BODY]
    assert (row["reason"], row["attempts"]) == ("timed out: no whole answer within 1 s", "2")
    assert elapsed < 4.5  # two attempts of a second each, not 100 pieces at 0.05 s each (5 s)


def test_a_long_retry_after_is_honoured_only_up_to_the_cap(hostile: Hostile, tmp_path: Path) -> None:
    report, elapsed = fetch_then_good(hostile, tmp_path, RETRY_TOMORROW, max_retry_after=0.3, retries=3)
    assert reason(tmp_path, hostile, RETRY_TOMORROW) == (
        "HTTP 429: Retry-After 99999 s is past the 0.3 s cap; tried again on the next run"
    )
    assert hostile.hits[RETRY_TOMORROW] == 1  # not asked again in this run
    assert 0.3 <= elapsed < 2.0  # the next page waited the cap, not a day (nor 600 s)


# -- what is not a page ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "why"),
    [
        (LOOP_A, f"redirect loop: {LOOP_A} -> {LOOP_B} -> {LOOP_A}"),
        (ENDLESS, "too many redirects (more than 5)"),
        (PDF, "not a web page: served as 'application/pdf'"),
        (PNG, "not a web page: served as 'image/png'"),
        (PDF_AS_HTML, "not a web page: the body is a PDF"),
        (UNTYPED_PNG, "not a web page: the body is a PNG image"),
        (CUT_GZIP, "truncated"),
        (BROTLI, "unsupported Content-Encoding 'br'"),
    ],
)
def test_what_is_not_a_whole_page_fails_with_its_reason(
    hostile: Hostile, tmp_path: Path, path: str, why: str
) -> None:
    fetch_then_good(hostile, tmp_path, path)
    assert reason(tmp_path, hostile, path) == why


def test_the_command_reports_each_hostile_page_once_and_goes_on(hostile: Hostile, tmp_path: Path) -> None:
    bad = [HUGE, DECLARED, BOMB, CUT_GZIP, SLOW_HEADERS, SLOW_BODY, RETRY_TOMORROW, LOOP_A, ENDLESS, PDF]
    app = typer.Typer()
    app.command()(fetch_command)
    options = ["--max-page-mb", "1", "--timeout", "2", "--max-retry-after", "0.2", "--retries", "0"]
    options.append("--no-chinese")
    result = CliRunner().invoke(
        app,
        [*(hostile.url + p for p in [*bad, GOOD]), "--base-url", hostile.url, "--archive", str(tmp_path)]
        + [*options, "--rate", "1000"],
    )

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"1 fetched, 0 skipped (already in the archive), {len(bad)} failed." in result.stdout
    recorded = failures(tmp_path)
    for path in bad:
        url = hostile.url + path
        line = f"  {url}: {recorded[url]['reason']}"
        assert result.stdout.count(f"{url}: ") == 1 and line in result.stdout.splitlines()
    assert stored(tmp_path) == {hostile.url + GOOD}
    nothing_partial(tmp_path, *bad)


def test_caps_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ITDASH_MAX_PAGE_MB", raising=False)
    monkeypatch.delenv("ITDASH_MAX_RETRY_AFTER", raising=False)
    assert FetchConfig().max_page_bytes == 5 * MB and FetchConfig().max_retry_after == 60
    monkeypatch.setenv("ITDASH_MAX_PAGE_MB", "0.5")
    monkeypatch.setenv("ITDASH_MAX_RETRY_AFTER", "10")
    assert FetchConfig().max_page_bytes == MB // 2 and FetchConfig().max_retry_after == 10
    monkeypatch.setenv("ITDASH_MAX_PAGE_MB", "lots")
    with pytest.raises(ValueError, match="ITDASH_MAX_PAGE_MB='lots' is not a number"):
        settings.max_page_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-page-mb", "0"], "--max-page-mb must be a number more than 0"),
        (["--max-page-mb", "inf"], "--max-page-mb must be a number more than 0"),
        (["--max-retry-after", "-1"], "--max-retry-after must be a number of seconds"),
    ],
)
def test_the_command_refuses_bad_caps_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    app = typer.Typer()
    app.command()(fetch_command)
    result = CliRunner().invoke(app, ["http://127.0.0.1:9/x", "--archive", str(tmp_path), *args])
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and message in result.stderr


# -- the bounded body (pure) ---------------------------------------------------------------


def test_body_counts_bytes_as_sent_and_as_decoded() -> None:
    body = Body(1000, "gzip")
    bomb = gzip.compress(b" " * 100_000)
    assert len(bomb) < 1000
    with pytest.raises(TooLarge, match="once decompressed"):
        body.feed(bomb)

    raw = Body(1000)
    raw.feed(b"x" * 1000)
    assert raw.finish() == b"x" * 1000
    with pytest.raises(TooLarge, match="^too large: more than 0.001 MB$"):
        raw.feed(b"x")

    dense = Body(1000, "gzip")  # incompressible: over the cap as sent, before it is inflated
    with pytest.raises(TooLarge, match=r"even compressed \(gzip\)"):
        dense.feed(os.urandom(1001))


def test_body_reads_every_gzip_member_and_notices_a_cut() -> None:
    two = gzip.compress(b"<html>") + gzip.compress(b"</html>")
    body = Body(100, "gzip")
    for i in range(len(two)):  # a byte at a time, as a slow server sends it
        body.feed(two[i : i + 1])
    assert body.finish() == b"<html></html>"

    cut = Body(100, "gzip")
    cut.feed(gzip.compress(b"<html></html>")[:-6])
    with pytest.raises(Truncated):
        cut.finish()


def test_body_takes_raw_deflate_and_refuses_garbage() -> None:
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = Body(100, "deflate")
    body.feed(raw.compress(b"<html></html>") + raw.flush())
    assert body.finish() == b"<html></html>"
    with pytest.raises(Undecodable, match="corrupt gzip"):
        Body(100, "gzip").feed(b"not gzip at all")


def test_the_etl_over_the_archive_loads_what_survived(
    hostile: Hostile, tmp_path: Path, sqlite_url: str
) -> None:
    """The issue's bomb was kept and the ETL then died on it; now it never reaches the archive."""
    from etl import pipeline

    archive = tmp_path / "archive"
    run(config(hostile, archive), [hostile.url + p for p in (BOMB, HUGE, PDF_AS_HTML, GOOD)])
    summary = pipeline.run([archive], sqlite_url, curated_dir=tmp_path / "none")
    assert summary.documents_loaded == 1 and summary.quarantined == 0
