"""Storage errors, sorted into "the environment" (tell the user) and bugs (let them surface).

Like qutebrowser's ``sql.py``: a full disk, a read-only folder, a database locked by another
program or an I/O error is not our bug and the officer can act on it, so it becomes a
``StorageError`` whose text is a Vietnamese sentence. Anything else (a constraint violated by a
wrong call, SQL syntax) is a programming error and propagates unchanged.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import exc as sa_exc

from forms.i18n import _


class StorageError(Exception):
    """A problem of the environment; ``str(error)`` is a message for the user."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class DatabaseLocked(StorageError):
    """Another dti-desk holds this data folder."""


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
    """The integrity check failed. The damaged file is left untouched."""

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


def environment_message(error: BaseException) -> str | None:
    """The user's message for an environment error, or None when ``error`` is a bug."""
    if isinstance(error, sa_exc.DBAPIError) and error.orig is not None:
        error = error.orig
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        text = str(error).lower()
        if primary == SQLITE_FULL or "disk is full" in text:
            return _("Ổ đĩa đã đầy: không lưu được. Hãy giải phóng dung lượng rồi thử lại.")
        if primary in (SQLITE_BUSY, SQLITE_LOCKED) or "locked" in text:
            return _(
                "Cơ sở dữ liệu đang bị chương trình khác giữ (có thể là phần mềm diệt virus). Hãy thử lại sau giây lát."
            )
        if primary in (SQLITE_READONLY, SQLITE_PERM) or "readonly" in text:
            return _("Thư mục dữ liệu chỉ cho phép đọc: không lưu được. Hãy kiểm tra quyền ghi.")
        if (
            primary in (SQLITE_IOERR, SQLITE_CANTOPEN)
            or "disk i/o" in text
            or "unable to open" in text
        ):
            return _(
                "Lỗi đọc/ghi ổ đĩa: {detail}. Hãy kiểm tra ổ đĩa rồi thử lại.", detail=str(error)
            )
        if (
            primary in (SQLITE_CORRUPT, SQLITE_NOTADB)
            or "malformed" in text
            or "not a database" in text
        ):
            return _(
                "Cơ sở dữ liệu bị hỏng: {detail}. Hãy chạy: dti-desk db check", detail=str(error)
            )
        return None
    if isinstance(error, OSError):
        return os_error_message(error, None)
    return None


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
    except (sa_exc.DBAPIError, sqlite3.Error, OSError) as error:
        message = environment_message(error)
        if message is None:
            raise
        raise StorageError(message) from error
