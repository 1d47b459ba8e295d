"""Province-supplied values on the indicator page (issue 16): read-only, with their source, taken
from the imported ``.dtidata``; missing ones wait for the province and block finalising."""

from __future__ import annotations

import pytest

from desktop.assessment.editor import AssessmentEditor
from desktop.assessment.session import AssessmentSession, ReadOnlyError
from desktop.assessment.store import DbStore
from desktop.shell import Shell
from local_db import assessments, profile
from local_db import province_data as pd
from local_db.paths import REVIEWERS_FILE
from tests.province_data_helpers import province_trust, signed_data, supplied_set

CS = supplied_set()
UNIT = "25001"


@pytest.fixture
def draft(db):
    province_trust().save(db.data_dir / REVIEWERS_FILE)
    return assessments.create(db, UNIT, CS.year, CS)


def editor_for(qtbot, db, draft, runner, settings) -> AssessmentEditor:
    session = AssessmentSession(CS, DbStore(db, draft.id), CS.year)
    widget = AssessmentEditor(session, runner, settings)
    qtbot.addWidget(widget)
    widget.show()
    widget.open("1.2")
    return widget


def test_supplied_field_is_read_only_with_its_source(qtbot, db, draft, runner, settings):
    pd.import_file(db, signed_data(CS, {UNIT: {"1.2/b": 8}}))
    editor = editor_for(qtbot, db, draft, runner, settings)
    page = editor.page("1.2")
    b, a = page.field_widgets["b"], page.field_widgets["a"]
    assert b.value() == 8 and b.edit.isReadOnly() and not a.edit.isReadOnly()
    source = page.findChild(type(page.points_label), "source_b")
    assert source is not None and "Hệ thống quản lý văn bản" in source.text()
    assert "Sở Khoa học và Công nghệ, phát hành 15/01/2026" in source.text()  # the file's own
    qtbot.keyClicks(b.edit, "9")
    assert editor.session.value("1.2", "b") == 8  # typing into it changes nothing
    with pytest.raises(ReadOnlyError):
        editor.session.set_value("1.2", "b", 9)
    qtbot.keyClicks(a.edit, "4")
    assert editor.session.score().indicators["1.2"] == 5  # 4 of the province's 8 -> 10 x 0.5


def test_without_the_file_the_value_waits_and_blocks(qtbot, db, draft, runner, settings):
    editor = editor_for(qtbot, db, draft, runner, settings)
    assert editor.page("1.2").field_widgets["b"].value() is None
    assert "phát hành" not in editor.page("1.2").source_labels["b"].text()  # the set's source
    codes = [p.code for p in editor.session.all_problems()]
    assert "province_pending" in codes


def test_menu_import_updates_the_open_window(qtbot, db, draft, runner, settings, tmp_path):
    profile.save(db, officer_name="Nguyễn Thị Lan", position="Công chức", unit_code=UNIT)
    shell = Shell(db, settings, runner)
    window = shell.build_window()
    qtbot.addWidget(window)
    window.editor.open("1.2")
    path = tmp_path / "tinh.dtidata"
    path.write_bytes(signed_data(CS, {UNIT: {"1.2/b": 6}}))
    with qtbot.waitSignal(shell.commune.province_data_done) as got:
        window.province_data_requested.emit(str(path))
    assert got.args[0] is True and "Sở Khoa học" in got.args[1]
    assert shell.commune.session.value("1.2", "b") == 6
    assert window.editor.page("1.2").field_widgets["b"].value() == 6
    assert "phát hành 15/01/2026" in window.editor.page("1.2").source_labels["b"].text()

    bad = tmp_path / "khac.dtidata"
    bad.write_bytes(signed_data(CS, {"99999": {"1.2/b": 6}}))
    with qtbot.waitSignal(shell.commune.province_data_done) as got:
        window.province_data_requested.emit(str(bad))
    assert got.args[0] is False and "99999" not in got.args[1] and UNIT in got.args[1]


def test_the_signed_package_carries_the_file_and_verifies(qtbot, db, settings, runner, tmp_path):
    import json
    import zipfile

    from forms.packages.format import PROVINCE_DATA_NAME
    from forms.packages.keys import load_public
    from forms.packages.verify import verify_package
    from tests.desktop.commune_support import PASSPHRASE
    from tests.key_copies import install_key

    province_trust().save(db.data_dir / REVIEWERS_FILE)
    profile.save(db, officer_name="Nguyễn Thị Lan", position="Công chức", unit_code=UNIT)
    install_key(Shell(db, settings, runner).keys_dir, PASSPHRASE)
    assessments.create(db, UNIT, CS.year, CS)
    raw = signed_data(CS, {UNIT: {"1.2/b": 8}})
    pd.import_file(db, raw)
    shell = Shell(db, settings, runner)
    qtbot.addWidget(shell.build_window())
    session = shell.commune.session
    for code, key, value in [("1.1", "count", 4), ("1.2", "a", 4), ("2.1", "choice", "chair"),
                             ("2.2.1", "yes", True), ("2.2.2", "pct", 95), ("3.1", "points", "6")]:  # fmt: skip
        session.set_value(code, key, value)
    with qtbot.waitSignal(shell.commune.exported, timeout=30000) as exported:
        shell.commune.export(PASSPHRASE, tmp_path / "nop")
    package = exported.args[0]
    with zipfile.ZipFile(package) as zf:
        assert zf.read(PROVINCE_DATA_NAME) == raw
        assert json.loads(zf.read("manifest.json"))["format_version"] == 3
    trust = province_trust()
    trust.add_key(UNIT, load_public(shell.keys_dir).public_key)
    verdict = verify_package(package, criteria_sets={CS.content_hash: CS}, trust=trust)
    assert verdict.ok, verdict.reasons


def test_export_is_refused_when_the_file_no_longer_verifies(qtbot, db, settings, runner, tmp_path):
    from forms.packages.trust import TrustRegistry
    from tests.desktop.commune_support import PASSPHRASE
    from tests.key_copies import install_key

    province_trust().save(db.data_dir / REVIEWERS_FILE)
    profile.save(db, officer_name="Nguyễn Thị Lan", position="Công chức", unit_code=UNIT)
    install_key(Shell(db, settings, runner).keys_dir, PASSPHRASE)
    assessments.create(db, UNIT, CS.year, CS)
    pd.import_file(db, signed_data(CS, {UNIT: {"1.2/b": 8}}))
    TrustRegistry().save(db.data_dir / REVIEWERS_FILE)  # the province's key is no longer trusted
    shell = Shell(db, settings, runner)
    qtbot.addWidget(shell.build_window())
    assert shell.commune.session.value("1.2", "b") == 8  # the values stay
    with qtbot.assertNotEmitted(shell.commune.exported):
        shell.commune.export(PASSPHRASE, tmp_path / "nop")
    assert not (tmp_path / "nop").exists()
    with pytest.raises(pd.DataRejected) as info:
        shell.commune.prepare_export()
    assert [p.code for p in info.value.problems][:2] == [
        "province_data_missing",
        "province_key_unknown",
    ]
