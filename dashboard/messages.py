"""What a page shows instead of data when there is none to show.

Every page layout goes through `guarded`, so an empty database, a database
that cannot be reached or a bug shows a sentence a person can act on, in the
page's language, never a traceback or a blank screen.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable

from dash import html
from sqlalchemy.exc import SQLAlchemyError

from dashboard import formatting, inputs, provenance
from dashboard.i18n import lang_of, t
from etl.errors import ItdashError

log = logging.getLogger("itdash.dashboard")


def notice(text: str | list, kind: str = "info") -> html.Div:
    """A message a person can act on, in place of a blank page or a trace."""
    role = "alert" if kind == "error" else "status"
    return html.Div(html.P(text), className=f"notice notice-{kind}", role=role)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else error.__class__.__name__
    return line if len(line) <= 240 else line[:237] + "…"


def unreachable(error: BaseException, lang: str = "en") -> html.Div:
    """The page says what to do; the detail (hosts, drivers) goes to the log, not to the public."""
    log.warning("database unavailable: %s", first_line(error))
    return notice(t("msg.unreachable", lang), "error")


def empty(lang: str = "en") -> html.Div:
    return notice(t("msg.empty", lang))


def _with_notes(page: object, notes: list[html.Div]) -> object:
    """`page` with `notes` above its content, in a new container (a kept page is shared: never changed)."""
    if not notes:
        return page
    if isinstance(page, html.Div) and isinstance(page.children, list | tuple):
        return html.Div([*notes, *page.children], className=getattr(page, "className", None))
    return html.Div([*notes, page], className="page")


def guarded(layout: Callable[..., object]) -> Callable[..., object]:
    """A page layout that answers database trouble and bugs with a message.

    A parameter the address repeats (`?indicator=a&indicator=b`) is read once,
    its last value, and the page says so above its content.
    """

    @functools.wraps(layout)
    def wrapper(**kwargs: object) -> object:
        kwargs, repeated = inputs.single(kwargs)
        lang = lang_of(kwargs.get("lang"))
        try:
            page = layout(**kwargs)
            return _with_notes(page, [notice(t("msg.repeated", lang, name=k), "warning") for k in repeated])
        except (ItdashError, SQLAlchemyError) as e:
            return html.Div(unreachable(e, lang), className="page")
        except Exception:  # noqa: BLE001 - a page must say something, whatever went wrong
            log.exception("page layout failed")
            return html.Div(notice(t("msg.failed", lang), "error"), className="page")

    return wrapper


# The ETL's checks and quarantine reasons are stored in English with a code (the warning's kind,
# the reason's `code`) and parameters; a page in another language writes them from labels.toml's
# [check] and [quarantine]. A row from before codes (or of no known kind) shows its English,
# marked as English.
_SLOT = "\x00{}\x00"
_DAYS = ("before_as_of", "after_as_of", "period", "other", "as_of")


def _params(raw: object) -> dict | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _filled(text: str, parts: dict[str, object]) -> list:
    """`text` with each slot (`_SLOT` of a name) replaced by its component."""
    out: list = []
    for k, piece in enumerate(text.split("\x00")):
        if k % 2:
            out.append(parts[piece])
        elif piece:
            out.append(piece)
    return out


def _english(text: str) -> html.Span:
    return html.Span(text, lang="en")


def warning(kind: str, params: object, message: str, lang: str) -> list:
    """A load-time check's message as page content in `lang` (the stored English on English pages)."""
    given = _params(params)
    if lang == "en" or given is None or f"check.{kind}" not in _check_keys():
        return [message] if lang == "en" else [_english(message)]
    try:
        if kind == "twin_disagrees":
            sides = {k: _side(given.get(k), lang, english=k == "en") for k in ("en", "zh")}
            return _filled(
                t("check.twin_disagrees", lang, en=_SLOT.format("en"), zh=_SLOT.format("zh")), sides
            )
        return [t(f"check.{kind}", lang, **_shown(given, lang))]
    except (KeyError, IndexError, TypeError, ValueError):  # parameters of another version: its English
        return [_english(message)]


def warning_text(kind: str, params: object, message: str, lang: str) -> str:
    """The same as plain text, for a chart's hover: where only the English is stored, a page in
    another language names the check instead (a hover cannot mark words as English)."""
    if lang != "en" and _params(params) is None:
        return t(f"warning.{kind}", lang, default=str(kind))
    parts = warning(kind, params, message, lang)
    return "".join(p if isinstance(p, str) else _text_of(p) for p in parts)


def _text_of(node: object) -> str:
    children = getattr(node, "children", node)
    if isinstance(children, list | tuple):
        return "".join(_text_of(c) for c in children)
    return str(children) if children is not None else ""


def _shown(given: dict, lang: str) -> dict:
    return {k: formatting.period(v, lang) if k in _DAYS else v for k, v in given.items()}


def _side(side: object, lang: str, english: bool) -> object:
    if side is None:
        return t("check.twin_nothing", lang)
    if not isinstance(side, dict):
        raise TypeError(f"a side of a twin warning is {side!r}")
    qualifier = t(f"qualifier.{side['qualifier']}", lang, default=str(side["qualifier"]))
    text = _SLOT.format("text")
    line = t(
        "check.twin_side", lang, text=text, qualifier=qualifier, as_of=formatting.period(side["as_of"], lang)
    )
    said = _english(str(side["text"])) if english else str(side["text"])
    return html.Span(_filled(line, {"text": said}))


@functools.lru_cache(maxsize=1)
def _check_keys() -> frozenset[str]:
    from dashboard.i18n import labels

    return frozenset(k for k in labels() if k.startswith(("check.", "quarantine.")))


def quarantine_reason(code: object, detail: object, reason: str, lang: str) -> list:
    """Why a document was quarantined, in `lang`: the known kind's framing translated, its
    technical detail (a validation report, an OS error) quoted as it is and marked English."""
    reason = provenance.public(reason)
    if lang == "en":
        return [reason]
    if not isinstance(code, str) or f"quarantine.{code}" not in _check_keys():
        return [_english(reason)]
    shown = provenance.public(detail) if isinstance(detail, str) else ""
    return _filled(t(f"quarantine.{code}", lang, detail=_SLOT.format("detail")), {"detail": _english(shown)})
