"""Serving: gunicorn in production, Dash's development server only with --debug."""

from __future__ import annotations

import secrets

from gunicorn.app.base import BaseApplication

from dashboard.app import create_app
from etl import settings


class _Gunicorn(BaseApplication):
    def __init__(self, database_url: str, secret_key: str, options: dict) -> None:
        self.database_url = database_url
        self.secret_key = secret_key
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        return create_app(self.database_url, self.secret_key).server


def run(host: str, port: int, database_url: str, workers: int = 2, debug: bool = False) -> None:
    """Serve the dashboard on host:port until interrupted."""
    if debug:
        create_app(database_url).run(host=host, port=port, debug=True)
        return
    # One session key for every worker, or a reviewer signed in on one worker is a
    # stranger to the next; set ITDASH_SECRET_KEY to keep sessions across restarts.
    secret_key = settings.secret_key() or secrets.token_hex(32)
    print(f"itdash: serving http://{host}:{port}/ with {workers} gunicorn worker(s)", flush=True)
    _Gunicorn(
        database_url,
        secret_key,
        {"bind": f"{host}:{port}", "workers": workers, "accesslog": "-", "timeout": 60},
    ).run()
