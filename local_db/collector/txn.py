"""Writing to the collector database one package at a time: all or nothing, times in UTC."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime


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
        except BaseException:
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
