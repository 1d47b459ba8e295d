"""Merging real signed packages: generated sets, idempotence, order independence, revisions."""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_db.collector import dump, merge_paths, open_collector
from local_db.collector.reports import completeness, inbox_rows, ranking_for_year, set_units
from tests.local_db.collector_support import CS, Units, clock


def merge(conn, paths, units):
    return merge_paths(conn, paths, units.trust, [CS], clock=clock)


def tamper(src: Path, dst: Path) -> Path:
    """Re-zip with one answer changed in manifest.json (the signature no longer matches)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "manifest.json":
                data = re.sub(rb'"count":\d', b'"count":4', data)
                assert data != zin.read(info)
            zout.writestr(info, data)
    return dst


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    """A set of packages covering every case, built once."""
    out = tmp_path_factory.mktemp("pool")
    u = Units(6)
    c0, c1, c2, c3, c4, _c5 = u.codes
    files = {
        "u0r1": u.package(out, c0, level=1, revision=1, sid="A1"),
        "u0r2": u.package(out, c0, level=2, revision=2, sid="A2", supersedes="A1"),
        "u0r3": u.package(out, c0, level=3, revision=3, sid="A3", supersedes="A2"),
        "u1a": u.package(out, c1, level=2, revision=1, sid="B1"),
        "u1b": u.package(out, c1, level=4, revision=1, sid="B1bis"),
        "u2": u.package(out, c2, level=4, revision=1, sid="C1"),
        "u3wrongkey": u.package(out, c3, level=4, revision=1, sid="D1", signer=u.signers[c4]),
        "u4": u.package(out, c4, level=0, revision=1, sid="E1"),
    }
    files["u2copy"] = shutil.copy(files["u2"], out / "copy-of-u2.dtipkg")
    files["u4tampered"] = tamper(files["u4"], out / "u4-tampered.dtipkg")
    return u, files


def test_merge_a_generated_set_and_again(collector_target, tmp_path, pool):
    u, files = pool
    conn = open_collector(collector_target)
    set_units(
        conn,
        [(c, f"Xã {c}", "xã", "Huyện A" if i % 2 else "Huyện B") for i, c in enumerate(u.codes)],
    )
    summary = merge(conn, [files[k] for k in sorted(files)], u)
    assert (
        summary.files,
        summary.accepted,
        summary.duplicates,
        summary.superseded,
        summary.conflicts,
    ) == (10, 7, 1, 2, 1)
    assert sorted(r.file for r in summary.rejected) == sorted(
        ["u4-tampered.dtipkg", files["u3wrongkey"].name]
    )
    codes = {reason.code for r in summary.rejected for reason in r.reasons}
    assert {"signature_invalid", "signer_not_for_unit"} <= codes
    state = dump(conn)
    assert [(r[0], r[3]) for r in state["current"]] == [
        ("10000", "current"),
        ("10001", "conflict"),
        ("10002", "current"),
        ("10004", "current"),
    ]
    assert len(state["conflicts"]) == 2

    again = merge(conn, [files[k] for k in files], u)
    assert (again.accepted, again.duplicates, again.superseded, again.conflicts) == (0, 8, 0, 1)
    assert dump(conn, volatile=True) == dump(conn, volatile=True) and dump(conn) == state

    statuses = {
        (row.unit_code, row.revision): row.status
        for row in inbox_rows(conn)
        if row.status != "rejected"
    }
    assert statuses[("10000", 3)] == "current" and statuses[("10000", 1)] == "superseded"
    assert statuses[("10001", 1)] == "conflict"
    report = {r.unit_code: r.status for r in completeness(conn, 2025)}
    assert report == {
        "10000": "complete",
        "10001": "conflict",
        "10002": "complete",
        "10003": "unverified",
        "10004": "complete",
        "10005": "missing",
    }


def test_rejected_package_never_ranked(collector_target, tmp_path, pool):
    u, files = pool
    conn = open_collector(collector_target)
    merge(conn, [files["u3wrongkey"], files["u4tampered"], files["u2"]], u)
    ranking = ranking_for_year(conn, 2025, [CS])
    assert [r.unit_code for r in ranking.rows] == ["10002"]
    # the tampered copy claimed 4 meetings: nothing of it shows anywhere but the quarantine
    assert dump(conn)["submissions"][0][3] == "10002"


def test_conflict_then_supersede_resolves(collector_target, tmp_path, pool):
    u, files = pool
    conn = open_collector(collector_target)
    merge(conn, [files["u0r3"], files["u0r1"]], u)  # A2 missing: A1 and A3 are both heads
    assert dump(conn)["current"][0][3] == "conflict"
    summary = merge(conn, [files["u0r2"]], u)
    assert summary.superseded == 2 and summary.conflicts == 0
    current = dump(conn)["current"][0]
    assert current[3] == "current"
    assert ranking_for_year(conn, 2025, [CS]).rows[0].total == ranking_total(level=3)


def ranking_total(level):
    from forms.scoring import score
    from tests.local_db.collector_support import answers

    return score(CS, answers(level)).published_total


def test_missing_paths_and_unreadable_files_are_reported(collector_target, tmp_path, pool):
    u, _files = pool
    conn = open_collector(collector_target)
    junk = tmp_path / "junk.dtipkg"
    junk.write_bytes(b"not a zip")
    summary = merge(conn, [tmp_path / "nope", junk], u)
    assert [r.reasons[0].code for r in summary.rejected] == ["not_found", "zip_invalid"]
    assert dump(conn)["submissions"] == []


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_order_and_repeats_give_the_same_database(pool, data):
    u, files = pool
    names = sorted(files)
    reference = _merged_dump(u, [files[n] for n in names], one_call=True)
    order = data.draw(st.permutations(names))
    repeats = data.draw(st.lists(st.sampled_from(names), max_size=4))
    sequence = [files[n] for n in order] + [files[n] for n in repeats]
    one_call = data.draw(st.booleans())
    assert _merged_dump(u, sequence, one_call) == reference


def _merged_dump(u, paths, one_call):
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_collector(Path(tmp) / "c.sqlite")
        try:
            if one_call:
                merge(conn, paths, u)
            else:
                for p in paths:
                    merge(conn, [p], u)
            return dump(conn, volatile=True)
        finally:
            conn.close()


def test_parallel_verification_gives_the_same_database(tmp_path, monkeypatch):
    import local_db.collector.merge as merge_module

    monkeypatch.setattr(
        merge_module, "POOL_MINIMUM", 64
    )  # the pool is used from 64 new packages on
    from forms.packages.demo import write_demo
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set

    demo = write_demo(tmp_path / "in", units=100, seed=5, evidence=0)
    trust = TrustRegistry.load(demo.trust)
    dumps = []
    for workers in (0, 1):
        conn = open_collector(
            tmp_path / f"w{workers}.sqlite"
        )  # 0: in process, 1: one worker process
        seen = []
        summary = merge_paths(
            conn,
            [tmp_path / "in"],
            trust,
            [reference_set()],
            lambda d, t, seen=seen: seen.append((d, t)),
            clock=clock,
            workers=workers,
        )
        assert summary.accepted == 100 and seen[-1] == (100, 100) and len(seen) == 100
        # with a worker, at least its first chunk is verified there (never taken back)
        assert (summary.verified_in_workers > 0) == (workers == 1)
        dumps.append(dump(conn))
    assert dumps[0] == dumps[1]
    # merging the same folder again through the pool path: all duplicates, nothing changes
    again = merge_paths(conn, [tmp_path / "in"], trust, [reference_set()], clock=clock, workers=1)
    assert (again.accepted, again.duplicates) == (0, 100) and dump(conn) == dumps[1]


def test_a_person_settles_a_conflict_and_a_later_revision_still_wins(
    collector_target, tmp_path, pool
):
    from local_db.collector.reports import decide

    u, files = pool
    conn = open_collector(collector_target)
    merge(conn, [files["u1a"], files["u1b"]], u)
    heads = [row[2] for row in dump(conn)["conflicts"]]
    decide(conn, "10001", 2025, heads[1], "Xã xác nhận bản thứ hai", "2026-01-16T08:00:00+00:00")
    current = dump(conn)["current"][0]
    assert current[2:] == (heads[1], "current") and dump(conn)["conflicts"] == []
    states = {row[0]: row[-1] for row in dump(conn)["submissions"]}
    assert states == {heads[1]: "current", heads[0]: "passed_over"}
    assert ranking_for_year(conn, 2025, [CS]).rows[0].unit_code == "10001"
    # a merge after the decision keeps it (decisions are read once per merge)
    merge(conn, [files["u2"]], u)
    assert dump(conn)["current"][0][2:] == (heads[1], "current")


def test_failure_mid_package_leaves_nothing_of_it(collector_target, tmp_path, pool, monkeypatch):
    """One transaction per package: a failure inside the package's transaction rolls all of it back."""
    import local_db.collector.rows as rows_module

    u, files = pool
    conn = open_collector(collector_target)
    merge(conn, [files["u2"]], u)
    before = dump(conn)

    def boom(*_args, **_kwargs):
        raise OSError("disk full (simulated) after the submission row was written")

    monkeypatch.setattr(rows_module, "_apply", boom)
    with pytest.raises(OSError):
        merge(conn, [files["u4"]], u)
    assert dump(conn) == before
    monkeypatch.undo()
    assert merge(conn, [files["u4"]], u).accepted == 1  # merging again completes the job


def test_failure_inside_a_batch_keeps_the_packages_before_it(
    collector_target, tmp_path, pool, monkeypatch
):
    """Packages share a commit (a batch), yet each is all or nothing: a failure in the third
    package of a merge leaves the first two merged and nothing of the third."""
    import local_db.collector.rows as rows_module

    u, files = pool
    conn = open_collector(collector_target)
    real_apply = rows_module._apply
    calls = []

    def third_fails(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 3:
            raise OSError("disk full (simulated) in the third package")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(rows_module, "_apply", third_fails)
    order = [files["u2"], files["u4"], files["u1a"]]  # three different units, merged in this order
    with pytest.raises(OSError):
        merge(conn, order, u)
    assert not conn.in_transaction  # the batch was committed or rolled back, never left open
    units_merged = sorted(row[3] for row in dump(conn)["submissions"])
    assert units_merged == sorted(calls[:2])
    assert calls[2] not in units_merged
    blobs = {row[0] for row in dump(conn)["blobs"]}
    files_merged = {row[0] for row in dump(conn)["received_files"]}
    assert len(blobs) == len(files_merged) == 2  # no blob or file row of the failed package
    monkeypatch.undo()
    summary = merge(conn, order, u)
    assert (summary.accepted, summary.duplicates) == (1, 2)


def test_a_failing_worker_costs_time_not_packages(tmp_path, monkeypatch):
    """When the worker processes cannot verify (killed, refused by an antivirus), this process
    verifies their chunks itself: the database is the same as an in-process merge."""
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    import local_db.collector.merge as merge_module
    from forms.packages.demo import write_demo
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set

    class BrokenPool:
        def __init__(self, *args, **kwargs):
            self.submitted = 0

        def submit(self, fn, *args):
            self.submitted += 1
            future = concurrent.futures.Future()
            future.set_exception(BrokenProcessPool("a worker died (simulated)"))
            return future

        def shutdown(self, **kwargs):
            pass

    monkeypatch.setattr(merge_module, "POOL_MINIMUM", 40)
    monkeypatch.setattr(merge_module, "CHUNK", 4)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", BrokenPool)
    demo = write_demo(tmp_path / "in", units=60, seed=9, evidence=0)
    trust = TrustRegistry.load(demo.trust)
    dumps = []
    for workers in (0, 1):
        conn = open_collector(tmp_path / f"w{workers}.sqlite")
        summary = merge_paths(
            conn, [tmp_path / "in"], trust, [reference_set()], clock=clock, workers=workers
        )
        assert summary.accepted == 60 and not summary.rejected
        assert summary.verified_in_workers == 0
        dumps.append(dump(conn))
    assert dumps[0] == dumps[1]


def test_rejections_are_listed_by_file_name(collector_target, tmp_path, pool):
    """Verification may finish in any order (worker processes): the summary lists by name."""
    u, files = pool
    conn = open_collector(collector_target)
    junk = tmp_path / "a-junk.dtipkg"
    junk.write_bytes(b"not a zip")
    summary = merge(conn, [files["u4tampered"], files["u3wrongkey"], junk], u)
    names = [r.file for r in summary.rejected]
    assert names == sorted(names) and len(names) == 3


def test_folders_are_searched_for_packages_and_bundles_only(tmp_path):
    """Nested folders, any case of suffix, sorted by path; other files, folders named like
    packages and FIFOs (reading one would block the merge forever) are left out."""
    import os

    from local_db.collector.merge import expand_paths

    root = tmp_path / "inbox"
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a.dtipkg").mkdir(parents=True)  # a folder, not a package
    for name in ("z.DTIPKG", "b/deep/x.dtibundle", "b/y.dtipkg", "notes.txt", "b/deep/w.xlsx"):
        (root / name).write_bytes(b"x")
    os.mkfifo(root / "b" / "pipe.dtipkg")
    (root / "b" / "link.dtipkg").symlink_to(root / "z.DTIPKG")
    (root / "loop").symlink_to(root, target_is_directory=True)  # not followed: no endless walk
    found, problems = expand_paths([root])
    assert problems == []
    relative = [p.relative_to(root).as_posix() for p in found]
    assert relative == ["b/deep/x.dtibundle", "b/link.dtipkg", "b/y.dtipkg", "z.DTIPKG"]
