"""The front door: `itdash` as a user runs it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from itdash.cli import app
from tests.conftest import ROOT
from tests.dashboard.conftest import sql

runner = CliRunner()


def itdash(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "itdash.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_extract_prints_spec_jsonl_for_a_folder(tmp_path, seed_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(seed_path, folder / seed_path.name)
    (folder / "manifest.csv").write_text(f"file,url,published,lang\n{seed_path.name},,2025-03-26,en\n")
    result = runner.invoke(app, ["extract", str(folder)])
    assert result.exit_code == 0, result.output
    # The folder holds other replies too: read the seed's figures by its name.
    records = [json.loads(line) for line in result.stdout.splitlines()]
    records = [r for r in records if r["doc"] == seed_path.name]
    assert len([r for r in records if r["part"] == "reply"]) == 21
    assert records[1]["text"] == "\\$10 billion" and records[1]["unit"] == "HKD"
    assert records[1]["doc"] == seed_path.name


def test_extract_table_format(seed_path):
    result = runner.invoke(app, ["extract", "--format", "table", str(seed_path)])
    assert result.exit_code == 0
    assert "HKD" in result.stdout and "at_least" in result.stdout


def test_errors_are_one_line_with_the_file_and_nonzero_status(tmp_path: Path):
    bad = tmp_path / "nodate.txt"
    bad.write_text("LCQ1: x\n\nQuestion:\n\nHow?\n\nReply:\n\nPresident,\n\nOver 5 datasets.\n")
    result = itdash("extract", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("itdash: ") and "nodate.txt" in line and "date" in line

    missing = itdash("extract", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "nope: no such file or folder" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_bad_database_url_is_one_line(tmp_path):
    result = itdash("etl", "--corpus", str(tmp_path), "--database", "nonsense://x")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "itdash:" in result.stderr


def test_etl_prints_a_closing_summary(corpus, sqlite_url):
    result = itdash(
        "etl", "--corpus", str(corpus), "--database", sqlite_url, "--curated", str(corpus / "none")
    )
    assert result.returncode == 0, result.stderr
    found = re.search(
        r"etl: 5 documents read \(3 loaded, 0 unchanged\), \d+ figures, \d+ observations, "
        r"2 quarantined; 0 curated observations, 0 targets; (\d+) series not yet reviewed; "
        r"(\d+) figures joined to the registry by their series; 0 review decisions applied; \d+ conflicts, \d+ warnings; [\d.]+ s",
        result.stdout,
    )
    assert found, result.stdout
    assert (
        int(found.group(1)) == len(sql(sqlite_url, "SELECT id FROM indicators WHERE series IS NOT NULL")) > 0
    )
    joined = "SELECT o.id FROM observations o JOIN indicators i ON i.id = o.indicator_id"
    joined += " WHERE o.rule = 'series' AND i.series IS NULL"
    assert int(found.group(2)) == len(sql(sqlite_url, joined))
    assert "quarantined" in result.stderr and "undated-reply.txt" in result.stderr
    # Where the time went: the documents, then each pass after loading, in the order run.
    (stages,) = re.findall(r"^etl: by stage, (.+)$", result.stdout, re.M)
    names = [re.fullmatch(r"(.+) [\d.]+ s", part).group(1) for part in stages.split("; ")]
    assert names == ["load", "series review", "uncurated", "figure review", "series", "pairing"]


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [g.name for g in app.registered_groups]
    for name in names:
        assert f"itdash {name}" in readme, f"`itdash {name}` is not in README.md"
