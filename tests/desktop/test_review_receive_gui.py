"""Issue 12, hole 4, in the collector window: a received review (a double-clicked `.dtireview`)
is read, verified and stored on a worker thread through the real ``TaskRunner``, busy shown,
the outcome applied on the GUI thread."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from desktop import settings as opts
from desktop.app import open_app
from desktop.hand_over import act_on_file
from desktop.shell import Shell
from desktop.tasks import TaskRunner
from forms.packages import keys
from local_db import profile
from local_db.collector import merge_paths, open_collector
from local_db.review import collector as rc
from tests.local_db.review_support import CS, REVIEWER, current_sha, first_assessment, make_world
from tests.local_db.review_support import submit as submit_package


def _no_wizard(wizard) -> bool:
    raise AssertionError("setup is done: no wizard expected")


@pytest.fixture
def province(qtbot, tmp_path, settings):
    """A collector-mode app on the commune world's data folder (its reviewers.json trusts the
    reviewer), holding the submission; and the review file another collector issued for it."""
    world = make_world(tmp_path)
    first = first_assessment(world)
    package = submit_package(world, first, "out1")
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER)
    rc.set_item(world.conn, sha, CS, "1.1", points=10, comment="Thiếu biên bản")
    review = rc.issue(world.conn, sha, CS, world.reviewer, tmp_path / "reviews")
    profile.save(world.db, officer_name="Trần Văn Bình", position="Chuyên viên")
    settings.set(opts.MODE, "collector")
    settings.set(opts.ORGANISATION, "Phòng VH-XH khu vực 3")
    keys.create_key(Path(world.db.data_dir) / "keys", "mật khẩu dài", "Phòng VH-XH khu vực 3")
    controller = Shell(world.db, settings, TaskRunner())  # the real thread pool
    window = open_app(controller, _no_wizard)
    qtbot.addWidget(window)
    conn = open_collector(window.db_path)
    try:
        assert merge_paths(conn, [package], world.trust, [CS]).accepted == 1
    finally:
        conn.close()
    yield controller, window, review, sha
    controller.runner.wait()
    world.close()


def test_hole4_a_received_review_is_read_off_the_gui_thread(province, qtbot, monkeypatch):
    """`dti-desk open X.dtireview` in collector mode read the file and checked its signature
    on the GUI thread (a FIFO froze the window; a large file stalled it)."""
    controller, window, review, sha = province
    on_gui: list[bool] = []
    real_receive = rc.receive_issued

    def spying_receive(*args, **kwargs):
        on_gui.append(threading.current_thread() is threading.main_thread())
        return real_receive(*args, **kwargs)

    from local_db.review import receive  # where receive_file calls it

    monkeypatch.setattr(receive, "receive_issued", spying_receive)
    shown: list[tuple[bool, str, bool]] = []

    def show(ok: bool, text: str) -> None:
        shown.append((ok, text, threading.current_thread() is threading.main_thread()))

    assert act_on_file(controller, review, show) == "receive_review"
    # the result comes back through a queued signal: until the event loop runs, the window is busy
    assert not window.progress.isHidden() and not shown
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    assert on_gui == [False]  # read, verified and stored on a worker thread
    assert shown == [(True, f"Đã nhận phiếu thẩm định {review.name}.", True)]
    assert window.progress.isHidden()
    assert window.store.review_state(sha) == rc.ISSUED


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_received_in_the_window_is_refused_with_its_reason(
    province, qtbot, tmp_path: Path
) -> None:
    controller, window, _review, _sha = province
    fifo = tmp_path / "cho.dtireview"
    os.mkfifo(fifo)
    with qtbot.waitSignal(window.review_received, timeout=20000) as blocker:
        window.receive_review(fifo, Path(controller.db.data_dir) / "reviewers.json", {})
    assert blocker.args[0].outcome == "rejected"
    assert [p.code for p in blocker.args[0].reasons] == ["not_regular_file"]
    assert "cho.dtireview" in window.status_label.text() and window.progress.isHidden()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_hole4_the_commune_panel_refuses_a_fifo_with_its_reason(qtbot, tmp_path: Path) -> None:
    """The commune's import ran on the task runner but opened a FIFO blocking: the worker
    waited forever and the panel never answered."""
    from desktop.review.commune import CommuneReviewPanel

    world = make_world(tmp_path)
    runner = TaskRunner()
    try:
        first = first_assessment(world)
        panel = CommuneReviewPanel(world.db, first, CS, runner)
        qtbot.addWidget(panel)
        fifo = tmp_path / "cho.dtireview"
        os.mkfifo(fifo)
        with qtbot.waitSignal(panel.failed, timeout=20000) as blocker:
            panel.import_file(fifo)
            assert not panel.import_button.isEnabled()  # busy until the outcome is back
        assert "cho.dtireview" in blocker.args[0] and "đường ống" in blocker.args[0]
        assert panel.import_button.isEnabled() and not panel.errors.isHidden()
    finally:
        runner.wait()
        world.close()
