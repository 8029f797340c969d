"""Dashboard benchmarks: page and callback latency on a big synthetic database, and load.

1. Builds (once) a SQLite database of N synthetic observations spread over the
   registry's indicators, in a git-ignored folder.
2. Times, in-process through Flask, each request a browser makes: every page's
   render (Dash Pages' router callback), the data grid's row blocks (first,
   deep, sorted, filtered) and a CSV download. The first call is "cold"
   (dashboard/cache.py holds nothing); the repeats are "warm".
3. Serves the app with gunicorn on 127.0.0.1 and sends it a bounded load from
   U concurrent users for S seconds, cycling through those same requests;
   prints throughput, p95 and errors. Twice: 2 workers each keeping its own
   cache, then 4 workers sharing the read cache and the sign-in count in the
   machine's Redis (REDIS_URL, default redis://127.0.0.1:6379/0; its keys,
   under a prefix of this run's own, are deleted afterwards). `--redis ""`
   skips the second run.
4. Loads the overview in headless Chromium (selenium) throttled by Chrome
   DevTools to a 4G profile, 9 Mbps down, 85 ms latency: the time from
   navigation to the first card drawn, with an empty browser cache (a fresh
   browser each time: cold) and again from its cache (warm), and the bytes
   sent. The target is under 3 s cold. `--cold-load-only` runs just this.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from etl import db, indicators, load  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
QUALIFIERS = ["exact", "about", "over", "at_least", "nearly", "under", "up_to"]


def build(path: Path, n: int) -> str:
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    registry = indicators.load()
    engine = db.engine(url)
    load.sync_registry(engine, registry)
    engine.dispose()
    ids = list(registry.indicators)
    units = {i.id: i.unit for i in registry.indicators.values()}
    rng = random.Random(3)
    start = date(2000, 1, 1)
    con = sqlite3.connect(path)
    rows = []
    for k in range(n):
        ind = ids[k % len(ids)]
        day = start + timedelta(days=rng.randint(0, 9000))
        v = float(rng.randint(1, 100_000))
        q = rng.choice(QUALIFIERS)
        rows.append(
            (
                f"bench:{k}",
                ind,
                day.isoformat(),
                day.isoformat(),
                day.isoformat(),
                v,
                q,
                v if q in ("exact", "over", "at_least") else None,
                v if q in ("exact", "under", "up_to", "nearly") else None,
                units[ind],
                "curated",
                "https://example.org/bench",
                day.isoformat(),
                "A synthetic observation for the benchmark.",
                "auto",
                0,
                None,
                1,
                None,
                None,
                "bench",
            )
        )
        if len(rows) == 50_000:
            _insert(con, rows)
            rows = []
            print(f"  {k + 1:,}/{n:,} observations", file=sys.stderr)
    _insert(con, rows)
    con.execute("ANALYZE")
    con.commit()
    con.close()
    return url


def _insert(con: sqlite3.Connection, rows: list[tuple]) -> None:
    con.executemany(
        "INSERT INTO observations (id, indicator_id, as_of, period_start, period_end, value, qualifier, "
        "lower, upper, unit, source_kind, source_url, published, sentence, status, conflict, revision, "
        "preferred, figure_id, doc_id, rule) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def _stats(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})"


def _page(path: str, search: str = "") -> dict:
    """The request the browser sends to render a page: Dash Pages' router callback."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }


def _grid(start: int, sort: list[dict], search: str = "", model: dict | None = None) -> dict:
    """The request the data grid sends for a block of rows as it scrolls (`model`: its column filters)."""
    request = {"startRow": start, "endRow": start + 100, "sortModel": sort, "filterModel": model or {}}
    return {
        "output": "dat-grid.getRowsResponse",
        "outputs": {"id": "dat-grid", "property": "getRowsResponse"},
        "inputs": [{"id": "dat-grid", "property": "getRowsRequest", "value": request}],
        "changedPropIds": ["dat-grid.getRowsRequest"],
        "state": [{"id": "dat-url", "property": "search", "value": search}],
    }


TARGET = "open_data_datasets"
# What a browser asks the server for, end to end through Flask and Dash's JSON:
# page renders and grid blocks are callbacks (POST), downloads are GETs.
CALLS = {
    "page /  (overview)": ("post", "/_dash-update-component", _page("/")),
    "page /indicator": ("post", "/_dash-update-component", _page("/indicator", f"?indicator={TARGET}")),
    "page /data-table (all)": ("post", "/_dash-update-component", _page("/data-table")),
    "page /data-table?indicator": (
        "post",
        "/_dash-update-component",
        _page("/data-table", f"?indicator={TARGET}"),
    ),
    "page /sources": ("post", "/_dash-update-component", _page("/sources")),
    "grid rows 0-100": ("post", "/_dash-update-component", _grid(0, [])),
    "grid rows 50000-50100": ("post", "/_dash-update-component", _grid(50_000, [])),
    "grid rows by value desc": (
        "post",
        "/_dash-update-component",
        _grid(0, [{"colId": "shown", "sort": "desc"}]),
    ),
    "grid rows by name": (
        "post",
        "/_dash-update-component",
        _grid(0, [{"colId": "indicator", "sort": "asc"}]),
    ),
    "grid rows by as-of, filtered": (
        "post",
        "/_dash-update-component",
        _grid(0, [{"colId": "as_of", "sort": "desc"}], "?source_kind=curated&from=2020-01-01"),
    ),
    "grid rows, value > 1000": (
        "post",
        "/_dash-update-component",
        _grid(0, [], "", {"shown": {"filterType": "number", "type": "greaterThan", "filter": 1000}}),
    ),
    "grid rows, sentence contains": (
        "post",
        "/_dash-update-component",
        _grid(0, [], "", {"sentence": {"filterType": "text", "type": "contains", "filter": "dataset"}}),
    ),
    "grid rows, unit + published": (
        "post",
        "/_dash-update-component",
        _grid(
            0,
            [{"colId": "shown", "sort": "desc"}],
            "",
            {
                "unit": {"filterType": "text", "type": "equals", "filter": "數據集"},
                "published": {"filterType": "date", "type": "greaterThan", "dateFrom": "2020-01-01 00:00:00"},
            },
        ),
    ),
    "download /data/<id>.csv": ("get", f"/data/{TARGET}.csv", None),
    "download, column filter": ("get", "/data/observations.csv?f.value=greaterThan:1e9", None),
}


def _call(client, method: str, path: str, body: dict | None):  # type: ignore[no-untyped-def]
    if method == "post":
        return client.post(path, json=body)
    return client.get(path)


def latency(url: str, repeat: int) -> None:
    """Each request's first (cold: nothing kept yet) and repeated (warm) latency, in-process."""
    from dashboard import cache
    from dashboard.app import create_app

    app = create_app(url)
    client = app.server.test_client()
    client.get("/")
    cache.clear()
    print(f"{'request':32} {'cold':>9}   warm")
    for name, (method, path, body) in CALLS.items():
        t = time.perf_counter()
        r = _call(client, method, path, body)
        cold = time.perf_counter() - t
        assert r.status_code == 200, (name, r.status_code, r.data[:300])
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            r = _call(client, method, path, body)
            samples.append(time.perf_counter() - t)
            assert r.status_code == 200, name
        print(f"{name:32} {cold * 1000:7.1f} ms   {_stats(samples)}")


def loadtest(
    url: str, users: int, seconds: float, port: int, workers: int = 2, redis: str | None = None
) -> None:
    """Throughput, latency and errors of gunicorn with `workers`, alone or sharing state in `redis`."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "ITDASH_REDIS_PREFIX")}
    prefix = f"itdash-bench-{uuid.uuid4().hex[:8]}"
    if redis:
        env.update(REDIS_URL=redis, ITDASH_REDIS_PREFIX=prefix)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "itdash.cli",
            "serve",
            "--database",
            url,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        calls = [("get", "/", None), *CALLS.values()]
        with httpx.Client(base_url=base, timeout=120) as c:  # warm each worker once, as a first visitor would
            for _ in range(4):
                for method, path, body in calls:
                    _call(c, method, path, body)
        times: list[float] = []
        errors = 0
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def user(k: int) -> None:
            nonlocal errors
            with httpx.Client(base_url=base, timeout=30) as c:
                i = k
                while time.monotonic() < stop:
                    method, path, body = calls[i % len(calls)]
                    t = time.perf_counter()
                    try:
                        ok = _call(c, method, path, body).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    with lock:
                        times.append(time.perf_counter() - t)
                        errors += not ok
                    i += 1

        threads = [threading.Thread(target=user, args=(k,)) for k in range(users)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        shared = f", sharing Redis at {redis}" if redis else ", each its own cache"
        print(
            f"load: {users} users for {seconds:.0f} s on 127.0.0.1 (gunicorn, {workers} workers{shared}), "
            f"every page render, grid block and download above in turn: {len(times)} requests, "
            f"{len(times) / wall:.1f} req/s, "
            f"{_stats(times)}, {errors} errors"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        if redis:
            _forget(redis, prefix)


def _forget(redis_url: str, prefix: str) -> None:
    """Delete this run's keys from the shared Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


# Chrome DevTools' network conditions: a 4G phone (bytes per second; latency in milliseconds).
THROTTLE = {
    "offline": False,
    "latency": 85,
    "download_throughput": 9_000_000 // 8,
    "upload_throughput": 1_500_000 // 8,
}
# Records when the first overview card is in the page, from before the page's own scripts run.
_FIRST_CARD = """
new MutationObserver(function (_, observer) {
  if (!window.__firstCard && document.querySelector('.cards .card')) window.__firstCard = performance.now();
  if (!document.querySelector('.cards .spark .main-svg')) return;
  window.__firstChart = performance.now();  // Plotly's bundle loaded and a sparkline drawn
  observer.disconnect();
}).observe(document, {childList: true, subtree: true});
"""


def _browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=375,812"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": THROTTLE["latency"],
            "downloadThroughput": THROTTLE["download_throughput"],
            "uploadThroughput": THROTTLE["upload_throughput"],
        },
    )
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _FIRST_CARD})
    return driver


def _first_card(driver, address: str, timeout: float = 60) -> tuple[float, int, float]:  # type: ignore[no-untyped-def]
    """Seconds from navigation to the first card, the bytes that crossed the network by the first
    sparkline, and seconds to that sparkline."""
    driver.get(address)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        card, chart = driver.execute_script(
            "return [window.__firstCard || null, window.__firstChart || null]"
        )
        if card is not None and chart is not None:
            when = card
            sent = driver.execute_script(
                "return performance.getEntriesByType('navigation').concat("
                "performance.getEntriesByType('resource')).reduce((n, e) => n + (e.transferSize || 0), 0)"
            )
            return when / 1000, int(sent), chart / 1000
        time.sleep(0.05)
    raise RuntimeError(f"no overview card within {timeout:.0f} s at {address}")


def cold_load(url: str, port: int, runs: int = 3) -> None:
    """The overview's first render on a throttled 4G connection, cold and warm, through gunicorn."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "itdash.cli",
            "serve",
            "--database",
            url,
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        # The server's own first render and its compressed bundles are kept per worker: a visitor
        # after the first meets them ready. What is measured here is the visitor's side.
        warm_up = _browser()
        try:
            for _ in range(2):
                _first_card(warm_up, base)
                warm_up.delete_all_cookies()
                warm_up.execute_cdp_cmd("Network.clearBrowserCache", {})
        finally:
            warm_up.quit()
        cold, warm, sizes, charts = [], [], [], []
        for _ in range(runs):
            driver = _browser()  # a fresh browser: nothing cached
            try:
                seconds, sent, chart = _first_card(driver, base)
                cold.append(seconds)
                sizes.append(sent)
                charts.append(chart)
                warm.append(_first_card(driver, base)[0])
            finally:
                driver.quit()
        verdict = "under" if statistics.median(cold) < 3 else "OVER"
        print(
            f"throttled cold load (4G: 9 Mbps down, 1.5 Mbps up, 85 ms; headless Chromium at 375 px): "
            f"overview's first card {statistics.median(cold):.2f} s cold (median of {runs}; "
            f"{', '.join(f'{s:.2f}' for s in cold)}), {verdict} the 3 s target; "
            f"first sparkline drawn at {statistics.median(charts):.2f} s cold; "
            f"{statistics.median(warm):.2f} s from the browser's cache; "
            f"{statistics.median(sizes) / 1e6:.2f} MB over the network cold"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/0", help="Redis for the 4-worker run; '' skips it"
    )
    parser.add_argument("--cold-load-only", action="store_true", help="only the throttled browser load")
    parser.add_argument("--database", help="serve this database for the browser load instead")
    args = parser.parse_args()
    if args.cold_load_only:
        OUT.mkdir(exist_ok=True)
        url = args.database or build(OUT / f"dashboard-{args.observations}.sqlite", args.observations)
        cold_load(url, args.port)
        return
    OUT.mkdir(exist_ok=True)
    t = time.perf_counter()
    url = build(OUT / f"dashboard-{args.observations}.sqlite", args.observations)
    print(f"database: {args.observations:,} observations ready in {time.perf_counter() - t:.1f} s")
    latency(url, args.repeat)
    loadtest(url, args.users, args.seconds, args.port)
    if args.redis:
        loadtest(url, args.users, args.seconds, args.port, workers=4, redis=args.redis)
    cold_load(url, args.port)


if __name__ == "__main__":
    main()
