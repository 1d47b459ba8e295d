r"""One app per data folder: a double-click while it runs hands the file to the running app,
and a second launch of the program brings the running window forward.

The Windows installer associates ``.dtipkg``, ``.dtibundle`` and ``.dtireview`` with
``dti-desk open "%1"``. A collector receiving a hundred packages double-clicks them with the app
already open; a second process would only meet storage's single-instance lock ("the data folder
is in use"). Instead, ``dti-desk open`` first offers the file to the app already running on the
same data folder, which acts on it exactly as if it had been dropped on its window.

The channel is the standard library's ``multiprocessing.connection``: a named pipe on Windows, a
Unix socket elsewhere (no QtNetwork in the bundle for this). Only a process that can read the
data folder can use it: both ends authenticate with a random key kept there
(``dti-desk.ipc-key``, 0600). What travels is the file's path as UTF-8 bytes, never a pickle.

Hostile callers (hole 10). One silent connection used to block the listener (the handshake ran on
the accepting thread, without a timeout) and with it every later ``dti-desk open``. Now:

- the accepting thread only accepts; each connection gets its own short-lived thread (at most
  ``MAX_HANDLERS`` at once) for the handshake and the read, and is closed after it;
- on Unix every read and write at both ends gives up after ``CONNECTION_TIMEOUT`` (the
  socket's SO_RCVTIMEO/SO_SNDTIMEO: multiprocessing's ``Client`` has no timeout), and the
  client's connect has the same deadline;
- the address is not derived from the data folder's path: its random part comes from the key,
  so only who can read the key file knows it. On Unix the socket sits in a folder made 0700 by
  this user (``<temp>/dti-desk-<uid>``; a folder someone else planted there is refused).

Windows (never run here): the pipe is ``\\.\pipe\dti-desk-<random>``, created by
multiprocessing with ``FILE_FLAG_FIRST_PIPE_INSTANCE`` (a squatter holding the name makes the
listener fail rather than take our callers) and the default security descriptor, which lets the
current user, SYSTEM and administrators in and gives Everyone read access; pipe names can be
listed, so the random part stops squatting but not discovery, and the key stays what admits a
caller. Reads on a pipe have no timeout: the handler reads the path only after ``poll`` says it
is there, but a caller silent in the middle of the handshake keeps its own handler thread (and
slot) until it disconnects; the accepting thread is never held. The client runs its exchange on
a thread it waits for at most ``timeout``. What would tighten it: create the pipe ourselves
(``CreateNamedPipeW`` through ctypes) with a DACL naming only the current user's SID and
``PIPE_REJECT_REMOTE_CLIENTS``, and read with overlapped I/O and ``CancelIoEx`` at the deadline.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import socket
import stat
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing import AuthenticationError
from multiprocessing.connection import (
    Client,
    Connection,
    Listener,
    answer_challenge,
    deliver_challenge,
)
from pathlib import Path

from desktop.qt import QObject, Signal
from forms.atomic import write_bytes_atomic

log = logging.getLogger("desktop")

KEY_FILE = "dti-desk.ipc-key"
MAX_MESSAGE = 64 * 1024  # a path; anything longer is not one
ACK = b"ok"
# "show yourself", sent by a second plain launch (no file): a NUL is in no path, so it cannot
# be taken for one
RAISE = b"\x00raise"


CONNECTION_TIMEOUT = 5.0  # seconds one read or write of a hand-over may take, at either end
MAX_HANDLERS = 16  # hand-overs served at once; more are refused at once, not queued
CHANNEL_ERRORS = (OSError, EOFError, AuthenticationError, ValueError)
SOCKET_BASE: Path | None = None  # where the per-user socket folder goes; None: the temp folder


def _channel_name(key: bytes) -> str:
    """The random part of the address: derived from the key, so the data folder's path alone
    does not tell it (the old name was a hash of that path, known to anyone who knew the path)."""
    return hashlib.sha256(b"dti-desk channel\0" + key).hexdigest()[:24]


def _socket_folder(create: bool) -> Path:
    """``<temp>/dti-desk-<uid>``, 0700 and ours; ``OSError`` when it is anything else (a folder
    planted in a shared temp folder by another account, or left open to others)."""
    folder = (SOCKET_BASE or Path(tempfile.gettempdir())) / f"dti-desk-{os.getuid()}"
    if create:
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
    info = folder.lstat()
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        raise PermissionError(f"not a private folder of this user: {folder}")
    return folder


def _address(key: bytes, create: bool = False) -> tuple[str, str]:
    """Where the app holding this key listens (``create``: make the socket folder if need be)."""
    if sys.platform == "win32":
        return rf"\\.\pipe\dti-desk-{_channel_name(key)}", "AF_PIPE"
    # not in the data folder: a Unix socket path must stay short
    return str(_socket_folder(create) / f"{_channel_name(key)}.sock"), "AF_UNIX"


def _bound_io(fileno: int, seconds: float) -> None:
    """Every read and write on this Unix socket gives up (``OSError``) after ``seconds``.

    ``Connection`` reads its descriptor with plain blocking ``os.read``; socket options bound
    those reads without changing it (``settimeout`` would make the descriptor non-blocking)."""
    sock = socket.socket(fileno=fileno)
    try:
        whole = int(seconds)
        timeval = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
    finally:
        sock.detach()  # the descriptor stays the Connection's


def _connect(address: str, family: str, timeout: float) -> Connection:
    """A connection to the listener, never waiting more than ``timeout`` per step on Unix."""
    if family != "AF_UNIX":
        return Client(address, family)  # a pipe: see the module's note on Windows
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(address)
        sock.setblocking(True)
        _bound_io(sock.fileno(), timeout)
    except BaseException:
        sock.close()
        raise
    return Connection(sock.detach())


def _within(seconds: float, work: Callable[[], bool]) -> bool:
    """``work()``, or False when it has not finished after ``seconds`` (it is left to finish on
    a daemon thread): for pipes, whose reads cannot be given a timeout."""
    result: list[bool] = []
    worker = threading.Thread(target=lambda: result.append(work()), daemon=True)
    worker.start()
    worker.join(seconds)
    return bool(result and result[0])


def _read_key(data_dir: Path) -> bytes | None:
    try:
        key = (data_dir / KEY_FILE).read_bytes()
    except OSError:
        return None
    return key if len(key) >= 16 else None


def _create_key(data_dir: Path) -> bytes:
    key = secrets.token_bytes(32)
    write_bytes_atomic(data_dir / KEY_FILE, key, mode=0o600)
    return key


def forward(data_dir: Path, file: Path, timeout: float = 3.0) -> bool:
    """Hand ``file`` to the app running on ``data_dir``; True once that app has taken it.

    False (within about ``timeout`` per step) when no app runs there, or it could not be
    reached, or it does not answer: the caller then starts the app itself."""
    return _send(data_dir, str(file.resolve()).encode("utf-8"), str(file), timeout)


def bring_forward(data_dir: Path, timeout: float = 3.0) -> bool:
    """Ask the app running on ``data_dir`` to bring its window to the front (a second launch
    of the program); True once it has the request, False as for ``forward``."""
    return _send(data_dir, RAISE, "the raise request", timeout)


def _send(data_dir: Path, payload: bytes, what: str, timeout: float) -> bool:
    key = _read_key(data_dir)
    if key is None:
        return False
    try:
        address, family = _address(key)
    except OSError as exc:
        log.info("no channel to a running app: %s", exc)
        return False
    if family == "AF_UNIX" and not os.path.exists(address):
        return False

    def hand_over() -> bool:
        try:
            with _connect(address, family, timeout) as conn:
                # the order of Client(authkey=...): the app proves it holds the key too
                # before it is told the path
                answer_challenge(conn, key)
                deliver_challenge(conn, key)
                conn.send_bytes(payload)
                return bool(conn.poll(timeout)) and conn.recv_bytes(16) == ACK
        except CHANNEL_ERRORS as exc:
            log.info("no running app to hand %s to: %s", what, exc)
            return False

    if family == "AF_UNIX":
        return hand_over()
    return _within(4 * timeout, hand_over)


# per step of a hand-over from a second launch: the running app answers in milliseconds, but
# on a busy office PC (an antivirus scan, a merge on both cores) a 3 s step was seen to run out,
# and the second launch then said "the data folder is in use" to an officer who had done
# nothing wrong; a hung app costs the caller this long before it says so
STEP_TIMEOUT = 10.0


def forward_when_up(data_dir: Path, file: Path | None, wait: float = 5.0) -> bool:
    """``forward`` (``bring_forward`` when ``file`` is None), retried while the other app is
    still starting (it holds the lock before it listens): two double-clicks at once must not
    leave the second with an error."""
    deadline = time.monotonic() + wait
    while True:
        if (
            forward(data_dir, file, STEP_TIMEOUT)
            if file is not None
            else bring_forward(data_dir, STEP_TIMEOUT)
        ):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


class FileReceiver(QObject):
    """Listens for files handed over by ``forward``; ``file_received`` fires on the GUI thread.

    Start it only while holding the data folder's lock: a leftover socket file from a crashed
    run is then known to be stale and is replaced."""

    file_received = Signal(str)
    raise_requested = Signal()  # a second launch without a file: show the window

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._key = _read_key(data_dir) or _create_key(data_dir)
        self._address, self._family = _address(self._key, create=True)
        if self._family == "AF_UNIX":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._address)
        # no authkey here: Listener.accept() would run the handshake on the accepting thread,
        # where one caller that never answers held up every later one (hole 10)
        self._listener = Listener(self._address, self._family)
        self._slots = threading.BoundedSemaphore(MAX_HANDLERS)
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="dti-desk-open", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn = self._listener.accept()
            except CHANNEL_ERRORS as exc:
                if self._closed:
                    return
                log.info("a connection to the running app was refused: %s", exc)
                continue
            if self._closed:  # the wake-up call from close()
                conn.close()
                return
            if not self._slots.acquire(blocking=False):
                log.info("too many file hand-overs at once: one refused")
                conn.close()
                continue
            threading.Thread(
                target=self._handle, args=(conn,), name="dti-desk-open-conn", daemon=True
            ).start()

    def _handle(self, conn: Connection) -> None:
        """One caller, on its own thread: handshake, the path, the answer, closed."""
        try:
            with conn:
                raw = self._receive(conn)
        finally:
            self._slots.release()
        if raw is None or self._closed:
            return
        if raw == RAISE:
            self.raise_requested.emit()
            return
        with contextlib.suppress(UnicodeDecodeError):
            self.file_received.emit(raw.decode("utf-8"))

    def _receive(self, conn: Connection) -> bytes | None:
        try:
            if self._family == "AF_UNIX":
                _bound_io(conn.fileno(), CONNECTION_TIMEOUT)
            deliver_challenge(conn, self._key)
            answer_challenge(conn, self._key)
            if not conn.poll(CONNECTION_TIMEOUT):
                return None
            raw = conn.recv_bytes(MAX_MESSAGE)
            conn.send_bytes(ACK)
        except CHANNEL_ERRORS as exc:
            log.info("a file hand-over broke off: %s", exc)
            return None
        return bytes(raw)

    def close(self) -> None:
        self._closed = True
        # a blocked accept() is not woken by closing its socket from another thread: call it
        with contextlib.suppress(*CHANNEL_ERRORS):
            _connect(self._address, self._family, 1.0).close()
        self._thread.join(2)
        with contextlib.suppress(OSError):
            self._listener.close()
