"""One input widget per ``FieldKind``; each emits ``edited(value)`` as the officer types.

Values are the JSON-compatible answer values of the core: bool, choice key, int for counts,
decimal text with a dot for percentages and numbers ("12.5"), ISO dates, dicts for document
references. What cannot be read yet (``"12a"``, ``"31/02/2025"``) is passed on as typed, so
nothing is lost and validation can say what is wrong beside the field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from desktop.format import format_date, format_number, parse_date, plain_number_for_typing
from desktop.qt import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from forms.criteria import Choice, Field, FieldKind
from forms.i18n import _
from forms.values import to_decimal

READ_ONLY_STYLE = "QLineEdit { background: palette(window); }"
_CLEARABLE = "dtiClearable"  # a line edit that offers a clear button while editable

# an answer as a widget reads it: a tick, a choice key, a count, a number or date as text, a
# document reference; None when unanswered (stored answers shown back may be anything: object)
FieldValue = bool | int | str | dict[str, str] | None


class FieldWidget(QWidget):
    """The base of every field widget. Each concrete widget defines ``value()`` (the answer as
    typed) and ``_show(value)`` (display one without emitting ``edited``). They are declared,
    not stubbed: ``abc.ABCMeta`` conflicts with Shiboken's metaclass, and a missing method then
    fails loudly (AttributeError, and ``test_every_field_widget_reads_and_shows``)."""

    edited = Signal(object)
    value: Callable[[], FieldValue]
    _show: Callable[[object], None]

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self._loading = False

    def set_value(self, value: object) -> None:
        self._loading = True
        try:
            self._show(value)
        finally:
            self._loading = False

    def set_read_only(self, on: bool) -> None:
        """Locked inputs look locked: the window's background instead of the input's white,
        and no clear button offering to empty what cannot be changed."""
        for child in self.findChildren(QLineEdit):
            child.setReadOnly(on)
            child.setClearButtonEnabled(not on and child.property(_CLEARABLE) is True)
            child.setStyleSheet(READ_ONLY_STYLE if on else "")
        for button in self.findChildren(QRadioButton):
            button.setEnabled(not on)

    def focus_widget(self) -> QWidget:
        return self

    def _emit(self, *_args: object) -> None:
        if not self._loading:
            self.edited.emit(self.value())


class _RadioField(FieldWidget):
    """Radio buttons: unanswered is a real state (no button checked), unlike a check box."""

    def __init__(
        self,
        field: Field,
        options: Sequence[tuple[bool | str, str]],
        parent: QWidget | None = None,
        horizontal: bool = False,
    ) -> None:
        super().__init__(field, parent)
        layout = QHBoxLayout(self) if horizontal else QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        self._values: list[bool | str] = []
        for i, (value, label) in enumerate(options):
            button = QRadioButton(label, self)
            self.group.addButton(button, i)
            layout.addWidget(button)
            self._values.append(value)
        if horizontal:
            layout.addStretch(1)
        self.group.idClicked.connect(self._emit)

    def value(self) -> FieldValue:
        i = self.group.checkedId()
        return self._values[i] if i >= 0 else None

    def _show(self, value: object) -> None:
        self.group.setExclusive(False)
        for i, button in enumerate(self.group.buttons()):
            button.setChecked(value is not None and self._values[i] == value)
        self.group.setExclusive(True)

    def focus_widget(self) -> QWidget:
        buttons = self.group.buttons()
        return buttons[0] if buttons else self


class BoolField(_RadioField):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        # yes/no side by side: it reads like the paper form
        super().__init__(field, [(True, _("Có")), (False, _("Không"))], parent, horizontal=True)


class ChoiceField(_RadioField):
    def __init__(
        self, field: Field, choices: tuple[Choice, ...], parent: QWidget | None = None
    ) -> None:
        options = [
            (c.key, _("{label} ({points} điểm)", label=c.label, points=format_number(c.points)))
            for c in choices
        ]
        super().__init__(field, options, parent)


class _LineField(FieldWidget):
    placeholder = ""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(self.placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.setProperty(_CLEARABLE, True)
        layout.addWidget(self.edit, 1)
        if field.unit:
            from desktop.qt import QLabel

            layout.addWidget(QLabel(field.unit, self))
        self.edit.textEdited.connect(self._emit)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text()

    def focus_widget(self) -> QWidget:
        return self.edit


class CountField(_LineField):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        self.placeholder = _("số nguyên, ví dụ 4")
        super().__init__(field, parent)

    def value(self) -> FieldValue:
        text = self.text().strip()
        if not text:
            return None
        compact = text.replace(" ", "")
        if compact.lstrip("-").isdigit():
            return int(compact)  # a negative count is kept too: validation explains
        return text  # kept as typed; validation explains

    def _show(self, value: object) -> None:
        self.edit.setText("" if value is None else str(value))


class DecimalField(_LineField):
    """Percentages and numbers: typed with a decimal comma or dot, stored as "12.5"."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        self.placeholder = _("ví dụ 87,5") if field.kind is FieldKind.PERCENT else _("ví dụ 12,5")
        super().__init__(field, parent)

    def value(self) -> FieldValue:
        text = self.text().strip()
        if not text:
            return None
        number = to_decimal(text)
        if number is None:
            return text
        out = format(number, "f")
        return out

    def _show(self, value: object) -> None:
        if value is None:
            self.edit.setText("")
        elif (number := to_decimal(value)) is not None:
            self.edit.setText(plain_number_for_typing(number))
        else:
            self.edit.setText(str(value))


class DateField(_LineField):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        self.placeholder = _("dd/mm/yyyy")
        super().__init__(field, parent)

    def value(self) -> FieldValue:
        text = self.text().strip()
        if not text:
            return None
        parsed = parse_date(text)
        return parsed.isoformat() if parsed else text

    def _show(self, value: object) -> None:
        if not value:
            self.edit.setText("")
        elif isinstance(value, str | date):
            self.edit.setText(format_date(value))
        else:  # a stored value that is no date: shown as it is
            self.edit.setText(str(value))


class TextField(_LineField):
    def value(self) -> FieldValue:
        return self.text() or None

    def _show(self, value: object) -> None:
        self.edit.setText("" if value is None else str(value))


DOCREF_KEYS = ("number", "date", "issuer", "summary")


def docref_labels() -> dict[str, str]:
    return {
        "number": _("Số, ký hiệu"),
        "date": _("Ngày ban hành"),
        "issuer": _("Cơ quan ban hành"),
        "summary": _("Trích yếu"),
    }


class DocRefField(FieldWidget):
    """A document reference: number, date (dd/mm/yyyy on screen, ISO stored), issuer, summary."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.edits: dict[str, QLineEdit] = {}
        labels = docref_labels()
        for key in DOCREF_KEYS:
            edit = QLineEdit(self)
            if key == "date":
                edit.setPlaceholderText(_("dd/mm/yyyy"))
            elif key == "number":
                edit.setPlaceholderText(_("ví dụ 12/QĐ-UBND"))
            edit.textEdited.connect(self._emit)
            form.addRow(labels[key], edit)
            self.edits[key] = edit
        self.setFocusProxy(self.edits["number"])

    def value(self) -> FieldValue:
        out: dict[str, str] = {}
        for key, edit in self.edits.items():
            text = edit.text().strip()
            if not text:
                continue
            if key == "date":
                parsed = parse_date(text)
                text = parsed.isoformat() if parsed else text
            out[key] = text
        return out or None

    def _show(self, value: object) -> None:
        value = value if isinstance(value, dict) else {}
        for key, edit in self.edits.items():
            text = value.get(key) or ""
            edit.setText(format_date(text) if key == "date" and text else str(text))

    def focus_widget(self) -> QWidget:
        return self.edits["number"]


def make_field_widget(
    field: Field, choices: tuple[Choice, ...] = (), parent: QWidget | None = None
) -> FieldWidget:
    kind = field.kind
    if kind is FieldKind.BOOL:
        return BoolField(field, parent)
    if kind is FieldKind.CHOICE:
        return ChoiceField(field, choices, parent)
    if kind is FieldKind.COUNT:
        return CountField(field, parent)
    if kind in (FieldKind.PERCENT, FieldKind.NUMBER):
        return DecimalField(field, parent)
    if kind is FieldKind.DATE:
        return DateField(field, parent)
    if kind is FieldKind.DOCREF:
        return DocRefField(field, parent)
    return TextField(field, parent)
