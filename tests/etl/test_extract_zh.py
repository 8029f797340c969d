"""Chinese replies: every rule of the spec's "Replies in Chinese", on sentences of our own."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import cn2an
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from etl.corpus import RawDocument, Source, discover, read
from etl.extract import extract
from etl.extract.zh import _Words, quoted_names
from etl.extract.zh import vocab as zh_vocab
from etl.parse import parse

DAY = date(2025, 3, 26)
FRAME = """立法會五題：測試

以下是今日（三月二十六日）在立法會會議上陳大文議員的提問和創新科技及工業局局長孫東教授的書面答覆：

問題：

（一）有多少？

答覆：

主席：

（一）{body}

多謝主席。
"""


def figures(body: str, day: date = DAY) -> list:
    text = FRAME.format(body=body)
    raw = RawDocument(Source(Path("x.txt"), "x.txt", None, day, "zh-Hant"), text, "0" * 64, "utf-8")
    return [f for f in extract(parse(raw)) if f.part == "reply"]


def one(body: str, day: date = DAY):
    found = figures(body, day)
    assert len(found) == 1, [(f.text, f.value) for f in found]
    return found[0]


@pytest.mark.parametrize(
    ("body", "text", "value", "qualifier", "unit"),
    [
        ("資料一線通現時共有5 300個數據集。", "共有5 300個數據集", 5300, "exact", "數據集"),
        ("資料一線通現時有超過五千五百個數據集。", "超過五千五百個數據集", 5500, "over", "數據集"),
        ("計劃涉及二千四百四十萬元。", "二千四百四十萬元", 24_400_000, "exact", "HKD"),
        ("政府預留100億元成立基金。", "100億元", 10_000_000_000, "exact", "HKD"),
        ("基金規模為人民幣5億元。", "5億元", 500_000_000, "exact", "CNY"),
        ("項目獲得200萬美元投資。", "200萬美元", 2_000_000, "exact", "USD"),
        ("約有兩間實驗室已開展研究。", "約有兩間實驗室", 2, "about", "實驗室"),
        ("共有一百零八家企業參與。", "共有一百零八家企業", 108, "exact", "企業"),
        ("當中百分之十二點五屬人工智能企業。", "百分之十二點五", 12.5, "exact", "percent"),
        ("其中12.5%來自內地。", "12.5%", 12.5, "exact", "percent"),
        ("接近一半屬初創企業。", "接近一半", 50, "nearly", "percent"),
        ("約三分之一屬初創企業。", "約三分之一", 100 / 3, "about", "percent"),
        ("約四分之三屬初創企業。", "約四分之三", 75, "about", "percent"),
        ("逾四成半學校已參與。", "逾四成半", 45, "over", "percent"),
        ("科學園現有四十多家企業。", "四十多家企業", 40, "over", "企業"),
        ("數碼港現有380多家企業。", "380多家企業", 380, "over", "企業"),
        ("審批需時七個月左右。", "七個月左右", 7, "about", "個月"),
        ("計劃會資助不少於30間學校。", "不少於30間學校", 30, "at_least", "學校"),
        ("每間學校可獲資助最多50萬元。", "最多50萬元", 500_000, "up_to", "HKD"),
        ("申請會在14日以內處理。", "14日以內", 14, "up_to", "日"),
        ("資助額不超過二十萬元。", "不超過二十萬元", 200_000, "up_to", "HKD"),
        ("少於10家企業未能符合要求。", "少於10家企業", 10, "under", "企業"),
        ("計劃合共超過2 000名學員參加。", "超過2 000名學員", 2000, "over", "學員"),
        ("計劃吸引1,200名或以上學員參加。", "1,200名或以上", 1200, "at_least", "學員"),
        ("近350名校長出席。", "近350名校長", 350, "nearly", "校長"),
    ],
)
def test_numbers_hedges_and_units(body, text, value, qualifier, unit):
    f = one(body)
    assert f.text == text
    assert f.value == pytest.approx(value)
    assert f.qualifier == qualifier
    assert f.unit == unit or (unit in f.unit)


@pytest.mark.parametrize(
    ("body", "as_of"),
    [
        ("截至2024年12月，資料一線通有5 300個數據集。", "2024-12-31"),
        ("截至2024年2月底，資料一線通有5 300個數據集。", "2024-02-29"),
        ("2024年年中，資料一線通有5 300個數據集。", "2024-06-30"),
        ("截至2023年底，資料一線通有5 300個數據集。", "2023-12-31"),
        ("在2024-25年度，計劃資助了120個項目。", "2024-04-01/2025-03-31"),
        ("在二○二四至二五年度，計劃資助了120個項目。", "2024-04-01/2025-03-31"),
        ("在二○二四／二五學年，計劃資助了120個項目。", "2024-09-01/2025-08-31"),
        ("在2023年，計劃資助了120個項目。", "2023-01-01/2023-12-31"),
        ("去年計劃資助了120個項目。", "2024-01-01/2024-12-31"),
        ("截至今年2月，計劃資助了120個項目。", "2025-02-28"),
        ("2025年第一季，計劃資助了120個項目。", "2025-01-01/2025-03-31"),
        ("現時計劃已資助120個項目。", "2025-03-26"),
        ("計劃於2019年推出，至今已資助120個項目。", "2025-03-26"),
    ],
)
def test_as_of(body, as_of):
    assert one(body).as_of == as_of


def test_an_anchor_carries_into_a_continuing_sentence_only():
    found = figures("截至2024年12月，共有58家企業進駐。其中約40家屬初創企業。另有12個項目正在進行。")
    assert [(f.value, f.as_of) for f in found] == [
        (58, "2024-12-31"),
        (40, "2024-12-31"),
        (12, "2025-03-26"),
    ]


def test_a_range_gives_both_ends_and_a_change_keeps_each_hedge():
    r = figures("計劃每年資助200至300個項目。")
    assert [(f.value, f.qualifier) for f in r] == [(200, "at_least"), (300, "up_to")]
    c = figures("審批時間由約60日縮短至不多於20日。")
    assert [(f.value, f.qualifier, f.unit) for f in c] == [(60, "about", "日"), (20, "up_to", "日")]


def test_subject_is_the_nearest_named_programme():
    f = one("截至2024年12月，香港科學園深圳分園共有58家企業。")
    assert f.subject == "香港科學園深圳分園"
    g = figures("數碼港現有380多家企業。該園區亦有約40個項目。")
    assert [x.subject for x in g] == ["數碼港", "數碼港"]


@pytest.mark.parametrize(
    "body",
    [
        "這是第一個一站式平台。",
        "請致電2810 2345查詢。",
        "政府推出5G網絡及第三代系統。",
        "數以百計的市民參與，多個部門及數個機構亦有參與。",
        "會議在2024年3月26日舉行。",
        "政府會進一步推動統一的平台，這是其中之一。",
        "計劃第三期已經展開。",
        "詳情載於第486章。",
    ],
)
def test_not_figures(body):
    assert figures(body) == []


def test_offsets_index_the_original_text():
    for f in figures("截至2024年12月，資料一線通共有5 300個數據集，當中約1 480個由部門提供。"):
        assert FRAME.format(body="x")  # the frame is fixed; the spans index the whole document
        assert f.text and f.text in f.sentence


def _chinese(n: int, two: bool) -> str:
    text = cn2an.an2cn(n).replace("万", "萬").replace("亿", "億")
    if two and text.startswith("二") and len(text) > 1 and text[1] in "千萬億百":
        text = "兩" + text[1:]
    return text


_HEDGES = [("", "exact"), ("超過", "over"), ("逾", "over"), ("約", "about"), ("接近", "nearly"),
           ("至少", "at_least"), ("不少於", "at_least"), ("少於", "under"), ("最多", "up_to"),
           ("不超過", "up_to"), ("合共", "exact")]  # fmt: skip


@settings(max_examples=150, deadline=None)
@example(n=100_001_000, script="chinese", hedge=("", "exact"))  # "一億一千": a section skipped, no 零
@given(
    n=st.integers(min_value=1, max_value=9_999_999_999),
    script=st.sampled_from(["chinese", "two", "digits", "comma", "space"]),
    hedge=st.sampled_from(_HEDGES),
)
def test_any_integer_in_either_script_with_any_hedge_reads_back(n, script, hedge):
    if script in ("chinese", "two"):
        number = _chinese(n, script == "two")
    elif script == "digits":
        number = str(n)
    else:
        number = f"{n:,}".replace(",", "," if script == "comma" else " ")
    f = one(f"計劃現時{hedge[0]}{number}個項目。")
    assert f.value == n and f.qualifier == hedge[1] and f.unit == "項目"


@settings(max_examples=60, deadline=None)
@given(
    word=st.sampled_from(["第一", "第三代", "一站式", "5G", "數以百計", "多個", "數個", "一些"]),
    year=st.integers(min_value=2000, max_value=2030),
)
def test_negatives_never_become_figures(word, year):
    assert figures(f"{year}年3月26日，政府推出{word}服務。") == []


def test_the_shared_chinese_reply_gives_figures(seed_path):
    zh = seed_path.parent / "2026-01-21-LCQ1-promoting-digital-education-zh.txt"
    if not zh.exists():
        pytest.skip(f"{zh.name} is not in the shared corpus")
    (source,) = [s for s in discover([zh.parent]) if s.path.name == zh.name]
    found = [f for f in extract(parse(read(source))) if f.part == "reply"]
    assert len(found) >= 20
    text = read(source).text
    assert all(text[f.start : f.end] == f.text for f in found)
    assert {"over", "nearly", "at_least", "up_to"} <= {f.qualifier for f in found}
    assert any(f.unit == "percent" for f in found)


WORDS = st.lists(st.text("計劃基金數碼港一二", min_size=1, max_size=3), min_size=1, max_size=6, unique=True)


@settings(max_examples=300, deadline=None)
@given(words=WORDS, text=st.text("計劃基金數碼港一二，", max_size=30), data=st.data())
def test_indexed_word_lists_answer_as_trying_every_word_in_order(words, text, data):
    """The indexed lookups (zh._Words) behind the extractor's speed give what the plain loops
    they replaced gave: every word's non-overlapping spans in list order, and the first
    listed word that starts or ends at a position."""
    index = _Words(words)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    plain = [(w, a + m.start(), a + m.end()) for w in words for m in re.finditer(re.escape(w), text[a:b])]
    assert list(index.spans(text, a, b)) == plain
    for pos in range(len(text) + 1):
        assert index.starting(text, pos) == next((w for w in words if text.startswith(w, pos)), None)
        assert index.ending(text, pos) == next((w for w in words if text.endswith(w, 0, pos)), None)


# What the blind Chinese set (tests/fixtures/gold_blind_zh1) showed missing, in sentences of
# our own: each case failed before its rule.


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A quoted name defining a short one, and a name of no listed ending whose characters
        # the short name takes: the short name is the full one wherever it stands.
        (
            "「智慧交通監察平台」（簡稱監察平台）已接駁20個路口。監察平台去年處理約3 000宗事故。",
            ["智慧交通監察平台", "智慧交通監察平台"],
        ),
        (
            "截至去年年底，智慧圖書館自助借閱系統（借閱系統）有120部機器。借閱系統去年錄得90萬次借閱。",
            ["智慧圖書館自助借閱系統", "智慧圖書館自助借閱系統"],
        ),
        # 各 and 轄下 make a run no name; a numeral before it makes it a phase, not a name.
        ("去年，微電子中心各實驗室共聘用230名研究人員。", ["微電子中心"]),
        ("政府會推展第三期研發實驗室，涉及50億元。", [None]),
        # 處 ends a name (民航處), but not in 處理.
        ("民航處去年簽發約6 800張證明書，並加快處理申請，平均需時約五日。", ["民航處", "民航處"]),
        # A cluster named with @.
        ("其中Health@InnoHK有16所實驗室。", ["Health@InnoHK"]),
    ],
)
def test_subjects_of_short_names_and_runs_that_name_nothing(body, expected):
    assert [f.subject for f in figures(body)] == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("資助期最長三年。", [(3, "up_to", "年")]),
        ("課程最短六個月。", [(6, "at_least", "個月")]),
        ("申請人須年滿18歲或以上。", [(18, "at_least", "歲")]),
        (
            "每個項目的資助由50萬元至120萬元不等。",
            [(500_000, "at_least", "HKD"), (1_200_000, "up_to", "HKD")],
        ),
        # The noun a count is said of, before its hedge or a linking word.
        ("使用平台的公務員逾4 000名。", [(4000, "over", "公務員")]),
        ("平台每年的配額由1 000個增加至1 500個。", [(1000, "exact", "配額"), (1500, "exact", "配額")]),
        # ... but a verb's object names none: the listed noun before it stands.
        ("研究院正籌建兩個實驗室。", [(2, "exact", "實驗室")]),
    ],
)
def test_hedges_ranges_and_the_noun_a_count_is_said_of(body, expected):
    assert [(f.value, f.qualifier, f.unit) for f in figures(body)] == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("截至2025年1月底，平台有500個數據集。同日，平台的用戶有3 000名。", ["2025-01-31", "2025-01-31"]),
        ("今年第一季，平台處理了9 000宗申請。", ["2025-01-01/2025-03-31"]),
        ("在2020-21至2024-25年度，政府撥款合共約83億元。", ["2020-04-01/2025-03-31"]),
        (
            "平台會在2026年年底前再增加不少於五個功能，並在2028年或之前令功能總數達到約40個。",
            ["2026-12-31", "2028-12-31"],
        ),
    ],
)
def test_as_of_same_day_quarters_spans_and_the_figure_s_own_clause(body, expected):
    assert [f.as_of for f in figures(body)] == expected


# What the second blind Chinese set (tests/fixtures/gold_blind_zh2) showed missing, in sentences
# of our own: each case failed before its rule.


def test_a_table_takes_the_subject_of_the_sentence_before_it():
    found = figures("數碼港近年的使用情況如下：\n\n年份\t使用率（%）\n2024年\t58\n2025年\t71")
    assert [(f.value, f.subject) for f in found] == [(58, "數碼港"), (71, "數碼港")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # "Among the ..." opening a sentence continues the one before: its date carries on.
        (
            "截至2025年1月底，計劃批出了300宗申請。在獲批的申請中，約四成來自初創企業。",
            [(300, "申請", "2025-01-31"), (40, "percent", "2025-01-31")],
        ),
        # 宗 is a measure word, never the unit: 當中218宗 counts the applications before it.
        (
            "計劃收到的申請共356宗，當中218宗已獲批。",
            [(356, "申請", "2025-03-26"), (218, "申請", "2025-03-26")],
        ),
        # A hedge stacked on another (合共逾), and 的 before a counting word, still find the noun.
        ("基金資助的電動車輛合共逾1 600輛。", [(1600, "電動車輛", "2025-03-26")]),
        ("政府的目標是把電動巴士的數目增至約700輛。", [(700, "電動巴士", "2025-03-26")]),
        ("計劃在18區設有服務點。", [(18, "區", "2025-03-26")]),
        ("先導計劃資助共六艘電動渡輪。", [(6, "電動渡輪", "2025-03-26")]),
        # 去年首十個月 is a period, and its 十個月 no duration.
        ("去年首十個月，平台促成了62宗交易。", [(62, "交易", "2024-01-01/2024-10-31")]),
    ],
)
def test_units_and_dates_of_counts_among_earlier_ones(body, expected):
    assert [(f.value, f.unit, f.as_of) for f in figures(body)] == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A short name of a name whose ending follows a particle (資助, 對): the whole name.
        ("政府推出人工智能資助計劃（資助計劃）。資助計劃去年批出82宗申請。", ["人工智能資助計劃"]),
        ("署方設立知識產權交易配對平台（配對平台）。配對平台載有逾3 500項專利。", ["知識產權交易配對平台"]),
        ("港投公司的資本為620億元。", ["香港投資管理有限公司"]),
    ],
)
def test_short_names_of_names_ending_after_a_particle(body, expected):
    assert [f.subject for f in figures(body)] == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # N成M is N and M tenths: 九成五 is 95 per cent, as 四成半 is 45.
        ("網上遞交的申請佔八成五。", [(85, "percent", "exact")]),
        # The upper end of a range of shares written without 百分之 is a share too.
        ("計劃資助成本的百分之三十至六十。", [(30, "percent", "at_least"), (60, "percent", "up_to")]),
        # A part of what was just counted (其中, 其餘) counts the same thing; a listed noun
        # (人) at the start of a longer word (人工智能) does not end the noun there.
        (
            "中心共有七個人工智能模型，其中四個自行開發，其餘三個由大學提供。",
            [(7, "人工智能模型", "exact"), (4, "人工智能模型", "exact"), (3, "人工智能模型", "exact")],
        ),
        # 天 and 工作天 are durations in days, written 天 as the replies write them.
        ("申請一般在三個工作天內處理，上訴期為十天。", [(3, "天", "up_to"), (10, "天", "exact")]),
        # 單一 (single) holds no figure.
        ("單一平台已接通。", []),
    ],
)
def test_shares_ranges_parts_and_days(body, expected):
    assert [(f.value, f.unit, f.qualifier) for f in figures(body)] == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # 中 right after a measure word starts the noun (not 在…中); a listed head noun ends it.
        ("研發院正籌建三條中試線，用於研發。", [(3, "中試線")]),
        ("旅發局在五條旅遊路線試行電子導賞。", [(5, "旅遊路線")]),
        ("計劃資助六家渡輪營辦商試行共八艘電動渡輪。", [(6, "渡輪營辦商"), (8, "電動渡輪")]),
    ],
)
def test_the_noun_after_a_measure_word(body, expected):
    assert [(f.value, f.unit) for f in figures(body)] == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # One amount in two scales: 3億2,000萬元.
        ("計劃涉及約港幣3億2,000萬元。", [(320_000_000, "HKD", "about")]),
        # 件 is a measure word; 秒 and 米 are units of their own; 元起 is "from", at least.
        (
            "郵政去年處理約六十八萬件郵件，每宗平均需時30秒以內。",
            [(680_000, "郵件", "about"), (30, "秒", "up_to")],
        ),
        ("收費港幣15元起，屏幕闊約三十米。", [(15, "HKD", "at_least"), (30, "米", "about")]),
        # 起 right after a measure word starts a noun: no hedge.
        ("平台設有36個起降點。", [(36, "起降點", "exact")]),
        # 999 (the emergency line) is no figure.
        ("市民可致電999緊急熱線求助。", []),
    ],
)
def test_scales_units_and_hedges_of_the_fourth_set(body, expected):
    assert [(f.value, f.unit, f.qualifier) for f in figures(body)] == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # 約 after a verb ending in 接 (連接) is still a hedge; 近半 is nearly half; 棵 a measure word.
        ("系統共連接約1 500部攝錄機。", [(1500, "攝錄機", "about")]),
        (
            "感應器安裝於約二千四百棵樹木，其中近半位於新界。",
            [(2400, "樹木", "about"), (50, "percent", "nearly")],
        ),
        # 一次過 (one-off) holds no figure.
        ("計劃提供一次過資助。", []),
        # 今年首兩個月 is a period (兩 as well as 二), and its 兩個月 no duration.
        ("今年首兩個月，新登記的旅客約十一萬名。", [(110_000, "旅客", "about")]),
    ],
)
def test_hedges_and_measure_words_of_the_fifth_set(body, expected):
    assert [(f.value, f.unit, f.qualifier) for f in figures(body)] == expected


def test_a_quoted_name_written_again_without_quotes_names_the_figures():
    found = figures("郵政自2021年起設置「智郵站」，方便市民。截至2027年10月底，郵政營運的智郵站有152個。")
    assert [(f.value, f.subject) for f in found] == [(152, "智郵站")]
    # A quoted term followed by more of a name, or by a conjunction, is no name of its own.
    text = "公司以「直接投資」及基金投資兩種方式投資，另設「多功能智慧燈柱」試驗計劃。直接投資及多功能智慧燈柱均有進展。"
    assert quoted_names(text, zh_vocab()) == []


def test_a_table_header_counts_what_follows_its_last_de():
    found = figures("年份\t經平台處理的電子申報（萬條）\n2025年\t1 245")
    assert [(f.value, f.unit) for f in found] == [(12_450_000, "電子申報")]


def test_a_table_header_in_parentheses_gives_scale_and_unit():
    # （萬份）: ten thousands of what the header names; （分鐘）: minutes.
    found = figures("年份\t處理文件數目（萬份）\t平均處理時間（分鐘）\n2025年\t1 250\t35")
    assert [(f.value, f.unit) for f in found] == [(12_500_000, "處理文件"), (35, "分鐘")]


def test_bodies_named_without_a_listed_ending():
    found = figures("2026年，司法機構處理了4 300宗申請，天文台則發出了120次警告。")
    assert [f.subject for f in found] == ["司法機構", "香港天文台"]
