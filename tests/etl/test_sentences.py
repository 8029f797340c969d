"""A sentence is stored once, however many figures it holds: storage grows with the document.

Issue 16's last defect: every figure and observation kept its whole sentence,
so a reply of 3 000 numbers in one sentence grew the database with the square
of the sentence's length. The replies here are generated in our own words.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.malformed import _reply
from etl import pipeline, replies
from etl.sentences import clause_fields, clause_of


def many(n: int) -> str:
    """One sentence of `n` figures, each one the portal's count (so each maps to an indicator)."""
    listed = ", ".join(f"{k} datasets" for k in range(1, n + 1))
    return _reply(f"As of June 2024, the Open Data Portal held {listed}.")


def load(tmp_path: Path, name: str, body: str, url: str | None = None) -> str:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "2025-03-05-LCQ7-many.txt").write_text(body, encoding="utf-8")
    url = url or f"sqlite:///{tmp_path / name}.sqlite"
    summary = pipeline.run([folder], url, curated_dir=tmp_path / "none")
    assert summary.documents_loaded == 1, summary.failures
    return url


def rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as c:
        out = [tuple(r) for r in c.execute(text(sql))]
    engine.dispose()
    return out


def size(url: str) -> int:
    """The SQLite file's bytes with its write-ahead log folded in."""
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(path).stat().st_size


def test_sen001_doubling_a_sentence_of_figures_doubles_the_database_not_quadruples_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ITDASH_MAX_FIGURES", "10000")
    empty = size(load(tmp_path, "none", _reply("Nothing was counted.")))
    half = load(tmp_path, "half", many(1500))
    whole = load(tmp_path, "whole", many(3000))
    sentence = rows(whole, "SELECT text FROM sentences")
    assert len(sentence) == 1 and len(sentence[0][0]) > 40_000  # the 3 000 figures' one sentence, once
    assert rows(whole, "SELECT count(*), count(DISTINCT sentence_id) FROM figures") == [(3000, 1)]
    # Every reply observation names the sentence; none keeps a copy of it.
    assert rows(whole, "SELECT count(*), count(sentence_id), count(sentence) FROM observations") == [
        (3000, 3000, 0)
    ]
    growth = (size(whole) - empty) / (size(half) - empty)
    assert 1.6 < growth < 2.6, growth  # stored on each figure it was about 4


def test_sen002_the_sentence_reads_back_whole_and_a_rerun_writes_the_same_rows(tmp_path, database_url):
    body = _reply("As of June 2024, the Open Data Portal held 5 datasets, 6 datasets and 7 new datasets.")
    load(tmp_path, "once", body, database_url)
    want = "As of June 2024, the Open Data Portal held 5 datasets, 6 datasets and 7 new datasets."
    got = rows(
        database_url,
        "SELECT f.text, s.text, f.clause_start, f.clause_end, f.clause_text FROM figures f"
        " JOIN sentences s ON s.id = f.sentence_id ORDER BY f.start",
    )
    assert [g[0] for g in got] == ["5 datasets", "6 datasets", "7 new datasets"]
    assert {g[1] for g in got} == {want}
    # Each clause (what the registry's rules read) comes back as the extractor found it.
    (read,), _ = replies.read([tmp_path / "once"])
    assert [clause_of(want, *g[2:]) for g in got] == [f.clause for f in read.figures]
    assert all(g[4] is None for g in got)  # spans of the sentence, not words of their own
    tables = ("sentences", "figures", "observations")
    before = {t: rows(database_url, f"SELECT * FROM {t} ORDER BY id") for t in tables}
    engine = create_engine(database_url)
    with engine.begin() as c:  # as if the extractor had changed: the document is written again
        c.execute(text("UPDATE documents SET processed_with = 'older'"))
    engine.dispose()
    summary = pipeline.run([tmp_path / "once"], database_url, curated_dir=tmp_path / "none")
    assert summary.documents_loaded == 1
    assert {t: rows(database_url, f"SELECT * FROM {t} ORDER BY id") for t in tables} == before


@pytest.mark.parametrize(
    ("sentence", "clause", "stored"),
    [
        ("There were 12 projects.", "There were 12 projects.", (0, 23, None)),
        ("A 5, then 6.", "5, then 6", (2, 11, None)),
        ("Row 12", "Projects 2024", (None, None, "Projects 2024")),  # a table cell's header and label
    ],
)
def test_sen003_a_clause_is_a_span_of_its_sentence_or_its_own_words(sentence, clause, stored):
    fields = clause_fields(sentence, clause)
    assert (fields["clause_start"], fields["clause_end"], fields["clause_text"]) == stored
    assert clause_of(sentence, *stored) == clause
