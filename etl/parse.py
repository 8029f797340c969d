"""Structure of a reply: who asked, who answered, when, and its parts and items.

Everything here is in visible-text offsets (see `etl.text`); the extractor
turns them into source offsets only when it writes a figure down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from etl import vocab
from etl.corpus import RawDocument
from etl.errors import DocumentError
from etl.text import VisibleText, visible

_TITLE = re.compile(r"^[#\s]*(LCQ\s*(\d+)\s*[:：]\s*(.+?))\s*$", re.M)
_OPENING = re.compile(
    r"Following is an? (?:question|questions) by (?P<member>.+?) and an? (?:written |oral )?"
    r"(?:reply|replies|answer) by (?P<by>.+?),? in the Legislative Council today"
    r"\s*\((?P<day>[A-Z][a-z]+\s+\d{1,2})\)",
    re.S,
)
_HON = re.compile(r"^(?:(?:Dr|Ir|Prof(?:essor)?|Mr|Mrs|Ms|Miss)\s+)*the\s+Hon\.?\s+", re.I)
_ENDS = re.compile(r"Ends\s*/\s*[A-Za-z]+,\s*([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})")
_FILE_DATE = re.compile(r"(?:^|/)(\d{4})-(\d{2})-(\d{2})-")
_URL_DATE = re.compile(r"/(\d{4})(\d{2})/(\d{2})/P\d+")
_PART = re.compile(r"^[ \t]*(Question|Questions|Reply|Answer)[ \t]*[:：][ \t]*", re.M | re.I)
_ITEM = re.compile(r"\((\d{1,2})\)[ \t]")
_PARA_SPLIT = re.compile(r"\n[ \t\u00a0□]*\n\s*")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Item:
    """A numbered item `(n)` of the question or the reply."""

    part: str
    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    part: str | None
    item: int | None


@dataclass
class Reply:
    """A parsed reply; the input of extraction."""

    raw: RawDocument
    body: VisibleText
    date: date
    date_source: str
    title: str | None = None
    lcq_number: int | None = None
    subject: str | None = None
    member: str | None = None
    official: str | None = None
    office: str | None = None
    question: Span | None = None
    reply: Span | None = None
    items: list[Item] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.raw.name

    @property
    def text(self) -> str:
        return self.body.text

    @property
    def url(self) -> str | None:
        return self.raw.source.url

    def part_at(self, i: int) -> str | None:
        for part, span in (("question", self.question), ("reply", self.reply)):
            if span and span.start <= i < span.end:
                return part
        return None


def _ends_date(text: str) -> date | None:
    m = _ENDS.search(text)
    months = vocab.months()
    if not m or m.group(1).lower() not in months:
        return None
    try:
        return date(int(m.group(3)), months[m.group(1).lower()], int(m.group(2)))
    except ValueError:
        return None


def reply_date(raw: RawDocument, body: str) -> tuple[date, str]:
    """The day the reply was given, by the spec's order of sources."""
    found = _ends_date(body) or _ends_date(raw.text)
    if found:
        return found, "closing line"
    if raw.source.published:
        return raw.source.published, "manifest"
    for pattern, value, origin in (
        (_FILE_DATE, raw.source.name, "file name"),
        (_URL_DATE, raw.source.url or "", "address"),
    ):
        m = pattern.search(value)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), origin
            except ValueError:
                continue
    raise DocumentError(
        raw.name,
        "the reply's date is not in its closing line, the manifest, the file name or the address",
        stage="parse",
    )


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    last = 0
    for m in _PARA_SPLIT.finditer(text):
        if text[last : m.start()].strip():
            spans.append((last, m.start()))
        last = m.end()
    if text[last:].strip():
        spans.append((last, len(text)))
    # Trim white space so paragraph starts are real characters.
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        out.append((a, b))
    return out


def _structure(doc: Reply) -> None:
    text = doc.text
    heads = list(_PART.finditer(text))
    q = next((m for m in heads if m.group(1).lower().startswith("question")), None)
    r = next((m for m in heads if m.group(1).lower() in ("reply", "answer")), None)
    ends = _ENDS.search(text, r.end() if r else 0)
    stop = ends.start() if ends else len(text)
    if q:
        doc.question = Span(q.end(), r.start() if r and r.start() > q.end() else stop)
    if r:
        doc.reply = Span(r.end(), stop)

    current: dict[str, int | None] = {"question": None, "reply": None}
    item_starts: list[tuple[str, int, int]] = []
    for a, b in _paragraphs(text):
        part = doc.part_at(a)
        item = None
        if part:
            m = _ITEM.match(text, a)
            if m:
                current[part] = int(m.group(1))
                item_starts.append((part, int(m.group(1)), a))
            item = current[part]
        doc.paragraphs.append(Paragraph(a, min(b, stop) if a < stop else b, part, item))
    for k, (part, number, start) in enumerate(item_starts):
        span = doc.question if part == "question" else doc.reply
        end = span.end if span else len(text)
        for later_part, _, later_start in item_starts[k + 1 :]:
            if later_part == part:
                end = later_start
                break
        doc.items.append(Item(part, number, start, end))


def _people(doc: Reply) -> None:
    m = _OPENING.search(doc.text[: (doc.question.start if doc.question else 4000)])
    if not m:
        return
    doc.member = _HON.sub("", " ".join(m.group("member").split())).strip()
    by = " ".join(m.group("by").split())
    by = re.sub(r"^the\s+", "", by, flags=re.I)
    if ", " in by:
        office, official = by.rsplit(", ", 1)
        doc.office, doc.official = office.strip(), official.strip()
    else:
        doc.office = by


def parse(raw: RawDocument) -> Reply:
    """A reply's metadata and structure; raises `DocumentError` when it has none."""
    body = visible(raw.text)
    if not body.text.strip():
        raise DocumentError(raw.name, "no visible text", stage="parse")
    when, origin = reply_date(raw, body.text)
    doc = Reply(raw=raw, body=body, date=when, date_source=origin)
    m = _TITLE.search(body.text)
    if m:
        doc.title = " ".join(m.group(1).split())
        doc.lcq_number = int(m.group(2))
        doc.subject = " ".join(m.group(3).split())
    else:
        first = next((line.strip("# \t") for line in body.text.splitlines() if line.strip()), "")
        doc.title = first[:200] or None
    _structure(doc)
    if doc.reply is None:
        raise DocumentError(raw.name, "no 'Reply:' part found", stage="parse")
    _people(doc)
    return doc
