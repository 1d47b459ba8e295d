"""The collector takes packages of every format version it knows: version 1 as communes sent
them before the lean format (the committed fixture), and version 2 (issue 15)."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

from forms.criteria_json import load_json
from forms.packages.trust import TrustRegistry
from local_db.collector import merge_paths, open_collector
from local_db.collector.reports import current_submissions
from local_db.review.received import extract_evidence, load_submission

V1 = Path(__file__).parents[1] / "fixtures" / "packages" / "v1"


def clock() -> datetime:
    return datetime(2026, 1, 15, 8, 0, tzinfo=UTC)


def test_collector_merges_v1_fixture(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in V1.glob("*.dtipkg"):
        shutil.copy(path, inbox / path.name)
    conn = open_collector(tmp_path / "c.sqlite")
    summary = merge_paths(
        conn, [inbox], TrustRegistry.load(V1 / "trust.json"), [load_json(V1 / "criteria.json")],
        clock=clock,
    )  # fmt: skip
    assert summary.accepted == 2 and summary.superseded == 1
    rejected = {r.file.rsplit("/", 1)[-1]: [x.code for x in r.reasons] for r in summary.rejected}
    assert rejected == {
        "25042_2025_r1_tampered.dtipkg": ["file_hash"],
        "25042_2025_r1_unknown-signer.dtipkg": ["signer_unknown"],
    }
    (current,) = current_submissions(conn, 2025)
    assert (current.unit_code, current.revision) == ("25042", 2)
    # format 1 carries no report; its evidence still opens for a reviewer
    received = load_submission(conn, current.manifest_sha256)
    assert received.report is None and len(received.evidence) == 5
    opened = extract_evidence(conn, current.manifest_sha256, received.evidence[0].path, tmp_path)
    assert opened.read_bytes().startswith(b"%PDF")


def test_collector_takes_a_v2_revision_after_v1_ones(tmp_path):
    """A commune that sent format 1 and then, after the update, a format-2 revision: the
    collector takes both and the newer supersedes the older."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from forms.packages.build import EvidenceFile, Submission, build_package
    from forms.packages.signing import Ed25519Signer

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("25042_2025_r1.dtipkg", "25042_2025_r2.dtipkg"):
        shutil.copy(V1 / name, inbox / name)
    cs = load_json(V1 / "criteria.json")
    plan = b"%PDF-1.4\n" + b"plan " * 500
    sub = Submission(
        unit_code="25042", unit_name="Xã Hùng Lô", year=2025, criteria_set=cs,
        answers={"1.1": {"count": 4}, "3.1": {"points": "6.5"}}, revision=3,
        submission_id="3c9e1f7a-8b2d-4e6f-a1c3-5d7e9f0b2a4c",
        supersedes="0f6f3c36-1f0c-4b8e-8d0e-2a1c9c3b7e55",
        evidence=(EvidenceFile("1.1", "Kế hoạch.pdf", content=plan),
                  EvidenceFile("3.1", "Kế hoạch.pdf", content=plan)),
        report=b"%PDF-1.4\nreport", created_at=clock(),
    )  # fmt: skip
    signer = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32))
    build_package(sub, signer, inbox)
    conn = open_collector(tmp_path / "c.sqlite")
    summary = merge_paths(conn, [inbox], TrustRegistry.load(V1 / "trust.json"), [cs], clock=clock)
    assert summary.accepted == 3 and summary.rejected == []
    (current,) = current_submissions(conn, 2025)
    assert (current.unit_code, current.revision) == ("25042", 3)
    received = load_submission(conn, current.manifest_sha256)
    assert [e.path for e in received.evidence] == [
        f"evidence/{hashlib.sha256(plan).hexdigest()}.pdf"
    ] * 2
    assert received.report is not None
    opened = extract_evidence(conn, current.manifest_sha256, received.report.path, tmp_path)
    assert opened.read_bytes() == b"%PDF-1.4\nreport"
