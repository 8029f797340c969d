"""What a page shows instead of data when there is none to show.

Every page layout goes through `guarded`, so an empty database, a database
that cannot be reached or a bug shows a sentence a person can act on, in the
page's language, never a traceback or a blank screen.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from dash import html
from sqlalchemy.exc import SQLAlchemyError

from dashboard import inputs
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
