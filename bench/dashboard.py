"""Dashboard benchmarks: page and callback latency on a big synthetic database, and load.

1. Builds (once) a SQLite database of N synthetic observations spread over the
   registry's indicators, in a git-ignored folder.
2. Times each page's `layout()` and the indicator page's callback in-process
   (median and p95 over repeated calls), and the CSV download route.
3. Serves the app with gunicorn on 127.0.0.1 and sends it a bounded load from
   U concurrent users for S seconds; prints throughput, p95 and errors.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
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
        rows.append((
            f"bench:{k}", ind, day.isoformat(), day.isoformat(), day.isoformat(), v, q,
            v if q in ("exact", "over", "at_least") else None,
            v if q in ("exact", "under", "up_to", "nearly") else None,
            units[ind], "curated", "https://example.org/bench", day.isoformat(),
            "A synthetic observation for the benchmark.", "auto", 0, None, 1, None, None, "bench",
        ))
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


def latency(url: str, repeat: int) -> None:
    import dash

    from dashboard.app import create_app

    app = create_app(url)
    # Dash imports the pages itself; take the modules it registered.
    mods = {p["module"].rsplit(".", 1)[-1]: sys.modules[p["module"]] for p in dash.page_registry.values()}
    overview, indicator = mods["overview"], mods["indicator"]
    data_table, sources = mods["data_table"], mods["sources"]
    target = "open_data_datasets"
    cases = {
        "overview layout": lambda: overview.layout(),
        "indicator layout": lambda: indicator.layout(indicator=target),
        "indicator callback": lambda: indicator.choose(target, "linear", f"?indicator={target}"),
        "data layout (one indicator)": lambda: data_table.layout(indicator=target),
        "sources layout": lambda: sources.layout(),
    }
    client = app.server.test_client()
    with app.server.test_request_context("/"):
        for name, call in cases.items():
            samples = []
            for _ in range(repeat):
                t = time.perf_counter()
                call()
                samples.append(time.perf_counter() - t)
            print(f"{name:30} {_stats(samples)}")
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = client.get(f"/data/{target}.csv")
        samples.append(time.perf_counter() - t)
        assert r.status_code == 200
    print(f"{'download /data/<id>.csv':30} {_stats(samples)}")


def loadtest(url: str, users: int, seconds: float, port: int) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "itdash.cli", "serve", "--database", url, "--port", str(port),
         "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        paths = ["/", "/indicator?indicator=open_data_datasets", "/data/open_data_datasets.csv",
                 "/_dash-layout", "/_dash-dependencies"]
        times: list[float] = []
        errors = 0
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def user(k: int) -> None:
            nonlocal errors
            with httpx.Client(base_url=base, timeout=30) as c:
                i = k
                while time.monotonic() < stop:
                    t = time.perf_counter()
                    try:
                        ok = c.get(paths[i % len(paths)]).status_code == 200
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
        print(f"load: {users} users for {seconds:.0f} s on 127.0.0.1 (gunicorn, 2 workers): "
              f"{len(times)} requests, {len(times) / wall:.1f} req/s, {_stats(times)}, {errors} errors")
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
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    t = time.perf_counter()
    url = build(OUT / f"dashboard-{args.observations}.sqlite", args.observations)
    print(f"database: {args.observations:,} observations ready in {time.perf_counter() - t:.1f} s")
    latency(url, args.repeat)
    loadtest(url, args.users, args.seconds, args.port)


if __name__ == "__main__":
    main()
