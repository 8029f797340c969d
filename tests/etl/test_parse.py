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


def test_seed_metadata(seed_path):
    doc = parse(read(discover([seed_path.parent])[0]))
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
