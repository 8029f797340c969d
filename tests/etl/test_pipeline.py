"""The whole ETL into a real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import time

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from etl import corpus as corpora
from etl import indicators, pipeline, settings, version

DATA_TABLES = ["documents", "figures", "observations", "indicators", "themes", "quarantine"]


def dump(url: str) -> dict[str, pd.DataFrame]:
    engine = create_engine(url.replace("postgresql+psycopg", "postgresql+psycopg"))
    with engine.connect() as c:
        out = {}
        for t in DATA_TABLES:
            df = pd.read_sql(text(f"SELECT * FROM {t}"), c)
            if t == "quarantine":
                df = df.drop(columns=["run_id"])
            # Every column: a first column that is not unique (quarantine's source) lets
            # PostgreSQL return equal rows in either order.
            out[t] = df.sort_values(list(df.columns), key=lambda col: col.astype(str)).reset_index(drop=True)
    engine.dispose()
    return out


def dataset_values(url: str, source: str) -> list[float]:
    """The values of the figures counted in datasets that the document from `source` holds."""
    engine = create_engine(url)
    with engine.connect() as c:
        found = c.execute(
            text(
                "SELECT f.value FROM figures f JOIN documents d ON d.id = f.doc_id "
                "WHERE d.source = :s AND f.unit = 'dataset'"
            ),
            {"s": source},
        ).scalars()
        values = list(found)
    engine.dispose()
    return values


def test_etl_loads_good_documents_and_quarantines_bad_ones(corpus, database_url):
    summary = pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    assert summary.documents_read == 5
    assert summary.documents_loaded == 3
    assert summary.quarantined == 2
    reasons = {e.doc: e.reason for e in summary.failures}
    assert "reply's date" in reasons["undated-reply.txt"]
    assert "no 'Reply:' part" in reasons["2024-03-20-LCQ1-no-reply-part.txt"]

    engine = create_engine(database_url)
    with engine.connect() as c:
        q = dict(c.execute(text("SELECT source, stage FROM quarantine")).all())
        assert q == {"undated-reply.txt": "parse", "2024-03-20-LCQ1-no-reply-part.txt": "parse"}
        n_seed = c.execute(
            text("SELECT figures_found FROM documents WHERE source LIKE '%LCQ13%'")
        ).scalar_one()
        assert n_seed == 22  # 21 reply figures and one in the question
        rows = c.execute(
            text(
                "SELECT value, qualifier, lower, upper, as_of, source_url FROM observations "
                "WHERE indicator_id = :i ORDER BY period_end"
            ),
            {"i": "open_data_datasets"},
        ).all()
    engine.dispose()
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        (5000, "over", 5000, None, "2023-12-31"),
        (5500, "over", 5500, None, "2025-03-26"),
    ]
    assert rows[0][5].endswith("P2024071000123.htm")


def test_rerunning_converges_to_the_same_database(corpus, database_url):
    told: list[str] = []
    summary = pipeline.run([corpus], database_url, curated_dir=corpus / "none", on_stage=told.append)
    # Each pass after loading is announced as it starts (the CLI's progress) and timed.
    after = ["series review", "uncurated", "figure review", "series", "pairing"]
    if database_url.startswith("postgresql"):
        after = ["statistics", *after, "vacuum"]
    assert told == after and list(summary.stages) == ["load", *after]
    assert 0 < summary.writing <= summary.stages["load"]  # the writer's share of the load
    first = dump(database_url)
    told.clear()
    second_summary = pipeline.run([corpus], database_url, curated_dir=corpus / "none", on_stage=told.append)
    assert second_summary.documents_unchanged == 3
    assert told == [] and list(second_summary.stages) == ["load"]  # nothing to redo after loading
    second = dump(database_url)
    for t in DATA_TABLES:
        pd.testing.assert_frame_equal(first[t], second[t], obj=t)


def test_an_unchanged_rerun_reads_no_file_whose_stamp_holds(corpus, database_url, monkeypatch):
    """The stored hash stands for a file while its stamp holds (`corpus.stamp`); a file written
    again, even to the same size with its modification time put back, is read and reloaded."""
    monkeypatch.setattr(corpora, "_SETTLED_NS", 0)  # the fixture's files were written just now
    reads: list[str] = []
    real = corpora.read_bytes

    def counted(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not os.fspath(path).endswith("manifest.csv"):  # the corpus's list, read every run
            reads.append(os.path.basename(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(corpora, "read_bytes", counted)
    first = pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    assert first.documents_read == len(reads) == 5
    before = dump(database_url)
    reads.clear()
    again = pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    assert (again.documents_read, again.documents_unchanged, again.documents_loaded) == (5, 3, 0)
    assert sorted(reads) == ["2024-03-20-LCQ1-no-reply-part.txt", "undated-reply.txt"]  # never stored
    assert again.quarantined == 2
    for t in DATA_TABLES:
        pd.testing.assert_frame_equal(before[t], dump(database_url)[t], obj=t)

    doc = corpus / "2024-07-10-LCQ9-open-data-progress.txt"
    info = doc.stat()
    time.sleep(0.02)  # past the kernel's clock tick
    doc.write_text(doc.read_text().replace("over 5 000 datasets", "over 5 100 datasets"))
    os.utime(doc, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (doc.stat().st_size, doc.stat().st_mtime_ns) == (info.st_size, info.st_mtime_ns)
    reads.clear()
    third = pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    assert third.documents_loaded == 1 and third.documents_unchanged == 2 and doc.name in reads
    assert dataset_values(database_url, doc.name) == [5100]


def places(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as c:
        found = list(c.execute(text("SELECT path, source, doc_id, run_id, stamp FROM document_locations")))
    engine.dispose()
    return sorted(found)


def test_an_unchanged_rerun_writes_no_place_and_a_new_name_is_recorded(corpus, database_url, monkeypatch):
    """A place found as recorded (bytes, stamp and name) is not written again: rewriting 100 000
    of them was a tenth of an unchanged rerun. The same file reached under another name is."""
    monkeypatch.setattr(corpora, "_SETTLED_NS", 0)  # the fixture's files were written just now
    pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    first = places(database_url)
    assert len(first) == 5 and all(row[4] for row in first)  # every file stamped
    pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    assert places(database_url) == first  # run_id too: the second run wrote none of them

    # The folder above, scanned without its manifest: the same files, named "corpus/...".
    pipeline.run([corpus.parent], database_url, curated_dir=corpus / "none")
    now = places(database_url)
    assert [(p, f"corpus/{s}", d, t) for p, s, d, _, t in first] == [(p, s, d, t) for p, s, d, _, t in now]
    assert {row[3] for row in now}.isdisjoint({row[3] for row in first})  # each written by that run


def test_a_changed_document_replaces_its_old_figures(corpus, database_url):
    pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    doc = corpus / "2024-07-10-LCQ9-open-data-progress.txt"
    doc.write_text(doc.read_text().replace("over 5 000 datasets", "over 5 100 datasets"))
    summary = pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    assert summary.documents_loaded == 1 and summary.documents_unchanged == 2
    engine = create_engine(database_url)
    with engine.connect() as c:
        n_docs = c.execute(text("SELECT count(*) FROM documents")).scalar_one()
    engine.dispose()
    assert dataset_values(database_url, doc.name) == [5100] and n_docs == 3


def test_a_failing_document_keeps_its_last_good_version(corpus, database_url):
    pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    doc = corpus / "2025-01-15-LCQ4-science-park-branch.txt"
    shutil.copy(doc, corpus / "backup.bak")
    doc.write_text(doc.read_text().replace("Reply:", "Rejoinder:"))
    summary = pipeline.run([corpus], database_url, curated_dir=corpus / "none")
    assert any(e.doc == doc.name for e in summary.failures)
    engine = create_engine(database_url)
    with engine.connect() as c:
        kept = c.execute(
            text("SELECT count(*) FROM figures f JOIN documents d ON d.id = f.doc_id WHERE d.source = :s"),
            {"s": doc.name},
        ).scalar_one()
        reason = c.execute(
            text("SELECT reason FROM quarantine WHERE source = :s"), {"s": doc.name}
        ).scalar_one()
    engine.dispose()
    assert kept > 0 and "Reply" in reason


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A copy of the code and vocabulary, which settings then point at, to edit without harm."""
    root = tmp_path / "tree"
    for folder in ("etl", "schemas"):
        shutil.copytree(settings.ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(settings.VOCAB_DIR, root / "data" / "vocab")
    monkeypatch.setattr(settings, "ROOT", root)
    monkeypatch.setattr(settings, "VOCAB_DIR", root / "data" / "vocab")
    return root


def _append(path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(line)


def test_the_version_follows_every_file_that_decides_what_a_document_becomes(tree):
    registry = indicators.load()
    before = version.digest(registry)
    for edit in (
        tree / "etl" / "extract" / "tables.py",
        tree / "etl" / "extract" / "vocab.py",
        tree / "schemas" / "figure.py",
        tree / "data" / "vocab" / "en" / "months.toml",  # nested, as the vocabulary is laid out by language
    ):
        _append(edit, "\n# edited\n")
        after = version.digest(registry)
        assert after != before, f"editing {edit.relative_to(tree)} left the version at {before}"
        before = after


def test_a_new_module_on_the_extraction_path_is_covered_without_a_list(tree):
    registry = indicators.load()
    (tree / "etl" / "extract" / "brand_new.py").write_text("WORDS = ('a',)\n")
    before = version.digest(registry)
    _append(tree / "etl" / "extract" / "units.py", "\nfrom etl.extract import brand_new  # noqa\n")
    assert "etl/extract/brand_new.py" in {p.relative_to(tree).as_posix() for p in version.code_files()}
    middle = version.digest(registry)
    _append(tree / "etl" / "extract" / "brand_new.py", "MORE = 1\n")
    assert len({before, middle, version.digest(registry)}) == 3
    # A module nothing on the path imports (the fetcher) does not reprocess the corpus.
    unrelated = version.digest(registry)
    _append(tree / "etl" / "fetch.py", "\n# edited\n")
    assert version.digest(registry) == unrelated


def test_the_version_is_parsed_once_per_content_yet_sees_every_change(tree):
    """Imports are parsed once per file content (a run's digest took ~40 parses); the cache must
    not hide an edit, nor a module created after the file importing it was parsed."""
    registry = indicators.load()
    units = tree / "etl" / "extract" / "units.py"
    _append(units, "\ntry:\n    from etl.extract import later  # noqa\nexcept ImportError:\n    pass\n")
    before = version.digest(registry)
    assert version.digest(registry) == before  # parsed once, same answer
    (tree / "etl" / "extract" / "later.py").write_text("WORDS = ('b',)\n")
    assert "etl/extract/later.py" in {p.relative_to(tree).as_posix() for p in version.code_files()}
    assert version.digest(registry) != before
    units.write_text(units.read_text().replace("import later", "import other"))  # same size
    assert "etl/extract/later.py" not in {p.relative_to(tree).as_posix() for p in version.code_files()}


@pytest.mark.parametrize("name", version.SERIES_FILES)
def test_the_version_follows_the_series_word_lists(tree, monkeypatch, name):
    """A figure's series id is stored with it: editing data/series*.toml must reprocess."""
    data = tree / "data"
    for n in version.SERIES_FILES:
        shutil.copy(settings.DATA_DIR / n, data / n)
    monkeypatch.setattr(settings, "DATA_DIR", data)
    registry = indicators.load()
    before = version.digest(registry)
    _append(data / name, "\n# edited\n")
    assert version.digest(registry) != before
