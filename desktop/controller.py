"""The application controller: opens the data folder, runs first-time setup, opens the
assessment, builds the main window, and carries out finalise / export / PDF / reopen.

In collector mode (``settings.MODE``) the main window is the collector's
(``desktop.collector.open_collector_window``) with the reviewer screen opened from the inbox;
``show_main_window()`` picks the window of the mode, ``open_settings()`` may switch modes.

Widgets ask, the controller does: it is the one GUI place that calls ``local_db`` and
``forms.packages``, so the journey test can drive the whole app through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop import settings as opts
from desktop.assessment.session import AssessmentSession
from desktop.assessment.store import DbStore
from desktop.main_window import MainWindow
from desktop.qt import QMessageBox, QObject, Signal
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.scoring import score
from local_db.paths import KEYS_DIR


def keys_dir_for(data_dir: Path) -> Path:
    return Path(data_dir) / KEYS_DIR


@dataclass
class OpenAssessment:
    id: int
    unit_code: str
    unit_name: str
    year: int
    revision: int
    status: str
    parent_id: int | None


class AppController(QObject):
    window_replaced = Signal(object)  # the new MainWindow (after reopen or language change)
    exported = Signal(object)  # Path of the package
    pdf_written = Signal(object)  # Path of the report

    def __init__(self, db: Any, settings: Settings, runner: TaskRunner) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.runner = runner
        self.keys_dir = keys_dir_for(db.data_dir)
        self.window: MainWindow | None = None
        self.session: AssessmentSession | None = None
        self.current: OpenAssessment | None = None
        self.dialog: Any = None
        self.collector_window: Any = None  # the CollectorWindow in collector mode

    # --- setup ----------------------------------------------------------------------

    def profile(self) -> Any:
        from local_db import profile

        return profile.get(self.db)

    def mode(self) -> str:
        return self.settings.mode()

    def needs_setup(self) -> bool:
        from forms.packages import keys

        prof = self.profile()
        if self.mode() == opts.COLLECTOR:
            # no unit, no assessment: the officer's identity and the key that signs bundles/reviews
            return (
                prof is None
                or not prof.officer_name
                or not self.settings.get(opts.ORGANISATION)
                or not keys.key_exists(self.keys_dir)
            )
        return (
            prof is None
            or not prof.unit_code
            or not keys.key_exists(self.keys_dir)
            or self._latest() is None
        )

    def make_wizard(self, parent=None):
        from desktop.setup.wizard import SetupWizard

        return SetupWizard(
            self.db, self.keys_dir, self.runner, reference_or_none(), self.profile(), parent,
            mode=self.mode(), organisation=self.settings.get(opts.ORGANISATION),
        )  # fmt: skip

    def apply_setup(self, result: Any) -> str:
        """Save the profile and make sure the year's assessment exists. Returns a note for the
        officer when the year's assessment already uses another criteria set (it keeps it:
        answers are not moved between sets), else ""."""
        from local_db import assessments, criteria_store, profile

        if getattr(result, "mode", opts.COMMUNE) == opts.COLLECTOR:
            previous = self.profile()
            profile.save(
                self.db,
                officer_name=result.officer_name,
                position=result.position,
                phone=result.phone,
                email=result.email,
                # keep the commune's unit: switching back must not ask for it again
                unit_code=previous.unit_code if previous is not None else "",
            )
            criteria_store.remember(self.db, result.criteria_set)  # checks and ranks by it
            self.settings.set(opts.ORGANISATION, result.organisation)
            self.settings.set(opts.MODE, opts.COLLECTOR)
            self.settings.sync()
            return ""
        self.settings.set(opts.MODE, opts.COMMUNE)
        self.settings.sync()
        profile.save(
            self.db,
            officer_name=result.officer_name,
            position=result.position,
            phone=result.phone,
            email=result.email,
            unit_code=result.unit_code,
        )
        cs: CriteriaSet = result.criteria_set
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

    # --- the assessment -------------------------------------------------------------

    def _latest(self) -> Any:
        from local_db import assessments

        prof = self.profile()
        if prof is None or not prof.unit_code:
            return None
        rows = assessments.list_for_unit(self.db, prof.unit_code)
        if not rows:
            return None
        return max(rows, key=lambda a: (a.year, a.revision))

    def unit_name(self, code: str) -> str:
        from local_db import units

        unit = units.get(self.db, code)
        return unit.name if unit is not None else code

    def open_session(self) -> AssessmentSession:
        from local_db import criteria_store

        row = self._latest()
        if row is None:
            raise LookupError("no assessment")
        cs = criteria_store.load(self.db, row.criteria_hash)
        self.current = OpenAssessment(row.id, row.unit_code, self.unit_name(row.unit_code), row.year, row.revision,
                                      str(row.status), row.parent_id)  # fmt: skip
        self.session = AssessmentSession(cs, DbStore(self.db, row.id), row.year)
        return self.session

    def previous_pillars(self) -> dict[str, Any]:
        """Last year's pillar points for the overview chart (empty when there is none)."""
        from local_db import answers, assessments, criteria_store

        assert self.current is not None
        row = assessments.current(self.db, self.current.unit_code, self.current.year - 1)
        if row is None:
            return {}
        cs = criteria_store.load(self.db, row.criteria_hash)
        assert row.id is not None
        return dict(score(cs, answers.get_all(self.db, row.id)).pillars)

    def build_window(self) -> MainWindow:
        session = self.open_session()
        assert self.current is not None
        detail = _("{unit} — năm {year}, lần {revision}", unit=self.current.unit_name, year=self.current.year,
                   revision=self.current.revision)  # fmt: skip
        window = MainWindow(session, self.runner, self.settings, detail, self.previous_pillars())
        # the verifier's results and the commune's explanations (review feature): the tab is
        # there from the start, its content built when first opened (its imports, signing and
        # the review model, cost ~0.1 s of start-up; see benchmarks/bench_gui.py)
        self._review_tab_placeholder(window)
        window.on_finalise = self.open_finalise
        window.on_reopen = self._reopen_action
        window.on_settings = self.open_settings
        window.reopen_action.setEnabled(session.read_only)
        window.finalise_action.setEnabled(True)
        window.language_changed.connect(lambda _code: self.replace_window())
        if window.editor is not None:
            last = self.settings.get(opts.LAST_INDICATOR)
            first = last if last and session.cs.find(last) else session.cs.leaves()[0].code
            window.editor.open(first)
        self.window = window
        return window

    def _review_tab_placeholder(self, window: MainWindow) -> None:
        from desktop.qt import QWidget

        placeholder = QWidget(window.tabs)
        window.tabs.addTab(placeholder, _("Thẩm định"))
        window.review_placeholder = placeholder  # type: ignore[attr-defined]

        def opened(index: int) -> None:
            if window.tabs.widget(index) is placeholder:
                self._add_review_tab(window)

        window.tabs.currentChanged.connect(opened)

    def _add_review_tab(self, window: MainWindow) -> None:
        if self.window is not window or self.current is None or self.session is None:
            return  # replaced or closed meanwhile
        if not self.db.is_open:
            return  # the app (or a test) closed the database before the deferred mount ran
        if getattr(window, "review_panel", None) is not None:
            return  # already added (``review_panel()`` was asked first)
        from desktop.review.mount import add_review_tab

        add_review_tab(
            window, self.db, self.current.id, self.session.cs, self.runner,
            in_place_of=getattr(window, "review_placeholder", None),
        )  # fmt: skip

    def replace_window(self) -> MainWindow:
        from forms.i18n import set_language

        set_language(self.settings.get(opts.LANGUAGE))
        old = self.window
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

    # --- finalise, export, PDF, reopen ----------------------------------------------

    def open_finalise(self, exec_dialog: bool = True):
        from desktop.finalise.dialog import FinaliseDialog

        assert self.session is not None and self.window is not None
        if self.window.editor is not None:
            self.window.editor.flush()
        dialog = FinaliseDialog(self.session, self.settings, self.window)
        dialog.go_to.connect(self._go_to)
        dialog.export_requested.connect(
            lambda passphrase, folder: self.export(passphrase, Path(folder))
        )
        dialog.pdf_requested.connect(lambda path: self.write_report(Path(path)))
        dialog.copy_requested.connect(lambda path: self.save_sent_copy(Path(path)))
        self.dialog = dialog
        self.offer_sent_copy()
        if exec_dialog:
            dialog.exec()
            self.dialog = None
        return dialog

    def _go_to(self, code: str) -> None:
        if self.window is not None and self.window.editor is not None:
            self.window.tabs.setCurrentWidget(self.window.editor)
            self.window.editor.open(code)
            if self.dialog is not None:
                self.dialog.accept()

    def _report(self, ok: bool, text: str) -> None:
        if self.dialog is not None:
            (self.dialog.show_done if ok else self.dialog.show_error)(text)
        elif self.window is not None and self.window.isVisible():
            (QMessageBox.information if ok else QMessageBox.warning)(
                self.window, _("DTI Desk"), text
            )

    def export(self, passphrase: str, out_dir: Path) -> None:
        """Sign and write the package (worker thread), then mark the assessment signed/exported."""
        from desktop.finalise.export import (  # fmt: skip
            WrongPassphrase,
            record_written,
            sign_and_build,
            submission_for,
            supersedes_for,
        )

        assert self.session is not None and self.current is not None
        prof = self.profile()
        supersedes = supersedes_for(self.db, self.current.id)
        submission = submission_for(self.session, self.current.unit_code, self.current.unit_name, self.current.revision,
                                    prof.officer_name if prof else "", prof.position if prof else "", supersedes)  # fmt: skip
        # review: a revision answering a review carries the commune's explanations in its notes
        from local_db.review.commune import as_answer

        submission = as_answer(self.db, self.current.id, submission)
        keys_dir = self.keys_dir
        data_dir = Path(self.db.data_dir)

        def work() -> tuple[Path, str]:
            from forms.packages.zipsafe import ZipProblem
            from local_db import sent_packages

            path = sign_and_build(submission, keys_dir, passphrase, out_dir)
            try:  # the exact bytes, to hand over again without creating a new submission
                sent_packages.keep(data_dir, path)
            except (OSError, ValueError, ZipProblem) as exc:
                return path, str(exc)
            return path, ""

        def done(result: tuple[Path, str]) -> None:
            from local_db import assessments

            assert self.current is not None
            path, not_kept = result
            record_written(self.db, self.current.id, path)
            assessments.finalise(self.db, self.current.id)
            assessments.mark_signed(self.db, self.current.id)
            assessments.mark_exported(self.db, self.current.id)
            self.current.status = "exported"
            self._refresh_read_only()
            text = _("Đã ký và lưu gói nộp: {path}", path=str(path))
            if not_kept:
                text += "\n" + _(
                    "Lưu ý: không giữ được bản sao của gói trong thư mục dữ liệu ({reason}), nên sau này không lưu lại được bản giống hệt.",
                    reason=not_kept,
                )
            self._report(True, text)
            self.offer_sent_copy()
            self.exported.emit(path)

        def failed(exc: BaseException) -> None:
            from forms.problems import ProblemsError

            if isinstance(exc, WrongPassphrase):
                self._report(False, _("Sai mật khẩu khóa ký (hoặc tệp khóa bị hỏng). Hãy thử lại."))
            elif isinstance(exc, ProblemsError):
                self._report(
                    False,
                    _("Không tạo được gói nộp:") + "\n" + "\n".join(str(p) for p in exc.problems),
                )
            elif isinstance(exc, OSError):
                self._report(
                    False,
                    _(
                        "Không ghi được gói nộp vào {folder}: {reason}",
                        folder=str(out_dir),
                        reason=str(exc),
                    ),
                )
            else:
                raise exc

        self.runner.run(work, done, failed)

    def sent_copy(self) -> tuple[Path, str] | None:
        """The kept copy of the package this revision sent and the name it was sent under, if
        there is one (a quick check; ``save_sent_copy`` checks the whole package)."""
        from local_db import assessments, sent_packages

        if self.current is None:
            return None
        sent = assessments.exports(self.db, self.current.id)
        if not sent:
            return None
        newest = sent[-1]
        kept = sent_packages.kept_copy(
            Path(self.db.data_dir), newest.submission_id, newest.manifest_sha256
        )
        return (kept, newest.file_name) if kept is not None else None

    def offer_sent_copy(self) -> None:
        if self.dialog is not None:
            found = self.sent_copy()
            self.dialog.offer_copy(found[1] if found else None)

    def save_sent_copy(self, target: Path) -> None:
        """Write the exact bytes of the sent package again (worker thread): a collector that
        gets both sees one submission, where a package signed again would be a conflict."""
        from local_db import sent_packages
        from local_db.errors import StorageError

        found = self.sent_copy()
        if found is None:
            self._report(False, _("Không còn bản lưu của gói đã nộp trong thư mục dữ liệu."))
            return
        kept = found[0]

        def done(path: Path) -> None:
            self._report(
                True,
                _(
                    "Đã lưu bản sao giống hệt gói đã nộp: {path}. Nơi tổng hợp sẽ nhận ra đây là cùng một bài nộp, không phải bài nộp mới.",
                    path=str(path),
                ),
            )

        def failed(exc: BaseException) -> None:
            if isinstance(exc, StorageError):
                self._report(False, str(exc))
            elif isinstance(exc, OSError):
                self._report(
                    False,
                    _(
                        "Không lưu được bản sao vào {path}: {reason}",
                        path=str(target),
                        reason=exc.strerror or str(exc),
                    ),
                )
            else:
                raise exc

        self.runner.run(lambda: sent_packages.save_copy(kept, target), done, failed)

    def report_info(self):
        from desktop.finalise.report import ReportInfo
        from forms.packages import keys
        from local_db import assessments

        assert self.current is not None
        prof = self.profile()
        try:
            fingerprint = keys.load_public(self.keys_dir).fingerprint
        except keys.KeyFileError:
            fingerprint = ""
        status = assessments.get(self.db, self.current.id).status
        return ReportInfo(self.current.unit_code, self.current.unit_name, prof.officer_name if prof else "",
                          prof.position if prof else "", fingerprint, self.current.revision,
                          assessments.status_label(str(status)))  # fmt: skip

    def write_report(self, path: Path) -> None:
        from desktop.finalise.report import report_html, write_pdf

        assert self.session is not None
        html_text = report_html(self.session, self.report_info())
        title = _("Báo cáo tự đánh giá chuyển đổi số năm {year}", year=self.session.year)

        def done(written: Path) -> None:
            self._report(True, _("Đã lưu báo cáo: {path}", path=str(written)))
            self.pdf_written.emit(written)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, OSError):
                raise exc
            self._report(
                False, _("Không ghi được báo cáo {path}: {reason}", path=str(path), reason=str(exc))
            )

        self.runner.run(lambda: write_pdf(html_text, path, title), done, failed)

    def _refresh_read_only(self) -> None:
        if self.session is not None:
            self.session.store.refresh_status()
        if self.window is None or self.session is None:
            return
        self.window.reopen_action.setEnabled(self.session.read_only)
        self.window.update_status()
        if self.window.editor is not None:
            self.window.editor.reload_pages()

    def _reopen_action(self) -> None:
        self.reopen()

    def reopen(self) -> MainWindow | None:
        """A signed/exported assessment becomes read-only; reopening starts revision n+1."""
        from local_db import assessments

        if self.current is None:
            return None
        assessments.reopen(self.db, self.current.id)
        return self.replace_window()

    def review_panel(self) -> Any:
        """The commune window's review tab, added now if the deferred mount has not run yet."""
        window = self.window
        assert window is not None
        self._add_review_tab(window)
        return getattr(window, "review_panel", None)

    def open_settings(self, exec_wizard: Any = None) -> Any:
        """The setup wizard again; a changed mode replaces the window by the other mode's.
        Returns the window now shown (or None when the wizard was cancelled)."""
        parent = self.collector_window if self.mode() == opts.COLLECTOR else self.window
        wizard = self.make_wizard(parent)
        if not (exec_wizard or (lambda w: w.exec()))(wizard):
            return None
        before = self.mode()
        note = self.apply_setup(wizard.result_data())
        if self.mode() != before or self.mode() == opts.COLLECTOR:
            window = self.switch_window()
        else:
            window = self.replace_window()
        if note:
            QMessageBox.information(window, _("Bộ tiêu chí"), note)
        return window

    # --- the window of the mode -----------------------------------------------------

    def main_window(self) -> Any:
        return self.collector_window if self.mode() == opts.COLLECTOR else self.window

    def show_main_window(self) -> Any:
        """Build and show the window of the current mode: the commune's editor or the collector's."""
        window = (
            self.build_collector_window() if self.mode() == opts.COLLECTOR else self.build_window()
        )
        window.show()
        return window

    def switch_window(self) -> Any:
        """After a mode or identity change: show the new window, then close the old ones
        (closing the last window first would quit the application)."""
        from forms.i18n import set_language

        set_language(self.settings.get(opts.LANGUAGE))
        old = [w for w in (self.window, self.collector_window) if w is not None]
        self.window = self.collector_window = None
        window = self.show_main_window()
        for w in old:
            w.close()
            w.deleteLater()
        self.window_replaced.emit(window)
        return window

    def reviewer(self) -> Any:
        from forms.review.model import Reviewer

        prof = self.profile()
        return Reviewer(prof.officer_name if prof else "", prof.position if prof else "",
                        self.settings.get(opts.ORGANISATION))  # fmt: skip

    def build_collector_window(self) -> Any:
        """The collector's window on ``<data>/collector.sqlite``: bundles name the organisation,
        a double click in the inbox opens the reviewer screen (review feature) for that row."""
        from desktop.collector import open_collector_window

        window = open_collector_window(Path(self.db.data_dir), self.runner, self._stored_sets())
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

    def open_review(self, window: Any, index: Any) -> Any:
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

    def _collector_menus(self, window: Any) -> None:
        from desktop.qt import QAction, QActionGroup
        from forms.i18n import language

        menu = window.menuBar().addMenu(_("&Cài đặt"))
        setup = QAction(_("Chế độ làm việc, cán bộ, khóa ký…"), window)
        setup.triggered.connect(lambda _checked=False: self.open_settings())
        menu.addAction(setup)
        lang_menu = menu.addMenu(_("Ngôn ngữ"))
        group = QActionGroup(window)
        for code, label in (("vi", "Tiếng Việt"), ("en", "English")):
            action = QAction(label, window)
            action.setCheckable(True)
            action.setChecked(language() == code)
            action.triggered.connect(lambda _checked=False, c=code: self._collector_language(c))
            group.addAction(action)
            lang_menu.addAction(action)
        window.settings_action = setup

    def _collector_language(self, code: str) -> None:
        self.settings.set(opts.LANGUAGE, code)
        self.switch_window()


def reference_or_none() -> CriteriaSet | None:
    try:
        from forms.reference import reference_set

        return reference_set()
    except (ImportError, OSError, ValueError):
        return None
