"""Shared by the review tests: a commune database with a submitted assessment, a collector
database holding its package, and a reviewer key (tiny criteria set, real signatures)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from forms.packages.build import build_package
from forms.packages.format import MANIFEST_NAME, MAX_MANIFEST_BYTES
from forms.packages.signing import Ed25519Signer
from forms.packages.trust import ROLE_REVIEW, TrustRegistry
from forms.packages.zipsafe import SafeZip
from forms.review.model import Reviewer
from forms.scoring import score
from local_db import Database, answers, assessments, evidence, open_database
from local_db.collector import merge_paths, open_collector
from local_db.review import commune
from tests.forms.sample_sets import tiny_set
from tests.local_db.collector_support import answers as level_answers

CS = tiny_set()
UNIT = "25001"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WHEN = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
REVIEWER = Reviewer("Trần Văn Bình", "Chuyên viên", "Sở Khoa học và Công nghệ")

REPORT_PDF = b"%PDF-1.4\n" + "Báo cáo tự đánh giá của xã Hòa Bình\n".encode() * 40


def signer(seed: int) -> Ed25519Signer:
    return Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


@dataclass
class World:
    tmp: Path
    db: Database
    conn: sqlite3.Connection
    officer: Ed25519Signer
    reviewer: Ed25519Signer
    trust: TrustRegistry  # the collector's: officer keys per unit

    def close(self) -> None:
        self.conn.close()
        self.db.close()


def make_world(tmp: Path, collector: Path | str | None = None) -> World:
    """A commune and a collector (``collector``: its database, a SQLite file by default)."""
    db = open_database(tmp / "commune", user="Nguyễn Thị Lan")
    conn = open_collector(tmp / "collector.sqlite" if collector is None else collector)
    officer, reviewer = signer(1), signer(2)
    trust = TrustRegistry()
    trust.add_key(UNIT, officer.public_raw)
    # the commune trusts the province's reviewer key for its own unit
    reviewers = TrustRegistry()
    reviewers.add_key(UNIT, reviewer.public_raw, "Sở KH&CN", roles=(ROLE_REVIEW,))
    reviewers.save(commune.reviewers_path(db))
    return World(tmp, db, conn, officer, reviewer, trust)


def submit(world: World, assessment_id: int, out: str, *, record: bool = True) -> Path:
    """Finalise, sign, build the package (as the app does), mark it exported, merge it.

    ``record``: remember the written package (storage schema v4) as the GUI's export does."""
    assessments.finalise(world.db, assessment_id)
    assessments.mark_signed(world.db, assessment_id)
    sub = commune.response_submission(
        world.db,
        assessment_id,
        unit_name="Xã Hòa Bình",
        officer_name="Nguyễn Thị Lan",
        officer_position="Công chức",
    )
    # the PDF report inside, as the app's finalise writes it (format 2)
    sub = dataclasses.replace(sub, report=REPORT_PDF)
    path = build_package(sub, world.officer, world.tmp / out)
    if record:
        with SafeZip(path) as zf:
            raw = zf.read(MANIFEST_NAME, MAX_MANIFEST_BYTES)
        manifest = json.loads(raw)
        assessments.record_export(
            world.db, assessment_id, submission_id=manifest["submission_id"], manifest_sha256=hashlib.sha256(raw).hexdigest(),
            file_name=path.name, created_at=manifest["created_at"], supersedes=manifest["supersedes"],
        )  # fmt: skip
    assessments.mark_exported(world.db, assessment_id)
    summary = merge_paths(world.conn, [path], world.trust, [CS])
    assert summary.accepted == 1, summary.to_json()
    return path


def first_assessment(world: World, level: int = 4) -> int:
    row = assessments.create(world.db, UNIT, 2025, CS)
    assert row.id is not None
    values = level_answers(level)
    result = score(CS, values)
    answers.set_many(world.db, row.id, values, {c: result.indicators[c] for c in values})
    pdf = world.tmp / "bien-ban.pdf"
    pdf.write_bytes(PDF)
    evidence.attach(world.db, row.id, "1.1", pdf)
    return row.id


def current_sha(conn: sqlite3.Connection, unit: str = UNIT, year: int = 2025) -> str:
    return conn.execute(
        "SELECT manifest_sha256 FROM current WHERE unit_code=? AND year=?", (unit, year)
    ).fetchone()[0]


D = Decimal
