"""The main window. Its content grows with the assessment editor and the collector views."""

from __future__ import annotations

from desktop.qt import QLabel, QMainWindow, Qt
from forms.i18n import _


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(_("DTI Desk: tự đánh giá chuyển đổi số"))
        label = QLabel(_("Chào mừng đến với DTI Desk."))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(label)
        self.resize(1100, 720)
