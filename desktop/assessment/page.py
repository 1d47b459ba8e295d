"""The page of one indicator, generated from the criteria set.

Name, help, the scoring rule in plain Vietnamese, one input per field with its validation
message right beside it, the live points, the evidence list and a note. Every keystroke
goes to the session (autosave); the messages and points follow at once.
"""

from __future__ import annotations

from desktop.assessment.checks import field_of
from desktop.assessment.evidence import EvidenceList
from desktop.assessment.fields import FieldWidget, make_field_widget
from desktop.assessment.not_applicable_box import NotApplicableBox
from desktop.assessment.session import AssessmentSession
from desktop.format import format_points
from desktop.qt import (
    QFont,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.applicability import why_text
from forms.criteria import Indicator, Severity
from forms.i18n import _
from forms.problems import Level, Problem
from forms.rule_text import describe_rule as _describe_rule
from forms.scoring import is_met

ERROR_STYLE = "color: #c62828;"
WARNING_STYLE = "color: #9a5b00;"


def describe_rule(indicator: Indicator) -> str:
    return _describe_rule(indicator)


def _message_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def show_problems(label: QLabel, problems: list[Problem]) -> None:
    if not problems:
        label.clear()
        label.setVisible(False)
        return
    errors = [p for p in problems if p.level is Level.ERROR]
    label.setStyleSheet(ERROR_STYLE if errors else WARNING_STYLE)
    # words, not symbols: a warning sign glyph is missing from some Windows fonts
    label.setText(
        "\n".join(
            (
                _("Lỗi: {message}", message=p.message)
                if p.level is Level.ERROR
                else _("Cảnh báo: {message}", message=p.message)
            )
            for p in problems
        )
    )
    label.setVisible(True)


class IndicatorPage(QWidget):
    """Built once per indicator and cached by the editor; ``refresh()`` re-reads the session."""

    open_indicator = Signal(str)

    def __init__(
        self,
        session: AssessmentSession,
        indicator: Indicator,
        runner: TaskRunner,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self.indicator = indicator
        self.code = indicator.code
        layout = QVBoxLayout(self)
        self._build_header(layout)
        self.not_applicable: NotApplicableBox | None = None
        if not indicator.children and (
            indicator.may_be_not_applicable or session.not_applicable(indicator.code)
        ):
            self.not_applicable = NotApplicableBox(session, indicator, self)
            layout.addWidget(self.not_applicable)
        self.field_widgets: dict[str, FieldWidget] = {}
        self.field_messages: dict[str, QLabel] = {}
        self.source_labels: dict[str, QLabel] = {}  # province-supplied fields: where from
        self.messages = _message_label(self)  # problems not tied to one field
        if indicator.children:
            self._build_children(layout)
        else:
            self._build_fields(layout)
        layout.addWidget(self.messages)
        self._build_points(layout)
        self.evidence: EvidenceList | None = None
        self.note: QPlainTextEdit | None = None
        if not indicator.children:
            self._build_evidence(layout, runner, settings)
            self._build_note(layout)
        layout.addStretch(1)
        self.refresh(load_values=True)

    def _build_header(self, layout: QVBoxLayout) -> None:
        """Code and name, the facts (points, data source, verifier), help and the rule."""
        indicator = self.indicator
        title = QLabel(f"{indicator.code}  {indicator.name}", self)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        title.setObjectName("indicatorTitle")
        layout.addWidget(title)

        facts = [
            _("Không tính điểm")
            if indicator.unscored
            else _("Tối đa {max} điểm", max=format_points(indicator.max_points))
        ]
        if indicator.data_source:
            facts.append(_("Nguồn số liệu: {source}", source=indicator.data_source))
        if indicator.verifier:
            facts.append(_("Thẩm định: {verifier}", verifier=indicator.verifier))
        facts_label = QLabel(" · ".join(facts), self)
        facts_label.setWordWrap(True)
        layout.addWidget(facts_label)

        if indicator.help:
            help_label = QLabel(indicator.help, self)
            help_label.setWordWrap(True)
            layout.addWidget(help_label)

        rule = describe_rule(indicator)
        if rule:
            box = QGroupBox(_("Cách tính điểm"), self)
            box_layout = QVBoxLayout(box)
            rule_label = QLabel(rule, box)
            rule_label.setWordWrap(True)
            rule_label.setObjectName("ruleText")
            box_layout.addWidget(rule_label)
            layout.addWidget(box)

    def _build_points(self, layout: QVBoxLayout) -> None:
        points_row = QFrame(self)
        points_layout = QVBoxLayout(points_row)
        points_layout.setContentsMargins(0, 0, 0, 0)
        self.points_label = QLabel(self)
        self.points_label.setWordWrap(True)  # "(chưa tính điểm khi “…” còn lỗi)" is long
        pfont = QFont(self.points_label.font())
        pfont.setBold(True)
        self.points_label.setFont(pfont)
        points_layout.addWidget(self.points_label)
        layout.addWidget(points_row)

    def _build_evidence(
        self, layout: QVBoxLayout, runner: TaskRunner, settings: Settings | None
    ) -> None:
        evidence = self.indicator.evidence
        ev_box = QGroupBox(_("Tài liệu kiểm chứng"), self)
        ev_layout = QVBoxLayout(ev_box)
        if evidence.description:
            # "Bắt buộc" only where missing evidence blocks finalising; where it is only a
            # warning the officer may go on, and the box must not say otherwise
            blocking = evidence.required and evidence.severity is Severity.ERROR
            need = (
                _("Bắt buộc: {what}", what=evidence.description)
                if blocking
                else _("Nên có: {what}", what=evidence.description)
            )
            need_label = QLabel(need, ev_box)
            need_label.setWordWrap(True)
            ev_layout.addWidget(need_label)
        self.evidence = EvidenceList(self.session, self.code, runner, settings, ev_box)
        ev_layout.addWidget(self.evidence)
        layout.addWidget(ev_box)

    def _build_note(self, layout: QVBoxLayout) -> None:
        note_box = QGroupBox(_("Ghi chú"), self)
        note_layout = QVBoxLayout(note_box)
        self.note = QPlainTextEdit(note_box)
        self.note.setPlaceholderText(_("Ghi chú cho người thẩm định (không bắt buộc)"))
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(self.fontMetrics().height() * 6)
        note_layout.addWidget(self.note)
        layout.addWidget(note_box)
        # a note is saved when typing pauses, and at once when the page is left
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(600)
        self._note_timer.timeout.connect(self.flush)
        self.note.textChanged.connect(self._note_timer.start)

    def _build_fields(self, layout: QVBoxLayout) -> None:
        box = QGroupBox(_("Số liệu"), self)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        # labels above their inputs: long Vietnamese labels wrap freely at 125-150 % scaling
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        for f in self.indicator.fields:
            choices = self.indicator.rule.choices if f.key == self.indicator.rule.field else ()
            widget = make_field_widget(f, choices, box)
            widget.setObjectName(f"field_{f.key}")
            message = _message_label(box)
            container = QWidget(box)
            col = QVBoxLayout(container)
            col.setContentsMargins(0, 0, 0, 0)
            col.addWidget(widget)
            if f.province_supplied:
                source = QLabel(container)
                source.setObjectName(f"source_{f.key}")
                source.setWordWrap(True)
                col.addWidget(source)
                self.source_labels[f.key] = source
            col.addWidget(message)
            # no word wrap: above its input the label has the whole row (QFormLayout measures
            # wrapped labels too narrow and breaks "chủ trì" onto its own line)
            label = QLabel(f.label + ("" if f.required else _(" (không bắt buộc)")), box)
            label.setBuddy(widget.focus_widget())
            form.addRow(label, container)
            widget.edited.connect(lambda value, key=f.key: self._edited(key, value))
            self.field_widgets[f.key] = widget
            self.field_messages[f.key] = message
        layout.addWidget(box)

    def _build_children(self, layout: QVBoxLayout) -> None:
        box = QGroupBox(_("Chỉ tiêu thành phần"), self)
        col = QVBoxLayout(box)
        for child in self.indicator.children:
            button = QPushButton(f"{child.code}  {child.name}", box)
            button.setFlat(True)
            button.setStyleSheet("text-align: left;")
            button.clicked.connect(lambda _checked=False, c=child.code: self.open_indicator.emit(c))
            col.addWidget(button)
        layout.addWidget(box)

    # --- behaviour ------------------------------------------------------------------

    def _edited(self, key: str, value) -> None:
        self.session.set_value(self.code, key, value)

    def flush(self) -> None:
        """Save what is pending (the note) now: called when the page is left or the app closes."""
        if self.note is not None and not self.session.read_only:
            self._note_timer.stop()
            self.session.set_note(self.code, self.note.toPlainText())

    def refresh(self, load_values: bool = False) -> None:
        why = self.session.not_applicable(self.code)
        if self.not_applicable is not None:
            self.not_applicable.refresh()
        # nothing to answer for what does not apply: its inputs are kept, but locked
        read_only = self.session.read_only or why is not None
        self._refresh_inputs(load_values, read_only)
        self._refresh_problems()
        self._refresh_points(why)
        if load_values and self.evidence is not None:
            self.evidence.reload()

    def _refresh_inputs(self, load_values: bool, read_only: bool) -> None:
        for key, widget in self.field_widgets.items():
            if load_values:
                widget.set_value(self.session.value(self.code, key))
            widget.set_read_only(read_only or widget.field.province_supplied)
        for key, label in self.source_labels.items():
            fld = self.indicator.field(key)
            told = self.session.supplied_sources.get(f"{self.code}/{key}")
            source = told or (fld.supplied_source if fld is not None else "")
            label.setText(_("Giá trị do tỉnh cung cấp, xã không sửa. Nguồn: {source}", source=source))  # fmt: skip
        if load_values and self.note is not None:
            self.note.blockSignals(True)
            self.note.setPlainText(self.session.notes.get(self.code, ""))
            self.note.blockSignals(False)
            self.note.setReadOnly(read_only)

    def _refresh_problems(self) -> None:
        problems = self.session.problems(self.code) if not self.indicator.children else []
        by_field: dict[str, list[Problem]] = {}
        general: list[Problem] = []
        for p in problems:
            about = field_of(p, self.indicator)
            (by_field.setdefault(about, []) if about else general).append(p)
        for key, label in self.field_messages.items():
            show_problems(label, by_field.get(key, []))
        show_problems(self.messages, general)

    def _refresh_points(self, why: str | None) -> None:
        points = self.session.score().indicators.get(self.code)
        rounding = self.session.cs.rounding  # as the tree and the report show it (4,29/30)
        text = _(
            "Điểm: {points}/{max}",
            points=format_points(points, rounding),
            max=format_points(self.indicator.max_points, rounding),
        )
        if self.indicator.unscored:
            text = _("Không tính điểm")
        met = is_met(self.indicator, self.session.answers)
        if met is not None:
            text = (_("Đạt") if met else _("Chưa đạt")) + " · " + text
        reason = None if self.indicator.children else self.session.zero_reason(self.code)
        if why is not None:
            text, reason = why_text(self.session.cs, self.code, why, self.session.marks), None
        elif reason is not None:
            # the value's own message is beside its field: say only why the points are 0
            about = field_of(reason, self.indicator)
            fld = self.indicator.field(about) if about else None
            text += " " + (
                _("(chưa tính điểm khi “{field}” còn lỗi)", field=fld.label)
                if fld is not None
                else _("(chưa tính điểm khi số liệu còn lỗi)")
            )
        self.points_label.setText(text)
        self.points_label.setStyleSheet(ERROR_STYLE if reason is not None else "")

    def focus_first(self) -> None:
        if self.field_widgets:
            next(iter(self.field_widgets.values())).focus_widget().setFocus()
