"""Shared fixtures: real databases (a SQLite file, the machine's PostgreSQL) and corpora."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT.parent / "shared" / "corpus"
SEED = SEED_CORPUS / "2025-03-26-LCQ13-innovation-technology-centre.txt"
FIXTURES = ROOT / "tests" / "fixtures"
PG_ADMIN_URL = os.environ.get("ITDASH_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_setup_options():  # dash[testing] hook: Chromium flags for this closed network
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in (
        "--headless=new",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    return options


@pytest.fixture(scope="session")
def seed_path() -> Path:
    if not SEED.exists():
        pytest.fail(f"the seed reply is missing: {SEED}")
    return SEED


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'itdash.sqlite'}"


@pytest.fixture(scope="session")
def pg_admin():
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        engine.connect().close()
    except Exception as e:  # noqa: BLE001
        reason = f"PostgreSQL at {PG_ADMIN_URL} cannot be reached: {str(e).splitlines()[0]}"
        if os.environ.get("ITDASH_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(pg_admin):
    """A fresh, empty database of its own for each test, dropped afterwards."""
    name = f"itdash_test_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    from dashboard import queries

    queries._engine.cache_clear()
    with pg_admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """Each storage test runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def corpus(tmp_path: Path, seed_path: Path) -> Path:
    """A small corpus: the seed (read from shared/) beside our own fixture replies."""
    folder = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "replies", folder)
    shutil.copy(seed_path, folder / seed_path.name)
    with (folder / "manifest.csv").open("a", encoding="utf-8") as f:
        f.write(f"{seed_path.name},,2025-03-26,en\n")
    return folder
