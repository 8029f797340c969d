"""Two `itdash etl` processes over one database (SQLite file and PostgreSQL): they take turns."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.generate import generate
from etl import db

ROOT = Path(__file__).resolve().parents[2]


def etl(folder: Path, url: str, log: Path, **env: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "itdash.cli", "etl", "--corpus", str(folder), "--database", url]
    with log.open("wb") as err:
        return subprocess.Popen(
            args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **env}
        )


def wait_for(path: Path, words: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if words in path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{words!r} not in {path}: {path.read_text(errors='replace')}")


def test_con001_two_runs_at_once_both_succeed(tmp_path, database_url):
    folder = generate(tmp_path / "corpus", 40)
    logs = [tmp_path / "first.err", tmp_path / "second.err"]
    runs = [etl(folder, database_url, log) for log in logs]
    codes = [r.wait(timeout=300) for r in runs]
    said = [log.read_text(errors="replace") for log in logs]
    assert codes == [0, 0], said
    assert not any("Traceback" in s for s in said), said
    engine = create_engine(database_url)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM documents")).scalar_one() == 40
        finished = c.execute(text("SELECT documents_loaded, documents_unchanged FROM etl_runs")).all()
    engine.dispose()
    assert sorted(tuple(r) for r in finished) == [(0, 40), (40, 0)]  # one loaded, the other found it done


def test_con002_a_run_waits_for_the_other_and_says_so(tmp_path, database_url):
    folder = generate(tmp_path / "corpus", 3)
    log = tmp_path / "etl.err"
    with db.exclusive(database_url, wait=5):  # as another run would hold it
        child = etl(folder, database_url, log)
        wait_for(log, "another ETL run is writing to")
        time.sleep(0.5)
        assert child.poll() is None  # still waiting, not failing
    assert child.wait(timeout=300) == 0, log.read_text()
    assert "the other run has finished" in log.read_text()


def test_con003_a_run_that_waits_too_long_gives_up_with_one_line(tmp_path, database_url):
    folder = generate(tmp_path / "corpus", 1)
    log = tmp_path / "etl.err"
    with db.exclusive(database_url, wait=5):
        child = etl(folder, database_url, log, ITDASH_ETL_WAIT="1")
        assert child.wait(timeout=120) == 1
    said = log.read_text()
    assert "Traceback" not in said
    assert "try again when it ends" in said.splitlines()[-1]
