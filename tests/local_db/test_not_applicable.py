"""The commune's "không áp dụng" marks in the database (issue 16): stored with the reason,
audited, checked before they are written, carried into a new revision, and the unit's kind
read from the units list."""

from __future__ import annotations

import sqlite3

import pytest

from forms.applicability import UnitFacts
from local_db import ReadOnlyAssessment, assessments, audit, migrations, units
from local_db import not_applicable as na
from local_db.database import Database
from tests.forms.sample_sets import applicability_set

CS = applicability_set()
REASON = "Năm 2025 không tổ chức họp vì Ban Chỉ đạo đang kiện toàn"


@pytest.fixture
def draft_na(db: Database, tmp_path):
    listing = tmp_path / "units.csv"
    listing.write_text("Mã,Tên,Loại\n08001,Xã Minh Khai,Xã\n", encoding="utf-8")
    assert units.import_units(db, listing).ok
    return assessments.create(db, "08001", 2025, CS)


def test_a_mark_is_stored_with_its_reason_and_audited(db: Database, draft_na) -> None:
    na.set_mark(db, CS, draft_na.id, "1.2", f"  {REASON} ", user="Lan")
    assert na.marks(db, draft_na.id) == {"1.2": REASON}
    na.set_mark(db, CS, draft_na.id, "1.2", None, user="Hùng")
    assert na.marks(db, draft_na.id) == {}
    rows = [(e.who, e.key, e.new_value) for e in audit.entries(db, draft_na.id, "not_applicable")]
    assert rows == [("Lan", "1.2", audit.encode(REASON)), ("Hùng", "1.2", audit.encode(None))]


@pytest.mark.parametrize(
    ("code", "reason", "words"),
    [
        ("1.1", REASON, "không cho phép"),  # the set does not allow 1.1 to be marked
        ("1.2", "   ", "Cần ghi lý do"),
        ("1.2", "x" * 501, "dài quá 500"),
        ("1.2", "lý do\x07", "U+0007"),
    ],
)
def test_a_mark_that_cannot_be_kept_is_refused_and_nothing_written(
    db: Database, draft_na, code, reason, words
) -> None:
    with pytest.raises(na.MarkRefused) as caught:
        na.set_mark(db, CS, draft_na.id, code, reason)
    assert words in str(caught.value)
    assert na.marks(db, draft_na.id) == {}
    assert audit.entries(db, draft_na.id, "not_applicable") == []


def test_a_reason_is_kept_in_nfc(db: Database, draft_na) -> None:
    na.set_mark(db, CS, draft_na.id, "1.2", "ly\u0301 do")
    assert na.marks(db, draft_na.id) == {"1.2": "lý do"}


def test_a_signed_assessment_takes_no_mark_and_a_revision_keeps_them(
    db: Database, draft_na
) -> None:
    na.set_mark(db, CS, draft_na.id, "1.2", REASON)
    assessments.finalise(db, draft_na.id)
    with pytest.raises(ReadOnlyAssessment):
        na.set_mark(db, CS, draft_na.id, "1.2", None)
    assessments.mark_signed(db, draft_na.id)
    new = assessments.reopen(db, draft_na.id)
    assert new.id != draft_na.id
    assert na.marks(db, new.id) == {"1.2": REASON}


def test_the_units_kind_comes_from_the_units_list(db: Database, draft_na) -> None:
    assert na.unit_facts(db, draft_na.id) == UnitFacts("xã", "08001")
    other = assessments.create(db, "99999", 2025, CS)  # not on the list: no kind
    assert na.unit_facts(db, other.id) == UnitFacts("", "99999")


def test_migration_6_adds_the_table(tmp_path) -> None:
    conn = sqlite3.connect(tmp_path / "old.sqlite", isolation_level=None)
    assert migrations.upgrade(conn, target=5) == [1, 2, 3, 4, 5]
    assert migrations.upgrade(conn) == [6]
    columns = [r[1] for r in conn.execute("PRAGMA table_info(not_applicable_marks)")]
    assert columns == ["assessment_id", "code", "reason", "updated_by", "updated_at"]
    conn.close()
