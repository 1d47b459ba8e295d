"""Writing to the collector database one package at a time, all or nothing, in batches that
share a commit; which errors are the machine's rather than a package's; times in UTC."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

from local_db.collector import pg
from local_db.errors import StorageError


def _db_errors() -> tuple[type[BaseException], ...]:
    """What a failed commit or pragma may raise on either engine."""
    return (sqlite3.Error, StorageError, *pg.driver_errors())


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def atomic(conn: sqlite3.Connection) -> Iterator[None]:
    """One package's writes, all or nothing.

    Inside ``merge_paths`` a transaction is already open (a batch: one commit for many
    packages, which is most of what storing used to cost) and the package gets a savepoint;
    called on its own, the package gets its own transaction."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT package")
        try:
            yield
            _flush(conn)  # PostgreSQL: what the package sent ahead failed here, if it failed
        except BaseException:
            _settle(conn)
            # an I/O or full-disk error may already have rolled the whole transaction back
            if conn.in_transaction:
                conn.execute("ROLLBACK TO package")
                conn.execute("RELEASE package")
            raise
        conn.execute("RELEASE package")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def batches(conn: sqlite3.Connection, size: int) -> Iterator[Batches]:
    """A merge's writes: ``size`` packages per commit, each still all or nothing (``atomic``).

    The connection runs with ``synchronous=NORMAL`` meanwhile (in WAL mode each commit is then
    atomic but not fsync'ed) and ``FULL`` again after, also when the merge fails: what was
    merged before the failing package is committed (merging the same files again completes
    the job). The caller ends with one ``FULL`` commit, which makes every earlier one durable.
    """
    conn.execute("PRAGMA synchronous = NORMAL")
    batch = Batches(conn, size)
    try:
        with _pipelined(conn):
            _open_batch(conn)
            yield batch
    except BaseException:
        # the failing package was rolled back to its savepoint: keep what came before it,
        # and restore full durability without masking the error
        with contextlib.suppress(*_db_errors()):
            _commit_batch(conn)
        with contextlib.suppress(*_db_errors()):
            conn.execute("PRAGMA synchronous = FULL")
        raise
    _commit_batch(conn)
    conn.execute("PRAGMA synchronous = FULL")


def _pipelined(conn: sqlite3.Connection) -> contextlib.AbstractContextManager[None]:
    """PostgreSQL's pipeline for a merge's writes (``pg.PgConnection.pipelined``); nothing on SQLite."""
    pipelined = getattr(conn, "pipelined", None)
    return contextlib.nullcontext() if pipelined is None else pipelined()


def _flush(conn: sqlite3.Connection) -> None:
    flush = getattr(conn, "flush", None)
    if flush is not None:
        flush()


def _settle(conn: sqlite3.Connection) -> None:
    settle = getattr(conn, "settle", None)
    if settle is not None:
        settle()


class Batches:
    def __init__(self, conn: sqlite3.Connection, size: int) -> None:
        self._conn, self._size, self._count = conn, size, 0

    def one_more(self) -> None:
        """A package was stored: commit when the batch is full, and open the next."""
        self._count += 1
        if self._count >= self._size:
            _commit_batch(self._conn)
            _open_batch(self._conn)
            self._count = 0


def _open_batch(conn: sqlite3.Connection) -> None:
    if not conn.in_transaction:
        conn.execute("BEGIN IMMEDIATE")


def _commit_batch(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("COMMIT")


# SQLite result codes (primary, ``sqlite_errorcode & 0xFF``) that a package's *values* can
# cause: a value too big, a constraint or trigger refusing it, a type mismatch. Every other
# SQLite error (busy, locked, read-only, I/O, full, corrupt, no memory, a damaged schema...)
# describes the database or the machine and would hit every package after it.
_PACKAGE_SQLITE_CODES = frozenset({18, 19, 20})  # SQLITE_TOOBIG, _CONSTRAINT, _MISMATCH


def is_environment_error(exc: BaseException) -> bool:
    """True if ``exc``, raised while storing one package, is not that package's fault.

    Those stop the merge (the user frees disk space, closes the other program, and merges
    again); anything else (``OverflowError`` binding 10**30, ``TypeError``, ``KeyError``, a
    constraint) quarantines that one package and the merge goes on."""
    if isinstance(exc, OSError | MemoryError | StorageError):
        return True
    if pg.is_pg_error(exc):
        return not pg.is_package_error(exc)
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:
            # raised by the sqlite3 module itself: a value it cannot bind is the package's
            return not isinstance(exc, sqlite3.InterfaceError | sqlite3.ProgrammingError)
        return code & 0xFF not in _PACKAGE_SQLITE_CODES
    return False
