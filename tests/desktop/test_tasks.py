"""The one background helper: results, errors and progress come back on the GUI thread."""

from __future__ import annotations

import threading

import pytest

from desktop.tasks import TaskRunner


def test_synchronous_mode_runs_in_order():
    runner = TaskRunner(synchronous=True)
    seen: list = []
    runner.run(lambda: 2 + 2, seen.append)
    runner.run(lambda progress: [progress(i, 3) for i in range(1, 4)] and "ok", seen.append,
               on_progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [4, (1, 3), (2, 3), (3, 3), "ok"]


def test_synchronous_errors_go_to_on_error_or_raise():
    runner = TaskRunner(synchronous=True)
    errors: list = []
    runner.run(lambda: 1 / 0, on_error=errors.append)
    assert isinstance(errors[0], ZeroDivisionError)
    with pytest.raises(ZeroDivisionError):
        runner.run(lambda: 1 / 0)


def test_background_result_arrives_on_the_gui_thread(qtbot):
    runner = TaskRunner()
    gui_thread = threading.get_ident()
    worker_thread: list = []
    arrived: list = []
    progress: list = []

    def work(report):
        worker_thread.append(threading.get_ident())
        for i in range(1, 4):
            report(i, 3)
        return "xong"

    with qtbot.waitSignal(runner.busy, check_params_cb=lambda on: on is False, timeout=5000):
        runner.run(
            work,
            lambda r: arrived.append((r, threading.get_ident())),
            on_progress=lambda d, t: progress.append(d),
        )
    assert arrived == [("xong", gui_thread)]
    assert worker_thread and worker_thread[0] != gui_thread
    assert progress[0] == 1 and progress[-1] == 3  # the first and the completing report
    assert runner.active == 0


def test_progress_is_thinned_to_what_a_progress_bar_can_show(qtbot):
    """A merge reports every package; the GUI thread gets the first report, about 20 a
    second after it, and always the last."""
    runner = TaskRunner()
    progress: list = []

    def work(report):
        for i in range(1, 20001):
            report(i, 20000)
        return "xong"

    with qtbot.waitSignal(runner.busy, check_params_cb=lambda on: on is False, timeout=10000):
        runner.run(work, lambda _r: None, on_progress=lambda d, t: progress.append(d))
    assert progress[0] == 1 and progress[-1] == 20000
    assert len(progress) < 200  # 20,000 reports in well under 10 s
    assert progress == sorted(progress)


def test_background_error_arrives_as_a_value(qtbot):
    runner = TaskRunner()
    errors: list = []

    def boom():
        raise OSError("ổ đĩa đầy")

    with qtbot.waitSignal(runner.busy, check_params_cb=lambda on: on is False, timeout=5000):
        runner.run(boom, on_error=lambda exc: errors.append((str(exc), threading.get_ident())))
    assert errors == [("ổ đĩa đầy", threading.get_ident())]
