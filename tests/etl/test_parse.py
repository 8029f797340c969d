"""Reply structure and metadata; the reply's date by the spec's order of sources."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from etl.corpus import RawDocument, Source, discover, read
from etl.errors import DocumentError
from etl.parse import parse

BODY = """LCQ7: Something about data

Following is a question by Dr the Hon Jane Doe and a written reply by the Secretary for Innovation, Technology and Industry, Professor Sun Dong, in the Legislative Council today (May 8):

Question:

(1) how many datasets?

Reply:

President,

(1) There are 100 datasets.

More text about item one.

(2) There are 3 portals.
"""


def raw(text: str, name: str = "x.txt", url: str | None = None, published: date | None = None) -> RawDocument:
    return RawDocument(Source(Path(name), name, url, published), text, "0" * 64, "utf-8")


def _shared(path: Path):
    """One document of the shared corpus, picked by name (the folder holds others)."""
    (source,) = [s for s in discover([path.parent]) if s.path.name == path.name]
    return read(source)


def test_seed_metadata(seed_path):
    doc = parse(_shared(seed_path))
    assert doc.title.startswith("LCQ13: Developing Hong Kong into international")
    assert doc.lcq_number == 13
    assert doc.member == "Martin Liao"
    assert doc.office == "Secretary for Innovation, Technology and Industry"
    assert doc.official == "Professor Sun Dong"
    assert doc.date == date(2025, 3, 26) and doc.date_source == "manifest"
    assert [(i.part, i.number) for i in doc.items] == [
        ("question", 1),
        ("question", 2),
        ("question", 3),
        ("question", 4),
        ("reply", 1),
        ("reply", 2),
        ("reply", 3),
        ("reply", 4),
    ]
    assert doc.text[doc.reply.start :].lstrip().startswith("President,")


def test_member_titles_are_dropped_and_items_span_their_paragraphs():
    doc = parse(raw(BODY, "2024-05-08-x.txt"))
    assert doc.member == "Jane Doe"
    (one,) = [i for i in doc.items if i.part == "reply" and i.number == 1]
    assert "More text about item one." in doc.text[one.start : one.end]
    assert "(2)" not in doc.text[one.start : one.end]


@pytest.mark.parametrize(
    ("text", "name", "url", "published", "expected", "origin"),
    [
        (
            BODY + "\nEnds/Wednesday, May 8, 2024\n",
            "2023-01-01-x.txt",
            None,
            date(2022, 1, 1),
            date(2024, 5, 8),
            "closing line",
        ),
        (BODY, "2023-01-01-x.txt", None, date(2022, 1, 1), date(2022, 1, 1), "manifest"),
        (
            BODY,
            "2023-01-02-x.txt",
            "https://x/gia/general/202001/03/P2020010300001.htm",
            None,
            date(2023, 1, 2),
            "file name",
        ),
        (
            BODY,
            "x.txt",
            "https://x/gia/general/202001/03/P2020010300001.htm",
            None,
            date(2020, 1, 3),
            "address",
        ),
    ],
)
def test_reply_date_sources_in_the_spec_order(text, name, url, published, expected, origin):
    doc = parse(raw(text, name, url, published))
    assert (doc.date, doc.date_source) == (expected, origin)


def test_a_reply_without_a_date_is_an_error_not_a_guess():
    with pytest.raises(DocumentError, match="x.txt: the reply's date"):
        parse(raw(BODY))


def test_a_document_without_a_reply_part_is_an_error():
    with pytest.raises(DocumentError, match="no 'Reply:' part"):
        parse(raw(BODY.split("Reply:")[0], "2024-01-01-x.txt"))


# Our own words, in the frame the Chinese pages use.
BODY_ZH = """立法會十三題：推動開放數據

以下是今日（五月八日）在立法會會議上陳大文議員的提問和創新科技及工業局局長孫東教授的書面答覆：

問題：

（一）現時資料一線通有多少個數據集；

（二）政府有何計劃？

答覆：

主席：

（一）截至2024年3月，資料一線通共有5 300個數據集。

有關數據集由各決策局及部門提供。

（二）政府會繼續推動開放數據。

多謝主席。

完

{closing}
"""


@pytest.mark.parametrize(
    ("closing", "expected"),
    [("2024年5月8日（星期三）", date(2024, 5, 8)), ("二○二四年五月八日（星期三）", date(2024, 5, 8))],
)
def test_chinese_reply_structure_and_closing_day(closing, expected):
    doc = parse(raw(BODY_ZH.format(closing=closing), "x.txt", published=date(2020, 1, 1)))
    assert doc.lang == "zh"
    assert doc.title == "立法會十三題：推動開放數據" and doc.lcq_number == 13
    assert doc.subject == "推動開放數據"
    assert doc.member == "陳大文"
    assert doc.office == "創新科技及工業局局長" and doc.official == "孫東教授"
    assert doc.date == expected and doc.date_source == "closing line"
    assert [(i.part, i.number) for i in doc.items] == [
        ("question", 1),
        ("question", 2),
        ("reply", 1),
        ("reply", 2),
    ]
    reply = doc.text[doc.reply.start : doc.reply.end]
    assert reply.lstrip().startswith("主席：") and "完" not in reply and "星期三" not in reply
    (one,) = [i for i in doc.items if i.part == "reply" and i.number == 1]
    assert "有關數據集由各決策局及部門提供。" in doc.text[one.start : one.end]


def test_chinese_page_without_reply_part_names_the_chinese_heading():
    with pytest.raises(DocumentError, match="答覆："):
        parse(raw("立法會一題：標題\n\n問題：\n\n甚麼？\n", "2024-01-03-x.txt"))


def test_the_text_tells_the_language_when_the_manifest_does_not():
    doc = parse(raw(BODY_ZH.format(closing=""), "2024-05-08-x.txt"))
    assert doc.lang == "zh" and doc.date == date(2024, 5, 8) and doc.date_source == "file name"
    assert parse(raw(BODY, "2024-05-08-x.txt")).lang == "en"


def test_chinese_version_of_a_shared_reply(seed_path):
    zh = seed_path.parent / "2026-01-21-LCQ1-promoting-digital-education-zh.txt"
    if not zh.exists():
        pytest.skip(f"{zh.name} is not in the shared corpus")
    doc = parse(_shared(zh))
    assert doc.lang == "zh" and doc.lcq_number == 1 and doc.date == date(2026, 1, 21)
    assert [(i.part, i.number) for i in doc.items] == [
        ("question", 1),
        ("question", 2),
        ("question", 3),
        ("reply", 1),
        ("reply", 2),
        ("reply", 3),
    ]
    assert doc.office and doc.office.endswith("局長") and doc.member
