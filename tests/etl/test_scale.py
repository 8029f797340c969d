"""The ETL at scale keeps its guarantees (SQLite file and PostgreSQL): chunks, kills, shards.

Documents are validated and written many at a time and extracted in worker
processes; these tests hold that one bad document is still quarantined alone,
that a run killed part-way converges when run again, and that runs over
disjoint shards at once leave the tables one run over the whole would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from bench.generate import generate, generate_zh
from bench.malformed import _reply
from etl import db, load, locations, pipeline, validate, version
from etl.corpus import discover, read
from etl.shard import Shard, select
from tests.conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "documents": "id",
    "sentences": "id",
    "figures": "id",
    "observations": "id",
    "targets": "id",
    "indicators": "id",
    "themes": "id",
    "series_warnings": "id",
    "quarantine": "source",
    "document_locations": "path",
}
GOOD = "As of June 2024, some {n} test pages were checked."
# Documents a chunk in these tests (`ITDASH_CHUNK`): the guarantees hold at any size, and three
# chunks of the default size would take each test minutes.
CHUNK = 100


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run here, and every `itdash etl` a test starts, works in chunks of `CHUNK`."""
    monkeypatch.setenv("ITDASH_CHUNK", str(CHUNK))


def dump(url: str) -> dict[str, pd.DataFrame]:
    """Every data table in key order, without the columns that name the run that wrote a row or
    how a file looked from outside when it was read (`document_locations.stamp`)."""
    engine = create_engine(url)
    out = {}
    with engine.connect() as c:
        for table, key in TABLES.items():
            df = pd.read_sql(text(f"SELECT * FROM {table} ORDER BY {key}"), c)
            out[table] = df.drop(columns=[col for col in ("run_id", "stamp") if col in df.columns])
    engine.dispose()
    return out


def same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(a[table], b[table], obj=table)


def count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(text(sql)).scalar_one())
    except Exception:  # noqa: BLE001 - the tables may not exist yet while a run starts
        return 0
    finally:
        engine.dispose()


@pytest.fixture
def other_url(request, tmp_path, database_url, pg_admin_if_needed):
    """A second fresh database of the same kind as `database_url`, for a reference run."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'reference.sqlite'}"
        return
    name = f"itdash_test_{uuid.uuid4().hex[:12]}"
    with pg_admin_if_needed.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with pg_admin_if_needed.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_admin_if_needed(request, database_url):
    return request.getfixturevalue("pg_admin") if not database_url.startswith("sqlite") else None


def etl(folder: Path, url: str, log: Path, *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "itdash.cli", "etl", "--corpus", str(folder), "--database", url]
    args += ["--curated", str(folder / "none"), *extra]
    with log.open("wb") as err:
        return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)


def killed_after(folder: Path, url: str, log: Path, sql: str = "SELECT count(*) FROM documents") -> None:
    """An `itdash etl` over `folder`, killed once `sql` counts a chunk's documents written."""
    child = etl(folder, url, log, "--workers", "2")
    end = time.monotonic() + 240
    while count(url, sql) < CHUNK:
        assert child.poll() is None, log.read_text()
        assert time.monotonic() < end, "the first chunk never arrived"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)


# --- one pandera call a chunk, failures back to their documents


def frames(doc: str, doc_id: str, spans: list[tuple[int, int]]) -> validate.Frames:
    figures = [
        dict(
            id=f"{doc_id[:16]}-{a}-{b}",
            doc_id=doc_id,
            part="reply",
            item=None,
            start=a,
            end=b,
            text="12",
            value=12.0,
            qualifier="exact",
            unit="project",
            subject=None,
            as_of="2024-06-30",
            as_of_start=date(2024, 6, 30),
            as_of_end=date(2024, 6, 30),
            sentence="There were 12 projects.",
        )
        for a, b in spans
    ]
    return validate.Frames(doc, doc_id, 100, figures, [])


def test_scl001_one_bad_document_of_a_batch_is_reported_alone_by_its_own_row():
    items = [
        frames("a.txt", "a" * 64, [(0, 2), (10, 12)]),
        frames("b.txt", "b" * 64, [(0, 2), (30, 20)]),  # its second figure ends before it starts
        frames("c.txt", "c" * 64, [(5, 7)]),
    ]
    errors = validate.batch(items)
    assert set(errors) == {1}
    assert errors[1].doc == "b.txt" and errors[1].stage == "validate"
    assert "span must lie inside its document" in errors[1].reason
    assert "(row 1)" in errors[1].reason  # its row within the document, not within the batch


def test_scl002_the_same_bytes_twice_in_a_batch_are_not_duplicate_rows():
    items = [frames("a.txt", "a" * 64, [(0, 2)]), frames("copy.txt", "a" * 64, [(0, 2)])]
    assert validate.batch(items) == {}


def test_scl003_a_chunk_with_one_bad_document_quarantines_it_alone(tmp_path, database_url):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for n in range(6):
        (folder / f"2025-03-05-LCQ{n}-good.txt").write_text(_reply(GOOD.format(n=40 + n)), encoding="utf-8")
    # A value pandera refuses (no finite number), in the same chunk as the good ones.
    bad = _reply("As of June 2024, there were " + "9" * 400 + " datasets.")
    (folder / "2025-03-05-LCQ9-bad.txt").write_text(bad, encoding="utf-8")
    summary = pipeline.run([folder], database_url, curated_dir=folder / "none")
    assert summary.documents_loaded == 6
    (failure,) = summary.failures
    assert failure.doc == "2025-03-05-LCQ9-bad.txt"
    assert failure.stage == "validate"
    assert failure.reason.startswith("figures failed validation: value: a value must be a finite number")
    assert count(database_url, "SELECT count(*) FROM documents") == 6
    assert count(database_url, "SELECT count(*) FROM quarantine WHERE source LIKE '%bad%'") == 1


def test_scl004_a_chunk_the_database_refuses_is_written_again_one_document_at_a_time(tmp_path, database_url):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for n in range(3):
        (folder / f"2025-03-05-LCQ{n}-good.txt").write_text(_reply(GOOD.format(n=40 + n)), encoding="utf-8")
    summary = pipeline.Summary()
    from etl import corpus, db, indicators

    registry = indicators.load()
    engine = db.engine(database_url)
    load.sync_registry(engine, registry)
    pw = version.digest(registry)
    raws = [corpus.read(s) for s in corpus.discover([folder])]
    outcomes = pipeline.process_chunk(raws, registry, pw)
    assert all(isinstance(o, load.Rows) for o in outcomes)
    outcomes[1].document["published"] = None  # NOT NULL: the database itself refuses this one
    run = pipeline._Run(engine, None, pw, summary, load.stored(engine), locations.held(engine), None, 3)
    pipeline._write(run, [(r.name, r.sha256, False) for r in raws], outcomes)
    engine.dispose()
    assert summary.documents_loaded == 2
    (failure,) = summary.failures
    assert failure.doc == raws[1].name and failure.reason.startswith("unexpected ")
    assert count(database_url, "SELECT count(*) FROM documents") == 2
    assert count(database_url, "SELECT count(*) FROM quarantine") == 1


# --- the bench corpus is an archive's: both versions of a reply, pairing at work


def test_scl008_the_bench_corpus_s_two_versions_pair_and_agree(tmp_path, database_url):
    """The Chinese reply n of the bench is the English reply n told again; were it not (its own
    random figures, as before), the bench would read every pair and compare none, timing a run
    that a real archive never makes."""
    english, chinese = generate(tmp_path / "en", 30), generate_zh(tmp_path / "zh", 30)
    pipeline.run([english, chinese], database_url, curated_dir=tmp_path / "none")
    assert count(database_url, "SELECT count(*) FROM documents WHERE lang = 'zh-Hant'") == 30
    figures = count(database_url, "SELECT count(*) FROM figures")
    twinned = count(database_url, "SELECT count(*) FROM figures WHERE twin_id IS NOT NULL")
    agreeing = count(database_url, "SELECT count(*) FROM figures WHERE twin_agrees")
    assert figures > 600 and twinned == figures  # every figure has its counterpart
    assert agreeing >= 0.95 * figures
    # A Chinese figure takes its English twin's series.
    assert (
        count(
            database_url,
            "SELECT count(*) FROM figures f JOIN figures t ON t.id = f.twin_id"
            " WHERE f.series IS DISTINCT FROM t.series",
        )
        == 0
    )


# --- a run killed part-way


def test_scl005_a_run_killed_part_way_converges_to_a_clean_run(tmp_path, database_url, other_url):
    folder = generate(tmp_path / "corpus", 3 * CHUNK)
    killed_after(folder, database_url, tmp_path / "killed.err")
    loaded = count(database_url, "SELECT count(*) FROM documents")
    assert CHUNK <= loaded < 3 * CHUNK  # killed with work left to do
    assert (
        count(database_url, "SELECT count(*) FROM figures WHERE doc_id NOT IN (SELECT id FROM documents)")
        == 0
    )

    again = pipeline.run([folder], database_url, curated_dir=folder / "none")
    assert (again.documents_unchanged, again.documents_loaded) == (loaded, 3 * CHUNK - loaded)
    pipeline.run([folder], other_url, curated_dir=folder / "none")
    same_tables(dump(database_url), dump(other_url))


# --- shards of one corpus, at once, into one PostgreSQL


def test_scl006_shards_split_a_corpus_whole_and_disjoint():
    names = [f"{n}.txt" for n in range(500)]
    parts = [[n for n in names if Shard(k, 3).owns(n)] for k in (1, 2, 3)]
    assert sorted(sum(parts, [])) == sorted(names)
    assert all(len(p) > 100 for p in parts)
    assert Shard.parse(" 2/3 ") == Shard(2, 3)
    for bad in ("0/2", "3/2", "x", "1/0"):
        with pytest.raises(Exception, match="K/N"):
            Shard.parse(bad)
    assert select([], None) == []


@pytest.mark.postgres
def test_scl007_two_shards_at_once_give_the_tables_of_one_run(tmp_path, postgres_url, pg_admin):
    folder = generate(tmp_path / "corpus", 120)
    name = f"itdash_test_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    whole = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        logs = [tmp_path / "shard1.err", tmp_path / "shard2.err"]
        runs = [
            etl(folder, postgres_url, log, "--shard", f"{k}/2") for k, log in zip((1, 2), logs, strict=True)
        ]
        codes = [r.wait(timeout=600) for r in runs]
        said = [log.read_text(errors="replace") for log in logs]
        assert codes == [0, 0], said
        assert not any("Traceback" in s for s in said), said
        assert not any("another ETL run is writing" in s for s in said), said  # neither waited for the other
        engine = create_engine(postgres_url)
        with engine.connect() as c:
            runs_seen = c.execute(text("SELECT corpus, documents_read FROM etl_runs ORDER BY corpus")).all()
        engine.dispose()
        assert [r[0][-11:] for r in runs_seen] == ["(shard 1/2)", "(shard 2/2)"]
        assert sum(r[1] for r in runs_seen) == 120
        assert count(postgres_url, "SELECT count(*) FROM documents") == 120
        pipeline.run([folder], whole, curated_dir=folder / "none")
        same_tables(dump(postgres_url), dump(whole))
        # Reconciliation is idempotent: a shard run again changes nothing.
        again = subprocess.run(
            [
                sys.executable,
                "-m",
                "itdash.cli",
                "etl",
                "--corpus",
                str(folder),
                "--database",
                postgres_url,
                "--curated",
                str(folder / "none"),
                "--shard",
                "1/2",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert again.returncode == 0, again.stderr
        same_tables(dump(postgres_url), dump(whole))
    finally:
        with pg_admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- a first load of many documents into an empty database: indexes built once, at the end


def _indexes(url: str) -> dict[str, str]:
    """Every index of the database with its definition, as the database states it."""
    sql = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
        if url.startswith("sqlite")
        else "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    )
    engine = create_engine(url)
    with engine.connect() as c:
        found = dict(c.execute(text(sql)).all())
    engine.dispose()
    return found


def _keys(url: str) -> set[str]:
    """Every foreign key of the database, as the database states it (PostgreSQL drops them for a
    first load; SQLite keeps them in each table's definition)."""
    if url.startswith("sqlite"):
        return set()
    engine = create_engine(url)
    with engine.connect() as c:
        found = c.execute(
            text(
                "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
            )
        )
        keys = set(found.scalars())
    engine.dispose()
    return keys


def test_scl009_a_first_load_with_indexes_built_after_gives_the_tables_of_a_plain_one(
    tmp_path, monkeypatch, database_url, other_url
):
    english, chinese = generate(tmp_path / "en", 2 * CHUNK), generate_zh(tmp_path / "zh", 40)
    bulk, plain = database_url, other_url
    monkeypatch.setenv("ITDASH_BULK_FROM", "1")
    first = pipeline.run([english, chinese], bulk, curated_dir=tmp_path / "none", workers=2)
    monkeypatch.setenv("ITDASH_BULK_FROM", str(10**9))
    reference = pipeline.run([english, chinese], plain, curated_dir=tmp_path / "none", workers=2)
    assert "indexes" in first.stages and "indexes" not in reference.stages
    assert first.documents_loaded == reference.documents_loaded == 2 * CHUNK + 40
    same_tables(dump(bulk), dump(plain))
    assert _indexes(bulk) == _indexes(plain)  # every index back, as defined
    assert "ix_figures_doc_id" in _indexes(bulk)
    assert _keys(bulk) == _keys(plain)  # and every foreign key
    assert database_url.startswith("sqlite") or "figures figures_doc_id_fkey" in " ".join(_keys(bulk))
    # A second run finds a database that is not empty: no indexes dropped, nothing reloaded.
    monkeypatch.setenv("ITDASH_BULK_FROM", "1")
    again = pipeline.run([english, chinese], bulk, curated_dir=tmp_path / "none")
    assert "indexes" not in again.stages and again.documents_unchanged == first.documents_loaded


def test_scl014_a_first_load_whose_passes_fail_still_restores_every_index_and_key(
    tmp_path, monkeypatch, database_url, other_url
):
    """The observations and targets wait for the uncurated sync to get their indexes (and on
    PostgreSQL their keys) back: if a pass fails before it, the run still restores them."""
    folder = generate(tmp_path / "corpus", 40)
    monkeypatch.setenv("ITDASH_BULK_FROM", "1")

    def broken(*args, **kwargs):
        raise RuntimeError("the uncurated sync broke")

    monkeypatch.setattr(pipeline.uncurated, "sync", broken)
    with pytest.raises(RuntimeError, match="uncurated sync broke"):
        pipeline.run([folder], database_url, curated_dir=tmp_path / "none", workers=1)
    monkeypatch.undo()
    monkeypatch.setenv("ITDASH_CHUNK", str(CHUNK))
    pipeline.run([folder], other_url, curated_dir=tmp_path / "none", workers=1)
    assert "ix_observations_value" in _indexes(database_url)
    assert _indexes(database_url) == _indexes(other_url)
    assert _keys(database_url) == _keys(other_url)


def test_scl010_a_first_load_killed_with_its_indexes_dropped_gets_them_back_and_converges(
    tmp_path, monkeypatch, database_url, other_url
):
    """Each chunk commits on its own while the indexes are dropped: a process killed then leaves
    them dropped, and the next opening of the database (`db.engine`) must build them again."""
    folder = generate(tmp_path / "corpus", 3 * CHUNK)
    url, reference = database_url, other_url
    monkeypatch.setenv("ITDASH_BULK_FROM", "1")
    killed_after(folder, url, tmp_path / "killed.err")
    loaded = count(url, "SELECT count(*) FROM documents")
    assert CHUNK <= loaded < 3 * CHUNK
    assert "ix_figures_doc_id" not in _indexes(url)  # killed while they were dropped
    assert not any(" figures_doc_id_fkey " in k for k in _keys(url))  # and PostgreSQL's keys

    again = pipeline.run([folder], url, curated_dir=folder / "none")
    assert (again.documents_unchanged, again.documents_loaded) == (loaded, 3 * CHUNK - loaded)
    pipeline.run([folder], reference, curated_dir=folder / "none")
    assert _indexes(url) == _indexes(reference)
    assert _keys(url) == _keys(reference)
    same_tables(dump(url), dump(reference))


def _tables(url: str) -> set[str]:
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if url.startswith("sqlite")
        else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )
    engine = create_engine(url)
    with engine.connect() as c:
        found = {r[0] for r in c.execute(text(sql))}
    engine.dispose()
    return found


def _stale(url: str) -> None:
    """Every stored document as if a change of vocabulary had come since it was processed."""
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("UPDATE documents SET processed_with = 'an older vocabulary'"))
    engine.dispose()


def _reprocessed(tmp_path: Path, monkeypatch, folders: list[Path], bulk_from: int, url: str, **kw) -> tuple:
    monkeypatch.setenv("ITDASH_BULK_FROM", str(10**9))
    pipeline.run(folders, url, curated_dir=tmp_path / "none", workers=2)
    _stale(url)
    monkeypatch.setenv("ITDASH_BULK_FROM", str(bulk_from))
    return url, pipeline.run(folders, url, curated_dir=tmp_path / "none", workers=2, **kw)


def test_scl011_a_reprocess_of_many_documents_set_aside_gives_the_tables_of_a_plain_one(
    tmp_path, monkeypatch, database_url, other_url
):
    """A run that replaces many stored documents sets their rows aside (etl/setaside.py) and
    loads into emptied tables with no secondary index; it must leave the tables and indexes of
    a reprocess that replaced each document in place, and no held table."""
    folders = [generate(tmp_path / "en", 2 * CHUNK), generate_zh(tmp_path / "zh", 40)]
    seen: dict[str, object] = {}

    def told(stage: str) -> None:
        if stage == "put back" and not seen:  # the load is over; nothing is back yet
            seen["tables"], seen["indexes"] = _tables(redo_url), _indexes(redo_url)

    redo_url = database_url
    redo_url, redo = _reprocessed(tmp_path, monkeypatch, folders, 1, redo_url, on_stage=told)
    plain_url, plain = _reprocessed(tmp_path, monkeypatch, folders, 10**9, other_url)
    assert {"set aside", "put back", "indexes"} <= redo.stages.keys()
    assert not {"set aside", "put back"} & plain.stages.keys()
    assert redo.documents_loaded == plain.documents_loaded == 2 * CHUNK + 40
    assert redo.restored == 0
    assert {"held_documents", "held_figures", "held_observations"} <= seen["tables"]  # type: ignore[operator]
    assert "ix_figures_doc_id" not in seen["indexes"]  # type: ignore[operator]
    assert not {t for t in _tables(redo_url) if t.startswith("held_")}
    same_tables(dump(redo_url), dump(plain_url))
    assert _indexes(redo_url) == _indexes(plain_url)
    assert _keys(redo_url) == _keys(plain_url)  # PostgreSQL's foreign keys back, on the new tables


def test_scl012_a_document_failing_in_a_reprocess_set_aside_keeps_its_last_good_version(
    tmp_path, monkeypatch, database_url, other_url
):
    folders = [generate(tmp_path / "en", 2 * CHUNK)]
    bad = sorted(folders[0].glob("*.txt"))[7]
    good = bad.read_text()
    before = None
    runs = {}
    for bulk_from, name, url in ((1, "redo", database_url), (10**9, "plain", other_url)):
        bad.write_text(good)
        monkeypatch.setenv("ITDASH_BULK_FROM", str(10**9))
        pipeline.run(folders, url, curated_dir=tmp_path / "none", workers=2)
        before = before or count(url, "SELECT count(*) FROM figures")
        _stale(url)
        bad.write_text(good.replace("Reply:", "Rejoinder:"))
        monkeypatch.setenv("ITDASH_BULK_FROM", str(bulk_from))
        runs[name] = url, pipeline.run(folders, url, curated_dir=tmp_path / "none", workers=2)
    (redo_url, redo), (plain_url, plain) = runs["redo"], runs["plain"]
    assert "set aside" in redo.stages and redo.restored == 1
    assert [e.doc for e in redo.failures] == [e.doc for e in plain.failures] == [bad.name]
    kept = "SELECT count(*) FROM figures f JOIN documents d ON d.id = f.doc_id WHERE d.source = '%s'"
    assert count(redo_url, kept % bad.name) > 0  # its last good version, with its figures
    assert count(redo_url, "SELECT count(*) FROM figures") == before
    same_tables(dump(redo_url), dump(plain_url))


def test_scl013_a_reprocess_killed_with_documents_set_aside_converges(
    tmp_path, monkeypatch, database_url, other_url
):
    """Killed after the set aside: the held tables stay, and the next run first puts back what
    the killed one did not write again, then converges to the tables of a clean run."""
    folder = generate(tmp_path / "corpus", 3 * CHUNK)
    url, reference = database_url, other_url
    pipeline.run([folder], url, curated_dir=folder / "none", workers=2)
    _stale(url)
    monkeypatch.setenv("ITDASH_BULK_FROM", "1")
    fresh = "SELECT count(*) FROM documents WHERE processed_with <> 'an older vocabulary'"
    killed_after(folder, url, tmp_path / "killed.err", fresh)
    loaded = count(url, "SELECT count(*) FROM documents")
    assert CHUNK <= loaded < 3 * CHUNK  # killed with documents still set aside
    assert "held_documents" in _tables(url)

    again = pipeline.run([folder], url, curated_dir=folder / "none")
    assert again.documents_unchanged == loaded and again.documents_loaded == 3 * CHUNK - loaded
    assert not {t for t in _tables(url) if t.startswith("held_")}
    pipeline.run([folder], reference, curated_dir=folder / "none")
    assert _indexes(url) == _indexes(reference)
    assert _keys(url) == _keys(reference)
    same_tables(dump(url), dump(reference))


@contextmanager
def _writer_bug(table: str, column: str, doc_id: str) -> Iterator[None]:
    """The writer (this process) stores `column` of document `doc_id`'s rows of `table` as
    'nowhere': a row referring to nothing, which the foreign keys catch once they are there."""
    plain = db.bulk_insert

    def planting(c, into, rows):
        if into.name == table:
            rows = [{**r, column: "nowhere"} if r["doc_id"] == doc_id else r for r in rows]
        plain(c, into, rows)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(db, "bulk_insert", planting)
        yield


def _scalar(url: str, sql: str, **params: object) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return c.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


def _without_reasons(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables with the quarantine's source, document and stage only: a write the keys refuse
    and a key added back quarantine the same document with different reasons."""
    tables["quarantine"] = tables["quarantine"][["source", "doc_id", "stage"]]
    return tables


def _quarantined(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as c:
        found = c.execute(text("SELECT source, doc_id, stage, code FROM quarantine ORDER BY source")).all()
    engine.dispose()
    return [tuple(row) for row in found]


def test_scl015_a_row_referring_to_nothing_costs_its_document_alone_in_a_bulk_load_too(
    tmp_path, monkeypatch, database_url, other_url
):
    """A first load on PostgreSQL drops the foreign keys (`db.drop_secondary`), so a row that
    refers to nothing is not refused as it is written, where it would cost its document alone
    (the load's one-by-one retry): adding the keys back finds it, and takes that document out
    whole and quarantines it, instead of failing the run and every later opening."""
    folder = generate(tmp_path / "corpus", 40)
    raws = [read(s) for s in discover([folder])]
    bad = raws[7]
    with _writer_bug("figures", "sentence_id", bad.sha256):
        monkeypatch.setenv("ITDASH_BULK_FROM", "1")
        first = pipeline.run([folder], database_url, curated_dir=tmp_path / "none", workers=2)
        monkeypatch.setenv("ITDASH_BULK_FROM", str(10**9))
        reference = pipeline.run([folder], other_url, curated_dir=tmp_path / "none", workers=2)
    assert "indexes" in first.stages and "indexes" not in reference.stages
    assert first.documents_loaded == reference.documents_loaded == len(raws) - 1
    assert first.figures == reference.figures and first.quarantined == reference.quarantined == 1
    (failure,) = first.failures
    assert failure.doc == bad.name
    if not database_url.startswith("sqlite"):  # SQLite keeps its keys: the write refused it
        assert failure.reason.endswith("foreign keys were added back): figures.sentence_id -> sentences")
    assert (
        _quarantined(database_url)[0][:3] == _quarantined(other_url)[0][:3] == (bad.name, bad.sha256, "load")
    )
    same_tables(_without_reasons(dump(database_url)), _without_reasons(dump(other_url)))
    assert _keys(database_url) == _keys(other_url)
    if database_url.startswith("sqlite"):
        return
    # A run killed with the keys dropped leaves them to the next opening (`db._create`), which
    # takes out a document the same way: here one whose figure a row refers to; and deletes
    # such a row of no document (as a curated file's), its document staying.
    engine = create_engine(database_url)
    with engine.begin() as c:
        c.execute(text("ALTER TABLE observations DROP CONSTRAINT observations_figure_id_fkey"))
        found = c.execute(
            text("SELECT doc_id, id FROM observations WHERE figure_id IS NOT NULL ORDER BY doc_id")
        ).all()
        (doc_id, _), (other, lone) = found[0], found[-1]
        assert other != doc_id
        c.execute(text("UPDATE observations SET figure_id = 'nowhere' WHERE doc_id = :d"), {"d": doc_id})
        c.execute(
            text("UPDATE observations SET figure_id = 'nowhere', doc_id = NULL WHERE id = :i"), {"i": lone}
        )
    engine.dispose()
    db.engine(database_url).dispose()
    assert count(database_url, f"SELECT count(*) FROM observations WHERE id = '{lone}'") == 0
    assert count(database_url, f"SELECT count(*) FROM documents WHERE id = '{doc_id}'") == 0
    assert count(database_url, f"SELECT count(*) FROM figures WHERE doc_id = '{doc_id}'") == 0
    assert count(database_url, "SELECT count(*) FROM documents") == len(raws) - 2
    assert any(q[1] == doc_id and q[3] == "refers_to_nothing" for q in _quarantined(database_url))
    assert _keys(database_url) == _keys(other_url)  # the key is back


def test_scl016_a_row_referring_to_nothing_in_a_reprocess_keeps_its_document_s_last_good_version(
    tmp_path, monkeypatch, database_url, other_url
):
    """In a reprocess the keys come back after the put back (etl/setaside.py): the document
    taken out then gets its set-aside version back, as a write the keys refuse leaves it."""
    folders = [generate(tmp_path / "en", 40)]
    bad = read(discover(folders)[7])
    runs = {}
    kept = "SELECT count(*) FROM figures f JOIN documents d ON d.id = f.doc_id WHERE d.source = '%s'"
    for bulk_from, name, url in ((1, "redo", database_url), (10**9, "plain", other_url)):
        monkeypatch.setenv("ITDASH_BULK_FROM", str(10**9))
        pipeline.run(folders, url, curated_dir=tmp_path / "none", workers=2)
        before = count(url, kept % bad.name)
        _stale(url)
        monkeypatch.setenv("ITDASH_BULK_FROM", str(bulk_from))
        with _writer_bug("figures", "sentence_id", bad.sha256):
            runs[name] = url, pipeline.run(folders, url, curated_dir=tmp_path / "none", workers=2)
        assert before > 0 and count(url, kept % bad.name) == before  # its last good version, whole
        stale = "SELECT processed_with FROM documents WHERE source = :s"
        assert _scalar(url, stale, s=bad.name) == "an older vocabulary"
    (redo_url, redo), (plain_url, plain) = runs["redo"], runs["plain"]
    assert "set aside" in redo.stages and redo.restored == 1
    assert redo.documents_loaded == plain.documents_loaded == 39
    assert [e.doc for e in redo.failures] == [e.doc for e in plain.failures] == [bad.name]
    if not database_url.startswith("sqlite"):  # taken out when the keys came back, then put back
        assert redo.failures[0].reason.endswith("added back): figures.sentence_id -> sentences")
    same_tables(_without_reasons(dump(redo_url)), _without_reasons(dump(plain_url)))
    assert not {t for t in _tables(redo_url) if t.startswith("held_")}
    assert _keys(redo_url) == _keys(plain_url)


def test_scl017_a_document_taken_out_after_the_uncurated_sync_is_loaded_by_the_next_run(
    tmp_path, monkeypatch, database_url, other_url
):
    """The observations' keys come back only after the uncurated sync (`pipeline._after`): a
    document they take out is counted out, and the next run loads it and runs the passes whole
    (the digest of their inputs covers the stored documents), converging to a clean run's tables."""
    folder = generate(tmp_path / "en", 40)
    pipeline.run([folder], other_url, curated_dir=tmp_path / "none", workers=2)  # the clean run
    extracted = (
        "SELECT doc_id FROM observations WHERE figure_id IS NOT NULL AND rule <> 'series' ORDER BY doc_id"
    )
    bad = str(_scalar(other_url, extracted + " LIMIT 1"))
    monkeypatch.setenv("ITDASH_BULK_FROM", "1")
    with _writer_bug("observations", "figure_id", bad):
        first = pipeline.run([folder], database_url, curated_dir=tmp_path / "none", workers=2)
    assert first.documents_loaded == 39 and first.quarantined == 1
    (failure,) = first.failures
    if not database_url.startswith("sqlite"):
        assert failure.reason.endswith("added back): observations.figure_id -> figures")
    assert count(database_url, f"SELECT count(*) FROM documents WHERE id = '{bad}'") == 0
    assert count(database_url, f"SELECT count(*) FROM observations WHERE doc_id = '{bad}'") == 0
    again = pipeline.run([folder], database_url, curated_dir=tmp_path / "none", workers=2)
    assert (again.documents_loaded, again.documents_unchanged) == (1, 39)
    assert "series" in again.stages  # the passes ran, not skipped by a kept digest
    same_tables(dump(database_url), dump(other_url))
    assert _keys(database_url) == _keys(other_url)
