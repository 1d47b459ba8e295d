"""The editor's store: one assessment in the local database (``local_db``, see docs/storage.md).

Every call is a committed transaction (the autosave). Errors of the environment
(``StorageError``: disk full, locked, file refused) become ``SaveError`` carrying the
storage layer's Vietnamese sentence; anything else is a bug and propagates.
"""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.assessment.session import EvidenceItem, SaveError
from forms.applicability import UnitFacts
from forms.criteria import CriteriaSet
from local_db import answers as db_answers
from local_db import assessments as db_assessments
from local_db import evidence as db_evidence
from local_db import not_applicable as db_na
from local_db import province_data
from local_db.errors import EvidenceRejected, StorageError

if TYPE_CHECKING:
    from local_db.database import Database
    from local_db.models import Assessment, Attachment


def _item(db: Database, att: Attachment) -> EvidenceItem:
    assert att.id is not None  # a stored attachment
    path = db_evidence.open_path(db, att.id)
    size = getattr(att, "size", None)
    if size is None:
        try:
            size = Path(path).stat().st_size
        except OSError:
            size = 0
    return EvidenceItem(
        id=att.id,
        code=att.indicator_code,
        name=att.original_name,
        sha256=att.blob_sha256,
        size=int(size),
        path=str(path),
        meta={
            "number": att.doc_number,
            "date": att.doc_date,
            "issuer": att.issuer,
            "summary": att.summary,
        },
    )


class DbStore:
    def __init__(self, db: Database, assessment_id: int) -> None:
        self.db = db
        self.assessment_id = assessment_id
        self._status: str | None = None

    @property
    def assessment(self) -> Assessment:
        return db_assessments.get(self.db, self.assessment_id)

    @property
    def read_only(self) -> bool:
        # cached: views ask on every repaint; the controller calls refresh_status() after a transition
        if self._status is None:
            self.refresh_status()
        return self._status != "draft"

    def refresh_status(self) -> str:
        status = self.assessment.status
        self._status = str(getattr(status, "value", status))
        return self._status

    def load(self) -> tuple[dict[str, dict[str, Any]], dict[str, str], list[EvidenceItem]]:
        # a draft made after the province's file was imported gets its values now; disk full
        # or locked: the values stored so far are shown, and the next open tries again
        with suppress(StorageError):
            province_data.apply(self.db, self.assessment_id)
        loaded = db_answers.load(self.db, self.assessment_id)
        items = [_item(self.db, att) for group in loaded.attachments.values() for att in group]
        return dict(loaded.answers), dict(loaded.notes), items

    def supplied_sources(self) -> dict[str, str]:
        """Where each province-supplied value comes from, as the imported file says."""
        try:
            return province_data.sources(self.db, self.assessment_id)
        except StorageError:
            return {}

    def save_answer(self, code: str, key: str, value: Any, points: Decimal | None) -> None:
        try:
            db_answers.set_value(self.db, self.assessment_id, code, key, value, points=points)
        except StorageError as exc:
            raise SaveError(str(exc)) from exc

    def load_applicability(self) -> tuple[UnitFacts, dict[str, str]]:
        return db_na.unit_facts(self.db, self.assessment_id), db_na.marks(
            self.db, self.assessment_id
        )

    def save_mark(self, cs: CriteriaSet, code: str, reason: str | None) -> None:
        try:
            db_na.set_mark(self.db, cs, self.assessment_id, code, reason)
        except StorageError as exc:
            raise SaveError(str(exc)) from exc

    def save_note(self, code: str, note: str) -> None:
        try:
            db_answers.set_note(self.db, self.assessment_id, code, note)
        except StorageError as exc:
            raise SaveError(str(exc)) from exc

    def attach(self, code: str, path: str, meta: dict[str, str]) -> EvidenceItem:
        """Slow (hashes and copies the file): the editor runs it through ``desktop.tasks``."""
        try:
            att = db_evidence.attach(
                self.db,
                self.assessment_id,
                code,
                Path(path),
                db_evidence.EvidenceMeta(**meta) if meta else None,
            )
        except StorageError as exc:
            raise SaveError(str(exc), whole=isinstance(exc, EvidenceRejected)) from exc
        return _item(self.db, att)

    def update_evidence(self, item: EvidenceItem, meta: dict[str, str]) -> None:
        try:
            db_evidence.update_meta(self.db, item.id, db_evidence.EvidenceMeta(**meta))
        except StorageError as exc:
            raise SaveError(str(exc)) from exc

    def remove_evidence(self, item: EvidenceItem) -> None:
        try:
            db_evidence.remove(self.db, item.id)
        except StorageError as exc:
            raise SaveError(str(exc)) from exc
