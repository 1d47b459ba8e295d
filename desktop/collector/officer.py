"""Who is making the changes: the officer's name, asked once per collector session.

The collector's audit (``local_db.review.versions``) names the officer of every review edit,
conflict decision, "not ranked" mark and issued review. The window asks the name the first
time one of those is made, in this small dialog, and keeps it on its ``CollectorSession``
only: the next session asks again rather than writing as whoever used the PC before.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop.qt import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from forms.i18n import _
from local_db.review.collector import ReviewError, officer_name


class OfficerDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Cán bộ thực hiện"))
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(_("Họ và tên"))
        self.name.setMaxLength(200)  # checked below: at most 120 once trimmed
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        explain = QLabel(
            _(
                "Các thay đổi trong phiên làm việc này (thẩm định, chọn bài nộp hiện hành, "
                "đánh dấu không xếp hạng) được ghi vào nhật ký với tên của bạn."
            ),
            self,
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        layout.addWidget(self.name)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            officer_name(self.name.text())
        except ReviewError as exc:
            self.problem.setText(str(exc))
            return
        super().accept()

    def value(self) -> str:
        return officer_name(self.name.text())


def officer_asker(
    parent: QWidget, exec_dialog: Callable[[QDialog], bool]
) -> Callable[[], str | None]:
    """``CollectorSession.ask_officer`` for a window: its dialog, run by ``exec_dialog``."""

    def ask() -> str | None:
        dialog = OfficerDialog(parent)
        try:
            return dialog.value() if exec_dialog(dialog) else None
        finally:
            dialog.deleteLater()

    return ask
