"""What a browser sends, checked before any of it is used: callbacks' values and the address.

A Dash callback's inputs are whatever a client posts to /_dash-update-component,
not what the page drew, so each is checked for its type, range and size here.
A request no page could have made (the grid's block request with a
`startRow` of 1e30, a sort model that is not a list) is refused with a 400
whose one line says what was wrong; a person's typing (the review form) gets
the same line as a message on the page. Neither ever becomes a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, Response
from werkzeug.exceptions import BadRequest

from etl.export import COLUMN_FILTERS, ColumnFilter, FilterError

MAX_ROW = 10**9  # far past any table itdash holds; beyond it a row number is a forged request
MAX_ROWS = 1000  # rows one grid request may ask for
MAX_TEXT = 2000  # characters of a reason
MAX_NAME = 100  # characters of a reviewer's name or an identifier
MAX_ID = 200  # characters of an indicator id (an uncurated series' is its series id, etl/uncurated.py)
MAX_VALUE = 1e15  # a corrected value: more than any figure a reply gives (HK$ trillions)

# The grid's filterable columns (their colId) and the export column each filters (etl/export.py).
GRID_FILTERS = {
    "indicator": "indicator",
    "as_of": "as_of",
    "shown": "value",
    "unit": "unit",
    "published": "published",
    "sentence": "sentence",
    "source": "source_url",
}
# What AG Grid's filters put in one column's model besides filterType and type.
_OPERANDS = {"text": ("filter",), "number": ("filter", "filterTo"), "date": ("dateFrom", "dateTo")}


class BadInput(BadRequest):
    """A value a client sent that the dashboard refuses; `description` says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def row_number(value: object, name: str, default: int) -> int:
    """A whole row number from 0 to MAX_ROW (the grid sends integers; JSON may carry anything)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(f"{name} must be a whole number, not {_shown(value)}")
    whole = isinstance(value, int) or (math.isfinite(value) and value == int(value))
    if not whole or not 0 <= value <= MAX_ROW:  # an int is compared as it is: 10**400 has no float
        raise BadInput(f"{name} must be a whole number from 0 to {MAX_ROW:,}, not {_shown(value)}")
    return int(value)


@dataclass(frozen=True)
class GridRequest:
    """One block request of the data grid, checked: rows [start, stop) and the sort asked for."""

    start: int
    stop: int
    sort: list[dict]
    filters: tuple[ColumnFilter, ...] = ()

    @classmethod
    def read(cls, request: object) -> GridRequest:
        if not isinstance(request, Mapping):
            raise BadInput(f"the grid's request must be an object, not {_shown(request)}")
        start = row_number(request.get("startRow"), "startRow", 0)
        stop = row_number(request.get("endRow"), "endRow", start + 100)
        if stop < start:
            raise BadInput(f"endRow ({stop}) is before startRow ({start})")
        sort = request.get("sortModel")
        if sort is None:
            sort = []
        if not isinstance(sort, list) or not all(isinstance(item, Mapping) for item in sort):
            raise BadInput(f"sortModel must be a list of objects, not {_shown(sort)}")
        filters = filter_model(request.get("filterModel"))
        return cls(start, min(stop, start + MAX_ROWS), [dict(item) for item in sort], filters)


def filter_model(model: object) -> tuple[ColumnFilter, ...]:
    """The grid's column filters (AG Grid's filterModel), one condition per column, or refused.

    The grid offers one condition per column (`maxNumConditions` 1) and only
    the operations of etl/export.py's FILTER_OPS, so a model with more — a
    second condition, an unknown column, a number filter on text — was not
    sent by the page.
    """
    if model is None:
        return ()
    if not isinstance(model, Mapping):
        raise BadInput(f"filterModel must be an object, not {_shown(model)}")
    out = []
    for col_id, item in model.items():
        column = GRID_FILTERS.get(col_id) if isinstance(col_id, str) else None
        if column is None:
            raise BadInput(f"filterModel: the grid has no filter on column {_shown(col_id)}")
        if not isinstance(item, Mapping):
            raise BadInput(f"filterModel's {col_id} must be an object, not {_shown(item)}")
        kind = COLUMN_FILTERS[column]
        if item.get("filterType") != kind:
            raise BadInput(
                f"filterModel's {col_id} takes a {kind} filter, not {_shown(item.get('filterType'))}"
            )
        if "conditions" in item or "operator" in item:
            raise BadInput(f"filterModel's {col_id}: the grid filters one condition per column")
        extra = set(item) - {"filterType", "type", *_OPERANDS[kind]}
        if extra:
            raise BadInput(
                f"filterModel's {col_id} holds what no grid filter sends: {_shown(sorted(extra, key=str))}"
            )
        op = item.get("type")
        if not isinstance(op, str):
            raise BadInput(f"filterModel's {col_id} needs its operation (type), not {_shown(op)}")
        keys = _OPERANDS[kind]
        first = item.get(keys[0])
        second = item.get(keys[1]) if op == "inRange" and len(keys) > 1 else None
        if kind == "number" and any(
            isinstance(v, bool) or not isinstance(v, int | float) for v in (first, second) if v is not None
        ):
            raise BadInput(f"filterModel's {col_id} must compare with a number, not {_shown(first)}")
        try:
            out.append(ColumnFilter.make(column, op, first, second))
        except FilterError as e:
            raise BadInput(f"filterModel: {e}") from None
    return tuple(out)


def search(value: object) -> str:
    """An address's query string as a page's callback receives it ("" for none)."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 4 * MAX_TEXT:
        raise BadInput(f"the address's query must be text of at most {4 * MAX_TEXT} characters")
    return value


def text(value: object, name: str, limit: int = MAX_TEXT) -> str:
    """Typed text, stripped: at most `limit` characters, with no control characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"{name} must be text, not {_shown(value)}")
    value = value.strip()
    if len(value) > limit:
        raise BadInput(f"{name} is {len(value):,} characters long; at most {limit:,} are kept")
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise BadInput(f"{name} holds control characters")
    return value


def choice(
    value: object, name: str, allowed: tuple[str, ...] | None = None, limit: int = MAX_NAME
) -> str | None:
    """A value from a list the page offered (a dropdown, radio items), or None for no choice."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit or (allowed is not None and value not in allowed):
        offered = f": one of {', '.join(allowed)}" if allowed is not None else ""
        raise BadInput(f"{name} {_shown(value)} is not a choice the page offers{offered}")
    return value


def amount(value: object, name: str) -> float | None:
    """A number a person typed: finite, from 0 to MAX_VALUE, or None when left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadInput(f"{name} must be a number, not {_shown(value)}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise BadInput(f"{name} must be a number, not {_shown(value)}") from None
    if not math.isfinite(number) or not 0 <= number <= MAX_VALUE:
        raise BadInput(f"{name} must be a number from 0 to {MAX_VALUE:,.0f}, not {_shown(value)}")
    return number


def single(args: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """Query parameters with one value each, and the names the address gave more than once.

    Dash passes a repeated parameter (`?indicator=a&indicator=b`) to a page as
    a list; the last value is kept, as `i18n.params` reads the address for the
    page's callbacks, so the page and its callbacks agree.
    """
    out: dict[str, object] = {}
    repeated = []
    for key, value in args.items():
        if isinstance(value, list):
            repeated.append(key)
            value = value[-1] if value else None
        out[key] = value
    return out, repeated


def _shown(value: object) -> str:
    """A value as a message quotes it: its repr, cut short (a 100 KB value is not echoed back)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def register(server: Flask) -> None:
    """Answer a refused input with its one line as plain text, not an HTML error page."""

    @server.errorhandler(BadInput)
    def _refused(e: BadInput) -> Response:
        return Response(e.message + "\n", status=400, mimetype="text/plain")
