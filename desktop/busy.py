"""Work the GUI thread must wait for, done on a thread while the window keeps painting.

Some steps cannot go on without their result (opening the signing key before a signature, the
remembered server before the collector window shows its data), yet take long enough to freeze
the window: scrypt's ~0.4 s, a server that does not answer for its 5 s connect timeout. Here
the work runs on a thread while a local event loop keeps the windows painting behind a small
"đang …" box; the caller still gets the result, or the error, as a plain return or raise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from desktop.qt import QEventLoop, QProgressDialog, Qt, QTimer, QWidget

T = TypeVar("T")


def run_busy(parent: QWidget | None, text: str, work: Callable[[], T]) -> T:
    """``work()`` on a thread, ``text`` shown meanwhile (after 0.3 s, so a fast PC sees no
    flash); its result returned or its exception raised on the caller's thread."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller's thread, re-raised there
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="dti-desk-busy", daemon=True)
    busy = QProgressDialog(text, "", 0, 0, parent)
    busy.setCancelButton(None)  # neither scrypt nor libpq's connect can be interrupted
    busy.setWindowModality(Qt.WindowModality.WindowModal)
    busy.setMinimumDuration(300)
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
    return outcome["value"]
