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

from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_compact_decimal, format_decimal

LOCALES = {"en": "en", "zh": "zh_Hant_HK"}
_COMPACT_LOCALES = {"en": "en", "zh": "zh_Hant"}
COMPACT_FROM = 1e6  # below this a card shows the whole number ("5,500", not "5.5K")
_PLAIN = "#,##0.##"  # grouped, at most two decimals, none when they are zeros
_SIGNED = "+#,##0;−#,##0"  # a true minus sign, as typeset text uses
_MARK = {"about": "≈", "nearly": "<", "under": "<", "up_to": "≤"}
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
