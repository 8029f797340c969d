"""Structure of a reply: who asked, who answered, when, and its parts and items.

Everything here is in visible-text offsets (see `etl.text`); the extractor
turns them into source offsets only when it writes a figure down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import cn2an

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
class Grammar:
    """How one language writes a reply's frame: title, opening line, parts, items, closing day.

    The stages after parsing are shared by both languages; what differs is this
    frame and the extractor's vocabulary (data/vocab/<language>/).
    """

    title: re.Pattern[str]
    opening: re.Pattern[str]
    part: re.Pattern[str]
    item: re.Pattern[str]
    ends: re.Pattern[str]
    question_heads: tuple[str, ...]
    reply_heads: tuple[str, ...]


_CN_DIGITS = "〇○零一二兩三四五六七八九十百"
ENGLISH = Grammar(
    title=_TITLE,
    opening=_OPENING,
    part=_PART,
    item=_ITEM,
    ends=_ENDS,
    question_heads=("question", "questions"),
    reply_heads=("reply", "answer"),
)
CHINESE = Grammar(
    # 立法會十三題：發展香港成為國際創新科技中心 (the number in Chinese or Arabic numerals)
    title=re.compile(rf"^[#\s]*(立法會\s*([{_CN_DIGITS}]+|\d+)\s*題\s*[:：︰]\s*(.+?))\s*$", re.M),
    # 以下是今日（三月二十六日）在立法會會議上某某議員的提問和某局局長某某的書面答覆：
    opening=re.compile(
        r"以下是今日\s*[（(](?P<day>[^）)]{2,12})[）)]\s*在立法會會議上(?P<member>.+?)的提問和"
        r"(?P<by>.+?)的(?:書面|口頭)?(?:答覆|答辯|回覆)",
        re.S,
    ),
    part=re.compile(r"^[ \t\u3000]*(問題|答覆|答辯)[ \t\u3000]*[:：︰][ \t\u3000]*", re.M),
    item=re.compile(rf"[（(]([{_CN_DIGITS}]{{1,3}}|\d{{1,2}})[）)]"),
    # 完 on its own line, then the day: 2025年3月26日（星期三） or 二○二五年三月二十六日
    ends=re.compile(
        rf"^[ \t\u3000]*完[ \t\u3000]*\n\s*(\d{{4}}|[{_CN_DIGITS}]{{4}})\s*年"
        rf"\s*(\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})\s*月\s*(\d{{1,2}}|[{_CN_DIGITS}]{{1,4}})\s*日",
        re.M,
    ),
    question_heads=("問題",),
    reply_heads=("答覆", "答辯"),
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
# A Chinese official's title, after which the name follows: 創新科技及工業局局長孫東教授
_ZH_OFFICE = re.compile(r"^(.+?(?:副?局長|副?司長|署長|處長|專員|總監|秘書長|行政總裁|政務司|財政司))(.+)$")


def chinese_number(text: str) -> int:
    """A whole number written in Chinese numerals (`十三`, `一百零八`, `二○二五`) or digits."""
    text = text.strip().replace("○", "〇")
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(c in "〇零一二三四五六七八九" for c in text):  # a year, digit by digit
        return int("".join(str(cn2an.cn2an(c, "smart")) if c not in "〇零" else "0" for c in text))
    return int(cn2an.cn2an(text, "smart"))


def language(raw: RawDocument) -> str:
    """`zh` or `en`: the manifest's word when it says Chinese, else what the text itself says."""
    if raw.source.lang.lower().startswith("zh"):
        return "zh"
    sample = raw.text[:4000]
    return "zh" if len(_CJK.findall(sample)) > len(_LATIN.findall(sample)) else "en"


def grammar(lang: str) -> Grammar:
    return CHINESE if lang == "zh" else ENGLISH


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
    lang: str = "en"
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


def _ends_date(text: str, g: Grammar = ENGLISH) -> date | None:
    m = g.ends.search(text)
    if not m:
        return None
    try:
        if g is CHINESE:
            return date(chinese_number(m.group(1)), chinese_number(m.group(2)), chinese_number(m.group(3)))
        months = vocab.months()
        if m.group(1).lower() not in months:
            return None
        return date(int(m.group(3)), months[m.group(1).lower()], int(m.group(2)))
    except (ValueError, TypeError):
        return None


def reply_date(raw: RawDocument, body: str, g: Grammar = ENGLISH) -> tuple[date, str]:
    """The day the reply was given, by the spec's order of sources."""
    found = _ends_date(body, g) or _ends_date(raw.text, g)
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
    g = grammar(doc.lang)
    heads = list(g.part.finditer(text))
    q = next((m for m in heads if m.group(1).lower() in g.question_heads), None)
    r = next((m for m in heads if m.group(1).lower() in g.reply_heads), None)
    ends = g.ends.search(text, r.end() if r else 0)
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
            m = g.item.match(text, a)
            if m:
                current[part] = number = chinese_number(m.group(1))
                item_starts.append((part, number, a))
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
    m = grammar(doc.lang).opening.search(doc.text[: (doc.question.start if doc.question else 4000)])
    if not m:
        return
    if doc.lang == "zh":
        doc.member = re.sub(r"議員$", "", "".join(m.group("member").split())).strip()
        by = "".join(m.group("by").split())
        office = _ZH_OFFICE.match(by)
        doc.office, doc.official = (office.group(1), office.group(2)) if office else (by, None)
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
    lang = language(raw)
    g = grammar(lang)
    when, origin = reply_date(raw, body.text, g)
    doc = Reply(raw=raw, body=body, date=when, date_source=origin, lang=lang)
    m = g.title.search(body.text)
    if m:
        doc.title = " ".join(m.group(1).split())
        doc.lcq_number = chinese_number(m.group(2))
        doc.subject = " ".join(m.group(3).split())
    else:
        first = next((line.strip("# \t") for line in body.text.splitlines() if line.strip()), "")
        doc.title = first[:200] or None
    _structure(doc)
    if doc.reply is None:
        head = "答覆：" if lang == "zh" else "Reply:"
        raise DocumentError(raw.name, f"no '{head}' part found", stage="parse")
    _people(doc)
    return doc
