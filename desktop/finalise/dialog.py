"""“Kiểm tra & hoàn tất”: every problem (errors block, warnings need a tick), then sign and export.

Each problem is clickable: it takes the officer to its indicator. The dialog collects the
decision (the app's key and its passphrase, or a certificate on the USB token and its PIN;
optionally the organisation's certificate as a second signer, Decree 30/2020/NĐ-CP; the
folder); the commune controller does the work and reports back
through ``show_done`` / ``show_error``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from desktop import settings as opts
from desktop.assessment.session import AssessmentSession
from desktop.finalise.token_panel import (
    TokenChoice,
    TokenPanel,
    ask_pin,
    same_token,
    saved_choice,
)
from desktop.format import format_points
from desktop.qt import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QStandardPaths,
    QStyle,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.i18n import _
from forms.problems import Level, Problem

PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 30


def indicator_code(problem: Problem, session: AssessmentSession) -> str:
    """The indicator a problem is about: the longest known code at the start of ``where``."""
    token = re.split(r"[/: ,\[]", (problem.where or "").strip(), maxsplit=1)[0]
    while token:
        if session.cs.find(token) is not None:
            return token
        token = token.rpartition(".")[0]
    return ""


class FinaliseDialog(QDialog):
    go_to = Signal(str)  # an indicator code
    export_requested = Signal(str, str)  # passphrase, output folder
    token_export_requested = Signal(object, str, str)  # TokenChoice, PIN, output folder
    # chairman's TokenChoice (None: the app's key), its PIN (or the passphrase), the
    # organisation's TokenChoice, its PIN ("" when on the chairman's token), output folder
    two_signatures_requested = Signal(object, str, object, str, str)
    pdf_requested = Signal(str)  # output file
    copy_requested = Signal(str)  # where to save another copy of the sent package

    def __init__(
        self,
        session: AssessmentSession,
        settings: Settings | None = None,
        parent: QWidget | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.runner = runner or TaskRunner()
        # asks the token's PIN when signing (tests answer it); never kept, never asked twice
        self.ask_pin: Callable[[TokenChoice], str | None] = lambda choice: ask_pin(self, choice)
        self.setWindowTitle(_("Kiểm tra & hoàn tất"))
        layout = QVBoxLayout(self)
        self._build_problems(layout)
        layout.addLayout(self._build_form())
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        layout.addLayout(self._build_buttons())

        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        self.list.itemChanged.connect(lambda *_a: self._update_buttons())
        self.passphrase.textChanged.connect(lambda *_a: self._update_buttons())
        self.token_panel.changed.connect(self._update_buttons)
        self.with_token.toggled.connect(self._mode_changed)
        self.org_panel.changed.connect(self._update_buttons)
        self.with_org.toggled.connect(self._org_changed)
        self.export_button.clicked.connect(self._export)
        self.pdf_button.clicked.connect(self._pdf)
        self.copy_button.clicked.connect(self._save_copy)
        self.close_button.clicked.connect(self.reject)
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 100, self.fontMetrics().height() * 32)
        self.refresh()
        saved = saved_choice(settings)  # the wizard's choice: start with it
        if saved is not None:
            self.token_panel.prefer(*saved)
            self.with_token.setChecked(True)

    def _build_problems(self, layout: QVBoxLayout) -> None:
        """The summary, the list of problems and how to use it."""
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        layout.addWidget(self.list, 1)
        hint = QLabel(
            _(
                "Bấm đúp vào một dòng để tới chỉ tiêu đó. Đánh dấu vào ô để xác nhận đã xem cảnh báo."
            ),
            self,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)

    def _build_form(self) -> QFormLayout:
        """Where the package goes and the signing key's passphrase."""
        form = QFormLayout()
        self.folder = QLineEdit(self)
        default = (
            self.settings.get(opts.LAST_EXPORT_DIR) if self.settings else ""
        ) or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        self.folder.setText(default)
        browse = QPushButton(_("Chọn…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form.addRow(_("Lưu gói nộp vào thư mục"), row)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("mật khẩu của khóa ký"))
        self.with_key = QRadioButton(_("Khóa ký của ứng dụng"), self)
        self.with_token = QRadioButton(_("Chữ ký số trên USB token"), self)
        self.with_key.setChecked(True)
        choice = QHBoxLayout()
        choice.addWidget(self.with_key)
        choice.addWidget(self.with_token)
        choice.addStretch(1)
        form.addRow(_("Ký bằng"), choice)
        form.addRow(_("Mật khẩu khóa ký"), self.passphrase)
        self.token_panel = TokenPanel(self.runner, self)
        self.token_panel.setVisible(False)
        form.addRow(self.token_panel)
        self.with_org = QCheckBox(_("Cơ quan ký thêm bằng chứng thư số của cơ quan (Nghị định 30/2020/NĐ-CP)"), self)  # fmt: skip
        form.addRow(self.with_org)
        self.org_panel = TokenPanel(self.runner, self)  # the same panel, the second signer
        self.org_panel.setVisible(False)
        form.addRow(self.org_panel)
        return form

    def _org_changed(self, on: bool) -> None:
        panel = self.org_panel
        panel.setVisible(on)
        if on and not panel.certificates.topLevelItemCount():
            chairman = self.token_panel.driver.currentText()
            if chairman and self.with_token.isChecked():
                panel.driver.setEditText(chairman)  # often the same driver, or the same token
            if panel.driver.currentText():
                panel.read_tokens()
        self._update_buttons()

    def _mode_changed(self, on_token: bool) -> None:
        self.token_panel.setVisible(on_token)
        panel = self.token_panel
        if on_token and not panel.certificates.topLevelItemCount() and panel.driver.currentText():
            panel.read_tokens()  # the driver found on this PC: its certificates straight away
        self._update_buttons()

    def _build_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.pdf_button = QPushButton(_("In báo cáo PDF…"), self)
        # shown once a package has been sent: the same bytes again, never a new submission
        self.copy_button = QPushButton(_("Lưu thêm một bản gói đã nộp…"), self)
        self.copy_button.setToolTip(
            _(
                "Ghi lại đúng gói đã ký và nộp (ví dụ khi mất USB). Nơi tổng hợp coi đó là cùng một bài nộp."
            )
        )
        self.copy_button.setVisible(False)
        self._sent_name: str | None = None
        self.export_button = QPushButton(_("Ký và xuất gói nộp"), self)
        self.export_button.setToolTip(
            _(
                "Ghi gói nộp và báo cáo PDF cạnh nhau vào thư mục đã chọn; báo cáo cũng nằm trong gói."
            )
        )
        self.export_button.setDefault(True)
        self.close_button = QPushButton(_("Đóng"), self)
        # Enter means "Ký" whichever button last had focus: a focused auto-default button
        # takes over Enter, and after a wrong passphrase it was "Đóng" (issue 15)
        for button in (self.pdf_button, self.copy_button, self.close_button):
            button.setAutoDefault(False)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        return buttons

    # --- problems -------------------------------------------------------------------

    def refresh(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        problems = [
            p for p in self.session.all_problems() if p.level in (Level.ERROR, Level.WARNING)
        ]
        style = self.style()
        for p in sorted(problems, key=lambda p: (p.level is not Level.ERROR,)):
            item = QListWidgetItem(p.message)
            item.setData(PROBLEM_ROLE, p)
            if p.level is Level.ERROR:
                item.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            else:
                item.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._update_buttons()

    def errors(self) -> list[Problem]:
        return [self.list.item(i).data(PROBLEM_ROLE) for i in range(self.list.count())
                if self.list.item(i).data(PROBLEM_ROLE).level is Level.ERROR]  # fmt: skip

    def unacknowledged(self) -> list[QListWidgetItem]:
        return [
            self.list.item(i)
            for i in range(self.list.count())
            if self.list.item(i).data(PROBLEM_ROLE).level is Level.WARNING
            and self.list.item(i).checkState() != Qt.CheckState.Checked
        ]

    def acknowledge_all(self) -> None:
        for item in self.unacknowledged():
            item.setCheckState(Qt.CheckState.Checked)

    def _update_buttons(self) -> None:
        errors = len(self.errors())
        pending = len(self.unacknowledged())
        warnings = sum(
            1
            for i in range(self.list.count())
            if self.list.item(i).data(PROBLEM_ROLE).level is Level.WARNING
        )
        sc = self.session.score()
        head = _("Tổng điểm {points}/{max}, xếp loại dự kiến {label}.", points=format_points(sc.published_total),
                 max=format_points(self.session.cs.total_points), label=sc.classification)  # fmt: skip
        if self.session.read_only:
            # already signed and sent: the problem list no longer asks for anything
            state = _(
                "Bản đánh giá này đã hoàn tất và chỉ còn để xem. Muốn sửa, chọn Tệp → Mở lại để sửa (lần sửa đổi mới)."
            )
        elif errors:
            state = _("Còn {n} lỗi phải sửa trước khi hoàn tất.", n=errors)
        elif pending:
            state = _(
                "Không có lỗi. Còn {n}/{total} cảnh báo cần xác nhận đã xem.",
                n=pending,
                total=warnings,
            )
        else:
            state = _("Không có lỗi; mọi cảnh báo đã được xác nhận. Có thể ký và xuất gói nộp.")
        self.summary.setText(head + "\n" + state)
        ready = not errors and not pending and not self.session.read_only
        on_token = self.with_token.isChecked()
        signable = (
            self.token_panel.chosen() is not None if on_token else bool(self.passphrase.text())
        )
        second = not self.with_org.isChecked() or self.org_panel.chosen() is not None
        self.export_button.setEnabled(ready and signable and second)
        self.passphrase.setEnabled(ready and not on_token)

    def _activated(self, item: QListWidgetItem) -> None:
        code = indicator_code(item.data(PROBLEM_ROLE), self.session)
        if code:
            self.go_to.emit(code)

    # --- actions --------------------------------------------------------------------

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, _("Chọn thư mục lưu gói nộp"), self.folder.text()
        )
        if folder:
            self.folder.setText(folder)

    def _export(self) -> None:
        choice = self.token_panel.chosen() if self.with_token.isChecked() else None
        org = self.org_panel.chosen() if self.with_org.isChecked() else None
        pin = None
        if choice is not None:
            pin = self.ask_pin(choice)
            if not pin:
                self.message.setStyleSheet("")
                self.message.setText(_("Chưa ký: chưa nhập mã PIN của token."))
                return
        org_pin = ""
        if org is not None and not same_token(choice, org):  # one token: one login
            org_pin = self.ask_pin(org) or ""
            if not org_pin:
                self.message.setStyleSheet("")
                self.message.setText(_("Chưa ký: chưa nhập mã PIN token của cơ quan."))
                return
        if self.settings:
            self.settings.set(opts.LAST_EXPORT_DIR, self.folder.text())
        self.message.setStyleSheet("")
        self.message.setText(_("Đang ký và đóng gói…"))
        self.export_button.setEnabled(False)
        if org is not None:
            secret = pin if choice is not None and pin else self.passphrase.text()
            self.two_signatures_requested.emit(choice, secret, org, org_pin, self.folder.text())
        elif choice is not None and pin:
            self.token_export_requested.emit(choice, pin, self.folder.text())
        else:
            self.export_requested.emit(self.passphrase.text(), self.folder.text())

    def _pdf(self, _checked: bool = False, path: str = "") -> None:
        if not path:
            suggested = str(
                Path(self.folder.text())
                / _("bao-cao-tu-danh-gia-{year}.pdf", year=self.session.year)
            )
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Lưu báo cáo PDF"), suggested, _("Tệp PDF (*.pdf)")
            )
        if path:
            self.message.setStyleSheet("")
            self.message.setText(_("Đang tạo báo cáo PDF…"))
            self.pdf_requested.emit(path)

    def offer_copy(self, sent_name: str | None) -> None:
        """Offer another copy of the sent package, named as it was sent (None: nothing sent,
        or no intact copy kept)."""
        self._sent_name = sent_name
        self.copy_button.setVisible(sent_name is not None)

    def _save_copy(self, _checked: bool = False, path: str = "") -> None:
        if self._sent_name is None:
            return
        if not path:
            suggested = str(Path(self.folder.text()) / self._sent_name)
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Lưu bản sao gói đã nộp"), suggested, _("Gói nộp DTI (*.dtipkg)")
            )
        if path:
            self.message.setStyleSheet("")
            self.message.setText(_("Đang lưu bản sao gói nộp…"))
            self.copy_requested.emit(path)

    def show_done(self, text: str) -> None:
        self.passphrase.clear()
        self.message.setStyleSheet("color: #2e7d32;")
        self.message.setText(text)
        self._update_buttons()

    def show_error(self, text: str) -> None:
        self.message.setStyleSheet("color: #c62828;")
        self.message.setText(text)
        self._update_buttons()
        if self.passphrase.isEnabled():  # a wrong passphrase: type it again, Enter signs
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            self.export_button.setDefault(True)
