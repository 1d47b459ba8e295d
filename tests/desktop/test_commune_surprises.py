"""Issue 15, "Surprises to remove": what a commune officer met on the way, each pinned by a
test on real widgets over a real database."""

from __future__ import annotations

import dataclasses

import pytest

from desktop.assessment.page import IndicatorPage
from desktop.assessment.session import AssessmentSession
from desktop.assessment.store import DbStore
from desktop.format import format_points
from forms.criteria import CriteriaSet, Evidence, Field, FieldKind, Severity
from forms.scoring import score
from local_db import assessments
from tests.forms.sample_sets import tiny_set


def journey_set() -> CriteriaSet:
    """The tiny set, with a date and a document reference on 3.1 and evidence that is only
    advised (a warning) on 2.1."""
    cs = tiny_set()
    p1, p2, p3 = cs.pillars
    direct = p3.indicators[0]
    direct = dataclasses.replace(
        direct,
        fields=(
            *direct.fields,
            Field("ngay", FieldKind.DATE, "Ngày ban hành kế hoạch", required=False),
            Field("vb", FieldKind.DOCREF, "Kế hoạch chuyển đổi số", required=False),
        ),
    )
    head = dataclasses.replace(
        p2.indicators[0], evidence=Evidence(True, Severity.WARNING, "Quyết định thành lập")
    )
    return dataclasses.replace(
        cs,
        pillars=(
            p1,
            dataclasses.replace(p2, indicators=(head, *p2.indicators[1:])),
            dataclasses.replace(p3, indicators=(direct,)),
        ),
    )


@pytest.fixture
def jsession(db) -> AssessmentSession:
    cs = journey_set()
    row = assessments.create(db, "25001", cs.year, cs)
    return AssessmentSession(cs, DbStore(db, row.id), cs.year)


def _page(qtbot, session, runner, settings, code: str) -> IndicatorPage:
    page = IndicatorPage(session, session.cs.indicator(code), runner, settings)
    qtbot.addWidget(page)
    return page


def test_a_date_message_asks_for_the_format_the_field_shows(qtbot, jsession, runner, settings):
    """The field says dd/mm/yyyy; the error asked for "năm-tháng-ngày (2025-03-31)"."""
    page = _page(qtbot, jsession, runner, settings, "3.1")
    widget = page.field_widgets["ngay"]
    assert widget.edit.placeholderText() == "dd/mm/yyyy"
    qtbot.keyClicks(widget.edit, "31/02/2025")
    page.refresh()
    message = page.field_messages["ngay"].text()
    assert "dd/mm/yyyy" in message and "31/03/2025" in message, message
    assert "năm-tháng-ngày" not in message and "2025-03-31" not in message
    docref_date = page.field_widgets["vb"].edits["date"]
    qtbot.keyClicks(docref_date, "2025/13/01")
    page.refresh()
    message = page.field_messages["vb"].text()
    assert "dd/mm/yyyy" in message and "2025-03-31" not in message, message


@pytest.mark.parametrize(
    ("code", "typed", "field"),
    [
        ("1.1", {"count": "3,5"}, "Số cuộc họp"),  # showed 15/20
        ("1.2", {"a": "10", "b": "4"}, "Số cuộc họp do Chủ tịch chủ trì"),  # showed 10/10
        ("2.2.2", {"pct": "120"}, "Tỷ lệ"),  # showed 10/10
        ("3.1", {"points": "9"}, "Điểm"),  # showed 8/8
    ],
)
def test_an_invalid_value_scores_zero_and_the_page_says_why(
    qtbot, jsession, runner, settings, code, typed, field
):
    page = _page(qtbot, jsession, runner, settings, code)
    for key, text in typed.items():
        qtbot.keyClicks(page.field_widgets[key].edit, text)
    page.refresh()
    maximum = format_points(jsession.cs.indicator(code).max_points)
    assert page.points_label.text() == f"Điểm: 0/{maximum} (chưa tính điểm khi “{field}” còn lỗi)"
    assert jsession.score().indicators[code] == 0
    assert any(m.text().startswith("Lỗi:") for m in page.field_messages.values())
    # the same answers score 0 in the core the package and the collector use
    assert score(jsession.cs, jsession.snapshot()).indicators[code] == 0


def test_a_corrected_value_scores_again(qtbot, jsession, runner, settings):
    page = _page(qtbot, jsession, runner, settings, "1.1")
    edit = page.field_widgets["count"].edit
    qtbot.keyClicks(edit, "3,5")
    page.refresh()
    assert page.points_label.text().startswith("Điểm: 0/20 (")
    edit.clear()
    qtbot.keyClicks(edit, "3")
    page.refresh()
    assert page.points_label.text() == "Điểm: 15/20"
    assert not page.field_messages["count"].isVisible()


# --- phone, e-mail and the chairman: checked, kept, carried, shown --------------------------


def test_the_wizard_checks_phone_and_email_and_asks_for_the_chairman(qtbot, db, settings, runner):
    from desktop.setup.wizard import OfficerPage

    page = OfficerPage(None)
    qtbot.addWidget(page)
    page.show()
    page.name.setText("Nguyễn Thị Lan")  # keyClicks types ASCII only
    page.position.setText("Công chức Văn hóa - Xã hội")
    assert page.isComplete() and page.chairman.isVisible()
    qtbot.keyClicks(page.phone, "091234567")  # a digit short
    assert not page.isComplete()
    assert page.contact_message.isVisible() and "10 chữ số" in page.contact_message.text()
    qtbot.keyClicks(page.phone, "8")
    assert page.isComplete() and not page.contact_message.isVisible()
    qtbot.keyClicks(page.email, "lan@hienquan")
    assert not page.isComplete() and "thư điện tử" in page.contact_message.text()
    qtbot.keyClicks(page.email, ".gov.vn")
    assert page.isComplete()
    page.chairman.setText("Hoàng Văn Minh")
    page.phone.setText("+84 216 3852 123")
    assert page.isComplete()


def test_phone_email_and_chairman_are_kept_in_the_profile(db, settings, runner, cs):
    from desktop.setup.wizard import SetupResult
    from desktop.shell import Shell
    from local_db import profile

    shell = Shell(db, settings, runner)
    result = SetupResult("25001", "Hòa Bình", "Lan", "CB", "0912 345 678", "lan@hoabinh.gov.vn",
                         cs, "", chairman_name="Hoàng Văn Minh")  # fmt: skip
    shell.apply_setup(result)
    saved = profile.get(db)
    assert saved is not None
    assert (saved.phone, saved.email, saved.chairman_name) == (
        "0912 345 678",
        "lan@hoabinh.gov.vn",
        "Hoàng Văn Minh",
    )
    # Cài đặt → Thông tin đơn vị, cán bộ… opens the wizard on the saved profile
    wizard = shell.make_wizard()
    assert wizard.officer_page.chairman.text() == "Hoàng Văn Minh"
    assert wizard.officer_page.phone.text() == "0912 345 678"
    wizard.deleteLater()


def test_phone_email_and_chairman_travel_in_the_package_to_the_report_and_collector(
    qtbot, db, settings, runner, cs, tmp_path
):
    import json
    import zipfile
    from pathlib import Path

    from desktop.finalise.report import report_html
    from desktop.review.reviewer import contact_text
    from forms.packages import keys
    from forms.packages.trust import TrustRegistry
    from local_db import profile
    from local_db.collector import merge_paths, open_collector
    from tests.desktop.commune_support import PASSPHRASE, answered_commune

    controller = answered_commune(qtbot, db, settings, runner, cs, level=4)
    profile.save(db, officer_name="Nguyễn Thị Lan", position="Công chức", unit_code="25001",
                 phone="0912 345 678", email="lan@hoabinh.gov.vn", chairman_name="Hoàng Văn Minh")  # fmt: skip
    commune = controller.commune
    html = report_html(commune.session, commune.report_info())
    for expected in (
        "Điện thoại: 0912 345 678",
        "Thư điện tử: lan@hoabinh.gov.vn",
        "Hoàng Văn Minh",
    ):
        assert expected in html
    qtbot.addWidget(commune.open_finalise(exec_dialog=False))
    with qtbot.waitSignal(commune.exported) as exported:
        commune.export(PASSPHRASE, tmp_path / "out")
    package = Path(exported.args[0])
    with zipfile.ZipFile(package) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["officer"] == {
        "name": "Nguyễn Thị Lan",
        "position": "Công chức",
        "phone": "0912 345 678",
        "email": "lan@hoabinh.gov.vn",
    }
    assert manifest["unit"]["chairman"] == "Hoàng Văn Minh"
    trust = TrustRegistry()
    trust.add_key("25001", keys.load_public(controller.keys_dir).public_key)
    conn = open_collector(tmp_path / "collector.sqlite")
    try:
        summary = merge_paths(conn, [package], trust, [cs])
    finally:
        conn.close()
    assert not summary.rejected, summary.rejected
    assert contact_text(manifest) == (
        "; điện thoại 0912 345 678; thư điện tử lan@hoabinh.gov.vn; Chủ tịch UBND Hoàng Văn Minh"
    )


# --- the evidence box and an optional document reference ----------------------------------


def _labels(widget) -> list[str]:
    from desktop.qt import QLabel

    return [label.text() for label in widget.findChildren(QLabel)]


def test_the_evidence_box_says_bat_buoc_only_where_missing_evidence_blocks(
    qtbot, jsession, runner, settings
):
    advised = _page(qtbot, jsession, runner, settings, "2.1")  # required, a warning
    assert "Nên có: Quyết định thành lập" in _labels(advised)
    assert not any(text.startswith("Bắt buộc") for text in _labels(advised))
    blocking = _page(qtbot, jsession, runner, settings, "1.1")  # required, an error
    assert "Bắt buộc: Biên bản các cuộc họp" in _labels(blocking)


def test_an_optional_document_reference_begun_says_its_parts_go_together(
    qtbot, jsession, runner, settings
):
    page = _page(qtbot, jsession, runner, settings, "3.1")
    qtbot.keyClicks(page.field_widgets["vb"].edits["number"], "12/KH-UBND")
    page.refresh()
    message = page.field_messages["vb"].text()
    assert "không bắt buộc" in message and "đi cùng nhau" in message, message
    assert "còn thiếu ngày, cơ quan ban hành" in message


# --- a second launch --------------------------------------------------------------------------


def test_a_second_launch_brings_the_running_window_forward(qtbot, db, settings, runner, cs):
    """Issue 15: starting the program again said "the data folder is in use"; now the running
    app (this test, holding the folder's lock) restores and raises its window, and the second
    process exits 0 without a message."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from desktop.app import _receive_files  # what run_gui starts once the window is up
    from tests.desktop.commune_support import answered_commune

    controller = answered_commune(qtbot, db, settings, runner, cs, level=1)
    window = controller.main_window()
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized, timeout=5000)
    receiver = _receive_files(Path(db.data_dir), controller)
    assert receiver is not None
    try:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        command = [sys.executable, "-m", "desktop", "--data-dir", str(db.data_dir)]
        child = None
        asked: list[bool] = []
        receiver.raise_requested.connect(lambda: asked.append(True))
        # generous: a fresh Python importing Qt on a loaded 2-core machine, then the hand-over
        child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        qtbot.waitUntil(lambda: child.poll() is not None, timeout=90000)
        _out, err = child.communicate()
        assert child.returncode == 0, err
        # the request crossed from the listening thread: wait for it here, not inside a
        # waitSignal block around the child (that form missed it in a fresh clone's venv)
        qtbot.waitUntil(lambda: bool(asked), timeout=10000)
        qtbot.waitUntil(lambda: not window.isMinimized(), timeout=5000)
        assert window.isVisible()
    finally:
        receiver.close()
        if (
            child is not None and child.poll() is None
        ):  # it showed a box instead (the bug): do not leave it behind
            child.kill()
            child.communicate()  # reaps it and closes its stderr pipe


def test_the_raise_request_is_no_path(qtbot, tmp_path):
    from desktop.single_instance import FileReceiver, bring_forward

    data = tmp_path / "data"
    data.mkdir()
    assert bring_forward(data) is False  # nothing listens
    receiver = FileReceiver(data)
    files: list[str] = []
    receiver.file_received.connect(files.append)
    try:
        with qtbot.waitSignal(receiver.raise_requested, timeout=5000):
            assert bring_forward(data) is True
        assert files == []
    finally:
        receiver.close()


# --- the window, the fields, the messages --------------------------------------------------


def test_after_a_wrong_passphrase_enter_still_signs(qtbot, db, settings, runner, cs, tmp_path):
    from desktop.qt import Qt
    from tests.desktop.commune_support import PASSPHRASE, answered_commune

    controller = answered_commune(qtbot, db, settings, runner, cs, level=0)  # nothing blocks
    dialog = controller.commune.open_finalise(exec_dialog=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.acknowledge_all()
    assert dialog.errors() == []
    dialog.folder.setText(str(tmp_path / "nop"))
    dialog.passphrase.setFocus()
    qtbot.keyClicks(dialog.passphrase, "sai mat khau")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)  # "Ký" with the mouse
    assert "Sai mật khẩu" in dialog.message.text()
    assert dialog.focusWidget() is dialog.passphrase
    assert dialog.passphrase.selectedText() == "sai mat khau"
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)  # replaces the selected wrong one
    with qtbot.waitSignal(controller.commune.exported, timeout=20000):
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.isVisible()  # Enter signed; it did not close the dialog


def test_the_window_opens_sized_to_the_screen_and_remembers_it(qtbot, session, runner, settings):
    from desktop.main_window import MAX_SIZE, MainWindow
    from desktop.qt import QGuiApplication, QSize

    area = QGuiApplication.primaryScreen().availableGeometry()
    expected = QSize(
        min(int(area.width() * 0.9), MAX_SIZE.width()),
        min(int(area.height() * 0.9), MAX_SIZE.height()),
    )
    window = MainWindow(session, runner, settings)
    qtbot.addWidget(window)
    assert window.size() == expected != QSize(1100, 720)
    window.show()
    qtbot.waitExposed(window)
    window.resize(640, 480)
    qtbot.waitUntil(lambda: window.size() == QSize(640, 480))
    window.close()  # saves the geometry
    again = MainWindow(session, runner, settings)
    qtbot.addWidget(again)
    assert again.size() == QSize(640, 480)


def test_the_indicator_being_edited_is_remembered_at_once(qtbot, db, settings, runner, cs):
    """After a crash the app reopened on the first indicator: the last one was saved on close."""
    from desktop import settings as opts
    from desktop.settings import Settings
    from desktop.shell import Shell
    from tests.desktop.commune_support import answered_commune

    controller = answered_commune(qtbot, db, settings, runner, cs, level=1)
    controller.main_window().editor.open("2.2.2")
    # what a new process reads from the file, without any close or sync of the old one
    assert Settings(settings.path).get(opts.LAST_INDICATOR) == "2.2.2"
    again = Shell(db, Settings(settings.path), runner)
    window = again.build_window()
    qtbot.addWidget(window)
    assert window.editor.current_code == "2.2.2"


def test_read_only_fields_look_read_only(qtbot, jsession, runner, settings):
    from desktop.assessment.fields import READ_ONLY_STYLE
    from local_db import assessments as rows

    page = _page(qtbot, jsession, runner, settings, "3.1")
    edit = page.field_widgets["points"].edit
    assert edit.isClearButtonEnabled() and not edit.isReadOnly()
    row_id = jsession.store.assessment_id
    rows.finalise(jsession.store.db, row_id)
    rows.mark_signed(jsession.store.db, row_id)
    jsession.store.refresh_status()
    page.refresh()
    assert jsession.read_only and edit.isReadOnly()
    assert not edit.isClearButtonEnabled()  # no button offering to empty a signed answer
    assert edit.styleSheet() == READ_ONLY_STYLE
    docref = page.field_widgets["vb"].edits["number"]
    assert docref.isReadOnly() and docref.styleSheet() == READ_ONLY_STYLE


def test_a_refused_evidence_file_is_told_once(qtbot, session, runner, settings, tmp_path):
    from desktop.assessment.evidence import EvidenceList

    empty = tmp_path / "bien-ban.pdf"
    empty.write_bytes(b"")
    evidence = EvidenceList(session, "1.1", runner, settings)
    qtbot.addWidget(evidence)
    with qtbot.waitSignal(evidence.failed) as failed:
        evidence.attach_file(str(empty))
    message = failed.args[0]
    assert message.count("Không đính kèm được") == 1, message
    assert "bien-ban.pdf" in message and "tệp rỗng" in message


def test_an_implausible_count_is_a_warning_on_the_page(qtbot, db, runner, settings):
    """1,000,000 meetings a year: the reference set's plausible maximum (52) warns; it counts."""
    from forms.reference import reference_set

    cs = reference_set()
    row = assessments.create(db, "25001", cs.year, cs)
    session = AssessmentSession(cs, DbStore(db, row.id), cs.year)
    page = _page(qtbot, session, runner, settings, "1.2")
    qtbot.keyClicks(page.field_widgets["so_luong"].edit, "1000000")
    page.refresh()
    message = page.field_messages["so_luong"].text()
    assert message.startswith("Cảnh báo:") and "tối đa 52" in message, message
    assert page.points_label.text() == "Điểm: 20/20"
    assert session.status(cs.indicator("1.2")).value != "error"
