"""Recognising the press-release site's pages: addresses, daily indexes, releases, topics.

Pure functions of bytes, text and addresses, so the fetcher's decisions (which
link is a release, which page is complete, which reply is on I&T) are tested
without a network. `etl.fetch` does the I/O around them.
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

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from etl.settings import TOPICS_FILE

RELEASE_PATH = re.compile(r"^/gia/general/(\d{4})(\d{2})/(\d{2})/(P\d+)\.htm$")
INDEX_PATH = "/gia/general/{day:%Y%m}/{day:%d}.htm"
_INDEX_PATH = re.compile(r"^/gia/general/(\d{4})(\d{2})/(\d{2})\.htm$")
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


def index_url(base_url: str, day: date) -> str:
    """The address of the English daily index page for `day`."""
    return urljoin(base_url.rstrip("/") + "/", INDEX_PATH.format(day=day).lstrip("/"))


def index_day(url: str) -> date | None:
    """The day of a daily index page's address; None if `url` is not one."""
    m = _INDEX_PATH.match(urlsplit(url).path)
    try:
        return date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def index_file(day: date) -> PurePosixPath:
    """Where a daily index page lives in the cache (apart from releases, outside the manifest)."""
    return PurePosixPath("index", f"{day:%Y%m}", f"{day:%d}.htm")


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
    still accepted when their <title> or first heading starts with "LCQ".
    """
    tree = HTMLParser(html)
    head = tree.css_first("#PRHeadlineSpan")
    body = tree.css_first("#pressrelease")
    if head is not None and body is not None:
        if not _clean(body.text()):
            return "not a release: #pressrelease is empty"
        return None
    heading = _first_heading(tree)
    if heading.upper().startswith("LCQ"):
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


def make_topics(lcq_title: str, terms: Sequence[str], exact_terms: Sequence[str] = ()) -> Topics:
    """Compile topic terms: `terms` at a word's start, any case; `exact_terms` whole, as written."""
    words = [t for t in terms if t.strip()]
    exact = [t for t in exact_terms if t.strip()]
    return Topics(
        lcq=re.compile(lcq_title, re.IGNORECASE),
        terms=re.compile(rf"(?<!\w)(?:{_alternation(words)})", re.IGNORECASE) if words else None,
        exact=re.compile(rf"(?<![\w&])(?:{_alternation(exact)})(?![\w&])") if exact else None,
    )


class TopicsError(ValueError):
    """The topic terms file cannot be used; the message names the file and the problem."""


def load_topics(path: Path = TOPICS_FILE) -> Topics:
    """Read the topic terms file (`data/vocab/topics.toml`); a bad file fails loudly."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise TopicsError(f"{path}: {e}") from None
    lcq_title = data.get("lcq_title", r"^\s*LCQ\s*\d*\s*:")
    terms = data.get("terms", [])
    exact = data.get("exact_terms", [])
    for name, value in (("terms", terms), ("exact_terms", exact)):
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise TopicsError(f"{path}: {name} must be a list of strings")
    if not isinstance(lcq_title, str):
        raise TopicsError(f"{path}: lcq_title must be a string")
    try:
        return make_topics(lcq_title, terms, exact)
    except re.error as e:
        raise TopicsError(f"{path}: lcq_title is not a valid pattern: {e}") from None
