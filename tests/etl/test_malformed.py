"""Hostile documents through the whole ETL into a real database (SQLite file and PostgreSQL).

Each test is one defect of issue 16: a document or manifest row that used to
stop the run, or to be lost, is now quarantined with its file and reason
while every other document and the curated rows load.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.malformed import _reply, generate, run
from etl import pipeline

GOOD = _reply("As of June 2024, some 41 test pages were checked.")


def rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as c:
        out = [tuple(r) for r in c.execute(text(sql))]
    engine.dispose()
    return out


def folder_of(tmp_path: Path, files: dict[str, str], name: str = "corpus") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, content in files.items():
        (folder / file).write_text(content, encoding="utf-8")
    return folder


def test_mal001_values_the_database_cannot_hold_quarantine_their_document(tmp_path, database_url):
    folder = folder_of(
        tmp_path,
        {
            "2025-03-05-LCQ1-good.txt": GOOD,
            "2025-03-05-lcq-2-63.txt": _reply("As of 2024, 12 projects were run.", lcq=str(2**63)),
            "2025-03-05-lcq-2-31.txt": _reply("As of 2024, 13 projects were run.", lcq=str(2**31)),
            "2025-03-05-infinite.txt": _reply("As of June 2024, there were " + "9" * 400 + " datasets."),
            "2025-03-05-year-9999.txt": _reply(
                "As of 2024, 3 projects.", ends="Ends/Friday, December 31, 9999"
            ),
        },
    )
    summary = pipeline.run([folder], database_url)  # the real curated files too
    reasons = {e.doc: e.reason for e in summary.failures if "curated" not in e.doc}
    assert summary.documents_loaded == 1
    assert "documents.lcq_number = 9223372036854775808 does not fit" in reasons["2025-03-05-lcq-2-63.txt"]
    assert "documents.lcq_number = 2147483648 does not fit" in reasons["2025-03-05-lcq-2-31.txt"]
    assert "finite" in reasons["2025-03-05-infinite.txt"]
    assert "9999-12-31 is not a plausible date" in reasons["2025-03-05-year-9999.txt"]
    assert summary.curated > 0  # the run went on to the curated rows
    stored = dict(rows(database_url, "SELECT source, stage FROM quarantine"))
    assert {k: stored[k] for k in reasons} == dict.fromkeys(reasons, "validate")
    assert rows(database_url, "SELECT source FROM documents") == [("2025-03-05-LCQ1-good.txt",)]


def test_mal002_any_failure_of_one_document_quarantines_it_and_the_run_goes_on(tmp_path, database_url):
    # A file name that is not UTF-8 reaches the driver as text neither database can store:
    # an error from outside itdash's own checks, which used to escape as a traceback.
    folder = folder_of(tmp_path, {"2025-03-05-LCQ1-good.txt": GOOD})
    with open(os.path.join(os.fsencode(folder), b"2025-03-05-caf\xe9.txt"), "wb") as f:
        f.write(_reply("As of 2024, 19 projects were run.").encode())
    summary = pipeline.run([folder], database_url, curated_dir=folder / "none")
    assert summary.documents_loaded == 1
    (failure,) = summary.failures
    assert failure.doc == "2025-03-05-caf\\udce9.txt"
    assert failure.reason.startswith("unexpected ") and "Unicode" in failure.reason
    assert "\n" not in failure.reason
    assert rows(database_url, "SELECT source, stage FROM quarantine") == [
        ("2025-03-05-caf\\udce9.txt", "load")
    ]


def test_mal003_identical_bytes_are_one_document_found_in_several_places(tmp_path, database_url):
    first = folder_of(tmp_path, {"2025-03-05-LCQ1-a.txt": GOOD}, "first")
    shutil.copy(first / "2025-03-05-LCQ1-a.txt", first / "2025-03-05-LCQ1-copy.txt")
    second = folder_of(tmp_path, {"2025-03-05-LCQ1-a.txt": GOOD}, "second")  # same name, other corpus
    summary = pipeline.run([first, second], database_url, curated_dir=first / "none")
    assert summary.documents_read == 3
    assert summary.documents_loaded == 1
    assert summary.duplicates == ["2025-03-05-LCQ1-copy.txt: same bytes as 2025-03-05-LCQ1-a.txt"]
    assert summary.documents_unchanged == 1  # the other corpus's copy has the loaded name
    assert "duplicate" in summary.line()
    places = rows(database_url, "SELECT path, doc_id FROM document_locations ORDER BY path")
    assert [Path(p).relative_to(tmp_path).as_posix() for p, _ in places] == [
        "first/2025-03-05-LCQ1-a.txt",
        "first/2025-03-05-LCQ1-copy.txt",
        "second/2025-03-05-LCQ1-a.txt",
    ]
    assert len({d for _, d in places}) == 1
    assert rows(database_url, "SELECT count(*) FROM documents") == [(1,)]

    again = pipeline.run([first, second], database_url, curated_dir=first / "none")
    assert again.documents_loaded == 0
    assert again.documents_unchanged == 3
    assert again.duplicates == ["2025-03-05-LCQ1-copy.txt: same bytes as 2025-03-05-LCQ1-a.txt"]


def test_mal004_a_bad_manifest_row_is_quarantined_and_the_others_load(tmp_path, database_url):
    folder = folder_of(tmp_path, {f"{k}.txt": GOOD.replace("41", str(40 + k)) for k in range(1, 6)})
    (folder / "manifest.csv").write_bytes(
        b"\xef\xbb\xbffile,url,published,lang\n"
        b"1.txt,,2025-03-05,en\n"
        b"2.txt,,not-a-date,en\n"
        b"3.txt,https://x.invalid/caf\xe9,2025-03-05,en\n"
        b'"4.txt,,2025-03-05,en\n'
        b"5.txt,,2025-03-05,en\n"
        b"../outside.txt,,2025-03-05,en\n"
    )
    summary = pipeline.run([folder], database_url, curated_dir=folder / "none")
    assert sorted(r[0] for r in rows(database_url, "SELECT source FROM documents")) == ["1.txt", "5.txt"]
    quarantined = dict(rows(database_url, "SELECT source, reason FROM quarantine"))
    manifest = folder / "manifest.csv"
    assert set(quarantined) == {"2.txt", f"{manifest}:4", f"{manifest}:5", f"{manifest}:7"}
    assert f"{manifest} line 3" in quarantined["2.txt"]
    assert "UTF-8" in quarantined[f"{manifest}:4"]
    assert "quote" in quarantined[f"{manifest}:5"]
    assert "climbs out" in quarantined[f"{manifest}:7"]
    assert summary.quarantined == 4


def test_mal005_work_per_document_is_bounded(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("ITDASH_MAX_DOCUMENT_BYTES", "20000")
    monkeypatch.setenv("ITDASH_MAX_FIGURES", "50")
    folder = folder_of(
        tmp_path,
        {
            "2025-03-05-LCQ1-good.txt": GOOD,
            "2025-03-05-big.txt": _reply("As of 2024, 3 projects. " + "Words. " * 4000),
            "2025-03-05-many.txt": _reply("In 2024: " + ", ".join(f"{k} forms" for k in range(1, 200))),
        },
    )
    os.mkfifo(folder / "2025-03-05-fifo.txt")
    (folder / "2025-03-05-zero.txt").symlink_to("/dev/zero")
    summary = pipeline.run([folder], database_url, curated_dir=folder / "none")
    reasons = {e.doc: e.reason for e in summary.failures}
    assert summary.documents_loaded == 1
    assert "over the limit of 20000" in reasons["2025-03-05-big.txt"]
    assert "199 figures, over the limit of 50" in reasons["2025-03-05-many.txt"]
    assert "FIFO" in reasons["2025-03-05-fifo.txt"]
    assert "outside the corpus folder" in reasons["2025-03-05-zero.txt"]


def test_mal006_nothing_outside_the_corpus_is_read(tmp_path, database_url):
    (tmp_path / "outside.txt").write_text(_reply("Outside: 99 projects."), encoding="utf-8")
    folder = folder_of(tmp_path, {"2025-03-05-LCQ1-good.txt": GOOD})
    (folder / "2025-03-05-link.txt").symlink_to("../outside.txt")
    (folder / "manifest.csv").write_text(
        "file,url,published,lang\n2025-03-05-LCQ1-good.txt,,,en\n../outside.txt,,2025-03-05,en\n"
        f"/etc/passwd,,2025-03-05,en\n{tmp_path / 'outside.txt'},,2025-03-05,en\n2025-03-05-link.txt,,,en\n"
    )
    summary = pipeline.run([folder], database_url, curated_dir=folder / "none")
    assert summary.documents_loaded == 1 and summary.quarantined == 4
    contents = [r[0] for r in rows(database_url, "SELECT content FROM documents")]
    assert not any("Outside" in c or "root:" in c for c in contents)


def test_mal007_a_generated_hostile_corpus_loads_every_good_reply(tmp_path, database_url):
    expected = generate(tmp_path / "corpus", 60)
    assert expected.malformed >= 60 and expected.good
    report = run(expected, database_url, tmp_path)
    assert report.tracebacks == 0, report.lines()
    assert report.returncode == 0, report.lines()
    assert report.missing_good == [], report.lines()
    assert report.not_quarantined == [], report.lines()
    assert report.duplicates_reported == report.duplicates, report.lines()
    assert report.outside_read == [], report.lines()
    assert report.ok


def test_mal008_storable_names_every_value_a_database_would_refuse():
    from datetime import date

    from etl.validate import storable
    from schemas.storage import DocumentRow, FigureRow

    doc = DocumentRow(
        id="d" * 64,
        source="x.txt",
        lcq_number=2**31,
        published=date(9999, 1, 1),
        date_source="closing line",
        kind="text",
        content="ok",
        processed_with="v",
        title="a\x00b",
    )
    figure = FigureRow(
        id="f",
        doc_id="d" * 64,
        ordinal=0,
        part="reply",
        start=0,
        end=1,
        text="9",
        value=float("inf"),
        qualifier="exact",
        unit="dataset",
        as_of="2024-01-01",
        as_of_start=date(2024, 1, 1),
        as_of_end=date(2024, 1, 1),
        mapping="unmapped",
    )
    try:
        storable([doc, figure], "x.txt")
    except Exception as e:  # noqa: BLE001 - the assertion below says which
        reason = str(e)
    else:
        raise AssertionError("storable let values through that PostgreSQL refuses")
    assert reason.startswith("x.txt: values the database cannot hold: ")
    for part in (
        "documents.lcq_number = 2147483648",
        "documents.title holds a NUL character at offset 1",
        "documents.published = 9999-01-01",
        "figures.value = inf is not a finite number",
    ):
        assert part in reason
    storable(
        [DocumentRow(**{**doc.model_dump(), "lcq_number": 13, "title": "t", "published": date(2025, 3, 5)})],
        "x",
    )
