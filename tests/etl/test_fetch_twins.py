"""Pairing a reply's two language versions (`etl.twins`), and the site rules the fetcher finds them by.

The pairing tests end on the shared corpus's real LCQ1 of 2026-01-21, read by
file name and parsed with `etl.parse`, so what the ETL reads is what is paired.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from etl import site
from etl.corpus import discover, read
from etl.parse import parse
from etl.twins import Document, Pair, pair_documents

DAY = date(2025, 3, 26)


def doc(name: str, number: int | None, lang: str, release: str = "", day: date | None = DAY) -> Document:
    url = f"https://www.info.gov.hk/gia/general/202503/26/P20250326{release}.htm" if release else None
    return Document(name, number, day, lang, url)


def test_one_english_and_one_chinese_of_a_day_and_number_are_a_pair() -> None:
    docs = [doc("en5", 5, "en"), doc("zh5", 5, "zh-Hant")]
    assert pair_documents(docs) == [Pair("en5", "zh5")]
    assert pair_documents([doc("en5", 5, "en"), doc("zh5", 5, "zh")]) == [Pair("en5", "zh5")]


def test_replies_of_the_same_day_pair_by_their_numbers() -> None:
    docs = [
        doc("en5", 5, "en", "00321"),
        doc("en12", 12, "en", "00340"),
        doc("zh12", 12, "zh-Hant", "00337"),
        doc("zh5", 5, "zh-Hant", "00318"),
        doc("zh8", 8, "zh-Hant", "00320"),  # its English version is not among these
    ]
    assert pair_documents(docs) == [Pair("en12", "zh12"), Pair("en5", "zh5")]


def test_the_same_number_on_another_day_is_another_reply() -> None:
    docs = [doc("en5", 5, "en"), doc("zh5-next-day", 5, "zh-Hant", day=date(2025, 3, 27))]
    assert pair_documents(docs) == []


def test_a_day_with_only_one_language_pairs_nothing() -> None:
    assert pair_documents([doc("en5", 5, "en"), doc("en6", 6, "en")]) == []
    assert pair_documents([doc("zh5", 5, "zh-Hant"), doc("zh6", 6, "zh-Hant")]) == []
    assert pair_documents([]) == []


def test_several_candidates_are_decided_by_the_nearest_release_number() -> None:
    # Two sittings on one day, each with an LCQ5: English 00321 and 00480, Chinese 00318 and 00476.
    docs = [
        doc("en5-late", 5, "en", "00480"),
        doc("zh5-early", 5, "zh-Hant", "00318"),
        doc("en5-early", 5, "en", "00321"),
        doc("zh5-late", 5, "zh-Hant", "00476"),
    ]
    assert pair_documents(docs) == [Pair("en5-early", "zh5-early"), Pair("en5-late", "zh5-late")]
    # One English, two Chinese: the nearer one; the other stays unpaired.
    docs = [
        doc("en5", 5, "en", "00321"),
        doc("zh-far", 5, "zh-Hant", "00400"),
        doc("zh-near", 5, "zh-Hant", "00318"),
    ]
    assert pair_documents(docs) == [Pair("en5", "zh-near")]


def test_what_nothing_decides_stays_unpaired() -> None:
    tie = [
        doc("en5", 5, "en", "00321"),
        doc("zh-a", 5, "zh-Hant", "00320"),
        doc("zh-b", 5, "zh-Hant", "00322"),
    ]
    assert pair_documents(tie) == []
    no_addresses = [doc("en5", 5, "en"), doc("zh-a", 5, "zh-Hant"), doc("zh-b", 5, "zh-Hant")]
    assert pair_documents(no_addresses) == []
    undated = [doc("en5", 5, "en", day=None), doc("zh5", 5, "zh-Hant", day=None)]
    unnumbered = [doc("en", None, "en"), doc("zh", None, "zh-Hant")]
    assert pair_documents(undated) == [] and pair_documents(unnumbered) == []
    assert pair_documents([doc("en5", 5, "en"), doc("fr5", 5, "fr")]) == []


def test_the_shared_corpus_lcq1_pair(seed_path: Path) -> None:
    folder = seed_path.parent
    names = (
        "2026-01-21-LCQ1-promoting-digital-education.txt",
        "2026-01-21-LCQ1-promoting-digital-education-zh.txt",
    )
    if not all((folder / n).exists() for n in names):
        pytest.skip("the LCQ1 pair is not in the shared corpus")
    sources = [s for s in discover([folder]) if s.path.name in names]
    replies = [parse(read(s)) for s in sources]
    documents = [Document(r.name, r.lcq_number, r.date, r.lang, r.url) for r in replies]
    by_lang = {d.lang: d for d in documents}
    assert set(by_lang) == {"en", "zh"}
    assert by_lang["en"].lcq_number == by_lang["zh"].lcq_number == 1
    assert pair_documents(documents) == [Pair(by_lang["en"].name, by_lang["zh"].name)]
    # The two releases are neighbours on the site, and their addresses say so.
    en, zh = (site.release_number(by_lang[k].url or "") for k in ("en", "zh"))
    assert en is not None and zh is not None and 0 < abs(en - zh) < 100


# -- the site's rules for the Chinese version (pure) ------------------------------------


def test_the_address_scheme_of_both_languages() -> None:
    base = "https://www.info.gov.hk"
    assert site.index_url(base, DAY) == f"{base}/gia/general/202503/26.htm"
    assert site.index_url(base, DAY, site.ZH) == f"{base}/gia/general/202503/26c.htm"
    assert site.index_day(f"{base}/gia/general/202503/26c.htm") == DAY
    assert str(site.index_file(DAY, site.ZH)) == "index/202503/26c.htm"
    assert (
        site.index_file_day(site.index_file(DAY, site.ZH)) == DAY == site.index_file_day(site.index_file(DAY))
    )
    assert site.release_number(f"{base}/gia/general/202601/21/P2026012100483.htm") == 2026012100483
    assert site.release_number(f"{base}/gia/general/202601/21.htm") is None


@pytest.mark.parametrize(
    ("title", "number", "lang"),
    [
        ("LCQ5: Support for technology start-ups", 5, "en"),
        ("LCQ 14: R&D centres under InnoHK", 14, "en"),
        ("LCQ: Digital government (older title)", None, "en"),
        ("立法會五題：支援科技初創企業", 5, site.ZH),
        ("立法會十四題：創新香港研發平台", 14, site.ZH),
        ("立法會二十一題：智慧燈柱", 21, site.ZH),
        ("立法會 3 題：人工智能", 3, site.ZH),
        ("立法會一題︰推動數字教育", 1, site.ZH),
        ("委任城市綠化諮詢委員會成員", None, site.ZH),
    ],
)
def test_lcq_numbers_and_languages_of_titles(title: str, number: int | None, lang: str) -> None:
    assert site.lcq_number(title) == number
    assert site.title_lang(title) == lang


@pytest.mark.parametrize(
    ("title", "kept"),
    [
        ("立法會五題：支援科技初創企業", True),
        ("立法會三題：在公共服務中使用人工智能", True),
        ("立法會十四題：InnoHK創新香港研發平台的研發中心", True),
        ("立法會二十題：5G網絡覆蓋", True),
        ("立法會十五題：以電子化方式處理工務工程招標", True),
        ("立法會六題：公眾游泳池的保養", False),
        ("立法會八題：為長者提供的法律援助服務", False),
        ("立法會九題：愛滋病(AIDS)的預防", False),  # "AI" stands apart from Latin letters only
        ("創新科技及工業局局長在科技論壇的致辭", False),  # on I&T, but not an LCQ reply
    ],
)
def test_chinese_topic_terms(title: str, kept: bool) -> None:
    assert site.load_both_topics().keep(title) is kept


def test_chinese_topics_file_is_valid_and_english_titles_keep_their_own_terms() -> None:
    both = site.load_both_topics()
    assert both.zh.terms is not None and both.zh.exact is not None
    assert both.zh.is_lcq("立法會十三題：發展香港成為國際創新科技中心")
    assert not both.zh.is_lcq("LCQ13: Innovation") and not both.en.is_lcq("立法會十三題：創新")
    assert both.keep("LCQ5: Support for technology start-ups") and not both.keep("LCQ8: Legal aid")


def test_a_bad_topics_match_setting_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "topics.toml"
    bad.write_text('match = "fuzzy"\nterms = ["科技"]\n', encoding="utf-8")
    with pytest.raises(site.TopicsError, match=rf"{bad}: match must be"):
        site.load_topics(bad)


def test_the_chinese_version_among_a_chinese_index_s_links() -> None:
    url = "http://x/gia/general/202503/26/P2025032600321.htm"
    listings = [
        site.Listing("http://x/gia/general/202503/26/P2025032600318.htm", "立法會五題：支援科技初創企業"),
        site.Listing("http://x/gia/general/202503/26/P2025032600319.htm", "立法會六題：公眾游泳池的保養"),
        site.Listing("http://x/gia/general/202503/26/P2025032600329.htm", "委任城市綠化諮詢委員會成員"),
    ]
    assert site.twin_in(url, 5, listings) == listings[0].url
    assert site.twin_in(url, 12, listings) is None
    reissued = [
        *listings,
        site.Listing("http://x/gia/general/202503/26/P2025032600400.htm", "立法會五題：（修訂）"),
    ]
    assert site.twin_in(url, 5, reissued) == listings[0].url  # nearest number
    tie = [
        *listings,
        site.Listing("http://x/gia/general/202503/26/P2025032600324.htm", "立法會五題：另一版本"),
    ]
    assert site.twin_in(url, 5, tie) is None  # 318 and 324 are both 3 away


def test_a_release_page_s_link_to_its_other_version() -> None:
    page = "http://x/gia/general/202503/26/P2025032600340.htm"
    html = (
        '<html lang="en"><body><a href="/gia/general/ctoday.htm">中文</a>'  # an index, not a release
        f'<a href="{page}" hreflang="zh-HK">this page</a>'  # the page itself
        '<a href="/gia/general/202503/26/P2025032600337.htm" hreflang="zh-HK">中文</a></body></html>'
    )
    assert (
        site.twin_link(html, page, "http://mirror:8")
        == "http://mirror:8/gia/general/202503/26/P2025032600337.htm"
    )
    by_text = '<html><body><a href="26/P2025032600337.htm?lang=tc">繁體</a></body></html>'
    assert site.twin_link(by_text, "http://x/gia/general/202503/26.htm", "http://x") == (
        "http://x/gia/general/202503/26/P2025032600337.htm"
    )
    other = '<html><body><a href="/gia/general/202503/26/P2025032600341.htm">LCQ6: Pools</a></body></html>'
    assert site.twin_link(other, page, "http://x") is None


def test_the_language_of_a_release_page() -> None:
    assert site.release_lang('<html lang="zh-HK"><title>x</title></html>') == site.ZH
    assert site.release_lang('<html lang="en"><title>立法會五題：x</title></html>') == "en"  # declared wins
    assert site.release_lang("<html><title>立法會五題：支援科技初創企業</title></html>") == site.ZH
    assert site.release_lang("<html><title>LCQ5: Start-ups</title></html>") == "en"
    assert site.is_release("<html><head><title>立法會五題：支援初創企業</title></head><body>x</body></html>")
