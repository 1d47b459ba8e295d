"""Content-addressed evidence files: ``evidence/ab/abcdef...`` named by their sha256.

The same file attached twice is stored once. A file is copied to a temp file inside the
store (same file system, so the final rename is atomic), hashed while copying, fsynced, then
renamed into place. A crash can leave only a temp file or a file no row refers to; ``sweep``
removes both at the next open, so the store never holds half-stored evidence.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from forms.atomic import fsync_dir
from forms.evidence_types import ALLOWED, content_matches
from forms.i18n import _
from forms.text import nfc
from local_db.errors import EvidenceRejected, StorageError, os_error_message

log = logging.getLogger("local_db")

CHUNK = 1024 * 1024
TEMP_PREFIX = ".tmp-"

_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
_WINDOWS_BAD_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def windows_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a file name on Windows, or None if it can."""
    if not name or name in {".", ".."}:
        return _("tên tệp trống")
    bad = _WINDOWS_BAD_CHARS.search(name)
    if bad:
        char = bad.group(0)
        shown = char if char.isprintable() else f"U+{ord(char):04X}"
        return _("tên tệp chứa ký tự không dùng được trên Windows: {char}", char=shown)
    if name[-1] in ". ":
        return _("tên tệp kết thúc bằng dấu chấm hoặc khoảng trắng")
    if name.split(".")[0].strip().upper() in _WINDOWS_RESERVED:
        return _("tên tệp là tên dành riêng của Windows ({name})", name=name.split(".")[0])
    if len(name) > 255:
        return _("tên tệp dài quá 255 ký tự")
    return None


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    file_type: str
    path: Path
    created: bool  # False when the same content was already in the store


def blob_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256


def validate(source: Path, limit: int) -> tuple[str, str, int]:
    """Check ``source`` may be attached; returns (NFC original name, file type, size)."""
    name = nfc(source.name)
    problem = windows_name_problem(name)
    if problem:
        raise EvidenceRejected(
            _("Không đính kèm được tệp {name}: {problem}.", name=name, problem=problem), name
        )
    extension = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
    if extension not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise EvidenceRejected(
            _(
                "Không đính kèm được tệp {name}: loại tệp không được phép (chỉ nhận {allowed}).",
                name=name,
                allowed=allowed,
            ),
            name,
        )
    try:
        if not source.is_file():
            raise EvidenceRejected(
                _("Không đính kèm được tệp {name}: không tìm thấy tệp.", name=name), name
            )
        size = source.stat().st_size
        with open(source, "rb") as handle:
            head = handle.read(16)
    except OSError as error:
        raise EvidenceRejected(
            _(
                "Không đọc được tệp {name}: {detail}.",
                name=name,
                detail=error.strerror or str(error),
            ),
            name,
        ) from error
    if size == 0:
        raise EvidenceRejected(_("Không đính kèm được tệp {name}: tệp rỗng.", name=name), name)
    if size > limit:
        raise EvidenceRejected(
            _(
                "Không đính kèm được tệp {name}: tệp nặng {size} MB, vượt giới hạn {limit} MB.",
                name=name,
                size=f"{size / 1048576:.1f}",
                limit=f"{limit / 1048576:g}",
            ),
            name,
        )
    if not content_matches(extension, head, source):
        raise EvidenceRejected(
            _(
                "Không đính kèm được tệp {name}: nội dung không phải tệp {ext} thật (có thể đã bị đổi đuôi).",
                name=name,
                ext=extension,
            ),
            name,
        )
    return name, ALLOWED[extension][1], size


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def store_file(store: Path, source: Path, limit: int, file_type: str) -> StoredBlob:
    """Copy ``source`` into the store (hashing while copying); idempotent per content."""
    name = nfc(source.name)
    temp = store / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    size = 0
    try:
        store.mkdir(parents=True, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        try:
            with open(source, "rb") as src:
                while chunk := src.read(CHUNK):
                    size += len(chunk)
                    if size > limit:  # the file grew since it was checked
                        raise EvidenceRejected(
                            _(
                                "Không đính kèm được tệp {name}: tệp vượt giới hạn dung lượng.",
                                name=name,
                            ),
                            name,
                        )
                    digest.update(chunk)
                    _write_all(fd, chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
        sha = digest.hexdigest()
        final = blob_path(store, sha)
        if final.exists():
            temp.unlink()
            return StoredBlob(sha, size, file_type, final, created=False)
        final.parent.mkdir(exist_ok=True)
        os.replace(temp, final)
        fsync_dir(final.parent)
        return StoredBlob(sha, size, file_type, final, created=True)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(error, OSError):
            if error.filename == str(source):
                raise EvidenceRejected(
                    _(
                        "Không đọc được tệp {name}: {detail}.",
                        name=name,
                        detail=error.strerror or str(error),
                    ),
                    name,
                ) from error
            raise StorageError(
                _(
                    "Không lưu được tệp {name}: {reason}",
                    name=name,
                    reason=os_error_message(error, store),
                )
            ) from error
        raise


def delete_blob(store: Path, sha256: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        blob_path(store, sha256).unlink()


def referenced_by_backups(data_dir: Path) -> set[str]:
    """Blob hashes that some backup's database refers to (unreadable backups are skipped)."""
    from local_db import backup

    found: set[str] = set()
    for path in backup.backups(data_dir):
        try:
            conn = backup.connect_readonly(path)
            try:
                found.update(row[0] for row in conn.execute("SELECT sha256 FROM evidence_blobs"))
            finally:
                conn.close()
        except sqlite3.Error:
            continue
    return found


def sweep(store: Path, data_dir: Path, known: set[str]) -> list[Path]:
    """Remove temp files, and files whose hash is not ``known`` to the database (left by a
    crash between storing and committing). The database passes what it knows: this module
    stays below it (no import of the database, no cycle).

    A file that a backup still refers to is kept: after restoring an older backup, the
    evidence of the newer database (kept as ``pre-restore-*``) must survive in case the
    officer restores that one again.
    """
    if not store.is_dir():
        return []
    temps = [p for p in store.rglob(f"{TEMP_PREFIX}*") if p.is_file()]
    orphans = [
        p
        for p in store.rglob("*")
        if p.is_file() and not p.name.startswith(TEMP_PREFIX) and p.name not in known
    ]
    if orphans:
        in_backups = referenced_by_backups(data_dir)
        orphans = [p for p in orphans if p.name not in in_backups]
    removed: list[Path] = []
    for path in temps + orphans:
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    if removed:
        log.info("evidence store: removed %d leftover file(s)", len(removed))
    return removed
