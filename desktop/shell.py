"""The application shell: what outlives a window. It knows the mode (``settings.MODE``), runs
the setup wizard (first start and Settings), builds the window of the mode and replaces it
after a language, identity or mode change.

In commune mode the window is the assessment's ``MainWindow``, built and driven by the commune
controller (``desktop.commune_controller``); in collector mode it is the collector's window
(``desktop.collector.open_collector_window``) with the reviewer screen opened from the inbox
and the shell's own Settings menu.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from desktop import settings as opts
from desktop.commune_controller import CommuneController
from desktop.main_window import MainWindow, add_language_menu
from desktop.qt import QMessageBox, QModelIndex, QObject, Signal
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.criteria import CriteriaSet
from forms.i18n import _
from local_db.paths import KEYS_DIR

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.collector.window import CollectorWindow
    from desktop.review.commune import CommuneReviewPanel
    from desktop.review.reviewer import ReviewerScreen
    from desktop.setup.wizard import SetupResult, SetupWizard
    from forms.review.model import Reviewer
    from local_db.database import Database
    from local_db.models import Profile


# the window of the mode
AppWindow: TypeAlias = "MainWindow | CollectorWindow"


def reference_or_none() -> CriteriaSet | None:
    try:
        from forms.reference import reference_set

        return reference_set()
    except (ImportError, OSError, ValueError):
        return None


class Shell(QObject):
    window_replaced = Signal(object)  # the new window (after reopen, language or mode change)

    def __init__(self, db: Database, settings: Settings, runner: TaskRunner) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.runner = runner
        self.keys_dir = Path(db.data_dir) / KEYS_DIR
        self.commune = CommuneController(db, settings, runner, self.keys_dir)
        self.commune.reopened.connect(self.replace_window)
        self.collector_window: CollectorWindow | None = None  # in collector mode

    @property
    def window(self) -> MainWindow | None:
        """The commune's main window (None in collector mode)."""
        return self.commune.window

    def review_panel(self) -> CommuneReviewPanel | None:
        """The commune window's review tab, built now if it was not opened yet."""
        return self.commune.review_panel()

    # --- setup ----------------------------------------------------------------------

    def profile(self) -> Profile | None:
        return self.commune.profile()

    def mode(self) -> str:
        return self.settings.mode()

    def needs_setup(self) -> bool:
        from forms.packages import keys

        prof = self.profile()
        if prof is None or not keys.key_exists(self.keys_dir):
            return True
        if self.mode() == opts.COLLECTOR:
            # no unit, no assessment: the officer's identity and the key that signs bundles/reviews
            return not prof.officer_name or not self.settings.get(opts.ORGANISATION)
        return not prof.unit_code or self.commune.latest() is None

    def make_wizard(self, parent: MainWindow | CollectorWindow | None = None) -> SetupWizard:
        from desktop.setup.wizard import SetupWizard

        return SetupWizard(
            self.db, self.keys_dir, self.runner, reference_or_none(), self.profile(), parent,
            mode=self.mode(), organisation=self.settings.get(opts.ORGANISATION),
            settings=self.settings,
        )  # fmt: skip

    def apply_setup(self, result: SetupResult) -> str:
        """Save the profile and make sure the year's assessment exists. Returns a note for the
        officer when the year's assessment already uses another criteria set (it keeps it:
        answers are not moved between sets), else ""."""
        if result.mode == opts.COLLECTOR:
            self._apply_collector_setup(result)
            return ""
        return self._apply_commune_setup(result)

    def _save_profile(self, result: SetupResult, unit_code: str, chairman_name: str) -> None:
        from local_db import profile

        profile.save(self.db, officer_name=result.officer_name, position=result.position,
                     phone=result.phone, email=result.email, unit_code=unit_code,
                     chairman_name=chairman_name)  # fmt: skip

    def _apply_collector_setup(self, result: SetupResult) -> None:
        from local_db import criteria_store

        previous = self.profile()
        # keep the commune's unit and chairman: switching back must not ask for them again
        self._save_profile(result, previous.unit_code if previous is not None else "",
                           previous.chairman_name if previous is not None else "")  # fmt: skip
        criteria_store.remember(self.db, result.criteria_set)  # checks and ranks by it
        self.settings.set(opts.ORGANISATION, result.organisation)
        self.settings.set(opts.MODE, opts.COLLECTOR)
        self.settings.sync()

    def _apply_commune_setup(self, result: SetupResult) -> str:
        from desktop.finalise.token_panel import save_choice
        from local_db import assessments

        self.settings.set(opts.MODE, opts.COMMUNE)
        save_choice(self.settings, result.token)  # sync()s; never a PIN
        self._save_profile(result, result.unit_code, result.chairman_name)
        cs = result.criteria_set
        existing = assessments.current(self.db, result.unit_code, cs.year)
        if existing is None:
            assessments.create(self.db, result.unit_code, cs.year, cs, user=result.officer_name)
            return ""
        if existing.criteria_hash != cs.content_hash:
            return _(
                "Bản đánh giá năm {year} đã được lập theo bộ tiêu chí khác ({hash}) và vẫn giữ bộ đó. "
                "Bộ tiêu chí vừa chọn sẽ dùng cho bản đánh giá mới.",
                year=cs.year,
                hash=existing.criteria_hash[:12],
            )
        return ""

    def open_settings(
        self, exec_wizard: Callable[[SetupWizard], object] | None = None
    ) -> AppWindow | None:
        """The setup wizard again; a changed mode replaces the window by the other mode's.
        Returns the window now shown (or None when the wizard was cancelled)."""
        wizard = self.make_wizard(self.main_window())
        if not (exec_wizard or (lambda w: w.exec()))(wizard):
            return None
        before = self.mode()
        note = self.apply_setup(wizard.result_data())
        window: AppWindow
        if self.mode() != before or self.mode() == opts.COLLECTOR:
            window = self.switch_window()
        else:
            window = self.replace_window()
            self.offer_carry()
        if note:
            QMessageBox.information(window, _("Bộ tiêu chí"), note)
        return window

    # --- the window of the mode -----------------------------------------------------

    def build_window(self) -> MainWindow:
        """The commune's main window; the shell answers its settings and language requests."""
        window = self.commune.build_window()
        window.settings_requested.connect(self.open_settings)
        window.language_changed.connect(lambda _code: self.replace_window())
        return window

    def replace_window(self) -> MainWindow:
        """The commune's window built again (reopened assessment, language), where the old was."""
        self.apply_language()
        old = self.commune.window
        geometry = old.saveGeometry() if old is not None else None
        window = self.build_window()
        if geometry is not None:
            window.restoreGeometry(geometry)
        window.show()  # before closing the old one: closing the last window would quit the app
        if old is not None:
            old.close()
            old.deleteLater()
        self.window_replaced.emit(window)
        return window

    def apply_language(self) -> None:
        """The chosen language for texts and for numbers (every number box made afterwards
        shows and reads numbers the language's way: Vietnamese 10,5, English 10.5)."""
        from desktop.number_input import apply_number_locale
        from forms.i18n import set_language

        set_language(self.settings.get(opts.LANGUAGE))
        apply_number_locale()

    def main_window(self) -> AppWindow | None:
        return self.collector_window if self.mode() == opts.COLLECTOR else self.commune.window

    def show_main_window(self) -> AppWindow:
        """Build and show the window of the current mode: the commune's editor or the collector's."""
        window: AppWindow = (
            self.build_collector_window() if self.mode() == opts.COLLECTOR else self.build_window()
        )
        window.show()
        self.offer_carry()
        return window

    def offer_carry(self) -> None:
        """Last year's answers, offered once per assessment when the commune's window opens on
        it (at start, or on the assessment a changed criteria set or year just created)."""
        if self.mode() == opts.COMMUNE and self.commune.carry is not None:
            self.commune.carry.offer_once()

    def switch_window(self) -> AppWindow:
        """After a mode or identity change: show the new window, then close the old ones
        (closing the last window first would quit the application)."""
        self.apply_language()
        old = [w for w in (self.commune.window, self.collector_window) if w is not None]
        self.commune.window = self.collector_window = None
        window = self.show_main_window()
        for w in old:
            w.close()
            w.deleteLater()
        self.window_replaced.emit(window)
        return window

    # --- collector mode -------------------------------------------------------------

    def reviewer(self) -> Reviewer:
        from forms.review.model import Reviewer

        prof = self.profile()
        return Reviewer(prof.officer_name if prof else "", prof.position if prof else "",
                        self.settings.get(opts.ORGANISATION))  # fmt: skip

    def build_collector_window(self) -> CollectorWindow:
        """The collector's window on ``<data>/collector.sqlite``: bundles name the organisation,
        a double click in the inbox opens the reviewer screen (review feature) for that row."""
        from desktop.collector import open_collector_window

        window: CollectorWindow = open_collector_window(
            Path(self.db.data_dir), self.runner, self._stored_sets(), self.settings
        )
        organisation = self.settings.get(opts.ORGANISATION)
        if organisation:
            window.collector_name = organisation
        window.inbox_view.doubleClicked.connect(lambda index: self.open_review(window, index))
        self._collector_menus(window)
        self.collector_window = window
        return window

    def _stored_sets(self) -> list[CriteriaSet]:
        """Criteria sets this data folder knows besides the reference set (loaded in setup)."""
        from local_db import criteria_store

        sets = []
        reference = reference_or_none()
        for row in criteria_store.known(self.db):
            if reference is not None and row.content_hash == reference.content_hash:
                continue  # open_collector_window always adds it
            try:
                sets.append(criteria_store.load(self.db, row.content_hash))
            except Exception:  # noqa: BLE001 - an unreadable stored set only loses its ranking
                continue
        return sets

    def open_review(self, window: CollectorWindow, index: QModelIndex) -> ReviewerScreen | None:
        """The reviewer screen for the inbox row at ``index`` (a proxy index)."""
        from desktop.review.mount import open_review_for_file

        if not index.isValid():
            return None
        row = window.inbox_model.rows[window.inbox_proxy.mapToSource(index).row()]
        screen = open_review_for_file(
            window, row.file_sha256, reviewer=self.reviewer(), keys_dir=self.keys_dir
        )
        if screen is None:
            window.status_label.setText(_("Không mở được bài nộp này để thẩm định (bị từ chối hoặc không rõ bộ tiêu chí)."))  # fmt: skip
        return screen

    def _collector_menus(self, window: CollectorWindow) -> None:
        from desktop.qt import QAction

        menu = window.menuBar().addMenu(_("&Cài đặt"))
        setup = QAction(_("Chế độ làm việc, cán bộ, khóa ký…"), window)
        setup.triggered.connect(lambda _checked=False: self.open_settings())
        menu.addAction(setup)
        add_language_menu(menu, window, self._collector_language)

    def _collector_language(self, code: str) -> None:
        self.settings.set(opts.LANGUAGE, code)
        self.switch_window()
