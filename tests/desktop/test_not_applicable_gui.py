"""The commune's editor under a set with applicability (issue 16): a part that does not apply
to the unit is greyed with why; where allowed the officer marks "không áp dụng" with a
required reason, and the tree, the page and the score follow."""

from __future__ import annotations

import pytest

from desktop.assessment.checks import Status
from desktop.assessment.editor import AssessmentEditor
from desktop.assessment.session import AssessmentSession
from desktop.assessment.store import DbStore
from desktop.assessment.tree_model import AssessmentTreeModel
from desktop.qt import Qt
from local_db import assessments, units
from local_db import not_applicable as na
from tests.forms.sample_sets import applicability_set

CS = applicability_set()
REASON = "Năm 2025 không họp vì Ban Chỉ đạo đang kiện toàn"


@pytest.fixture
def na_session(db, tmp_path):
    listing = tmp_path / "units.csv"
    listing.write_text("Mã,Tên,Loại\n25001,Xã Minh Khai,Xã\n", encoding="utf-8")
    assert units.import_units(db, listing).ok
    row = assessments.create(db, "25001", CS.year, CS)
    return AssessmentSession(CS, DbStore(db, row.id), CS.year)


@pytest.fixture
def editor(qtbot, na_session, runner, settings):
    widget = AssessmentEditor(na_session, runner, settings)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _text(model, code, column=1, role=Qt.ItemDataRole.DisplayRole):
    index = model.index_of(code)
    return model.index(index.row(), column, index.parent()).data(role)


def test_the_tree_greys_what_does_not_apply_with_why(qtmodeltester, na_session):
    model = AssessmentTreeModel(na_session)
    qtmodeltester.check(model)
    assert _text(model, "2.2.2") == "không áp dụng"
    assert "chỉ áp dụng cho phường" in _text(model, "2.2.2", 0, Qt.ItemDataRole.ToolTipRole)
    assert _text(model, "2.2.2", 0, Qt.ItemDataRole.ForegroundRole) is not None
    assert _text(model, "2.2.1", 0, Qt.ItemDataRole.ForegroundRole) is None
    assert _text(model, "2.2") == "0/5"  # its applicable maximum, without 2.2.2's 10
    assert "00004" in _text(model, "3.1", 0, Qt.ItemDataRole.ToolTipRole)
    assert na_session.status(CS.indicator("2.2.2")) is Status.COMPLETE  # nothing to answer


def test_marking_needs_a_reason_then_scores_and_is_stored(qtbot, editor, na_session):
    editor.open("1.2")
    page = editor.page("1.2")
    box = page.not_applicable
    assert box is not None and box.check.isVisible()
    box.check.setChecked(True)  # no reason yet: nothing stored, the officer is told
    assert box.message.isVisible() and "lý do" in box.message.text()
    assert na_session.marks == {}
    box.reason.setText(REASON)  # (QTest cannot type Vietnamese letters)
    with qtbot.waitSignal(na_session.changed):
        qtbot.keyClick(box.reason, Qt.Key.Key_Return)
    assert na_session.marks == {"1.2": REASON}
    assert na.marks(na_session.store.db, na_session.store.assessment_id) == {"1.2": REASON}
    assert na_session.score().not_applicable["1.2"] == "marked"
    assert REASON in page.points_label.text()
    assert not box.message.isVisible()
    model = AssessmentTreeModel(na_session)
    assert _text(model, "1.2") == "không áp dụng"
    assert REASON in _text(model, "1.2", 0, Qt.ItemDataRole.ToolTipRole)
    box.check.setChecked(False)  # applicable again
    assert na_session.marks == {}
    assert "1.2" not in na_session.score().not_applicable


def test_a_reason_with_a_control_character_is_refused_on_the_page(qtbot, editor, na_session):
    editor.open("1.2")
    box = editor.page("1.2").not_applicable
    assert box is not None
    box.reason.setText("lý do\x07")
    box.check.setChecked(True)
    assert "U+0007" in box.message.text()
    assert na_session.marks == {}


def test_a_page_not_applicable_by_the_set_says_why_and_takes_no_input(editor):
    editor.open("2.2.2")
    page = editor.page("2.2.2")
    box = page.not_applicable
    assert box is not None and box.why.isVisible()
    assert "phường" in box.why.text()
    assert not box.check.isVisible()
    assert "Không áp dụng" in page.points_label.text()


def test_an_indicator_that_may_not_be_marked_has_no_box(editor):
    editor.open("1.1")
    assert editor.page("1.1").not_applicable is None


def test_the_report_shows_marks_with_reasons_and_the_applicable_maximum(na_session, tmp_path):
    import subprocess
    from datetime import date

    from desktop.finalise.report import ReportInfo, report_html, write_pdf

    na_session.set_mark("1.2", REASON)
    info = ReportInfo("25001", "Xã Minh Khai", "Nguyễn Thị Lan", "Công chức", "9A8E", 1,
                      "bản nháp")  # fmt: skip
    html = report_html(na_session, info, date(2026, 1, 10))
    assert f"Không áp dụng: {REASON}" in html
    assert "chỉ áp dụng cho phường" in html  # 2.2.2 by the set's rule
    # rescale: 0 of the 35 that apply to this xã, on the scale of 60
    assert "quy đổi về thang 60,00 điểm" in html and "35,00 điểm áp dụng" in html
    pdf = write_pdf(html, tmp_path / "bao-cao.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Không áp dụng" in " ".join(text.split())
