"""Carrying confirmed answers and evidence into this year's assessment (local_db.carry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.carry_forward import CarryPlan
from local_db import ReadOnlyAssessment, answers, assessments, audit, carry, evidence
from local_db import evidence_store as store_module
from local_db.database import Database
from tests.forms.carry_sets import next_year, renumbered
from tests.forms.sample_sets import tiny_set

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LAST_YEAR = {"1.1": {"count": 4}, "1.2": {"a": 2, "b": 4}, "2.1": {"choice": "chair"}}


def _store_files(db: Database) -> list[Path]:
    return sorted(p for p in Path(db.evidence_dir).rglob("*") if p.is_file())


@pytest.fixture
def last_year(db: Database, tmp_path: Path) -> int:
    row = assessments.create(db, "08001", 2025, tiny_set())
    assert row.id is not None
    answers.set_many(db, row.id, LAST_YEAR)
    plan = tmp_path / "Biên bản họp.pdf"
    plan.write_bytes(PDF)
    evidence.attach(db, row.id, "1.1", plan, evidence.EvidenceMeta("3/BB", "2025-04-01", "UBND xã"))
    assessments.finalise(db, row.id)
    return row.id


def _this_year(db: Database, cs=None) -> int:
    row = assessments.create(db, "08001", 2026, cs or next_year())
    assert row.id is not None
    return row.id


def _plan(db: Database, assessment_id: int) -> CarryPlan:
    plan = carry.plan(db, assessment_id)
    assert plan is not None
    return plan


def test_no_earlier_year_no_plan(db: Database):
    assert carry.plan(db, _this_year(db)) is None


def test_plan_writes_nothing(db: Database, last_year: int):
    now = _this_year(db)
    before = len(audit.entries(db, now))
    plan = _plan(db, now)
    assert (plan.from_year, plan.to_year, plan.offered_count()) == (2025, 2026, 5)
    assert answers.get_all(db, now) == {}
    assert evidence.list_for(db, now) == []
    assert len(audit.entries(db, now)) == before


def test_only_the_confirmed_items_are_written_audited_and_scored(db: Database, last_year: int):
    now = _this_year(db)
    plan = _plan(db, now)
    chosen = [o for o in plan.fields if o.to_code == "1.1"]
    result = carry.apply(db, now, chosen, plan.evidence, from_year=plan.from_year)
    assert (result.fields, result.evidence, result.skipped) == (1, 1, [])
    assert answers.get_all(db, now) == {"1.1": {"count": 4}}
    assert answers.points(db, now) == {"1.1": 20}
    rows = audit.entries(db, now, entity="carry")
    assert [r.key for r in rows] == ["1.1/count", "1.1/Biên bản họp.pdf"]
    assert [audit.decode(r.new_value)["note"] for r in rows] == [
        "chuyển từ năm 2025, đã xác nhận bởi Nguyễn Thị Lan"
    ] * 2
    assert audit.decode(rows[0].new_value)["from"] == "2025/1.1/count"
    assert {r.who for r in rows} == {"Nguyễn Thị Lan"}


def test_evidence_is_relinked_to_the_same_stored_file_and_still_opens(db: Database, last_year: int):
    now = _this_year(db)
    plan = _plan(db, now)
    files_before = _store_files(db)
    carry.apply(db, now, [], plan.evidence, from_year=2025)
    assert _store_files(db) == files_before  # no byte copied
    (old,) = evidence.list_for(db, last_year)
    (new,) = evidence.list_for(db, now)
    assert (new.blob_sha256, new.original_name, new.doc_number, new.doc_date) == (
        old.blob_sha256, old.original_name, "3/BB", "2025-04-01",
    )  # fmt: skip
    assert new.id is not None and evidence.open_path(db, new.id).read_bytes() == PDF
    # removing it this year leaves last year's file in place
    evidence.remove(db, new.id)
    assert old.id is not None and evidence.open_path(db, old.id).read_bytes() == PDF


def test_a_value_typed_meanwhile_is_never_overwritten(db: Database, last_year: int):
    now = _this_year(db)
    plan = _plan(db, now)
    answers.set_value(db, now, "1.1", "count", 1)
    result = carry.apply(db, now, plan.fields, from_year=2025)
    assert answers.get_all(db, now)["1.1"] == {"count": 1}
    assert ("1.1/count", "năm nay đã có câu trả lời (giữ nguyên)") in result.skipped
    assert result.fields == 3
    assert "1.1/count" not in [r.key for r in audit.entries(db, now, entity="carry")]


def test_blocked_offers_are_skipped_even_when_passed(db: Database, last_year: int):
    now = _this_year(db)
    answers.set_value(db, now, "2.1", "choice", "vice")
    plan = _plan(db, now)
    blocked = [o for o in plan.fields if not o.offered]
    assert [o.key for o in blocked] == ["2.1/choice"]
    result = carry.apply(db, now, blocked, from_year=2025)
    assert result.fields == 0 and answers.get_all(db, now) == {"2.1": {"choice": "vice"}}


def test_all_or_nothing_on_a_read_only_assessment(db: Database, last_year: int):
    now = _this_year(db)
    plan = _plan(db, now)
    assessments.finalise(db, now)
    with pytest.raises(ReadOnlyAssessment):
        carry.apply(db, now, plan.fields, plan.evidence, from_year=2025)
    assert answers.get_all(db, now) == {} and evidence.list_for(db, now) == []


def test_a_missing_stored_file_is_skipped_with_why(db: Database, last_year: int):
    now = _this_year(db)
    plan = _plan(db, now)
    store_module.blob_path(db.evidence_dir, plan.evidence[0].ref.sha256).unlink()
    result = carry.apply(db, now, [], plan.evidence, from_year=2025)
    assert result.evidence == 0 and "thiếu tệp" in result.skipped[0][1]
    assert evidence.list_for(db, now) == []


def test_mapping_carries_a_renumbered_indicator(db: Database, last_year: int):
    now = _this_year(db, renumbered())
    plan = _plan(db, now)
    result = carry.apply(db, now, plan.fields, plan.evidence, from_year=2025)
    assert result.fields == 4 and result.evidence == 1
    assert answers.get_all(db, now)["1.3"] == {"so_luong": 4}
    assert [a.indicator_code for a in evidence.list_for(db, now)] == ["1.3"]
