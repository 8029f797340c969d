"""curated.read on a handful of rows written here: what loads, what is a target, what is refused and where."""

from __future__ import annotations

from datetime import date

import pytest

from etl import curated, indicators

HEADER = (
    "indicator_id,indicator_label,value,qualifier,unit,as_of,published,status,source_kind,source_url,note"
)
ROWS = [
    # line 2: a fact, with bounds from its qualifier
    "open_data_datasets,Datasets,4500,over,dataset,2023-06-30,2023-08-01,observed,news,https://example.org/a,A report",
    # line 3: a goal
    "open_data_datasets,Datasets,7000,exact,dataset,2027-12-31,2024-01-05,target,other,,A plan",
    # line 4: a Member's figure, left out
    "open_data_datasets,Datasets,4000,about,dataset,2023-01-01,2023-02-01,quoted_in_question,other,,Asked",
    # lines 5-9: each wrong in one way
    "no_such_indicator,X,1,exact,dataset,2023-01-01,2023-02-01,observed,other,,",
    "open_data_datasets,Datasets,1,roughly,dataset,2023-01-01,2023-02-01,observed,other,,",
    "open_data_datasets,Datasets,1,exact,bureau,2023-01-01,2023-02-01,observed,other,,",
    "open_data_datasets,Datasets,lots,exact,dataset,2023-01-01,2023-02-01,observed,other,,",
    "open_data_datasets,Datasets,1,exact,dataset,2023-01-01,2023-02-01,planned,other,,",
    # line 10: a fact dated after its own publication: refused by the same pandera model as replies
    "open_data_datasets,Datasets,9000,exact,dataset,2026-12-31,2024-01-05,observed,other,,Announced early",
]


@pytest.fixture(scope="module")
def registry():
    return indicators.load()


def write(tmp_path, lines: list[str], name: str = "refs.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_good_rows_load_and_each_bad_row_is_refused_with_its_line(tmp_path, registry):
    path = write(tmp_path, ROWS)
    out = curated.read(path, registry)
    (obs,) = out.observations
    assert (obs.indicator_id, obs.value, obs.lower, obs.upper) == ("open_data_datasets", 4500, 4500, None)
    assert (obs.published, obs.period_end, obs.source_kind, obs.rule) == (
        date(2023, 8, 1),
        date(2023, 6, 30),
        "curated",
        "curated",
    )
    assert obs.id.startswith("curated:refs.csv:") and obs.sentence == "A report"
    (goal,) = out.targets
    assert (goal.value, goal.period_start, goal.source_url, goal.note) == (
        7000,
        date(2027, 12, 31),
        None,
        "A plan",
    )
    assert out.skipped_quoted == 1
    reasons = {e.doc: e.reason for e in out.failures}
    assert set(reasons) == {f"{path}:{n}" for n in (5, 6, 7, 8, 9, 10)}
    assert "unknown indicator 'no_such_indicator'" in reasons[f"{path}:5"]
    assert "qualifier 'roughly'" in reasons[f"{path}:6"]
    assert "unit 'bureau' is not the indicator's unit 'dataset'" in reasons[f"{path}:7"]
    assert "cannot read value" in reasons[f"{path}:8"]
    assert "status 'planned'" in reasons[f"{path}:9"]
    assert "failed validation" in reasons[f"{path}:10"]
    assert {e.stage for e in out.failures} == {"curated", "validate"}


def test_ids_are_stable_and_differ_per_row(tmp_path, registry):
    first = curated.read(write(tmp_path, ROWS[:1] + ROWS[1:2]), registry)
    again = curated.read(write(tmp_path, ROWS[:1] + ROWS[1:2]), registry)
    assert [o.id for o in first.observations] == [o.id for o in again.observations]
    assert first.observations[0].id != first.targets[0].id


def test_an_unreadable_or_incomplete_file_is_one_failure_naming_it(tmp_path, registry):
    short = tmp_path / "short.csv"
    short.write_text("indicator_id,value\nopen_data_datasets,1\n", encoding="utf-8")
    (e,) = curated.read(short, registry).failures
    assert e.doc == str(short) and "missing columns" in e.reason and "qualifier" in e.reason
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    (e,) = curated.read(binary, registry).failures
    assert e.doc == str(binary) and "cannot read CSV" in e.reason


def test_files_lists_csvs_in_order_and_none_for_a_missing_folder(tmp_path):
    for name in ("b.csv", "a.csv", "notes.txt"):
        (tmp_path / name).write_text(HEADER + "\n")
    assert [p.name for p in curated.files(tmp_path)] == ["a.csv", "b.csv"]
    assert curated.files(tmp_path / "absent") == []


def test_tier_publisher_and_title_are_kept_and_a_bad_tier_is_refused(tmp_path, registry):
    header = HEADER.replace("source_url,note", "source_url,source_tier,publisher,title,note")
    lines = [
        "open_data_datasets,Datasets,4500,over,dataset,2023-06-30,2023-08-01,observed,news,"
        "https://example.org/a,mirror,Example Office (copy at example.org),Paper 7,A report",
        "open_data_datasets,Datasets,4600,over,dataset,2023-07-31,2023-08-01,observed,news,"
        "https://example.org/b,rumour,Someone,,A rumour",
    ]
    path = tmp_path / "tiers.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    out = curated.read(path, registry)
    (obs,) = out.observations
    assert (obs.source_tier, obs.publisher, obs.source_title) == (
        "mirror",
        "Example Office (copy at example.org)",
        "Paper 7",
    )
    (e,) = out.failures
    assert e.doc == f"{path}:3" and "source_tier 'rumour'" in e.reason


def test_reference_csv_is_the_shared_reference_with_its_tiers():
    """data/curated/reference.csv keeps every shared fact, citation and tier (ids and units mapped)."""
    import csv
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shared = root.parent / "shared" / "reference" / "observations.csv"
    if not shared.exists():
        pytest.skip(f"{shared} is not on this machine")
    ours = list(csv.DictReader((root / "data" / "curated" / "reference.csv").open(encoding="utf-8")))
    theirs = list(csv.DictReader(shared.open(encoding="utf-8")))
    assert len(ours) == len(theirs)
    same = ("value", "qualifier", "as_of", "published", "status", "source_kind", "source_url", "source_tier")
    for line, (a, b) in enumerate(zip(ours, theirs, strict=True), start=2):
        assert {k: a[k] for k in same} == {k: b[k] for k in same}, f"reference.csv:{line}"
        assert a["publisher"], f"reference.csv:{line} names no publisher"
        assert a["source_tier"] in ("official", "mirror", "secondary"), f"reference.csv:{line}"
