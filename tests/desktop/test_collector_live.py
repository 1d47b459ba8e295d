"""The collector window follows writes made elsewhere: a real `dti-desk merge` subprocess
merges into the database the window has open, and the session's ``changed`` arrives within a
few seconds, on SQLite (data_version poll) and on PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from desktop.collector.session import ALL_YEARS
from desktop.collector.window import CollectorWindow
from desktop.tasks import TaskRunner
from forms.packages.demo import write_demo
from forms.packages.trust import TrustRegistry
from forms.reference import reference_sets
from local_db.collector import CollectorStore, feed
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return write_demo(tmp_path_factory.mktemp("demo") / "packages", units=6, seed=5, evidence=0)


def _window(qtbot, target: str, data_dir: Path, demo) -> CollectorWindow:
    window = CollectorWindow(
        target, TrustRegistry.load(demo.trust), reference_sets(), TaskRunner(synchronous=True),
        year=2025, data_dir=data_dir,
    )  # fmt: skip
    qtbot.addWidget(window)
    return window


def _merge_elsewhere(target: str, packages: list[Path], trust: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "merge", "--db", target, *map(str, packages),
         "--trust", str(trust)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_a_merge_by_another_process_refreshes_the_window(
    qtbot, tmp_path: Path, collector_target: str, demo
) -> None:
    window = _window(qtbot, collector_target, tmp_path, demo)
    assert window.inbox_model.rowCount() == 0
    seen: list[int] = []
    window.session.changed.connect(seen.append)
    _merge_elsewhere(collector_target, demo.packages[:3], demo.trust)
    qtbot.waitUntil(lambda: window.inbox_model.rowCount() == 3, timeout=8000)
    assert seen and set(seen) == {ALL_YEARS}
    # one more, then quiet: the window's own re-reads do not announce themselves again
    _merge_elsewhere(collector_target, demo.packages[3:4], demo.trust)
    qtbot.waitUntil(lambda: window.inbox_model.rowCount() == 4, timeout=8000)
    count = len(seen)
    qtbot.wait(2 * feed.WAIT * 1000 + 2500)  # longer than a poll and a listener's wait
    assert len(seen) == count
    window.close()


def test_own_writes_are_announced_once(qtbot, tmp_path: Path, collector_target: str, demo) -> None:
    window = _window(qtbot, collector_target, tmp_path, demo)
    if window.feed.listener is not None:
        assert window.feed.listener.connected.wait(5)
    seen: list[int] = []
    window.session.changed.connect(seen.append)
    window.merge(demo.packages[:2])  # the window's own merge, on the synchronous runner
    assert seen == [ALL_YEARS]
    qtbot.wait(2 * feed.WAIT * 1000 + 2500)
    assert seen == [ALL_YEARS]  # no second refresh from the feed for the window's own write
    window.close()


def test_closing_the_window_stops_the_listener_promptly(qtbot, tmp_path: Path, pg_url) -> None:
    demo_trust = tmp_path / "trust.json"
    TrustRegistry().save(demo_trust)
    window = CollectorWindow(
        pg_url, TrustRegistry(), reference_sets(), TaskRunner(synchronous=True), year=2025,
        data_dir=tmp_path,
    )  # fmt: skip
    qtbot.addWidget(window)
    listener = window.feed.listener
    assert listener is not None and listener.connected.wait(5)
    started = time.monotonic()
    window.close()
    assert not listener.alive
    assert time.monotonic() - started < 2 * feed.WAIT + 1.0


def test_a_lost_listener_says_so_and_reconnects(qtbot, tmp_path: Path, pg_url, demo) -> None:
    window = _window(qtbot, pg_url, tmp_path, demo)
    listener = window.feed.listener
    assert listener is not None and listener.connected.wait(5)
    pid = listener.backend_pid
    statuses: list[str] = []
    window.feed.status.connect(statuses.append)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    qtbot.waitUntil(lambda: len(statuses) >= 2, timeout=10000)
    assert "Mất kết nối" in statuses[0] and "kết nối lại" in statuses[1]
    assert "password" not in " ".join(statuses)
    assert listener.backend_pid != pid  # a new connection listens again
    _merge_elsewhere(pg_url, demo.packages[:1], demo.trust)
    qtbot.waitUntil(lambda: window.inbox_model.rowCount() == 1, timeout=8000)
    window.close()


def test_one_notification_per_commit_not_per_row(pg_url, demo) -> None:
    """3,000 units in one transaction are one notification; a merge at most one per commit
    (on PostgreSQL a package is its own commit: pg.PgConnection.in_transaction); a rolled-back
    write is none."""
    with CollectorStore(pg_url) as store, psycopg.connect(pg_url, autocommit=True) as listen:
        listen.execute(f"LISTEN {feed.CHANNEL}")
        store.set_units((f"{30000 + i}", f"Xã {i}", "xã", "") for i in range(3000))
        assert len(list(listen.notifies(timeout=1.0))) == 1
        store.merge(demo.packages, TrustRegistry.load(demo.trust), reference_sets())
        merged = list(listen.notifies(timeout=1.0))
        assert 1 <= len(merged) <= len(demo.packages)
        assert {n.pid for n in merged} == store.backend_pids  # the window leaves these out
        store.conn.execute("BEGIN")
        store.conn.execute("UPDATE units SET kind = 'phường'")
        store.conn.execute("ROLLBACK")
        assert list(listen.notifies(timeout=0.5)) == []


def test_a_table_created_later_joins_the_feed(pg_url) -> None:
    """The reviewers' tables are made on first use: their trigger comes with them."""
    from local_db.review.schema import ensure_schema

    with CollectorStore(pg_url) as store:
        ensure_schema(store.conn)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            names = {
                r[0]
                for r in conn.execute(
                    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE t.tgname = %s",
                    (feed.TRIGGER,),
                )
            }
    assert set(feed.FEED_TABLES) == names


def test_the_store_reconnects_after_losing_its_server_connection(pg_url) -> None:
    """The window's own connection cut (a server restart): one read says so, the next works."""
    from local_db.errors import StorageError

    with CollectorStore(pg_url) as store:
        first = store.conn.backend_pid  # type: ignore[attr-defined]
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        with pytest.raises(StorageError) as caught:
            store.inbox_rows()
        assert "Không kết nối được cơ sở dữ liệu PostgreSQL" in str(caught.value)
        assert store.inbox_rows() == []
        assert store.conn.backend_pid != first  # type: ignore[attr-defined]
        assert {first, store.conn.backend_pid} <= store.backend_pids  # type: ignore[attr-defined]


def test_a_role_that_may_not_add_triggers_still_opens_the_database(pg_url) -> None:
    """A database made before the feed, opened first by a role that does not own its tables:
    opened all the same (its writes unannounced until the owner opens it: db check notes it)."""
    CollectorStore(pg_url).close()
    reader = f"reader_{os.getpid()}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        for table in feed.FEED_TABLES:
            admin.execute(f"DROP TRIGGER IF EXISTS {feed.TRIGGER} ON {table}")  # an old database
        admin.execute(f"CREATE ROLE {reader} LOGIN")
        admin.execute(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {reader}")
    parts = pg_url.split("@", 1)
    as_reader = f"postgresql://{reader}@{parts[1]}"
    with CollectorStore(as_reader) as store:
        assert store.inbox_rows() == []
    with psycopg.connect(pg_url, autocommit=True) as admin:
        count = "SELECT count(*) FROM pg_trigger WHERE tgname = %s"
        assert admin.execute(count, (feed.TRIGGER,)).fetchone()[0] == 0
        CollectorStore(pg_url).close()  # the owner: the triggers come back
        later = {"reviews", "review_items"}  # made on the first review
        made = admin.execute(count, (feed.TRIGGER,)).fetchone()[0]
        assert made == len(set(feed.FEED_TABLES) - later)
