"""Visible text of a document, with a map back to the characters of its source.

The spec asks for offsets into the original file: for a plain-text reply that
is the text itself; for an HTML page it is the page source, entities and all.
Extraction works on the visible text (tags gone, entities decoded, block tags
turned into line breaks) and converts its spans back through `SourceMap`, so
no later stage has to know which kind of file it read.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Tags whose start or end breaks a line; `p`-like ones start a paragraph.
_LINE_TAGS = {"br", "tr", "li", "dt", "dd"}
_PARA_TAGS = {"p", "div", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote"}
_HIDDEN_TAGS = {"script", "style", "noscript", "template", "head", "title"}
_VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "wbr", "area", "base", "col", "source"}
# Regions of a press-release page that hold the release; anything else is furniture.
RELEASE_IDS = ("PRHeadlineSpan", "pressrelease")


@dataclass
class SourceMap:
    """Piecewise map from visible-text indices to source indices.

    Each segment covers `length` visible characters starting at `vis`; a
    `copy` segment maps one-to-one onto the source from `src`, any other
    segment maps all its characters onto `src`..`src + src_len` (an entity,
    a run of collapsed white space, or a line break standing for a tag).
    """

    vis: list[int] = field(default_factory=list)
    src: list[int] = field(default_factory=list)
    src_len: list[int] = field(default_factory=list)
    copy: list[bool] = field(default_factory=list)
    identity: bool = False

    def start(self, i: int) -> int:
        """Source index where visible character `i` begins."""
        if self.identity:
            return i
        k = bisect.bisect_right(self.vis, i) - 1
        return self.src[k] + (i - self.vis[k] if self.copy[k] else 0)

    def end(self, j: int) -> int:
        """Source index just past visible character `j - 1` (an exclusive end)."""
        if self.identity:
            return j
        k = bisect.bisect_right(self.vis, j - 1) - 1
        if self.copy[k]:
            return self.src[k] + (j - self.vis[k])
        return self.src[k] + self.src_len[k]


@dataclass
class VisibleText:
    """The text extraction reads, and how to find its characters in the source."""

    text: str
    map: SourceMap

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets of the visible span `start:end`."""
        return self.map.start(start), self.map.end(end)


def plain(source: str) -> VisibleText:
    """A plain-text reply is its own visible text."""
    return VisibleText(source, SourceMap(identity=True))


def looks_like_html(source: str) -> bool:
    """Whether a document should be read as an HTML page rather than as text."""
    head = source[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or bool(re.search(r"<(html|body|span|div|p)\b", head))


class _Visible(HTMLParser):
    """Collects visible text inside the release regions, remembering positions."""

    def __init__(self, source: str, restrict: bool) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.restrict = restrict
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.parts: list[str] = []
        self.map = SourceMap()
        self.length = 0
        self.stack: list[tuple[str, bool]] = []  # (tag, opens a release region)
        # How many of each tag are open: an end tag nothing opened is dropped without
        # walking the stack, which made thousands of stray end tags cost quadratic time.
        self.open_count: dict[str, int] = {}
        self.inside = 0  # how many open release regions enclose us
        self.hidden = 0

    # -- position helpers -------------------------------------------------
    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _emit(self, text: str, src: int, src_len: int, copy: bool) -> None:
        if not text:
            return
        self.parts.append(text)
        self.map.vis.append(self.length)
        self.map.src.append(src)
        self.map.src_len.append(src_len)
        self.map.copy.append(copy)
        self.length += len(text)

    def _active(self) -> bool:
        return self.hidden == 0 and (self.inside > 0 or not self.restrict)

    def _break(self, paragraph: bool) -> None:
        if not self._active():
            return
        self._emit("\n\n" if paragraph else "\n", self._pos(), 0, False)

    # -- parser callbacks -------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        opens = dict(attrs).get("id") in RELEASE_IDS
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        if tag not in _VOID_TAGS:
            self.stack.append((tag, opens))
            self.open_count[tag] = self.open_count.get(tag, 0) + 1
        if opens:
            if self.inside == 0 and self.length:
                self._emit("\n\n", self._pos(), 0, False)
            self.inside += 1
        if tag in _LINE_TAGS:
            self._break(paragraph=False)
        elif tag in _PARA_TAGS:
            self._break(paragraph=True)
        elif tag in ("td", "th") and self._active():
            self._emit("\t", self._pos(), 0, False)  # a cell boundary (etl.extract.tables)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE_TAGS:
            self._break(paragraph=False)
        elif tag in _PARA_TAGS:
            self._break(paragraph=True)

    def handle_endtag(self, tag: str) -> None:
        if tag in _PARA_TAGS or tag == "li":
            self._break(paragraph=tag in _PARA_TAGS)
        if not self.open_count.get(tag):
            return
        # Pop to the matching open tag; browsers forgive unclosed tags, so do we.
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                for t, opened in self.stack[k:]:
                    self.open_count[t] -= 1
                    if opened:
                        self.inside -= 1
                    if t in _HIDDEN_TAGS:
                        self.hidden -= 1
                del self.stack[k:]
                break

    def handle_data(self, data: str) -> None:
        if not self._active():
            return
        pos = self._pos()
        # Runs of white space in HTML render as one space: keep that promise so
        # blank lines in the page source do not read as paragraph breaks.
        last = 0
        for m in re.finditer(r"[ \t\r\n\f]+", data):
            if m.start() > last:
                self._emit(data[last : m.start()], pos + last, 0, True)
            if self.parts and not self.parts[-1].endswith(("\n", "\t", " ")):
                # White space right after a break or a cell boundary renders as nothing.
                self._emit(" ", pos + m.start(), m.end() - m.start(), False)
            last = m.end()
        if last < len(data):
            self._emit(data[last:], pos + last, 0, True)

    def _entity(self, raw_prefix: str, name: str) -> None:
        if not self._active():
            return
        import html

        pos = self._pos()
        raw = f"{raw_prefix}{name}"
        length = len(raw) + (1 if self.source.startswith(";", pos + len(raw)) else 0)
        text = html.unescape(self.source[pos : pos + length])
        self._emit(text, pos, length, False)

    def handle_entityref(self, name: str) -> None:
        self._entity("&", name)

    def handle_charref(self, name: str) -> None:
        self._entity("&#", name)


def html_page(source: str) -> VisibleText:
    """Visible text of a press-release page; falls back to the whole body.

    Only the headline and the release body are kept when the page has them, so
    navigation and footers never produce figures.
    """
    restrict = any(f'id="{i}"' in source or f"id='{i}'" in source for i in RELEASE_IDS)
    parser = _Visible(source, restrict)
    parser.feed(source)
    parser.close()
    text = "".join(parser.parts)
    if not parser.map.vis:  # an empty page still needs a well-formed map
        parser.map.vis.append(0)
        parser.map.src.append(0)
        parser.map.src_len.append(0)
        parser.map.copy.append(False)
    return VisibleText(text, parser.map)


def visible(source: str) -> VisibleText:
    """The visible text of any document itdash reads."""
    return html_page(source) if looks_like_html(source) else plain(source)


def collapse(text: str) -> str:
    """White space collapsed, as the spec writes a figure's sentence."""
    return " ".join(text.split())
