"""The wizard's last page for a commune: sign packages with the app's key (made on the page
before) or with the chairman's certificate on a USB token ("Chữ ký số trên USB token").

The token part is the finalise dialog's own panel (``desktop.finalise.token_panel``): the
drivers found on this PC, the certificates read off the GUI thread, CA certificates left out.
What is chosen (driver path, token serial, CKA_ID; never a PIN: none is asked here) is saved by
the shell (``token_panel.save_choice``) and the finalise dialog starts with it.
"""

from __future__ import annotations

from desktop.finalise.token_panel import TokenChoice, TokenPanel, saved_choice
from desktop.qt import QHBoxLayout, QLabel, QRadioButton, QVBoxLayout, QWizardPage
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.i18n import _


class SigningPage(QWizardPage):
    def __init__(self, runner: TaskRunner, settings: Settings | None = None) -> None:
        super().__init__()
        self.setTitle(_("Cách ký gói nộp"))
        self.setSubTitle(_("Ký bằng khóa của ứng dụng, hoặc bằng chứng thư số của Chủ tịch trên USB token (do nơi cấp chứng thư số cấp). Mã PIN không được lưu: được hỏi mỗi lần ký."))  # fmt: skip
        layout = QVBoxLayout(self)
        self.with_key = QRadioButton(_("Khóa ký của ứng dụng"), self)
        self.with_token = QRadioButton(_("Chữ ký số trên USB token"), self)
        row = QHBoxLayout()
        row.addWidget(self.with_key)
        row.addWidget(self.with_token)
        row.addStretch(1)
        layout.addLayout(row)
        self.token_panel = TokenPanel(runner, self)
        self.token_panel.setVisible(False)
        layout.addWidget(self.token_panel, 1)
        self.note = QLabel(_("Khóa của ứng dụng vẫn được giữ để ký khi không có token."), self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        saved = saved_choice(settings)
        if saved is not None:
            self.token_panel.prefer(*saved)
        self.with_token.toggled.connect(self._mode_changed)
        self.token_panel.changed.connect(self.completeChanged.emit)
        (self.with_token if saved is not None else self.with_key).setChecked(True)

    def _mode_changed(self, on_token: bool) -> None:
        panel = self.token_panel
        panel.setVisible(on_token)
        if on_token and not panel.certificates.topLevelItemCount() and panel.driver.currentText():
            panel.read_tokens()  # the driver found on this PC (or saved): its certificates
        self.completeChanged.emit()

    def chosen(self) -> TokenChoice | None:
        """The certificate to sign with (None: the app's key)."""
        return self.token_panel.chosen() if self.with_token.isChecked() else None

    def isComplete(self) -> bool:
        return not self.with_token.isChecked() or self.token_panel.chosen() is not None

    def nextId(self) -> int:
        return -1
