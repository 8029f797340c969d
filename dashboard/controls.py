"""Labelled form controls, one shape on every page: a label tied to its input, and search boxes.

Each page drew its own; the review panel and the series panel had the same
helper twice, and the data table's search box lacked the search landmark the
indicator page's had, so a screen reader's landmark list found one search of two.
"""

from __future__ import annotations

from dash import dcc, html


def control(label: str, for_id: str, component: object, grow: bool = False) -> html.Div:
    """`component` with its visible label, which names it for assistive technology (`htmlFor`)."""
    return html.Div(
        [html.Label(label, htmlFor=for_id), component], className="control grow" if grow else "control"
    )


def search_box(input_id: str, label: str, placeholder: str, words: str, max_length: int) -> html.Div:
    """A search landmark: a labelled search input whose words reach the callbacks once typed
    (`debounce`: on Enter or leaving the box, not at every key)."""
    box = dcc.Input(
        id=input_id,
        type="search",
        value=words,
        debounce=True,
        placeholder=placeholder,
        maxLength=max_length,
        className="search",
    )
    return html.Div([html.Label(label, htmlFor=input_id), box], className="control grow", role="search")
