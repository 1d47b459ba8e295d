"""The editor: models pass qtmodeltester, icons follow answers, messages come and go, find, keys."""

from __future__ import annotations

import pytest

from desktop.assessment.checks import Status
from desktop.assessment.editor import AssessmentEditor
from desktop.assessment.tree_model import CODE_ROLE, STATUS_ROLE, AssessmentTreeModel, TreeFilter
from desktop.main_window import MainWindow


def test_tree_model_passes_modeltester(qtmodeltester, session):
    model = AssessmentTreeModel(session)
    qtmodeltester.check(model)
    session.set_value("1.1", "count", 3)  # dataChanged while checked
    qtmodeltester.check(model)


@pytest.mark.parametrize(
    ("unfinished", "query"), [(False, ""), (True, ""), (False, "hop"), (True, "ty le")]
)
def test_tree_filter_passes_modeltester(qtmodeltester, session, unfinished, query):
    proxy = TreeFilter()
    proxy.setSourceModel(AssessmentTreeModel(session))
    proxy.set_only_unfinished(unfinished)
    proxy.set_query(query)
    qtmodeltester.check(proxy)


def _status(model, code):
    return Status(model.index_of(code).data(STATUS_ROLE))


def test_status_icons_follow_answers(session, pdf_file):
    model = AssessmentTreeModel(session)
    assert _status(model, "1.1") is Status.EMPTY
    session.set_value(
        "1.1", "count", 4
    )  # points, but required evidence missing (an error in tiny set)
    assert _status(model, "1.1") is Status.EVIDENCE_MISSING
    session.attach_stored(session.store.attach("1.1", str(pdf_file), {}))
    assert _status(model, "1.1") is Status.COMPLETE
    session.set_value("1.2", "a", 5)
    session.set_value("1.2", "b", 3)  # numerator above denominator
    assert _status(model, "1.2") is Status.ERRORS
    assert _status(model, "pillar:1") is Status.ERRORS
    session.set_value("1.2", "a", 2)
    assert _status(model, "1.2") is Status.COMPLETE
    assert _status(model, "pillar:1") is Status.COMPLETE
    session.set_value("2.2.1", "yes", True)
    assert _status(model, "2.2") is Status.INCOMPLETE  # its other child is still empty


def test_status_icon_changes_emit_data_changed(qtbot, session):
    model = AssessmentTreeModel(session)
    with qtbot.waitSignals([model.dataChanged] * 3):  # 2.2.1, its parent 2.2 and pillar 2
        session.set_value("2.2.1", "yes", True)


@pytest.fixture
def editor(qtbot, session, runner, settings):
    widget = AssessmentEditor(session, runner, settings)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_validation_messages_appear_and_disappear(qtbot, editor):
    editor.open("1.2")
    page = editor.page("1.2")
    a, b = page.field_widgets["a"], page.field_widgets["b"]
    qtbot.keyClicks(b.edit, "3")
    qtbot.keyClicks(a.edit, "5")
    message = page.field_messages["a"]
    assert message.isVisible()
    assert "1.2" in message.text() and "lớn hơn" in message.text()
    qtbot.keyClick(a.edit, "\b")  # backspace: a is empty again
    qtbot.keyClicks(a.edit, "2")
    assert not message.isVisible()
    assert page.points_label.text() == "Điểm: 6,67/10" or page.points_label.text().startswith(
        "Điểm: 6,6"
    )


def test_count_field_rejects_text_beside_the_field(qtbot, editor):
    editor.open("1.1")
    page = editor.page("1.1")
    qtbot.keyClicks(page.field_widgets["count"].edit, "4x")
    assert page.field_messages["count"].isVisible()
    qtbot.keyClick(page.field_widgets["count"].edit, "\b")
    assert not page.field_messages["count"].isVisible()
    assert editor.session.answers["1.1"]["count"] == 4


def test_find_is_accent_insensitive(editor):
    editor.find_edit.setText("truong ban")
    assert editor.current_code == "2.1"
    editor.find_edit.setText("2.2.2")
    assert editor.current_code == "2.2.2"
    editor.find_edit.setText("không có gì như thế")
    assert editor.empty_filter.isVisible()


def test_only_unfinished_hides_complete_indicators(editor):
    session = editor.session
    session.set_value("2.1", "choice", "chair")
    editor.only_unfinished.setChecked(True)
    visible = set()

    def walk(parent):
        for row in range(editor.proxy.rowCount(parent)):
            idx = editor.proxy.index(row, 0, parent)
            visible.add(idx.data(CODE_ROLE))
            walk(idx)

    from desktop.qt import QModelIndex

    walk(QModelIndex())
    assert "2.1" not in visible and "1.1" in visible


def test_keyboard_navigation(editor):
    editor.open("1.1")
    editor.go_next()
    assert editor.current_code == "1.2"
    editor.go_previous()
    editor.go_previous()  # wraps around
    assert editor.current_code == "3.1"
    editor.session.set_value("1.1", "count", 0)
    editor.session.set_value("1.2", "a", 0)
    editor.session.set_value("1.2", "b", 0)
    editor.open("1.1")
    assert editor.go_next_unfinished()
    assert editor.current_code == "2.1"


def test_status_bar_and_autosave_time(qtbot, session, runner, settings):
    window = MainWindow(session, runner, settings)
    qtbot.addWidget(window)
    window.show()
    assert window.progress_label.text() == "0/6 chỉ tiêu"
    assert window.saved_label.text() == ""
    session.set_value("2.1", "choice", "chair")
    assert window.progress_label.text() == "1/6 chỉ tiêu"
    assert window.total_label.text() == "Tổng điểm: 10/60"
    assert window.class_label.text() == "Xếp loại dự kiến: Trung bình"
    assert window.saved_label.text().startswith("Đã lưu lúc ")
    # saved means committed: a fresh read of the database has it
    from local_db import answers

    assert answers.get_all(session.store.db, session.store.assessment_id)["2.1"] == {
        "choice": "chair"
    }


def test_note_is_saved_when_leaving_the_page(qtbot, editor):
    editor.open("1.1")
    page = editor.page("1.1")
    page.note.setPlainText("Đã họp 4 lần")
    editor.open("1.2")
    from local_db import answers

    assert (
        answers.notes(editor.session.store.db, editor.session.store.assessment_id)["1.1"]
        == "Đã họp 4 lần"
    )


def test_completing_the_open_indicator_under_only_unfinished_keeps_it_open(qtbot, editor):
    """Regression: with "only unfinished" on, the row of the indicator being typed into was
    filtered away the moment it became complete, and the editor jumped to another one."""
    editor.only_unfinished.setChecked(True)
    editor.open("2.1")
    editor.page("2.1").field_widgets["choice"].group.buttons()[0].click()
    assert editor.session.status(editor.session.cs.indicator("2.1")) is Status.COMPLETE
    assert editor.current_code == "2.1"
    assert editor.tree.currentIndex().data(CODE_ROLE) == "2.1"
    editor.go_next_unfinished()
    editor.only_unfinished.setChecked(False)
    editor.only_unfinished.setChecked(True)  # re-filtered: now it is gone
    codes = set()
    for row in range(editor.proxy.rowCount()):
        parent = editor.proxy.index(row, 0)
        codes |= {
            editor.proxy.index(r, 0, parent).data(CODE_ROLE)
            for r in range(editor.proxy.rowCount(parent))
        }
    assert "2.1" not in codes


def test_a_refused_save_is_shown_in_red_and_kept_in_memory(qtbot, session, runner, settings):
    """Storage refuses the write (here: the assessment was finalised behind the editor's back);
    the officer sees why, nothing crashes, and the typed value stays on screen."""
    from local_db import assessments

    window = MainWindow(session, runner, settings)
    qtbot.addWidget(window)
    assessments.finalise(session.store.db, session.store.assessment_id)
    with qtbot.waitSignal(session.save_failed):
        session.set_value("2.1", "choice", "chair")
    assert window.saved_label.text().startswith("Chưa lưu được: ")
    assert session.answers["2.1"] == {"choice": "chair"}


def test_busy_bar_follows_background_work(qtbot, session, settings):
    from desktop.tasks import TaskRunner

    runner = TaskRunner()
    window = MainWindow(session, runner, settings)
    qtbot.addWidget(window)
    window.show()
    release = __import__("threading").Event()
    with qtbot.waitSignal(runner.busy):
        runner.run(lambda: release.wait(5))
    assert window.busy_bar.isVisible()
    with qtbot.waitSignal(runner.busy, check_params_cb=lambda on: on is False):
        release.set()
    assert not window.busy_bar.isVisible()


def test_overview_is_built_when_its_tab_is_first_shown(qtbot, session, runner, settings):
    """The chart is built lazily (start-up time); selecting its tab must build and show it."""
    window = MainWindow(session, runner, settings)
    qtbot.addWidget(window)
    assert window._overview is None  # not built at start-up
    window.show_overview()
    chart = window._overview
    assert chart is not None and window.tabs.currentWidget().isAncestorOf(chart)
    assert window.overview is chart  # built once


def test_overview_shows_last_years_points(qtbot, db, settings, runner, cs):
    from desktop.shell import Shell
    from local_db import answers, assessments, profile

    profile.save(db, officer_name="Lan", position="CB", unit_code="25001")
    last = assessments.create(db, "25001", cs.year - 1, cs)
    answers.set_value(db, last.id, "2.1", "choice", "vice", points="5")
    assessments.create(db, "25001", cs.year, cs)
    controller = Shell(db, settings, runner)
    window = controller.build_window()
    qtbot.addWidget(window)
    chart = window.overview
    assert [r[3] for r in chart.values()] == [0, 5, 0]
    names = [s.label() for s in chart.chart.series()[0].barSets()]
    assert names == ["Điểm tối đa", f"Điểm năm {cs.year - 1}", f"Điểm năm {cs.year}"]
    assert "(năm trước: 5)" in chart.summary.text()


def test_shortcuts_work_while_typing_in_a_field(qtbot, session, runner, settings):
    """Regression: Ctrl+PgDown did nothing: QAction.triggered(bool) passed checked=False to
    go_next(step), which then moved by 0."""
    from desktop.qt import QApplication, Qt

    window = MainWindow(session, runner, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # window shortcuts need the active window
    QApplication.processEvents()
    assert window.isActiveWindow()
    editor = window.editor
    editor.open("1.1")
    field = editor.page("1.1").field_widgets["count"].edit
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert editor.current_code == "1.2"
    assert QApplication.focusWidget() is editor.page("1.2").field_widgets["a"].edit  # ready to type
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier
    )
    assert editor.current_code == "1.1"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F8)
    assert editor.current_code == "1.2"  # the next one not complete
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is editor.find_edit


@pytest.fixture
def kinds_session(db):
    """A draft of the set with targets and an unscored block (issue 16)."""
    from desktop.assessment.session import AssessmentSession
    from desktop.assessment.store import DbStore
    from local_db import assessments
    from tests.forms.sample_sets import kinds_set

    cs = kinds_set()
    row = assessments.create(db, "25001", cs.year, cs)
    return AssessmentSession(cs, DbStore(db, row.id), cs.year)


def _points_cell(model, code):
    return model.index_of(code).siblingAtColumn(1).data()


def test_unscored_block_and_targets_in_the_tree(qtmodeltester, qtbot, kinds_session):
    """Issue 16: the information block shows no points, a target says whether it is met, and
    an edit of the block refreshes the ratio that divides by it."""
    session = kinds_session
    model = AssessmentTreeModel(session)
    qtmodeltester.check(model)
    pillar_4 = model.createIndex(3, 1, model._nodes["pillar:4"])
    assert pillar_4.data() == "không tính điểm"
    assert _points_cell(model, "4.1") == "không tính điểm"
    assert _points_cell(model, "5.2") == "chưa đạt"
    session.set_value("5.2", "lop", 3)
    assert _points_cell(model, "5.2") == "đạt"
    session.set_value("5.1", "pct", 75)
    assert _points_cell(model, "5.1").startswith("đạt · 5")
    session.set_value("5.3", "co_cks", 10)
    with qtbot.waitSignals([model.dataChanged] * 3):  # 4.1 and pillar 4, then 5.3 (pillar 5)
        session.set_value("4.1", "so_can_bo", 20)
    assert _points_cell(model, "5.3").startswith("2,5/5")
    # the page says why the ratio scores 0 when its numerator passes the block's count
    session.set_value("4.1", "so_can_bo", 5)
    assert _status(model, "5.3") is Status.ERRORS
    assert session.score().targets_met == 2 and session.score().targets_total == 2


def test_pages_of_an_unscored_indicator_a_target_and_a_ratio_over_the_block(
    qtbot, kinds_session, runner, settings
):
    from desktop.assessment.page import IndicatorPage

    session = kinds_session

    def page(code):
        widget = IndicatorPage(session, session.cs.indicator(code), runner, settings)
        qtbot.addWidget(widget)
        return widget

    info = page("4.1")
    assert info.points_label.text() == "Không tính điểm"
    assert sorted(info.field_widgets) == ["ghi_chu", "so_can_bo"]  # collected like any other
    qtbot.keyClicks(info.field_widgets["so_can_bo"].edit, "3,5")
    info.refresh()
    assert info.field_messages["so_can_bo"].text().startswith("Lỗi:")  # and validated
    target = page("5.1")
    qtbot.keyClicks(target.field_widgets["pct"].edit, "75")
    target.refresh()
    assert target.points_label.text() == "Đạt · Điểm: 5/5"
    session.set_value("4.1", "so_can_bo", 4)
    ratio = page("5.3")
    qtbot.keyClicks(ratio.field_widgets["co_cks"].edit, "10")
    ratio.refresh()
    assert ratio.points_label.text().startswith("Điểm: 0/5 (")  # 10 above the block's 4


def test_the_report_shows_the_block_without_points_and_its_answers(kinds_session):
    """Issue 16: an unscored block is exported with its answers, marked "Không tính điểm"."""
    from datetime import date

    from desktop.finalise.report import ReportInfo, report_html

    kinds_session.set_value("4.1", "so_can_bo", 23)
    info = ReportInfo("25001", "Xã Hiền Quan", "Nguyễn Thị Lan", "Công chức", "9A8E", 1, "bản nháp")
    html = report_html(kinds_session, info, date(2026, 1, 15))
    row = html.split("<td>4.1</td>", 1)[1].split("</tr>", 1)[0]  # its details row
    assert "Số cán bộ, công chức: 23" in row and "Không tính điểm" in row
    summary = html.split("4. Thông tin chung</td>", 1)[1].split("</tr>", 1)[0]
    assert "Không tính điểm" in summary
    assert " / 0<" not in html and " / 0,00<" not in html
    row = html.split("<td>5.2</td>", 1)[1].split("</tr>", 1)[0]  # a 0-point target
    assert "Chưa đạt" in row
