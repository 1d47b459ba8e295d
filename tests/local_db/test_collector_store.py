"""The collector's store: every query and write the GUI and the command line make, one
connection per thread (SQLite's check_same_thread holds), environment errors classed."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from forms.packages.signing import Ed25519Signer
from forms.problems import ProblemsError
from local_db.collector import CollectorSchemaError, CollectorStore
from local_db.errors import DatabaseBusy, StorageError
from local_db.review import collector as rc
from tests.local_db.collector_support import CS, Units
from tests.local_db.review_support import (
    REVIEWER,
    UNIT,
    current_sha,
    first_assessment,
    make_world,
    submit,
)


def conflicting_inbox(inbox: Path, n: int, seed: int) -> Units:
    """``n`` units' packages in ``inbox``, the first unit with two conflicting submissions."""
    u = Units(n, seed=seed)
    for i, code in enumerate(u.codes):
        u.package(inbox, code, level=i + 1, sid=f"S{i}")
    u.package(inbox, u.codes[0], level=4, sid="S0-again")  # the same revision: a conflict
    return u


def _merged(tmp_path: Path, target: Path | str):
    inbox = tmp_path / "nhan"
    u = conflicting_inbox(inbox, 3, seed=11)
    store = CollectorStore(target)
    summary = store.merge([inbox], u.trust, [CS])
    assert (summary.accepted, summary.conflicts) == (4, 1)
    return u, store


@pytest.fixture
def merged(tmp_path: Path):
    """Three units, one of them with two conflicting submissions, merged through the store."""
    u, store = _merged(tmp_path, tmp_path / "c.sqlite")
    yield u, store
    store.close()


@pytest.fixture
def merged_any(tmp_path: Path, collector_target: str):
    """``merged`` on SQLite and on PostgreSQL."""
    u, store = _merged(tmp_path, collector_target)
    yield u, store
    store.close()


def _run_on_thread(fn):
    """``fn()`` on a new thread; its result, or its exception raised here."""
    out: dict[str, object] = {}

    def work() -> None:
        try:
            out["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test thread
            out["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    if "error" in out:
        raise out["error"]  # type: ignore[misc]
    return out.get("result")


def test_inbox_ranking_completeness_and_lookups(merged_any) -> None:
    u, store = merged_any
    rows = store.inbox_rows()
    assert len(rows) == 4 and {r.status for r in rows} == {"current", "conflict"}
    ranking = store.ranking_for_year(2025, [CS])
    assert [r.unit_code for r in ranking.rows] == [u.codes[2], u.codes[1]]  # not the conflict
    counts = {r.unit_code: r.status for r in store.completeness(2025)}
    assert counts == {u.codes[0]: "conflict", u.codes[1]: "complete", u.codes[2]: "complete"}
    with pytest.raises(ProblemsError):
        store.ranking_for_year(2024, [CS])

    current = store.current_submissions(2025)
    assert [c.unit_code for c in current] == [u.codes[1], u.codes[2]]
    assert store.current_of(u.codes[0], 2025) is not None
    assert store.current_of(u.codes[0], 2025)[1] == "conflict"  # type: ignore[index]
    assert store.current_of("99999", 2025) is None
    row = next(r for r in rows if r.unit_code == u.codes[1])
    ref = store.submission_for_file(row.file_sha256)
    assert ref is not None and (ref.unit_code, ref.year, ref.criteria_hash) == (
        u.codes[1], 2025, CS.content_hash,
    )  # fmt: skip
    assert store.submission(ref.manifest_sha256) == ref
    assert store.submission_for_file("00" * 32) is None
    assert store.chain(ref.manifest_sha256)["unit"] == u.codes[1]


def test_decide_units_and_not_ranked(merged_any, tmp_path: Path) -> None:
    u, store = merged_any
    conflicting = [r for r in store.inbox_rows() if r.status == "conflict"]
    ref = store.submission_for_file(conflicting[0].file_sha256)
    assert ref is not None
    store.decide(ref.unit_code, ref.year, ref.manifest_sha256, "Chọn", "2026-01-20T09:00:00+00:00")
    assert store.current_of(ref.unit_code, 2025) == (ref.manifest_sha256, "current")
    assert len(store.ranking_for_year(2025, [CS]).rows) == 3

    assert store.set_units([(c, f"Xã số {c}", "xã", "Cụm 1") for c in u.codes]) == 3
    store.set_not_ranked(u.codes[1], True)
    last = store.ranking_for_year(2025, [CS]).rows[-1]
    assert (last.unit_code, last.rank, last.name) == (u.codes[1], None, f"Xã số {u.codes[1]}")

    units = tmp_path / "don-vi.csv"
    units.write_text(
        "Mã,Tên,Loại,Nhóm\n" + "".join(f"{c},Xã mới {c},xã,Cụm 2\n" for c in u.codes),
        encoding="utf-8",
    )
    assert store.import_units_file(units) == 3
    assert {r.group for r in store.completeness(2025)} == {"Cụm 2"}


def test_exports_write_files(merged_any, tmp_path: Path) -> None:
    _u, store = merged_any
    report = tmp_path / "tinh-trang.csv"
    store.write_completeness(2025, report)
    assert report.read_text(encoding="utf-8-sig").count("Đã có bài nộp hợp lệ") == 2
    signer = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    bundle = tmp_path / "cum.dtibundle"
    assert store.export_bundle(bundle, signer, year=2025, collector_name="Cụm A") == 2
    assert bundle.stat().st_size > 0


def test_the_review_loop_through_the_store(tmp_path: Path, collector_target: str) -> None:
    world = make_world(tmp_path, collector_target)
    try:
        submit(world, first_assessment(world), "out1")
        sha = current_sha(world.conn)
        with CollectorStore(collector_target) as store:
            received = store.load_submission(sha)
            assert received.manifest["unit"]["code"] == UNIT
            assert store.changed_since_previous(sha) == set()
            [entry] = received.evidence_for("1.1")
            assert store.extract_evidence(sha, entry.path, tmp_path / "open").is_file()
            assert store.review_state(sha) is None and store.load_review(sha) is None
            store.start_review(sha, CS, REVIEWER)
            assert store.review_state(sha) == rc.DRAFT
            item = store.set_item(sha, CS, "1.1", points=10, comment="Thiếu biên bản")
            assert item.verified_points == 10
            store.set_details(sha, deadline="2026-02-15", message="Đề nghị giải trình")
            assert store.load_review(sha).deadline == "2026-02-15"  # type: ignore[union-attr]
            path = store.issue(sha, CS, world.reviewer, tmp_path / "reviews")
            assert store.review_state(sha) == rc.ISSUED
            assert store.issued_file(sha) == (path.name, path.read_bytes())
            assert store.verified_results(2025)[UNIT].total == 50
            assert store.verification_states(2025) == {UNIT: rc.VERIFIED}
    finally:
        world.close()


def test_a_review_is_received_into_another_collector_database(
    tmp_path: Path, collector_target: str
) -> None:
    from forms.packages.trust import ROLE_REVIEW, TrustRegistry

    world = make_world(tmp_path)
    try:
        package = submit(world, first_assessment(world), "out1")
        sha = current_sha(world.conn)
        rc.start_review(world.conn, sha, CS, REVIEWER)
        issued = rc.issue(world.conn, sha, CS, world.reviewer, tmp_path / "reviews")
        reviewers = TrustRegistry()
        reviewers.add_key(UNIT, world.reviewer.public_raw, "Sở", roles=(ROLE_REVIEW,))
        with CollectorStore(collector_target) as province:
            province.merge([package], world.trust, [CS])
            got = province.receive_file(issued, reviewers, {CS.content_hash: CS})
            assert (got.outcome, got.manifest_sha256) == ("stored", sha)
            assert province.review_state(sha) == rc.ISSUED
    finally:
        world.close()


def test_each_thread_has_its_own_connection_and_sees_the_others_writes(merged) -> None:
    u, store = merged
    mine = store.conn
    theirs = _run_on_thread(lambda: store.conn)
    assert theirs is not mine
    # a write on a worker thread is committed: this thread's connection sees it
    _run_on_thread(lambda: store.set_not_ranked(u.codes[2], True))
    assert store.ranking_for_year(2025, [CS]).rows[-1].unit_code == u.codes[2]
    # and the other way round
    store.set_not_ranked(u.codes[2], False)
    ranked = _run_on_thread(lambda: store.ranking_for_year(2025, [CS]))
    assert ranked.rows[-1].rank is not None  # type: ignore[attr-defined]
    # no connection crosses threads: SQLite's own check is on again
    with pytest.raises(sqlite3.ProgrammingError):
        _run_on_thread(lambda: mine.execute("SELECT 1"))


def test_release_thread_closes_only_the_callers_connection(merged) -> None:
    _u, store = merged
    mine = store.conn

    def worker() -> str:
        conn = store.conn
        store.release_thread()
        try:
            conn.execute("SELECT 1")
        except sqlite3.ProgrammingError as exc:
            return str(exc)
        return "still open"

    assert "closed" in str(_run_on_thread(worker))
    assert store.conn is mine and len(store.inbox_rows()) == 4
    store.close()
    with pytest.raises(RuntimeError):
        store.inbox_rows()


def test_a_locked_database_is_an_environment_error(merged) -> None:
    """Another program (antivirus, a database browser) holds the write lock: DatabaseBusy,
    a Vietnamese sentence, not a raw sqlite3 error."""
    u, store = merged
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        store.conn.execute("PRAGMA busy_timeout = 0")  # fail at once instead of after 5 s
        with pytest.raises(DatabaseBusy) as caught:
            store.set_not_ranked(u.codes[0], True)
        assert "chương trình khác" in str(caught.value)
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_damaged_file_and_a_newer_schema_are_said_at_opening(tmp_path: Path) -> None:
    damaged = tmp_path / "hong.sqlite"
    damaged.write_bytes(b"khong phai co so du lieu" * 100)
    with pytest.raises(StorageError) as caught:
        CollectorStore(damaged)
    assert "dti-desk db check" in str(caught.value)
    newer = tmp_path / "moi.sqlite"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(CollectorSchemaError):
        CollectorStore(newer)


def test_a_bug_is_not_dressed_as_the_environment(merged) -> None:
    """A wrong call (an indicator code the set does not have) propagates as it is."""
    _u, store = merged
    sha = store.current_submissions(2025)[0].manifest_sha256
    with pytest.raises(rc.ReviewError):
        store.set_item(sha, CS, "1.1", points=1)  # no draft started
