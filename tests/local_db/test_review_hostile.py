"""Issue 12, hostile input, for reviews in storage and on the command line (holes 4 and 12a).

Hole 4: `review verify`, `review import` and `review receive` given a device, a FIFO or a
huge sparse file: refused with the reason code, no traceback, nothing read.
Hole 12a: the review that counts for a submission is the one signed last, whatever order the
files were imported or received in.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from desktop.cli import main
from forms.packages.trust import ROLE_REVIEW, TrustRegistry
from forms.review.model import MAX_FILE_BYTES, body_bytes
from local_db.collector import merge_paths, open_collector
from local_db.review import collector as rc
from local_db.review import commune
from tests.local_db.review_support import (
    CS,
    REVIEWER,
    World,
    current_sha,
    first_assessment,
    make_world,
    submit,
)


@pytest.fixture
def world(tmp_path: Path):
    w = make_world(tmp_path)
    yield w
    w.close()


def _hostile_files(tmp: Path) -> list[tuple[str, str]]:
    """(path, expected reason code) for every kind of file that must not be read."""
    found = [(str(tmp), "not_regular_file")]
    if os.path.exists("/dev/zero"):
        found.append(("/dev/zero", "not_regular_file"))
    if hasattr(os, "mkfifo"):
        fifo = tmp / "cho.dtireview"
        os.mkfifo(fifo)
        found.append((str(fifo), "not_regular_file"))
    sparse = tmp / "lon.dtireview"
    with open(sparse, "wb") as handle:
        os.truncate(handle.fileno(), 512 * MAX_FILE_BYTES)  # 4 GiB, nothing on disk
    found.append((str(sparse), "file_too_large"))
    return found


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- hole 4 -------------------------------------------------------------------------------------


def test_hole4_review_verify_refuses_devices_fifos_and_huge_files(tmp_path: Path, capsys) -> None:
    """`dti-desk review verify /dev/zero` read until MemoryError; a FIFO hung it forever."""
    reviewers = tmp_path / "reviewers.json"
    TrustRegistry().save(reviewers)
    (tmp_path / "inbox").mkdir()
    for path, code in _hostile_files(tmp_path / "inbox"):
        status, out, err = _run(capsys, "review", "verify", path, "--reviewers", reviewers)
        assert status == 1 and f"[{code}]" in out, (path, out, err)
        assert "Traceback" not in out + err
        status, out, _err = _run(
            capsys, "review", "verify", path, "--reviewers", reviewers, "--json"
        )
        assert status == 1 and [r["code"] for r in json.loads(out)["reasons"]] == [code]


def test_hole4_review_import_refuses_devices_fifos_and_huge_files(tmp_path: Path, capsys) -> None:
    """`dti-desk review import` read the whole file into memory before checking anything."""
    reviewers = tmp_path / "reviewers.json"
    TrustRegistry().save(reviewers)
    (tmp_path / "inbox").mkdir()
    data = tmp_path / "data"
    for path, code in _hostile_files(tmp_path / "inbox"):
        status, out, err = _run(
            capsys, "--data-dir", data, "review", "import", path, "--reviewers", reviewers
        )
        assert status == 1 and f"[{code}]" in err, (path, out, err)
        assert "Traceback" not in out + err


def test_hole4_review_receive_refuses_devices_fifos_and_huge_files(tmp_path: Path, capsys) -> None:
    """`dti-desk review receive` (the collector's side) read every file whole first."""
    reviewers = tmp_path / "reviewers.json"
    TrustRegistry().save(reviewers)
    (tmp_path / "inbox").mkdir()
    hostile = _hostile_files(tmp_path / "inbox")
    status, out, err = _run(
        capsys,
        "review",
        "receive",
        "--db",
        tmp_path / "c.sqlite",
        *[path for path, _code in hostile],
        "--reviewers",
        reviewers,
        "--json",
    )
    assert status == 1 and "Traceback" not in out + err
    results = json.loads(out)
    assert [(r["outcome"], [p["code"] for p in r["reasons"]]) for r in results] == [
        ("rejected", [code]) for _path, code in hostile
    ]


def test_hole4_import_review_refuses_a_fifo_with_reasons(world: World, tmp_path: Path) -> None:
    """The storage function itself (the GUI's import calls it): a reason, not a hang."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs FIFOs")
    fifo = tmp_path / "cho.dtireview"
    os.mkfifo(fifo)
    with pytest.raises(commune.ReviewRejected) as error:
        commune.import_review(world.db, fifo)
    assert [p.code for p in error.value.problems] == ["not_regular_file"]


# --- hole 12a -----------------------------------------------------------------------------------

OLDER, NEWER = "2026-01-20T09:00:00Z", "2026-03-02T14:30:00Z"


def _issued(world: World) -> tuple[int, str, bytes]:
    first = first_assessment(world)
    submit(world, first, "out1")
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER)
    rc.set_item(world.conn, sha, CS, "1.1", points=10, comment="Thiếu biên bản")
    path = rc.issue(world.conn, sha, CS, world.reviewer, world.tmp / "reviews")
    return first, sha, path.read_bytes()


def _resigned(world: World, data: bytes, review_id: str, created_at: str) -> bytes:
    """Another review of the same submission by the same trusted reviewer, signed at
    ``created_at`` (a corrected review, or an old one turning up again)."""
    envelope = json.loads(data)
    body = json.loads(envelope["review"])
    body["review_id"], body["created_at"] = review_id, created_at
    raw = body_bytes(body)
    envelope["review"] = raw.decode("utf-8")
    envelope["signature"] = base64.b64encode(world.reviewer.sign(raw).data).decode("ascii")
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def test_hole12a_an_older_review_imported_later_is_not_current(world: World) -> None:
    """The commune's "latest" review was the last one imported: a stale review file opened
    after the corrected one took its place."""
    first, _sha, data = _issued(world)
    newer = _resigned(world, data, "review-newer", NEWER)
    older = _resigned(world, data, "review-older", OLDER)
    commune.import_review(world.db, newer)
    commune.import_review(world.db, older)
    latest = commune.latest_review(world.db, first)
    assert latest is not None and latest.review.review_id == "review-newer"
    assert [r.review.review_id for r in commune.reviews_for(world.db, first)] == [
        "review-newer",
        "review-older",
    ]


def test_another_review_under_an_imported_review_id_is_refused_not_shown_as_imported(
    world: World,
) -> None:
    """Importing a different review under an id already imported returned the stored one as
    "imported": the officer saw the old review as if it were the file just opened."""
    first, _sha, data = _issued(world)
    commune.import_review(world.db, _resigned(world, data, "review-x", OLDER))
    again = _resigned(world, data, "review-x", NEWER)  # same id, other content
    with pytest.raises(commune.ReviewRejected) as error:
        commune.import_review(world.db, again)
    assert [p.code for p in error.value.problems] == ["review_id_reused"]
    stored = commune.latest_review(world.db, first)
    assert stored is not None and stored.review.created_at == OLDER
    # the very same file again is still a quiet no-op
    commune.import_review(world.db, _resigned(world, data, "review-x", OLDER))


def test_hole12a_reviews_signed_at_the_same_second_are_ordered_by_id(world: World) -> None:
    first, _sha, data = _issued(world)
    commune.import_review(world.db, _resigned(world, data, "review-b", NEWER))
    commune.import_review(world.db, _resigned(world, data, "review-a", NEWER))
    assert [r.review.review_id for r in commune.reviews_for(world.db, first)] == [
        "review-b",
        "review-a",
    ]


@pytest.mark.parametrize("order", ["older_first", "newer_first"])
def test_hole12a_the_collector_keeps_the_review_signed_last(
    world: World, tmp_path: Path, order: str
) -> None:
    """At the province the first review received stayed, whatever its signed time: the
    corrected review, received after the first one, was refused and the stale one counted."""
    _first, sha, data = _issued(world)
    newer = _resigned(world, data, "review-newer", NEWER)
    older = _resigned(world, data, "review-older", OLDER)
    province = open_collector(tmp_path / "province.sqlite")
    try:
        merge_paths(province, [next((world.tmp / "out1").glob("*.dtipkg"))], world.trust, [CS])
        reviewers = TrustRegistry()
        reviewers.add_key("*", world.reviewer.public_raw, roles=(ROLE_REVIEW,))
        criteria = {CS.content_hash: CS}
        files = [("cu.dtireview", older), ("moi.dtireview", newer)]
        if order == "newer_first":
            files.reverse()
        outcomes = [rc.receive_issued(province, d, n, reviewers, criteria) for n, d in files]
        review = rc.load_review(province, sha)
        assert review is not None and review.review_id == "review-newer"
        assert rc.issued_file(province, sha) == ("moi.dtireview", newer)
        late = outcomes[-1]
        if order == "newer_first":  # the older one arrives second and is refused, with why
            assert late.outcome == "rejected" and [p.code for p in late.reasons] == [
                "review_exists"
            ]
        else:
            assert late.outcome == "stored"
        # receiving either again changes nothing
        assert rc.receive_issued(province, newer, "moi.dtireview", reviewers, criteria).outcome == (
            "duplicate"
        )
    finally:
        province.close()


def test_hole8_a_review_id_reused_for_another_submission_is_refused(
    world: World, tmp_path: Path
) -> None:
    """A trusted reviewer's review of submission B under the id of the review of submission A:
    the collector's INSERT hit the UNIQUE review id and raised sqlite3.IntegrityError."""
    from dataclasses import replace

    from forms.packages.build import build_package

    first, sha, data = _issued(world)
    # a second unit's submission, received here too
    world.trust.add_key("25002", world.officer.public_raw)
    sub = commune.response_submission(world.db, first, unit_name="Xã Hòa An")
    package = build_package(replace(sub, unit_code="25002"), world.officer, tmp_path / "out2")
    assert merge_paths(world.conn, [package], world.trust, [CS]).accepted == 1
    other_sha = current_sha(world.conn, "25002")
    rc.start_review(world.conn, other_sha, CS, REVIEWER)
    other = rc.issue(world.conn, other_sha, CS, world.reviewer, tmp_path / "r2").read_bytes()
    rc.ensure_schema(world.conn)
    world.conn.execute("DELETE FROM review_items WHERE manifest_sha256=?", (other_sha,))
    world.conn.execute("DELETE FROM reviews WHERE manifest_sha256=?", (other_sha,))
    # B's review, properly signed, under the id of A's review
    first_id = json.loads(json.loads(data)["review"])["review_id"]
    forged = _resigned(world, other, first_id, NEWER)
    reviewers = TrustRegistry()
    reviewers.add_key("*", world.reviewer.public_raw, roles=(ROLE_REVIEW,))
    got = rc.receive_issued(world.conn, forged, "x.dtireview", reviewers, {CS.content_hash: CS})
    assert got.outcome == "rejected" and [p.code for p in got.reasons] == ["review_id_reused"]
    kept = rc.load_review(world.conn, sha)
    assert kept is not None and kept.review_id == first_id
    assert rc.load_review(world.conn, other_sha) is None
