"""Refuse folders where SQLite cannot keep its promises: network drives and no-WAL file systems.

WAL needs shared memory between the processes using the database, which network file
systems do not provide; SQLite's own documentation warns that WAL "does not work over a
network filesystem" (https://www.sqlite.org/wal.html). Many communes keep files on a
peer-to-peer share, so this is checked before every open rather than left to chance.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

from forms.i18n import _
from local_db.errors import (
    DatabaseBusy,
    DataFolderReadOnly,
    DiskFull,
    UnsafeLocation,
    storage_class,
)
from local_db.paths import sqlite_files

# File system types reported in /proc/mounts that are remote (or FUSE-mounted remotes).
NETWORK_FS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "fuse.sshfs", "sshfs",
    "davfs", "fuse.davfs2", "glusterfs", "fuse.glusterfs", "ceph", "fuse.rclone", "lustre",
}  # fmt: skip

DRIVE_REMOTE = 4  # GetDriveTypeW result for a network drive


def is_unc(path: str) -> bool:
    r"""``\\server\share\...`` (or ``//server/share``), the Windows network path form."""
    drive = PureWindowsPath(path).drive
    return drive.startswith("\\\\") and not drive.startswith(("\\\\?\\", "\\\\.\\"))


def drive_is_remote(drive: str, drive_type: Callable[[str], int]) -> bool:
    """``Z:`` mapped to a share is remote: ``drive_type`` is ``GetDriveTypeW`` (a fake in the
    Linux tests, which cannot call Windows)."""
    return bool(drive) and int(drive_type(drive + "\\")) == DRIVE_REMOTE


def _get_drive_type(root: str) -> int:
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def windows_drive_is_remote(path: Path) -> bool:
    return drive_is_remote(PureWindowsPath(str(path.resolve())).drive, _get_drive_type)


def linux_fs_type(path: Path, mounts: str | None = None) -> str | None:
    """The file system type of the mount holding ``path``, from /proc/mounts."""
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        prefix = mount_point.rstrip("/") + "/"
        if (target == mount_point or target.startswith(prefix) or mount_point == "/") and len(
            mount_point
        ) > len(best):
            best, best_type = mount_point, parts[2]
    return best_type


PROBE_PREFIX = ".wal-probe-"


def remove_stale_probes(folder: Path, older_than: float = 60.0) -> None:
    """Delete probe databases a crash left behind (a live probe is younger than a minute)."""
    now = time.time()
    for path in folder.glob(f"{PROBE_PREFIX}*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > older_than:
                path.unlink()


# Probe failures that are not about WAL: the folder is fine for SQLite once the officer acts.
NOT_ABOUT_WAL = (DataFolderReadOnly, DiskFull, DatabaseBusy)


def wal_works(folder: Path) -> bool:
    """Probe: create a throw-away database in ``folder`` and check WAL mode took.

    False only when WAL itself fails. A folder that cannot be written or a full disk raises
    (``OSError`` / ``sqlite3.Error``, for the caller to sort with ``errors.opening``): calling
    those "no WAL" sent officers to look for another folder instead of freeing space."""
    probe = folder / f"{PROBE_PREFIX}{uuid.uuid4().hex}.sqlite"
    try:
        # created here first: SQLite says only "unable to open" where errno tells a read-only
        # folder from a full disk (an empty file is a valid empty database)
        os.close(
            os.open(probe, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        )
        conn = sqlite3.connect(probe, timeout=5)
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            conn.execute("CREATE TABLE probe(x)")
            conn.execute("INSERT INTO probe VALUES (1)")
            conn.commit()
            return str(mode).lower() == "wal"
        finally:
            conn.close()
    except sqlite3.Error as error:
        if storage_class(error) in NOT_ABOUT_WAL:
            raise
        return False
    finally:
        for part in sqlite_files(probe):
            with contextlib.suppress(OSError):
                os.remove(part)


def check_location(folder: Path, *, platform: str | None = None) -> None:
    """Raise ``UnsafeLocation`` when ``folder`` is a network drive or cannot hold a WAL database;
    a read-only folder or a full disk raises its own error (see ``wal_works``)."""
    platform = sys.platform if platform is None else platform
    if is_unc(str(folder)):
        raise UnsafeLocation(
            _(
                "Không thể dùng thư mục mạng {path} để lưu dữ liệu. Hãy chọn một thư mục trên ổ đĩa của máy này.",
                path=str(folder),
            )
        )
    if platform.startswith("win") and windows_drive_is_remote(folder):
        raise UnsafeLocation(
            _(
                "Không thể dùng thư mục mạng {path} để lưu dữ liệu. Hãy chọn một thư mục trên ổ đĩa của máy này.",
                path=str(folder),
            )
        )
    if platform.startswith("linux") and linux_fs_type(folder) in NETWORK_FS:
        raise UnsafeLocation(
            _(
                "Không thể dùng thư mục mạng {path} để lưu dữ liệu. Hãy chọn một thư mục trên ổ đĩa của máy này.",
                path=str(folder),
            )
        )
    if not wal_works(folder):
        raise UnsafeLocation(
            _(
                "Thư mục {path} không hỗ trợ ghi nhật ký an toàn của SQLite (WAL). Hãy chọn một thư mục trên ổ đĩa của máy này.",
                path=str(folder),
            )
        )
