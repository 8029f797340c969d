"""How long `itdash fetch` takes for 100 releases, polite and with the limit lifted.

Serves 100 fixture releases on 127.0.0.1 (copies of a fixture page under new
numbers) and fetches them into a temporary cache: once at the default rate of
1 request per second (`--quick`: 10 per second), once with no limit, and once
more into the full cache, which should ask for nothing.

    python bench/fetch_bench.py [--quick] [--pages N]
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="polite run at 10 req/s, not 1")
    parser.add_argument("--pages", type=int, default=100)
    args = parser.parse_args()
    site = pages(args.pages)
    httpd, hits = serve(site)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    urls = [base + path for path in site if path.endswith(".htm")]
    rate = 10.0 if args.quick else FetchConfig().rate
    print(f"{len(urls)} releases from {base}")
    with tempfile.TemporaryDirectory() as polite, tempfile.TemporaryDirectory() as lifted:
        timed(
            f"polite ({rate:g} req/s)",
            FetchConfig(base_url=base, cache=Path(polite), rate=rate),
            urls,
            hits,
        )
        timed("limit lifted", FetchConfig(base_url=base, cache=Path(lifted), rate=None), urls, hits)
        timed(
            "again, all cached",
            FetchConfig(base_url=base, cache=Path(lifted), rate=None),
            urls,
            hits,
        )
    httpd.shutdown()
    httpd.server_close()


if __name__ == "__main__":
    main()
