"""Collector / province mode of the application (see ``docs/collector.md``).

``open_collector_window(data_dir, runner)`` builds the window on ``<data_dir>/collector.sqlite`` (``paths.COLLECTOR_DB_FILE``)
with the trust registry ``<data_dir>/trust.json``, the criteria sets the app knows, and bundle
signing with the key in ``<data_dir>/keys`` (the passphrase is asked when a bundle is exported).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from local_db.paths import COLLECTOR_DB_FILE, KEYS_DIR, TRUST_FILE


def ask_passphrase(parent: Any) -> str | None:
    """A small modal dialog; None when cancelled."""
    from desktop.qt import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout
    from forms.i18n import _

    dialog = QDialog(parent)
    dialog.setWindowTitle(_("Ký gói chuyển tiếp"))
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(_("Mật khẩu khóa ký của đơn vị tổng hợp:"), dialog))
    field = QLineEdit(dialog)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    layout.addWidget(field)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return field.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


def key_signer(
    window: Any, keys_dir: Path, ask: Callable[[Any], str | None] = ask_passphrase
) -> Callable[[], Any]:
    """A ``bundle_signer`` for ``window``: asks the passphrase, opens the key, explains failures."""

    def signer() -> Any:
        from desktop.qt import QMessageBox
        from forms.i18n import _
        from forms.packages import keys

        passphrase = ask(window)
        if passphrase is None:
            return None
        try:
            from desktop.key_unlock import load_signer_busy

            return load_signer_busy(window, keys_dir, passphrase)
        except (keys.KeyFileError, OSError, ValueError):
            QMessageBox.warning(
                window,
                _("Xuất gói chuyển tiếp"),
                _(
                    "Không mở được khóa ký trong {path}: sai mật khẩu hoặc chưa có khóa",
                    path=str(keys_dir),
                ),
            )
            return None

    return signer


def open_collector_window(
    data_dir: Path,
    runner: Any = None,
    extra_criteria: list[Any] | None = None,
    settings: Any = None,
    ask_db_password: Callable[[Any, str], str | None] | None = None,
) -> Any:
    """The window on the database the settings remember (``settings.COLLECTOR_DB``: the
    embedded file, or a server whose password ``ask_db_password`` asks), else the file."""
    from desktop.collector.window import CollectorWindow
    from forms.packages import keys
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_sets

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    trust = TrustRegistry.load(data_dir / TRUST_FILE)
    from desktop import settings as opts
    from desktop.collector.connection import open_saved

    embedded = data_dir / COLLECTOR_DB_FILE
    saved = settings.get(opts.COLLECTOR_DB) if settings is not None else ""
    store, note = open_saved(saved, embedded, ask=ask_db_password)
    window = CollectorWindow(
        embedded, trust, [*reference_sets(), *(extra_criteria or [])], runner,
        settings=settings, data_dir=data_dir, store=store,
    )  # fmt: skip
    if note:
        window.status_label.setText(note)
    keys_dir = data_dir / KEYS_DIR
    window.bundle_signer = key_signer(window, keys_dir)
    try:
        window.collector_name = keys.load_public(keys_dir).name
    except (keys.KeyFileError, OSError, ValueError):
        window.collector_name = ""
    return window
