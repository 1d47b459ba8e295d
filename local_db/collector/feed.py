"""The collector database's change feed: an open window learns that someone else wrote.

PostgreSQL: every table the window shows carries a statement-level trigger (``dti_feed``) that
calls ``pg_notify('dti_collector', '')``. The server delivers a notification when the writing
transaction commits, and identical notifications of one transaction are delivered once, so a
merge's batch of hundreds of packages is one notification, a rolled-back write none. Every
writer is covered (merge, reviews, decisions, marks, units, results import, the writers still to
come) without any of them calling anything. ``Listener`` waits for them on its own connection,
on a thread of its own, and reconnects with a backoff when the server goes away.

SQLite: ``PRAGMA data_version`` of a connection changes when another connection (another
thread, another process) commits; the window polls it (``data_version``, a few microseconds).

The password of a URL never reaches a log line or a status message (``db_url.masked``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

CHANNEL = "dti_collector"
TRIGGER = "dti_feed"
FUNCTION = "dti_feed_notify"

# Every table whose writes an open window shows. A table added to the collector database (the
# reviewers' versioned edits, an audit) joins the feed with one line here: its trigger is made
# with the table (``PgConnection`` runs ``attach_sql`` after its CREATE TABLE) and added to an
# existing database the next time it is opened (``missing_sql``, from ``schema.connect``).
FEED_TABLES = (
    "units",
    "submissions",
    "received_files",
    "quarantine",
    "bundles",
    "forwardings",
    "current",
    "conflicts",
    "decisions",
    "published_results",
    "reviews",
    "review_items",
)

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $feed$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$feed$
"""

# the feed tables that exist without their trigger (one parameter: FEED_TABLES as an array)
MISSING_SQL = (
    "SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL AND NOT EXISTS "
    f"(SELECT 1 FROM pg_trigger WHERE tgname = '{TRIGGER}' AND tgrelid = to_regclass(t))"
)

log = logging.getLogger(__name__)


def attach_sql(table: str) -> str:
    """The trigger of ``table`` (a name of ``FEED_TABLES``: never text from outside)."""
    if table not in FEED_TABLES:
        raise ValueError(f"{table} is not a feed table")
    return (
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def attach(raw: Any, tables: Iterable[str]) -> None:
    """Create the function and the triggers of ``tables`` on ``raw`` (a psycopg connection,
    inside the caller's transaction)."""
    tables = list(tables)
    if not tables:
        return
    raw.execute(FUNCTION_SQL)
    for table in tables:
        raw.execute(attach_sql(table))


def ensure(raw: Any) -> None:
    """Add the triggers an existing database lacks (made before the feed, or before a table
    joined it); one query when nothing is missing. Inside the caller's transaction (both
    callers hold the writers' lock: two openings do not both add them)."""
    missing = [row[0] for row in raw.execute(MISSING_SQL, (list(FEED_TABLES),)).fetchall()]
    if not missing:
        return
    import psycopg

    # a role that does not own the tables (a reader) cannot make triggers: it still opens the
    # database, and the owner's next opening adds them (``dti-desk db check`` notes them)
    raw.execute("SAVEPOINT dti_feed")
    try:
        attach(raw, missing)
    except psycopg.errors.InsufficientPrivilege:
        raw.execute("ROLLBACK TO SAVEPOINT dti_feed")
        log.warning("change feed: no right to add triggers to %s", ", ".join(missing))
    raw.execute("RELEASE SAVEPOINT dti_feed")


# --- listening (PostgreSQL) ---------------------------------------------------------------------

LOST, BACK = "lost", "back"
WAIT = 0.25  # seconds per wait for notifications: the stop flag is looked at this often
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # seconds between reconnection attempts


class Listener:
    """Waits for the feed's notifications on its own connection to ``url``, on a thread.

    ``on_change()`` is called (on the listener's thread) for each notification from a
    backend not in ``ignore()`` (the window's own connections: their
    writes are announced by the session already). ``on_status(LOST)`` when the connection is
    lost or cannot be made, ``on_status(BACK)`` when it is made again (then ``on_change()``
    follows: what was written meanwhile was not announced). ``stop()`` ends it within ``WAIT``.
    """

    def __init__(
        self,
        url: str,
        on_change: Callable[[], None],
        on_status: Callable[[str], None],
        ignore: Callable[[], set[int]] = set,
    ) -> None:
        self.url = url
        self.on_change = on_change
        self.on_status = on_status
        self.ignore = ignore
        self.backend_pid: int | None = None  # of the listening connection, once connected
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dti-collector-feed", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 3.0) -> bool:
        """Ask the thread to end and wait for it; True when it has."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        import psycopg

        attempt, lost = 0, False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    self.connected.set()
                    attempt = 0
                    if lost:
                        lost = False
                        self.on_status(BACK)
                        self.on_change()
                    self._listen(conn)
            except psycopg.Error as exc:
                self.connected.clear()
                if self._stop.is_set():
                    break
                from local_db.collector.db_url import masked

                log.info("change feed of %s lost: %s", masked(self.url), type(exc).__name__)
                if not lost:
                    lost = True
                    self.on_status(LOST)
                self._stop.wait(BACKOFF[min(attempt, len(BACKOFF) - 1)])
                attempt += 1
        self.connected.clear()

    def _listen(self, conn: Any) -> None:
        while not self._stop.is_set():
            mine = self.ignore()
            for note in conn.notifies(timeout=WAIT):
                if note.pid not in mine and not self._stop.is_set():
                    self.on_change()  # each one: the window folds those close together
