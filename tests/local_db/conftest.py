"""Fixtures for the storage tests: a fresh data folder, an open database, a draft assessment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local_db import Database, assessments, open_database
from local_db.models import Assessment
from tests.forms.sample_sets import tiny_set


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def db(data_dir: Path) -> Iterator[Database]:
    database = open_database(data_dir, user="Nguyễn Thị Lan")
    yield database
    database.close()


@pytest.fixture
def draft(db: Database) -> Assessment:
    return assessments.create(db, "08001", 2025, tiny_set())
