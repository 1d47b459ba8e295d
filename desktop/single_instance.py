"""One app per data folder: a double-click while it runs hands the file to the running app.

The Windows installer associates ``.dtipkg``, ``.dtibundle`` and ``.dtireview`` with
``dti-desk open "%1"``. A collector receiving a hundred packages double-clicks them with the app
already open; a second process would only meet storage's single-instance lock ("the data folder
is in use"). Instead, ``dti-desk open`` first offers the file to the app already running on the
same data folder, which acts on it exactly as if it had been dropped on its window.

The channel is the standard library's ``multiprocessing.connection``: a named pipe on Windows, a
Unix socket elsewhere (no QtNetwork in the bundle for this). Only a process that can read the
data folder can use it: both ends authenticate with a random key kept there
(``dti-desk.ipc-key``). What travels is the file's path as UTF-8 bytes, never a pickle.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import sys
import tempfile
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener
from pathlib import Path

from desktop.qt import QObject, Signal

log = logging.getLogger("desktop")

KEY_FILE = "dti-desk.ipc-key"
MAX_MESSAGE = 64 * 1024  # a path; anything longer is not one
ACK = b"ok"


def _address(data_dir: Path) -> tuple[str, str]:
    """Where the app running on ``data_dir`` listens: one address per data folder (as the lock)."""
    digest = hashlib.sha256(os.path.normcase(str(data_dir.resolve())).encode("utf-8")).hexdigest()
    if sys.platform == "win32":
        return rf"\\.\pipe\dti-desk-{digest[:24]}", "AF_PIPE"
    user = os.getuid() if hasattr(os, "getuid") else 0
    # in the temporary folder, not the data folder: a Unix socket path must stay short
    return os.path.join(tempfile.gettempdir(), f"dti-desk-{user}-{digest[:24]}.sock"), "AF_UNIX"


def _read_key(data_dir: Path) -> bytes | None:
    try:
        key = (data_dir / KEY_FILE).read_bytes()
    except OSError:
        return None
    return key if len(key) >= 16 else None


def _create_key(data_dir: Path) -> bytes:
    key = secrets.token_bytes(32)
    temp = data_dir / f".{KEY_FILE}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        os.write(fd, key)
    finally:
        os.close(fd)
    os.replace(temp, data_dir / KEY_FILE)
    return key


def forward(data_dir: Path, file: Path, timeout: float = 3.0) -> bool:
    """Hand ``file`` to the app running on ``data_dir``; True once that app has taken it.

    False (quickly) when no app runs there, or it could not be reached: the caller then
    starts the app itself."""
    key = _read_key(data_dir)
    if key is None:
        return False
    address, family = _address(data_dir)
    if family == "AF_UNIX" and not os.path.exists(address):
        return False
    try:
        with Client(address, family, authkey=key) as conn:
            conn.send_bytes(str(file.resolve()).encode("utf-8"))
            return bool(conn.poll(timeout)) and conn.recv_bytes(16) == ACK
    except (OSError, EOFError, AuthenticationError, ValueError) as exc:
        log.info("no running app to hand %s to: %s", file, exc)
        return False


def forward_when_up(data_dir: Path, file: Path, wait: float = 5.0) -> bool:
    """``forward``, retried while the other app is still starting (it holds the lock before it
    listens): two double-clicks at once must not leave the second with an error."""
    deadline = time.monotonic() + wait
    while True:
        if forward(data_dir, file):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


class FileReceiver(QObject):
    """Listens for files handed over by ``forward``; ``file_received`` fires on the GUI thread.

    Start it only while holding the data folder's lock: a leftover socket file from a crashed
    run is then known to be stale and is replaced."""

    file_received = Signal(str)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._key = _read_key(data_dir) or _create_key(data_dir)
        self._address, self._family = _address(data_dir)
        if self._family == "AF_UNIX":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._address)
        self._listener = Listener(self._address, self._family, authkey=self._key)
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="dti-desk-open", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn = self._listener.accept()
            except (OSError, EOFError, AuthenticationError) as exc:
                if self._closed:
                    return
                log.info("a connection to the running app was refused: %s", exc)
                continue
            with conn:
                if self._closed:  # the wake-up call from close()
                    return
                try:
                    if not conn.poll(5):
                        continue
                    raw = conn.recv_bytes(MAX_MESSAGE)
                    conn.send_bytes(ACK)
                except (OSError, EOFError) as exc:
                    log.info("a file hand-over broke off: %s", exc)
                    continue
            with contextlib.suppress(UnicodeDecodeError):
                self.file_received.emit(raw.decode("utf-8"))

    def close(self) -> None:
        self._closed = True
        # a blocked accept() is not woken by closing its socket from another thread: call it
        with contextlib.suppress(OSError, EOFError, AuthenticationError):
            Client(self._address, self._family, authkey=self._key).close()
        self._thread.join(2)
        with contextlib.suppress(OSError):
            self._listener.close()
