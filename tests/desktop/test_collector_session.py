"""The collector's session: one ``changed(year)`` per action, the views react to it (no
re-read called by the action), and work on a worker uses that thread's own connection."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import local_db.collector.store as store_module
from desktop.collector.session import ALL_YEARS, CollectorSession
from desktop.collector.window import CollectorWindow
from desktop.review.items_model import VERIFIED
from desktop.review.reviewer import ReviewerScreen
from desktop.tasks import TaskRunner
from forms.packages.trust import ROLE_REVIEW, TrustRegistry
from local_db.collector import CollectorStore
from local_db.review import collector as rc
from tests.desktop import test_review_screens as screens
from tests.local_db.collector_support import CS as UNITS_CS
from tests.local_db.review_support import CS, REVIEWER, UNIT, current_sha
from tests.local_db.test_collector_store import conflicting_inbox


@pytest.fixture
def inbox(tmp_path: Path):
    folder = tmp_path / "nhan"
    return conflicting_inbox(folder, 4, seed=21), folder


world = screens.world  # a commune's submission merged into world.tmp / "collector.sqlite"
collector_session = screens.collector_session  # a session on that database


def _recorder(session: CollectorSession) -> list[int]:
    seen: list[int] = []
    session.changed.connect(seen.append)
    return seen


def test_changed_once_per_inbox_action(qtbot, tmp_path: Path, inbox) -> None:
    u, folder = inbox
    with CollectorStore(tmp_path / "c.sqlite") as store:
        session = CollectorSession(store, TaskRunner(synchronous=True), officer="Trần Văn Bình")
        seen = _recorder(session)
        done: list[object] = []
        session.merge([folder], u.trust, [UNITS_CS], on_done=done.append)
        assert seen == [ALL_YEARS] and done[0].accepted == 5  # type: ignore[attr-defined]
        conflict = next(r for r in store.inbox_rows() if r.status == "conflict")
        assert session.decide(conflict.file_sha256, "Chọn")
        assert seen == [ALL_YEARS, 2025]
        assert not session.decide("00" * 32, "Chọn")  # nothing decided: no signal
        session.set_not_ranked([(u.codes[1], True), (u.codes[2], True)])
        assert seen == [ALL_YEARS, 2025, ALL_YEARS]  # one signal for both units
        session.set_not_ranked([])
        assert len(seen) == 3


def test_changed_once_per_review_action(qtbot, world, collector_session, tmp_path: Path) -> None:
    session = collector_session
    sha = current_sha(world.conn)
    seen = _recorder(session)
    session.store.start_review(sha, CS, REVIEWER)
    session.save_item(sha, CS, "1.1", points=10, comment="Thiếu biên bản")
    session.save_details(sha, deadline="2026-02-15")
    assert seen == [2025, 2025]
    issued: list[Path] = []
    session.issue(sha, CS, world.reviewer, tmp_path / "reviews", on_done=issued.append)
    assert seen == [2025, 2025, 2025] and issued[0].is_file()

    # received into a province database: stored says changed, a duplicate does not
    reviewers = TrustRegistry()
    reviewers.add_key(UNIT, world.reviewer.public_raw, "Sở", roles=(ROLE_REVIEW,))
    reviewers.save(tmp_path / "reviewers.json")
    with CollectorStore(tmp_path / "province.sqlite") as province_store:
        province = CollectorSession(
            province_store, TaskRunner(synchronous=True), officer="Trần Văn Bình"
        )
        province_store.merge([world.tmp / "out1"], world.trust, [CS])
        got: list[rc.ReceivedReview] = []
        province_seen = _recorder(province)
        for _time in range(2):
            province.receive_review(
                issued[0], tmp_path / "reviewers.json", {CS.content_hash: CS}, on_done=got.append
            )
        assert [g.outcome for g in got] == ["stored", "duplicate"]
        assert province_seen == [2025]


def test_the_inbox_follows_a_merge_made_elsewhere(qtbot, tmp_path: Path, inbox) -> None:
    """The window re-reads on the session's changed: a merge through the session (not the
    window's own merge) shows in the inbox and the ranking, with no reread call."""
    u, folder = inbox
    window = CollectorWindow(
        tmp_path / "c.sqlite", u.trust, [UNITS_CS], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    assert window.inbox_model.rowCount() == 0
    window.session.merge([folder], u.trust, [UNITS_CS])
    assert window.inbox_model.rowCount() == 5 and window.ranking_model.rowCount() == 3
    assert "Năm 2025: 3 đơn vị đã nộp hợp lệ" in window.ranking_note.text()


def test_the_ranking_follows_a_not_ranked_mark(qtbot, tmp_path: Path, inbox) -> None:
    u, folder = inbox
    window = CollectorWindow(
        tmp_path / "c.sqlite", u.trust, [UNITS_CS], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    window.merge([folder])
    first = window.ranking_model.rows[0].unit_code
    window.session.officer = "Lê Văn Hùng"  # asked by the window otherwise
    with qtbot.waitSignal(window.session.changed):
        window.session.set_not_ranked([(first, True)])
    last = window.ranking_model.rows[-1]
    assert (last.unit_code, last.rank) == (first, None)


def test_another_years_change_is_not_read_again(qtbot, tmp_path: Path, inbox, monkeypatch) -> None:
    u, _folder = inbox
    window = CollectorWindow(
        tmp_path / "c.sqlite", u.trust, [UNITS_CS], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    reads: list[int] = []
    monkeypatch.setattr(window, "reread", lambda: reads.append(1))
    window.session.changed.emit(2019)
    assert reads == []
    window.session.changed.emit(2025)
    window.session.changed.emit(ALL_YEARS)
    assert reads == [1, 1]


def test_a_reviewer_screen_follows_an_edit_made_elsewhere(qtbot, world, collector_session) -> None:
    """Two screens on one submission (or the command line's session): a saved edit shows in
    the other screen's table and summary through changed."""
    sha, session = current_sha(world.conn), collector_session
    screen = ReviewerScreen(session, sha, CS, REVIEWER)
    qtbot.addWidget(screen)
    model = screen.model
    assert model.index(model.row_of("1.1"), VERIFIED).data() == "20"
    session.save_item(sha, CS, "1.1", points=10, comment="Chỉ 2 biên bản")
    assert model.index(model.row_of("1.1"), VERIFIED).data() == "10"
    total = screen.summary.model.rowCount() - 1
    assert screen.summary.model.item(total, 3).text() == "50"


def test_reviewer_issue_runs_on_the_worker_with_its_own_connection(
    qtbot, world, tmp_path, monkeypatch
) -> None:
    """Regression: the reviewer screen signed on a worker thread over the window's GUI-thread
    connection (opened with check_same_thread=False). Now every connection keeps SQLite's
    check, so a connection used from two threads would raise ProgrammingError here."""
    sha = current_sha(world.conn)
    runner = TaskRunner()  # the real thread pool
    used: list[tuple[int, int]] = []  # (thread running issue, thread that opened its connection)
    opened_on: dict[int, int] = {}
    real_issue, real_connect = rc.issue, store_module.connect

    def connect(path):
        conn = real_connect(path)
        opened_on[id(conn)] = threading.get_ident()
        return conn

    def issue(conn, *args, **kwargs):
        used.append((threading.get_ident(), opened_on.get(id(conn), -1)))
        return real_issue(conn, *args, **kwargs)

    monkeypatch.setattr(store_module, "connect", connect)
    monkeypatch.setattr(rc, "issue", issue)
    store = CollectorStore(world.tmp / "collector.sqlite")
    try:
        screen = ReviewerScreen(
            CollectorSession(store, runner, officer="Trần Văn Bình"), sha, CS, REVIEWER
        )
        qtbot.addWidget(screen)
        failures: list[str] = []
        screen.failed.connect(failures.append)
        with qtbot.waitSignal(screen.issued, timeout=20000):
            screen.issue(world.reviewer, tmp_path / "reviews")
        assert failures == []
        [(ran_on, conn_from)] = used
        assert ran_on != threading.get_ident()  # signed off the GUI thread
        assert conn_from == ran_on  # on a connection that thread opened
        assert screen.read_only and store.review_state(sha) == rc.ISSUED  # the GUI's own
    finally:
        runner.wait()
        store.close()
