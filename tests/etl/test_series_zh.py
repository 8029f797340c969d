"""Series ids of Chinese figures (shared/spec/series.md: one series whatever the language):
a Chinese reply without an English twin lands in the series of the English figures it
restates, through the words of data/series_zh.toml. Replies of our own."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from etl import series, settings
from etl.corpus import RawDocument, Source
from etl.extract import extract
from etl.parse import parse

EN = """LCQ3: Figures

Following is a question by the Hon Jane Doe and a written reply by the Secretary for Innovation, Technology and Industry, Professor Sun Dong, in the Legislative Council today ({day:%B} {day.day}):

Question:

(1) how many?

Reply:

President,

(1) {body}
"""

ZH = """立法會五題：測試

以下是今日（{month}月{dd}日）在立法會會議上陳大文議員的提問和創新科技及工業局局長孫東教授的書面答覆：

問題：

（一）有多少？

答覆：

主席：

（一）{body}

多謝主席。
"""

_CN_DAYS = "一二三四五六七八九十"


def _cn(n: int) -> str:
    return (
        _CN_DAYS[n - 1]
        if n <= 10
        else ("十" if n < 20 else _CN_DAYS[n // 10 - 1] + "十") + (_CN_DAYS[n % 10 - 1] if n % 10 else "")
    )


def ids(body: str, day: date, lang: str = "en") -> dict[str, str]:
    """Each reply figure's text -> its series id."""
    if lang == "en":
        text = EN.format(body=body, day=day)
    else:
        text = ZH.format(body=body, month=_cn(day.month), dd=_cn(day.day))
    raw = RawDocument(Source(Path("x.txt"), "x.txt", None, day, lang), text, "0" * 64, "utf-8")
    doc = parse(raw)
    figures = extract(doc)
    series.assign(figures, doc.date, doc.lang)
    return {f.text: f.series for f in figures if f.part == "reply"}


@pytest.mark.parametrize(
    ("english", "en_text", "chinese", "zh_text"),
    [
        (
            "As at end-2025, Wi-Fi.HK offered over 41 000 hotspots across the territory.",
            "over 41 000 hotspots",
            "截至2025年12月，「Wi-Fi.HK」在全港提供逾四萬二千個熱點。",
            "逾四萬二千個熱點",
        ),
        (
            "As at end-2025, the Open Data Portal held some 6 100 datasets.",
            "some 6 100 datasets",
            "截至2025年年底，資料一線通共有約六千二百個數據集。",
            "約六千二百個數據集",
        ),
        (
            "As at end-2025, the Technology Voucher Programme had received 9 200 applications.",
            "9 200 applications",
            "截至2025年年底，科技券計劃共收到九千三百宗申請。",
            "九千三百宗申請",
        ),
    ],
)
def test_a_chinese_figure_without_a_twin_is_in_its_english_series(english, en_text, chinese, zh_text):
    day = date(2026, 1, 14)
    en, zh = ids(english, day), ids(chinese, day, "zh-Hant")
    assert en[en_text] == zh[zh_text], (en, zh)


def test_a_chinese_unit_with_a_modifier_of_its_own_stays_apart():
    """快速充電器 is a sub-population of 充電器, which the English words do not name."""
    assert series.in_english("Hong Kong", "快速充電器") == ("Hong Kong", "快速充電器")
    assert series.in_english("香港", "個充電器") == ("Hong Kong", "charger")
    assert series.in_english("香港", "地區安裝近二千支充電器") == ("Hong Kong", "地區安裝近二千支充電器")


def test_english_facets_are_left_as_they_are():
    assert series.in_english("Cyberport", "company") == ("Cyberport", "company")


def test_two_chinese_figures_clashing_with_a_third_are_told_apart_by_their_own_words():
    """One day, one measure, three values: each is a line of its own (the English rule, with
    two characters standing in for a word)."""
    got = ids(
        "截至2025年年底，園區共有八十家企業，其中三十家位於九龍，另有二十五家位於新界。",
        date(2026, 1, 14),
        "zh-Hant",
    )
    assert len(set(got.values())) == len(got) == 3, got


def test_every_chinese_counted_noun_and_role_has_its_english_words():
    """A noun the extractor knows without English words would keep its Chinese id; the
    table's English side must hold no Chinese (a swapped entry)."""
    words = series.chinese_words()
    with (settings.VOCAB_DIR / "zh" / "units.toml").open("rb") as f:
        nouns = tomllib.load(f)["nouns"]
    v = series.vocab()
    roles = [r for r in (*v.money_roles, *v.share_roles) if series._CJK.search(r)]
    missing = [n for n in (*nouns, *roles) if n not in words.measures and n not in v.measures]
    assert missing == []
    chinese = [e for e in (*words.scopes.values(), *words.measures.values()) if series._CJK.search(e)]
    assert chinese == []
