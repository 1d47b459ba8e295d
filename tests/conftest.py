"""Test-wide setup: headless Qt, Vietnamese by default, GUI tests auto-marked ``gui``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("DTI_LANG", None)

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/desktop" in Path(str(item.fspath)).as_posix():
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _vietnamese_by_default():
    from forms.i18n import set_language

    set_language("vi")
    yield
    set_language("vi")


@pytest.fixture(params=["reference", "tam-nhom"])
def both_sets(request):
    """The shipped reference set, then the second set of another shape (``tests/both_sets.py``)."""
    from tests.both_sets import criteria_set

    return criteria_set(request.param)


# PostgreSQL: one throwaway cluster for the whole run (storage and window tests share it)
from tests.local_db.pg_fixtures import collector_target, pg_cluster, pg_url  # noqa: E402

__all__ = ["collector_target", "pg_cluster", "pg_url"]
