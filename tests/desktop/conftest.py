"""GUI fixtures: a real database in a temporary folder, INI settings, a synchronous task runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.forms.sample_sets import tiny_set

UNITS_CSV = "Mã,Tên,Loại,Nhóm\n25001,Hòa Bình,xã,Khu vực 1\n25002,Phường Nông Trang,phường,Khu vực 1\n25003,Đồng Lạc,xã,Khu vực 2\n"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # The offscreen platform plugin warns that it cannot propagate size hints; that is the
        # test platform talking, not our code (QTBUG: offscreen QPlatformWindow default).
        item.add_marker(
            pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
        )


@pytest.fixture
def db(tmp_path: Path):
    from local_db.database import open_database

    database = open_database(tmp_path / "data")
    yield database
    database.close()


@pytest.fixture
def units_file(tmp_path: Path) -> Path:
    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path: Path):
    from desktop.settings import Settings

    return Settings(tmp_path / "settings.ini")


@pytest.fixture
def runner():
    from desktop.tasks import TaskRunner

    return TaskRunner(synchronous=True)


@pytest.fixture
def cs():
    return tiny_set()


@pytest.fixture
def session(db, cs):
    """An open draft of the tiny set in a real database."""
    from desktop.assessment.session import AssessmentSession
    from desktop.assessment.store import DbStore
    from local_db import assessments

    row = assessments.create(db, "25001", cs.year, cs)
    return AssessmentSession(cs, DbStore(db, row.id), cs.year)


@pytest.fixture
def pdf_file(tmp_path: Path) -> Path:
    path = tmp_path / "bien-ban-họp.pdf"
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return path


@pytest.fixture(autouse=True)
def _qapp(qapp):
    """Every GUI test has the session QApplication (icons are pixmaps, pixmaps need it), set up
    like the real one: with our translator for Qt's own words installed. Regression: a
    translator answering "" instead of "not mine" blanked Qt's texts and emptied the PDF."""
    from desktop.i18n import install_qt_translator

    install_qt_translator(qapp)
    return qapp


@pytest.fixture(scope="module")
def desk_token(tmp_path_factory):
    """A throwaway SoftHSM2 token (its own SOFTHSM2_CONF) holding the test CA's signers; a
    subprocess is given ``SOFTHSM2_CONF`` from ``desk_token.conf``."""
    import os

    from tests.forms.packages import token_support

    folder = tmp_path_factory.mktemp("softhsm")
    conf = token_support.write_conf(folder)
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # for this process's python-pkcs11
    ca = token_support.make_test_ca(folder / "ca")
    yield token_support.make_token(folder / "token", ca, conf)
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before
