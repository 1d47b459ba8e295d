"""Backups with SQLite's online backup API, rotation, restore and the integrity verdict.

The online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot of a live
WAL database, including what still sits in the -wal file; copying the .sqlite file with the
file manager does not. Backups live in ``<data dir>/backups`` and are plain rollback-journal
databases, so a single file is a complete backup.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from forms.atomic import fsync_dir
from forms.i18n import _
from forms.problems import Level, Problem
from local_db import migrations
from local_db.errors import (
    DatabaseDamaged,
    StorageError,
    environment_message,
    open_failure,
    os_error_message,
    storage_class,
    translate_errors,
)
from local_db.paths import BACKUPS_DIR, DB_FILE, EVIDENCE_DIR, sqlite_files

log = logging.getLogger("local_db")

AUTO, MANUAL, PRE_MIGRATION, PRE_RESTORE, DAMAGED = (
    "auto",
    "manual",
    "pre-migration",
    "pre-restore",
    "damaged",
)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")


READ_TIMEOUT_S = 10.0  # antivirus and backup tools hold the file briefly on office PCs


def connect_readonly(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=READ_TIMEOUT_S)
    conn.execute(f"PRAGMA busy_timeout = {int(READ_TIMEOUT_S * 1000)}")
    return conn


def quick_check(path: Path, *, full: bool = False) -> tuple[bool, str]:
    """(ok, detail) of ``PRAGMA quick_check`` (or ``integrity_check``) on a read-only connection.

    (False, detail) means damaged: the check ran and failed, or SQLite called the file corrupt
    or not a database. When the check could not run (locked, read-only folder, full disk, I/O
    error) the ``sqlite3.Error`` propagates: that file may be healthy and must not be offered a
    restore over it."""
    try:
        conn = connect_readonly(path)
        try:
            pragma = "integrity_check" if full else "quick_check"
            rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}").fetchall()]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        if storage_class(error) is not DatabaseDamaged:
            raise
        return False, str(error)
    ok = rows == ["ok"]
    return ok, "ok" if ok else "; ".join(str(r) for r in rows[:5])


def backup_to(source: Path, target: Path) -> Path:
    """Copy the database ``source`` to ``target`` (a new file) with the online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    src = connect_readonly(source)
    try:
        dest = sqlite3.connect(temp)
        try:
            src.backup(dest)
            # A backup should be one self-contained file, not a WAL database.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
    finally:
        src.close()
    with open(temp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temp, target)
    fsync_dir(target.parent)
    return target


def backup_name(kind: str, extra: str = "") -> str:
    return f"{kind}-{extra + '-' if extra else ''}{_stamp()}.sqlite"


def make_backup(data_dir: Path, kind: str = MANUAL, extra: str = "") -> Path:
    with translate_errors():
        return backup_to(data_dir / DB_FILE, data_dir / BACKUPS_DIR / backup_name(kind, extra))


_STAMP = re.compile(r"(\d{8}-\d{6}-\d{6})\.sqlite$")


def made_at(path: Path) -> datetime:
    """When a backup was made: the UTC stamp in its name (copying keeps it), else its mtime."""
    match = _STAMP.search(path.name)
    if match:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S-%f").replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def backups(data_dir: Path, kind: str | None = None) -> list[Path]:
    """Backups in ``data_dir``, newest first."""
    folder = data_dir / BACKUPS_DIR
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob("*.sqlite") if kind is None or p.name.startswith(kind + "-")]
    return sorted(found, key=lambda p: (made_at(p), p.name), reverse=True)


def rotate(data_dir: Path, keep: int, kind: str = AUTO) -> list[Path]:
    """Delete all but the newest ``keep`` backups of ``kind``; returns the deleted ones."""
    old = backups(data_dir, kind)[max(keep, 0) :]
    for path in old:
        with contextlib.suppress(OSError):
            path.unlink()
    return old


def backup_due(data_dir: Path, now: datetime | None = None) -> bool:
    """True when the newest automatic backup is a day old or older (or there is none)."""
    newest = backups(data_dir, AUTO)
    if not newest:
        return True
    now = now or datetime.now(UTC)
    return now - made_at(newest[0]) >= timedelta(days=1)


def latest_good_backup(data_dir: Path) -> Path | None:
    for path in backups(data_dir):
        if path.name.startswith(DAMAGED):
            continue
        try:
            if quick_check(path)[0]:
                return path
        except sqlite3.Error:  # a backup that cannot be read now is not one to offer
            continue
    return None


def _is_dti_database(path: Path) -> tuple[bool, int]:
    conn = connect_readonly(path)
    try:
        version = migrations.schema_version(conn)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    return {"assessments", "answers", "audit"} <= tables, version


def restore(data_dir: Path, source: Path) -> Path | None:  # noqa: PLR0912
    """Replace the database in ``data_dir`` with ``source``; returns where the old one was kept.

    The caller must hold the instance lock (nobody else may have the database open). The
    current database is kept first: a healthy one as a ``pre-restore`` backup, a damaged one
    moved aside untouched (``damaged-*``).
    """
    if not source.is_file():
        raise StorageError(_("Không tìm thấy tệp sao lưu {path}.", path=str(source)))
    with translate_errors():
        ok, detail = quick_check(source, full=True)
    if not ok:
        raise StorageError(
            _(
                "Tệp sao lưu {path} bị hỏng ({detail}): không khôi phục.",
                path=str(source),
                detail=detail,
            )
        )
    is_ours, version = _is_dti_database(source)
    if not is_ours:
        raise StorageError(
            _(
                "Tệp {path} không phải cơ sở dữ liệu của dti-desk: không khôi phục.",
                path=str(source),
            )
        )
    if version > migrations.LATEST:
        raise StorageError(
            _(
                "Tệp sao lưu {path} do phiên bản dti-desk mới hơn tạo ra: hãy cập nhật phần mềm.",
                path=str(source),
            )
        )
    current = data_dir / DB_FILE
    kept: Path | None = None
    try:
        (data_dir / BACKUPS_DIR).mkdir(parents=True, exist_ok=True)
        if current.exists():
            if quick_check(current)[0]:
                kept = backup_to(current, data_dir / BACKUPS_DIR / backup_name(PRE_RESTORE))
            else:
                kept = data_dir / BACKUPS_DIR / backup_name(DAMAGED)
                # every side file goes with it (local_db.paths' list): a -journal left
                # beside the restored database is not its own, and SQLite would take a hot one
                # for the restored database's
                for part, aside in zip(sqlite_files(current), sqlite_files(kept), strict=True):
                    if part.exists():
                        shutil.move(part, aside)
        # Restoring through the backup API writes via SQLite, so any -wal of the current
        # database is handled correctly (a raw file copy could be mixed with a stale WAL).
        src = connect_readonly(source)
        try:
            dest = sqlite3.connect(current, timeout=10)
            try:
                dest.execute("PRAGMA busy_timeout = 10000")
                src.backup(dest)
                dest.execute("PRAGMA journal_mode = WAL")
            finally:
                dest.close()
        finally:
            src.close()
    except sqlite3.Error as error:
        raise StorageError(environment_message(error) or str(error)) from error
    except OSError as error:
        raise StorageError(os_error_message(error, current)) from error
    log.info("restored %s from %s (previous kept as %s)", current, source, kept)
    return kept


@dataclass
class CheckReport:
    path: Path
    ok: bool
    detail: str
    version: int = 0
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def check(data_dir: Path) -> CheckReport:
    """Full integrity check, schema version and missing evidence files, read-only."""
    path = data_dir / DB_FILE
    if not path.exists():
        problem = Problem(
            "db.missing",
            _("Chưa có cơ sở dữ liệu trong thư mục {path}.", path=str(data_dir)),
            str(path),
        )
        return CheckReport(path, False, "missing", problems=[problem])
    try:
        ok, detail = quick_check(path, full=True)
    except sqlite3.Error as error:
        # could not check (locked, read-only, full disk): say which, never "damaged"
        failure = open_failure(error, data_dir)
        if failure is None:
            raise
        problem = Problem(failure.code, failure.message, str(path))
        return CheckReport(path, False, str(error), problems=[problem])
    report = CheckReport(path, ok, detail)
    if not ok:
        good = latest_good_backup(data_dir)
        message = (
            _(
                "Cơ sở dữ liệu bị hỏng: {detail}. Bản sao lưu tốt gần nhất: {backup}",
                detail=detail,
                backup=str(good),
            )
            if good
            else _("Cơ sở dữ liệu bị hỏng: {detail}. Không có bản sao lưu tốt.", detail=detail)
        )
        report.problems.append(Problem("db.damaged", message, str(path)))
        return report
    conn = connect_readonly(path)
    try:
        report.version = migrations.schema_version(conn)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in ("units", "assessments", "answers", "evidence_attachments", "audit"):
            if table in tables:
                report.counts[table] = int(
                    conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                )
        blobs = (
            conn.execute("SELECT sha256 FROM evidence_blobs").fetchall()
            if "evidence_blobs" in tables
            else []
        )
    finally:
        conn.close()
    if report.version < migrations.LATEST:
        report.problems.append(
            Problem(
                "db.old_schema",
                _(
                    "Cấu trúc dữ liệu phiên bản {old}, sẽ được nâng lên {new} khi mở.",
                    old=report.version,
                    new=migrations.LATEST,
                ),
                str(path),
                Level.NOTE,
            )
        )
    if report.version > migrations.LATEST:
        report.ok = False
        report.problems.append(
            Problem(
                "db.too_new",
                _("Cơ sở dữ liệu do phiên bản dti-desk mới hơn tạo ra: hãy cập nhật phần mềm."),
                str(path),
            )
        )
    for (sha,) in blobs:
        blob = data_dir / EVIDENCE_DIR / sha[:2] / sha
        if not blob.is_file():
            report.ok = False
            report.problems.append(
                Problem(
                    "evidence.missing",
                    _("Thiếu tệp minh chứng {sha} trong kho.", sha=sha),
                    str(blob),
                )
            )
    return report
