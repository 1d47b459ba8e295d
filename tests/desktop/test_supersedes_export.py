"""Through the app: export r1, reopen, export r2 -> r2's package supersedes r1's at the collector.

Regression (issue 4, docs/gui.md "Known limits"): the controller exported every revision with
``supersedes: null``, so a collector treated revision 2 as a conflict with revision 1.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from desktop.shell import Shell
from forms.packages import keys
from forms.packages.trust import TrustRegistry
from local_db import assessments
from local_db.collector import merge_paths, open_collector
from tests.desktop.commune_support import PASSPHRASE, answered_commune


def _manifest(package: Path) -> dict:
    with zipfile.ZipFile(package) as zf:
        return json.loads(zf.read("manifest.json"))


def _export(qtbot, controller: Shell, out: Path) -> Path:
    # the finalise dialog open, as in the app: the outcome is shown there, not in a message box
    qtbot.addWidget(controller.commune.open_finalise(exec_dialog=False))
    with qtbot.waitSignal(controller.commune.exported) as exported:
        controller.commune.export(PASSPHRASE, out)
    return Path(exported.args[0])


@pytest.fixture
def exported_twice(qtbot, db, settings, runner, cs, tmp_path):
    controller = answered_commune(qtbot, db, settings, runner, cs, level=1)
    p1 = _export(qtbot, controller, tmp_path / "r1")
    qtbot.addWidget(controller.commune.reopen())
    controller.commune.session.set_value("1.1", "count", 4)
    p2 = _export(qtbot, controller, tmp_path / "r2")
    trust = TrustRegistry()
    trust.add_key("25001", keys.load_public(controller.keys_dir).public_key)
    return controller, p1, p2, trust


def test_revision_2_package_supersedes_revision_1(db, exported_twice):
    controller, p1, p2 = exported_twice[:3]
    m1, m2 = _manifest(p1), _manifest(p2)
    assert (m1["revision"], m2["revision"]) == (1, 2)
    assert m1["supersedes"] is None
    assert m2["supersedes"] == m1["submission_id"]
    assert [e.submission_id for e in assessments.exports(db, controller.commune.current.id)] == [
        m2["submission_id"]
    ]
    assert assessments.get(db, controller.commune.current.id).status == "exported"


@pytest.mark.parametrize("first", [0, 1])
def test_collector_takes_revision_2_as_current_in_either_order(tmp_path, cs, exported_twice, first):
    _controller, p1, p2, trust = exported_twice
    conn = open_collector(tmp_path / "collector.sqlite")
    try:
        for package in (p1, p2) if first == 0 else (p2, p1):
            summary = merge_paths(conn, [package], trust, [cs])
            assert not summary.rejected, summary.rejected
        states = dict(conn.execute("SELECT revision, state FROM submissions"))
    finally:
        conn.close()
    assert states == {2: "current", 1: "superseded"}
