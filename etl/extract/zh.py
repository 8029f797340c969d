"""Figures in a Chinese reply: the same record as English, read with Chinese grammar.

Chinese is written without spaces, numerals come in two scripts (5 300, 五千三百)
and a number is tied to its noun by a measure word (5 300個數據集). So this
module reads a sentence around each number rather than by words: a number
(`_NUMBER`), the hedge right before or after it, the measure word and the
counted noun after it, the nearest time anchor in the sentence and the nearest
named programme or body. Every word list is data (`data/vocab/zh/`); what is
here is the grammar that joins them.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import cn2an

from etl.extract.emit import emit
from etl.parse import Reply
from etl.text import collapse
from etl.vocab import read as read_files
from schemas.figure import Figure

_CN = "零〇○一二兩三四五六七八九十百千萬億"
_CN_DIGIT = "零〇○一二兩三四五六七八九"
_SEP = "[,，\u00a0\u2009\u202f □]"
_DIGITS = rf"\d{{1,3}}(?:{_SEP}\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PUNCT = set("，。、；：！？「」『』（）()《》〈〉,.;:!?\n\t ")
_NOT_INHERITED = {"HKD", "CNY", "USD", "EUR", "percent"}  # a bare count never counts money
_SENTENCE_END = re.compile(r"[。！？](?:[」』）)])*")
_YEAR = r"(?:\d{4}|[〇○零一二三四五六七八九]{4})"
_MONTH = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_DAY = r"(?:\d{1,2}|[一二三四五六七八九十]{1,4})"


@dataclass(frozen=True)
class Vocab:
    scales: dict[str, int]
    measure_words: tuple[str, ...]
    self_units: dict[str, str]
    not_figures: tuple[str, ...]
    ordinal_before: tuple[str, ...]
    label_after: tuple[str, ...]
    hedge_before: dict[str, str]
    joiners: tuple[str, ...]
    not_after: tuple[str, ...]
    hedge_after: dict[str, str]
    hedge_after_money: dict[str, str]
    money: dict[str, str]
    nouns: tuple[str, ...]
    stops: tuple[str, ...]
    today: tuple[str, ...]
    continues: tuple[str, ...]
    same_period: tuple[str, ...]
    count_words: tuple[str, ...]
    measure_when_noun: tuple[str, ...]
    event_verbs: tuple[str, ...]
    title_words: tuple[str, ...]
    names: tuple[str, ...]
    aliases: dict[str, str]
    not_names: frozenset[str]
    not_name_starts: tuple[str, ...]
    not_inside: tuple[str, ...]
    not_endings: tuple[str, ...]
    back_refs: tuple[str, ...]
    endings: tuple[str, ...]
    left_stops: tuple[str, ...]
    places: tuple[str, ...]
    # The lists looked up at every character, indexed once (see _Words)
    not_figures_at: _Words = field(init=False, repr=False, compare=False)
    names_at: _Words = field(init=False, repr=False, compare=False)
    endings_at: _Words = field(init=False, repr=False, compare=False)
    places_at: _Words = field(init=False, repr=False, compare=False)
    today_at: _Words = field(init=False, repr=False, compare=False)
    nouns_at: _Words = field(init=False, repr=False, compare=False)
    stops_at: _Words = field(init=False, repr=False, compare=False)
    stops_or_hedges_at: _Words = field(init=False, repr=False, compare=False)
    measure_words_at: _Words = field(init=False, repr=False, compare=False)
    left_stops_at: _Words = field(init=False, repr=False, compare=False)
    ordinal_before_at: _Words = field(init=False, repr=False, compare=False)
    label_after_at: _Words = field(init=False, repr=False, compare=False)
    event_verbs_at: _Words = field(init=False, repr=False, compare=False)
    title_words_at: _Words = field(init=False, repr=False, compare=False)
    hedge_before_at: _Words = field(init=False, repr=False, compare=False)
    self_units_longest: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = object.__setattr__  # frozen: set once, here
        for name in (
            *("not_figures", "names", "endings", "places", "today", "nouns"),
            *("ordinal_before", "label_after", "event_verbs", "title_words", "hedge_before"),
        ):
            put(self, f"{name}_at", _Words(getattr(self, name)))
        put(self, "stops_at", _Words(self.stops))
        put(self, "stops_or_hedges_at", _Words((*self.stops, *self.hedge_after)))
        put(self, "measure_words_at", _Words(self.measure_words))
        put(self, "left_stops_at", _Words(self.left_stops))
        put(self, "self_units_longest", tuple(sorted(self.self_units.items(), key=lambda kv: -len(kv[0]))))


class _Words:
    """A word list indexed once for the questions asked of it in every sentence.

    The noun and stop lists are asked at every character of a phrase which of them starts
    (or ends) there; trying only the few words that share that character gives the same
    first answer as trying all of them in order. The name lists are asked where each of
    them is written in a sentence; one pattern of them all says first whether any is.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = tuple(words)
        self.any = re.compile("|".join(re.escape(w) for w in self.words)) if self.words else None
        self.by_first: dict[str, tuple[str, ...]] = {}
        self.by_last: dict[str, tuple[str, ...]] = {}
        for w in self.words:
            self.by_first[w[0]] = (*self.by_first.get(w[0], ()), w)
            self.by_last[w[-1]] = (*self.by_last.get(w[-1], ()), w)

    def spans(self, text: str, a: int, b: int) -> Iterator[tuple[str, int, int]]:
        """Each word in the list's order with where it is written in `text[a:b]` (`_spans`)."""
        if self.any is None or not self.any.search(text, a, b):
            return
        segment = text[a:b]
        for w in self.words:
            if w in segment:
                for s, e in _spans(w, text, a, b):
                    yield w, s, e

    def starting(self, text: str, pos: int) -> str | None:
        """The first listed word written at `pos`."""
        if pos >= len(text):
            return None
        return next((w for w in self.by_first.get(text[pos], ()) if text.startswith(w, pos)), None)

    def ending(self, text: str, end: int) -> str | None:
        """The first listed word that ends just before `end`."""
        if end <= 0:
            return None
        return next((w for w in self.by_last.get(text[end - 1], ()) if text.endswith(w, 0, end)), None)


def _spans(word: str, text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    """Where `word` is written in `text[a:b]`, left to right and not overlapping, as
    `re.finditer(re.escape(word), text[a:b])` finds it, without compiling a pattern per word."""
    k = text.find(word, a, b)
    while k >= 0:
        yield k, k + len(word)
        k = text.find(word, k + len(word), b)


def _longest_first(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(words), key=len, reverse=True))


@cache
def vocab(folder: Path | None = None) -> Vocab:
    """The Chinese vocabulary, read once from `data/vocab/zh/`."""
    files = read_files("zh", root=folder)  # validated against schemas/vocab.py
    n, q, u, a, s = (files[f].model_dump() for f in ("numbers", "qualifiers", "units", "asof", "subjects"))
    return Vocab(
        scales=n["scales"],
        measure_words=_longest_first(n["measure_words"]),
        self_units=n["self_units"],
        not_figures=_longest_first(n["not_figures"]),
        ordinal_before=tuple(n["ordinal_before"]),
        label_after=_longest_first(n["label_after"]),
        hedge_before=q["before"],
        joiners=_longest_first(q["joiners"]),
        not_after=tuple(q["not_after"]),
        hedge_after=q["after"],
        hedge_after_money=q["after_money"],
        money=u["money"],
        nouns=_longest_first(u["nouns"]),
        stops=_longest_first(u["stops"]),
        today=tuple(a["today"]),
        continues=tuple(a["continues"]),
        same_period=tuple(a["same_period"]),
        count_words=tuple(u["count_words"]),
        measure_when_noun=tuple(u["measure_when_noun"]),
        event_verbs=tuple(a["event_verbs"]),
        title_words=tuple(a["title_words"]),
        names=_longest_first([*s["names"], *s["aliases"]]),
        aliases=s["aliases"],
        not_names=frozenset(s["not_names"]),
        not_name_starts=tuple(s["not_name_starts"]),
        not_inside=tuple(s["not_inside"]),
        not_endings=tuple(s["not_endings"]),
        back_refs=tuple(s["back_refs"]),
        endings=_longest_first(s["endings"]),
        left_stops=_longest_first(s["left_stops"]),
        places=tuple(s["places"]),
    )


@lru_cache(maxsize=4096)
def chinese_value(text: str) -> float:
    """The value of a numeral in characters (`二千四百四十萬`, `十二點五`, `兩`).

    Cached: cn2an validates and parses each call, and replies repeat their few numerals
    (`一`, `兩`, `十`) in every sentence. A numeral it rejects raises again each time."""
    text = text.replace("○", "〇").replace("兩", "二")
    try:
        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError):  # cn2an raises either on a numeral it cannot place
        # cn2an refuses a section skipped without 零 ("一億一千", as its own an2cn writes
        # 100 001 000): read each 億 and 萬 section apart and add them up.
        for scale, unit in ((100_000_000, "億"), (10_000, "萬")):
            if unit in text:
                high, low = text.split(unit, 1)
                rest = chinese_value(low.lstrip("零")) if low.strip("零") else 0
                return chinese_value(high) * scale + rest
        raise


def _digits_value(text: str) -> float:
    return float(re.sub(_SEP, "", text).replace("，", ""))


# ---------------------------------------------------------------- numbers


@dataclass
class Number:
    start: int
    end: int
    value: float
    percent: bool = False
    currency: str | None = None
    script: str = "digits"  # digits, chinese


_NUMBER = re.compile(
    rf"(?P<pct_cn>百分之(?P<pv>[{_CN}點]+|{_DIGITS}))"
    rf"|(?P<frac>(?P<den>[一二三四五六七八九十]+)分之(?P<num>[一二三四五六七八九十]+))"
    rf"|(?P<half>一半|(?<=[近逾約過])半(?![年天日月小個]))"
    rf"|(?P<dig>{_DIGITS})"
    rf"|(?P<cn>[{_CN}]+(?:點[{_CN_DIGIT}]+)?)"
)
_REST_AFTER_YI = re.compile(rf"\s*({_DIGITS})\s*(千萬|百萬|十萬|萬|千)")
_SCALE_AFTER = re.compile(r"\s*(百萬|千萬|十萬|萬|億|千)")
_PCT_AFTER = re.compile(r"\s*(%|％)")
# 四成 40, 四成半 45, 九成五 95 (a digit after 成 is the next tenth, unless it counts something).
_CHENG = re.compile(rf"([{_CN_DIGIT}十])成(半|[一二三四五六七八九](?![個年月日天項家名間份次人]))?")


_NOT_FIGURE_SPANS = [
    re.compile(p)
    for p in (
        rf"{_YEAR}\s*(?:[-–/／至]\s*(?:\d{{2,4}}|[〇○零一二三四五六七八九]{{2,4}}))?\s*(?:財政)?(?:年度|學年|年)?"
        rf"(?:\s*{_MONTH}\s*月(?:\s*{_DAY}\s*[日號])?)?",
        rf"{_MONTH}\s*月\s*{_DAY}\s*[日號]",
        rf"{_MONTH}\s*月(?:底|末|初|中|份)?",  # a month of the year; 三個月 is a duration
        r"(?<!\d)[2-9]\d{3}\s\d{4}(?!\d)",  # a Hong Kong telephone number, as written
        r"(?:電話|熱線|致電|傳真|號碼)[：:\s]*(?:\+?852\s?)?\d[\d\s]{6,10}\d",
        r"\d{1,2}[:：]\d{2}",  # a clock time
        rf"(?:上午|下午|晚上|早上|中午)?\s*{_MONTH}\s*時(?:\s*(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*分)?",
        r"[（(]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[）)]",  # an item number
        rf"(?:今年|去年|{_YEAR}\s*年)\s*首\s*(?:{_MONTH}|兩)\s*個月",  # 今年首十個月: a period, no duration
    )
]
# Characters each of `_NOT_FIGURE_SPANS` cannot match without (one of them), in its order;
# a sentence holding none is not scanned for it (most sentences name no month or hour).
_NOT_FIGURE_NEEDS: list[tuple[str, ...]] = [(), ("月",), ("月",), (), (), (":", "："), ("時",), (), ("首",)]
_LATIN_BEFORE = re.compile(r"[A-Za-z][-.]?\s?$")
_YEARISH = re.compile(r"[年度／/至\-–]")


def _dates_and_labels(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Spans that hold numbers which are not figures: dates, periods, telephone numbers."""
    out = []
    segment = text[a:b]
    for k, (p, need) in enumerate(zip(_NOT_FIGURE_SPANS, _NOT_FIGURE_NEEDS, strict=True)):
        if need and not any(c in segment for c in need):
            continue
        for m in p.finditer(segment):
            s, e = a + m.start(), a + m.end()
            if k == 0 and not _YEARISH.search(m.group(0)):
                continue  # a bare four-digit number, no year
            out.append((s, e))
    return out


def _inside(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    return any(s <= a and b <= e for s, e in spans)


def numbers(text: str, a: int, b: int, v: Vocab) -> list[Number]:
    """Candidate figures of `text[a:b]` with value, scale, per cent and money applied."""
    masked = _dates_and_labels(text, a, b)
    masked.extend((s, e) for _, s, e in v.not_figures_at.spans(text, a, b))
    out: list[Number] = []
    pos = a
    while True:
        m = _NUMBER.search(text, pos, b)
        if not m:
            break
        pos = m.end()
        s, e = m.start(), m.end()
        if _inside(masked, s, e) or v.ordinal_before_at.ending(text, s) is not None:
            continue
        if _LATIN_BEFORE.search(text[max(a, s - 2) : s]):
            continue  # Web3, COVID-19, Wi-Fi 6: a number inside a name
        if text.count("「", a, s) > text.count("」", a, s):
            continue  # inside quotation marks: a name or a slogan
        if v.label_after_at.starting(text[e : e + 4], 0) is not None:
            continue
        if m.group("pct_cn"):
            raw = m.group("pv")
            value = _digits_value(raw) if raw[0].isdigit() else chinese_value(raw)
            out.append(Number(s, e, value, percent=True, script="chinese"))
            continue
        if m.group("frac"):
            value = 100 * chinese_value(m.group("num")) / chinese_value(m.group("den"))
            out.append(Number(s, e, value, percent=True, script="chinese"))
            continue
        if m.group("half"):
            out.append(Number(s, e, 50.0, percent=True, script="chinese"))
            continue
        cheng = _CHENG.match(text, s)
        if cheng and cheng.end() <= b:
            tenth = cheng.group(2)
            extra = 0 if not tenth else 5 if tenth == "半" else chinese_value(tenth)
            value = 10 * chinese_value(cheng.group(1)) + extra
            pos = cheng.end()
            out.append(Number(s, cheng.end(), value, percent=True, script="chinese"))
            continue
        if m.group("dig"):
            value, script = _digits_value(m.group("dig")), "digits"
            if e < len(text) and text[e : e + 1].isascii() and text[e : e + 1].isalpha():
                continue  # 5G
        else:
            raw = m.group("cn")
            if raw[0] in "萬億千百" or set(raw) <= set("零〇○"):
                continue  # 萬 or 零 alone is no number
            try:
                value, script = chinese_value(raw), "chinese"
            except (ValueError, KeyError, TypeError):
                continue
        n = Number(s, e, value, script=script)
        if out and out[-1].percent and out[-1].end == s - 1 and text[s - 1] in "至到":
            n.percent = True  # 百分之五十至七十: the upper end of a range of shares
        sc = _SCALE_AFTER.match(text, e) if script == "digits" else None
        if sc:
            n.value *= v.scales[sc.group(1)]
            n.end = sc.end()
            rest = _REST_AFTER_YI.match(text, n.end) if sc.group(1) == "億" else None
            if rest:  # 3億2,000萬元: one amount in two scales
                n.value += _digits_value(rest.group(1)) * v.scales[rest.group(2)]
                n.end = pos = rest.end()
        pct = _PCT_AFTER.match(text, n.end)
        if pct:
            n.percent, n.end = True, pct.end()
        out.append(n)
        pos = max(pos, n.end)
    return out


# ---------------------------------------------------------------- one figure


@dataclass
class Draft:
    n: Number
    start: int
    end: int
    qualifier: str = "exact"
    unit: str | None = None
    subject: str | None = None
    as_of: str | None = None
    measured: bool = False  # a measure word follows the number (三十八間): it counts something


def _hedge_before(text: str, lo: int, n: Number, v: Vocab) -> tuple[str, int] | None:
    at = n.start
    for word in v.money:  # 最多人民幣50萬元: the hedge stands before the currency
        if word != "元" and text.endswith(word, lo, at):
            at -= len(word)
            break
    found = _hedge_ending(text, lo, at, v)
    return found


def _hedge_ending(text: str, lo: int, at: int, v: Vocab) -> tuple[str, int] | None:
    n_start = at
    window = text[max(lo, n_start - 12) : n_start]
    for j in v.joiners:  # 共有, 約達: the joining word sits between hedge and number
        if window.endswith(j) and j not in v.hedge_before:
            base = window[: -len(j)]
            found = _ending_hedge(base, v)
            if found:
                return found[0], n_start - len(j) - found[1]
    found = _ending_hedge(window, v)
    if found:
        return found[0], n_start - found[1]
    return None


def _ending_hedge(window: str, v: Vocab) -> tuple[str, int] | None:
    """The hedge that ends `window`: the longest, so 不超過 wins over 超過."""
    best = None
    for phrase in v.hedge_before_at.by_last.get(window[-1:], ()):  # those that end `window`, in order
        kind = v.hedge_before[phrase]
        if window.endswith(phrase) and (best is None or len(phrase) > len(best[0])):
            head = window[: -len(phrase)]
            if head and head[-1] in v.not_after and phrase != "約":
                continue  # 最近, 附近, 公共: another word; 連接約2 300部 keeps its 約
            best = (phrase, kind)
    return (best[1], len(best[0])) if best else None


def _unit_after(text: str, pos: int, hi: int, v: Vocab) -> tuple[str | None, int, bool]:
    """The unit after a number: money, a self-unit, or the measure word's noun; where it ends; and
    whether a counting word (money, a self-unit, a measure word) ties the number to something."""
    for word, code in v.money.items():
        if text.startswith(word, pos):
            return code, pos + len(word), True
    for word, unit in v.self_units_longest:
        if text.startswith(word, pos):
            noun = _noun_run(text, pos + len(word), hi, v) if word in v.measure_when_noun else None
            if noun:
                return noun, pos + len(word) + len(noun), True
            return unit, pos + len(word), True
    measured = v.measure_words_at.starting(text, pos)
    start = pos + len(measured) if measured else pos
    noun = _noun_run(text, start, hi, v, after_measure=measured is not None)
    if noun:
        return noun, start + len(noun), True
    return None, start, measured is not None


def _noun_run(text: str, start: int, hi: int, v: Vocab, after_measure: bool = False) -> str | None:
    """The counted noun: from here up to the end of the last listed noun before a stop (10 at most).

    `數字教育培訓課程` ends with the listed 課程, so the whole phrase is the unit;
    a run that holds no listed noun (`增至`) is no unit at all.
    """
    end, best = start, None
    while end < min(hi, start + 10) and text[end] not in _PUNCT and not text[end].isdigit():
        noun = v.nouns_at.starting(text, end)
        stop = v.stops_or_hedges_at.starting(text, end) if noun is None else None
        if stop is not None and not (after_measure and end == start and stop == "中"):
            break  # right after a measure word 中 starts the noun (兩條中試線), not 在…中
        if noun:
            best = end + len(noun)
            end = best
            continue
        end += 1
    if best is None and 2 <= end - start <= 6 and (end >= hi or text[end] in _PUNCT or end < start + 10):
        stop_here = end >= hi or text[end] in _PUNCT or v.stops_at.starting(text, end) is not None
        return text[start:end] if stop_here else None
    return text[start:best] if best else None


# "Among the ...": 在資助計劃的獲批項目中， or 資助計劃的獲資助者當中， opening a sentence continues the one
# before, as 其中 does (no digits: 在2025年中 is a date).
_AMONG = re.compile(r"(?:在[^，。；\d]{2,16}(?<![年月])中|[^，。；\d]{2,16}當中)，")
_CHANGED_TO = re.compile(r"\s*(?:增加|增|減少|減|縮短|延長|提升|上升|下降|提高)?\s*[至到]\s*")
_PART_OF = ("其中", "其餘", "當中", "餘下")
_TOPIC_LINKS = ("增加至", "增至", "減至", "由", "為", "有", "達")
_TIME_ENDS = ("年", "月", "日", "季", "時", "期", "前", "後", "底")  # 2030年或之前, 年底


def _topic(text: str, lo: int, at: int, v: Vocab, hedged: bool) -> str | None:
    """The noun a count is said of, standing right before it and its hedge or a linking word
    (使用「文翼」的公務員逾40 000名, 配額由1 000個): back to the particle or punctuation before.
    A count with neither is the object of a verb (研發院正籌建兩條), and names no topic."""
    j = at
    link = next((w for w in _TOPIC_LINKS if text.endswith(w, lo, j)), "")
    if not (link or hedged):
        return None
    j -= len(link)
    # 電動商用車輛合共逾1,600輛: 合共 stacked on 逾 (the longest hedge that ends there)
    j -= max((len(w) for w in v.hedge_before if text.endswith(w, lo, j)), default=0)
    s = j
    while s > lo and text[s - 1] not in _PUNCT and not text[s - 1].isdigit() and j - s < 6:
        if v.stops_at.ending(text, s) is not None:
            break
        s -= 1
    run = text[s:j]
    if not 2 <= len(run) <= 6 or run in v.today or run.endswith(_TIME_ENDS) or run in v.places:
        return None
    if run.endswith(v.count_words):
        return None  # 小學數目約為…: the noun before the counting word (noun_before)
    if v.names_at.starting(text, s) or any(run.endswith(e) for e in v.endings):
        return None  # 深圳分園有20家: a body, not what it counts
    return run


def noun_before(text: str, lo: int, at: int, v: Vocab, hedged: bool = False) -> str | None:
    """The noun a bare count refers to: the noun it is said of (`_topic`), else the nearest listed
    noun before it (借調教師由26位…). `hedged`: a hedge stands at `at`, before the number."""
    topic = _topic(text, lo, at, v, hedged)
    if topic:
        return topic
    best = None
    for w in v.nouns:
        k = text.rfind(w, lo, at)
        if k >= 0 and (best is None or k + len(w) > best[1] or (k + len(w) == best[1] and k < best[0])):
            best = (k, k + len(w))
    if best is None:
        for w in v.count_words:  # 登記數目約為…: the noun before the counting word
            k = text.rfind(w, lo, at)
            if k > lo and text[k - 1] == "的":
                k -= 1  # 電動巴士的數目: the noun before 的
            if k > lo:
                s = k
                while s > lo and text[s - 1] not in _PUNCT and k - s < 6 and not text.endswith("的", 0, s):
                    if s < k and v.stops_at.ending(text, s) is not None:
                        break  # 是把電動巴士的數目: the noun after 把
                    s -= 1
                if s < k:
                    return text[s:k]
        return None
    s = best[0]
    while s > lo and text[s - 1] not in _PUNCT and not text[s - 1].isdigit() and best[1] - s < 8:
        if v.stops_at.ending(text, s) is not None:
            break
        s -= 1
    return text[s : best[1]]


def _money_before(text: str, lo: int, n: Number, v: Vocab) -> str | None:
    """人民幣5億元, 港幣3,000萬, 美元200萬: a currency written before the number."""
    window = text[max(lo, n.start - 4) : n.start]
    for word, code in v.money.items():
        if word != "元" and window.endswith(word):
            return code
    return None


def draft(text: str, n: Number, lo: int, hi: int, v: Vocab) -> Draft:
    d = Draft(n, n.start, n.end)
    hedge = _hedge_before(text, lo, n, v)
    if hedge:
        d.qualifier, d.start = hedge
    pos = n.end
    after = next((w for w in ("多", "餘") if text.startswith(w, pos)), None)
    if after and not n.percent:
        d.qualifier, pos = v.hedge_after[after], pos + 1
    if n.percent:
        d.unit, d.end = "percent", pos
    else:
        cn_scale = None
        if n.script == "chinese":
            cn_scale = next((w for w in ("百萬", "千萬", "萬", "億") if text.startswith(w, pos)), None)
        unit, end, d.measured = _unit_after(text, pos, hi, v)
        before = _money_before(text, lo, n, v)
        if before:
            unit = before
            if text.startswith("元", end):
                end += 1
        d.unit, d.end = unit, max(end, pos)
        if cn_scale and unit is None:
            d.end = pos + len(cn_scale)
    tail = text[d.end : d.end + 3]
    for phrase in sorted(v.hedge_after, key=len, reverse=True):
        if phrase not in ("多", "餘") and tail.startswith(phrase):
            d.qualifier, d.end = v.hedge_after[phrase], d.end + len(phrase)
            if d.unit is None:  # 1,200名或以上學員: the noun follows the hedge
                d.unit = _noun_run(text, d.end, hi, v)
            break
    else:
        if d.unit in _NOT_INHERITED and d.unit != "percent":
            money = next((w for w in v.hedge_after_money if text.startswith(w, d.end)), None)
            if money:  # 港幣15元起
                d.qualifier, d.end = v.hedge_after_money[money], d.end + len(money)
    return d


def counts(d: Draft, v: Vocab) -> bool:
    """Whether a candidate is a figure: a numeral in characters needs a unit, money or per cent."""
    if d.n.script == "digits" or d.n.percent:
        return True
    return d.unit is not None or d.measured


# ---------------------------------------------------------------- dates


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    value: str


def _year(text: str) -> int:
    return int(text) if text.isdigit() else int(chinese_value(text) if len(text) < 4 else _cn_digits(text))


def _cn_digits(text: str) -> int:
    return int("".join("0" if c in "〇○零" else str(int(chinese_value(c))) for c in text))


def _num(text: str) -> int:
    return int(text) if text.isdigit() else int(chinese_value(text))


def _month_end(y: int, m: int) -> str:
    return date(y, m, calendar.monthrange(y, m)[1]).isoformat()


def _fy(y: int) -> str:
    return f"{y}-04-01/{y + 1}-03-31"


_ANCHORS = [
    # 2020-21至2024-25年度: every year from the first through the last, one interval
    (
        "span",
        re.compile(
            rf"(?P<y>{_YEAR})\s*[-–/／]\s*(?:\d{{2,4}}|[〇○零一二三四五六七八九]{{2,4}})\s*(?:年度|學年)?\s*[至到]\s*"
            rf"(?P<y4>{_YEAR})\s*[-–/／]\s*(?:\d{{2,4}}|[〇○零一二三四五六七八九]{{2,4}})\s*(?:財政)?(?P<k>年度|學年)"
        ),
    ),
    # 2024-25年度, 二○二四至二五年度, 2024/25學年
    (
        "period",
        re.compile(
            rf"(?P<y>{_YEAR})\s*[-–/／至]\s*(?P<y2>\d{{2,4}}|[〇○零一二三四五六七八九]{{2,4}})\s*(?:財政)?(?P<k>年度|學年)"
            rf"|(?P<k2>學年)\s*[（(]\s*(?P<y3>{_YEAR})\s*[-–/／至]\s*(?:\d{{2,4}}|[〇○零一二三四五六七八九]{{2,4}})\s*[）)]"
        ),
    ),
    ("ymd", re.compile(rf"(?P<y>{_YEAR})\s*年\s*(?P<m>{_MONTH})\s*月\s*(?P<d>{_DAY})\s*[日號]")),
    ("ym", re.compile(rf"(?P<y>{_YEAR})\s*年\s*(?P<m>{_MONTH})\s*月(?P<e>底|末|初|中)?")),
    (
        "yh",
        re.compile(
            rf"(?P<y>{_YEAR})\s*年\s*(?P<h>上半年|下半年|首季|第[一二三四1-4]季|年中|中|年底|底|年末|末|初)"
        ),
    ),
    ("y", re.compile(rf"(?P<y>{_YEAR})\s*年(?!度)")),
    ("first_m", re.compile(rf"(?:(?P<r>今年|去年)|(?P<y>{_YEAR})\s*年)\s*首\s*(?P<m>{_MONTH}|兩)\s*個月")),
    ("rel_m", re.compile(rf"(?P<r>今年|去年)\s*(?P<m>{_MONTH})\s*月(?P<e>底|末|初|中)?")),
    (
        "rel_h",
        re.compile(r"(?P<r>今年|去年)(?P<h>上半年|下半年|首季|第[一二三四1-4]季|年中|中|年底|底|年末|末|初)"),
    ),
    ("rel", re.compile(r"(?P<r>今年|去年)")),
]
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _halves(y: int, h: str) -> str:
    if h in ("上半年",):
        return f"{y}-01-01/{y}-06-30"
    if h == "下半年":
        return f"{y}-07-01/{y}-12-31"
    if h in ("年中", "中"):
        return f"{y}-06-30"
    if h in ("年底", "底", "年末", "末"):
        return f"{y}-12-31"
    if h == "初":
        return f"{y}-03-31"  # docs/extraction.md: early YYYY is 31 March
    q = _QUARTERS["一" if h == "首季" else h[1]]
    end = 3 * q
    return f"{y}-{end - 2:02d}-01/{_month_end(y, end)}"


def anchors(text: str, a: int, b: int, day: date, v: Vocab) -> list[Anchor]:
    """The time anchors of one sentence, each with its ISO value."""
    out: list[Anchor] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _ANCHORS if text.find("年", a, b) >= 0 else ():  # each needs a 年
        for m in pattern.finditer(text, a, b):
            if _inside(taken, m.start(), m.end()) or any(s < m.end() and m.start() < e for s, e in taken):
                continue
            tail = text[m.end() : m.end() + 6]
            if v.event_verbs_at.starting(tail, 0) or v.event_verbs_at.starting(tail, 1):
                taken.append((m.start(), m.end()))
                continue  # 2023年成立: an event's date, no anchor
            if (
                v.title_words_at.starting(tail, 0) is not None
                or text[max(a, m.start() - 1) : m.start()] == "《"
            ):
                taken.append((m.start(), m.end()))
                continue
            if re.match(r"[自從]", text[max(a, m.start() - 1) : m.start()]) and re.match(
                r"\s*(?:起|以來|開始)", text[m.end() : m.end() + 3]
            ):
                taken.append((m.start(), m.end()))
                continue  # 自2019年起: since, no anchor (the reply's day)
            try:
                value = _anchor_value(kind, m, day)
            except (ValueError, KeyError, TypeError):
                continue
            if kind == "y" and value and re.match(r"\s*(?:或之前|之前|前|年底前|底前)", tail):
                value = f"{value[:4]}-12-31"  # 在2027年或之前: by the end of that year
            elif kind == "y" and value and int(value[:4]) > day.year:
                value = f"{value[:4]}-12-31"  # a future year is a deadline: by 2027
            if value:
                out.append(Anchor(m.start(), m.end(), value))
                taken.append((m.start(), m.end()))
    for _, s, e in v.today_at.spans(text, a, b):  # 現時, 目前: the reply's day, nearest-wins
        if not any(x < e and s < y for x, y in taken):
            out.append(Anchor(s, e, day.isoformat()))
            taken.append((s, e))
    out.sort(key=lambda x: x.start)
    return _summed(text, out)


def _summed(text: str, found: list[Anchor]) -> list[Anchor]:
    """二○二四／二五學年和二○二五／二六學年: periods summed by 和、及 are one interval."""
    out: list[Anchor] = []
    for an in found:
        last = out[-1] if out else None
        if (
            last
            and "/" in last.value
            and "/" in an.value
            and text[last.end : an.start].strip() in ("和", "及", "與", "、", "至")
        ):
            out[-1] = Anchor(last.start, an.end, f"{last.value.split('/')[0]}/{an.value.split('/')[1]}")
            continue
        out.append(an)
    return out


def _anchor_value(kind: str, m: re.Match[str], day: date) -> str | None:
    g = m.groupdict()
    if kind == "first_m":  # 今年首十個月: from 1 January through the end of the tenth month
        y = (day.year if g["r"] == "今年" else day.year - 1) if g["r"] else _year(g["y"])
        return f"{y}-01-01/{_month_end(y, _num(g['m']))}"
    if kind.startswith("rel"):
        y = day.year if g["r"] == "今年" else day.year - 1
    elif kind == "period" and g.get("k2"):
        return f"{_year(g['y3'])}-09-01/{_year(g['y3']) + 1}-08-31"
    else:
        y = _year(g["y"])
        if not 1900 <= y <= 2100:
            return None
    if kind == "span":
        last = _year(g["y4"])
        if g["k"] == "學年":
            return f"{y}-09-01/{last + 1}-08-31"
        return f"{_fy(y).split('/')[0]}/{_fy(last).split('/')[1]}"
    if kind == "period":
        if g["k"] == "學年":
            return f"{y}-09-01/{y + 1}-08-31"
        return _fy(y)
    if kind == "ymd":
        return date(y, _num(g["m"]), _num(g["d"])).isoformat()
    if kind in ("ym", "rel_m"):
        month = _num(g["m"])
        e = g.get("e")
        if e == "初":
            return date(y, month, 10).isoformat()
        if e == "中":
            return date(y, month, 15).isoformat()
        return _month_end(y, month)
    if kind in ("yh", "rel_h"):
        return _halves(y, g["h"])
    return f"{y}-01-01/{y}-12-31"


_CLAUSE_END = re.compile(r"[，；;,]")


def nearest(found: list[Anchor], a: int, b: int, text: str = "") -> Anchor | None:
    """The anchor nearest the figure at `a:b`, one of its own clause first: in 在2026年年底前再增加
    不少於五所，並在2027年或之前…, the figure's is 2026, however near the next clause's."""
    if not found:
        return None

    def apart(x: Anchor) -> tuple[bool, int]:
        lo, hi = (b, x.start) if x.start >= b else (x.end, a)
        return bool(text) and _CLAUSE_END.search(text, lo, max(lo, hi)) is not None, max(0, hi - lo)

    return min(found, key=apart)


# ---------------------------------------------------------------- subjects


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    name: str


_QUOTED_BEFORE = re.compile(r"「([^「」，。；：、\d]{2,30})」\s*$")


def _shares(short: str, full: str) -> bool:
    """Whether a short name is made of the full name's characters, as Chinese short names are
    (醫健通 of 電子健康紀錄互通系統, 數字辦 of 數字政策辦公室): two of them at least."""
    return len(set(short) & set(full)) >= 2


def abbreviations(text: str, v: Vocab) -> dict[str, str]:
    """Short names a reply defines itself: 數碼港投資創業基金（投資基金）, 「低空經濟監管沙盒」（簡稱監管
    沙盒）, and a name of no listed ending whose characters the short name takes: 電子健康紀錄互通系統
    （醫健通）."""
    out: dict[str, str] = {}
    for m in re.finditer(r"[（(](?:下稱|簡稱|以下簡稱)?「?([\u4e00-\u9fffA-Za-z]{2,8})」?[）)]", text):
        short = m.group(1)
        quoted = _QUOTED_BEFORE.search(text, max(0, m.start() - 34), m.start())
        if quoted and quoted.group(1) != short and quoted.group(1) not in v.not_names:
            out[short] = v.aliases.get(quoted.group(1), quoted.group(1))  # a quoted name is a name
            continue
        for ending in v.endings:
            if text.endswith(ending, 0, m.start()):
                s = _name_start(text, max(0, m.start() - 20), m.start() - len(ending), v)
                if s == m.start() - len(ending):  # the ending alone: 資助 or 對 before it is the name's
                    s = _name_start(text, max(0, m.start() - 20), m.start() - len(ending), v, eager=True)
                full = text[s : m.start()]
                if len(full) > len(short) and full not in v.not_names:
                    out[short] = v.aliases.get(full, full)
                break
        else:
            name = next((n for n in v.names if text.endswith(n, 0, m.start())), None)
            if name:
                out[short] = v.aliases.get(name, name)
                continue
            s = _name_start(text, max(0, m.start() - 20), m.start(), v)
            full = text[s : m.start()]
            if len(full) >= len(short) + 2 and full not in v.not_names and _shares(short, full):
                out[short] = v.aliases.get(full, full)
    return out


_AT_NAME = re.compile(r"(?<![A-Za-z@])[A-Z][A-Za-z]*@[A-Z][A-Za-z]*")


def mentions(
    text: str,
    a: int,
    b: int,
    v: Vocab,
    abbr: dict[str, str] | None = None,
    last: dict[str, str] | None = None,
) -> list[Mention]:
    """Named programmes, bodies and places in `text[a:b]`: listed names, then names by their ending.

    `abbr` holds the reply's own short names; `last` the name last given for each ending, which
    a bare `計劃` or `該基金` refers back to."""
    abbr = abbr or {}
    last = last if last is not None else {}
    named = list(last.values())
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in _AT_NAME.finditer(text, a, b) if text.find("@", a, b) >= 0 else ():
        out.append(Mention(m.start(), m.end(), m.group()))  # Health@InnoHK: a cluster, a name of its own
        taken.append(m.span())
    for name, s, e in v.names_at.spans(text, a, b):
        if not any(x < e and s < y for x, y in taken):
            out.append(Mention(s, e, abbr.get(name) or v.aliases.get(name, name)))
            taken.append((s, e))
    for short, full in abbr.items():  # 數碼港投資創業基金（投資基金）: the reply's own short names
        for s, e in _spans(short, text, a, b):
            if not any(x < e and s < y for x, y in taken):
                out.append(Mention(s, e, full))
                taken.append((s, e))
    for ending, k, e in v.endings_at.spans(text, a, b):
        if any(text.startswith(w, k) for w in v.not_endings):
            continue  # 處理, 局長: the ending's character begins another word
        s = _name_start(text, a, k, v)
        if any(x < e and s < y for x, y in taken):
            continue
        name = text[s:e]
        if any(w in name for w in v.not_inside) or (s > a and (text[s - 1].isdigit() or text[s - 1] in _CN)):
            continue  # InnoHK各實驗室 (each of its labs), 第二期研發實驗室 (a phase): no name of its own
        bare = name == ending and len(ending) > 1  # a lone 計劃 refers back; a lone 處 (處理) does not
        if (bare or name[: -len(ending)] in v.back_refs) and ending in last:
            out.append(Mention(s, e, last[ending]))  # 該計劃: the one named last
            taken.append((s, e))
            continue
        full = next(
            (f for f in reversed(named) if f != name and f.endswith(ending) and _subsequence(name, f)),
            None,
        )
        if full:  # 燈柱計劃 after 多功能智慧燈柱試驗計劃: a short form of a name given earlier
            out.append(Mention(s, e, full))
            taken.append((s, e))
            continue
        if e - s < len(ending) + 2 or name in v.not_names or name.startswith(v.not_name_starts):
            continue
        out.append(Mention(s, e, name))
        taken.append((s, e))
    for m in re.finditer(r"「([^「」，。；：]{2,14})」", text[a:b]):  # 「智方便」: a programme's name
        s, e = a + m.start(1), a + m.end(1)
        if not any(x < e and s < y for x, y in taken) and not re.search(r"\d|[的了]", m.group(1)):
            out.append(Mention(s, e, v.aliases.get(m.group(1), m.group(1))))
            taken.append((s, e))
    for place, s, e in v.places_at.spans(text, a, b):
        if not any(x < e and s < y for x, y in taken):
            out.append(Mention(s, e, place))
            taken.append((s, e))
    return sorted(out, key=lambda x: x.start)


_QUOTED_KINDS = ("服務", "流動應用程式", "應用程式", "系統")
_QUOTED = re.compile(r"「([^「」，。；：、\d的了]{2,8})」")


def quoted_names(text: str, v: Vocab) -> list[str]:
    """Names a reply puts in 「」 and then writes without them (「智郵站」 ... 智郵站有152個)."""
    out: list[str] = []
    for m in _QUOTED.finditer(text):
        name = m.group(1)
        if name in out or name in v.not_names or name.endswith(tuple(v.endings)):
            continue  # a name with a listed ending is read by it, short forms of earlier names too
        after = text[m.end() : m.end() + 6]
        if not (after[:1] in _PUNCT or after.startswith(_QUOTED_KINDS)):
            continue  # 「多功能智慧燈柱」試驗計劃, 「直接投資」及: part of a name, or a term
        at = text.find(name)
        while at > 0 and text[at - 1] in "「『":
            at = text.find(name, at + 1)
        if at > 0:  # written once without its quotation marks (not only inside a longer quoted name)
            out.append(name)
    return out


def _subsequence(short: str, full: str) -> bool:
    it = iter(full)
    return len(short) < len(full) and all(c in it for c in short)


def _name_start(text: str, lo: int, end: int, v: Vocab, eager: bool = False) -> int:
    """Where an unlisted name ending at `end` begins: back to punctuation or a particle, 12 at most.

    `eager`: a particle right before `end` is read as part of the name (人工智能資助計劃, 交易配對平台),
    for a name the reply gives a short name of, which must be more than its ending."""
    s = end
    while (
        s > max(lo, end - 12)
        and text[s - 1] not in _PUNCT
        and not text[s - 1].isdigit()
        and text[s - 1] not in _CN
    ):
        if not (eager and s == end) and v.left_stops_at.ending(text, s) is not None:
            break
        s -= 1
    return s


def choose(ms: list[Mention], a: int, b: int, v: Vocab) -> str | None:
    """The nearest mention before the figure, else after; a place only when nothing else is named."""
    specific = [m for m in ms if m.name not in v.places]
    pool = specific or ms
    before = [m for m in pool if m.end <= a]
    if before:
        return before[-1].name
    after = [m for m in pool if m.start >= b]
    return after[0].name if after else None


# ---------------------------------------------------------------- the reply


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    part: str
    item: int | None
    paragraph: int
    cells: tuple[tuple[int, int], ...] = ()  # a table row: its cells
    header: tuple[str, ...] = ()  # and its table's header cells


def _cells(text: str, a: int, b: int) -> tuple[tuple[int, int], ...]:
    out, start = [], a
    for k in range(a, b + 1):
        if k == b or text[k] == "\t":
            lo, hi = start, k
            while lo < hi and text[lo].isspace():
                lo += 1
            while hi > lo and text[hi - 1].isspace():
                hi -= 1
            if hi > lo:
                out.append((lo, hi))
            start = k + 1
    return tuple(out)


def _table(text: str, p_start: int, p_end: int, part: str, item: int | None, k: int) -> list[Sentence]:
    """A table (cells split by tabs, one row a line): each row below the header is a sentence."""
    rows, a = [], p_start
    for line_end in [*(i for i in range(p_start, p_end) if text[i] == "\n"), p_end]:
        cells = _cells(text, a, line_end)
        if cells:
            rows.append((a, line_end, cells))
        a = line_end + 1
    if len(rows) < 2:
        return []
    header = tuple(text[x:y] for x, y in rows[0][2])
    return [Sentence(c[0][0], c[-1][1], part, item, k, c, header) for _, _, c in rows[1:]]


def sentences(doc: Reply) -> list[Sentence]:
    """Sentences of the question and reply: paragraphs cut after 。！？ (closing quotes kept)."""
    out = []
    text = doc.text
    for k, p in enumerate(doc.paragraphs):
        if p.part is None:
            continue
        if "\t" in text[p.start : p.end]:
            out += _table(text, p.start, p.end, p.part, p.item, k)
            continue
        a = p.start
        for m in _SENTENCE_END.finditer(text, p.start, p.end):
            if text[a : m.end()].strip():
                out.append(Sentence(a, m.end(), p.part, p.item, k))
            a = m.end()
            while a < p.end and text[a].isspace():
                a += 1
        if a < p.end and text[a : p.end].strip():
            out.append(Sentence(a, p.end, p.part, p.item, k))
    return out


def _pair_ranges(text: str, drafts: list[Draft], v: Vocab) -> None:
    """200至300個: the lower end at_least, the upper up_to; 由約60日縮短至20日 is a change."""
    for x, y in zip(drafts, drafts[1:], strict=False):
        between = text[x.end : y.start] if x.end <= y.start else ""
        if between.strip() not in ("至", "到", "-", "–", "～", "~") or not counts(y, v):
            continue
        x.measured = True
        if re.search(r"[由從]\s*$", text[max(0, x.start - 3) : x.start]) and not text.startswith(
            "不等", y.end
        ):
            continue  # a change: each end keeps its own hedge; 由50萬元至120萬元不等 is a range
        x.qualifier, y.qualifier = "at_least", "up_to"
        if x.unit is None:
            x.unit = y.unit
        if y.n.currency or (y.unit in ("HKD", "CNY", "USD") and x.unit is None):
            x.unit = y.unit
        if x.n.script == y.n.script == "digits" and y.n.value >= 10_000 and x.n.value < y.n.value / 100:
            scale = y.n.value / float(re.sub(_SEP, "", text[y.n.start : y.n.end].rstrip("萬億千百%％")) or 1)
            x.n.value *= scale


def extract(doc: Reply) -> list[Figure]:
    """Every figure of the question and reply parts of a Chinese reply, in document order."""
    v = vocab()
    text = doc.text
    abbr = abbreviations(text, v)
    columns: dict[str, _Column] = {}  # a table header read once a document
    for name in quoted_names(text, v):  # 「智郵站」 given once, then 智郵站 unquoted: the same name
        abbr.setdefault(name, v.aliases.get(name, name))
    last: dict[str, str] = {}
    out: list[Figure] = []
    prev: list[Draft] = []
    prev_anchor: str | None = None
    carry: str | None = None
    paragraph = -1
    for s in sentences(doc):
        if s.paragraph != paragraph:
            # A table takes the subject of the sentence that introduces it, in the paragraph before.
            paragraph, carry = s.paragraph, (carry if s.cells else None)
        if s.cells:
            drafts = _row(text, s, doc.date, v, columns)
            for d in drafts:
                d.subject = carry
            emit(out, doc, s, drafts, " ".join(text[a:b] for a, b in s.cells))
            continue
        drafts = [draft(text, n, s.start, s.end, v) for n in numbers(text, s.start, s.end, v)]
        _pair_ranges(text, drafts, v)  # first: 兩至三個月's lower end counts through its upper end
        drafts = [d for d in drafts if counts(d, v)]
        head = text[s.start : s.start + 6]
        continues = any(head.startswith(w) for w in v.continues) or bool(_AMONG.match(text, s.start, s.end))
        for k, d in enumerate(drafts):
            # 五個模型，其中三個…，其餘兩個…: a part of what was just counted, in its unit
            among = any(text.endswith(w, s.start, d.start) for w in _PART_OF)
            referent = drafts[k - 1] if k else (prev[-1] if prev else None)
            listed = d.unit is not None and v.nouns_at.ending(d.unit, len(d.unit)) is not None
            if among and d.unit and d.unit not in _NOT_INHERITED and not listed:
                d.unit = None  # 其中四個自行開發: what follows is what they do, not what they are
                d.end = d.n.end + len(v.measure_words_at.starting(text, d.n.end) or "")
            if d.unit is None:
                changed = k and _CHANGED_TO.fullmatch(text, drafts[k - 1].end, d.start)
                d.unit = (
                    (drafts[k - 1].unit if changed else None)  # 由1 000個增加至1 500個: the same thing
                    or (referent.unit if among and referent and referent.unit not in _NOT_INHERITED else None)
                    or noun_before(text, s.start, d.start, v, hedged=d.start < d.n.start)
                    or (drafts[k - 1].unit if k and drafts[k - 1].unit not in _NOT_INHERITED else None)
                    or (
                        next((x.unit for x in reversed(prev) if x.unit not in _NOT_INHERITED), None)
                        if continues
                        else None
                    )
                )
        found = anchors(text, s.start, s.end, doc.date, v)
        same = continues or any(w in text[s.start : s.end] for w in v.same_period)
        inherited = prev_anchor if same and not found else None
        for d in drafts:
            an = nearest(found, d.start, d.end, text)
            d.as_of = an.value if an else (inherited or doc.date.isoformat())
        if found:
            prev_anchor = drafts[-1].as_of if drafts else found[-1].value
        elif inherited is None:
            prev_anchor = None
        ms = mentions(text, s.start, s.end, v, abbr, last)
        for m in ms:
            for ending in v.endings:
                if m.name.endswith(ending) and m.name != ending:
                    last[ending] = last[m.name] = (
                        m.name
                    )  # keyed by ending for 該計劃, by name for short forms
        for k, d in enumerate(drafts):
            if continues and not ms and prev and k == 0:
                d.subject = prev[-1].subject
                continue
            d.subject = choose(ms, d.start, d.end, v) or carry
            if carry and d.subject in v.places and carry not in v.places:
                d.subject = carry
        if drafts:
            carry = drafts[-1].subject or carry
        elif ms:
            carry = ms[-1].name
        emit(out, doc, s, drafts, collapse(text[s.start : s.end]))
        if drafts:
            prev = drafts
    return out


_HEADER_PAREN = re.compile(r"[（(]([^（）()]{1,6})[）)]\s*$")
_HEADER_SCALE = re.compile(
    r"[（(]\s*(?:港幣|港元)?\s*(百萬|千萬|十萬|萬|億|千)?\s*(港元|元|美元|人民幣)\s*[）)]"
)


@dataclass(frozen=True)
class _Column:
    """What a table header says of its cells, read once a header."""

    scale: float = 1.0
    money: str | None = None  # （百萬港元）
    percent: bool = False
    unit: str = "count"


def _row(text: str, s: Sentence, day: date, v: Vocab, columns: dict[str, _Column]) -> list[Draft]:
    """A table row's figures: the header gives scale and unit (read once a document, in
    `columns`), the row's label its as_of."""
    label = text[s.cells[0][0] : s.cells[0][1]]
    fy = re.match(r"(\d{4}\s*[-–/]\s*\d{2})\s*(?:[（(][^）)]{1,6}[）)])?\s*$", label)  # 2026-27（預計）
    found = anchors(fy.group(1) + "年度" if fy else label, 0, len(label) + 2, day, v)
    as_of = found[0].value if found else day.isoformat()
    out = []
    for k, (a, b) in enumerate(s.cells[1:], start=1):
        head = s.header[k] if k < len(s.header) else ""
        col = columns.get(head) or columns.setdefault(head, _column(head, v))
        for n in numbers(text, a, b, v):
            d = Draft(n, n.start, n.end, as_of=as_of, measured=True)
            if col.money:
                d.n.value *= col.scale
                d.unit = col.money
            elif n.percent or col.percent:
                d.unit = "percent"
            else:
                d.n.value *= col.scale
                d.unit = col.unit
            out.append(d)
    return out


def _column(head: str, v: Vocab) -> _Column:
    scale = _HEADER_SCALE.search(head)
    if scale:
        return _Column(v.scales.get(scale.group(1) or "", 1), v.money.get(scale.group(2), "HKD"))
    measure = _HEADER_PAREN.search(head)  # 提交文件數目（萬份）, 處理時間（分鐘）
    times, own = 1.0, None
    if measure:
        inner = measure.group(1).strip()
        word = next((w for w in sorted(v.scales, key=len, reverse=True) if inner.startswith(w)), "")
        rest = inner[len(word) :]
        if rest in v.self_units or not rest or rest in v.measure_words:
            times, own = v.scales.get(word, 1), v.self_units.get(rest)
            head = head[: measure.start()]
    said = head.rsplit("的", 1)[-1]  # 經系統處理的電子訊息: what the column counts follows the last 的
    whole = said if 2 <= len(said) <= 6 else None
    unit = own or noun_before(said, 0, len(said), v) or whole or "count"
    return _Column(times, None, "%" in head or "百分比" in head, unit)
