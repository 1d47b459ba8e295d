"""What was left of the officer's surprises (issue 15): where the units list comes from, the
pillar heading of the indicator being edited, column widths that do not jump."""

from __future__ import annotations

import pytest

from desktop.qt import QApplication
from desktop.setup.wizard import UnitPage


def test_unit_page_says_where_the_list_comes_from_and_offers_the_sample(
    qtbot, db, runner, units_file
):
    page = UnitPage(db, runner)
    qtbot.addWidget(page)
    page.show()
    # nothing to choose from: the page says why (offline) and what to do, both ways
    assert page.empty.isVisible() and not page.list.isVisible()
    text = page.empty.text()
    assert "Internet" in text and "tỉnh" in text and "mẫu" in text and "đặc khu" in text
    assert page.import_button.isVisible() and page.sample_button.isVisible()
    assert not page.isComplete()

    page.sample_button.click()
    assert "43" in page.message.text()
    assert page.list.isVisible() and page.list.count() == 43
    assert page.source.isVisible() and "danh sách mẫu" in page.source.text()
    assert "minh họa" in page.source.text()
    assert not page.sample_button.isVisible()  # offered once, never mixed into a real list
    page.search.setText("van don")
    assert page.chosen() == ("22901", "Đặc khu Vân Đồn") and page.isComplete()

    page.search.setText("")
    page.import_file(str(units_file))  # the province's list arrives
    assert "tỉnh" in page.source.text() and "mẫu" not in page.source.text()
    assert not page.sample_button.isVisible() and not page.empty.isVisible()
    assert "Đã bỏ 43 đơn vị của danh sách mẫu" in page.message.text()
    assert page.list.count() == 3  # only the province's units are left to choose from


@pytest.fixture
def reference_editor(qtbot, db, runner, settings):
    """The editor on the shipped reference set (73 indicators: the tree scrolls)."""
    from desktop.assessment.editor import AssessmentEditor
    from desktop.assessment.session import AssessmentSession
    from desktop.assessment.store import DbStore
    from forms.reference import reference_set
    from local_db import assessments

    cs = reference_set()
    row = assessments.create(db, "25001", cs.year, cs)
    editor = AssessmentEditor(AssessmentSession(cs, DbStore(db, row.id), cs.year), runner, settings)
    qtbot.addWidget(editor)
    editor.resize(1000, 320)  # a short tree: a pillar's row scrolls out of view
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def _row_shown(editor, code: str) -> bool:
    index = editor.proxy.mapFromSource(editor.model.index_of(code))
    rect = editor.tree.visualRect(index)
    return rect.isValid() and rect.top() >= 0 and rect.bottom() <= editor.tree.viewport().height()


def test_the_open_indicators_pillar_stays_in_view(reference_editor):
    editor = reference_editor
    editor.open("2.6")  # the tree scrolls down to it from the top
    assert editor.heading.isVisible() and editor.heading.text() == "Trụ cột 2. Thể chế số"
    assert _row_shown(editor, "2.6") and _row_shown(editor, "pillar:2")
    editor.open("3.9.3")  # a sub-indicator: the heading names its parent too
    assert editor.heading.text().startswith("Trụ cột 3. Hạ tầng số › 3.9 ")
    assert _row_shown(editor, "3.9.3")
    editor.open("7.12")  # far from its pillar's row: the heading above the page says it
    assert _row_shown(editor, "7.12")
    assert editor.heading.text() == "Trụ cột 7. Hoạt động kinh tế số, xã hội số"
    editor.open("1.2")  # going back up shows pillar 1 again
    assert _row_shown(editor, "pillar:1") and editor.heading.text() == "Trụ cột 1. Nhận thức số"


def test_the_points_column_does_not_jump_as_points_change(reference_editor):
    editor = reference_editor
    header = editor.tree.header()
    before = [header.sectionSize(0), header.sectionSize(1)]
    session = editor.session
    session.set_value("6.1", "tu_so", "7")
    session.set_value("6.1", "mau_so", "7")  # 30/30
    session.set_value("6.3", "tu_so", "1")
    session.set_value("6.3", "mau_so", "7")  # 30/7 = 4,29/30; pillar 6: 34,29/250
    editor.model.refresh_all()
    editor.tree.expandAll()
    QApplication.processEvents()
    assert [header.sectionSize(0), header.sectionSize(1)] == before
    # and every text the column shows fits in it
    metrics = editor.tree.fontMetrics()
    for code in ("6.1", "6.3", "pillar:6"):
        text = editor.model.index_of(code).siblingAtColumn(1).data()
        assert text == {"6.1": "30/30", "6.3": "4,29/30", "pillar:6": "34,29/250"}[code]
        assert metrics.horizontalAdvance(text) < header.sectionSize(1), text


def test_the_page_shows_points_as_the_tree_does(reference_editor):
    editor = reference_editor
    editor.session.set_value("6.3", "tu_so", "1")
    editor.session.set_value("6.3", "mau_so", "7")
    editor.open("6.3")
    assert "Điểm: 4,29/30" in editor.page("6.3").points_label.text()
