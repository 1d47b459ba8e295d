"""Several reviewers at once (issue 18), on SQLite and PostgreSQL: versioned edits refused
when stale (naming who and when), the audit, append-only notes, the issue race and five
reviewer processes saving 200 edits each on overlapping indicators (real processes, a real
server: the session's throwaway cluster)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from forms.text import format_moment
from local_db.collector import open_collector
from local_db.review import collector as rc
from tests.local_db.review_support import (
    CS,
    REVIEWER,
    World,
    current_sha,
    first_assessment,
    make_world,
    submit,
)
from tests.local_db.reviewers_child import CODES, officer_of, run_issuers, run_reviewers

LAN, BINH = "Nguyễn Thị Lan", "Trần Văn Bình"
T1 = datetime(2026, 2, 3, 8, 15, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path, collector_target: str):
    w = make_world(tmp_path, collector_target)
    yield w
    w.close()


def _draft(world: World) -> str:
    submit(world, first_assessment(world), "out1")
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER, officer=LAN)
    return sha


def test_a_stale_edit_is_refused_naming_who_and_when(world: World) -> None:
    sha = _draft(world)
    read = rc.review_versions(world.conn, sha)
    assert read is not None and read.items["1.1"].version == 1
    # Bình saves first, on the version both read
    rc.set_item(world.conn, sha, CS, "1.1", points=10, comment="Thiếu biên bản",
                based_on=read.items["1.1"].version, officer=BINH, now=T1)  # fmt: skip
    with pytest.raises(rc.StaleEdit) as caught:
        rc.set_item(world.conn, sha, CS, "1.1", points=5, based_on=read.items["1.1"].version,
                    officer=LAN)  # fmt: skip
    refusal = caught.value
    assert refusal.code == "stale_edit" and refusal.officer == BINH and refusal.version == 2
    assert BINH in str(refusal) and format_moment(T1) in str(refusal) and "1.1" in str(refusal)
    assert "10" in str(refusal) and "Thiếu biên bản" in str(refusal)  # the newer value is shown
    assert refusal.current.verified_points == 10 and refusal.current.comment == "Thiếu biên bản"
    review = rc.load_review(world.conn, sha)
    assert review is not None and review.items["1.1"].verified_points == 10  # not overwritten
    # re-applied on top of the newer version: accepted
    rc.set_item(world.conn, sha, CS, "1.1", points=5, based_on=refusal.version, officer=LAN)
    again = rc.review_versions(world.conn, sha)
    assert again is not None and again.items["1.1"] == rc.Stamp(3, LAN, again.items["1.1"].at)
    # other indicators were not touched, and their versions did not move
    assert again.items["1.2"].version == 1 and again.draft > read.draft
    # details likewise
    rc.set_details(world.conn, sha, deadline="2026-02-15", based_on=read.details.version,
                   officer=BINH, now=T1)  # fmt: skip
    with pytest.raises(rc.StaleEdit, match=BINH) as stale:
        rc.set_details(
            world.conn, sha, message="Ý kiến", based_on=read.details.version, officer=LAN
        )
    assert stale.value.current["deadline"] == "2026-02-15"


def test_every_write_is_audited_with_the_officer(world: World, tmp_path: Path) -> None:
    sha = _draft(world)
    rc.set_item(world.conn, sha, CS, "1.1", points=10, comment="Thiếu biên bản", officer=BINH)
    rc.set_item(world.conn, sha, CS, "1.1", comment="Thiếu biên bản họp quý 4", officer=LAN)
    rc.set_details(world.conn, sha, deadline="2026-02-15", message="Đề nghị bổ sung", officer=LAN)
    rc.issue(world.conn, sha, CS, world.reviewer, tmp_path / "reviews", officer=BINH)
    rows = {(r.target, r.version): r for r in rc.audit_rows(world.conn, sha)}
    first, second = rows[(f"{sha}/1.1", 2)], rows[(f"{sha}/1.1", 3)]
    assert (first.action, first.officer, first.before["points"], first.after["points"]) == (
        "review_item", BINH, "20", "10",
    )  # fmt: skip
    assert second.officer == LAN and second.before["comment"] == "Thiếu biên bản"
    assert second.after["comment"] == "Thiếu biên bản họp quý 4"
    details = rows[(f"{sha}/details", 2)]
    assert details.officer == LAN and details.after["deadline"] == "2026-02-15"
    issued = [r for r in rows.values() if r.action == "issue"]
    assert len(issued) == 1 and issued[0].officer == BINH
    # comments are kept as entries, the review carries the last one
    entries = rc.notes(world.conn, sha, "1.1")
    assert [(n.officer, n.text) for n in entries] == [
        (BINH, "Thiếu biên bản"), (LAN, "Thiếu biên bản họp quý 4"),
    ]  # fmt: skip
    review = rc.load_review(world.conn, sha)
    assert review is not None and review.items["1.1"].comment == "Thiếu biên bản họp quý 4"
    assert review.message == "Đề nghị bổ sung"


def test_decisions_and_not_ranked_marks_are_versioned_and_audited(world: World) -> None:
    from local_db.collector.decisions import decide, set_not_ranked

    sha = _draft(world)
    assert set_not_ranked(world.conn, "25001", True, officer=LAN, based_on=0) == 1
    with pytest.raises(rc.StaleEdit, match=LAN):
        set_not_ranked(world.conn, "25001", False, officer=BINH, based_on=0)
    assert decide(world.conn, "25001", 2025, sha, "chọn", "2026-02-03T08:00:00+00:00",
                  officer=BINH, based_on=0) == 1  # fmt: skip
    with pytest.raises(rc.StaleEdit, match=BINH):
        decide(world.conn, "25001", 2025, sha, "", "2026-02-03T09:00:00+00:00", officer=LAN,
               based_on=0)  # fmt: skip
    marks = rc.audit_rows(world.conn, "unit/")
    assert [(m.officer, m.after) for m in marks] == [(LAN, {"not_ranked": True})]
    (decision,) = rc.audit_rows(world.conn, "decision/")
    assert decision.officer == BINH and decision.after["manifest_sha256"] == sha


def test_notes_and_the_audit_refuse_update_and_delete(world: World) -> None:
    sha = _draft(world)
    rc.set_item(world.conn, sha, CS, "1.1", points=10, comment="Thiếu biên bản", officer=LAN)
    for statement in (
        "UPDATE review_notes SET text='sửa lén'",
        "DELETE FROM review_notes",
        "UPDATE collector_audit SET officer='người khác'",
        "DELETE FROM collector_audit",
    ):
        with pytest.raises(Exception, match="append_only"):
            world.conn.execute(statement)
    assert [n.text for n in rc.notes(world.conn, sha, "1.1")] == ["Thiếu biên bản"]
    assert len(rc.audit_rows(world.conn, sha)) == 1


def test_a_database_of_schema_1_migrates_its_comments(world: World, collector_target: str) -> None:
    sha = _draft(world)
    rc.set_item(world.conn, sha, CS, "1.1", points=10, comment="Thiếu biên bản", officer=LAN)
    rc.set_details(world.conn, sha, message="Ý kiến chung", officer=LAN)
    conn = world.conn  # back to schema 1: no audit, no notes, comments in their columns
    for statement in (
        "DROP TABLE review_notes", "DROP TABLE collector_audit",
        "UPDATE review_items SET comment='Thiếu biên bản' WHERE indicator_code='1.1'",
        "UPDATE reviews SET message='Ý kiến chung'",
        *[f"ALTER TABLE {t} DROP COLUMN {c}" for t, c in (
            ("reviews", "version"), ("reviews", "draft_version"), ("reviews", "updated_by"),
            ("review_items", "version"), ("review_items", "updated_by"), ("review_items", "updated_at"),
            ("decisions", "version"), ("decisions", "decided_by"), ("units", "mark_version"),
            ("units", "marked_by"), ("units", "marked_at"))],
        "PRAGMA user_version = 1" if collector_target.endswith(".sqlite")
        else "UPDATE meta SET value='1' WHERE key='schema_version'",
    ):  # fmt: skip
        conn.execute(statement)
    conn.close()
    world.conn = open_collector(collector_target)
    review = rc.load_review(world.conn, sha)
    assert review is not None and review.items["1.1"].comment == "Thiếu biên bản"
    assert review.message == "Ý kiến chung" and review.items["1.1"].verified_points == 10
    assert [n.seq for n in rc.notes(world.conn, sha, "1.1")] == [1]
    versions = rc.review_versions(world.conn, sha)
    assert versions is not None and versions.items["1.1"].version == 1
    rc.set_item(world.conn, sha, CS, "1.1", comment="Đã bổ sung", based_on=1, officer=BINH)
    assert [n.text for n in rc.notes(world.conn, sha, "1.1")] == ["Thiếu biên bản", "Đã bổ sung"]


def test_two_officers_issuing_at_once_one_succeeds(world: World, collector_target: str) -> None:
    sha = _draft(world)
    results = run_issuers(collector_target, sha, world.tmp)
    assert sorted(r["ok"] for r in results) == [False, True]
    (refused,) = [r for r in results if not r["ok"]]
    assert refused["code"] == "already_issued" and "đã phát hành" in refused["message"]
    assert len(list((world.tmp / "reviews").glob("*.dtireview"))) == 1
    issued = [r for r in rc.audit_rows(world.conn, sha) if r.action == "issue"]
    assert len(issued) == 1
    assert rc.review_state(world.conn, sha) == rc.ISSUED


def test_an_issue_based_on_a_stale_draft_is_refused(world: World) -> None:
    sha = _draft(world)
    read = rc.review_versions(world.conn, sha)
    assert read is not None
    rc.set_item(world.conn, sha, CS, "1.1", points=10, officer=BINH, now=T1)
    with pytest.raises(rc.StaleEdit, match=BINH):
        rc.issue(world.conn, sha, CS, world.reviewer, world.tmp / "r", based_on=read.draft,
                 officer=LAN)  # fmt: skip
    assert rc.review_state(world.conn, sha) == rc.DRAFT and not (world.tmp / "r").exists()


def test_officer_names_are_bounded_and_clean() -> None:
    assert rc.officer_name("  Nguyễn Thị Lan ") == "Nguyễn Thị Lan"
    assert rc.officer_name("Nguye\u0302\u0303n") == "Nguyễn"  # NFD in, NFC out
    for bad, code in (("", "officer_missing"), ("a\x00b", "officer_invalid"),
                      ("Lan\u202e", "officer_invalid"), ("x" * 121, "officer_invalid")):  # fmt: skip
        with pytest.raises(rc.ReviewError) as caught:
            rc.officer_name(bad)
        assert caught.value.code == code


def test_five_reviewers_saving_200_edits_each_lose_nothing(
    world: World, collector_target: str
) -> None:
    sha = _draft(world)
    results = run_reviewers(collector_target, sha, world.tmp, processes=5, edits=200)
    accepted = sum(len(r["accepted"]) for r in results)
    refused = [(i, x) for i, r in enumerate(results) for x in r["refused"]]
    assert accepted + len(refused) == 1000 and refused and accepted  # races happened, both ways
    for i, refusal in refused:  # every refusal explained, naming another officer
        assert refusal["reason"] == "stale_edit", refusal
        assert refusal["named"] != officer_of(i) and refusal["named"].startswith("Cán bộ")
        assert refusal["named"] in refusal["message"]
    rows = rc.audit_rows(world.conn, f"{sha}/")
    assert len(rows) == accepted  # every accepted edit audited once
    per_code: dict[str, list[rc.AuditRow]] = defaultdict(list)
    for row in rows:
        per_code[row.target.rsplit("/", 1)[1]].append(row)
    review = rc.load_review(world.conn, sha)
    versions = rc.review_versions(world.conn, sha)
    assert review is not None and versions is not None
    for code in CODES:
        history = per_code[code]
        # versions 2, 3, ... with no gap and no duplicate: no edit lost, none overwritten
        assert [r.version for r in history] == list(range(2, len(history) + 2))
        assert versions.items[code].version == len(history) + 1
        last = history[-1]
        assert rc.item_json(review.items[code]) == last.after
        assert versions.items[code].officer == last.officer
        # each edit was based on the one before it
        for before, after in zip(history, history[1:], strict=False):
            assert after.before == before.after
    # what each process says it saved is what the audit holds
    saved = {(x["code"], x["version"], x["comment"]) for r in results for x in r["accepted"]}
    assert saved == {(r.target.rsplit("/", 1)[1], r.version, r.after["comment"]) for r in rows}


def test_a_stale_overturn_is_refused_naming_who_and_when_and_audited(
    tmp_path: Path, collector_target: str
) -> None:
    from local_db.review import overturns
    from local_db.review.versions import audit_rows
    from tests.local_db.collector_support import Units
    from tests.local_db.test_collector_applicability import OUT_OF, _merged_three

    conn, sha = _merged_three(tmp_path, Units(3, seed=7), collector_target)
    try:
        rc.start_review(conn, sha, OUT_OF, REVIEWER, officer=LAN)
        read = overturns.versions(conn, sha)
        assert read == {"1.2": (0, "", "")}
        assert overturns.set_overturned(conn, sha, "1.2", True, note="Có họp", officer=BINH,
                                        based_on=0, now=T1) == 1  # fmt: skip
        with pytest.raises(rc.StaleEdit) as caught:  # Lan read version 0 too
            overturns.set_overturned(conn, sha, "1.2", False, officer=LAN, based_on=0)
        refusal = caught.value
        assert refusal.code == "stale_edit" and refusal.officer == BINH and refusal.version == 1
        assert BINH in str(refusal) and format_moment(T1) in str(refusal) and "1.2" in str(refusal)
        assert refusal.current == {"overturned": True, "note": "Có họp"}
        assert overturns.overturned(conn, sha) == {"1.2": "Có họp"}  # not overwritten
        # re-applied on the newer version: accepted, and both writes are audited
        assert overturns.set_overturned(conn, sha, "1.2", False, officer=LAN, based_on=1) == 2
        assert overturns.overturned(conn, sha) == {}
        rows = audit_rows(conn, f"{sha}/overturn/")
        assert [(r.version, r.action, r.officer) for r in rows] == [
            (1, "overturn", BINH),
            (2, "overturn", LAN),
        ]
        assert rows[0].before == {"overturned": False, "note": ""}
        assert rows[1].after == {"overturned": False, "note": ""}
        assert overturns.versions(conn, sha)["1.2"][:2] == (2, LAN)
    finally:
        conn.close()
