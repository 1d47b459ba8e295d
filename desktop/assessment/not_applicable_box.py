"""The page's "Không áp dụng" box (issue 16): where the set allows it, the officer marks the
indicator not applicable and must say why; where the set does not apply it to the unit
(its kind or code), the box only says so. The session keeps the mark (autosaved) and
re-scores; a reason it cannot keep is said under the input."""

from __future__ import annotations

from desktop.assessment.session import AssessmentSession, MarkRejected
from desktop.qt import QCheckBox, QGroupBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from forms.applicability import MAX_REASON_CHARS, NaReason, why_text
from forms.criteria import Indicator
from forms.i18n import _

ERROR_STYLE = "color: #c62828;"
GREY_STYLE = "color: #6b6b6b;"


class NotApplicableBox(QGroupBox):
    def __init__(self, session: AssessmentSession, indicator: Indicator, parent: QWidget) -> None:
        super().__init__(_("Không áp dụng"), parent)
        self.session = session
        self.code = indicator.code
        self.markable = indicator.may_be_not_applicable
        layout = QVBoxLayout(self)
        self.why = QLabel(self)  # not applicable by the set's rule: why, greyed
        self.why.setWordWrap(True)
        self.why.setStyleSheet(GREY_STYLE)
        layout.addWidget(self.why)
        self.check = QCheckBox(_("Chỉ tiêu này không áp dụng cho đơn vị"), self)
        self.reason = QLineEdit(self)
        self.reason.setMaxLength(MAX_REASON_CHARS)
        self.reason.setPlaceholderText(_("Lý do không áp dụng (bắt buộc)"))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        for widget in (self.check, self.reason, self.message):
            layout.addWidget(widget)
            widget.setVisible(self.markable)
        self.message.setVisible(False)
        self.check.toggled.connect(self._toggled)
        self.reason.editingFinished.connect(self._save)
        self.load()

    def load(self) -> None:
        """The stored mark into the inputs (without saving it again)."""
        reason = self.session.marks.get(self.code)
        for widget in (self.check, self.reason):
            widget.blockSignals(True)
        self.check.setChecked(reason is not None)
        self.reason.setText(reason or "")
        self.reason.setEnabled(reason is not None)
        for widget in (self.check, self.reason):
            widget.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        why = self.session.not_applicable(self.code)
        by_rule = why is not None and why != NaReason.MARKED.value
        if why is not None and by_rule:
            self.why.setText(why_text(self.session.cs, self.code, why, self.session.marks))
        self.why.setVisible(by_rule)
        read_only = self.session.read_only or by_rule
        self.check.setEnabled(not read_only)
        self.reason.setReadOnly(read_only)
        self.setVisible(self.markable or by_rule)

    def _toggled(self, on: bool) -> None:
        self.reason.setEnabled(on)
        if on:
            if self.reason.text().strip():
                self._save()
            else:
                self._say(_("Cần ghi lý do không áp dụng."))
                self.reason.setFocus()
            return
        self._say("")
        self.session.set_mark(self.code, None)

    def _save(self) -> None:
        if not self.check.isChecked() or self.session.read_only:
            return
        try:
            self.session.set_mark(self.code, self.reason.text())
        except MarkRejected as exc:
            self._say(str(exc))
            return
        self._say("")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
