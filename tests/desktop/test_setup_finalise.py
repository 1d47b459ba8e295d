"""Wizard pages, evidence actions, the finalise dialog, the PDF report, English, the self-test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop.assessment.evidence import EvidenceList
from desktop.finalise.dialog import FinaliseDialog, indicator_code
from desktop.finalise.report import ReportInfo, answer_text, report_html, write_pdf
from desktop.setup.wizard import CriteriaPage, KeyPage, UnitPage
from forms.problems import Level, Problem


def test_unit_search_is_accent_insensitive(qtbot, db, runner, units_file):
    page = UnitPage(db, runner)
    qtbot.addWidget(page)
    page.import_file(str(units_file))
    assert "3" in page.message.text()
    page.search.setText("dong lac")
    assert page.chosen() == ("25003", "Đồng Lạc")
    page.search.setText("nong trang")
    assert page.list.count() == 1


def test_unit_import_problems_are_listed_and_nothing_is_written(qtbot, db, runner, tmp_path):
    bad = tmp_path / "units.csv"
    bad.write_text("Mã,Tên,Loại,Nhóm\n,Không mã,xã,A\n25009,,xã,A\n", encoding="utf-8")
    page = UnitPage(db, runner)
    qtbot.addWidget(page)
    page.import_file(str(bad))
    assert page.message.text().startswith("Không nhập được danh sách")
    assert "units.csv" in page.message.text()
    assert page.list.count() == 0


def test_passphrase_must_be_long_and_typed_twice(qtbot, tmp_path, runner):
    page = KeyPage(tmp_path / "keys", runner)
    qtbot.addWidget(page)
    page.pass1.setText("ngan")
    assert "ít nhất 8" in page.message.text() and not page.create_button.isEnabled()
    page.pass1.setText("mat khau dai")
    page.pass2.setText("mat khau khac")
    assert page.message.text() == "Hai mật khẩu chưa giống nhau."
    page.pass2.setText("mat khau dai")
    assert page.message.text() == "" and page.create_button.isEnabled()
    page.create_button.click()
    assert page.isComplete()
    again = KeyPage(
        tmp_path / "keys", runner
    )  # a second run shows the existing key, never a new one
    qtbot.addWidget(again)
    assert again.isComplete() and again.fingerprint == page.fingerprint
    assert not again.create_button.isEnabled()


def test_a_broken_criteria_file_lists_its_problems(qtbot, runner, tmp_path, cs):
    broken = tmp_path / "tieu-chi.json"
    broken.write_text('{"format": 1, "set_id": "x"}', encoding="utf-8")
    page = CriteriaPage(runner, cs)
    qtbot.addWidget(page)
    page.load_file(str(broken))
    assert page.use_file.isChecked() and not page.isComplete()
    assert page.summary.text()
    page.use_reference.setChecked(True)
    assert page.isComplete() and "Bộ thử nghiệm" in page.summary.text()


def test_evidence_remove_metadata_and_refusal(qtbot, session, runner, pdf_file, tmp_path):
    widget = EvidenceList(session, "1.1", runner)
    qtbot.addWidget(widget)
    widget.attach_file(str(pdf_file))
    assert widget.list.count() == 1
    widget.list.setCurrentRow(0)
    widget.meta_edits["number"].setText("12/BB-UBND")
    widget.meta_edits["date"].setText("05/04/2025")
    widget._save_meta()
    assert session.evidence["1.1"][0].meta["date"] == "2025-04-05"
    bad = tmp_path / "virus.exe"
    bad.write_bytes(b"MZ\x90\x00")
    with qtbot.waitSignal(widget.failed) as failed:
        widget.attach_file(str(bad))
    assert "virus.exe" in failed.args[0]
    assert widget.list.count() == 1
    widget.list.setCurrentRow(0)
    widget.remove_selected(confirm=False)
    assert widget.list.count() == 0 and not session.evidence.get("1.1")


def test_finalise_dialog_blocks_on_errors_and_needs_acknowledgement(qtbot, session):
    session.set_value("1.2", "a", 5)
    session.set_value("1.2", "b", 3)
    dialog = FinaliseDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.errors()
    dialog.passphrase.setText("x")
    assert not dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.go_to) as go:
        dialog._activated(dialog.list.item(0))
    assert go.args[0] in {ind.code for ind in session.cs.indicators()}


def test_problem_where_leads_to_its_indicator(session):
    assert indicator_code(Problem("x", "m", "2.2.1/yes"), session) == "2.2.1"
    assert indicator_code(Problem("x", "m", "1.1/evidence", Level.WARNING), session) == "1.1"
    assert indicator_code(Problem("x", "m", ""), session) == ""


def test_pdf_report_holds_everything_the_chairman_signs(session, pdf_file, tmp_path):
    session.set_value("2.1", "choice", "vice")
    session.set_value("2.2.1", "yes", True)
    session.set_note("2.1", "Phó Chủ tịch làm Trưởng ban")
    item = session.store.attach("1.1", str(pdf_file), {"number": "7/BB"})
    session.attach_stored(item)
    info = ReportInfo(
        "25001", "Hòa Bình", "Nguyễn Thị Lan", "Công chức", "9A8E 6718 196C 34B4", 2, "bản nháp"
    )
    html = report_html(session, info)
    # the hash is printed in two halves of 32 (one column of the annex)
    for expected in ("Hòa Bình", "Phó Chủ tịch UBND", "Phó Chủ tịch làm Trưởng ban", item.sha256[:32], item.sha256[32:],
                     "9A8E 6718 196C 34B4", "TM. ỦY BAN NHÂN DÂN", "Bộ thử nghiệm", session.cs.content_hash, "Có"):  # fmt: skip
        assert expected in html
    assert "&lt;" not in html.replace("<", "")  # every value is escaped, none injected
    out = write_pdf(html, tmp_path / "bao-cao.pdf", "t")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    assert not list(tmp_path.glob("*.part"))


def test_answer_text_reads_like_paper(cs):
    ind = cs.indicator("2.1")
    assert answer_text(ind, "choice", "chair") == "Chủ tịch UBND"
    assert answer_text(cs.indicator("2.2.2"), "pct", "87.5") == "87,5 %"
    assert answer_text(cs.indicator("1.1"), "count", None) == "—"


def test_english_switch(qtbot, db, settings, runner, units_file):
    from desktop import settings as opts
    from desktop.shell import Shell
    from forms.reference import reference_set
    from local_db import assessments, profile, units

    units.import_units(db, units_file)
    profile.save(db, officer_name="Lan", position="CB", unit_code="25001")
    assessments.create(db, "25001", 2025, reference_set())
    controller = Shell(db, settings, runner)
    window = controller.build_window()
    qtbot.addWidget(window)
    assert window.tabs.tabText(0) == "Đánh giá"
    with qtbot.waitSignal(controller.window_replaced) as replaced:
        window._set_language("en")
    english = replaced.args[0]
    qtbot.addWidget(english)
    assert settings.get(opts.LANGUAGE) == "en"
    assert english.tabs.tabText(0) == "Assessment"
    assert english.progress_label.text().endswith("indicators")


def test_self_test_command_exits_zero(tmp_path):
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "desktop", "--self-test"], capture_output=True, text=True,
                          env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Tự kiểm tra: đạt" in done.stdout


def test_choosing_another_set_later_keeps_the_years_assessment_and_says_so(
    db, settings, runner, cs
):
    from dataclasses import replace

    from desktop.setup.wizard import SetupResult
    from desktop.shell import Shell
    from local_db import assessments

    controller = Shell(db, settings, runner)
    first = SetupResult("25001", "Hòa Bình", "Lan", "CB", "", "", cs, "")
    assert controller.apply_setup(first) == ""
    assert controller.apply_setup(first) == ""  # same set again: nothing to say
    other = replace(cs, version="2")
    note = controller.apply_setup(replace(first, criteria_set=other))
    assert "bộ tiêu chí khác" in note
    assert assessments.current(db, "25001", cs.year).criteria_hash == cs.content_hash


def test_evidence_opens_as_a_copy_named_like_the_original(session, pdf_file, tmp_path):
    from desktop.assessment.evidence import viewing_copy

    item = session.store.attach("1.1", str(pdf_file), {})
    assert not Path(item.path).suffix  # stored by hash, no extension
    copy = viewing_copy(item, tmp_path / "xem")
    assert copy.name == pdf_file.name and copy.read_bytes() == pdf_file.read_bytes()
    assert viewing_copy(item, tmp_path / "xem") == copy  # reused, not copied again


def test_remove_button_asks_first(qtbot, session, runner, pdf_file, monkeypatch):
    """Regression: clicked(bool) reached remove_selected(confirm) as False: no question asked."""
    from desktop.qt import QMessageBox

    widget = EvidenceList(session, "1.1", runner)
    qtbot.addWidget(widget)
    widget.show()
    widget.attach_file(str(pdf_file))
    widget.list.setCurrentRow(0)
    asked: list = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No
    )
    widget.remove_button.click()
    assert asked and widget.list.count() == 1
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    widget.remove_button.click()
    assert widget.list.count() == 0


def test_attach_really_runs_on_a_worker_thread(qtbot, session, pdf_file):
    """The real (threaded) runner with the real database: storage is used off the GUI thread."""
    from desktop.tasks import TaskRunner

    widget = EvidenceList(session, "1.1", TaskRunner())
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.attached, timeout=10000):
        widget.attach_file(str(pdf_file))
    assert widget.list.count() == 1
    assert (
        session.evidence["1.1"][0].sha256
        == __import__("hashlib").sha256(pdf_file.read_bytes()).hexdigest()
    )


def test_pdf_is_written_on_a_worker_thread(qtbot, db, settings, tmp_path):
    """Printing runs through the threaded runner in the app; Qt must not complain (warnings fail)."""
    from desktop.shell import Shell
    from desktop.tasks import TaskRunner
    from forms.reference import reference_set
    from local_db import assessments, profile

    profile.save(db, officer_name="Lan", position="CB", unit_code="25001")
    assessments.create(db, "25001", 2025, reference_set())
    controller = Shell(db, settings, TaskRunner())
    window = controller.build_window()
    qtbot.addWidget(window)
    with qtbot.waitSignal(controller.commune.pdf_written, timeout=30000) as written:
        controller.commune.write_report(tmp_path / "bao-cao.pdf")
    assert written.args[0].read_bytes().startswith(b"%PDF")


def test_review_tab_is_added_once_the_window_is_up(qtbot, db, settings, runner):
    from desktop.shell import Shell
    from forms.reference import reference_set
    from local_db import assessments, profile

    profile.save(db, officer_name="Lan", position="CB", unit_code="25001")
    assessments.create(db, "25001", 2025, reference_set())
    controller = Shell(db, settings, runner)
    window = controller.build_window()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.tabs.count() == 3)
    assert window.tabs.tabText(2) == "Thẩm định"
