"""Settings are read in etl/settings.py alone, and the dashboard's session key follows them."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.app import create_app
from etl import settings

ROOT = Path(__file__).resolve().parents[2]
_READS = re.compile(r"\bos\.environ\b|\bgetenv\(|\bfrom os import environ\b")


def test_no_module_of_the_dashboard_or_the_cli_reads_the_environment():
    readers = [
        str(p.relative_to(ROOT))
        for folder in ("dashboard", "itdash")
        for p in (ROOT / folder).rglob("*.py")
        if _READS.search(p.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_the_session_key_comes_from_the_settings_or_is_given(monkeypatch, sqlite_url):
    monkeypatch.setenv("ITDASH_SECRET_KEY", "  from the environment ")
    assert settings.secret_key() == "from the environment"
    assert create_app(sqlite_url).server.secret_key == "from the environment"
    assert create_app(sqlite_url, "given").server.secret_key == "given"
    monkeypatch.setenv("ITDASH_SECRET_KEY", " ")
    one, two = create_app(sqlite_url).server.secret_key, create_app(sqlite_url).server.secret_key
    assert len(one) == 64 and one != two  # random per start: a restart signs reviewers out


def test_the_reviewer_name_is_a_setting(monkeypatch):
    from itdash.commands.review import _who

    monkeypatch.setenv("ITDASH_REVIEWER", "ana")
    assert settings.reviewer() == "ana" and _who(None) == "ana" and _who("bo") == "bo"
    monkeypatch.setenv("ITDASH_REVIEWER", "")
    assert settings.reviewer() is None and _who(None)


def test_every_gunicorn_worker_gets_the_one_key(sqlite_url):
    from dashboard.server import _Gunicorn

    runner = _Gunicorn(sqlite_url, "shared key", {"bind": "127.0.0.1:0", "workers": 4})
    assert runner.load().secret_key == runner.load().secret_key == "shared key"


def test_every_setting_is_in_the_readmes_configuration_table():
    names = re.findall(
        r'environ\.get\("([A-Z_]+)"', (ROOT / "etl" / "settings.py").read_text(encoding="utf-8")
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration") :].split("\n## ", 1)[0]
    assert names and [n for n in names if f"`{n}`" not in table] == []
