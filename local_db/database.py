"""Opening the data folder: lock, location check, integrity check, migration, engine, backups.

Every write is its own ``BEGIN IMMEDIATE ... COMMIT`` with ``synchronous=FULL`` in WAL
mode: when a repository function returns, its edit survives a power cut. ``busy_timeout``
is set first on every connection because antivirus software and backup tools briefly hold
the file on office PCs; without it the very next PRAGMA could fail with "database is locked".
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from forms.i18n import _
from local_db import backup, evidence_store, migrations
from local_db.errors import (
    DatabaseDamaged,
    SchemaTooNew,
    StorageError,
    UnsafeLocation,
    opening,
    translate_errors,
)
from local_db.location import check_location, remove_stale_probes
from local_db.lock import InstanceLock
from local_db.paths import BACKUPS_DIR, DB_FILE, EVIDENCE_DIR, LOCK_FILE

log = logging.getLogger("local_db")

BUSY_TIMEOUT_MS = 10_000
DEFAULT_EVIDENCE_LIMIT = 50 * 1024 * 1024


@dataclass(frozen=True)
class Change:
    """What a committed write touched: ``entity`` ("answer", "evidence", ...), a key, the assessment."""

    entity: str
    key: str = ""
    assessment_id: int | None = None


def _apply_pragmas(dbapi_conn: sqlite3.Connection) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")  # first: the rest may wait
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise UnsafeLocation(
                _("Thư mục dữ liệu không hỗ trợ chế độ ghi an toàn WAL của SQLite.")
            )
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    # pysqlite's own transaction handling starts transactions late and never for reads;
    # SQLAlchemy's documented recipe hands control to us so BEGIN is explicit.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        _apply_pragmas(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout
        # instead of one failing at its first write with SQLITE_BUSY.
        conn.exec_driver_sql(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get("dti_write") else "BEGIN"
        )

    return engine


def _check_writable(path: Path) -> None:
    """Raise ``OSError`` (EACCES, EROFS) when the database or its WAL files are write-protected.

    SQLite opens a write-protected file read-only without a word: the app would start and
    every save fail. An open for writing (nothing written) asks the OS now, where it can
    still be said at start-up."""
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            os.close(os.open(part, os.O_RDWR | getattr(os, "O_BINARY", 0)))
        except FileNotFoundError:
            continue


class Database:
    """An open data folder. Use ``open_database``; close it (or use ``with``)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        backup_keep: int = 10,
        evidence_limit: int = DEFAULT_EVIDENCE_LIMIT,
        user: str = "",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_FILE
        self.evidence_dir = self.data_dir / EVIDENCE_DIR
        self.backups_dir = self.data_dir / BACKUPS_DIR
        self.backup_keep = backup_keep
        self.evidence_limit = evidence_limit
        self.user = user
        self._lock = InstanceLock(self.data_dir / LOCK_FILE)
        self._subscribers: list[Callable[[Change], None]] = []
        self._engine: Engine | None = None
        self._write_engine: Engine | None = None

    # --- opening and closing ---------------------------------------------------------

    def _open(self) -> None:
        # Every environment error on the way is sorted (read-only, disk full, in use, disk
        # error) with a message naming the folder; only the integrity check says "damaged".
        with opening(self.data_dir):
            self.data_dir.mkdir(parents=True, exist_ok=True)
            check_location(self.data_dir)
        self._lock.acquire()
        try:
            log.info(
                "SQLite %s (Python sqlite3 module), data folder %s",
                sqlite3.sqlite_version,
                self.data_dir,
            )
            with opening(self.data_dir):
                self._check_and_migrate()
                self._engine = make_engine(self.path)
                self._write_engine = self._engine.execution_options(dti_write=True)
                with self._engine.connect():
                    pass  # applies the PRAGMAs now: a problem shows at open, not at the first edit
            self._sweep_evidence()
            remove_stale_probes(self.data_dir)
        except BaseException:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
            self._lock.release()
            raise

    def _check_and_migrate(self) -> None:
        version = 0
        if self.path.exists():
            # Read-only first: a damaged or too-new file must not be written to, not even
            # by switching it to WAL mode.
            ok, detail = backup.quick_check(self.path)
            if not ok:
                raise DatabaseDamaged(self.path, backup.latest_good_backup(self.data_dir), detail)
            _check_writable(self.path)
            probe = backup.connect_readonly(self.path)
            try:
                version = migrations.schema_version(probe)
            finally:
                probe.close()
        if version > migrations.LATEST:
            raise SchemaTooNew(
                _(
                    "Cơ sở dữ liệu {path} do phiên bản dti-desk mới hơn tạo ra (cấu trúc {found}, phiên bản này hiểu tới {latest}): hãy cập nhật phần mềm.",
                    path=str(self.path),
                    found=version,
                    latest=migrations.LATEST,
                )
            )
        if 0 < version < migrations.LATEST:
            saved = backup.make_backup(self.data_dir, backup.PRE_MIGRATION, f"v{version}")
            log.info("schema v%s -> v%s, backup %s", version, migrations.LATEST, saved)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            _apply_pragmas(conn)
            migrations.upgrade(conn)
        finally:
            conn.close()

    def close(self) -> None:
        if self._engine is None:
            return
        engine, self._engine, self._write_engine = self._engine, None, None
        try:
            engine.dispose()  # the last connection to close checkpoints the WAL
            self._backup_if_due()
        finally:
            self._lock.release()

    def backup_if_due(self) -> Path | None:
        """Make the daily automatic backup now if one is due (for a PC left on for days:
        the GUI may call this from a timer); returns the new backup or None."""
        if self._engine is None:
            raise StorageError(_("Cơ sở dữ liệu đã đóng."))
        return self._backup_if_due()

    def _backup_if_due(self) -> Path | None:
        if not backup.backup_due(self.data_dir):
            return None
        try:
            made = backup.make_backup(self.data_dir, backup.AUTO)
            backup.rotate(self.data_dir, self.backup_keep, backup.AUTO)
        except StorageError as error:
            # A failed backup must not stop the officer's work or closing; it is retried later.
            log.warning("automatic backup failed: %s", error)
            return None
        log.info("backup %s", made)
        return made

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise StorageError(_("Cơ sở dữ liệu đã đóng."))
        return self._engine

    # --- transactions ----------------------------------------------------------------

    def _sweep_evidence(self) -> None:
        """Leftovers of a crash in the evidence store go (see ``evidence_store.sweep``)."""
        if not self.evidence_dir.is_dir():
            return
        with self.read() as session:
            known = {
                row[0]
                for row in session.connection().exec_driver_sql("SELECT sha256 FROM evidence_blobs")
            }
        evidence_store.sweep(self.evidence_dir, self.data_dir, known)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with translate_errors(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        if self._write_engine is None:
            raise StorageError(_("Cơ sở dữ liệu đã đóng."))
        changes: list[Change] = []
        with translate_errors(), Session(self._write_engine, expire_on_commit=False) as session:
            session.info["changes"] = changes
            with session.begin():
                yield session
        for change in changes:
            for callback in list(self._subscribers):
                callback(change)

    @contextmanager
    def write_sql(self) -> Iterator[Connection]:
        """Like ``write()`` but a bare Connection, for the autosave hot path (no ORM overhead)."""
        if self._write_engine is None:
            raise StorageError(_("Cơ sở dữ liệu đã đóng."))
        changes: list[Change] = []
        with translate_errors(), self._write_engine.connect() as conn:
            conn.info["changes"] = changes
            with conn.begin():
                yield conn
            conn.info.pop("changes", None)
        for change in changes:
            for callback in list(self._subscribers):
                callback(change)

    # --- change notification ---------------------------------------------------------

    def subscribe(self, callback: Callable[[Change], None]) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Change], None]) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)


def record_change(session: Session | Connection, change: Change) -> None:
    """Announce ``change`` to subscribers once the surrounding write commits."""
    session.info.setdefault("changes", []).append(change)


def open_database(
    data_dir: Path,
    *,
    backup_keep: int = 10,
    evidence_limit: int = DEFAULT_EVIDENCE_LIMIT,
    user: str = "",
) -> Database:
    """Open (creating or upgrading) the database in ``data_dir``; see docs/storage.md."""
    db = Database(data_dir, backup_keep=backup_keep, evidence_limit=evidence_limit, user=user)
    db._open()
    return db
