"""The two versions of one reply: paired, their figures lined up and compared (figures.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl import replies, twins
from itdash.cli import app
from schemas.figure import Figure
from tests.conftest import FIXTURES


def fig(
    value: float, qualifier: str = "exact", unit: str = "dataset", as_of: str = "2024-12-31", item: int = 1
):
    return Figure("x", "reply", item, 0, 1, "x", value, qualifier, unit, None, as_of, "s", series=f"s{value}")


def test_the_same_figures_agree_whatever_their_order_within_an_item():
    en = [fig(5300), fig(82, unit="bureau/department"), fig(31, unit="organisation")]
    zh = [fig(82, unit="決策局／部門"), fig(31, unit="機構"), fig(5300, unit="數據集")]
    twins.compare(en, zh)
    assert all(f.twin_agrees for f in en + zh)
    assert [f.series for f in zh] == ["s82", "s31", "s5300"]  # a Chinese twin joins its English series


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ([fig(2300, "over")], [fig(2300)]),  # a dropped hedge
        ([fig(142)], [fig(124)]),  # a mistyped number
        ([fig(1480, as_of="2023-12-31")], [fig(1480, as_of="2024-12-31")]),  # another date
    ],
)
def test_a_disagreement_marks_both_versions(english, chinese):
    pairs = twins.compare(english, chinese)
    assert pairs == [(english[0], chinese[0])]
    assert english[0].twin_agrees is False and chinese[0].twin_agrees is False


def test_a_figure_missing_from_one_version_has_no_twin():
    en = [fig(330), fig(150, "over"), fig(48)]
    zh = [fig(330), fig(48)]
    twins.compare(en, zh)
    assert [f.twin_agrees for f in en] == [True, False, True]
    assert [f.twin_agrees for f in zh] == [True, True]


def test_money_never_pairs_with_a_count():
    en, zh = [fig(12, unit="HKD")], [fig(12, unit="企業")]
    pairs = twins.compare(en, zh)
    assert sorted(pairs, key=lambda p: p[0] is None) == [(en[0], None), (None, zh[0])]


def test_a_pair_is_confirmed_by_its_figures():
    assert twins.confirmed([fig(1), fig(2), fig(3)], [fig(1), fig(2), fig(9)])
    assert not twins.confirmed([fig(1), fig(2), fig(3)], [fig(7), fig(8), fig(9)])


def test_extract_pairs_a_folder_holding_both_versions_without_being_told(tmp_path: Path):
    folder = tmp_path / "both"
    folder.mkdir()
    rows = ["file,url,published,lang"]
    for src, lang in (
        (FIXTURES / "gold" / "replies" / "2024-05-08-LCQ7-open-data.txt", "en"),
        (FIXTURES / "gold_zh" / "replies" / "2024-05-08-LCQ7-open-data-zh.txt", "zh-Hant"),
    ):
        shutil.copy(src, folder / src.name)
        rows.append(f"{src.name},,2024-05-08,{lang}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(app, ["extract", str(folder)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    reply = [r for r in records if r["part"] == "reply"]
    assert all(r["twin_agrees"] in (True, False) for r in reply)
    # The Chinese version drops the hedge of "over 2 300" (a planted disagreement).
    (dropped,) = [r for r in reply if r["text"] == "over 2 300 datasets"]
    assert dropped["twin_agrees"] is False
    assert sum(r["twin_agrees"] for r in reply) >= 0.8 * len(reply)


def test_a_reply_given_alone_has_no_twin(seed_path):
    done, _ = replies.read([seed_path])
    assert all(f.twin_agrees is None for r in done for f in r.figures)


def test_the_shared_corpus_pair_is_paired(seed_path):
    en = seed_path.parent / "2026-01-21-LCQ1-promoting-digital-education.txt"
    zh = seed_path.parent / "2026-01-21-LCQ1-promoting-digital-education-zh.txt"
    if not (en.exists() and zh.exists()):
        pytest.skip("the LCQ1 pair is not in the shared corpus")
    done, _ = replies.read([seed_path.parent])
    by = {Path(r.doc.name).name: r for r in done}
    figures = [f for name in (en.name, zh.name) for f in by[name].figures if f.part == "reply"]
    assert figures and all(f.twin_agrees is not None for f in figures)
    # 40 of 49 agree; the rest are true differences of reading (過去一年 against "in 2025").
    assert sum(f.twin_agrees for f in figures) >= 0.75 * len(figures)
