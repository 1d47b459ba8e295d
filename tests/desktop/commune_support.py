"""A commune set up through the app's controller: profile, signing key, an answered draft."""

from __future__ import annotations

from desktop.assessment.fields import DocRefField, _LineField, _RadioField
from desktop.format import plain_number_for_typing
from desktop.shell import Shell
from forms.criteria import FieldKind, RuleKind
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


def _typed_value(ind, field, year: int) -> str:
    if field.kind is FieldKind.COUNT:
        if ind.rule.kind is RuleKind.RATIO and field.key == ind.rule.numerator:
            return "3"
        return "4"
    if field.kind is FieldKind.PERCENT:
        return "95"
    if field.kind is FieldKind.NUMBER:
        return plain_number_for_typing(ind.max_points)
    if field.kind is FieldKind.DATE:
        return f"15/03/{year}"
    return "Da trien khai"


def fill_page(qtbot, page, ind, year: int) -> None:
    """Answer every field of an indicator's page through its widgets, as the officer types."""
    for key, widget in page.field_widgets.items():
        field = ind.field(key)
        if isinstance(widget, _RadioField):
            widget.group.buttons()[0].click()  # "Có" / the best choice
        elif isinstance(widget, DocRefField):
            for part, text in (("number", "12/KH-UBND"), ("date", f"15/03/{year}"), ("issuer", "UBND xa"),
                               ("summary", "Ke hoach chuyen doi so")):  # fmt: skip
                qtbot.keyClicks(widget.edits[part], text)
        else:
            assert isinstance(widget, _LineField)
            qtbot.keyClicks(widget.edit, _typed_value(ind, field, year))
