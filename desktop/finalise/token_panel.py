"""“Chữ ký số trên USB token” in the finalise dialog: the driver, the certificates, the PIN.

The officer picks the CA's PKCS#11 driver (the known install paths of the common Vietnamese CA
drivers are offered where they exist on this PC, or any file through "Chọn…"), reads the
plugged-in tokens (public objects only, no PIN, on a worker: a driver can take seconds), and
picks a certificate: subject, issuer, validity (dd/mm/yyyy) and key usage shown, CA
certificates left out. The PIN is asked in :class:`PinDialog` when signing: never stored,
never retried (a wrong PIN stops the signing; the token counts attempts), with the token's
own warning when few attempts remain.

The same panel serves the setup wizard (the certificate chosen there is saved, without the
PIN, by :func:`save_choice`, and preselected here by :meth:`TokenPanel.prefer`) and the
organisation's second signature in the finalise dialog.
"""

from __future__ import annotations

import glob
import os
import sys
from dataclasses import dataclass
from typing import Any

from desktop import settings as opts
from desktop.format import format_date
from desktop.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.tasks import TaskRunner
from forms.i18n import _

CHOICE_ROLE = Qt.ItemDataRole.UserRole + 31

# where the CA installers put their PKCS#11 modules (docs/signatures.md); offered if present
WINDOWS_DRIVERS = (
    r"C:\Windows\System32\eTPKCS11.dll",  # SafeNet / Thales: the government CA's tokens
    r"C:\Windows\System32\bit4xpki.dll",  # Bit4id
)
# Viettel-CA, VNPT-CA, BkavCA, FPT-CA install "…pkcs11.dll" / "…p11.dll" files of their own
# names, which change between driver versions: found by pattern rather than listed
WINDOWS_PATTERNS = (r"C:\Windows\System32\*pkcs11*.dll", r"C:\Windows\System32\*p11*.dll")
UNIX_DRIVERS = (
    "/usr/lib/libeTPkcs11.so",  # SafeNet Authentication Client
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/x86_64-linux-gnu/libbit4xpki.so",
    "/usr/lib/softhsm/libsofthsm2.so",  # SoftHSM2: a software token (tests, training)
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
)


def known_drivers() -> list[str]:
    """The known driver paths that exist on this PC, without repeats, in the order above."""
    if sys.platform == "win32":
        found = [p for p in WINDOWS_DRIVERS if os.path.isfile(p)]
        for pattern in WINDOWS_PATTERNS:
            found += sorted(glob.glob(pattern))
    else:
        found = [p for p in UNIX_DRIVERS if os.path.isfile(p)]
    return list(dict.fromkeys(os.path.normcase(p) if sys.platform == "win32" else p for p in found))


@dataclass(frozen=True)
class TokenChoice:
    """The certificate chosen to sign with: its driver, token and CKA_ID."""

    module: str
    serial: str
    cka_id: bytes
    subject: str
    pin_warning: str | None  # what the token said of the attempts left, when read


def same_token(first: TokenChoice | None, second: TokenChoice | None) -> bool:
    """Both certificates on one token (one login, one PIN)."""
    return (
        first is not None
        and second is not None
        and (first.module, first.serial) == (second.module, second.serial)
    )


def save_choice(settings: opts.Settings, choice: TokenChoice | None) -> None:
    """Remember the driver, token serial and CKA_ID to sign with (None: the app's key)."""
    settings.set(opts.SIGNING_TOKEN_MODULE, choice.module if choice else "")
    settings.set(opts.SIGNING_TOKEN_SERIAL, choice.serial if choice else "")
    settings.set(opts.SIGNING_TOKEN_ID, choice.cka_id.hex() if choice else "")
    settings.sync()


def saved_choice(settings: opts.Settings | None) -> tuple[str, str, bytes] | None:
    """The (module, serial, CKA_ID) saved by :func:`save_choice`, or None."""
    if settings is None:
        return None
    module, wanted = settings.get(opts.SIGNING_TOKEN_MODULE), settings.get(opts.SIGNING_TOKEN_ID)
    try:
        cka_id = bytes.fromhex(wanted)
    except ValueError:
        return None
    if not module or not cka_id:
        return None
    return module, settings.get(opts.SIGNING_TOKEN_SERIAL), cka_id


def _common_name(certificate: Any) -> str:
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


class TokenPanel(QWidget):
    changed = Signal()  # the chosen certificate changed (or none is chosen)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._preferred: tuple[str, bytes] | None = None  # (serial, CKA_ID) to select
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.driver = QComboBox(self)
        self.driver.setEditable(True)
        self.driver.addItems(known_drivers())
        self.driver.setToolTip(_("Trình điều khiển PKCS#11 do nơi cấp chứng thư số cài đặt"))
        browse = QPushButton(_("Chọn…"), self)
        browse.clicked.connect(self._browse)
        self.read_button = QPushButton(_("Đọc token"), self)
        self.read_button.clicked.connect(self.read_tokens)
        row.addWidget(QLabel(_("Trình điều khiển"), self))
        row.addWidget(self.driver, 1)
        row.addWidget(browse)
        row.addWidget(self.read_button)
        layout.addLayout(row)
        self.certificates = QTreeWidget(self)
        self.certificates.setRootIsDecorated(False)
        self.certificates.setHeaderLabels(
            [_("Người được cấp"), _("Nơi cấp"), _("Hiệu lực"), _("Mục đích khóa")]
        )
        self.certificates.currentItemChanged.connect(lambda *_a: self.changed.emit())
        layout.addWidget(self.certificates, 1)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

    def prefer(self, module: str, serial: str, cka_id: bytes) -> None:
        """Start with ``module``, and select this certificate once the token is read."""
        self.driver.setEditText(module)
        self._preferred = (serial, cka_id)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Chọn trình điều khiển token"), self.driver.currentText(),
            _("Thư viện PKCS#11 (*.dll *.so *.dylib);;Mọi tệp (*)"),
        )  # fmt: skip
        if path:
            self.driver.setEditText(path)

    def read_tokens(self) -> None:
        """List the plugged-in tokens' certificates, off the GUI thread (no PIN asked)."""
        from forms.packages.token import list_tokens

        module = self.driver.currentText().strip()
        if not module:
            self.status.setText(_("Chọn trình điều khiển của token trước."))
            return
        self.certificates.clear()
        self.changed.emit()
        self.read_button.setEnabled(False)
        self.status.setText(_("Đang đọc token…"))
        self.runner.run(lambda: list_tokens(module), lambda infos: self._listed(module, infos),
                        self._failed)  # fmt: skip

    def _listed(self, module: str, infos: list[Any]) -> None:
        from forms.packages.token import pin_warning

        self.read_button.setEnabled(True)
        warnings = []
        for info in infos:
            warning = pin_warning(info.flags)
            if warning:
                warnings.append(f"{info.label}: {warning}")
            for cert in info.certificates:
                if cert.is_ca:
                    continue
                c = cert.certificate
                validity = f"{format_date(c.not_valid_before_utc)} – {format_date(c.not_valid_after_utc)}"  # fmt: skip
                usage = ", ".join(cert.key_usage) or _("không giới hạn")
                item = QTreeWidgetItem([_common_name(c), cert.issuer, validity, usage])
                item.setToolTip(0, f"{cert.subject}\n[{cert.id_hex}] {info.label} ({info.serial})")
                choice = TokenChoice(module, info.serial, cert.cka_id, cert.subject, warning)
                item.setData(0, CHOICE_ROLE, choice)
                self.certificates.addTopLevelItem(item)
        for column in range(3):
            self.certificates.resizeColumnToContents(column)
        count = self.certificates.topLevelItemCount()
        if not infos:
            text = _("Không thấy token nào: hãy cắm token rồi bấm “Đọc token”.")
        elif not count:
            text = _("Token không có chứng thư số nào để ký.")
        else:
            text = _("Chọn chứng thư số để ký ({n} chứng thư).", n=count)
        self.status.setText("\n".join([text, *warnings]))
        first = self.certificates.topLevelItem(0)
        if count == 1 and first is not None:
            self.certificates.setCurrentItem(first)
        self._select_preferred()
        self.changed.emit()

    def _select_preferred(self) -> None:
        if self._preferred is None:
            return
        serial, cka_id = self._preferred
        for index in range(self.certificates.topLevelItemCount()):
            item = self.certificates.topLevelItem(index)
            if item is None:
                continue
            choice = item.data(0, CHOICE_ROLE)
            if choice.cka_id == cka_id and serial in ("", choice.serial):
                self.certificates.setCurrentItem(item)
                return

    def _failed(self, exc: BaseException) -> None:
        from forms.packages.token import TokenError

        self.read_button.setEnabled(True)
        if not isinstance(exc, TokenError):
            raise exc
        self.status.setText(exc.message)

    def chosen(self) -> TokenChoice | None:
        item = self.certificates.currentItem()
        return item.data(0, CHOICE_ROLE) if item is not None else None


class PinDialog(QDialog):
    """The token's PIN, typed once for one signing; what the token says of attempts shown."""

    def __init__(self, choice: TokenChoice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Mã PIN của token"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Ký bằng chứng thư số: {subject}", subject=choice.subject), self))
        self.warning = QLabel(choice.pin_warning or "", self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #c62828; font-weight: bold;")
        self.warning.setVisible(bool(choice.pin_warning))
        layout.addWidget(self.warning)
        note = QLabel(_("Mã PIN không được lưu. Nhập sai sẽ dừng ký, không tự thử lại: token bị khóa sau vài lần sai."), self)  # fmt: skip
        note.setWordWrap(True)
        layout.addWidget(note)
        self.pin = QLineEdit(self)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.pin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Ký"))
        self.ok_button.setEnabled(False)
        self.pin.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text)))
        layout.addWidget(buttons)


def ask_pin(parent: QWidget | None, choice: TokenChoice) -> str | None:
    """The PIN from :class:`PinDialog` (None: cancelled); nothing keeps it after the signing."""
    dialog = PinDialog(choice, parent)
    try:
        return dialog.pin.text() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.pin.clear()
        dialog.deleteLater()
