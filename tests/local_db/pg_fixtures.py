"""pytest fixtures for PostgreSQL: one throwaway cluster per session (``pg_cluster``), a fresh
database per test (``pg_url``), and ``collector_target``, parametrised over both engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_db.pg_cluster import Cluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    # no skip: make test installs PostgreSQL (tools/install-sysdeps.sh); missing, it fails here
    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    return pg_cluster.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def collector_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a collector database lives: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "target.sqlite")
    return str(request.getfixturevalue("pg_url"))
