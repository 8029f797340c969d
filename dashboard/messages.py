"""What a page shows instead of data when there is none to show."""

from __future__ import annotations

from dash import html


def notice(text: str, kind: str = "info") -> html.Div:
    """A message a person can act on, in place of a blank page or a trace."""
    return html.Div(html.P(text), className=f"notice notice-{kind}", role="status")


def unreachable(error: Exception) -> html.Div:
    first = str(error).splitlines()[0] if str(error) else error.__class__.__name__
    return notice(f"The database cannot be read right now ({first}).", "error")


EMPTY = "No figures are loaded yet. Run `itdash etl` to load the corpus, then reload this page."
