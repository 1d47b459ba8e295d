"""Submission ids across revisions: a reopened assessment's package supersedes the one before.

Regression (issues 3, 4, 5): storage did not keep the submission id a revision was exported
under, so revision n+1's package had ``supersedes: null`` and the collector saw a conflict
("predecessor missing") instead of a replacement.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from forms.packages.build import Submission, build_package
from local_db import Database, StorageError, answers, assessments, audit, migrations, open_database
from local_db.collector import merge_paths, open_collector
from local_db.models import Assessment
from tests.local_db.collector_support import CS, Units, clock
from tests.local_db.collector_support import answers as level_answers

UNIT = "10000"


def _manifest(package: Path) -> tuple[bytes, dict]:
    with zipfile.ZipFile(package) as zf:
        raw = zf.read("manifest.json")
    return raw, json.loads(raw)


def _export(db: Database, row: Assessment, units: Units, out: Path) -> Path:
    """What the app does on "Ký và xuất gói nộp": build with the stored predecessor, record it."""
    supersedes = assessments.previous_submission_id(db, row.id)
    sub = Submission(
        unit_code=row.unit_code, unit_name=f"Xã {row.unit_code}", year=row.year, criteria_set=CS,
        answers=answers.get_all(db, row.id), revision=row.revision, supersedes=supersedes,
        officer_name="Nguyễn Văn An", officer_position="Công chức",
    )  # fmt: skip
    package = build_package(sub, units.signers[row.unit_code], out / f"r{row.revision}")
    raw, manifest = _manifest(package)
    assessments.record_export(
        db, row.id, submission_id=manifest["submission_id"],
        manifest_sha256=hashlib.sha256(raw).hexdigest(), file_name=package.name,
        created_at=manifest["created_at"], supersedes=manifest["supersedes"],
    )  # fmt: skip
    if row.status == "draft":
        assessments.finalise(db, row.id)
    assessments.mark_signed(db, row.id)
    assessments.mark_exported(db, row.id)
    return package


@pytest.fixture
def two_revisions(db: Database, tmp_path: Path) -> tuple[Units, Path, Path]:
    units = Units(1)
    r1 = assessments.create(db, UNIT, 2025, CS)
    answers.set_many(db, r1.id, level_answers(1))
    assessments.finalise(db, r1.id)
    p1 = _export(db, assessments.get(db, r1.id), units, tmp_path)
    r2 = assessments.reopen(db, r1.id)
    answers.set_many(db, r2.id, level_answers(3))
    p2 = _export(db, assessments.get(db, r2.id), units, tmp_path)
    return units, p1, p2


def test_revision_2_supersedes_revision_1(db: Database, two_revisions) -> None:
    _units, p1, p2 = two_revisions
    _raw1, m1 = _manifest(p1)
    raw2, m2 = _manifest(p2)
    assert m1["revision"] == 1 and m1["supersedes"] is None
    assert m2["revision"] == 2 and m2["supersedes"] == m1["submission_id"]
    r1, r2 = assessments.history(db, UNIT, 2025)
    stored = assessments.exports(db, r2.id)
    assert [(e.submission_id, e.supersedes, e.file_name, e.revision) for e in stored] == [
        (m2["submission_id"], m1["submission_id"], p2.name, 2)
    ]
    assert stored[0].manifest_sha256 == hashlib.sha256(raw2).hexdigest()
    assert stored[0].created_at == m2["created_at"]
    assert [e.submission_id for e in assessments.exports(db, r1.id)] == [m1["submission_id"]]
    assert any(e.entity == "export" for e in audit.entries(db, r2.id))


@pytest.mark.parametrize("order", ["r1 first", "r2 first", "one call"])
def test_collector_makes_revision_2_current_in_any_order(
    collector_target: str, two_revisions, order
) -> None:
    units, p1, p2 = two_revisions
    conn = open_collector(collector_target)
    try:
        if order == "one call":
            merge_paths(conn, [p2, p1], units.trust, [CS], clock=clock)
        else:
            for p in (p1, p2) if order == "r1 first" else (p2, p1):
                merge_paths(conn, [p], units.trust, [CS], clock=clock)
        states = dict(
            conn.execute("SELECT revision, state FROM submissions WHERE unit_code=?", (UNIT,))
        )
    finally:
        conn.close()
    assert states == {2: "current", 1: "superseded"}


def test_previous_submission_skips_a_revision_never_exported(db: Database, tmp_path: Path) -> None:
    units = Units(1)
    r1 = assessments.create(db, UNIT, 2025, CS)
    answers.set_many(db, r1.id, level_answers(1))
    assessments.finalise(db, r1.id)
    _raw, m1 = _manifest(_export(db, assessments.get(db, r1.id), units, tmp_path))
    r2 = assessments.reopen(db, r1.id)
    assessments.finalise(db, r2.id)
    assessments.mark_signed(db, r2.id)  # signed, but nothing left the office
    r3 = assessments.reopen(db, r2.id)
    assert r3.revision == 3
    assert assessments.previous_submission_id(db, r3.id) == m1["submission_id"]
    assert assessments.previous_submission_id(db, r1.id) is None


def test_recording_again_is_a_no_op_and_a_reused_id_is_refused(db: Database, draft) -> None:
    kwargs = dict(submission_id="s-1", manifest_sha256="a" * 64, file_name="x.dtipkg",
                  created_at="2026-01-15T08:00:00Z")  # fmt: skip
    first = assessments.record_export(db, draft.id, **kwargs)
    again = assessments.record_export(db, draft.id, **kwargs)
    assert again.exported_at == first.exported_at
    assert len(assessments.exports(db, draft.id)) == 1
    with pytest.raises(StorageError, match="s-1"):
        assessments.record_export(db, draft.id, **{**kwargs, "manifest_sha256": "b" * 64})
    assert len(assessments.exports(db, draft.id)) == 1


def test_version_3_database_upgrades_with_its_assessments_kept(data_dir: Path) -> None:
    """A database of the previous schema (3) gains the exports table; old revisions answer None."""
    with open_database(data_dir) as db:
        row = assessments.create(db, UNIT, 2025, CS)
    path = data_dir / "dti-desk.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    try:  # take it back to exactly what version 3 made
        conn.execute("DROP TABLE package_exports")
        conn.execute("ALTER TABLE profile DROP COLUMN chairman_name")  # step 5's
        conn.execute("DROP TABLE not_applicable_marks")  # step 6's
        conn.execute("PRAGMA user_version = 3")
    finally:
        conn.close()
    with open_database(data_dir) as db:
        conn = sqlite3.connect(path)
        try:
            assert migrations.schema_version(conn) == migrations.LATEST >= 4
            columns = {r[1] for r in conn.execute("PRAGMA table_info(package_exports)")}
        finally:
            conn.close()
        assert {
            "submission_id",
            "assessment_id",
            "supersedes",
            "manifest_sha256",
            "file_name",
        } <= columns
        assert assessments.get(db, row.id).unit_code == UNIT
        assert assessments.previous_submission_id(db, row.id) is None
        assessments.record_export(db, row.id, submission_id="s-1", manifest_sha256="a" * 64,
                                  file_name="x.dtipkg", created_at="2026-01-15T08:00:00Z")  # fmt: skip
        assert [e.submission_id for e in assessments.exports(db, row.id)] == ["s-1"]
