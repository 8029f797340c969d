"""Recognising the press-release site's pages: addresses, daily indexes, releases, topics.

Pure functions of bytes, text and addresses, so the fetcher's decisions (which
link is a release, which page is complete, which reply is on I&T) are tested
without a network. `etl.fetch` does the I/O around them.

The site's address scheme, in one place (the constants below):

- a release, in either language: ``/gia/general/YYYYMM/DD/P<digits>.htm``. The
  English and the Chinese version of one reply are two releases of the same day
  with neighbouring numbers (``P2026012100492`` English, ``P2026012100483``
  Chinese); nothing in the address says the language.
- the English daily index: ``/gia/general/YYYYMM/DD.htm`` (today: ``today.htm``);
- the Chinese daily index: ``/gia/general/YYYYMM/DDc.htm`` (today: ``ctoday.htm``),
  which the English index links as its "Chinese version".

A release page may also link its other version; `twin_link` reads that link,
and the fetcher falls back to the Chinese daily index when there is none.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit, urlunsplit

import cn2an
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from etl.settings import TOPICS_FILE, ZH_TOPICS_FILE

RELEASE_PATH = re.compile(r"^/gia/general/(\d{4})(\d{2})/(\d{2})/(P\d+)\.htm$")
INDEX_PATH = "/gia/general/{day:%Y%m}/{day:%d}.htm"
ZH_INDEX_PATH = "/gia/general/{day:%Y%m}/{day:%d}c.htm"
_INDEX_PATH = re.compile(r"^/gia/general/(\d{4})(\d{2})/(\d{2})(c?)\.htm$")
ZH = "zh-Hant"  # the manifest's `lang` for a Chinese page; English is "en"
_CN_DIGITS = "〇○零一二兩三四五六七八九十百"
# "LCQ5:", "LCQ 14:", and the Chinese "立法會五題：" / "立法會十四題：" (or Arabic digits)
_LCQ_NUMBER = re.compile(rf"^\s*(?:LCQ\s*(\d+)\s*[:：]|立法會\s*([{_CN_DIGITS}]+|\d+)\s*題\s*[:：︰])", re.I)
_ZH_TITLE = re.compile(r"^\s*立法會")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# How a release page names the link to its other language version.
_TWIN_TEXTS = {"中文", "繁體", "繁", "繁體版", "中文版", "chinese", "chinese version", "traditional chinese"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Single-byte charsets decode any bytes, so a wrong declaration of one of them
# never fails: it only garbles. Servers and proxies default to these.
_ANY_BYTES = {"latin-1", "iso8859-1", "cp1252", "ascii"}


@dataclass(frozen=True)
class Listing:
    """A link on a daily index page that looks like a release."""

    url: str
    title: str


@dataclass(frozen=True)
class Decoded:
    """Text of a page and how it was decoded (recorded in provenance for the ETL)."""

    text: str
    encoding: str
    errors: str = "strict"


def release_day(url: str) -> date | None:
    """The day a release was issued, read from its address; None if not a release address."""
    m = RELEASE_PATH.match(urlsplit(url).path)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def release_file(url: str) -> PurePosixPath | None:
    """Where a release lives in the cache: its site path below /gia/general/."""
    m = RELEASE_PATH.match(urlsplit(url).path)
    if not m or release_day(url) is None:
        return None
    return PurePosixPath(f"{m[1]}{m[2]}", m[3], f"{m[4]}.htm")


def release_number(url: str) -> int | None:
    """The digits of a release's number (P2026012100492 -> 2026012100492), to tell neighbours."""
    m = RELEASE_PATH.match(urlsplit(url).path)
    return int(m[4][1:]) if m else None


def index_url(base_url: str, day: date, lang: str = "en") -> str:
    """The address of the daily index page for `day`, English or (`lang` zh-Hant) Chinese."""
    path = (ZH_INDEX_PATH if lang == ZH else INDEX_PATH).format(day=day)
    return urljoin(base_url.rstrip("/") + "/", path.lstrip("/"))


def index_day(url: str) -> date | None:
    """The day of a daily index page's address (either language); None if `url` is not one."""
    m = _INDEX_PATH.match(urlsplit(url).path)
    try:
        return date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def index_file(day: date, lang: str = "en") -> PurePosixPath:
    """Where a daily index page lives in the cache (apart from releases, outside the manifest)."""
    return PurePosixPath("index", f"{day:%Y%m}", f"{day:%d}{'c' if lang == ZH else ''}.htm")


def index_file_day(rel: PurePosixPath) -> date:
    """The day of an archived index page, from its path (`index/202503/26c.htm` -> 2025-03-26)."""
    return date(int(rel.parent.name[:4]), int(rel.parent.name[4:]), int(rel.stem[:2]))


def lcq_number(title: str) -> int | None:
    """The question's number in an English or Chinese LCQ title; None when it has none."""
    m = _LCQ_NUMBER.match(title)
    if not m:
        return None
    if m[1]:
        return int(m[1])
    try:
        return int(m[2]) if m[2].isdigit() else int(cn2an.cn2an(m[2].replace("兩", "二"), "smart"))
    except ValueError:
        return None


def title_lang(title: str) -> str:
    """`zh-Hant` for a Chinese title (立法會…, or mostly Chinese characters), else `en`."""
    if _ZH_TITLE.match(title) or len(_CJK.findall(title)) * 2 > len(title.strip()):
        return ZH
    return "en"


def release_lang(html: str) -> str:
    """The language of a release page: its <html lang>, else its headline's script."""
    node = HTMLParser(html).css_first("html")
    attrs = node.attributes if node is not None else {}
    declared = (attrs.get("lang") or attrs.get("xml:lang") or "").lower()
    if declared.startswith("zh"):
        return ZH
    if declared.startswith("en"):
        return "en"
    return title_lang(release_title(html))


def twin_link(html: str, page_url: str, base_url: str) -> str | None:
    """The address of the page's other language version, when the page links it.

    A link counts when it points at a release other than the page itself and
    says it is the other version: an `hreflang` or `lang` attribute, or its text
    ("中文", "繁體", "Chinese version").
    """
    here = rebase(page_url, base_url)
    for a in HTMLParser(html).css("a[href]"):
        url = rebase(urljoin(page_url, (a.attributes.get("href") or "").strip()), base_url)
        if release_file(url) is None or url == here:
            continue
        marked = (a.attributes.get("hreflang") or a.attributes.get("lang") or "").lower().startswith("zh")
        if marked or _clean(a.text(deep=True)).lower() in _TWIN_TEXTS:
            return url
    return None


def rebase(url: str, base_url: str) -> str:
    """`url`'s path on the host of `base_url`: absolute links on an index stay on the mirror,
    and cosmetic queries (`?fontSize=1`) do not make one release two."""
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, urlsplit(url).path, "", ""))


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip()


def parse_index(html: str, page_url: str, base_url: str) -> list[Listing]:
    """Every link on a daily index whose address looks like a release, with its link text.

    Addresses are resolved against the index page and moved onto `base_url`'s
    host; the first non-empty text wins when a release is linked twice.
    """
    found: dict[str, str] = {}
    for a in HTMLParser(html).css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        url = rebase(urljoin(page_url, href), base_url)
        if release_file(url) is None:
            continue
        title = _clean(a.text(deep=True))
        if not found.get(url):
            found[url] = title
    return [Listing(url, title) for url, title in found.items()]


def twin_in(url: str, number: int, listings: Sequence[Listing]) -> str | None:
    """Among a Chinese daily index's links, the version of English release `url` (LCQ `number`).

    Only Chinese LCQ titles with the same number count; when several do, the
    nearest release number wins, and a tie finds nothing rather than guess.
    """
    here = release_number(url)
    found = [
        (abs((release_number(x.url) or 0) - (here or 0)), x.url)
        for x in listings
        if x.url != url and title_lang(x.title) == ZH and lcq_number(x.title) == number
    ]
    found.sort()
    if not found or (len(found) > 1 and (here is None or found[0][0] == found[1][0])):
        return None
    return found[0][1]


def is_truncated(body: bytes) -> bool:
    """True when a page stops before its closing </html>: cut off in transit or on the server."""
    return _HTML_END.search(body) is None


# Media types a web page is served as; anything else at a release address is not a release.
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# What a server sends instead of a page, by its first bytes (whatever Content-Type says).
_MAGIC = (
    (b"%PDF-", "a PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"RIFF", "a RIFF file (WebP image, WAV or AVI)"),
    (b"PK\x03\x04", "a ZIP archive (or a Word or Excel file)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"\x1f\x8b", "gzip data"),
)


def check_content_type(content_type: str | None) -> str | None:
    """None if a response served as `content_type` may be a web page, else why not.

    Checked before the body is read, so a PDF or an image at a release address
    costs one request and no download. An absent type is left to `check_body`.
    """
    if not content_type or not content_type.strip():
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if media in PAGE_TYPES:
        return None
    return f"not a web page: served as {media or content_type.strip()!r}"


def check_body(body: bytes) -> str | None:
    """None unless the bytes are plainly a file of another kind (a PDF served as text/html)."""
    head = body[:64].lstrip()
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"not a web page: the body is {what}"
    return None


def _first_heading(tree: HTMLParser) -> str:
    for selector in ("title", "h1", "h2", "h3"):
        node = tree.css_first(selector)
        if node is not None and _clean(node.text()):
            return _clean(node.text())
    return ""


def check_release(html: str) -> str | None:
    """None if `html` is a press release, else why not.

    Current pages carry `#PRHeadlineSpan` and `#pressrelease`; older ones are
    still accepted when their <title> or first heading starts with "LCQ" (or "立法會").
    """
    tree = HTMLParser(html)
    head = tree.css_first("#PRHeadlineSpan")
    body = tree.css_first("#pressrelease")
    if head is not None and body is not None:
        if not _clean(body.text()):
            return "not a release: #pressrelease is empty"
        return None
    heading = _first_heading(tree)
    if heading.upper().startswith("LCQ") or _ZH_TITLE.match(heading):
        return None
    missing = ", ".join(
        name for name, node in (("#PRHeadlineSpan", head), ("#pressrelease", body)) if node is None
    )
    seen = f"title {heading[:60]!r}" if heading else "no title"
    return f"not a release: no {missing} and {seen} does not start with LCQ"


def is_release(html: str) -> bool:
    """True if `html` is a press release (see `check_release` for the reason when not)."""
    return check_release(html) is None


def release_title(html: str) -> str:
    """A release's headline: `#PRHeadlineSpan`, else its <title> or first heading."""
    tree = HTMLParser(html)
    head = tree.css_first("#PRHeadlineSpan")
    if head is not None and _clean(head.text()):
        return _clean(head.text())
    return _first_heading(tree)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip().strip("'\""))
    except LookupError:
        return None
    # "base64", "zlib" and the like are codecs too, but not for text.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def meta_charset(body: bytes) -> str | None:
    """The charset a page declares in its own <meta> (first 4 KiB), as a Python codec name."""
    m = _META_CHARSET.search(body[:4096])
    return _codec(m[1].decode("ascii", "replace")) if m else None


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def decode(body: bytes, declared: str | None) -> Decoded:
    """Decode a page: the HTTP charset, else the <meta> charset, else UTF-8 with replacement.

    A declared charset is honoured only if the bytes decode with it. When the
    server declares a single-byte charset (which never fails) but the page's
    own <meta> says UTF-8 and the bytes are valid UTF-8 beyond ASCII, the
    declaration is the mistake and UTF-8 is used.
    """
    http = _codec(declared)
    meta = meta_charset(body)
    if http in _ANY_BYTES and meta == "utf-8" and not body.isascii() and _decodes(body, "utf-8"):
        return Decoded(body.decode("utf-8"), "utf-8")
    for encoding in (http, meta, "utf-8"):
        if encoding and _decodes(body, encoding):
            return Decoded(body.decode(encoding), encoding)
    return Decoded(body.decode("utf-8", "replace"), "utf-8", "replace")


@dataclass(frozen=True)
class Topics:
    """Which index titles are LCQ replies, and which of those are on I&T."""

    lcq: re.Pattern[str]
    terms: re.Pattern[str] | None
    exact: re.Pattern[str] | None

    def is_lcq(self, title: str) -> bool:
        """True for a LegCo question's reply ("LCQ5: ...")."""
        return self.lcq.search(title) is not None

    def is_it(self, title: str) -> bool:
        """True when the title names an I&T term."""
        return any(p is not None and p.search(title) for p in (self.terms, self.exact))

    def keep(self, title: str, all_lcq: bool = False) -> bool:
        """True for the replies `itdash fetch --since` keeps."""
        return self.is_lcq(title) and (all_lcq or self.is_it(title))


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def make_topics(
    lcq_title: str, terms: Sequence[str], exact_terms: Sequence[str] = (), anywhere: bool = False
) -> Topics:
    """Compile topic terms: `terms` at a word's start, any case; `exact_terms` whole, as written.

    Chinese is written without spaces, so a word has no start to find: with
    `anywhere` a term matches wherever it occurs (科技 in 創新科技), and an exact
    term needs only to stand apart from Latin letters and digits (AI in 人工智能(AI)).
    """
    words = [t for t in terms if t.strip()]
    exact = [t for t in exact_terms if t.strip()]
    start = "" if anywhere else r"(?<!\w)"
    before, after = (r"(?<![A-Za-z0-9&])", r"(?![A-Za-z0-9&])") if anywhere else (r"(?<![\w&])", r"(?![\w&])")
    return Topics(
        lcq=re.compile(lcq_title, re.IGNORECASE),
        terms=re.compile(rf"{start}(?:{_alternation(words)})", re.IGNORECASE) if words else None,
        exact=re.compile(rf"{before}(?:{_alternation(exact)}){after}") if exact else None,
    )


class TopicsError(ValueError):
    """The topic terms file cannot be used; the message names the file and the problem."""


def load_topics(path: Path = TOPICS_FILE) -> Topics:
    """Read a topic terms file (`data/vocab/topics.toml`, `data/vocab/zh/topics.toml`); a bad
    file fails loudly."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise TopicsError(f"{path}: {e}") from None
    lcq_title = data.get("lcq_title", r"^\s*LCQ\s*\d*\s*:")
    terms = data.get("terms", [])
    exact = data.get("exact_terms", [])
    match = data.get("match", "word-start")
    for name, value in (("terms", terms), ("exact_terms", exact)):
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise TopicsError(f"{path}: {name} must be a list of strings")
    if not isinstance(lcq_title, str):
        raise TopicsError(f"{path}: lcq_title must be a string")
    if match not in ("word-start", "anywhere"):
        raise TopicsError(f"{path}: match must be 'word-start' or 'anywhere', not {match!r}")
    try:
        return make_topics(lcq_title, terms, exact, anywhere=match == "anywhere")
    except re.error as e:
        raise TopicsError(f"{path}: lcq_title is not a valid pattern: {e}") from None


@dataclass(frozen=True)
class BothTopics:
    """The topic filters of both languages: a title is judged by its own language's terms."""

    en: Topics
    zh: Topics

    def of(self, title: str) -> Topics:
        return self.zh if title_lang(title) == ZH else self.en

    def is_lcq(self, title: str) -> bool:
        return self.of(title).is_lcq(title)

    def keep(self, title: str, all_lcq: bool = False) -> bool:
        return self.of(title).keep(title, all_lcq)


def load_both_topics(en: Path = TOPICS_FILE, zh: Path = ZH_TOPICS_FILE) -> BothTopics:
    """Both languages' topic files; either one bad fails loudly, naming it."""
    return BothTopics(load_topics(en), load_topics(zh))
