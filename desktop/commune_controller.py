"""The commune's assessment in the main window: opens the session, builds the window, and
carries out finalise / export (sign + package) / PDF report / sent copy / reopen.

Widgets ask, the controller does: ``MainWindow`` emits ``finalise_requested`` and
``reopen_requested``, the finalise dialog emits what the officer asked for, and this is the
one commune GUI place that calls ``local_db`` and ``forms.packages`` for them. What outlives a
window (mode, language, the settings wizard, replacing the window) is the shell's
(``desktop.shell``); a reopened assessment asks it for a new window through ``reopened``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from desktop import settings as opts
from desktop.assessment.carry_flow import CarryFlow
from desktop.assessment.session import AssessmentSession
from desktop.assessment.store import DbStore
from desktop.main_window import MainWindow, ReviewPanelFactory
from desktop.qt import QMessageBox, QObject, QWidget, Signal
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.i18n import _
from forms.scoring import score

if TYPE_CHECKING:
    from desktop.finalise.dialog import FinaliseDialog
    from desktop.finalise.export import Finalised, PreparedExport
    from desktop.finalise.report import ReportInfo
    from desktop.finalise.token_panel import TokenChoice
    from desktop.review.commune import CommuneReviewPanel
    from local_db.database import Database
    from local_db.models import Assessment, Profile


@dataclass
class OpenAssessment:
    id: int
    unit_code: str
    unit_name: str
    year: int
    revision: int
    status: str
    parent_id: int | None


class CommuneController(QObject):
    exported = Signal(object)  # Path of the package
    pdf_written = Signal(object)  # Path of the report
    province_data_done = Signal(bool, str)  # a .dtidata import: ok, the sentence shown
    reopened = Signal()  # the assessment was reopened: its window must be built again

    def __init__(
        self, db: Database, settings: Settings, runner: TaskRunner, keys_dir: Path
    ) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.runner = runner
        self.keys_dir = keys_dir
        self.window: MainWindow | None = None
        self.session: AssessmentSession | None = None
        self.current: OpenAssessment | None = None
        self.dialog: FinaliseDialog | None = None
        self.carry: CarryFlow | None = None

    # --- the assessment -------------------------------------------------------------

    def profile(self) -> Profile | None:
        from local_db import profile

        return profile.get(self.db)

    def latest(self) -> Assessment | None:
        """The unit's newest assessment (latest year, highest revision), if any."""
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

        row = self.latest()
        if row is None or row.id is None:
            raise LookupError("no assessment")
        cs = criteria_store.load(self.db, row.criteria_hash)
        self.current = OpenAssessment(row.id, row.unit_code, self.unit_name(row.unit_code), row.year, row.revision,
                                      str(row.status), row.parent_id)  # fmt: skip
        self.session = AssessmentSession(cs, DbStore(self.db, row.id), row.year)
        return self.session

    def previous_pillars(self) -> dict[str, Decimal]:
        """Last year's pillar points for the overview chart (empty when there is none)."""
        from local_db import answers, assessments, criteria_store
        from local_db import not_applicable as db_na

        assert self.current is not None
        row = assessments.current(self.db, self.current.unit_code, self.current.year - 1)
        if row is None:
            return {}
        cs = criteria_store.load(self.db, row.criteria_hash)
        assert row.id is not None
        unit, marks = db_na.unit_facts(self.db, row.id), db_na.marks(self.db, row.id)
        return dict(score(cs, answers.get_all(self.db, row.id), unit=unit, marks=marks).pillars)

    def build_window(self) -> MainWindow:
        """The main window on the newest assessment; its requests are connected here."""
        session = self.open_session()
        assert self.current is not None
        detail = _("{unit} — năm {year}, lần {revision}", unit=self.current.unit_name, year=self.current.year,
                   revision=self.current.revision)  # fmt: skip
        window = MainWindow(session, self.runner, self.settings, detail, self.previous_pillars(),
                            review_panel_factory=self._review_panel_factory())  # fmt: skip
        window.finalise_requested.connect(self.open_finalise)
        window.reopen_requested.connect(self.reopen)
        window.province_data_requested.connect(lambda path: self.import_province_data(Path(path)))
        window.reopen_action.setEnabled(session.read_only)
        self.carry = CarryFlow(
            self.db, self.runner, self.settings, self.current.id, session, window
        )
        window.carry_requested.connect(lambda: self.carry.open() if self.carry else None)
        window.carry_action.setEnabled(self.carry.available())
        window.finalise_action.setEnabled(True)
        if window.editor is not None:
            last = self.settings.get(opts.LAST_INDICATOR)
            first = last if last and session.cs.find(last) else session.cs.leaves()[0].code
            window.editor.open(first)
        self.window = window
        return window

    def _review_panel_factory(self) -> ReviewPanelFactory:
        """The review tab's content for the window being built (``CommuneReviewPanel`` from the
        review feature), imported when the tab is first opened."""
        current, session = self.current, self.session
        assert current is not None and session is not None

        def build(parent: QWidget) -> CommuneReviewPanel | None:
            if self.current is not current or self.session is not session:
                return None  # the window was replaced or closed meanwhile
            if not self.db.is_open:
                return None  # the app (or a test) closed the database before the tab opened
            from desktop.review.commune import CommuneReviewPanel

            return CommuneReviewPanel(self.db, current.id, session.cs, self.runner, parent)

        return build

    def review_panel(self) -> CommuneReviewPanel | None:
        """The window's review tab, built now if it was not opened yet."""
        assert self.window is not None
        return self.window.ensure_review_panel()

    def _refresh_read_only(self) -> None:
        if self.session is not None:
            self.session.store.refresh_status()
        if self.window is None or self.session is None:
            return
        self.window.reopen_action.setEnabled(self.session.read_only)
        if self.carry is not None:  # nothing is carried into a signed assessment
            self.window.carry_action.setEnabled(self.carry.available())
        self.window.update_status()
        if self.window.editor is not None:
            self.window.editor.reload_pages()

    def reopen(self) -> MainWindow | None:
        """A signed/exported assessment becomes read-only; reopening starts revision n+1 in a
        new window (the shell builds it on ``reopened``). Returns that window."""
        from local_db import assessments

        if self.current is None:
            return None
        assessments.reopen(self.db, self.current.id)
        self.reopened.emit()
        return self.window

    def import_province_data(self, path: Path) -> None:
        """Verify and keep the province's ``.dtidata`` (worker thread), then show its values:
        the open draft's supplied fields are read again, the pages re-read, the outcome said."""
        from local_db import province_data
        from local_db.errors import StorageError

        def done(result: province_data.Imported) -> None:
            if self.session is not None:
                self.session.reload_supplied()
            if self.window is not None and self.window.editor is not None:
                self.window.editor.reload_pages()
            self.province_data_done.emit(True, result.message())
            self._report(True, result.message())

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, province_data.DataRejected | StorageError | OSError):
                raise exc
            problems = getattr(exc, "problems", None)
            detail = "\n".join(f"• {p.message}" for p in problems) if problems else str(exc)
            text = _("Không nhập được tệp dữ liệu tỉnh {name}:", name=path.name) + "\n" + detail
            self.province_data_done.emit(False, text)
            self._report(False, text)

        self.runner.run(lambda: province_data.import_file(self.db, path), done, failed)

    # --- finalise, export, PDF ------------------------------------------------------

    def open_finalise(self, exec_dialog: bool = True) -> FinaliseDialog:
        from desktop.finalise.dialog import FinaliseDialog

        assert self.session is not None and self.window is not None
        if self.window.editor is not None:
            self.window.editor.flush()
        dialog = FinaliseDialog(self.session, self.settings, self.window, self.runner)
        dialog.go_to.connect(self._go_to)
        dialog.export_requested.connect(
            lambda passphrase, folder: self.export(passphrase, Path(folder))
        )
        dialog.token_export_requested.connect(
            lambda choice, pin, folder: self.export_with_token(choice, pin, Path(folder))
        )
        dialog.two_signatures_requested.connect(
            lambda choice, secret, org, org_pin, folder: self.export_two(
                choice, secret, org, org_pin, Path(folder)
            )
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
        """Sign and write the package and the PDF report beside it (worker thread; the same
        ``sign_and_write`` as ``dti-desk finalise``), then mark the assessment signed/exported."""
        prepared = self._prepared()
        if prepared is None:
            return
        self.runner.run(
            lambda: prepared.write(passphrase, out_dir),
            self._exported,
            lambda exc: self._export_failed(exc, out_dir),
        )

    def export_with_token(self, choice: TokenChoice, pin: str, out_dir: Path) -> None:
        """As :meth:`export`, signed on the USB token (``choice``) with ``pin``: logged in once
        on the worker, the package's CMS and the report's PAdES signature; the PIN is tried
        once and kept nowhere."""
        prepared = self._prepared()
        if prepared is None:
            return

        def work() -> tuple[Finalised, str]:
            from forms.packages.token import open_token

            with open_token(choice.module, pin, cert_id=choice.cka_id, serial=choice.serial) as s:
                return prepared.write_with_token(s.signer(choice.cka_id), out_dir)

        self.runner.run(work, self._exported, lambda exc: self._export_failed(exc, out_dir))

    def export_two(
        self,
        choice: TokenChoice | None,
        secret: str,
        org: TokenChoice,
        org_pin: str,
        out_dir: Path,
    ) -> None:
        """As :meth:`export_with_token` (``choice``; None: the app's key, ``secret`` its
        passphrase), the organisation's certificate ``org`` signing the package and the report
        after the chairman: on the chairman's token in the same login, or on its own token with
        ``org_pin``. Each PIN is tried once and kept nowhere."""
        from desktop.finalise.token_panel import same_token

        prepared = self._prepared()
        if prepared is None:
            return

        def work() -> tuple[Finalised, str]:
            from contextlib import ExitStack

            from forms.packages.token import open_token

            with ExitStack() as stack:
                chairman = None
                if choice is not None:
                    chairman = stack.enter_context(
                        open_token(choice.module, secret, cert_id=choice.cka_id, serial=choice.serial)
                    )  # fmt: skip
                if chairman is not None and same_token(choice, org):
                    organisation = chairman.signer(org.cka_id)
                else:
                    session = stack.enter_context(
                        open_token(org.module, org_pin, cert_id=org.cka_id, serial=org.serial)
                    )
                    organisation = session.signer(org.cka_id)
                if chairman is None or choice is None:
                    return prepared.write(secret, out_dir, organisation)
                signer = chairman.signer(choice.cka_id)
                return prepared.write_with_token(signer, out_dir, organisation)

        self.runner.run(work, self._exported, lambda exc: self._export_failed(exc, out_dir))

    def _prepared(self) -> PreparedExport | None:
        """``prepare_export``, or None once the officer is told why not (a province data file
        that no longer verifies, storage refusing)."""
        from local_db.errors import StorageError

        try:
            return self.prepare_export()
        except StorageError as exc:
            self._report(False, _("Không tạo được gói nộp:") + "\n" + str(exc))
            return None

    def prepare_export(self) -> PreparedExport:
        """What signing needs from the GUI thread (the submission, the report's HTML), for
        ``export`` and ``dti-desk finalise`` alike."""
        from desktop.finalise.export import PreparedExport, submission_for, supersedes_for
        from desktop.finalise.report import report_html
        from local_db import province_data
        from local_db.assessments import status_label
        from local_db.models import Status
        from local_db.review.commune import as_answer

        assert self.session is not None and self.current is not None
        prof = self.profile()
        supersedes = supersedes_for(self.db, self.current.id)
        submission = submission_for(self.session, self.current.unit_code, self.current.unit_name, self.current.revision,
                                    prof.officer_name if prof else "", prof.position if prof else "", supersedes,
                                    phone=prof.phone if prof else "", email=prof.email if prof else "",
                                    chairman_name=prof.chairman_name if prof else "")  # fmt: skip
        # review: a revision answering a review carries the commune's explanations in its notes
        submission = as_answer(self.db, self.current.id, submission)
        # province-supplied values (issue 16): the package carries the file they come from
        submission = province_data.with_file(self.db, submission)
        # the report the package carries is the signed one, not a draft, and says so
        signed = replace(self.report_info(), status=status_label(Status.SIGNED.value), draft=False)
        html_text = report_html(self.session, signed)
        return PreparedExport(
            submission, html_text, self.report_title(), self.keys_dir, Path(self.db.data_dir)
        )

    def _exported(self, result: tuple[Finalised, str]) -> None:
        from desktop.finalise.export import mark_finalised

        assert self.current is not None
        done, not_kept = result
        mark_finalised(self.db, self.current.id, done.package)
        self.current.status = "exported"
        self._refresh_read_only()
        text = _(
            "Đã ký và lưu gói nộp: {path}\nBáo cáo PDF (cũng nằm trong gói): {report}",
            path=str(done.package),
            report=str(done.report),
        )
        if not_kept:
            text += "\n" + _(
                "Lưu ý: không giữ được bản sao của gói trong thư mục dữ liệu ({reason}), nên sau này không lưu lại được bản giống hệt.",
                reason=not_kept,
            )
        self._report(True, text)
        self.offer_sent_copy()
        self.exported.emit(done.package)
        self.pdf_written.emit(done.report)

    def _export_failed(self, exc: BaseException, out_dir: Path) -> None:
        from desktop.finalise.export import WrongPassphrase
        from forms.packages.token import TokenError
        from forms.pdf_signature import PdfSignatureError
        from forms.problems import ProblemsError

        if isinstance(exc, TokenError | PdfSignatureError):  # a wrong PIN: tried once, not again
            self._report(False, exc.message)
        elif isinstance(exc, WrongPassphrase):
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

    def report_info(self) -> ReportInfo:
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
                          assessments.status_label(str(status)),
                          chairman_name=prof.chairman_name if prof else "",
                          phone=prof.phone if prof else "", email=prof.email if prof else "")  # fmt: skip

    def report_title(self) -> str:
        assert self.session is not None
        return _("Báo cáo tự đánh giá chuyển đổi số năm {year}", year=self.session.year)

    def write_report(self, path: Path) -> None:
        from desktop.finalise.report import report_html, write_pdf

        assert self.session is not None
        html_text = report_html(self.session, self.report_info())
        title = self.report_title()

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

    # --- the sent copy --------------------------------------------------------------

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
