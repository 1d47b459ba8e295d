"""One open assessment as the GUI sees it: answers, notes, evidence, live score and problems.

The session keeps the working copy in memory (so scoring and validation are instant while
the officer types) and hands every change to its ``store`` (the database, see
``desktop/assessment/store.py``) right away: the store's write is the autosave, and
``saved`` announces its time for the status bar. Views never write to the store themselves:
they call the session, and react to ``changed(code)`` (Anki's "operation, then changed").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from desktop.assessment.checks import Status, check_indicator, indicator_status, problems_all
from desktop.qt import QObject, Signal
from forms.applicability import UnitFacts, mark_allowed, reason_problem
from forms.criteria import CriteriaSet, Indicator
from forms.i18n import _
from forms.problems import Problem
from forms.scoring import Score, indicator_points, leaf_values, score, zero_reason


@dataclass
class EvidenceItem:
    """A file attached to an indicator, as stored (content-addressed by sha256)."""

    id: int
    code: str
    name: str
    sha256: str
    size: int
    path: str = ""  # where the stored copy can be opened
    meta: dict[str, str] = field(default_factory=dict)  # number, date, issuer, summary


class AssessmentStore(Protocol):
    """What the session needs from storage; ``store.py`` adapts ``local_db`` to it."""

    @property
    def read_only(self) -> bool: ...

    def refresh_status(self) -> str: ...

    def load(self) -> tuple[dict[str, dict[str, Any]], dict[str, str], list[EvidenceItem]]: ...

    def save_answer(self, code: str, key: str, value: Any, points: Decimal | None) -> None: ...

    def save_note(self, code: str, note: str) -> None: ...

    def load_applicability(self) -> tuple[UnitFacts, dict[str, str]]: ...

    def save_mark(self, cs: CriteriaSet, code: str, reason: str | None) -> None: ...

    def attach(self, code: str, path: str, meta: dict[str, str]) -> EvidenceItem: ...

    def update_evidence(self, item: EvidenceItem, meta: dict[str, str]) -> None: ...

    def remove_evidence(self, item: EvidenceItem) -> None: ...


class ReadOnlyError(Exception):
    pass


class MarkRejected(ValueError):
    """A "không áp dụng" reason that cannot be kept; ``str(e)`` is for the officer."""


class SaveError(Exception):
    """A write the environment refused (disk full, locked, file refused); ``str(e)`` is for the officer.

    ``whole``: the message is already the whole sentence about the file ("Không đính kèm được
    tệp …: tệp rỗng."), not a reason to put after one (which read twice, issue 15)."""

    def __init__(self, message: str, *, whole: bool = False) -> None:
        super().__init__(message)
        self.whole = whole


class AssessmentSession(QObject):
    changed = Signal(str)  # an indicator's values, note or evidence changed
    saved = Signal(object)  # datetime of the last durable write
    save_failed = Signal(str)  # a message for the officer (disk full, locked ...)
    evidence_changed = Signal(str)

    def __init__(
        self,
        cs: CriteriaSet,
        store: AssessmentStore,
        year: int | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__()
        self.cs = cs
        self.store = store
        self.year = year or cs.year
        self._clock = clock
        answers, notes, evidence = store.load()
        self.answers: dict[str, dict[str, Any]] = {k: dict(v) for k, v in answers.items()}
        self.notes: dict[str, str] = dict(notes)
        self.evidence: dict[str, list[EvidenceItem]] = {}
        for item in evidence:
            self.evidence.setdefault(item.code, []).append(item)
        # applicability (issue 16): the unit's kind and code, the commune's marks
        self.unit, marks = store.load_applicability()
        self.marks: dict[str, str] = dict(marks)
        self._score: Score | None = None
        # "code/field" -> the source of a province-supplied value, from the imported file
        self.supplied_sources: dict[str, str] = getattr(store, "supplied_sources", dict)()
        # statuses are asked for on every repaint of the tree; computed once per change
        self._statuses: dict[str, Status] = {}
        self.last_saved: datetime | None = None

    # --- reading ------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return bool(getattr(self.store, "read_only", False))

    def value(self, code: str, key: str) -> Any:
        return self.answers.get(code, {}).get(key)

    def score(self) -> Score:
        if self._score is None:
            self._score = score(self.cs, self.answers, unit=self.unit, marks=self.marks)
        return self._score

    def zero_reason(self, code: str) -> Problem | None:
        """Why indicator ``code`` scores 0 whatever it claims (an invalid value it is scored
        on), or None: the core's verdict, the one the package and the collector reach too."""
        ind = self.cs.indicator(code)
        # with the fields of other indicators its rule reads (a ratio over 4.1/so_can_bo)
        return zero_reason(ind, leaf_values(ind, self.answers))

    def evidence_counts(self) -> dict[str, int]:
        return {code: len(items) for code, items in self.evidence.items() if items}

    def problems(self, code: str) -> list[Problem]:
        return check_indicator(
            self.cs, self.cs.indicator(code), self.answers, self.evidence_counts(), self.year
        )

    def all_problems(self) -> list[Problem]:
        return problems_all(
            self.cs,
            self.answers,
            self.evidence_counts(),
            self.year,
            self.score().not_applicable,
        )

    def status(self, indicator: Indicator) -> Status:
        cached = self._statuses.get(indicator.code)
        if cached is None and indicator.code in self.score().not_applicable:
            cached = Status.COMPLETE  # nothing to answer: it does not apply
            self._statuses[indicator.code] = cached
        if cached is None:
            cached = indicator_status(
                self.cs, indicator, self.answers, self.evidence_counts(), self.year
            )
            self._statuses[indicator.code] = cached
        return cached

    def _invalidate(self) -> None:
        self._score = None
        self._statuses.clear()

    def progress(self) -> tuple[int, int]:
        leaves = self.cs.leaves()
        done = sum(1 for ind in leaves if self.status(ind) is Status.COMPLETE)
        return done, len(leaves)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return copy.deepcopy(self.answers)

    def reload(self) -> list[str]:
        """Read everything again from the store after a write made around the session (last
        year's answers carried forward); announces each indicator whose values or evidence
        changed, and returns their codes."""
        answers, notes, evidence = self.store.load()
        fresh: dict[str, list[EvidenceItem]] = {}
        for item in evidence:
            fresh.setdefault(item.code, []).append(item)

        def ids(items: list[EvidenceItem]) -> list[int]:
            return [i.id for i in items]

        codes = {*self.answers, *answers, *self.evidence, *fresh, *self.notes, *notes}
        changed = [
            c
            for c in codes
            if self.answers.get(c) != answers.get(c)
            or self.notes.get(c) != notes.get(c)
            or ids(self.evidence.get(c, [])) != ids(fresh.get(c, []))
        ]
        files = {c for c in codes if ids(self.evidence.get(c, [])) != ids(fresh.get(c, []))}
        self.answers = {k: dict(v) for k, v in answers.items()}
        self.notes = dict(notes)
        self.evidence = fresh
        self._invalidate()
        for code in changed:
            if code in files:
                self.evidence_changed.emit(code)
            self.changed.emit(code)
        return changed

    # --- writing (every call is an autosave) --------------------------------------

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(
                _("Bản đánh giá đã ký chỉ để xem. Bấm “Mở lại” để sửa trong một lần sửa đổi mới.")
            )

    def _durable(self, write: Callable[[], Any]) -> bool:
        try:
            write()
        except SaveError as exc:
            # kept in memory and shown: the officer must know this edit is not on disk yet
            self.save_failed.emit(str(exc))
            return False
        self.last_saved = self._clock()
        self.saved.emit(self.last_saved)
        return True

    def set_value(self, code: str, key: str, value: Any) -> None:
        self._check_writable()
        fld = self.cs.indicator(code).field(key)
        if fld is not None and fld.province_supplied:
            raise ReadOnlyError(_("“{field}” do tỉnh cung cấp (tệp .dtidata): xã không sửa được.", field=fld.label))  # fmt: skip
        current = self.answers.get(code, {}).get(key)
        if current == value and (value is not None or key in self.answers.get(code, {})):
            return
        if value is None or value == "" or value == {}:
            self.answers.get(code, {}).pop(key, None)
            if code in self.answers and not self.answers[code]:
                del self.answers[code]
            value = None
        else:
            self.answers.setdefault(code, {})[key] = value
        self._invalidate()
        points = indicator_points(self.cs.indicator(code), self.answers, self.cs)
        self._durable(lambda: self.store.save_answer(code, key, value, points))
        self.changed.emit(code)

    def reload_supplied(self) -> list[str]:
        """Take the province-supplied values again from the store (after a ``.dtidata`` import);
        the indicators whose values changed, each announced by ``changed``."""
        stored, _notes, _evidence = self.store.load()
        self.supplied_sources = getattr(self.store, "supplied_sources", dict)()
        changed = []
        for ind in self.cs.leaves():
            for fld in ind.fields:
                if not fld.province_supplied:
                    continue
                value = stored.get(ind.code, {}).get(fld.key)
                if self.answers.get(ind.code, {}).get(fld.key) == value:
                    continue
                if value is None:
                    self.answers.get(ind.code, {}).pop(fld.key, None)
                else:
                    self.answers.setdefault(ind.code, {})[fld.key] = value
                changed.append(ind.code)
        self._invalidate()
        for code in dict.fromkeys(changed):
            self.changed.emit(code)
        return changed

    def not_applicable(self, code: str) -> str | None:
        """Why ``code`` does not apply ("unit" or "marked"), or None (it applies)."""
        return self.score().not_applicable.get(code)

    def set_mark(self, code: str, reason: str | None) -> None:
        """Mark ``code`` "không áp dụng" with ``reason`` (None: applicable again); a reason
        that cannot be kept raises ``MarkRejected`` with the sentence for the officer."""
        self._check_writable()
        if reason is not None:
            reason = reason.strip()
            problem = reason_problem(reason)
            if problem is None and not mark_allowed(self.cs, code):
                raise MarkRejected(_("Chỉ tiêu này không được đánh dấu không áp dụng."))
            if problem is not None:
                raise MarkRejected(problem.message)
        if self.marks.get(code) == reason:
            return
        if not self._durable(lambda: self.store.save_mark(self.cs, code, reason)):
            return
        if reason is None:
            self.marks.pop(code, None)
        else:
            self.marks[code] = reason
        self._invalidate()
        self.changed.emit(code)

    def set_note(self, code: str, note: str) -> None:
        self._check_writable()
        if self.notes.get(code, "") == note:
            return
        self.notes[code] = note
        self._durable(lambda: self.store.save_note(code, note))
        self.changed.emit(code)

    def attach_stored(self, item: EvidenceItem) -> None:
        """Record an item the store has just attached (called on the GUI thread)."""
        self.evidence.setdefault(item.code, []).append(item)
        self._invalidate()
        self.last_saved = self._clock()
        self.saved.emit(self.last_saved)
        self.evidence_changed.emit(item.code)
        self.changed.emit(item.code)

    def update_evidence(self, item: EvidenceItem, meta: dict[str, str]) -> None:
        self._check_writable()
        if not self._durable(lambda: self.store.update_evidence(item, meta)):
            return
        item.meta = dict(meta)
        self.evidence_changed.emit(item.code)

    def remove_evidence(self, item: EvidenceItem) -> None:
        self._check_writable()
        if not self._durable(lambda: self.store.remove_evidence(item)):
            return
        items = self.evidence.get(item.code, [])
        if item in items:
            items.remove(item)
        self._invalidate()
        self.evidence_changed.emit(item.code)
        self.changed.emit(item.code)
