"""Storage errors, sorted into "the environment" (tell the user) and bugs (let them surface).

Like qutebrowser's ``sql.py``: a full disk, a read-only folder, a database locked by another
program or an I/O error is not our bug and the officer can act on it, so it becomes a
``StorageError`` whose text is a Vietnamese sentence. Anything else (a constraint violated by a
wrong call, SQL syntax) is a programming error and propagates unchanged.
"""

from __future__ import annotations

import errno
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from forms.i18n import _


class StorageError(Exception):
    """A problem of the environment; ``str(error)`` is a message for the user, ``code`` a stable
    reason code (``db.read_only``, ...) for callers that must tell the kinds apart."""

    code = "storage.error"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class DatabaseLocked(StorageError):
    """Another dti-desk holds this data folder (the OS lock: the file can be handed to it)."""

    code = "db.locked"


class DatabaseBusy(StorageError):
    """Another program (antivirus, a backup tool, a database browser) holds SQLite's lock."""

    code = "db.locked"


class DataFolderReadOnly(StorageError):
    """The folder or its files may not be written: permissions, a write-protected stick."""

    code = "db.read_only"


class DiskFull(StorageError):
    """No space left on the drive holding the data folder."""

    code = "db.disk_full"


class DiskError(StorageError):
    """An I/O error of the drive: a failing disk, a USB stick pulled out."""

    code = "db.disk_error"


class UnsafeLocation(StorageError):
    """A network drive, or a folder where SQLite's WAL mode cannot work."""


class SchemaTooNew(StorageError):
    """The database was written by a newer dti-desk."""


class NotFound(StorageError):
    """An assessment, attachment or criteria set that does not exist."""


class ReadOnlyAssessment(StorageError):
    """An edit of an assessment that is finalised, signed or exported."""


class EvidenceRejected(StorageError):
    """An evidence file refused before anything was stored."""

    def __init__(self, message: str, file_name: str) -> None:
        self.file_name = file_name
        super().__init__(message)


class DatabaseDamaged(StorageError):
    """The integrity check failed. The damaged file is left untouched. The only open error that
    offers a restore: every other kind leaves a healthy file that a restore would replace."""

    code = "db.damaged"

    def __init__(self, path: Path, backup: Path | None, detail: str = "") -> None:
        self.path = path
        self.backup = backup
        self.detail = detail
        if backup is not None:
            message = _(
                "Cơ sở dữ liệu {path} bị hỏng ({detail}). Bản sao lưu tốt gần nhất: {backup}. Tệp hỏng được giữ nguyên; hãy khôi phục bằng: dti-desk db restore {backup}",
                path=str(path),
                detail=detail,
                backup=str(backup),
            )
        else:
            message = _(
                "Cơ sở dữ liệu {path} bị hỏng ({detail}) và không có bản sao lưu tốt. Tệp hỏng được giữ nguyên; hãy liên hệ bộ phận hỗ trợ.",
                path=str(path),
                detail=detail,
            )
        super().__init__(message)


# SQLite primary result codes (https://www.sqlite.org/rescode.html)
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26


WINDOWS_SHARING_VIOLATIONS = (32, 33)  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION

_SQLITE_KINDS: dict[int, type[StorageError]] = {
    SQLITE_FULL: DiskFull,
    SQLITE_BUSY: DatabaseBusy,
    SQLITE_LOCKED: DatabaseBusy,
    SQLITE_READONLY: DataFolderReadOnly,
    SQLITE_PERM: DataFolderReadOnly,
    SQLITE_IOERR: DiskError,
    SQLITE_CANTOPEN: DiskError,
    SQLITE_CORRUPT: DatabaseDamaged,
    SQLITE_NOTADB: DatabaseDamaged,
}
# for errors built without a result code (older Python, wrapped errors): SQLite's own texts
_SQLITE_TEXTS: tuple[tuple[str, type[StorageError]], ...] = (
    ("disk is full", DiskFull),
    ("locked", DatabaseBusy),
    ("readonly", DataFolderReadOnly),
    ("disk i/o", DiskError),
    ("unable to open", DiskError),
    ("malformed", DatabaseDamaged),
    ("not a database", DatabaseDamaged),
)


def _sqlalchemy_errors() -> Any:
    """``sqlalchemy.exc`` if something has loaded it, else None. An error cannot come from
    SQLAlchemy before it is imported, and the collector's commands run on plain sqlite3 or
    psycopg: importing it here cost every one of them about 0.2 s at start."""
    return sys.modules.get("sqlalchemy.exc")


def _unwrapped(error: BaseException) -> BaseException:
    """The driver's own error under SQLAlchemy's ``DBAPIError`` wrapper (the error itself
    otherwise)."""
    sa_exc = _sqlalchemy_errors()
    if sa_exc is not None and isinstance(error, sa_exc.DBAPIError) and error.orig is not None:
        return error.orig
    return error


def _storage_errors() -> tuple[type[BaseException], ...]:
    """What the storage layer may raise for the environment (evaluated when one is caught)."""
    sa_exc = _sqlalchemy_errors()
    base: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)
    return base if sa_exc is None else (sa_exc.DBAPIError, *base)


def storage_class(error: BaseException) -> type[StorageError] | None:
    """Which environment problem ``error`` is, or None when it is a bug.

    The one place that reads SQLite result codes and errno values: the open path, the running
    app and ``dti-desk db check`` all sort through it, so a read-only folder is never called
    damaged in one place and read-only in another."""
    error = _unwrapped(error)
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int):
            return _SQLITE_KINDS.get(code & 0xFF)
        text = str(error).lower()
        return next((kind for words, kind in _SQLITE_TEXTS if words in text), None)
    if isinstance(error, OSError):
        if getattr(error, "winerror", None) in WINDOWS_SHARING_VIOLATIONS:
            return DatabaseBusy  # Windows maps these to EACCES; it is another program's lock
        if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return DiskFull
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return DataFolderReadOnly
        return DiskError
    return None


def environment_message(error: BaseException) -> str | None:
    """The user's message for an environment error while the app runs, or None for a bug."""
    kind = storage_class(error)
    error = _unwrapped(error)
    if kind is None:
        return None
    if isinstance(error, OSError):
        return os_error_message(error, None)
    if kind is DiskFull:
        return _("Ổ đĩa đã đầy: không lưu được. Hãy giải phóng dung lượng rồi thử lại.")
    if kind is DatabaseBusy:
        return _(
            "Cơ sở dữ liệu đang bị chương trình khác giữ (có thể là phần mềm diệt virus). Hãy thử lại sau giây lát."
        )
    if kind is DataFolderReadOnly:
        return _("Thư mục dữ liệu chỉ cho phép đọc: không lưu được. Hãy kiểm tra quyền ghi.")
    if kind is DiskError:
        return _("Lỗi đọc/ghi ổ đĩa: {detail}. Hãy kiểm tra ổ đĩa rồi thử lại.", detail=str(error))
    return _("Cơ sở dữ liệu bị hỏng: {detail}. Hãy chạy: dti-desk db check", detail=str(error))


def open_failure(error: BaseException, data_dir: Path) -> StorageError | None:
    """The error to show when opening ``data_dir`` failed with ``error`` (None: a bug).

    Each kind names the folder and what to do about it. Damage found by the integrity check is
    ``DatabaseDamaged`` (raised by the caller, which knows the latest good backup); an error
    that merely looks like damage here gets the same no-restore wording as a disk error, since
    only the check may send the officer to a restore."""
    kind = storage_class(error)
    if kind is None:
        return None
    error = _unwrapped(error)
    folder = str(data_dir)
    detail = (error.strerror or str(error)) if isinstance(error, OSError) else str(error)
    if kind is DataFolderReadOnly:
        return DataFolderReadOnly(
            _(
                "Không ghi được vào thư mục dữ liệu {path}: thư mục hoặc tệp trong đó chỉ cho phép đọc ({detail}). Đây không phải lỗi hỏng dữ liệu, không cần khôi phục. Hãy cấp quyền ghi cho thư mục này (hoặc tắt chế độ chống ghi của ổ USB), hoặc chọn thư mục dữ liệu khác, rồi mở lại.",
                path=folder,
                detail=detail,
            )
        )
    if kind is DiskFull:
        return DiskFull(
            _(
                "Ổ đĩa chứa thư mục dữ liệu {path} đã đầy: không mở được cơ sở dữ liệu. Đây không phải lỗi hỏng dữ liệu, không cần khôi phục. Hãy giải phóng dung lượng trên ổ đĩa này rồi mở lại.",
                path=folder,
            )
        )
    if kind is DatabaseBusy:
        return DatabaseBusy(
            _(
                "Cơ sở dữ liệu trong thư mục {path} đang bị một chương trình khác giữ (có thể là phần mềm diệt virus, sao lưu, hoặc một chương trình xem cơ sở dữ liệu). Đây không phải lỗi hỏng dữ liệu. Hãy đợi giây lát hoặc đóng chương trình đó, rồi mở lại.",
                path=folder,
            )
        )
    return DiskError(
        _(
            "Lỗi đọc/ghi ổ đĩa khi mở thư mục dữ liệu {path}: {detail}. Hãy kiểm tra ổ đĩa (hoặc cắm lại ổ USB) rồi mở lại; nếu lỗi còn, hãy chạy: dti-desk db check",
            path=folder,
            detail=detail,
        )
    )


@contextmanager
def opening(data_dir: Path) -> Iterator[None]:
    """Environment errors inside the block become ``open_failure``'s error for ``data_dir``."""
    try:
        yield
    except StorageError:
        raise
    except _storage_errors() as error:
        failure = open_failure(error, data_dir)
        if failure is None:
            raise
        raise failure from error


def os_error_message(error: OSError, path: Path | str | None) -> str:
    name = str(path) if path is not None else (error.filename or "")
    if error.errno == errno.ENOSPC:
        return _(
            "Ổ đĩa đã đầy: không lưu được {name}. Hãy giải phóng dung lượng rồi thử lại.", name=name
        )
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return _("Không có quyền ghi (thư mục chỉ đọc): {name}.", name=name)
    return _(
        "Lỗi đọc/ghi ổ đĩa với {name}: {detail}.", name=name, detail=error.strerror or str(error)
    )


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn environment errors raised inside the block into ``StorageError``."""
    try:
        yield
    except StorageError:
        raise
    except _storage_errors() as error:
        message = environment_message(error)
        if message is None:
            raise
        kind = storage_class(error)
        # DatabaseDamaged needs the file and its backup; at run time the message points to
        # `dti-desk db check`, which finds both
        raise (StorageError if kind in (None, DatabaseDamaged) else kind)(message) from error
