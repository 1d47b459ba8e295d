"""Review storage on both sides: what is refused leaves nothing behind."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from forms.packages.trust import ROLE_REVIEW, TrustRegistry
from forms.problems import ProblemsError
from local_db import StorageError, assessments, audit, open_database
from local_db.collector import dump, open_collector
from local_db.review import collector as rc
from local_db.review import commune
from tests.local_db.review_support import (
    CS,
    REVIEWER,
    UNIT,
    World,
    current_sha,
    first_assessment,
    make_world,
    signer,
    submit,
)

FIXTURE = Path(__file__).with_name("fixtures") / "schema_v1.sqlite"


@pytest.fixture
def world(tmp_path: Path):
    w = make_world(tmp_path)
    yield w
    w.close()


def _reviewed(world: World) -> tuple[int, str, Path]:
    first = first_assessment(world)
    submit(world, first, "out1")
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER)
    rc.set_item(world.conn, sha, CS, "1.1", points=10, comment="Thiếu biên bản")
    rc.set_item(world.conn, sha, CS, "1.2", status="explanation_requested", comment="Giải trình")
    rc.set_details(world.conn, sha, deadline="2026-02-15")
    path = rc.issue(world.conn, sha, CS, world.reviewer, world.tmp / "reviews")
    return first, sha, path


def test_collector_database_without_reviews_is_untouched(tmp_path: Path) -> None:
    conn = open_collector(tmp_path / "c.sqlite")
    try:
        before = dump(conn)
        assert not rc.has_reviews(conn) and rc.verified_results(conn, 2025) == {}
        assert rc.verification_states(conn, 2025) == {} and rc.load_review(conn, "00" * 32) is None
        rc.ensure_schema(conn)
        rc.ensure_schema(conn)  # idempotent
        assert rc.has_reviews(conn) and dump(conn) == before
    finally:
        conn.close()


def test_out_of_range_points_are_refused_and_nothing_changes(world: World) -> None:
    first = first_assessment(world)
    submit(world, first, "out1")
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER)
    for bad in ("-0.5", "20.5", "x"):
        with pytest.raises(ProblemsError) as error:
            rc.set_item(world.conn, sha, CS, "1.1", points=bad, comment="không được lưu")
        assert error.value.problems[0].code == "points_out_of_range"
    item = rc.load_review(world.conn, sha).items["1.1"]
    assert (item.verified_points, item.comment) == (item.self_points, "")


def test_an_unfit_review_is_not_issued_and_leaves_no_file(world: World) -> None:
    first = first_assessment(world)
    submit(world, first, "out1")
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER)
    rc.set_item(world.conn, sha, CS, "1.2", status="explanation_requested", comment="Giải trình")
    out = world.tmp / "reviews"
    out.mkdir()
    with pytest.raises(ProblemsError) as error:
        rc.issue(world.conn, sha, CS, world.reviewer, out)
    assert [p.code for p in error.value.problems] == ["deadline_missing"]
    assert rc.review_state(world.conn, sha) == rc.DRAFT and not list(out.iterdir())
    # a write failure rolls the database back too
    blocked = world.tmp / "not-a-folder"
    blocked.write_text("x")
    rc.set_details(world.conn, sha, deadline="2026-02-15")
    with pytest.raises(OSError):
        rc.issue(world.conn, sha, CS, world.reviewer, blocked)
    assert rc.review_state(world.conn, sha) == rc.DRAFT


def test_an_issued_review_is_frozen(world: World) -> None:
    _first, sha, _path = _reviewed(world)
    with pytest.raises(rc.ReviewError, match="đã phát hành"):
        rc.set_item(world.conn, sha, CS, "1.1", points=0)
    with pytest.raises(rc.ReviewError):
        rc.set_details(world.conn, sha, message="sửa")
    name, data = rc.issued_file(world.conn, sha)
    assert (world.tmp / "reviews" / name).read_bytes() == data


def test_tampered_and_untrusted_reviews_are_not_imported(world: World) -> None:
    first, _sha, path = _reviewed(world)
    envelope = json.loads(path.read_bytes())
    envelope["review"] = envelope["review"].replace(
        '"verified_points":"10"', '"verified_points":"20"'
    )
    with pytest.raises(commune.ReviewRejected) as error:
        commune.import_review(world.db, json.dumps(envelope).encode())
    assert "signature_invalid" in [p.code for p in error.value.problems]
    stranger = TrustRegistry()
    stranger.add_key(UNIT, signer(9).public_raw)
    with pytest.raises(commune.ReviewRejected) as error:
        commune.import_review(world.db, path, stranger)
    assert [p.code for p in error.value.problems] == ["reviewer_unknown"]
    assert "danh sách người thẩm định tin cậy" in str(error.value)
    assert commune.reviews_for(world.db, first) == []
    assert audit.entries(world.db, entity="review") == []


def test_a_review_must_match_a_submitted_assessment_here(world: World, tmp_path: Path) -> None:
    _first, _sha, path = _reviewed(world)
    other = open_database(tmp_path / "other", user="x")
    try:
        shutil.copy(commune.reviewers_path(world.db), commune.reviewers_path(other))
        with pytest.raises(commune.ReviewRejected) as error:
            commune.import_review(other, path)
        assert [p.code for p in error.value.problems] == ["criteria_unknown", "submission_unknown"]
        assessments.create(other, UNIT, 2025, CS)  # a draft revision 1: never sent
        with pytest.raises(commune.ReviewRejected) as error:
            commune.import_review(other, path)
        assert [p.code for p in error.value.problems] == ["not_submitted"]
    finally:
        other.close()


def test_explanations_only_for_flagged_or_adjusted_indicators(world: World) -> None:
    first, _sha, path = _reviewed(world)
    imported = commune.import_review(world.db, path)
    rid = imported.review.review_id
    with pytest.raises(StorageError, match="2.1"):
        commune.set_explanation(world.db, rid, "2.1", "không cần")
    commune.set_explanation(world.db, rid, "1.1", "  Có đủ 4 biên bản  ")
    commune.set_explanation(world.db, rid, "1.2", "Danh sách kèm theo")
    assert commune.explanations(world.db, rid) == {
        "1.1": "Có đủ 4 biên bản",
        "1.2": "Danh sách kèm theo",
    }
    commune.set_explanation(world.db, rid, "1.1", "")
    assert commune.explanations(world.db, rid) == {"1.2": "Danh sách kèm theo"}
    assert [e.key for e in audit.entries(world.db, entity="explanation")] == [
        f"{rid}/1.1",
        f"{rid}/1.2",
        f"{rid}/1.1",
    ]
    assert commune.review_to_show(world.db, first).review.review_id == rid


def test_response_notes_keep_the_officers_note_first() -> None:
    assert commune.response_notes(
        {"1.1": "Họp quý I", "2.1": ""}, {"1.1": "Giải trình", "1.2": "Mới"}
    ) == {
        "1.1": "Họp quý I\n\nGiải trình",
        "1.2": "Mới",
    }


def test_a_version_1_database_gains_the_review_tables(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURE, data / "dti-desk.sqlite")
    with open_database(data):
        pass
    conn = sqlite3.connect(data / "dti-desk.sqlite")
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert {"review_imports", "review_explanations"} <= tables


def test_notes_for_reports_name_the_self_assessed_units(world: World) -> None:
    first = first_assessment(world)
    submit(world, first, "out1")
    assert (
        rc.verification_details(world.conn, 2025) == {}
        and rc.ranking_note(world.conn, 2025) is None
    )
    rc.start_review(
        world.conn, current_sha(world.conn), CS, REVIEWER
    )  # a draft: still self-assessed
    assert rc.verification_details(world.conn, 2025) == {UNIT: "Chỉ có điểm tự đánh giá"}
    assert rc.ranking_note(world.conn, 2025) == (
        "Xếp hạng theo điểm thẩm định cho 0 đơn vị; 1 đơn vị chỉ có điểm tự đánh giá: 25001"
    )
    rc.issue(world.conn, current_sha(world.conn), CS, world.reviewer, world.tmp)
    assert rc.verification_details(world.conn, 2025) == {UNIT: "Đã thẩm định"}
    assert rc.ranking_note(world.conn, 2025).startswith(
        "Xếp hạng theo điểm thẩm định cho 1 đơn vị; 0"
    )


def test_as_answer_turns_the_gui_submission_into_the_answer(world: World) -> None:
    first, _sha, path = _reviewed(world)
    imported = commune.import_review(world.db, path)
    plain = commune.response_submission(world.db, first, unit_name="Xã Hòa Bình")
    assert plain.supersedes is None and commune.as_answer(world.db, first, plain) == plain
    second = assessments.reopen(world.db, first)
    commune.set_explanation(world.db, imported.review.review_id, "1.2", "Đã bổ sung")
    draft = replace(
        commune.response_submission(world.db, second.id, unit_name="Xã Hòa Bình"),
        supersedes=None,
        notes={"1.2": "Ghi chú"},
    )
    answer = commune.as_answer(world.db, second.id, draft)
    assert answer.supersedes == imported.review.submission.submission_id
    assert answer.notes == {"1.2": "Ghi chú\n\nĐã bổ sung"}
    kept = commune.as_answer(world.db, second.id, replace(draft, supersedes="from-storage"))
    assert kept.supersedes == "from-storage"


def test_a_review_issued_by_a_collector_counts_at_the_province(
    world: World, tmp_path: Path
) -> None:
    import base64

    from forms.review.model import body_bytes
    from local_db.collector import merge_paths

    _first, sha, path = _reviewed(world)
    data = path.read_bytes()
    province = open_collector(tmp_path / "province.sqlite")
    try:
        package = next((world.tmp / "out1").glob("*.dtipkg"))
        merge_paths(province, [package], world.trust, [CS])
        reviewers = TrustRegistry()
        reviewers.add_key("*", world.reviewer.public_raw, roles=(ROLE_REVIEW,))
        criteria = {CS.content_hash: CS}
        assert (
            rc.receive_issued(province, data, path.name, TrustRegistry(), criteria).reasons[0].code
            == "reviewer_unknown"
        )
        stored = rc.receive_issued(province, data, path.name, reviewers, criteria)
        assert (stored.outcome, stored.manifest_sha256) == ("stored", sha)
        assert (
            rc.receive_issued(province, data, path.name, reviewers, criteria).outcome == "duplicate"
        )
        assert rc.verified_results(province, 2025) == rc.verified_results(world.conn, 2025)
        assert rc.issued_file(province, sha) == (path.name, data)
        # a properly signed review claiming other self-assessed points is refused
        envelope = json.loads(data)
        body = json.loads(envelope["review"])
        body["review_id"] = "other"
        body["items"]["2.1"]["self_points"] = body["items"]["2.1"]["verified_points"] = "5"
        from forms.review.model import review_from_body
        from forms.review.scoring import self_score, summary_dict, verified_score

        r = review_from_body(body)
        body["summary"] = summary_dict(self_score(CS, r), verified_score(CS, r))
        raw = body_bytes(body)
        envelope["review"] = raw.decode()
        envelope["signature"] = base64.b64encode(world.reviewer.sign(raw).data).decode()
        forged = json.dumps(envelope).encode()
        assert (
            rc.receive_issued(province, forged, "x", reviewers, criteria).reasons[0].code
            == "submission_mismatch"
        )
        # a different issued review of the same submission, signed earlier, does not replace
        # the first (one signed later would: hole 12a, tests/local_db/test_review_hostile.py)
        body["items"]["2.1"]["self_points"] = body["items"]["2.1"]["verified_points"] = "10"
        body["created_at"] = "2020-01-01T00:00:00Z"
        r = review_from_body(body)
        body["summary"] = summary_dict(self_score(CS, r), verified_score(CS, r))
        raw = body_bytes(body)
        envelope["review"] = raw.decode()
        envelope["signature"] = base64.b64encode(world.reviewer.sign(raw).data).decode()
        other = json.dumps(envelope).encode()
        assert (
            rc.receive_issued(province, other, "y", reviewers, criteria).reasons[0].code
            == "review_exists"
        )
        # a review of a submission not received here
        empty = open_collector(tmp_path / "empty.sqlite")
        try:
            assert (
                rc.receive_issued(empty, data, path.name, reviewers, criteria).reasons[0].code
                == "submission_unknown"
            )
        finally:
            empty.close()
    finally:
        province.close()


def test_reviews_match_the_exported_package_by_identity(world: World) -> None:
    """With the exports recorded (schema v4) the review must name exactly the signed package."""
    first = first_assessment(world)
    submit(world, first, "out1")
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER)
    path = rc.issue(world.conn, sha, CS, world.reviewer, world.tmp / "r")
    assert commune.import_review(world.db, path).assessment_id == first


def test_a_review_of_another_package_under_the_same_id_is_refused(
    world: World, tmp_path: Path
) -> None:
    first = first_assessment(world)
    submit(world, first, "out1")
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER)
    path = rc.issue(world.conn, sha, CS, world.reviewer, world.tmp / "r")
    # this computer wrote a package with that submission id but other signed bytes
    with world.db.write() as session:
        session.connection().exec_driver_sql(
            "UPDATE package_exports SET manifest_sha256=?", ("0" * 64,)
        )
    with pytest.raises(commune.ReviewRejected) as error:
        commune.import_review(world.db, path)
    assert [p.code for p in error.value.problems] == ["submission_mismatch"]


def test_packages_written_before_exports_were_recorded_still_match(world: World) -> None:
    first = first_assessment(world)
    submit(world, first, "out1", record=False)
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER)
    path = rc.issue(world.conn, sha, CS, world.reviewer, world.tmp / "r")
    assert commune.import_review(world.db, path).assessment_id == first
