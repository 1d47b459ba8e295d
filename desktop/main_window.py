"""The main window: the editor, the overview and the review tab, menus, and the status bar.

There is no Save button: every edit is committed by the session's store as it happens, and
the status bar says when ("Đã lưu lúc 10:32:05").

The window asks, the controller does: the menu actions emit ``finalise_requested``,
``reopen_requested``, ``settings_requested`` and ``language_changed``, which the commune
controller and the shell connect to. The review tab's content comes from a factory the window
is given (``review_panel_factory``), called when the tab is first opened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from desktop import settings as opts
from desktop.assessment.editor import AssessmentEditor
from desktop.assessment.session import AssessmentSession
from desktop.format import format_points
from desktop.qt import (
    QAction,
    QActionGroup,
    QFileDialog,
    QGuiApplication,
    QKeySequence,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSize,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.i18n import _

if TYPE_CHECKING:
    from desktop.overview.chart import OverviewChart
    from desktop.review.commune import CommuneReviewPanel

# builds the review tab's content with the given parent; None when it cannot now (the
# window was replaced or the database closed before the tab was first opened)
ReviewPanelFactory = Callable[[QWidget], "CommuneReviewPanel | None"]


def add_language_menu(menu: QMenu, owner: QWidget, choose: Callable[[str], object]) -> None:
    """The "Ngôn ngữ" submenu of ``menu`` (both main windows have one): the current language
    checked, ``choose(code)`` on a pick. The actions belong to ``owner``."""
    from forms.i18n import language

    lang_menu = menu.addMenu(_("Ngôn ngữ"))
    group = QActionGroup(owner)
    for code, label in (("vi", "Tiếng Việt"), ("en", "English")):
        action = QAction(label, owner)
        action.setCheckable(True)
        action.setChecked(language() == code)
        action.triggered.connect(lambda _checked=False, c=code: choose(c))
        group.addAction(action)
        lang_menu.addAction(action)


MAX_SIZE = QSize(1600, 1000)  # beyond this a form's lines grow too long to read


def initial_size(widget: QWidget, share: float = 0.9) -> QSize:
    """The size a window opens at before one is remembered: ``share`` of the screen's
    available area (without the taskbar), capped at ``MAX_SIZE``. It used to be 1100×720 on
    any screen, too large for a 1366×768 laptop at 125 % and small on a 1920×1080 one."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(1100, 720)
    area = screen.availableGeometry()
    return QSize(
        min(int(area.width() * share), MAX_SIZE.width()),
        min(int(area.height() * share), MAX_SIZE.height()),
    )


class MainWindow(QMainWindow):
    finalise_requested = Signal()
    reopen_requested = Signal()
    carry_requested = Signal()  # "Dùng lại câu trả lời năm trước…"
    province_data_requested = Signal(str)  # the path of a .dtidata file to import
    settings_requested = Signal()
    language_changed = Signal(str)

    def __init__(
        self,
        session: AssessmentSession | None = None,
        runner: TaskRunner | None = None,
        settings: Settings | None = None,
        title_detail: str = "",
        previous_pillars: Mapping[str, Decimal] | None = None,
        review_panel_factory: ReviewPanelFactory | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.runner = runner or TaskRunner()
        self.settings = settings
        self.setWindowTitle(
            _("DTI Desk: tự đánh giá chuyển đổi số")
            + (f" — {title_detail}" if title_detail else "")
        )
        self.editor: AssessmentEditor | None = None
        # the overview chart is built on first use (see ``overview``)
        self._overview: OverviewChart | None = None
        self._overview_args: tuple[AssessmentSession, Mapping[str, Decimal] | None] | None = None
        self._overview_host = QWidget(self)
        self._overview_layout = QVBoxLayout(self._overview_host)
        self._overview_layout.setContentsMargins(0, 0, 0, 0)
        # the review tab: a placeholder until first opened (see ``ensure_review_panel``)
        self._review_factory = review_panel_factory
        self._review_placeholder: QWidget | None = None
        self._review_panel: CommuneReviewPanel | None = None

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        if session is None:
            label = QLabel(_("Chào mừng đến với DTI Desk."), self)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.setCentralWidget(label)
        else:
            self.editor = AssessmentEditor(session, self.runner, settings, self)
            self.tabs.addTab(self.editor, _("Đánh giá"))
            self._overview_args = (session, previous_pillars)
            self.tabs.addTab(self._overview_host, _("Tổng quan"))
            self._add_review_placeholder()
            self.setCentralWidget(self.tabs)
            self.tabs.currentChanged.connect(self._tab_changed)
        self._build_status_bar()
        self._build_menus()
        if session is not None:
            session.changed.connect(self.update_status)
            session.saved.connect(self.show_saved)
            session.save_failed.connect(self.show_save_failed)
            self.update_status()
        self.resize(initial_size(self))
        self.restore_geometry()

    # --- status bar -----------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.progress_label = QLabel(bar)
        self.total_label = QLabel(bar)
        self.class_label = QLabel(bar)
        self.saved_label = QLabel(bar)
        self.state_label = QLabel(bar)
        for w in (self.progress_label, self.total_label, self.class_label, self.state_label):
            w.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(w)
        bar.addWidget(self.saved_label, 1)
        # background work (hashing evidence, export, PDF): an indeterminate bar while it runs
        self.busy_bar = QProgressBar(bar)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(self.fontMetrics().averageCharWidth() * 16)
        self.busy_bar.setVisible(False)
        bar.addWidget(self.busy_bar)
        self.runner.busy.connect(self.busy_bar.setVisible)

    def update_status(self, *_args) -> None:
        session = self.session
        if session is None:
            return
        done, total = session.progress()
        sc = session.score()
        self.progress_label.setText(_("{done}/{total} chỉ tiêu", done=done, total=total))
        self.total_label.setText(
            _(
                "Tổng điểm: {points}/{max}",
                points=format_points(sc.published_total),
                max=format_points(session.cs.total_points),
            )
        )
        self.class_label.setText(_("Xếp loại dự kiến: {label}", label=sc.classification))
        self.state_label.setText(_("Chỉ xem (đã ký)") if session.read_only else "")
        self.state_label.setVisible(session.read_only)

    def show_saved(self, when: datetime) -> None:
        self.saved_label.setStyleSheet("")
        self.saved_label.setText(
            _(
                "Đã lưu lúc {time}",
                time=when.astimezone().strftime("%H:%M:%S")
                if when.tzinfo
                else when.strftime("%H:%M:%S"),
            )
        )

    def show_save_failed(self, message: str) -> None:
        self.saved_label.setStyleSheet("color: #c62828;")
        self.saved_label.setText(_("Chưa lưu được: {reason}", reason=message))

    def _tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self._overview_host and self.overview is not None:
            self.overview.refresh()
        elif widget is not None and widget is self._review_placeholder:
            self.ensure_review_panel()

    def show_overview(self) -> None:
        """Bring the overview tab to the front (building its chart if this is the first time)."""
        self.tabs.setCurrentWidget(self._overview_host)

    @property
    def overview(self) -> OverviewChart | None:
        """The overview chart, built when first shown or asked for: importing Qt Charts and
        building the chart costs about 0.1 s that the first paint of the editor should not pay."""
        if self._overview is None and self._overview_args is not None:
            from desktop.overview.chart import OverviewChart

            session, previous = self._overview_args
            self._overview = OverviewChart(session, previous, self._overview_host)
            self._overview_layout.addWidget(self._overview)
        return self._overview

    # --- the review tab -------------------------------------------------------------

    def _add_review_placeholder(self) -> None:
        # the verifier's results and the commune's explanations (review feature): the tab is
        # there from the start, its content built when first opened (its imports, signing and
        # the review model cost ~0.1 s of start-up; see benchmarks/bench_gui.py)
        if self._review_factory is None:
            return
        self._review_placeholder = QWidget(self.tabs)
        self.tabs.addTab(self._review_placeholder, _("Thẩm định"))

    @property
    def review_panel(self) -> CommuneReviewPanel | None:
        """The review tab's content once built (None before the tab was first opened)."""
        return self._review_panel

    def ensure_review_panel(self) -> CommuneReviewPanel | None:
        """The review tab's content, built now in the placeholder's place if not yet."""
        placeholder = self._review_placeholder
        if self._review_panel is not None or self._review_factory is None or placeholder is None:
            return self._review_panel
        panel = self._review_factory(self.tabs)
        if panel is None:
            return None
        index = self.tabs.indexOf(placeholder)
        was_current = self.tabs.currentIndex() == index
        self.tabs.blockSignals(True)  # the swap is not a tab change the views react to
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, panel, _("Thẩm định"))
        self.tabs.blockSignals(False)
        if was_current:
            self.tabs.setCurrentIndex(index)
        self._review_placeholder = None
        placeholder.deleteLater()
        self._review_panel = panel
        return panel

    # --- menus ----------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: str | QKeySequence.StandardKey | None = None,
        menu: QMenu | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        # not connect(slot): triggered(bool) would pass checked=False as the slot's first
        # argument (go_next(step) moved by 0; regression test in test_editor.py)
        action.triggered.connect(lambda _checked=False: slot())
        if menu is not None:
            menu.addAction(action)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&Tệp"))
        self.finalise_action = self._action(
            _("Kiểm tra && hoàn tất…"),
            self.finalise_requested.emit,
            "Ctrl+Return",
            file_menu,
        )
        self.reopen_action = self._action(
            _("Mở lại để sửa (lần sửa đổi mới)"),
            self.confirm_reopen,
            None,
            file_menu,
        )
        self.carry_action = self._action(
            _("Dùng lại câu trả lời năm trước…"),
            self.carry_requested.emit,
            None,
            file_menu,
        )
        self.carry_action.setEnabled(False)  # the controller enables it when there is one
        self.province_data_action = self._action(
            _("Nhập dữ liệu tỉnh cung cấp (.dtidata)…"), self._choose_province_data, None, file_menu
        )
        file_menu.addSeparator()
        self._action(_("Thoát"), self.close, QKeySequence.StandardKey.Quit, file_menu)

        go = bar.addMenu(_("Đi &tới"))
        if self.editor is not None:
            editor = self.editor
            self.find_action = self._action(
                _("Tìm chỉ tiêu"), editor.focus_find, QKeySequence.StandardKey.Find, go
            )
            self.next_action = self._action(
                _("Chỉ tiêu tiếp theo"), editor.go_next, "Ctrl+PgDown", go
            )
            self.prev_action = self._action(
                _("Chỉ tiêu trước"), editor.go_previous, "Ctrl+PgUp", go
            )
            self.next_unfinished_action = self._action(
                _("Chỉ tiêu chưa hoàn thành tiếp theo"), self._next_unfinished, "F8", go
            )
        go.setEnabled(self.editor is not None)

        settings_menu = bar.addMenu(_("&Cài đặt"))
        self._action(
            _("Thông tin đơn vị, cán bộ, bộ tiêu chí…"),
            self.settings_requested.emit,
            None,
            settings_menu,
        )
        add_language_menu(settings_menu, self, self._set_language)

    def _choose_province_data(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Nhập dữ liệu tỉnh cung cấp"), "", _("Tệp dữ liệu tỉnh (*.dtidata)")
        )
        if path:
            self.province_data_requested.emit(path)

    def confirm_reopen(self) -> None:
        """Ask before a new revision is started (it is one click that cannot be undone), and
        emit ``reopen_requested`` only on "Mở lại"; Cancel, Esc or closing the box does nothing."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _("Mở lại để sửa"),
            _(
                "Mở lại sẽ tạo một lần sửa đổi mới của bản đánh giá. Gói nộp của lần sửa đổi mới sẽ thay thế gói đã gửi; bản đã ký vẫn được giữ nguyên, chỉ để xem."
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("reopenQuestion")
        box.button(QMessageBox.StandardButton.Yes).setText(_("Mở lại để sửa"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        if box.exec() == QMessageBox.StandardButton.Yes:
            self.reopen_requested.emit()

    def _next_unfinished(self) -> None:
        if self.editor is not None and not self.editor.go_next_unfinished() and self.isVisible():
            QMessageBox.information(
                self, _("Đã hoàn thành"), _("Mọi chỉ tiêu đã được trả lời đầy đủ.")
            )

    def _set_language(self, code: str) -> None:
        if self.settings is not None:
            self.settings.set(opts.LANGUAGE, code)
        self.language_changed.emit(code)

    # --- geometry -------------------------------------------------------------------

    def restore_geometry(self) -> None:
        if self.settings is None:
            return
        geometry = self.settings.get(opts.GEOMETRY)
        if geometry and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        splitter = self.settings.get(opts.SPLITTER)
        if self.editor is not None and splitter and not splitter.isEmpty():
            self.editor.splitter.restoreState(splitter)

    def save_geometry(self) -> None:
        if self.settings is None:
            return
        self.settings.set(opts.GEOMETRY, self.saveGeometry())
        if self.editor is not None:
            self.settings.set(opts.SPLITTER, self.editor.splitter.saveState())
            self.settings.set(opts.LAST_INDICATOR, self.editor.current_code)
        self.settings.sync()

    def closeEvent(self, event) -> None:
        if self.editor is not None:
            self.editor.flush()
        self.save_geometry()
        super().closeEvent(event)
