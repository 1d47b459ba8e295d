"""The assessment life cycle and revisions."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_db import (
    NotFound,
    ReadOnlyAssessment,
    StorageError,
    answers,
    assessments,
    audit,
    criteria_store,
    evidence,
)
from local_db.database import Database
from local_db.models import Assessment
from tests.forms.sample_sets import tiny_set

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_create_remembers_the_criteria_set(db: Database, draft: Assessment) -> None:
    cs = tiny_set()
    assert draft.criteria_hash == cs.content_hash
    assert [row.content_hash for row in criteria_store.known(db)] == [cs.content_hash]
    assert criteria_store.load(db, cs.content_hash).content_hash == cs.content_hash
    with pytest.raises(NotFound):
        criteria_store.load(db, "0" * 64)


def test_one_assessment_per_unit_and_year(db: Database, draft: Assessment) -> None:
    with pytest.raises(StorageError, match="đã có bản đánh giá năm 2025"):
        assessments.create(db, "08001", 2025, tiny_set())
    other = assessments.create(db, "08001", 2026, tiny_set())
    assert [a.year for a in assessments.list_for_unit(db, "08001")] == [2026, 2025]
    assert other.revision == 1


def test_life_cycle_draft_finalised_signed_exported(db: Database, draft: Assessment) -> None:
    assert assessments.finalise(db, draft.id).status == "finalised"
    assert assessments.mark_signed(db, draft.id).status == "signed"
    exported = assessments.mark_exported(db, draft.id)
    assert exported.status == "exported"
    assert exported.finalised_at and exported.signed_at and exported.exported_at
    assert [(e.old_value, e.new_value) for e in audit.entries(db, draft.id, "status")] == [
        ('"draft"', '"finalised"'),
        ('"finalised"', '"signed"'),
        ('"signed"', '"exported"'),
    ]


def test_steps_cannot_be_skipped(db: Database, draft: Assessment) -> None:
    with pytest.raises(StorageError, match="Không thể chuyển"):
        assessments.mark_signed(db, draft.id)
    with pytest.raises(StorageError):
        assessments.mark_exported(db, draft.id)
    with pytest.raises(NotFound):
        assessments.finalise(db, 12345)


def test_reopen_a_finalised_one_goes_back_to_draft(db: Database, draft: Assessment) -> None:
    assessments.finalise(db, draft.id)
    again = assessments.reopen(db, draft.id)
    assert (again.id, again.status, again.revision) == (draft.id, "draft", 1)


def test_reopen_a_signed_one_makes_revision_2_and_keeps_revision_1(
    db: Database, draft: Assessment, tmp_path: Path
) -> None:
    answers.set_value(db, draft.id, "1.1", "count", 3, points=15)
    answers.set_note(db, draft.id, "1.1", "ba cuộc họp")
    pdf = tmp_path / "Biên bản.pdf"
    pdf.write_bytes(PDF)
    evidence.attach(db, draft.id, "1.1", pdf)
    assessments.finalise(db, draft.id)
    assessments.mark_signed(db, draft.id)

    revision2 = assessments.reopen(db, draft.id)
    assert (revision2.revision, revision2.status, revision2.parent_id) == (2, "draft", draft.id)
    assert assessments.current(db, "08001", 2025).id == revision2.id
    assert [a.revision for a in assessments.history(db, "08001", 2025)] == [1, 2]
    assert answers.get_all(db, revision2.id) == answers.get_all(db, draft.id)
    assert answers.notes(db, revision2.id) == {"1.1": "ba cuộc họp"}
    assert [a.original_name for a in evidence.list(db, revision2.id)] == ["Biên bản.pdf"]

    answers.set_value(db, revision2.id, "1.1", "count", 4, points=20)
    assert answers.get_all(db, draft.id) == {"1.1": {"count": 3}}  # what was signed stays
    with pytest.raises(ReadOnlyAssessment):
        answers.set_value(db, draft.id, "1.1", "count", 1)
    # removing the evidence from revision 2 keeps the file, revision 1 still refers to it
    link = evidence.list(db, revision2.id)[0]
    evidence.remove(db, link.id)
    assert evidence.open_path(db, evidence.list(db, draft.id)[0].id).read_bytes() == PDF
    # only the newest revision can be reopened
    assessments.finalise(db, revision2.id)
    assessments.mark_signed(db, revision2.id)
    with pytest.raises(StorageError, match="lần 2"):
        assessments.reopen(db, draft.id)
    assert assessments.reopen(db, revision2.id).revision == 3
