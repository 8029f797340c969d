"""Review at series level (series.md: merge, split, rename, promote) and the two versions of one
reply compared in the database (figures.md): stored with who, when and why, applied after every run.

Everything runs the real ETL over our own fixture pair (the gold set's LCQ7 of 2024-05-08 in
English and Chinese, whose Chinese version drops the hedge of "over 2 300 datasets") into SQLite
and PostgreSQL, and `itdash review` through typer's runner or a subprocess.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from etl import db, indicators, pairing, pipeline, series_review, settings
from etl.errors import ItdashError
from itdash.cli import app
from tests.conftest import FIXTURES, ROOT

EN = FIXTURES / "gold" / "replies" / "2024-05-08-LCQ7-open-data.txt"
ZH = FIXTURES / "gold_zh" / "replies" / "2024-05-08-LCQ7-open-data-zh.txt"
runner = CliRunner()


@pytest.fixture
def pair_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "pair"
    folder.mkdir()
    rows = ["file,url,published,lang"]
    for src, lang in ((EN, "en"), (ZH, "zh-Hant")):
        shutil.copy(src, folder / src.name)
        rows.append(f"{src.name},,2024-05-08,{lang}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    return folder


@pytest.fixture
def promoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The promoted-series file of this test only (never the project's data/promoted.toml)."""
    path = tmp_path / "data" / "promoted.toml"
    monkeypatch.setattr(settings, "PROMOTED_FILE", path)
    return path


def rows(url: str, sql: str, **params: object) -> list[tuple]:
    eng = db.engine(url)
    with eng.connect() as c:
        out = [tuple(r) for r in c.execute(text(sql), params)]
    eng.dispose()
    return out


def etl(corpus: Path, url: str, reprocess: bool = False) -> pipeline.Summary:
    """One ETL run; `reprocess` makes it read every document again, as a new extractor would."""
    if reprocess:
        eng = db.engine(url)
        with eng.begin() as c:
            c.execute(text("UPDATE documents SET processed_with = 'an older itdash'"))
        eng.dispose()
    return pipeline.run([corpus], url, curated_dir=corpus / "no-curated")


def series_of(url: str, figure_id: str) -> tuple[str, str]:
    ((series, label),) = rows(url, "SELECT series, series_label FROM figures WHERE id = :i", i=figure_id)
    return series, label


def figure(url: str, text_: str) -> str:
    ((fid,),) = rows(url, "SELECT id FROM figures WHERE text = :t", t=text_)
    return fid


def test_the_two_versions_are_compared_once_loaded_and_their_disagreement_warned(pair_corpus, database_url):
    etl(pair_corpus, database_url)
    marks = rows(
        database_url,
        "SELECT d.lang, f.twin_agrees, count(*) FROM figures f JOIN documents d ON d.id = f.doc_id "
        "WHERE f.part = 'reply' GROUP BY d.lang, f.twin_agrees",
    )
    assert not [m for m in marks if m[1] is None], marks  # every reply figure of the pair compared
    agree = sum(n for _, a, n in marks if a)
    assert agree >= 0.8 * sum(n for *_, n in marks)
    dropped = figure(database_url, "over 2 300 datasets")
    assert rows(database_url, "SELECT twin_agrees FROM figures WHERE id = :i", i=dropped) == [(False,)]
    # A Chinese twin joins its English twin's series.
    zh_series = rows(
        database_url,
        "SELECT count(*) FROM figures f JOIN documents d ON d.id = f.doc_id WHERE d.lang = 'zh-Hant' "
        "AND f.part = 'reply' AND f.series IN (SELECT f2.series FROM figures f2 JOIN documents d2 "
        "ON d2.id = f2.doc_id WHERE d2.lang = 'en')",
    )[0][0]
    assert zh_series >= 0.8 * sum(n for lang, _, n in marks if lang == "zh-Hant")
    # Each figure with a counterpart names it, both ways, in the other version (the dashboard's twin).
    twinned = rows(
        database_url,
        "SELECT d.lang, t.id, t.twin_id, f.id, td.lang FROM figures f JOIN documents d ON d.id = f.doc_id"
        " JOIN figures t ON t.id = f.twin_id JOIN documents td ON td.id = t.doc_id",
    )
    assert len(twinned) >= 0.8 * sum(n for *_, n in marks)
    assert all(back == own and lang != other for lang, _, back, own, other in twinned)

    found = {d.figure_id: d for d in pairing.disagreements(db.engine(database_url))}
    d = found[dropped]
    assert d.differs == ("qualifier",)
    assert d.english and d.chinese and d.english.qualifier == "over" and d.chinese.qualifier != "over"
    assert "over 2 300" in d.english.sentence and "自2019年起" in d.chinese.sentence
    warned = rows(
        database_url,
        "SELECT series, message FROM series_warnings WHERE kind = 'twin_disagrees' AND id = :i",
        i=f"twin_disagrees:{dropped}",
    )
    assert warned == [(d.series, pairing._message(d))] and d.series
    # A second run reads nothing new and keeps the marks and the warning.
    summary = etl(pair_corpus, database_url)
    assert summary.documents_unchanged == 2
    assert rows(database_url, "SELECT twin_agrees FROM figures WHERE id = :i", i=dropped) == [(False,)]
    assert len(rows(database_url, "SELECT id FROM series_warnings WHERE kind = 'twin_disagrees'")) == len(
        {x.figure_id for x in found.values()}
    )


def test_a_reply_whose_twin_is_gone_is_no_longer_compared(pair_corpus, database_url, tmp_path):
    etl(pair_corpus, database_url)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(EN, alone / EN.name)
    (alone / "manifest.csv").write_text(f"file,url,published,lang\n{EN.name},,2024-05-08,en\n")
    eng = db.engine(database_url)
    with eng.begin() as c:  # the Chinese document's number misread: it is no twin any more
        c.execute(text("UPDATE documents SET lcq_number = 99 WHERE lang = 'zh-Hant'"))
    eng.dispose()
    etl(alone, database_url)
    assert rows(database_url, "SELECT count(*) FROM figures WHERE twin_agrees IS NOT NULL") == [(0,)]
    assert rows(database_url, "SELECT count(*) FROM figures WHERE twin_id IS NOT NULL") == [(0,)]
    assert rows(database_url, "SELECT count(*) FROM series_warnings WHERE kind = 'twin_disagrees'") == [(0,)]


def test_merge_split_and_rename_hold_after_every_run(pair_corpus, database_url):
    etl(pair_corpus, database_url)
    eng = db.engine(database_url)
    listed = series_review.summaries(eng)
    assert listed["figures"].sum() == rows(database_url, "SELECT count(*) FROM figures")[0][0]
    dropped = figure(database_url, "over 2 300 datasets")
    a, _ = series_of(database_url, dropped)
    b = next(s for s in listed["series"] if s != a)
    members = [r[0] for r in rows(database_url, "SELECT id FROM figures WHERE series = :s", s=a)]
    assert len(members) >= 2  # the English figure and its Chinese twin at least

    d = series_review.decide(eng, "merge", a, "one measure, two names", "ana", into=b)
    assert (d.who, d.reason, d.at is not None) == ("ana", "one measure, two names", True)
    assert rows(database_url, "SELECT count(*) FROM figures WHERE series = :s", s=a) == [(0,)]
    moved = members[1]
    split = series_review.decide(eng, "split", moved, "a sub-population", "ben")
    assert split.series == b and split.new_series == series_review.split_id(b, moved)
    series_review.decide(
        eng, "rename", b, "clearer", "ana", label_en="Datasets on the portal", label_zh="資料一線通的數據集"
    )
    eng.dispose()

    def check() -> None:
        assert series_of(database_url, moved)[0] == split.new_series
        labels = dict(
            rows(
                database_url,
                "SELECT d.lang, f.series_label FROM figures f JOIN documents d ON d.id = f.doc_id "
                "WHERE f.series = :s",
                s=b,
            )
        )
        assert labels["en"] == "Datasets on the portal"
        assert labels.get("zh-Hant", "資料一線通的數據集") == "資料一線通的數據集"
        assert set(r[0] for r in rows(database_url, "SELECT id FROM figures WHERE series = :s", s=b)) >= (
            set(members) - {moved}
        )

    check()
    etl(pair_corpus, database_url)  # unchanged documents: the decisions are applied again
    check()
    summary = etl(pair_corpus, database_url, reprocess=True)  # every figure extracted afresh
    assert summary.documents_loaded == 2 and summary.decisions >= 3
    check()
    stored = rows(database_url, "SELECT action, who, reason FROM series_decisions ORDER BY id")
    assert stored == [
        ("merge", "ana", "one measure, two names"),
        ("split", "ben", "a sub-population"),
        ("rename", "ana", "clearer"),
    ]


def test_promote_writes_the_registry_entry_and_maps_the_series(pair_corpus, database_url, promoted):
    etl(pair_corpus, database_url)
    eng = db.engine(database_url)
    listed = series_review.summaries(eng)
    unmapped = rows(
        database_url,
        "SELECT series, count(*) FROM figures WHERE mapping = 'unmapped' AND series IS NOT NULL "
        "AND as_of_start <= '2024-05-08' GROUP BY series ORDER BY count(*) DESC, series",
    )
    sid, n = unmapped[0]
    theme = next(iter(indicators.load().themes))
    series_review.decide(
        eng, "promote", sid, "worth a line", "ana", indicator_id="promoted_test_series", theme=theme
    )
    eng.dispose()
    entry = tomllib.loads(promoted.read_text(encoding="utf-8"))["indicator"]
    assert [e["id"] for e in entry] == ["promoted_test_series"]
    assert entry[0]["label_en"] == listed.set_index("series").loc[sid, "label_en"]
    assert indicators.load().indicators["promoted_test_series"].theme == theme  # the registry reads it

    def mapped() -> int:
        return rows(
            database_url,
            "SELECT count(*) FROM observations o JOIN figures f ON f.id = o.figure_id "
            "WHERE o.indicator_id = 'promoted_test_series' AND f.series = :s",
            s=sid,
        )[0][0]

    assert mapped() == n
    summary = etl(pair_corpus, database_url)  # the registry changed: every document is read again
    assert summary.documents_loaded == 2
    assert mapped() == n
    assert rows(database_url, "SELECT label_en FROM indicators WHERE id = 'promoted_test_series'")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("merge", "no.such.series", "x"), "no series 'no.such.series'"),
        (("split", "no-such-figure"), "no figure 'no-such-figure'"),
        (("rename", "SERIES"), "rename needs a new label"),
        (("promote", "SERIES", {"indicator_id": "Bad Id", "theme": "x"}), "promote needs a new indicator id"),
        (("merge", "SERIES", "SERIES"), "cannot be merged into itself"),
    ],
)
def test_a_decision_that_makes_no_sense_is_refused(pair_corpus, sqlite_url, promoted, args, message):
    etl(pair_corpus, sqlite_url)
    eng = db.engine(sqlite_url)
    some = series_review.summaries(eng)["series"].iloc[0]
    action, target, *rest = (some if a == "SERIES" else a for a in args)
    kwargs = rest[0] if rest and isinstance(rest[0], dict) else {"into": rest[0]} if rest else {}
    with pytest.raises(ItdashError, match=message):
        series_review.decide(eng, action, target, "because", "ana", **kwargs)
    with pytest.raises(ItdashError, match="needs a reason"):
        series_review.decide(eng, "rename", some, "  ", "ana", label_en="x")
    assert rows(sqlite_url, "SELECT count(*) FROM series_decisions") == [(0,)]
    assert not promoted.exists()


def test_itdash_review_series_and_twins(pair_corpus, database_url, promoted):
    etl(pair_corpus, database_url)
    d = ["--database", database_url]
    listed = runner.invoke(app, ["review", "series", "list", "datasets", *d])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0] == f"{len(lines) - 1} series" and len(lines) > 1
    assert all("dataset" in line.lower() for line in lines[1:])
    dropped = figure(database_url, "over 2 300 datasets")
    sid, _ = series_of(database_url, dropped)
    shown = runner.invoke(app, ["review", "series", "show", sid, *d])
    assert shown.exit_code == 0, shown.output
    assert dropped in shown.stdout and "[versions disagree]" in shown.stdout
    (sentence,) = rows(
        database_url,
        "SELECT s.text FROM figures f JOIN sentences s ON s.id = f.sentence_id WHERE f.id = :i",
        i=dropped,
    )[0:1]
    assert sentence[0] in shown.stdout

    twins_out = runner.invoke(app, ["review", "twins", *d])
    assert twins_out.exit_code == 0, twins_out.output
    block = twins_out.stdout.split(f"  {dropped}  ", 1)[1]
    assert block.startswith("qualifier") and "en: 'over 2 300 datasets' (over" in block
    assert "zh: " in block.split("\n  ")[0] or "zh: " in block

    other = next(s for s in series_review.summaries(db.engine(database_url))["series"] if s != sid)
    merged = runner.invoke(app, ["review", "series", "merge", sid, other, "-r", "same", "--who", "cy", *d])
    assert merged.exit_code == 0 and merged.stdout == f"merged {sid} into {other}\n"
    renamed = runner.invoke(
        app, ["review", "series", "rename", other, "--label", "L", "--label-zh", "標", "-r", "r", *d]
    )
    assert renamed.exit_code == 0, renamed.output
    split = runner.invoke(app, ["review", "series", "split", dropped, "-r", "apart", "--who", "cy", *d])
    assert split.exit_code == 0 and split.stdout.startswith(f"split {dropped} out of {other} into ")
    assert rows(database_url, "SELECT action, who FROM series_decisions ORDER BY id")[0] == ("merge", "cy")


def test_itdash_review_series_errors_are_one_line(pair_corpus, sqlite_url):
    etl(pair_corpus, sqlite_url)
    result = subprocess.run(
        [sys.executable, "-m", "itdash.cli", "review", "series", "merge", "nope", "nada", "-r", "x"]
        + ["--who", "me", "--database", sqlite_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr == "itdash: no series 'nope'\n"


def test_a_database_from_before_series_warnings_without_an_indicator_gains_them(pair_corpus, sqlite_url):
    """series_warnings.indicator_id was NOT NULL: the derived table is made again, the run succeeds."""
    import sqlite3

    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as c:
        c.execute(
            "CREATE TABLE series_warnings (id VARCHAR PRIMARY KEY, indicator_id VARCHAR NOT NULL, "
            "kind VARCHAR NOT NULL, observation_id VARCHAR NOT NULL, message TEXT NOT NULL)"
        )
    etl(pair_corpus, sqlite_url)
    dropped = figure(sqlite_url, "over 2 300 datasets")
    kinds = rows(sqlite_url, "SELECT kind FROM series_warnings WHERE id = :i", i=f"twin_disagrees:{dropped}")
    assert kinds == [("twin_disagrees",)]
    with sqlite3.connect(path) as c:
        notnull = {r[1]: r[3] for r in c.execute("PRAGMA table_info(series_warnings)")}
    assert notnull["indicator_id"] == 0 and "series" in notnull


def test_threads_opening_one_new_database_at_once_all_get_it(tmp_path):
    """The dashboard's first requests open a new database in several threads at once; creating its
    tables twice at the same moment failed with "table ... already exists" (seen in ovw002)."""
    import threading

    def open_it(url: str, start: threading.Barrier, errors: list[str]) -> None:
        start.wait()
        try:
            db.engine(url).dispose()
        except ItdashError as e:
            errors.append(str(e))

    for k in range(5):
        url = f"sqlite:///{tmp_path / f'new{k}.sqlite'}"
        start, errors = threading.Barrier(8), []
        threads = [threading.Thread(target=open_it, args=(url, start, errors)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
