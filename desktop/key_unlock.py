"""Opening the officer's signing key without freezing the window.

The key file is sealed with scrypt (about 0.4 s, more on a busy PC: that is what makes a
stolen file's passphrase expensive to guess), so opening it on the GUI thread froze the
collector and reviewer windows for that long. Here the work runs on a thread (scrypt releases
the GIL) while a local event loop keeps the window painting behind a small "đang mở khóa"
box; the caller still gets the signer, or the key error, as a plain return or raise.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from desktop.qt import QEventLoop, QProgressDialog, Qt, QTimer, QWidget
from forms.i18n import _


def load_signer_busy(parent: QWidget | None, keys_dir: Path, passphrase: str) -> Any:
    """``forms.packages.keys.load_signer`` off the GUI thread, the window kept responsive."""
    from forms.packages import keys

    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["signer"] = keys.load_signer(keys_dir, passphrase)
        except BaseException as exc:  # handed to the caller's thread, re-raised there
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="dti-desk-key", daemon=True)
    busy = QProgressDialog(_("Đang mở khóa ký…"), "", 0, 0, parent)
    busy.setCancelButton(None)  # scrypt cannot be interrupted; it ends in about a second
    busy.setWindowModality(Qt.WindowModality.WindowModal)
    busy.setMinimumDuration(300)  # no flash when the PC is fast
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(lambda: None if worker.is_alive() else loop.quit())
    worker.start()
    poll.start()
    loop.exec()
    poll.stop()
    busy.close()
    busy.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["signer"]
