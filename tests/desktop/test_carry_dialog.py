"""The "Dùng lại câu trả lời năm trước" dialog through the real window, database and flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.assessment.carry_dialog import CarryDialog
from desktop.qt import Qt, QTreeWidgetItem
from desktop.shell import Shell
from forms.carry_forward import FieldOffer
from local_db import answers, assessments, audit, evidence, profile
from tests.forms.carry_sets import next_year, with_meeting_date
from tests.forms.sample_sets import tiny_set

LAST_YEAR = {
    "1.1": {"count": 30, "ngay": "2025-05-02"},
    "1.2": {"a": 2, "b": 4},
    "2.1": {"choice": "chair"},
    "2.2.2": {"pct": "92.5"},
}


@pytest.fixture
def shell(qtbot, db, settings, runner, pdf_file: Path) -> Shell:
    """Unit 25001: 2025 finalised under the tiny set (1.1 with a meeting date), 2026 a draft of
    the next set (1.1's count now plausible up to 10, 2.1 answered already)."""
    profile.save(db, officer_name="Nguyễn Thị Lan", position="Công chức", unit_code="25001")
    old = assessments.create(db, "25001", 2025, with_meeting_date(tiny_set()))
    assert old.id is not None
    answers.set_many(db, old.id, LAST_YEAR)
    evidence.attach(
        db, old.id, "1.1", pdf_file, evidence.EvidenceMeta("3/BB", "2025-04-01", "UBND xã")
    )
    assessments.finalise(db, old.id)
    new = assessments.create(db, "25001", 2026, with_meeting_date(next_year(), plausible=10))
    assert new.id is not None
    answers.set_value(db, new.id, "2.1", "choice", "vice")
    db.user = "Nguyễn Thị Lan"
    shell = Shell(db, settings, runner)
    qtbot.addWidget(shell.build_window())
    return shell


def _dialog(qtbot, shell: Shell) -> CarryDialog:
    assert shell.commune.carry is not None
    dialog = shell.commune.carry.open(show=False)
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


def _item(dialog: CarryDialog, key: str) -> QTreeWidgetItem:
    for item, offer in dialog.items:
        name = offer.key if isinstance(offer, FieldOffer) else f"{offer.to_code}/{offer.ref.name}"
        if name == key:
            return item
    raise KeyError(key)


def test_lists_by_pillar_and_indicator_nothing_ticked(qtbot, shell: Shell):
    dialog = _dialog(qtbot, shell)
    tops = [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]
    assert tops[0].startswith("Trụ cột 1. ") and tops[1].startswith("Trụ cột 2. ")
    assert dialog.tree.topLevelItem(0).child(0).text(0).startswith("1.1 ")
    assert all(item.checkState(0) == Qt.CheckState.Unchecked for item in dialog.offered_items())
    assert not dialog.apply_button.isEnabled()
    assert dialog.checked() == ([], [])
    # the values as the officer reads them: a decimal comma, a date dd/mm/yyyy
    assert _item(dialog, "2.2.2/pct").text(1) == "92,5 %"
    assert _item(dialog, "1.1/bien-ban-họp.pdf").text(1) == "số 3/BB, ngày 01/04/2025, UBND xã"


def test_blocked_items_show_why_and_cannot_be_ticked(qtbot, shell: Shell):
    dialog = _dialog(qtbot, shell)
    day = _item(dialog, "1.1/ngay")
    assert not day.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert day.text(1) == "02/05/2025"
    assert day.text(2).startswith("không hợp lệ năm nay")
    assert _item(dialog, "2.1/choice").text(2) == "năm nay đã có câu trả lời (giữ nguyên)"
    warned = _item(dialog, "1.1/count")
    assert warned.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert "10" in warned.text(2) and not warned.icon(2).isNull()  # the plausible-maximum warning


def test_select_all_ticks_only_what_is_offered(qtbot, shell: Shell):
    dialog = _dialog(qtbot, shell)
    qtbot.mouseClick(dialog.select_all_button, Qt.MouseButton.LeftButton)
    fields, files = dialog.checked()
    assert [o.key for o in fields] == ["1.1/count", "1.2/a", "1.2/b", "2.2.2/pct"]
    assert [o.ref.name for o in files] == ["bien-ban-họp.pdf"]
    assert dialog.apply_button.text() == "Dùng lại 5 mục đã chọn"
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    assert dialog.checked() == ([], [])


def test_apply_writes_only_the_ticked_and_refreshes_the_window(qtbot, shell: Shell, db):
    dialog = _dialog(qtbot, shell)
    session = shell.commune.session
    assert session is not None and shell.window is not None and shell.window.editor is not None
    shell.window.editor.open("1.2")
    page = shell.window.editor.page("1.2")
    model = shell.window.editor.model
    points_before = model.data(model.index_of("1.2").siblingAtColumn(1))
    _item(dialog, "1.2/a").setCheckState(0, Qt.CheckState.Checked)
    _item(dialog, "1.2/b").setCheckState(0, Qt.CheckState.Checked)
    _item(dialog, "1.1/bien-ban-họp.pdf").setCheckState(0, Qt.CheckState.Checked)
    with qtbot.waitSignal(shell.commune.carry.carried) as carried:
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert (carried.args[0].fields, carried.args[0].evidence) == (2, 1)
    now = shell.commune.current.id
    assert answers.get_all(db, now) == {"1.2": {"a": 2, "b": 4}, "2.1": {"choice": "vice"}}
    assert [a.indicator_code for a in evidence.list_for(db, now)] == ["1.1"]
    assert len(audit.entries(db, now, entity="carry")) == 3
    # the session, the page and the tree show it without reopening
    assert session.value("1.2", "b") == 4 and len(session.evidence["1.1"]) == 1
    assert page.field_widgets["b"].value() == 4
    points_after = model.data(model.index_of("1.2").siblingAtColumn(1))
    assert points_after != points_before and points_after.startswith("5")  # 2 of 4 chaired: 5/10
    assert "Đã dùng lại 2 câu trả lời và 1 tệp minh chứng từ năm 2025." in dialog.status.text()
    # what was carried cannot be carried twice
    assert not _item(dialog, "1.2/a").flags() & Qt.ItemFlag.ItemIsUserCheckable


def test_closing_writes_nothing(qtbot, shell: Shell, db):
    dialog = _dialog(qtbot, shell)
    dialog.set_all(True)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    now = shell.commune.current.id
    assert answers.get_all(db, now) == {"2.1": {"choice": "vice"}}
    assert evidence.list_for(db, now) == [] and audit.entries(db, now, entity="carry") == []


def test_offered_once_at_start_then_from_the_menu(qtbot, shell: Shell, settings):
    carry = shell.commune.carry
    assert carry is not None and shell.window is not None
    first = carry.offer_once(show=False)
    assert first is not None
    qtbot.addWidget(first)
    assert carry.offer_once(show=False) is None  # not again on the next start
    assert shell.window.carry_action.isEnabled()
    shell.window.carry_action.trigger()
    assert carry.dialog is not None and carry.dialog is not first and carry.dialog.isVisible()
    carry.dialog.reject()


def test_no_menu_entry_without_an_earlier_year(qtbot, db, settings, runner, cs):
    profile.save(db, officer_name="Nguyễn Thị Lan", position="Công chức", unit_code="25001")
    assessments.create(db, "25001", cs.year, cs)
    shell = Shell(db, settings, runner)
    qtbot.addWidget(shell.build_window())
    assert shell.window is not None and not shell.window.carry_action.isEnabled()
    assert shell.commune.carry is not None and shell.commune.carry.offer_once() is None


def test_a_blocked_value_reads_as_last_year_wrote_it():
    import dataclasses
    from decimal import Decimal

    from desktop.assessment.carry_dialog import value_text
    from forms.carry_forward import match
    from forms.criteria import Choice
    from tests.forms.carry_sets import edit

    def relabel(ind):
        choices = (Choice("chair", "Chủ tịch UBND xã", Decimal(10)), *ind.rule.choices[1:])
        return dataclasses.replace(ind, rule=dataclasses.replace(ind.rule, choices=choices))

    new_cs = edit(next_year(), "2.1", relabel)
    plan = match(
        tiny_set(), {"2.1": {"choice": "chair"}}, {}, new_cs, {}, {}, from_year=2025, to_year=2026
    )
    (offer,) = plan.fields
    assert offer.blocked == "danh sách lựa chọn đã đổi"
    assert value_text(plan, new_cs, offer) == "Chủ tịch UBND"  # last year's label, not this year's


def test_the_window_opening_offers_it_once(qtbot, shell: Shell, db, settings, runner):
    first = shell.show_main_window()
    qtbot.addWidget(first)
    carry = shell.commune.carry
    assert carry is not None and carry.dialog is not None and carry.dialog.isVisible()
    carry.dialog.reject()
    again = Shell(db, settings, runner)  # the next start, same settings
    qtbot.addWidget(again.show_main_window())
    assert again.commune.carry is not None and again.commune.carry.dialog is None


def test_signing_disables_the_menu_entry(qtbot, shell: Shell, db):
    assert shell.window is not None and shell.window.carry_action.isEnabled()
    assessments.finalise(db, shell.commune.current.id)
    shell.commune._refresh_read_only()
    assert not shell.window.carry_action.isEnabled()
    assert shell.commune.carry is not None and shell.commune.carry.open(show=False) is None
