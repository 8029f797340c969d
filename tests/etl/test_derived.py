"""An unchanged rerun skips the stages after loading only when a full pass would change nothing.

etl/derived.py keeps a digest of what those stages read; these tests hold that
skipping leaves exactly the tables a full pass leaves, and that every input
(a document, a curated file, a decision) or a run killed after loading makes
the next run do the full pass.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from etl import db, derived, pipeline, review, series_review, uncurated
from tests.etl import test_scale
from tests.etl.test_scale import dump, same_tables

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# A second fresh database of the same kind, for a reference run.
other_url, pg_admin_if_needed = test_scale.other_url, test_scale.pg_admin_if_needed


@pytest.fixture
def corpora(tmp_path: Path) -> tuple[list[Path], Path]:
    """English and Chinese replies (pairs among them) and a curated folder, all copies."""
    out = []
    for name in ("gold", "gold_zh"):
        folder = tmp_path / name
        shutil.copytree(FIXTURES / name / "replies", folder)
        out.append(folder)
    curated = tmp_path / "curated"
    shutil.copytree(FIXTURES / "series" / "curated", curated)
    with (curated / "fixture.csv").open("a", encoding="utf-8") as f:  # a bad row: quarantined each run
        f.write("no_such_indicator,Nothing,1,exact,item,2024-06-30,2024-08-01,observed,news,,\n")
    return out, curated


def _forget(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("DELETE FROM etl_state"))
    engine.dispose()


class _Counted:
    """Counts the full passes: uncurated.sync runs in every one and in no skipped one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = uncurated.sync

        def sync(engine, **options):  # type: ignore[no-untyped-def]
            self.calls += 1
            return real(engine, **options)

        monkeypatch.setattr(uncurated, "sync", sync)


def test_skipping_leaves_the_tables_a_full_pass_leaves(corpora, database_url, monkeypatch):
    folders, curated = corpora
    first = pipeline.run(folders, database_url, curated_dir=curated)
    passes = _Counted(monkeypatch)
    skipped = pipeline.run(folders, database_url, curated_dir=curated)
    assert passes.calls == 0 and skipped.documents_loaded == 0
    after_skip = dump(database_url)
    _forget(database_url)
    full = pipeline.run(folders, database_url, curated_dir=curated)
    assert passes.calls == 1
    same_tables(after_skip, dump(database_url))
    names = (
        "curated",
        "targets",
        "quarantined",
        "decisions",
        "uncurated",
        "aliased",
        "conflicts",
        "warnings",
    )
    for name in names:
        assert getattr(skipped, name) == getattr(full, name) == getattr(first, name), name
    assert [str(e) for e in skipped.failures] == [str(e) for e in full.failures]
    assert any("no_such_indicator" in e.reason for e in skipped.failures)
    assert skipped.conflicts > 0 and skipped.warnings > 0 and skipped.curated > 0


def test_each_input_brings_the_full_pass_back(corpora, database_url, monkeypatch):
    folders, curated = corpora
    pipeline.run(folders, database_url, curated_dir=curated)
    passes = _Counted(monkeypatch)

    def rerun() -> int:
        before = passes.calls
        pipeline.run(folders, database_url, curated_dir=curated)
        return passes.calls - before

    assert rerun() == 0
    csv = next(curated.glob("*.csv"))
    csv.write_text(csv.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert rerun() == 1 and rerun() == 0
    doc = next(folders[0].glob("*.txt"))
    doc.write_text(doc.read_text(encoding="utf-8") + "\nEnd.\n", encoding="utf-8")
    assert rerun() == 1 and rerun() == 0
    engine = db.engine(database_url)
    with engine.connect() as c:
        figure = c.scalar(text("SELECT id FROM figures WHERE part = 'reply' ORDER BY id LIMIT 1"))
        sid = c.scalar(text("SELECT series FROM figures WHERE series IS NOT NULL ORDER BY id LIMIT 1"))
    review.decide(engine, figure, "reject", "not a count", "tester")
    assert rerun() == 1 and rerun() == 0
    series_review.decide(engine, "rename", sid, "clearer", "tester", label_en="A clearer label")
    engine.dispose()
    assert rerun() == 1 and rerun() == 0


def test_a_run_killed_after_loading_leaves_no_proof(corpora, database_url, other_url, monkeypatch):
    """Documents written and then written back to what they were: the digest of the stored
    documents is as before, but the run between never finished its pass, so none is skipped."""
    folders, curated = corpora
    pipeline.run(folders, database_url, curated_dir=curated)
    doc = next(folders[0].glob("*.txt"))
    was = doc.read_bytes()
    doc.write_bytes(was.replace(b"20", b"21", 1))

    def killed(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(pipeline, "_after", killed)
        with pytest.raises(KeyboardInterrupt):
            pipeline.run(folders, database_url, curated_dir=curated)
    engine = db.engine(database_url)
    with engine.connect() as c:
        assert c.scalar(text("SELECT count(*) FROM etl_state WHERE key = :k"), {"k": derived.KEY}) == 0
    engine.dispose()
    doc.write_bytes(was)
    passes = _Counted(monkeypatch)
    pipeline.run(folders, database_url, curated_dir=curated)
    assert passes.calls == 1
    pipeline.run(folders, other_url, curated_dir=curated)
    same_tables(dump(database_url), dump(other_url))
