"""Fixtures of the ETL tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES


@pytest.fixture
def series(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of tests/fixtures/series (replies that restate, disagree and fall) and its curated folder."""
    folder = tmp_path / "series"
    shutil.copytree(FIXTURES / "series", folder)
    return folder, folder / "curated"
