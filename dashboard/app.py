"""The app frame: navigation, the database it reads, and the pages folder.

Pages live one per module in dashboard/pages and read data only inside
their `layout()` and callbacks, so importing the app touches no database.
"""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, dcc, html

from dashboard import downloads
from etl import settings


def create_app(database_url: str | None = None) -> Dash:
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        title="itdash — Hong Kong I&T figures",
        suppress_callback_exceptions=True,
    )
    app.server.config["ITDASH_DATABASE_URL"] = database_url or settings.database_url()
    downloads.register(app.server)
    app.layout = html.Div(
        [
            html.Header(
                [
                    html.A("itdash", href="/", className="brand"),
                    html.Nav(
                        [
                            dcc.Link(page["name"], href=page["relative_path"])
                            for page in dash.page_registry.values()
                        ],
                        **{"aria-label": "pages"},
                    ),
                ],
                className="top",
            ),
            html.Main(dash.page_container, id="main"),
        ]
    )
    return app
