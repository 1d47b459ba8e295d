"""A commune set up through the app's controller: profile, signing key, an answered draft."""

from __future__ import annotations

from desktop.shell import Shell
from local_db import assessments, profile
from tests.key_copies import install_key
from tests.local_db.collector_support import answers as level_answers

PASSPHRASE = "mat khau dai"


def answered_commune(qtbot, db, settings, runner, cs, level: int) -> Shell:
    """Unit 25001 with a key (``PASSPHRASE``), its window built, answers of ``level`` (0..4)."""
    profile.save(db, officer_name="Nguyễn Thị Lan", position="Công chức", unit_code="25001")
    install_key(Shell(db, settings, runner).keys_dir, PASSPHRASE)
    assessments.create(db, "25001", cs.year, cs)
    controller = Shell(db, settings, runner)
    qtbot.addWidget(controller.build_window())
    for code, values in level_answers(level).items():
        for key, value in values.items():
            controller.commune.session.set_value(code, key, value)
    return controller
