"""A clone anywhere else, without ../shared: `make demo`'s ETL falls back to the sample."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    where = tmp_path_factory.mktemp("elsewhere") / "itdash"
    subprocess.run(["git", "clone", "--quiet", "--local", str(ROOT), str(where)], check=True)
    # The clone holds what is committed; bring the working tree's files too, so the test
    # checks this tree, not the last commit.
    for rel in ("etl", "schemas", "itdash", "dashboard", "data", "Makefile"):
        src, dst = ROOT / rel, where / rel
        if src.is_dir():
            shutil.copytree(
                src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.sqlite*", "__pycache__")
            )
        else:
            shutil.copy(src, dst)
    assert not (where.parent / "shared").exists()
    return where


def _env(clone: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CORPUS", "ITDASH_DATA", "DATABASE_URL")}
    env["PYTHONPATH"] = str(clone)
    return env


def test_the_etl_of_a_clone_elsewhere_loads_the_sample_and_says_so(clone: Path):
    db = clone / "data" / "itdash.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "itdash.cli", "etl"],
        cwd=clone,
        env=_env(clone),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "sample" in result.stderr and "fictional" in result.stderr
    with sqlite3.connect(db) as c:
        langs = dict(c.execute("SELECT lang, count(*) FROM documents GROUP BY lang").fetchall())
        corpus = c.execute("SELECT corpus FROM etl_runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert langs.get("en", 0) >= 6 and langs.get("zh-Hant", 0) >= 6
    assert corpus.endswith("data/sample")


def test_make_chooses_the_sample_when_shared_is_absent(clone: Path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(
        ["make", "-n", "etl", "BIN=.venv/bin"], cwd=clone, env=_env(clone), capture_output=True, text=True
    )
    assert "--corpus data/sample" in out.stdout, out.stdout + out.stderr
