"""How long `itdash fetch` takes for 100 releases, and what a hostile server costs it.

Serves 100 fixture releases on 127.0.0.1 (copies of a fixture page under new
numbers) and fetches them into a temporary archive: once at the default rate of
1 request per second (`--quick`: 10 per second), once with no limit, and once
more into the full archive, which should ask for nothing.

`--hostile` instead runs the real `itdash fetch` command, in a child process
per case, against the hostile server of tests/etl/test_fetch_hostile.py at full
size (a 1 GB body, a gzip bomb of 1 GB, one byte a second, Retry-After 99999)
with the default caps, fetching a good page after each, and prints the time
of the two fetches (in this process), the command's wall time, the peak
resident memory of the child (`os.wait4`) and the reason recorded. Retries
are off, so each time is one exchange.

    python bench/fetch_bench.py [--quick] [--pages N]
    python bench/fetch_bench.py --hostile [--timeout 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.fetch import FetchConfig, run  # noqa: E402

TEMPLATE = ROOT / "tests/fixtures/site/gia/general/202503/26/P2025032600321.htm"


def pages(n: int) -> dict[str, bytes]:
    """`n` distinct releases on 2025-03-26, numbered from P2025032601000."""
    body = TEMPLATE.read_bytes()
    out = {}
    for i in range(n):
        number = f"P20250326{1000 + i:05d}"
        out[f"/gia/general/202503/26/{number}.htm"] = body.replace(b"LCQ5:", f"LCQ{i + 1}:".encode())
    out["/robots.txt"] = b"User-agent: *\nDisallow: /gia/private/\n"
    return out


def serve(site: dict[str, bytes]) -> tuple[ThreadingHTTPServer, list[str]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            body = site.get(self.path)
            self.send_response(200 if body is not None else 404)
            body = body if body is not None else b"<html>not found</html>"
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd, hits


def timed(label: str, config: FetchConfig, urls: list[str], hits: list[str]) -> None:
    hits.clear()
    started = time.perf_counter()
    report = run(config, urls)
    elapsed = time.perf_counter() - started
    fetched, failed = report.count("fetched"), report.count("failed")
    print(
        f"{label:<28} {elapsed:8.2f} s  {fetched / elapsed if fetched else 0:7.1f} pages/s  "
        f"fetched {fetched}, skipped {report.count('skipped')}, failed {failed}, "
        f"requests {len(hits)}"
    )


def hostile(timeout: float) -> None:
    """Each hostile case through the real command, with its time and peak memory."""
    import csv
    import zlib

    from tests.etl import test_fetch_hostile as h

    bomb = sum(len(piece) for piece in h.compressed(h.padded(h.GB), 31))
    cases = [
        ("baseline: a good page (start-up)", h.GOOD_GZIP, {}),
        ("1 GB body, no length", h.HUGE, {}),
        ("1 GB body, Content-Length", h.DECLARED, {}),
        (f"gzip bomb: {bomb / h.MB:.1f} MB -> 1 GB", h.BOMB, {}),
        (f"deflate bomb: -> 1 GB (zlib {zlib.ZLIB_VERSION})", h.DEFLATE_BOMB, {}),
        ("headers at 1 byte/s", h.SLOW_HEADERS, {"drip": 1.0}),
        ("body in 100 pieces, 1/s", h.SLOW_BODY, {"drip": 1.0}),
        ("429 Retry-After: 99999", h.RETRY_TOMORROW, {}),
        ("redirect loop", h.LOOP_A, {}),
        ("endless redirects", h.ENDLESS, {}),
        ("PDF at a release address", h.PDF, {}),
        ("PDF served as text/html", h.PDF_AS_HTML, {}),
    ]
    print(f"hostile server, default caps, --timeout {timeout:g}, --retries 0; then one good page each")
    print("fetch: the two pages fetched in this process; command: `itdash fetch` in a child, with start-up")
    print(f"{'case':<34} {'fetch':>7} {'command':>8} {'peak RSS':>9}  good page  reason recorded")
    with h.hostile_site() as state:
        for label, path, knobs in cases:
            state.drip = knobs.get("drip", 0.05)
            with tempfile.TemporaryDirectory() as folder:
                quick = FetchConfig(
                    base_url=state.url, archive=Path(folder), rate=None, retries=0, timeout=timeout
                )
                started = time.perf_counter()
                run(quick, [state.url + path, state.url + h.GOOD])
                fetch_s = time.perf_counter() - started
            with tempfile.TemporaryDirectory() as folder:
                args = ["fetch", state.url + path, state.url + h.GOOD, "--base-url", state.url]
                args += ["--archive", folder, "--rate", "1000", "--retries", "0", "--timeout", f"{timeout:g}"]
                output, seconds, peak, _ = h.run_command(args)
                failed = Path(folder, "failures.csv")
                with open(failed if failed.exists() else os.devnull, newline="", encoding="utf-8") as f:
                    reasons = {row["url"]: row["reason"] for row in csv.DictReader(f)}
                good = "kept" if h.page_file(Path(folder), h.GOOD).exists() else "MISSING"
                left = [p for p in Path(folder).rglob("*") if p.name.startswith(".tmp-")]
                if (path != h.GOOD_GZIP and h.page_file(Path(folder), path).exists()) or left:
                    good += ", PARTIAL LEFT"
                why = reasons.get(state.url + path, "(none)" if path == h.GOOD_GZIP else output[-200:])
                print(f"{label:<34} {fetch_s:6.2f}s {seconds:7.2f}s {peak:6.0f} MB  {good:<9}  {why}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="polite run at 10 req/s, not 1")
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--hostile", action="store_true", help="the hostile-server cases instead")
    parser.add_argument("--timeout", type=float, default=5.0, help="--timeout for the hostile cases")
    args = parser.parse_args()
    if args.hostile:
        hostile(args.timeout)
        return
    site = pages(args.pages)
    httpd, hits = serve(site)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    urls = [base + path for path in site if path.endswith(".htm")]
    rate = 10.0 if args.quick else FetchConfig().rate
    print(f"{len(urls)} releases from {base}")
    with tempfile.TemporaryDirectory() as polite, tempfile.TemporaryDirectory() as lifted:
        timed(
            f"polite ({rate:g} req/s)",
            FetchConfig(base_url=base, archive=Path(polite), rate=rate),
            urls,
            hits,
        )
        timed("limit lifted", FetchConfig(base_url=base, archive=Path(lifted), rate=None), urls, hits)
        timed(
            "again, all cached",
            FetchConfig(base_url=base, archive=Path(lifted), rate=None),
            urls,
            hits,
        )
    httpd.shutdown()
    httpd.server_close()


if __name__ == "__main__":
    main()
