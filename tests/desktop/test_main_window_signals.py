"""MainWindow asks through signals and gets its review tab from a factory; the commune
controller and the shell answer (they used to set ``on_*`` attributes on the window and read
``review_panel`` back with ``getattr``)."""

from __future__ import annotations

from desktop.main_window import MainWindow
from desktop.qt import QApplication, QLabel, QMessageBox, QTimer, QWidget
from desktop.shell import Shell
from local_db import assessments
from tests.desktop.commune_support import answered_commune


def _window(qtbot, session, runner, settings, factory=None) -> MainWindow:
    window = MainWindow(session, runner, settings, review_panel_factory=factory)
    qtbot.addWidget(window)
    return window


def test_the_menu_actions_emit_the_requests(qtbot, session, runner, settings) -> None:
    window = _window(qtbot, session, runner, settings)
    with qtbot.waitSignal(window.finalise_requested, timeout=1000):
        window.finalise_action.trigger()
    answer_reopen_question(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.reopen_requested, timeout=1000):
        window.reopen_action.trigger()
    settings_action = next(
        a for a in window.actions() if a.text() == "Thông tin đơn vị, cán bộ, bộ tiêu chí…"
    )
    with (
        qtbot.waitSignal(window.settings_requested, timeout=1000),
        qtbot.assertNotEmitted(window.finalise_requested),
    ):
        settings_action.trigger()


def answer_reopen_question(button: QMessageBox.StandardButton, seen: list[str] | None = None):
    """Click ``button`` of the reopen question once it is up (it runs its own event loop)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "reopenQuestion":
            QTimer.singleShot(10, click)  # not shown yet
            return
        if seen is not None:
            seen.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, click)


def test_reopen_asks_first_and_cancel_does_nothing(qtbot, session, runner, settings) -> None:
    """Issue 15: "Mở lại để sửa" made a new revision at one click."""
    window = _window(qtbot, session, runner, settings)
    seen: list[str] = []
    answer_reopen_question(QMessageBox.StandardButton.Cancel, seen)
    with qtbot.assertNotEmitted(window.reopen_requested):
        window.reopen_action.trigger()
    assert seen and "thay thế gói đã gửi" in seen[0] and "bản đã ký vẫn được giữ" in seen[0]
    answer_reopen_question(QMessageBox.StandardButton.Yes, seen)
    with qtbot.waitSignal(window.reopen_requested, timeout=1000):
        window.reopen_action.trigger()
    assert len(seen) == 2


def test_without_a_factory_there_is_no_review_tab(qtbot, session, runner, settings) -> None:
    window = _window(qtbot, session, runner, settings)
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Đánh giá", "Tổng quan"]
    assert window.ensure_review_panel() is None and window.review_panel is None


def test_the_factory_builds_the_review_tab_once_when_first_opened(
    qtbot, session, runner, settings
) -> None:
    parents: list[QWidget] = []

    def factory(parent: QWidget) -> QLabel:
        parents.append(parent)
        return QLabel("panel", parent)

    window = _window(qtbot, session, runner, settings, factory)
    assert window.tabs.count() == 3 and window.tabs.tabText(2) == "Thẩm định"
    assert parents == [] and window.review_panel is None  # not built at start-up
    window.tabs.setCurrentIndex(2)
    panel = window.tabs.widget(2)
    assert isinstance(panel, QLabel) and panel.text() == "panel"
    assert window.review_panel is panel and parents == [window.tabs]
    assert window.tabs.currentIndex() == 2 and window.tabs.tabText(2) == "Thẩm định"
    window.tabs.setCurrentIndex(0)
    window.tabs.setCurrentIndex(2)
    assert window.ensure_review_panel() is panel and len(parents) == 1


def test_a_factory_that_cannot_build_now_leaves_the_placeholder(
    qtbot, session, runner, settings
) -> None:
    window = _window(qtbot, session, runner, settings, lambda _parent: None)
    placeholder = window.tabs.widget(2)
    window.tabs.setCurrentIndex(2)
    assert window.tabs.widget(2) is placeholder and window.review_panel is None


def test_the_shell_answers_reopen_requested_with_a_new_window(
    qtbot, db, settings, runner, cs
) -> None:
    controller = answered_commune(qtbot, db, settings, runner, cs, 4)
    old = controller.window
    assert old is not None and controller.commune.current is not None
    first = controller.commune.current.id
    for step in (assessments.finalise, assessments.mark_signed):
        step(db, first)
    with qtbot.waitSignal(controller.window_replaced, timeout=5000) as replaced:
        old.reopen_requested.emit()
    new = replaced.args[0]
    qtbot.addWidget(new)
    assert isinstance(new, MainWindow) and new is controller.window and new is not old
    assert (
        controller.commune.current.revision == 2 and controller.commune.current.parent_id == first
    )


def test_the_commune_factory_refuses_a_replaced_window(qtbot, db, settings, runner, cs) -> None:
    """The old window's review tab must not be built on the new revision (or at all): the
    controller used to check ``self.window is not window`` before mounting it."""
    controller = answered_commune(qtbot, db, settings, runner, cs, 4)
    old = controller.window
    assert old is not None
    qtbot.addWidget(controller.replace_window())
    assert old.ensure_review_panel() is None
    panel = controller.review_panel()
    from desktop.review.commune import CommuneReviewPanel

    assert isinstance(panel, CommuneReviewPanel) and panel is controller.window.review_panel


def test_the_shell_owns_a_commune_controller(db, settings, runner) -> None:
    shell = Shell(db, settings, runner)
    assert shell.commune.keys_dir == shell.keys_dir and shell.window is None
