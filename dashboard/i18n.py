"""Labels in English and Traditional Chinese, and the page address that carries them.

The words live in labels.toml (definitions are data): data/labels.toml when it
is there, else dashboard/labels.toml; read once per process on first use. A
label that counts something gives one text per CLDR plural category
(`en = { one = "…{n} minute", other = "…{n} minutes" }`), chosen by its `n`;
numbers filled into a label are written the language's way (dashboard/formatting.py).
The address is the dashboard's only state: every choice (language,
indicator, filters, scale) is a query parameter, so a copied URL reproduces
the view and the browser's back and forward buttons undo choices.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from dashboard import formatting
from etl import settings

# data/labels.toml once moved there (definitions are data); until then, beside this module.
LABELS_FILE = next(
    (p for p in (settings.DATA_DIR / "labels.toml", Path(__file__).with_name("labels.toml")) if p.exists()),
    Path(__file__).with_name("labels.toml"),
)
LANGS = ("en", "zh")
HTML_LANG = {"en": "en", "zh": "zh-Hant-HK"}


# A label's text in one language: a string, or one string per plural category.
Text = str | dict[str, str]


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, Text]]:
    """Every label as `{"section.key": {"en": ..., "zh": ...}}`."""
    data = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))
    out: dict[str, dict[str, Text]] = {}
    for section, entries in data.items():
        for key, texts in entries.items():
            out[f"{section}.{key}"] = texts
    return out


def lang_of(value: object) -> str:
    """A `lang` parameter as one of LANGS; anything unknown reads as English."""
    return "zh" if isinstance(value, str) and value.lower().startswith("zh") else "en"


def t(key: str, lang: str = "en", default: str | None = None, **fields: object) -> str:
    """The label `key` in `lang`, with `{fields}` filled in.

    A missing key falls back to `default` (for open vocabularies such as
    review statuses) and otherwise fails loudly, so a typo shows in tests.
    A label with plural forms takes the one `n` calls for; number fields
    are written the language's way ("1,234").
    """
    entry = labels().get(key)
    if entry is None:
        if default is None:
            raise KeyError(f"no label {key!r} in {LABELS_FILE.name}")
        return default
    text = entry.get(lang) or entry["en"]
    if isinstance(text, dict):
        n = fields.get("n")
        if not isinstance(n, int | float):
            raise TypeError(f"label {key!r} in {LABELS_FILE.name} has plural forms: give it a number n")
        form = formatting.plural(n, lang)
        text = text.get(form) or text["other"]
    if not fields:
        return text
    shown = {
        k: formatting.number(v, lang=lang) if isinstance(v, int | float) and not isinstance(v, bool) else v
        for k, v in fields.items()
    }
    return text.format(**shown)


def unit(code: object, lang: str) -> str:
    """A unit as the page shows it ("數據集" for `dataset`); downloads keep the code.

    A unit with no label (a reviewer's correction may bring a new one) shows
    as its code rather than failing the page.
    """
    text = "" if code is None else str(code)
    return t(f"unit.{text}", lang, default=text) if text else ""


def name(row: Mapping[str, object] | object, lang: str, field: str = "label") -> str:
    """An indicator's or theme's name in `lang` from its `label_en` / `label_zh`."""
    get = row.get if isinstance(row, Mapping) else lambda k: getattr(row, k, None)
    return str(get(f"{field}_zh") if lang == "zh" and get(f"{field}_zh") else get(f"{field}_en"))


def query(params: Mapping[str, object]) -> str:
    """A query string ("?a=1&b=2", or "") from params, leaving out empty values and defaults.

    English and the linear scale are the defaults, so the plainest view has the
    plainest address.
    """
    defaults = {"lang": "en", "scale": "linear"}
    kept = [(k, str(v)) for k, v in params.items() if v not in (None, "", [], False) and defaults.get(k) != v]
    return "?" + urlencode(kept) if kept else ""


def params(search: str | None) -> dict[str, str]:
    """The query string of an address as a dict (the last value of a repeated key)."""
    return dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=False))


def href(path: str, lang: str, **extra: object) -> str:
    """An address inside the dashboard that keeps the language."""
    return path + query({**extra, "lang": lang})


def _search_in_callback() -> dict[str, str]:
    """The address's query parameters while Dash Pages renders a page, else none.

    A page title is computed with only the path's variables; the query string
    (and so the language) is read from the router callback's own inputs.
    """
    import dash

    try:
        return params(dash.ctx.inputs.get("_pages_location.search"))
    except Exception:  # outside a callback: the first HTML of the page, in English
        return {}


def title(key: str, detail: Callable[[dict[str, str], str], str | None] | None = None) -> Callable[..., str]:
    """A page's browser-tab title in the address's language ("數據 — itdash").

    `detail`, given the query parameters and language, may name what the page
    shows (an indicator), which then leads the title.
    """

    def make(**_: object) -> str:
        args = _search_in_callback()
        lang = lang_of(args.get("lang"))
        words = t(key, lang)
        extra = detail(args, lang) if detail is not None else None
        return f"{extra} — {words} — itdash" if extra else f"{words} — itdash"

    return make
