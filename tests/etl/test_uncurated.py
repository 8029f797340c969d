"""Series nobody has curated (etl/uncurated.py): charted as indicators not yet reviewed.

The real ETL on a small corpus (our own fixture replies and one reply in both
languages from the gold set) into SQLite and PostgreSQL, then the tables read
back; `itdash extract` run on the same files for the ids it prints.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import bindparam, create_engine, inspect, text
from typer.testing import CliRunner

from etl import pipeline, series_review, uncurated
from itdash.cli import app
from tests.dashboard.conftest import sql

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TWIN_EN = FIXTURES / "gold" / "replies" / "2024-05-08-LCQ7-open-data.txt"
TWIN_ZH = FIXTURES / "gold_zh" / "replies" / "2024-05-08-LCQ7-open-data-zh.txt"
# A series no registry rule maps: the downloads the Portal's API recorded in 2023 (both versions).
DOWNLOADS = "open_data_portal.download.per_cy"


def _manifest_line(folder: Path, name: str) -> str:
    for line in (folder / "manifest.csv").read_text(encoding="utf-8").splitlines():
        if line.startswith(name + ","):
            return line
    raise AssertionError(name)


@pytest.fixture
def series_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "replies", folder)
    lines = []
    for path in (TWIN_EN, TWIN_ZH):
        shutil.copy(path, folder / path.name)
        lines.append(_manifest_line(path.parent, path.name))
    with (folder / "manifest.csv").open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return folder


def _run(corpus: Path, url: str) -> pipeline.Summary:
    return pipeline.run([corpus], url, curated_dir=corpus / "none")


def _tables(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    out = {}
    with engine.connect() as c:
        for table in ("indicators", "observations", "targets", "figures", "series_warnings"):
            rows = c.execute(text(f"SELECT * FROM {table}")).mappings().all()
            out[table] = sorted(json.dumps({k: str(v) for k, v in r.items()}, sort_keys=True) for r in rows)
    engine.dispose()
    return out


def test_an_uncurated_series_is_an_indicator_with_observations_and_targets(series_corpus, database_url):
    summary = _run(series_corpus, database_url)
    ind = sql(database_url, "SELECT * FROM indicators WHERE series = :s", s=DOWNLOADS)
    assert len(ind) == 1
    assert ind[0]["id"] == uncurated.indicator_id(DOWNLOADS) == "series." + DOWNLOADS
    assert ind[0]["theme"] is None and ind[0]["kind"] == "flow"
    assert ind[0]["label_en"] == "download, Open Data Portal, per calendar year"
    assert "下載" in ind[0]["label_zh"]  # from the Chinese version's figure
    obs = sql(database_url, "SELECT * FROM observations WHERE indicator_id = :i", i=ind[0]["id"])
    assert sorted(o["value"] for o in obs) == [21_600_000, 21_600_000]  # one figure from each version
    assert {o["source_kind"] for o in obs} == {"reply"}
    # Every unmapped or ambiguous reply figure with a series is an observation or target of its series.
    waiting = sql(
        database_url,
        "SELECT id, series FROM figures WHERE part = 'reply' AND mapping IN ('unmapped', 'ambiguous')"
        " AND series IS NOT NULL AND series NOT IN"
        " (SELECT series FROM figures WHERE mapping = 'mapped' AND series IS NOT NULL)",
    )
    placed = sql(
        database_url,
        "SELECT figure_id, indicator_id FROM observations WHERE rule = 'series'"
        " UNION ALL SELECT figure_id, indicator_id FROM targets WHERE indicator_id LIKE 'series.%'",
    )
    assert waiting and sorted((w["id"], uncurated.indicator_id(w["series"])) for w in waiting) == sorted(
        (p["figure_id"], p["indicator_id"]) for p in placed
    )
    # A series some of whose figures the registry maps is curated: its Chinese twin the rules miss
    # waits for review, and the same line is not drawn a second time as an uncurated series.
    partly = "open_data_portal.dataset.machine_readable.cumulative"
    mappings = sql(database_url, "SELECT mapping FROM figures WHERE series = :s", s=partly)
    assert sorted(m["mapping"] for m in mappings) == ["mapped", "unmapped"]
    assert sql(database_url, "SELECT id FROM indicators WHERE series = :s", s=partly) == []
    # "85% by 2025"-style figures dated after their reply are targets of their series, not points.
    goals = sql(
        database_url,
        "SELECT t.* FROM targets t JOIN indicators i ON i.id = t.indicator_id WHERE i.series IS NOT NULL",
    )
    assert goals and all(g["period_start"] > g["published"] for g in goals)
    assert summary.uncurated == len(sql(database_url, "SELECT id FROM indicators WHERE series IS NOT NULL"))
    # Curated indicators are untouched: none has a series, every registry row is still there.
    assert (
        sql(database_url, "SELECT count(*) AS n FROM indicators WHERE series IS NULL AND theme IS NULL")[0][
            "n"
        ]
        == 0
    )


def test_a_reply_without_an_address_gives_uncurated_rows_no_address(series_corpus, database_url):
    """A missing address is NULL, never the text "nan" (a frame's missing value among addresses)."""
    other = sorted((FIXTURES / "gold" / "replies").glob("*.txt"))[0]
    shutil.copy(other, series_corpus / other.name)
    row = next(csv.reader([_manifest_line(other.parent, other.name)]))
    row[1] = ""  # listed without an address
    with (series_corpus / "manifest.csv").open("a", encoding="utf-8") as f:
        f.write(",".join(row) + "\n")
    _run(series_corpus, database_url)
    engine = create_engine(database_url)
    with engine.connect() as c:
        missing = c.execute(
            text("SELECT count(*) FROM observations WHERE rule = 'series' AND source_url IS NULL")
        ).scalar()
        written = c.execute(
            text("SELECT count(*) FROM observations WHERE lower(source_url) = 'nan'")
        ).scalar()
    engine.dispose()
    assert missing > 0
    assert written == 0


def test_a_rerun_leaves_every_table_identical(series_corpus, database_url):
    _run(series_corpus, database_url)
    first = _tables(database_url)
    again = _run(series_corpus, database_url)
    assert again.documents_loaded == 0
    assert _tables(database_url) == first


def test_series_ids_in_the_database_are_those_itdash_extract_prints(series_corpus, sqlite_url):
    _run(series_corpus, sqlite_url)
    result = CliRunner().invoke(app, ["extract", str(series_corpus), "--format", "jsonl"])
    # Non-zero: two fixture replies cannot be read (no date, no reply part); the rest is printed.
    assert "undated-reply.txt" in result.output
    printed = {}
    for line in result.output.splitlines():
        if line.startswith("{"):
            f = json.loads(line)
            printed[(Path(f["doc"]).name, f["start"], f["end"])] = (f["series"], f["series_label"])
    stored = sql(
        sqlite_url,
        'SELECT d.source, f.start, f."end", f.series, f.series_label FROM observations o'
        " JOIN figures f ON f.id = o.figure_id JOIN documents d ON d.id = f.doc_id",
    )
    assert stored
    for r in stored:
        assert printed[(Path(r["source"]).name, r["start"], r["end"])] == (r["series"], r["series_label"])


def test_rename_and_promote_are_reflected_and_survive_a_rerun(
    series_corpus, database_url, tmp_path, monkeypatch
):
    from etl import settings

    monkeypatch.setattr(settings, "PROMOTED_FILE", tmp_path / "promoted.toml")
    _run(series_corpus, database_url)
    from etl import db

    engine = db.engine(database_url)
    uid = uncurated.indicator_id(DOWNLOADS)
    series_review.decide(
        engine,
        "rename",
        DOWNLOADS,
        "clearer",
        "tester",
        label_en="API downloads of open data",
        label_zh="開放數據API下載次數",
    )
    ind = sql(database_url, "SELECT label_en, label_zh FROM indicators WHERE id = :i", i=uid)
    assert ind == [{"label_en": "API downloads of open data", "label_zh": "開放數據API下載次數"}]
    series_review.decide(
        engine,
        "promote",
        DOWNLOADS,
        "worth a chart",
        "tester",
        indicator_id="open_data_api_downloads",
        theme="open_data",
    )
    assert sql(database_url, "SELECT id FROM indicators WHERE id = :i", i=uid) == []
    moved = sql(
        database_url,
        "SELECT o.indicator_id FROM observations o JOIN figures f ON f.id = o.figure_id WHERE f.series = :s",
        s=DOWNLOADS,
    )
    assert len(moved) == 2 and {m["indicator_id"] for m in moved} == {"open_data_api_downloads"}
    engine.dispose()
    _run(series_corpus, database_url)  # the registry now holds the promoted entry; decisions applied again
    assert sql(database_url, "SELECT id FROM indicators WHERE id = :i", i=uid) == []
    promoted = sql(database_url, "SELECT series FROM indicators WHERE id = 'open_data_api_downloads'")
    assert promoted == [{"series": None}]  # curated now
    assert (
        len(sql(database_url, "SELECT id FROM observations WHERE indicator_id = 'open_data_api_downloads'"))
        == 2
    )


def test_indicator_ids_are_safe_in_an_address_and_one_per_series():
    assert uncurated.indicator_id("cyberport.company.web3") == "series.cyberport.company.web3"
    chinese = uncurated.indicator_id("跨境信貸資料平台.銀行")
    assert chinese.isascii() and chinese.startswith("series.")
    assert chinese != uncurated.indicator_id("跨境信貸資料平台.分享會")
    mixed = uncurated.indicator_id("open_data_portal.公私營機構")
    assert mixed.startswith("series.open_data_portal.") and mixed.isascii()
    assert len(uncurated.indicator_id("a" * 500)) < 200


def _as_an_older_itdash_left_it(url: str) -> None:
    """The indicators table before uncurated series: theme NOT NULL, no series or scope column."""
    engine = create_engine(url)  # a plain engine: on SQLite, foreign keys off, as the rebuild needs
    with engine.begin() as c:
        c.execute(text("DELETE FROM series_warnings WHERE indicator_id LIKE 'series.%'"))
        c.execute(text("DELETE FROM observations WHERE indicator_id LIKE 'series.%'"))
        c.execute(text("DELETE FROM targets WHERE indicator_id LIKE 'series.%'"))
        c.execute(text("DELETE FROM indicators WHERE series IS NOT NULL"))
        c.execute(text("DROP INDEX ix_indicators_series"))
        c.execute(text("ALTER TABLE indicators DROP COLUMN series"))
        c.execute(text("ALTER TABLE indicators DROP COLUMN scope"))
        if engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE indicators ALTER COLUMN theme SET NOT NULL"))
        else:
            ddl = c.execute(text("SELECT sql FROM sqlite_master WHERE name = 'indicators'")).scalar_one()
            assert "theme VARCHAR," in ddl
            c.execute(text("CREATE TABLE _old AS SELECT * FROM indicators"))
            c.execute(text("DROP TABLE indicators"))
            c.execute(text(ddl.replace("theme VARCHAR,", "theme VARCHAR NOT NULL,")))
            c.execute(text("INSERT INTO indicators SELECT * FROM _old"))
            c.execute(text("DROP TABLE _old"))
    cols = {c["name"]: c for c in inspect(engine).get_columns("indicators")}
    assert not cols["theme"]["nullable"] and "series" not in cols
    engine.dispose()


def test_a_database_from_an_older_itdash_takes_uncurated_series(series_corpus, database_url):
    _run(series_corpus, database_url)
    first = _tables(database_url)
    _as_an_older_itdash_left_it(database_url)
    _run(series_corpus, database_url)
    assert _tables(database_url) == first
    engine = create_engine(database_url)
    assert {c["name"]: c for c in inspect(engine).get_columns("indicators")}["theme"]["nullable"]
    engine.dispose()


def test_where_the_two_versions_disagree_the_warning_sits_on_the_uncurated_series(series_corpus, sqlite_url):
    zh = series_corpus / TWIN_ZH.name
    text_zh = zh.read_text(encoding="utf-8")
    assert "約2 160萬次下載" in text_zh
    zh.write_text(text_zh.replace("約2 160萬次下載", "約2 000萬次下載"), encoding="utf-8")
    _run(series_corpus, sqlite_url)
    warned = sql(sqlite_url, "SELECT indicator_id, series FROM series_warnings WHERE kind = 'twin_disagrees'")
    assert {"indicator_id": uncurated.indicator_id(DOWNLOADS), "series": DOWNLOADS} in warned


def test_itdash_export_of_an_uncurated_series_carries_its_id(series_corpus, sqlite_url):
    _run(series_corpus, sqlite_url)
    uid = uncurated.indicator_id(DOWNLOADS)
    result = CliRunner().invoke(app, ["export", "--indicator", uid, "--database", sqlite_url])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2
    assert {(r["indicator"], r["series"]) for r in rows} == {(uid, DOWNLOADS)}
    assert {r["series_label"] for r in rows} == {
        "download, Open Data Portal, per calendar year",
        "Open Data Portal：下載",
    }


_EN_REPLY = """LCQ6: Open data

Following is a question by the Hon Jane Doe and a written reply by the Secretary for Innovation, Technology and Industry, Professor Sun Dong, in the Legislative Council today (March 5, 2025):

Question:

(1) how many datasets are on the Portal?

Reply:

President,

(1) As at end-2024, the Open Data Portal had over 5 500 datasets.

Ends/Wednesday, March 5, 2025
"""
_ZH_REPLY = """立法會九題：開放數據

以下是今日（十月八日）在立法會會議上李大文議員的提問和創新科技及工業局局長的書面答覆︰

問題：

（一）網站現有多少數據集？

答覆：

主席：

（一）截至2025年9月，資料一線通共有逾5 800個數據集。

完
"""


@pytest.fixture
def alias_corpus(tmp_path: Path) -> Path:
    """An English reply a registry rule maps, and a Chinese-only reply the English rules miss
    that states a later point of the same series (our own words)."""
    folder = tmp_path / "alias"
    folder.mkdir()
    (folder / "2025-03-05-LCQ6-open-data.txt").write_text(_EN_REPLY, encoding="utf-8")
    (folder / "2025-10-08-LCQ9-open-data-zh.txt").write_text(_ZH_REPLY, encoding="utf-8")
    (folder / "manifest.csv").write_text(
        "file,url,published,lang\n"
        "2025-03-05-LCQ6-open-data.txt,,2025-03-05,en\n"
        "2025-10-08-LCQ9-open-data-zh.txt,,2025-10-08,zh-Hant\n",
        encoding="utf-8",
    )
    return folder


def test_a_figure_the_rules_miss_joins_the_registry_indicator_its_series_is(alias_corpus, database_url):
    """Mapping rules are aliases onto series: the Chinese reply's 5 800 datasets share the English
    figure's series, so they become a point of the registry's indicator, not a review item."""
    summary = _run(alias_corpus, database_url)
    points = sql(
        database_url,
        "SELECT o.value, o.rule, f.series, f.mapping FROM observations o JOIN figures f ON f.id = o.figure_id"
        " WHERE o.indicator_id = 'open_data_datasets' ORDER BY o.value",
    )
    assert [(p["value"], p["rule"] == uncurated.RULE) for p in points] == [(5500, False), (5800, True)]
    assert points[0]["series"] == points[1]["series"] and points[1]["mapping"] == "unmapped"
    assert summary.aliased == 1
    from etl import db, review

    eng = db.engine(database_url, create=False)
    try:
        assert "5800" not in " ".join(str(v) for v in review.pending(eng)["value"])
    finally:
        eng.dispose()
    before = _tables(database_url)
    _run(alias_corpus, database_url)
    assert _tables(database_url) == before


def _uncurated_figures(url: str) -> list[str]:
    """The figures that are points of an uncurated series, observations and targets alike."""
    rows = sql(
        url,
        "SELECT figure_id FROM observations WHERE indicator_id LIKE 'series.%' UNION"
        " SELECT figure_id FROM targets WHERE indicator_id LIKE 'series.%' ORDER BY figure_id",
    )
    return [r["figure_id"] for r in rows]


def _scratch(engine) -> None:  # type: ignore[no-untyped-def]
    """Nothing of the sync's stored: what a first load has before it runs."""
    with engine.begin() as c:
        c.execute(text("DELETE FROM series_warnings WHERE indicator_id LIKE 'series.%'"))
        c.execute(text("DELETE FROM observations WHERE rule = 'series' OR indicator_id LIKE 'series.%'"))
        c.execute(text("DELETE FROM targets WHERE indicator_id LIKE 'series.%'"))
        c.execute(text("DELETE FROM indicators WHERE series IS NOT NULL"))


def test_in_pieces_of_one_figure_the_sync_writes_what_it_writes_whole(series_corpus, database_url):
    """The sync reads a piece of series at a time (PIECE figures): a stored row is compared in
    the piece of its figure's series, and one whose figure left every series is swept at the end.
    Pieces of a single figure must give the tables one piece gives, from scratch and after change."""
    _run(series_corpus, database_url)
    whole = _tables(database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            assert len(uncurated._pieces(c, 1)) > 10  # many pieces, not one
        assert uncurated.sync(engine, piece=1)["series"] == uncurated.sync(engine)["series"]
        assert _tables(database_url) == whole  # in pieces, an unchanged database is left alone
        scratch = {}
        # From scratch (nothing uncurated stored; reconcile's flags unset): in pieces, whole, and
        # in pieces read and computed by two worker processes while this one writes.
        for piece, processes in ((1, 1), (None, 1), (1, 2)):
            _scratch(engine)
            uncurated.sync(engine, piece=piece, processes=processes)
            scratch[piece, processes] = _tables(database_url)
        assert scratch[1, 1] == scratch[None, 1] == scratch[1, 2]
        assert scratch[1, 1]["indicators"] == whole["indicators"]
        # Figures change under stored rows: one maps to the registry, one loses its series, one
        # moves to a series of its own; the last ones of a series go, and with them its indicator.
        first, second, third, *_ = _uncurated_figures(database_url)
        with engine.begin() as c:
            c.execute(
                text(
                    "UPDATE figures SET mapping = 'mapped', indicator_id = 'open_data_datasets' WHERE id = :i"
                ),
                {"i": first},
            )
            c.execute(text("UPDATE figures SET series = NULL WHERE id = :i"), {"i": second})
            c.execute(text("UPDATE figures SET series = 'zz_moved.series' WHERE id = :i"), {"i": third})
        uncurated.sync(engine, piece=1, processes=2)
        pieced = _tables(database_url)
        assert any('"series.zz_moved.series"' in r for r in pieced["indicators"])
        assert not any(f'"reply:{second}"' in r for r in pieced["observations"] + pieced["targets"])
        uncurated.sync(engine)  # whole: nothing left to change
        assert _tables(database_url) == pieced
    finally:
        engine.dispose()


def test_rows_made_by_the_database_from_scratch_are_those_rows_makes(series_corpus, database_url):
    """From scratch the sync has the database make each series' observations and targets from
    the stored figures (`normalise.from_figures`); after that, `rows` makes them in Python and
    the sync compares. Both must make the same rows, every column, or a rerun would rewrite them.
    A row of the same id that is not the sync's (an analyst's) is replaced, as `_write` does."""
    _run(series_corpus, database_url)
    engine = create_engine(database_url)
    try:
        _scratch(engine)
        with engine.connect() as c:
            own, _ = uncurated._waiting(c)
        obs, goals = uncurated.rows(own)
        assert len(obs) > 5 and len(goals) >= 2
        mine = obs[0]["id"]
        with engine.begin() as c:  # an analyst's row under the id the sync's first observation takes
            c.execute(
                text("UPDATE observations SET id = :i WHERE id = (SELECT min(id) FROM observations)"),
                {"i": mine},
            )
        counts = uncurated.sync(engine)
        assert (counts["observations"], counts["targets"]) == (len(obs), len(goals))
        with engine.connect() as c:
            for table, want in (("observations", obs), ("targets", goals)):
                stored = {
                    r["id"]: dict(r)
                    for r in c.execute(text(f"SELECT * FROM {table} WHERE id LIKE 'reply:%'")).mappings()
                }
                for row in want:
                    have = stored[row["id"]]
                    assert set(have) == set(row)
                    assert {k: uncurated._norm(v) for k, v in have.items()} == {
                        k: uncurated._norm(v) for k, v in row.items()
                    }, row["id"]
    finally:
        engine.dispose()


def test_labels_counted_by_the_database_are_those_of_the_figures_ties_included(series_corpus, database_url):
    """From scratch the sync labels each series from counts the database makes (`_groups`): one
    row per label, unit and subject, not a row per figure. The label, unit and scope chosen must
    be those `indicators` chooses reading every figure, or the next sync would rewrite them.
    The uncurated series are pooled into one here, of many English figures: given a label, a
    unit and a subject each, the first figure in the database's order of ids must win all three
    (ties); all sharing them but the first, the shared ones must win (counts)."""
    _run(series_corpus, database_url)
    engine = create_engine(database_url)

    def read() -> tuple[list, list, list[dict]]:
        with engine.connect() as c:
            own, _ = uncurated._waiting(c)
            groups = uncurated._groups(c)
        want = uncurated.indicators(own)
        assert uncurated.indicators(groups) == want
        english = [f for f in own if f.series == "pooled" and not uncurated._zh(f.lang)]
        assert len(english) >= 3
        return english, groups, [r for r in want if r["series"] == "pooled"]

    try:
        with engine.connect() as c:
            own, _ = uncurated._waiting(c)
        pooled = {"series": sorted({f.series for f in own})}
        many = bindparam("series", expanding=True)
        with engine.begin() as c:
            c.execute(
                text(
                    "UPDATE figures SET series = 'pooled', series_label = 'label ' || id, unit = 'unit ' || id,"
                    " subject = 'subject ' || id WHERE series IN :series"
                ).bindparams(many),
                pooled,
            )
        english, groups, (row,) = read()
        first = english[0].id
        assert (row["label_en"], row["unit"], row["scope"]) == (
            f"label {first}",
            f"unit {first}",
            f"subject {first}",
        )
        with engine.begin() as c:
            c.execute(
                text(
                    "UPDATE figures SET series_label = 'shared', unit = 'u', subject = 's' "
                    "WHERE series = 'pooled' AND id <> :first"
                ),
                {"first": first},
            )
        english, groups, (row,) = read()
        assert len(groups) < len(english)  # the shared ones counted in one row
        assert (row["label_en"], row["unit"], row["scope"]) == ("shared", "u", "s")
    finally:
        engine.dispose()


_EN_PAIRED = """LCQ12: Open data portal

Following is a question by the Hon Jane Doe and a written reply by the Secretary for Innovation, Technology and Industry, Professor Sun Dong, in the Legislative Council today (June 4, 2025):

Question:

(1) how many datasets are on the Portal?

Reply:

President,

(1) As at end-2024, the Open Data Portal had about 6 100 datasets, some of them spatial.

Ends/Wednesday, June 4, 2025
"""
_ZH_PAIRED = """立法會十二題：開放數據

以下是今日（六月四日）在立法會會議上李大文議員的提問和創新科技及工業局局長的書面答覆︰

問題：

（一）網站現有多少數據集？

答覆：

主席：

（一）截至2024年底，資料一線通約有6 100個數據集。

完
"""


@pytest.fixture
def paired_alias_corpus(alias_corpus: Path) -> Path:
    """Beside the alias corpus's mapped English figure: a reply in both languages whose figure
    is in the same series and mapped by no rule in either (`spatial` keeps the rule off the
    English one), so both versions wait in a series the registry holds."""
    (alias_corpus / "2025-06-04-LCQ12-portal.txt").write_text(_EN_PAIRED, encoding="utf-8")
    (alias_corpus / "2025-06-04-LCQ12-portal-zh.txt").write_text(_ZH_PAIRED, encoding="utf-8")
    with (alias_corpus / "manifest.csv").open("a", encoding="utf-8") as f:
        f.write(
            "2025-06-04-LCQ12-portal.txt,,2025-06-04,en\n2025-06-04-LCQ12-portal-zh.txt,,2025-06-04,zh-Hant\n"
        )
    return alias_corpus


def test_of_two_versions_both_waiting_in_an_aliased_series_the_english_one_is_the_point(
    paired_alias_corpus, database_url
):
    """The two versions of one figure are one point: drawn once, from the English version (whose
    words are the spec's), its Chinese sentence reached through the pairing."""
    _run(paired_alias_corpus, database_url)
    waiting = sql(
        database_url,
        "SELECT d.lang, f.series, f.mapping, f.twin_id IS NOT NULL AS paired FROM figures f"
        " JOIN documents d ON d.id = f.doc_id WHERE f.value = 6100 ORDER BY d.lang",
    )
    assert [(w["lang"], w["mapping"], bool(w["paired"])) for w in waiting] == [
        ("en", "unmapped", True),
        ("zh-Hant", "unmapped", True),
    ]
    assert waiting[0]["series"] == waiting[1]["series"] == "open_data_portal.dataset"
    points = sql(
        database_url,
        "SELECT o.rule, d.lang FROM observations o JOIN documents d ON d.id = o.doc_id"
        " WHERE o.indicator_id = 'open_data_datasets' AND o.value = 6100",
    )
    assert [(p["rule"], p["lang"]) for p in points] == [(uncurated.RULE, "en")]
