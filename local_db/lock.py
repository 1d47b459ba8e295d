"""One running dti-desk per data folder: an OS lock on ``dti-desk.lock``.

An OS lock (not "the file exists") so that a crash or power cut never leaves a stale lock:
the kernel drops it when the process dies. The file holds the owner's pid for the message.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from forms.i18n import _
from local_db.errors import DatabaseLocked, StorageError, open_failure, os_error_message


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            # a lock file that cannot be created or opened is a read-only folder or a full disk
            # (said as such), never "in use": nobody holds it
            failure = open_failure(error, self.path.parent)
            raise failure or StorageError(os_error_message(error, self.path)) from error
        try:
            _lock_fd(fd)
        except OSError as error:
            os.close(fd)
            raise DatabaseLocked(
                _(
                    "Thư mục dữ liệu {path} đang được một cửa sổ dti-desk khác sử dụng. Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại.",
                    path=str(self.path.parent),
                )
            ) from error
        # Record who holds it (informative only; the OS lock is what counts).
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, str(os.getpid()).encode())
        except OSError:
            pass
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock_fd(fd)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


_WINDOWS_LOCK_OFFSET = 1 << 20  # one byte far beyond the pid text: writing the pid is not blocked


def msvcrt_lock(fd: int, locking: Callable[[int, int, int], None], mode: int) -> None:
    """Windows' byte-range lock (``msvcrt.locking``) on one byte far beyond the pid text.

    Takes the ``locking`` function so the Linux tests drive this Windows path with a fake."""
    os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
    try:
        locking(fd, mode, 1)
    finally:
        os.lseek(fd, 0, os.SEEK_SET)


if sys.platform.startswith("win"):
    import msvcrt

    def _lock_fd(fd: int) -> None:
        msvcrt_lock(fd, msvcrt.locking, msvcrt.LK_NBLCK)  # type: ignore[attr-defined]

    def _unlock_fd(fd: int) -> None:
        msvcrt_lock(fd, msvcrt.locking, msvcrt.LK_UNLCK)  # type: ignore[attr-defined]

else:
    import fcntl

    def _lock_fd(fd: int) -> None:
        # flock locks belong to the open file description: a second open in the same
        # process is refused too, which is what we want.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
