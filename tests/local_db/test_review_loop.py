"""The whole review loop through files, in the core: submit -> review -> explain -> resubmit ->
accept -> rank on verified points."""

from __future__ import annotations

from pathlib import Path

from forms.review.model import ItemStatus
from forms.review.verify import verify_review
from local_db import assessments, evidence
from local_db.collector.reports import completeness, ranking_for_year, results_for_year
from local_db.review import collector as rc
from local_db.review import commune
from tests.local_db.collector_support import Units
from tests.local_db.review_support import (
    CS,
    PDF,
    REVIEWER,
    UNIT,
    WHEN,
    D,
    current_sha,
    first_assessment,
    make_world,
    submit,
)


def test_full_review_loop_ends_in_a_ranking_on_verified_points(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    try:
        # 1. the commune submits revision 1 (self-assessed 60/60)
        first = first_assessment(world)
        submit(world, first, "out1")
        sha1 = current_sha(world.conn)

        # 2. the reviewer adjusts three indicators and asks for two explanations
        review = rc.start_review(world.conn, sha1, CS, REVIEWER, now=WHEN)
        assert all(
            i.status is ItemStatus.ACCEPTED and i.verified_points == i.self_points
            for i in review.items.values()
        )
        rc.set_item(
            world.conn, sha1, CS, "1.1", points="10", comment="Chỉ có 2 biên bản họp hợp lệ"
        )
        rc.set_item(world.conn, sha1, CS, "2.1", points=5, comment="Trưởng ban là Phó Chủ tịch")
        rc.set_item(world.conn, sha1, CS, "3.1", points="4,5", comment="Điểm tỉnh chấm lại")
        rc.set_item(
            world.conn,
            sha1,
            CS,
            "1.2",
            status=ItemStatus.EXPLAIN,
            comment="Bổ sung danh sách cuộc họp do Chủ tịch chủ trì",
        )
        rc.set_item(
            world.conn,
            sha1,
            CS,
            "2.2.2",
            status="explanation_requested",
            comment="Thiếu danh sách máy tính",
        )
        rc.set_details(
            world.conn, sha1, deadline="2026-02-15", message="Đề nghị giải trình trước hạn"
        )
        file1 = rc.issue(world.conn, sha1, CS, world.reviewer, tmp_path / "reviews", now=WHEN)
        assert rc.review_state(world.conn, sha1) == rc.ISSUED

        # 3. the commune imports the review: it lands on revision 1 with its flags
        imported = commune.import_review(world.db, file1)
        assert imported.assessment_id == first
        assert {i.code for i in imported.review.flagged} == {"1.2", "2.2.2"}
        assert {i.code for i in imported.review.adjusted} == {"1.1", "2.1", "3.1"}
        assert imported.review.items["3.1"].verified_points == D("4.5")
        assert commune.import_review(world.db, file1).review == imported.review  # idempotent
        assert len(commune.reviews_for(world.db, first)) == 1

        # 4. explains, adds evidence and resubmits a revision that supersedes the reviewed one
        second = assessments.reopen(world.db, first)
        assert second.id is not None and second.revision == 2
        assert (
            commune.review_to_show(world.db, second.id).review.review_id
            == imported.review.review_id
        )
        rid = imported.review.review_id
        assert commune.missing_explanations(world.db, rid) == ["1.2", "2.2.2"]
        commune.set_explanation(
            world.db, rid, "1.2", "Cả 4 cuộc họp do Chủ tịch chủ trì, xem biên bản kèm theo"
        )
        commune.set_explanation(world.db, rid, "2.2.2", "Bổ sung danh sách máy tính của 25 cán bộ")
        assert commune.missing_explanations(world.db, rid) == []
        extra = tmp_path / "danh-sach-may-tinh.pdf"
        extra.write_bytes(PDF + b"% list\n")
        evidence.attach(world.db, second.id, "2.2.2", extra)
        pkg2 = submit(world, second.id, "out2")
        sha2 = current_sha(world.conn)
        assert sha2 != sha1
        states = dict(world.conn.execute("SELECT manifest_sha256, state FROM submissions"))
        assert states == {sha1: "superseded", sha2: "current"}
        received = rc.load_submission(world.conn, sha2)
        assert received.manifest["supersedes"] == imported.review.submission.submission_id
        assert "Bổ sung danh sách máy tính" in received.notes["2.2.2"]
        assert [e.original_name for e in received.evidence_for("2.2.2")] == [
            "danh-sach-may-tinh.pdf"
        ]
        opened = rc.extract_evidence(
            world.conn, sha2, received.evidence_for("2.2.2")[0].path, tmp_path / "open"
        )
        assert opened.read_bytes() == extra.read_bytes()
        assert pkg2.name.endswith("_r2.dtipkg")
        # explanations are frozen once the answer is signed
        try:
            commune.set_explanation(world.db, rid, "1.2", "sửa sau khi gửi")
            raise AssertionError("explanation changed after sending")
        except commune.StorageError:
            pass

        # 5. the reviewer reviews revision 2: adjustments carried over, flags to decide, and
        #    the indicators that changed since revision 1 are known
        assert rc.previous_submission(world.conn, sha2) == sha1
        assert rc.changed_since_previous(world.conn, sha2) == {"1.2", "2.2.2"}
        assert rc.changed_since_previous(world.conn, sha1) == set()
        review2 = rc.start_review(world.conn, sha2, CS, REVIEWER, now=WHEN)
        assert {c for c, i in review2.items.items() if i.status is ItemStatus.ADJUSTED} == {
            "1.1",
            "2.1",
            "3.1",
        }
        assert {c for c, i in review2.items.items() if i.status is ItemStatus.EXPLAIN} == {
            "1.2",
            "2.2.2",
        }
        rc.set_item(world.conn, sha2, CS, "1.2", status="accepted", comment="")
        rc.set_item(world.conn, sha2, CS, "2.2.2", status="accepted", comment="Đã bổ sung")
        file2 = rc.issue(world.conn, sha2, CS, world.reviewer, tmp_path / "reviews", now=WHEN)
        verdict = verify_review(file2, criteria_sets={CS.content_hash: CS}, trust=_reviewers(world))
        assert verdict.ok, verdict.reasons
        assert verdict.review is not None and not verdict.review.flagged

        # 6. the ranking uses the verified points: 20 + 17 + 4.5 = 41.5 ("Khá"), not 60 ("Tốt")
        verified = rc.verified_results(world.conn, 2025, CS.content_hash)
        assert verified[UNIT].total == D("41.5") and verified[UNIT].classification == "Khá"
        assert verified[UNIT].pillars == {"1": D(20), "2": D(17), "3": D("4.5")}
        results = rc.apply_verified(
            world.conn, 2025, CS.content_hash, results_for_year(world.conn, 2025, CS.content_hash)
        )
        assert [r.total for r in results] == [D("41.5")]
        ranking = ranking_for_year(world.conn, 2025, [CS])
        assert ranking.rows[0].total == D("41.50") and ranking.rows[0].classification == "Khá"
        assert ranking.rows[0].pillars == {"1": D("20.00"), "2": D("17.00"), "3": D("4.50")}
        [row] = completeness(world.conn, 2025)
        assert (row.status, row.detail) == ("complete", "Đã thẩm định")
        assert rc.verification_states(world.conn, 2025) == {UNIT: rc.VERIFIED}
    finally:
        world.close()


def _reviewers(world):
    from forms.packages.trust import TrustRegistry

    return TrustRegistry.load(commune.reviewers_path(world.db))


def test_units_without_a_review_stay_self_assessed_and_are_marked(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    try:
        first = first_assessment(world)
        submit(world, first, "out1")
        other = Units(1, seed=9)
        world.trust.merge(other.trust)
        from local_db.collector import merge_paths

        merge_paths(
            world.conn, [other.package(tmp_path / "o", other.codes[0], level=3)], world.trust, [CS]
        )
        sha = current_sha(world.conn)
        rc.start_review(world.conn, sha, CS, REVIEWER)
        rc.set_item(
            world.conn, sha, CS, "1.2", status="explanation_requested", comment="Giải trình"
        )
        rc.set_details(world.conn, sha, deadline="2026-03-01")
        # a draft does not count yet
        assert rc.verification_states(world.conn, 2025) == {
            UNIT: rc.SELF_ASSESSED,
            other.codes[0]: rc.SELF_ASSESSED,
        }
        rc.issue(world.conn, sha, CS, world.reviewer, tmp_path / "r")
        assert rc.verification_states(world.conn, 2025) == {
            UNIT: rc.EXPLANATION_PENDING,
            other.codes[0]: rc.SELF_ASSESSED,
        }
        totals = {
            r.unit_code: r.total
            for r in rc.apply_verified(
                world.conn,
                2025,
                CS.content_hash,
                results_for_year(world.conn, 2025, CS.content_hash),
            )
        }
        assert totals[UNIT] == D(60)  # everything accepted so far, 1.2 only questioned
        assert (
            totals[other.codes[0]] == results_for_year(world.conn, 2025, CS.content_hash)[0].total
        )
    finally:
        world.close()
