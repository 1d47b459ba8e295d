"""The collector database on PostgreSQL: the same SQL as on SQLite, through psycopg 3.

The collector's queries are written once, in the SQL both engines understand, with ``?``
placeholders; ``PgConnection`` presents the part of ``sqlite3.Connection`` they use
(``execute``, ``executemany``, ``in_transaction``, ``close``) and rewrites the few SQLite
spellings on the way (``translate``):

- ``?`` becomes ``%s`` (and a literal ``%`` is doubled, when the statement has parameters);
- ``INSERT OR IGNORE`` becomes ``INSERT ... ON CONFLICT DO NOTHING``;
- the scalar ``min(a, b)`` becomes ``LEAST(a, b)``;
- the tables listed in ``sqlite_master`` are those of ``pg_tables`` in the current schema;
- ``BEGIN IMMEDIATE`` (SQLite: take the write lock now) becomes ``BEGIN`` plus a transaction
  advisory lock, so writers queue one after the other exactly as on SQLite: two merges of
  overlapping inboxes at once end as one after the other;
- ``PRAGMA synchronous = NORMAL|FULL`` (a merge's batches) becomes ``synchronous_commit``
  off/on, the same trade: each commit atomic, durable at the merge's last commit.

The schema is the one DDL text of ``schema.py`` with PostgreSQL's types (``ddl``): ``BLOB`` is
``BYTEA``, ``INTEGER`` is ``BIGINT`` (SQLite's integers are 64-bit), and text compares byte by
byte (``COLLATE "C"``, as SQLite's ``BINARY``), so names, ordering and "the smallest name seen"
are the same on both engines. Its version is a row of ``meta``.

A URL's password never appears in a message or a log line: ``masked`` replaces it.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import psycopg

# psycopg (about 0.1 s to import) is loaded by the first PostgreSQL connection, not by every
# collector command on SQLite: the methods below import it where they use it

from forms.i18n import _
from local_db.collector import feed
from local_db.collector.db_url import masked
from local_db.errors import StorageError

T = TypeVar("T")
# the key of the advisory lock every writer takes (any constant; "dti" in ASCII)
WRITE_LOCK = 0x647469


class DatabaseUnreachable(StorageError):
    pass


_COMMENT = re.compile(r"--[^\n]*")
_CREATE_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)")
_MIN2 = re.compile(r"\bmin\(([\w.]+),\s*([\w.]+)\)")
_OR_IGNORE = "INSERT OR IGNORE INTO"
_SQLITE_TABLES = "FROM sqlite_master WHERE type='table' AND name"
_PG_TABLES = "FROM pg_tables WHERE schemaname=current_schema() AND tablename"


def translate(sql: str, bound: bool = True) -> str:
    """SQLite's spelling of one statement in PostgreSQL's (see the module's docstring);
    ``bound``: it comes with parameters (psycopg reads ``%`` as a placeholder only then)."""
    out = sql.replace("%", "%%").replace("?", "%s") if bound else sql
    out = _MIN2.sub(r"LEAST(\1, \2)", out)
    out = out.replace(_SQLITE_TABLES, _PG_TABLES)
    if _OR_IGNORE in out:
        out = out.replace(_OR_IGNORE, "INSERT INTO") + " ON CONFLICT DO NOTHING"
    return out


def ddl(sqlite_ddl: str) -> list[str]:
    """The statements of ``sqlite_ddl`` with PostgreSQL's types."""
    text = _COMMENT.sub("", sqlite_ddl)
    text = re.sub(r"\bBLOB\b", "BYTEA", text)
    text = re.sub(r"\bINTEGER\b", "BIGINT", text)
    text = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', text)
    return [s.strip() for s in text.split(";") if s.strip()]


_PRAGMAS = {
    "PRAGMA synchronous = NORMAL": "SET synchronous_commit = off",
    "PRAGMA synchronous = FULL": "SET synchronous_commit = on",
}


class PgConnection:
    """A psycopg connection that speaks to the collector's code like ``sqlite3.Connection``
    with ``isolation_level=None``: autocommit, transactions opened by the caller's ``BEGIN``."""

    engine = "postgresql"  # ``sqlite3.Connection`` has no such attribute: ``engine_of``

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self._pipeline: psycopg.Pipeline | None = None
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise unreachable(url, exc) from None

    @property
    def in_transaction(self) -> bool:
        from psycopg import pq

        if (
            self._pipeline is not None
            and self._conn.info.transaction_status == pq.TransactionStatus.ACTIVE
        ):
            self.flush()  # statements sent ahead: the answer is after them
        # NB: after a read's result is fetched in pipeline mode libpq says IDLE inside a
        # merge's open batch, so on PostgreSQL each package commits on its own. Syncing here
        # when not INTRANS restores the batches (256 savepoints per transaction): measured
        # the same speed (1,500 packages stored in 0.97 s against 0.93 s), but past 64
        # subtransactions a backend's cache overflows, which slows other sessions' snapshots
        # (the windows reading during a merge). Left so; see docs/collector.md
        status = self._conn.info.transaction_status
        return status in (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> psycopg.Cursor[Any]:
        stripped = sql.strip()
        if stripped == "BEGIN IMMEDIATE":
            cursor = self._run("BEGIN", None)
            self._run("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            return cursor
        if stripped.startswith("PRAGMA"):
            if stripped not in _PRAGMAS:
                raise ValueError(f"{stripped}: no PostgreSQL equivalent")  # a programming error
            return self._run(_PRAGMAS[stripped], None)
        if "CREATE" in stripped and _COMMENT.sub("", stripped).lstrip().startswith("CREATE"):
            (statement,) = ddl(stripped)
            cursor = self._run(statement, None)
            made = _CREATE_TABLE.match(statement)
            if made is not None and made.group(1) in feed.FEED_TABLES:
                self.with_driver(feed.ensure)  # the new table announces its writes too
            return cursor
        return self._run(translate(sql, params is not None), params)

    def script(self, sql: str) -> None:
        """One statement run as it is written, in PostgreSQL's own SQL (a trigger function's
        body holds semicolons that ``execute`` would split on)."""
        self._run(sql, None)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        import psycopg

        cursor = self._conn.cursor()
        try:
            cursor.executemany(translate(sql), list(seq))  # pipelined by psycopg
        except psycopg.OperationalError as exc:
            raise unreachable(self.url, exc) from None
        return cursor

    def _run(self, sql: str, params: Sequence[Any] | None) -> psycopg.Cursor[Any]:
        import psycopg

        try:
            return self._conn.execute(sql, params)
        except psycopg.OperationalError as exc:
            raise unreachable(self.url, exc) from None

    @contextlib.contextmanager
    def pipelined(self) -> Iterator[None]:
        """A merge's batches: statements whose result nobody reads are sent without waiting
        for the server (psycopg's pipeline mode); a read, and ``flush`` at the end of each
        package, wait for everything before them. A package is then 4 round trips, not 9."""
        import psycopg

        if self._pipeline is not None:
            yield
            return
        try:
            with self._conn.pipeline() as pipeline:
                self._pipeline = pipeline
                try:
                    yield
                finally:
                    self._pipeline = None
        except psycopg.OperationalError as exc:
            raise unreachable(self.url, exc) from None

    def flush(self) -> None:
        """Wait for every statement sent: an error in them is raised here (the package's)."""
        import psycopg

        if self._pipeline is not None:
            try:
                self._pipeline.sync()
            except psycopg.OperationalError as exc:
                raise unreachable(self.url, exc) from None

    def settle(self) -> None:
        """``flush`` on the way out of a failed package: what was sent ahead is rolled back
        with it, so an error of theirs adds nothing to the one being raised."""
        import psycopg

        if self._pipeline is not None:
            with contextlib.suppress(psycopg.Error):
                self._pipeline.sync()

    def with_driver(self, fn: Callable[[Any], T]) -> T:
        """``fn(psycopg connection)``: SQL of PostgreSQL's own (the change feed's triggers),
        not translated; OperationalError told as for every statement."""
        import psycopg

        try:
            return fn(self._conn)
        except psycopg.OperationalError as exc:
            raise unreachable(self.url, exc) from None

    @property
    def backend_pid(self) -> int:
        """The server process of this connection (the change feed tells its own writes by it)."""
        return int(self._conn.info.backend_pid)

    @property
    def broken(self) -> bool:
        """The server went away (restarted, the network cut): a new connection is needed."""
        return bool(self._conn.broken or self._conn.closed)

    def close(self) -> None:
        self._conn.close()

    def __del__(self) -> None:
        # like sqlite3's, a connection dropped without close() is closed, without a warning
        conn = getattr(self, "_conn", None)
        if conn is not None and not conn.closed:
            conn.close()


def engine_of(conn: object) -> str:
    """``postgresql`` for a ``PgConnection``, ``sqlite`` for the standard library's."""
    return str(getattr(conn, "engine", "sqlite"))


def unreachable(url: str, exc: BaseException) -> DatabaseUnreachable:
    detail = str(exc).strip().replace(url, masked(url))
    return DatabaseUnreachable(
        _(
            "Không kết nối được cơ sở dữ liệu PostgreSQL {url}: {detail}. Hãy kiểm tra máy chủ, tên cơ sở dữ liệu và quyền truy cập.",
            url=masked(url),
            detail=detail,
        )
    )


def is_package_error(exc: BaseException) -> bool:
    """A PostgreSQL error that a package's *values* caused (a value out of range or not text,
    a constraint): that package is quarantined, the merge goes on."""
    driver = sys.modules.get("psycopg")  # not loaded: no PostgreSQL error can have happened
    return driver is not None and isinstance(exc, driver.DataError | driver.IntegrityError)


def is_pg_error(exc: BaseException) -> bool:
    driver = sys.modules.get("psycopg")
    return driver is not None and isinstance(exc, driver.Error)


def driver_errors() -> tuple[type[BaseException], ...]:
    """psycopg's base error when PostgreSQL is in use, else nothing."""
    driver = sys.modules.get("psycopg")
    return () if driver is None else (driver.Error,)
