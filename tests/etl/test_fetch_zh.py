"""Each reply's Chinese version, fetched beside its English one from the local test site.

The site (tests/fixtures/site, served on 127.0.0.1 by test_fetch's server) has
Chinese daily indexes (`DDc.htm`) and Chinese releases written for these
tests. On 26 March LCQ5's Chinese page is listed on the Chinese index and
LCQ12's only linked from its English page; on 27 March LCQ3's is listed and
LCQ 14's is listed but missing; on 25 March the English title of LCQ15 misses
the English topic terms while its Chinese title names one, and LCQ16 is listed
in Chinese only.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from etl import pipeline, site
from etl.fetch import run
from tests.etl import test_fetch as fixture_site
from tests.etl.test_fetch import (
    CUT_ZH,
    GENERAL,
    LINKS_CUT_ZH,
    LINKS_ENGLISH,
    R200,
    R220,
    R321,
    R340,
    TARGET,
    ZH195,
    ZH215,
    ZH318,
    ZH337,
    ZH_INDEX26,
    Site,
    archived,
    failures,
    fast,
    fixture_bytes,
    manifest,
    page,
    provenance,
    walk,
)

server = fixture_site.server  # the local test site on 127.0.0.1, as a fixture

R400, R410 = page("25", "400"), page("25", "410")
ZH401, ZH405, ZH420 = page("25", "401"), page("25", "405"), page("25", "420")


def rows_by_url(archive: Path, server: Site) -> dict[str, dict[str, str]]:
    return {r["url"].removeprefix(server.url): r for r in manifest(archive)}


def test_both_versions_are_stored_side_by_side_with_provenance(server: Site, tmp_path: Path) -> None:
    walk(server, tmp_path)

    rows = rows_by_url(tmp_path, server)
    for en, zh in ((R321, ZH318), (R340, ZH337), (R200, ZH195)):
        en_file, zh_file = (str(site.release_file(p)) for p in (en, zh))
        assert (rows[en]["lang"], rows[en]["twin"]) == ("en", zh_file)
        assert (rows[zh]["lang"], rows[zh]["twin"]) == ("zh-Hant", en_file)
        assert rows[zh]["published"] == rows[en]["published"]
        body = archived(tmp_path, zh).read_bytes()
        assert body == fixture_bytes(zh)
        record = provenance(tmp_path, zh)
        assert record["url"] == server.url + zh and record["kind"] == "release" and record["status"] == 200
        assert record["sha256"] == hashlib.sha256(body).hexdigest() == rows[zh]["sha256"]
        assert record["lang"] == "zh-Hant" and record["encoding"] == "utf-8" and record["etag"]
        assert (record["twin"], record["twin_url"]) == (en_file, server.url + en)
        assert provenance(tmp_path, en)["twin_url"] == server.url + zh
    assert rows[ZH318]["title"] == "立法會五題：支援科技初創企業"
    # LCQ12's Chinese page is not on the Chinese index: the link on its English page found it.
    assert "P2025032600337" not in fixture_bytes(ZH_INDEX26).decode()
    chinese_index = tmp_path / "index" / "202503" / "26c.htm"
    assert chinese_index.read_bytes() == fixture_bytes(ZH_INDEX26)
    assert str(site.index_file(date(2025, 3, 26), site.ZH)) == "index/202503/26c.htm"


def test_a_missing_chinese_page_is_a_failure_that_keeps_the_english_one(server: Site, tmp_path: Path) -> None:
    report = walk(server, tmp_path)

    assert failures(tmp_path)[server.url + ZH215]["reason"] == "HTTP 404"
    assert [o.phase for o in report.failures if o.url == server.url + ZH215] == ["chinese"]
    assert archived(tmp_path, R220).read_bytes() == fixture_bytes(R220)
    assert rows_by_url(tmp_path, server)[R220]["twin"] == ""
    assert not archived(tmp_path, ZH215).exists()


def test_a_chinese_version_nowhere_to_be_found_is_recorded_against_the_english_page(
    server: Site, tmp_path: Path
) -> None:
    report = run(fast(server, tmp_path), [server.url + TARGET])  # day 28 has no Chinese index

    assert archived(tmp_path, TARGET).exists()
    reason = failures(tmp_path)[server.url + TARGET]["reason"]
    assert (
        reason
        == f"no Chinese version: the Chinese daily index {server.url}{GENERAL}/28c.htm could not be read"
    )
    assert [(o.phase, o.result) for o in report.outcomes if o.url == server.url + TARGET] == [
        ("release", "fetched"),
        ("chinese", "failed"),
    ]
    assert server.requested(f"{GENERAL}/28c.htm") == 1


def test_a_chinese_page_cut_short_is_retried_then_failed_and_nothing_of_it_kept(
    server: Site, tmp_path: Path
) -> None:
    run(fast(server, tmp_path), [server.url + LINKS_CUT_ZH])

    row = failures(tmp_path)[server.url + CUT_ZH]
    assert (row["reason"], row["attempts"]) == ("truncated", "3")  # the same retries as an English page
    assert server.requested(CUT_ZH) == 3
    assert not archived(tmp_path, CUT_ZH).exists() and archived(tmp_path, LINKS_CUT_ZH).exists()
    assert [p for p in tmp_path.rglob("*") if p.name.startswith(".tmp-")] == []


def test_a_linked_page_that_is_not_chinese_is_not_kept_as_the_chinese_version(
    server: Site, tmp_path: Path
) -> None:
    run(fast(server, tmp_path), [server.url + LINKS_ENGLISH])

    assert (
        failures(tmp_path)[server.url + TARGET]["reason"] == "not the Chinese version: the page is in English"
    )
    assert not archived(tmp_path, TARGET).exists()
    assert rows_by_url(tmp_path, server)[LINKS_ENGLISH]["twin"] == ""


def test_a_rerun_fetches_nothing_in_either_language(server: Site, tmp_path: Path) -> None:
    config = fast(server, tmp_path)
    run(config, since=date(2025, 3, 25), until=date(2025, 3, 27))
    before = manifest(tmp_path)
    server.reset()

    report = run(config, since=date(2025, 3, 25), until=date(2025, 3, 27))

    # Only what failed is asked again; every page of both languages is in the archive.
    assert set(server.paths()) <= {"/robots.txt", page("27", "210"), page("27", "230"), ZH215}
    assert report.count("fetched") == 0
    assert report.count("skipped", "chinese") == 5 and report.count("skipped", "index") == 6
    assert manifest(tmp_path) == before


def test_robots_txt_applies_to_the_chinese_pages(server: Site, tmp_path: Path) -> None:
    server.robots = (200, f"User-agent: *\nDisallow: {ZH318}\n")
    run(fast(server, tmp_path), [server.url + R321, server.url + R200])

    assert server.requested(ZH318) == 0
    assert failures(tmp_path)[server.url + ZH318]["reason"] == "disallowed by robots.txt"
    assert archived(tmp_path, R321).exists() and rows_by_url(tmp_path, server)[R321]["twin"] == ""
    assert archived(tmp_path, ZH195).exists()  # the other reply's Chinese page is allowed


def test_a_crawl_delay_spaces_the_chinese_requests_too(server: Site, tmp_path: Path) -> None:
    server.robots = (200, "User-agent: *\nCrawl-delay: 1\n")  # whole seconds: urllib.robotparser
    run(fast(server, tmp_path), [server.url + R321])

    hits = [h for h in server.hits if h.path != "/robots.txt"]
    assert [h.path for h in hits] == [R321, ZH_INDEX26, ZH318]
    gaps = [b.at - a.at for a, b in zip(hits, hits[1:], strict=False)]
    assert min(gaps) >= 0.95, gaps
    assert server.max_inflight == 1


def test_a_chinese_title_on_i_and_t_keeps_the_reply(server: Site, tmp_path: Path) -> None:
    report = run(fast(server, tmp_path), since=date(2025, 3, 25), until=date(2025, 3, 25))

    rows = rows_by_url(tmp_path, server)
    # "LCQ15: Processing tenders for public works without paper" names no English term;
    # its Chinese title (以電子化方式…) does, so both versions are kept.
    assert rows[R410]["twin"] == str(site.release_file(ZH405)) and rows[ZH405]["lang"] == "zh-Hant"
    # LCQ16 is listed in Chinese only: kept alone.
    assert (rows[ZH420]["lang"], rows[ZH420]["twin"]) == ("zh-Hant", "")
    assert (report.kept, report.zh_only) == (1, 1)
    for path in (R400, ZH401):  # on traffic lights, in both languages
        assert server.requested(path) == 0
    assert set(rows) == {R410, ZH405, ZH420}


def test_a_chinese_release_given_by_address_is_kept_as_chinese(server: Site, tmp_path: Path) -> None:
    report = run(fast(server, tmp_path), [server.url + ZH318])

    assert [r["lang"] for r in manifest(tmp_path)] == ["zh-Hant"]
    assert [(o.phase, o.result) for o in report.outcomes] == [("release", "fetched")]
    assert server.paths() == ["/robots.txt", ZH318]


def test_english_only_when_asked(server: Site, tmp_path: Path) -> None:
    walk(server, tmp_path, twins=False)
    assert {r["lang"] for r in manifest(tmp_path)} == {"en"}
    assert server.requested(ZH_INDEX26) == 0 and server.requested(ZH318) == 0


def test_chinese_pages_in_the_archive_load_through_the_etl(
    server: Site, tmp_path: Path, sqlite_url: str
) -> None:
    archive = tmp_path / "archive"
    run(fast(server, archive), since=date(2025, 3, 25), until=date(2025, 3, 27))

    summary = pipeline.run([archive], sqlite_url, curated_dir=tmp_path / "none")
    assert summary.quarantined == 0, [str(e) for e in summary.failures]
    assert summary.documents_loaded == len(manifest(archive)) == 10

    engine = create_engine(sqlite_url)
    with engine.connect() as c:
        docs = c.execute(
            text("SELECT url, lang, lcq_number, published, figures_found FROM documents ORDER BY url")
        ).all()
    engine.dispose()
    by_url = {url.removeprefix(server.url): row for url, *row in docs}
    lang, number, published, found = by_url[ZH318]
    assert (lang, number, str(published)) == ("zh-Hant", 5, "2025-03-26")
    assert found > 0  # the Chinese reply's figures are read
    assert tuple(by_url[R321][:3]) == ("en", 5, by_url[ZH318][2])
    assert sum(row[0] == "zh-Hant" for row in by_url.values()) == 5


def test_an_english_only_archive_gains_the_chinese_versions_on_the_next_run(
    server: Site, tmp_path: Path
) -> None:
    run(fast(server, tmp_path, twins=False), [server.url + R321])
    server.reset()

    run(fast(server, tmp_path), [server.url + R321])

    assert server.requested(R321) == 0  # the English page is not fetched again
    assert server.paths() == ["/robots.txt", ZH_INDEX26, ZH318]
    assert rows_by_url(tmp_path, server)[R321]["twin"] == str(site.release_file(ZH318))
