"""The collector's session: its store (``local_db.collector.CollectorStore``) as the GUI sees it.

Anki's "operation, then changed": every action that changes the collector database (a merge,
a conflict decision, a "not ranked" mark, a received or issued review, a saved review edit)
goes through the session, which emits ``changed(year)`` once it is done; the inbox, the
ranking, the completeness counts and the reviewer's screens react to that one signal instead of
re-reading after their own actions. ``ALL_YEARS`` says the change may touch any year.

Every write names the officer making it (the collector's audit, ``local_db.review.versions``):
asked once per session, the first time a write is made (``ask_officer``, the window's small
dialog), kept on the session only, so the next session asks again rather than writing as
someone else.

Slow work runs on ``desktop.tasks.TaskRunner`` (synchronous in tests). A worker uses the
store's connection of its own thread, closed when its job is done; no connection crosses
threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.qt import QObject, Signal
from desktop.tasks import Progress, TaskRunner
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.packages.signing import Signer
from local_db.collector import CollectorStore, MergeSummary
from local_db.review.collector import ReceivedReview, ReviewError, officer_name

ALL_YEARS = 0  # ``changed(ALL_YEARS)``: a merge or a unit's mark, any year may have changed

Done = Callable[[Any], None] | None
Failed = Callable[[BaseException], None] | None


class CollectorSession(QObject):
    changed = Signal(int)  # the year whose data changed, or ALL_YEARS

    def __init__(
        self,
        store: CollectorStore,
        runner: TaskRunner,
        parent: QObject | None = None,
        *,
        officer: str | None = None,
    ):
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self._home = threading.get_ident()
        self.officer: str | None = officer_name(officer) if officer else None
        # asks the officer's name (None: cancelled); the window sets its dialog here
        self.ask_officer: Callable[[], str | None] | None = None

    def require_officer(self) -> str:
        """The officer's name for a write: asked the first time, then kept for the session;
        ``ReviewError`` (``officer_missing``) when not given."""
        if self.officer is None and self.ask_officer is not None:
            given = self.ask_officer()
            if given:
                self.officer = officer_name(given)
        if self.officer is None:
            raise ReviewError(
                _("Chưa có tên cán bộ thực hiện: thay đổi chưa được lưu"), "officer_missing"
            )
        return self.officer

    # --- running --------------------------------------------------------------------------

    def _on_worker(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` with the worker's connection closed after it (kept on the GUI thread)."""

        def work(*args: Any) -> Any:
            try:
                return fn(*args)
            finally:
                if threading.get_ident() != self._home:
                    self.store.release_thread()

        return work

    def read(self, fn: Callable[[], Any], on_done: Done = None, on_error: Failed = None) -> None:
        """Run a read (or a file export) off the GUI thread; no ``changed`` follows."""
        self.runner.run(self._on_worker(fn), on_done=on_done, on_error=on_error)

    def _write(
        self,
        fn: Callable[..., Any],
        year: Callable[[Any], int | None],
        on_done: Done = None,
        on_error: Failed = None,
        on_progress: Progress | None = None,
    ) -> None:
        """Run a write off the GUI thread; ``on_done(result)``, then ``changed(year(result))``
        (no signal when ``year`` gives None: nothing was stored)."""

        def done(result: Any) -> None:
            if on_done is not None:
                on_done(result)
            touched = year(result)
            if touched is not None:
                self.changed.emit(touched)

        self.runner.run(
            self._on_worker(fn), on_done=done, on_error=on_error, on_progress=on_progress
        )

    def external_change(self) -> None:
        """Someone else wrote to the database (``desktop.collector.live``): any year may have
        changed."""
        self.changed.emit(ALL_YEARS)

    def replace_store(self, store: CollectorStore) -> CollectorStore:
        """Work on ``store`` from now on (the window's connection setting); the views re-read
        through ``changed``. Returns the previous store, for the caller to close."""
        old, self.store = self.store, store
        self.changed.emit(ALL_YEARS)
        return old

    def year_of(self, manifest_sha256: str) -> int | None:
        ref = self.store.submission(manifest_sha256)
        return None if ref is None else ref.year

    # --- the inbox and the ranking ----------------------------------------------------------

    def merge(
        self,
        paths: Sequence[Path],
        trust: Any,
        criteria_sets: Sequence[CriteriaSet],
        on_done: Done = None,
        on_error: Failed = None,
        on_progress: Progress | None = None,
    ) -> None:
        def work(progress: Progress | None = None) -> MergeSummary:
            return self.store.merge(paths, trust, criteria_sets, progress)

        self._write(work, lambda _summary: ALL_YEARS, on_done, on_error, on_progress)

    def import_units(self, path: Path, on_done: Done = None, on_error: Failed = None) -> None:
        """The province's units list (xlsx, csv, json: ``CollectorStore.import_units_file``)
        on a worker; names and groups may change in every year."""
        self._write(
            lambda: self.store.import_units_file(path), lambda _n: ALL_YEARS, on_done, on_error
        )

    def recheck_rejected(
        self,
        trust: Any,
        criteria_sets: Sequence[CriteriaSet],
        on_done: Done = None,
        on_error: Failed = None,
        on_progress: Progress | None = None,
    ) -> None:
        """Merge again the packages rejected as ``signer_unknown``, with ``trust`` (worker)."""

        def work(progress: Progress | None = None) -> Any:
            return self.store.recheck_rejected(trust, criteria_sets, progress)

        self._write(work, lambda _summary: ALL_YEARS, on_done, on_error, on_progress)

    def decide(self, file_sha256: str, note: str, based_on: int | None = None) -> bool:
        """The submission received as ``file_sha256`` becomes the current one of its unit and
        year (a person settles a conflict). False when the file holds no submission;
        ``ReviewError`` when no officer is named, ``StaleEdit`` when ``based_on`` is stale."""
        ref = self.store.submission_for_file(file_sha256)
        if ref is None:
            return False
        officer = self.require_officer()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.store.decide(
            ref.unit_code, ref.year, ref.manifest_sha256, note, now,
            officer=officer, based_on=based_on,
        )  # fmt: skip
        self.changed.emit(ref.year)
        return True

    def set_not_ranked(self, marks: Iterable[tuple[str, bool] | tuple[str, bool, int]]) -> None:
        """Mark units "not ranked" (True) or ranked again, each (code, flag[, based_on: the
        mark's version read]); one ``changed`` for them all, also after a ``StaleEdit`` (the
        marks before it are kept, the views re-read)."""
        marks = list(marks)
        officer = self.require_officer() if marks else ""
        try:
            for code, flag, *read in marks:
                based_on = int(read[0]) if read else None
                self.store.set_not_ranked(code, flag, officer=officer, based_on=based_on)
        finally:
            if marks:
                self.changed.emit(ALL_YEARS)  # a unit's mark holds in every year

    # --- reviews --------------------------------------------------------------------------------

    def receive_review(
        self,
        path: Path,
        reviewers: Path,
        criteria: Mapping[str, CriteriaSet],
        on_done: Done = None,
        on_error: Failed = None,
    ) -> None:
        """Load the reviewers trust list, read, verify and store a review file (worker)."""
        from forms.packages.trust import TrustRegistry

        def work() -> ReceivedReview:
            return self.store.receive_file(path, TrustRegistry.load(reviewers), criteria)

        def year(got: ReceivedReview) -> int | None:
            return self.year_of(got.manifest_sha256) if got.outcome == "stored" else None

        self._write(work, year, on_done, on_error)

    def save_item(self, manifest_sha256: str, cs: CriteriaSet, code: str, **changes: Any) -> Any:
        """One indicator of a draft review (``ProblemsError``/``ReviewError`` when refused;
        ``StaleEdit`` when ``based_on``, among ``changes``, is no longer its version)."""
        officer = self.require_officer()
        item = self.store.set_item(manifest_sha256, cs, code, officer=officer, **changes)
        self._changed(manifest_sha256)
        return item

    def save_details(self, manifest_sha256: str, **details: Any) -> None:
        officer = self.require_officer()
        self.store.set_details(manifest_sha256, officer=officer, **details)
        self._changed(manifest_sha256)

    def issue(
        self,
        manifest_sha256: str,
        cs: CriteriaSet,
        signer: Signer,
        out_dir: Path,
        on_done: Done = None,
        on_error: Failed = None,
        based_on: int | None = None,
    ) -> None:
        """Sign the draft and write its file on a worker (its own connection); ``based_on``:
        the draft's version the officer saw."""
        year = self.year_of(manifest_sha256)
        try:
            officer = self.require_officer()
        except ReviewError as exc:
            if on_error is None:
                raise
            on_error(exc)
            return
        self._write(
            lambda: self.store.issue(
                manifest_sha256, cs, signer, out_dir, based_on=based_on, officer=officer
            ),
            lambda _path: year,
            on_done,
            on_error,
        )

    def _changed(self, manifest_sha256: str) -> None:
        year = self.year_of(manifest_sha256)
        if year is not None:
            self.changed.emit(year)
