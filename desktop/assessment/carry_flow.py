"""Carrying last year's answers into the open assessment: when to offer it, and doing it.

The commune controller makes one ``CarryFlow`` per window. It offers the dialog by itself
once per assessment (at start, when an earlier year's assessment exists and has something
to offer; remembered in ``settings.CARRY_OFFERED``), and again whenever the officer picks
"Tệp → Dùng lại câu trả lời năm trước…". The confirmed offers are written by
``local_db.carry.apply`` on the task runner (up to a hundred rows, their audit and an fsync:
more than a frame), then the session re-reads and the tree and the pages show the values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop import settings as opts
from desktop.assessment.carry_dialog import CarryDialog
from desktop.qt import QObject, Signal
from forms.i18n import _
from local_db.errors import StorageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from desktop.assessment.session import AssessmentSession
    from desktop.main_window import MainWindow
    from desktop.settings import Settings
    from desktop.tasks import TaskRunner
    from forms.carry_forward import CarryPlan, EvidenceOffer, FieldOffer
    from local_db.carry import CarryResult
    from local_db.database import Database


class CarryFlow(QObject):
    carried = Signal(object)  # CarryResult, after the session re-read it

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        settings: Settings,
        assessment_id: int,
        session: AssessmentSession,
        window: MainWindow,
    ) -> None:
        super().__init__(window)
        self.db = db
        self.runner = runner
        self.settings = settings
        self.assessment_id = assessment_id
        self.session = session
        self.window = window
        self.dialog: CarryDialog | None = None
        self._plan: CarryPlan | None = None

    def available(self) -> bool:
        """An earlier year's assessment exists and this one can still be edited."""
        from local_db import carry

        return (
            not self.session.read_only and carry.previous(self.db, self.assessment_id) is not None
        )

    def plan(self) -> CarryPlan | None:
        from local_db import carry

        return carry.plan(self.db, self.assessment_id)

    def open(self, show: bool = True) -> CarryDialog | None:
        """The dialog on what last year offers (None when there is no earlier year). ``show``
        opens it window-modal without blocking (``open``, not ``exec``)."""
        if not self.available():
            return None
        plan = self.plan()
        if plan is None:
            return None
        self._plan = plan
        dialog = CarryDialog(plan, self.session.cs, self.window)
        dialog.apply_requested.connect(self.apply)
        self.dialog = dialog
        self.settings.set(opts.CARRY_OFFERED, str(self.assessment_id))
        self.settings.sync()
        if show:
            dialog.open()
        return dialog

    def offer_once(self, show: bool = True) -> CarryDialog | None:
        """At start: the dialog if this assessment was never offered it and last year has
        something to carry; else nothing (no question on every start)."""
        if self.settings.get(opts.CARRY_OFFERED) == str(self.assessment_id):
            return None
        if not self.available():
            return None
        plan = self.plan()
        if plan is None or not plan.offered_count():
            return None
        return self.open(show)

    def apply(self, fields: Sequence[FieldOffer], files: Sequence[EvidenceOffer]) -> None:
        from local_db import carry

        assert self._plan is not None
        if self.window.editor is not None:
            self.window.editor.flush()  # a value being typed is saved first, so it is kept
        from_year = self._plan.from_year
        fields, files = list(fields), list(files)
        self.runner.run(
            lambda: carry.apply(self.db, self.assessment_id, fields, files, from_year=from_year),
            on_done=self._done,
            on_error=self._failed,
        )

    def _done(self, result: CarryResult) -> None:
        self.session.reload()
        if self.window.editor is not None:
            self.window.editor.reload_pages()
        self.window.update_status()
        if self.dialog is not None:
            self.dialog.show_result(result)
        self.carried.emit(result)

    def _failed(self, exc: BaseException) -> None:
        # the environment (disk full, locked, signed meanwhile): said in the dialog; the
        # transaction wrote nothing. Anything else is a bug: said too, then raised
        message = str(exc) if isinstance(exc, StorageError) else type(exc).__name__
        if self.dialog is not None:
            self.dialog.show_error(message)
        else:
            self.window.show_save_failed(_("Không chép được: {error}", error=message))
        if not isinstance(exc, StorageError):
            raise exc
