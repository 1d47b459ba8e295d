"""Autosaved answers, notes and the append-only audit trail."""

from __future__ import annotations

import sqlite3
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import exc as sa_exc

from local_db import NotFound, ReadOnlyAssessment, StorageError, answers, assessments, audit
from local_db.database import Database
from local_db.models import Assessment


def test_set_value_is_saved_and_returns_the_saved_time(db: Database, draft: Assessment) -> None:
    before = datetime.now(UTC)
    saved = answers.set_value(db, draft.id, "1.1", "count", 3, points=Decimal("15"))
    assert before <= saved <= datetime.now(UTC)
    assert answers.get_all(db, draft.id) == {"1.1": {"count": 3}}
    assert answers.points(db, draft.id) == {"1.1": Decimal("15")}
    assert assessments.get(db, draft.id).updated_at == saved


def test_every_change_writes_one_audit_row_with_old_and_new(
    db: Database, draft: Assessment
) -> None:
    answers.set_value(db, draft.id, "1.1", "count", 3, user="Lan")
    answers.set_value(db, draft.id, "1.1", "count", 4, user="Hùng")
    answers.set_value(db, draft.id, "1.1", "count", 4, user="Hùng")  # unchanged: no row
    answers.set_value(db, draft.id, "1.1", "count", None, user="Lan")  # cleared
    rows = [(e.who, e.key, e.old_value, e.new_value) for e in audit.entries(db, draft.id, "answer")]
    assert rows == [
        ("Lan", "1.1/count", None, "3"),
        ("Hùng", "1.1/count", "3", "4"),
        ("Lan", "1.1/count", "4", None),
    ]
    assert answers.get_all(db, draft.id) == {}


def test_audit_trail_cannot_be_updated_or_deleted(db: Database, draft: Assessment) -> None:
    answers.set_value(db, draft.id, "1.1", "count", 3)
    conn = sqlite3.connect(db.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit SET new_value = '99'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit")
    finally:
        conn.close()
    assert [e.new_value for e in audit.entries(db, draft.id, "answer")] == ["3"]


def test_a_failed_edit_leaves_neither_answer_nor_audit_row(db: Database, draft: Assessment) -> None:
    with pytest.raises(TypeError):  # an object that is not JSON is a bug in the caller
        answers.set_many(db, draft.id, {"1.1": {"count": 3}, "1.2": {"a": object()}})
    assert answers.get_all(db, draft.id) == {}
    assert audit.entries(db, draft.id, "answer") == []


def test_set_many_saves_everything_in_one_go(db: Database, draft: Assessment) -> None:
    data = {
        "1.1": {"count": 4},
        "1.2": {"a": 2, "b": 4},
        "2.1": {"choice": "chair"},
        "2.2.1": {"yes": True},
    }
    answers.set_many(db, draft.id, data, points={"1.1": Decimal(20), "1.2": Decimal(5)})
    assert answers.get_all(db, draft.id) == data
    assert answers.points(db, draft.id) == {"1.1": Decimal(20), "1.2": Decimal(5)}


def test_points_are_kept_equal_on_every_field_of_the_indicator(
    db: Database, draft: Assessment
) -> None:
    answers.set_value(db, draft.id, "1.2", "a", 2, points="0")
    answers.set_value(db, draft.id, "1.2", "b", 4, points="5.00")
    assert answers.points(db, draft.id) == {"1.2": Decimal("5")}


def test_text_is_stored_nfc(db: Database, draft: Assessment) -> None:
    typed = unicodedata.normalize("NFD", "Quyết định số 12/QĐ-UBND")
    answers.set_value(db, draft.id, "3.1", "doc", {"number": typed, "date": "2025-02-03"})
    stored = answers.get_all(db, draft.id)["3.1"]["doc"]["number"]
    assert stored == unicodedata.normalize("NFC", typed) and stored != typed


def test_notes(db: Database, draft: Assessment) -> None:
    answers.set_note(db, draft.id, "1.1", "Biên bản họp quý 4 còn thiếu chữ ký")
    answers.set_note(db, draft.id, "1.2", "tạm")
    answers.set_note(db, draft.id, "1.2", "")
    assert answers.notes(db, draft.id) == {"1.1": "Biên bản họp quý 4 còn thiếu chữ ký"}
    assert [e.key for e in audit.entries(db, draft.id, "note")] == ["1.1", "1.2", "1.2"]


def test_load_reads_everything_an_editor_needs(db: Database, draft: Assessment) -> None:
    answers.set_value(db, draft.id, "1.1", "count", 2, points=10)
    answers.set_note(db, draft.id, "1.1", "ghi chú")
    loaded = answers.load(db, draft.id)
    assert loaded.assessment.id == draft.id
    assert (loaded.answers, loaded.points, loaded.notes) == (
        {"1.1": {"count": 2}},
        {"1.1": Decimal(10)},
        {"1.1": "ghi chú"},
    )


@pytest.mark.parametrize("step", ["finalise", "sign"])
def test_edits_of_a_finalised_or_signed_assessment_are_refused(
    db: Database, draft: Assessment, step: str
) -> None:
    answers.set_value(db, draft.id, "1.1", "count", 2)
    assessments.finalise(db, draft.id)
    if step == "sign":
        assessments.mark_signed(db, draft.id)
    with pytest.raises(ReadOnlyAssessment, match="không sửa được"):
        answers.set_value(db, draft.id, "1.1", "count", 4)
    with pytest.raises(ReadOnlyAssessment):
        answers.set_note(db, draft.id, "1.1", "x")
    assert answers.get_all(db, draft.id) == {"1.1": {"count": 2}}


def test_unique_per_assessment_indicator_field(db: Database, draft: Assessment) -> None:
    answers.set_value(db, draft.id, "1.1", "count", 2)
    with pytest.raises(sa_exc.IntegrityError), db.write() as session:
        session.connection().exec_driver_sql(
            "INSERT INTO answers (assessment_id, indicator_code, field_key, value_json, updated_at) VALUES (?, '1.1', 'count', '5', 'x')",
            (draft.id,),
        )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=json_values)
def test_any_json_value_round_trips(db: Database, draft: Assessment, value: object) -> None:
    def nfc(v: object) -> object:
        if isinstance(v, str):
            return unicodedata.normalize("NFC", v)
        if isinstance(v, list):
            return [nfc(x) for x in v]
        if isinstance(v, dict):
            return {nfc(k): nfc(x) for k, x in v.items()}
        return v

    answers.set_value(db, draft.id, "9.9", "v", value)
    expected = {} if value is None else {"9.9": {"v": nfc(value)}}
    assert answers.get_all(db, draft.id) == expected


def test_a_full_disk_is_reported_and_nothing_is_half_saved(db: Database, draft: Assessment) -> None:
    from sqlalchemy import event

    answers.set_value(db, draft.id, "1.1", "count", 1)

    # SQLite reports SQLITE_FULL ("database or disk is full") when the file may not grow:
    # max_page_count makes that happen for real without filling the test machine's disk.
    def no_growth(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    db.engine.dispose()
    event.listen(db.engine, "connect", no_growth)
    try:
        with pytest.raises(StorageError, match="Ổ đĩa đã đầy"):
            answers.set_value(db, draft.id, "1.2", "a", "x" * 200_000)
    finally:
        event.remove(db.engine, "connect", no_growth)
        db.engine.dispose()
    assert answers.get_all(db, draft.id) == {"1.1": {"count": 1}}
    assert [e.key for e in audit.entries(db, draft.id, "answer")] == ["1.1/count"]


def test_editing_an_unknown_assessment(db: Database) -> None:
    with pytest.raises(NotFound, match="số 404"):
        answers.set_value(db, 404, "1.1", "count", 1)
