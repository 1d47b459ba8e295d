"""The reviewer tab with several reviewers at once: a save refused because another officer saved
first shows who and when and the newer value, then re-applies on top of it or keeps the newer;
the officer's name is asked once per session."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from desktop.collector.session import CollectorSession
from desktop.review.reviewer import ReviewerScreen
from desktop.tasks import TaskRunner
from forms.text import format_moment
from local_db.collector import CollectorStore
from local_db.review import collector as rc
from tests.desktop import test_review_screens as screens
from tests.local_db.review_support import CS, REVIEWER, current_sha

world = screens.world
collector_session = screens.collector_session
screen = screens.screen
LAN = "Nguyễn Thị Lan"
T1 = datetime(2026, 2, 3, 8, 15, tzinfo=UTC)


def _lan_saves(world, points: int, comment: str) -> None:
    """Another officer, on her own connection (another PC), saves indicator 1.1."""
    sha = current_sha(world.conn)
    rc.set_item(world.conn, sha, CS, "1.1", points=points, comment=comment, officer=LAN, now=T1)


def test_a_refused_save_shows_the_newer_value_and_re_applies_on_top(screen, world) -> None:
    screen.select("1.1")
    _lan_saves(world, 10, "Chỉ có 2 biên bản")
    screen.points.setValue(5)
    screen.comment.setPlainText("Chỉ có 1 biên bản")
    assert not screen.save_current()
    text = screen.message.text()
    assert LAN in text and format_moment(T1) in text and "Chỉ có 2 biên bản" in text
    # the newer value is shown, with the choice to re-apply or keep it
    assert (
        screen.points.decimal_value() == 10 and screen.comment.toPlainText() == "Chỉ có 2 biên bản"
    )
    assert screen.reapply_button.isVisibleTo(screen) and screen.keep_button.isVisibleTo(screen)
    stored = screen.store.load_review(screen.sha).items["1.1"]
    assert (stored.verified_points, stored.comment) == (10, "Chỉ có 2 biên bản")  # not overwritten
    assert screen.reapply()
    stored = screen.store.load_review(screen.sha).items["1.1"]
    assert (stored.verified_points, stored.comment) == (5, "Chỉ có 1 biên bản")
    assert not screen.reapply_button.isVisibleTo(screen) and screen.pending is None
    rows = rc.audit_rows(screen.store.conn, f"{screen.sha}/1.1")
    assert [(r.version, r.officer) for r in rows] == [(2, LAN), (3, "Trần Văn Bình")]


def test_keeping_the_newer_value_drops_the_refused_change(screen, world) -> None:
    screen.select("1.1")
    _lan_saves(world, 10, "Chỉ có 2 biên bản")
    screen.points.setValue(5)
    assert not screen.save_current()
    screen.keep_newer()
    assert screen.pending is None and not screen.keep_button.isVisibleTo(screen)
    assert screen.message.text() == ""
    assert screen.store.load_review(screen.sha).items["1.1"].verified_points == 10
    # the next save is based on the newer version: accepted
    screen.points.setValue(15)
    assert screen.save_current()


def test_stale_details_are_refused_and_the_newer_ones_shown(screen, world) -> None:
    failures: list[str] = []
    screen.failed.connect(failures.append)
    sha = current_sha(world.conn)
    rc.set_details(world.conn, sha, deadline="2026-03-01", officer=LAN, now=T1)
    screen.deadline.setText("15/02/2026")
    assert not screen.save_details()
    assert LAN in failures[-1] and screen.deadline.text() == "01/03/2026"
    screen.deadline.setText("15/02/2026")
    assert screen.save_details()  # based on the version now shown


def test_the_officer_is_asked_once_per_session(qtbot, world, tmp_path: Path) -> None:
    store = CollectorStore(world.tmp / "collector.sqlite")
    session = CollectorSession(store, TaskRunner(synchronous=True))  # no officer yet
    answers = [None, " Lê Văn Hùng "]
    asked: list[int] = []

    def ask() -> str | None:
        asked.append(1)
        return answers.pop(0)

    session.ask_officer = ask
    widget = ReviewerScreen(session, current_sha(world.conn), CS, REVIEWER)
    qtbot.addWidget(widget)
    widget.select("1.1")
    widget.points.setValue(5)
    assert not widget.save_current()  # cancelled: nothing saved, and it says why
    assert "tên cán bộ" in widget.message.text()
    assert store.load_review(widget.sha).items["1.1"].verified_points == 20
    assert widget.save_current()
    widget.points.setValue(10)
    assert widget.save_current()
    assert len(asked) == 2 and session.officer == "Lê Văn Hùng"
    officers = {r.officer for r in store.audit_rows(widget.sha)}
    assert officers == {"Lê Văn Hùng"}
    store.close()
