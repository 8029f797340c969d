"""load on a handful of rows, on SQLite and PostgreSQL: replace atomically, quarantine, series flags."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from etl import db, indicators, load, normalise
from etl.indicators import Registry
from schemas import storage

IND = "open_data_datasets"  # unit: dataset


@pytest.fixture
def engine(database_url):
    eng = db.engine(database_url)
    load.sync_registry(eng, indicators.load())
    yield eng
    eng.dispose()


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql), params).all()]


def document(doc_id: str, source: str = "r.txt") -> storage.DocumentRow:
    return storage.DocumentRow(
        id=doc_id,
        source=source,
        url=f"https://example.org/{source}",
        published=date(2024, 7, 10),
        date_source="text",
        kind="text",
        content="Reply: over 5 000 datasets.",
        processed_with="v1",
    )


def figure(doc_id: str, start: int, value: float) -> storage.FigureRow:
    return storage.FigureRow(
        id=normalise.figure_id(doc_id, start, start + 5),
        doc_id=doc_id,
        ordinal=0,
        part="reply",
        start=start,
        end=start + 5,
        text=f"{value:g}",
        value=value,
        qualifier="over",
        unit="dataset",
        as_of="2024-06-30",
        as_of_start=date(2024, 6, 30),
        as_of_end=date(2024, 6, 30),
        mapping="mapped",
        indicator_id=IND,
    )


def observation(fig: storage.FigureRow, published: date = date(2024, 7, 10)) -> storage.Observation:
    return normalise.observation(
        normalise.Stated(normalise.reply_id(fig.id), IND, fig.as_of, fig.value, fig.qualifier, fig.unit),
        normalise.Source("reply", None, published, figure_id=fig.id, doc_id=fig.doc_id),
        sentence=None,
        rule=f"{IND}#1",
    )


def test_a_document_is_current_until_its_bytes_or_the_version_change(engine):
    doc = document("a" * 64)
    fig = figure(doc.id, 7, 5000)
    load.write_document(engine, doc, [fig], [observation(fig)])
    assert load.is_current(engine, "r.txt", "a" * 64, "v1")
    assert not load.is_current(engine, "r.txt", "a" * 64, "v2")
    assert not load.is_current(engine, "r.txt", "b" * 64, "v1")
    assert not load.is_current(engine, "other.txt", "a" * 64, "v1")


def test_a_new_version_of_a_source_replaces_its_rows_and_clears_its_quarantine(engine):
    old = document("a" * 64)
    fig = figure(old.id, 7, 5000)
    load.write_document(engine, old, [fig], [observation(fig)])
    load.quarantine(engine, "r.txt", None, "parse", "first reason", None)
    load.quarantine(engine, "r.txt", None, "parse", "second reason", None)  # one row a source
    assert rows(engine, "SELECT reason FROM quarantine") == [("second reason",)]

    new = document("b" * 64)
    fig2 = figure(new.id, 9, 5100)
    goal = normalise.target(
        normalise.Stated(normalise.reply_id(fig2.id) + "-goal", IND, "2027-12-31", 9000, "exact", "dataset"),
        normalise.Source("reply", None, new.published, doc_id=new.id),
        note="by 2027",
    )
    load.write_document(engine, new, [fig2], [observation(fig2)], [goal])
    assert rows(engine, "SELECT id FROM documents") == [("b" * 64,)]
    assert rows(engine, "SELECT value FROM figures") == [(5100,)]
    assert rows(engine, "SELECT value, lower, upper FROM observations") == [(5100, 5100, None)]
    assert rows(engine, "SELECT value FROM targets") == [(9000,)]
    assert rows(engine, "SELECT count(*) FROM quarantine") == [(0,)]


def test_a_failed_write_leaves_the_old_version_whole(engine):
    old = document("a" * 64)
    fig = figure(old.id, 7, 5000)
    load.write_document(engine, old, [fig], [observation(fig)])
    new = document("b" * 64)
    bad = figure(new.id, 9, 5100)
    broken = observation(bad)
    broken.indicator_id = "no_such_indicator"  # a foreign key the database refuses
    with pytest.raises(Exception):  # noqa: B017 - whichever driver error, the point is what remains
        load.write_document(engine, new, [bad], [broken])
    assert rows(engine, "SELECT id FROM documents") == [("a" * 64,)]
    assert rows(engine, "SELECT value FROM observations") == [(5000,)]


def test_curated_rows_replace_their_file_only_and_duplicates_load_once(engine):
    def row(name: str, value: float) -> storage.Observation:
        return normalise.observation(
            normalise.Stated(f"curated:{name}:{value:g}", IND, "2023-12-31", value, "exact", "dataset"),
            normalise.Source("curated", None, date(2024, 1, 5)),
            sentence=None,
            rule="curated",
        )

    load.write_curated(engine, "a.csv", [row("a.csv", 1), row("a.csv", 1), row("a.csv", 2)], [])
    load.write_curated(engine, "b.csv", [row("b.csv", 3)], [])
    load.write_curated(engine, "a.csv", [row("a.csv", 4)], [])
    assert rows(engine, "SELECT id FROM observations ORDER BY id") == [
        ("curated:a.csv:4",),
        ("curated:b.csv:3",),
    ]


def test_series_flags_and_warnings_round_trip(engine):
    doc = document("a" * 64)
    f1, f2 = figure(doc.id, 7, 5000), figure(doc.id, 20, 4000)
    load.write_document(engine, doc, [f1, f2], [observation(f1), observation(f2)])
    got = load.series_observations(engine)
    assert sorted(got["value"]) == [4000, 5000]
    assert list(got.columns) == [
        "id",
        "indicator_id",
        "as_of",
        "value",
        "qualifier",
        "source_kind",
        "source_tier",
        "published",
        "period_start",
        "period_end",
    ]
    assert set(got["published"]) == {date(2024, 7, 10)}
    ids = sorted(got["id"])
    flags = [
        dict(id=ids[0], conflict=True, revision=None, preferred=True),
        dict(id=ids[1], conflict=True, revision=None, preferred=False),
    ]
    warning = dict(id="w1", indicator_id=IND, kind="outlier", observation_id=ids[0], message="far off")
    load.write_series(engine, flags, [warning])
    load.write_series(engine, flags, [warning])  # replaced, not added
    assert rows(engine, "SELECT id, conflict, preferred FROM observations ORDER BY id") == [
        (ids[0], True, True),
        (ids[1], True, False),
    ]
    assert rows(engine, "SELECT id FROM series_warnings") == [("w1",)]


def test_the_registry_sync_drops_an_indicator_and_its_rows(engine):
    doc = document("a" * 64)
    fig = figure(doc.id, 7, 5000)
    load.write_document(engine, doc, [fig], [observation(fig)])
    full = indicators.load()
    kept = {k: v for k, v in full.indicators.items() if k != IND}
    load.sync_registry(engine, Registry(full.themes, kept, "smaller"))
    assert rows(engine, "SELECT count(*) FROM indicators WHERE id = :i", i=IND) == [(0,)]
    assert rows(engine, "SELECT count(*) FROM observations") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM indicators") == [(len(kept),)]


def test_a_run_is_started_and_finished(engine):
    run_id = load.start_run(engine, storage.EtlRun(started_at=datetime.now(UTC), corpus="c"))
    load.finish_run(engine, run_id, documents_read=3, seconds=1.5)
    assert rows(engine, "SELECT corpus, documents_read, seconds FROM etl_runs") == [("c", 3, 1.5)]


def test_an_unchanged_rerun_writes_no_warning(database_url):
    """The load-time checks and the two versions' disagreements are compared with what is stored,
    each writer its own kind: a rerun over the same corpus deletes and inserts no warning row."""
    from pathlib import Path

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from etl import pipeline

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    corpora = [fixtures / "gold" / "replies", fixtures / "gold_zh" / "replies"]
    pipeline.run(corpora, database_url)
    engine = db.engine(database_url, create=False)
    with engine.connect() as c:
        kinds = set(c.scalars(text("SELECT DISTINCT kind FROM series_warnings")))
    engine.dispose()
    assert {"twin_disagrees", "falling_stock"} <= kinds
    writes: list[str] = []

    def spy(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        if "series_warnings" in statement and statement.lstrip().upper().startswith(("DELETE", "INSERT")):
            writes.append(statement)

    event.listen(Engine, "before_cursor_execute", spy)
    try:
        pipeline.run(corpora, database_url)
    finally:
        event.remove(Engine, "before_cursor_execute", spy)
    assert writes == []
