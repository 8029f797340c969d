"""Numbers, dates and plurals as each language writes them, through Babel's CLDR data.

Hand-written rules got the small cases wrong ("1 figures", "try again in 1
minutes") and knew only two ways of grouping digits; CLDR knows both of the
dashboard's languages. English is `en`; Chinese is `zh_Hant_HK` for grouping,
dates and plural categories (Chinese has one form, so the rule always answers
"other"). Compact numbers in Chinese use `zh_Hant`: CLDR's `zh_Hant_HK` short
forms are the English "K", "M", "B", while Hong Kong's Chinese press writes
萬 and 億.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_compact_decimal, format_decimal

LOCALES = {"en": "en", "zh": "zh_Hant_HK"}
_COMPACT_LOCALES = {"en": "en", "zh": "zh_Hant"}
COMPACT_FROM = 1e6  # below this a card shows the whole number ("5,500", not "5.5K")
_PLAIN = "#,##0.##"  # grouped, at most two decimals, none when they are zeros
_SIGNED = "+#,##0;−#,##0"  # a true minus sign, as typeset text uses
# "nearly 4,000" is just short of it, not anything below: "≈<" keeps it apart from "under" ("<").
_MARK = {"about": "≈", "nearly": "≈<", "under": "<", "up_to": "≤"}
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
_CURRENCY = {"HKD": "HK$", "USD": "US$", "CNY": "RMB "}


def locale(lang: str) -> str:
    """The CLDR locale of a dashboard language (anything unknown reads as English)."""
    return LOCALES.get(lang, "en")


def number(value: float, compact: bool = False, lang: str = "en") -> str:
    """A value as people write it: digits grouped, no needless decimals.

    `compact` shortens millions and more ("10B", "100億") for cards.
    """
    v = float(value)
    if compact and abs(v) >= COMPACT_FROM:
        return format_compact_decimal(v, locale=_COMPACT_LOCALES.get(lang, "en"), fraction_digits=2)
    return format_decimal(v, format=_PLAIN, locale=locale(lang))


def label(
    value: float, qualifier: str, unit: str | None = None, compact: bool = False, lang: str = "en"
) -> str:
    """A value with its qualifier visible: "5,500+", "≈1,480", "≤12", "HK$10B"."""
    n = number(value, compact, lang)
    if unit == "percent":
        n += "%"
    elif unit in _CURRENCY:
        n = _CURRENCY[unit] + n
    if qualifier in ("over", "at_least"):
        return f"{n}+"
    return _MARK.get(qualifier, "") + n


def change(prev: float, last: float, lang: str = "en") -> str:
    """The relative change; a tenfold rise or more reads as a multiple ("×2,750", not "+274,900%")."""
    if prev == 0:
        return ""
    if prev > 0 and last / prev >= 10:
        return "×" + format_decimal(last / prev, format="#,##0", locale=locale(lang))
    return format_decimal((last - prev) / abs(prev) * 100, format=_SIGNED, locale=locale(lang)) + "%"


def plural(n: float, lang: str) -> str:
    """The CLDR plural category of `n` in `lang` ("one", "other", ...), which picks a label's form."""
    return Locale.parse(locale(lang)).plural_form(abs(n))


def day(value: date, lang: str) -> str:
    """A date in words of the language ("Jul 10, 2024", "2024年7月10日")."""
    return format_date(value, "medium", locale=locale(lang))


def moment(value: datetime, lang: str) -> str:
    """A date and time to the minute, on the 24-hour clock ("Dec 1, 2026 19:57")."""
    return f"{day(value, lang)} {format_skeleton('Hm', value, locale=locale(lang))}"


def hong_kong(value: datetime) -> datetime:
    """`value` on Hong Kong's clock; a naive time is the UTC the database stores."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(HONG_KONG)


_QUARTERS = {(1, 3): 1, (4, 6): 2, (7, 9): 3, (10, 12): 4}
_MID = re.compile(r"\bmid-|年中|中旬", re.IGNORECASE)


def _month_end(d: date) -> bool:
    return (d + timedelta(days=1)).day == 1


def _month(d: date, lang: str) -> str:
    return format_skeleton("yMMM", d, locale=locale(lang))


def period(as_of: object, lang: str = "en", sentence: object = None) -> str:
    """An ISO as_of the way the reply would have written it: "2024-25", "2023", "Q1 2025", "Dec 2024".

    The ISO form is exact but reads like a machine ("2024-04-01/2025-03-31").
    A financial year (1 April to 31 March), a calendar year, a quarter, a half
    and a month are written as such; a single day at a month's end as the
    month; "mid-2024" only where the sentence says "mid-" (a 30 June from
    "as of June 2024" is June). Anything else is its day, or "day – day".
    """
    text = str(as_of or "")
    try:
        a_text, _, b_text = text.partition("/")
        a = date.fromisoformat(a_text)
        b = date.fromisoformat(b_text) if b_text else None
    except ValueError:
        return text
    zh = lang == "zh"
    mid = isinstance(sentence, str) and bool(_MID.search(sentence))
    if b is None or a == b:
        if mid and a.month == 6 and a.day == 30:
            return f"{a.year}年年中" if zh else f"mid-{a.year}"
        if mid and a.day == 15:
            return f"{_month(a, lang)}中" if zh else f"mid-{_month(a, lang)}"
        return _month(a, lang) if _month_end(a) else day(a, lang)
    if (a.month, a.day, b.month, b.day) == (4, 1, 3, 31) and b.year > a.year:
        years = [f"{y}-{(y + 1) % 100:02d}" for y in range(a.year, b.year)]
        shown = years[0] if len(years) == 1 else f"{years[0]}{'至' if zh else ' to '}{years[-1]}"
        return f"{shown}年度" if zh else shown
    if (a.month, a.day, b.month, b.day) == (9, 1, 8, 31) and b.year == a.year + 1:
        shown = f"{a.year}/{(a.year + 1) % 100:02d}"
        return f"{shown}學年" if zh else f"{shown} school year"
    if a.day == 1 and _month_end(b) and a.year == b.year:
        if (a.month, b.month) == (1, 12):
            return f"{a.year}年" if zh else str(a.year)
        if (a.month, b.month) in _QUARTERS:
            q = _QUARTERS[(a.month, b.month)]
            return f"{a.year}年第{'一二三四'[q - 1]}季" if zh else f"Q{q} {a.year}"
        if (a.month, b.month) in ((1, 6), (7, 12)):
            half = 1 if a.month == 1 else 2
            return f"{a.year}年{'上下'[half - 1]}半年" if zh else f"H{half} {a.year}"
        if a.month == b.month:
            return _month(a, lang)
    return f"{day(a, lang)}{'至' if zh else ' – '}{day(b, lang)}"
