"""The collector window's "Kết nối cơ sở dữ liệu…": the embedded SQLite file or a PostgreSQL
server, tried before it is used (``local_db.collector.probe``) and remembered without its
password (``settings.COLLECTOR_DB``).

The password is typed in the dialog (or asked when a remembered server wants one at start),
kept in memory only, never in the settings, a log line or a message; with it left empty libpq
reads ``.pgpass`` / ``PGPASSFILE`` itself. Trying, creating the schema and checking before
saving run on the window's task runner, off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop import settings as opts
from desktop.collector.host import CollectorHost
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.tasks import TaskRunner
from forms.i18n import _
from local_db.collector import probe
from local_db.collector.db_url import is_url, masked

AskPassword = Callable[[Any, str], str | None]  # (parent, masked URL) -> password or None


class ConnectDialog(QDialog):
    verdict_shown = Signal(object)  # probe.Verdict, once its sentence is in ``verdict``

    def __init__(
        self, runner: TaskRunner, saved: str, embedded: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.embedded_path = embedded
        self.store: Any = None  # the CollectorStore opened by a successful save
        self.setWindowTitle(_("Kết nối cơ sở dữ liệu"))
        layout = QVBoxLayout(self)
        self.embedded = QRadioButton(_("Tệp SQLite trong thư mục dữ liệu (mặc định): {path}", path=str(embedded)), self)  # fmt: skip
        self.server = QRadioButton(_("Máy chủ PostgreSQL (nhiều cán bộ cùng làm việc)"), self)
        layout.addWidget(self.embedded)
        layout.addWidget(self.server)
        self.form = QWidget(self)
        form = QFormLayout(self.form)
        fields = probe.fields_of(saved) if is_url(saved) else probe.ServerFields()
        self.host = QLineEdit(fields.host, self.form)
        self.host.setPlaceholderText(_("tên máy, địa chỉ IP, hoặc thư mục socket như /run/postgresql"))  # fmt: skip
        self.port = QSpinBox(self.form)
        self.port.setRange(1, 65535)
        self.port.setValue(fields.port)
        self.database = QLineEdit(fields.database, self.form)
        self.user = QLineEdit(fields.user, self.form)
        self.password = QLineEdit(self.form)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("không lưu lại; để trống nếu dùng .pgpass"))
        form.addRow(_("Máy chủ"), self.host)
        form.addRow(_("Cổng"), self.port)
        form.addRow(_("Cơ sở dữ liệu"), self.database)
        form.addRow(_("Người dùng"), self.user)
        form.addRow(_("Mật khẩu"), self.password)
        layout.addWidget(self.form)
        row = QHBoxLayout()
        self.test_button = QPushButton(_("Thử kết nối"), self)
        self.test_button.clicked.connect(lambda _c=False: self.test_connection())
        self.create_button = QPushButton(_("Tạo cấu trúc dữ liệu dti-desk"), self)
        self.create_button.setVisible(False)
        self.create_button.clicked.connect(lambda _c=False: self.create_schema())
        row.addWidget(self.test_button)
        row.addWidget(self.create_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        layout.addWidget(self.verdict)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.server if is_url(saved) else self.embedded).setChecked(True)
        self.server.toggled.connect(lambda _on: self._kind_changed())
        self._kind_changed()

    def _kind_changed(self) -> None:
        self.form.setEnabled(self.server.isChecked())
        self.test_button.setEnabled(self.server.isChecked())
        self.create_button.setVisible(False)
        self.verdict.clear()

    def fields(self) -> probe.ServerFields:
        return probe.ServerFields(
            self.host.text().strip(), self.port.value(), self.database.text().strip(),
            self.user.text().strip(),
        )  # fmt: skip

    def target(self) -> str | Path:
        """The SQLite file, or the server's URL with the typed password (memory only)."""
        if self.embedded.isChecked():
            return self.embedded_path
        return probe.server_url(self.fields(), self.password.text())

    def _busy(self, busy: bool) -> None:
        for widget in (self.test_button, self.create_button, self.buttons):
            widget.setEnabled(not busy)
        if busy:
            self.verdict.setText(_("Đang kết nối…"))

    def _show(self, verdict: probe.Verdict) -> None:
        self._busy(False)
        self.verdict.setText(verdict.message)
        self.create_button.setVisible(verdict.code == probe.NOT_COLLECTOR)
        self.verdict_shown.emit(verdict)

    def _missing(self) -> str:
        fields = self.fields()
        if not fields.host or not fields.database or not fields.user:
            return _("Hãy nhập máy chủ, cơ sở dữ liệu và người dùng.")
        return ""

    def _probe(self, then: Callable[[probe.Verdict], None]) -> None:
        missing = self._missing()
        if missing:
            self._show(probe.Verdict(probe.UNREACHABLE, missing))
            return
        url = str(self.target())
        self._busy(True)
        self.runner.run(
            lambda: probe.probe(url), on_done=then,
            on_error=lambda exc: self._show(probe.Verdict(probe.UNREACHABLE, str(exc))),
        )  # fmt: skip

    def test_connection(self) -> None:
        """ "Thử kết nối": the verdict, off the GUI thread."""
        self._probe(self._show)

    def create_schema(self) -> None:
        url = str(self.target())
        self._busy(True)
        self.runner.run(
            lambda: probe.create_schema(url), on_done=lambda _r: self.test_connection(),
            on_error=lambda exc: self._show(probe.Verdict(probe.UNREACHABLE, str(exc))),
        )  # fmt: skip

    def save(self) -> None:
        """Open the chosen database (a server only once its verdict is "ready") and accept."""
        if self.embedded.isChecked():
            self._open(self.embedded_path)
            return

        def checked(verdict: probe.Verdict) -> None:
            if verdict.ok:
                self._open(str(self.target()))
            else:
                self._show(verdict)

        self._probe(checked)

    def _open(self, target: str | Path) -> None:
        from local_db.collector import CollectorStore

        try:
            self.store = CollectorStore(target)
        except Exception as exc:  # noqa: BLE001 - told in the dialog, the window keeps its store
            self._show(probe.Verdict(probe.UNREACHABLE, str(exc)))
            return
        self.accept()


def choose_database(window: CollectorHost) -> ConnectDialog:
    """The dialog, then (when saved) the window on the chosen database, remembered."""
    saved = window.settings.get(opts.COLLECTOR_DB) if window.settings is not None else ""
    current = window.store.url
    dialog = ConnectDialog(window.runner, current or saved, window.db_path, window)
    if window.exec_dialog(dialog) and dialog.store is not None:
        window.switch_store(dialog.store)
        if window.settings is not None:
            url = dialog.store.url
            window.settings.set(opts.COLLECTOR_DB, probe.without_password(url) if url else "")
            window.settings.sync()
    return dialog


def ask_password(parent: Any, name: str) -> str | None:
    from desktop.qt import QInputDialog

    text, ok = QInputDialog.getText(
        parent, _("Kết nối cơ sở dữ liệu"), _("Mật khẩu cho {name}:", name=name),
        QLineEdit.EchoMode.Password,
    )  # fmt: skip
    return text if ok else None


def open_saved(
    saved: str, embedded: Path, parent: Any = None, ask: AskPassword | None = None
) -> tuple[Any, str]:
    """The store the window starts on: the remembered server (the password asked when it
    wants one), else the embedded file; and a sentence for the status bar when the server
    could not be used."""
    from local_db.collector import CollectorStore

    if not is_url(saved):
        return CollectorStore(embedded), ""
    ask = ask or ask_password
    url = saved
    verdict = probe.probe(url)
    while verdict.code in probe.PASSWORD_CODES:
        password = ask(parent, masked(saved))
        if password is None:
            break
        url = probe.server_url(probe.fields_of(saved), password)
        verdict = probe.probe(url)
    if verdict.ok:
        try:
            return CollectorStore(url), ""
        except Exception as exc:  # noqa: BLE001 - the embedded file instead, and why
            verdict = probe.Verdict(probe.UNREACHABLE, str(exc))
    note = _("Không dùng được máy chủ đã chọn: {reason} Đang dùng tệp SQLite {path}.", reason=verdict.message, path=str(embedded))  # fmt: skip
    return CollectorStore(embedded), note
