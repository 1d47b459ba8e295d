"""A merged submission as the reviewer sees it: manifest, answers, notes, evidence files, and
what changed since the submission it supersedes. Read from the package bytes the collector
stored, through the packages engineer's ``SafeZip``; never written to.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.evidence_types import checked_type, written_name
from forms.i18n import _
from forms.packages import format as pkgfmt
from forms.packages.zipsafe import SafeZip, ZipProblem
from forms.review.sign import write_review_file
from local_db.review.schema import ReviewError

# --- the received submission ---------------------------------------------------------------

REPORT_FILE_NAME = "bao-cao-tu-danh-gia.pdf"  # what the report is saved as when opened


@dataclass(frozen=True)
class EvidenceEntry:
    path: str  # inside the package
    original_name: str
    indicator: str
    size: int
    sha256: str
    document: Mapping[str, Any]


@dataclass(frozen=True)
class Received:
    """A merged submission as the reviewer sees it (read-only)."""

    manifest_sha256: str
    manifest: Mapping[str, Any]
    state: str  # current | superseded | conflict | passed_over
    evidence: tuple[EvidenceEntry, ...]

    @property
    def answers(self) -> dict[str, dict[str, Any]]:
        return {
            code: dict(entry.get("values") or {})
            for code, entry in self.manifest["answers"].items()
        }

    @property
    def notes(self) -> dict[str, str]:
        return {
            code: entry.get("note", "")
            for code, entry in self.manifest["answers"].items()
            if entry.get("note")
        }

    def evidence_for(self, code: str) -> list[EvidenceEntry]:
        return [e for e in self.evidence if e.indicator == code]

    @property
    def report(self) -> EvidenceEntry | None:
        """The PDF report the commune signed, inside its package (format 2), if it has one."""
        report = self.manifest.get("report") if self.manifest["format_version"] >= 2 else None
        if report is None:
            return None
        return EvidenceEntry(report["path"], REPORT_FILE_NAME, "", int(report["size"]),
                             report["sha256"], {})  # fmt: skip


def _not_found(sha: str) -> ReviewError:
    return ReviewError(_("Không tìm thấy bài nộp {id} trong cơ sở dữ liệu tổng hợp", id=sha[:12]))


def _package_bytes(conn: sqlite3.Connection, sha: str) -> tuple[bytes, str]:
    row = conn.execute(
        "SELECT b.data, s.state FROM submissions s JOIN blobs b ON b.sha256 = s.file_sha256 WHERE s.manifest_sha256=?",
        (sha,),
    ).fetchone()
    if row is None:
        raise _not_found(sha)
    return bytes(row[0]), str(row[1])


def load_submission(conn: sqlite3.Connection, manifest_sha256: str) -> Received:
    data, state = _package_bytes(conn, manifest_sha256)
    try:
        with SafeZip(data) as zf:  # the stored bytes, read in memory
            raw = zf.read(pkgfmt.MANIFEST_NAME, pkgfmt.MAX_MANIFEST_BYTES)
    except ZipProblem as exc:  # it passed verification when merged: the database is damaged
        raise ReviewError(exc.problem.message) from exc
    if hashlib.sha256(raw).hexdigest() != manifest_sha256:
        raise ReviewError(
            _("Gói của bài nộp {id} trong cơ sở dữ liệu đã bị thay đổi", id=manifest_sha256[:12])
        )
    manifest = json.loads(raw.decode("utf-8"))
    evidence = tuple(
        EvidenceEntry(
            e["path"],
            e["original_name"],
            e["indicator"],
            int(e["size"]),
            e["sha256"],
            e.get("document") or {},
        )
        for e in manifest.get("evidence", [])
    )
    return Received(manifest_sha256, manifest, state, evidence)


def extract_evidence(
    conn: sqlite3.Connection, manifest_sha256: str, entry: str, dest_dir: Path
) -> Path:
    """Copy one evidence file, or the PDF report, out of the stored package (hash checked) so
    it can be opened."""
    received = load_submission(conn, manifest_sha256)
    files = (*received.evidence, *((received.report,) if received.report else ()))
    wanted = next((e for e in files if e.path == entry), None)
    if wanted is None:
        raise ReviewError(_("Bài nộp không có tệp minh chứng {entry}", entry=entry))
    data, _state = _package_bytes(conn, manifest_sha256)
    try:
        with SafeZip(data) as zf:  # the stored bytes, read in memory
            content = zf.read(entry, pkgfmt.MAX_ENTRY_BYTES)
    except ZipProblem as exc:
        raise ReviewError(exc.problem.message) from exc
    if hashlib.sha256(content).hexdigest() != wanted.sha256:
        raise ReviewError(_("Tệp {entry} đã bị thay đổi (mã băm sha256 không khớp)", entry=entry))
    # named by the type its bytes were checked to be, never by the signed name: a signed
    # "Biên bản họp.pdf      .hta" is an HTML application Windows would run
    file_type = checked_type(wanted.original_name, content)
    if file_type is None:
        raise ReviewError(
            _(
                "Không mở tệp minh chứng “{name}”: loại tệp không được phép hoặc nội dung không đúng với phần mở rộng (chỉ PDF, Word, Excel, OpenDocument, ZIP, JPEG, PNG)",
                name=wanted.original_name,
            )
        )
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"{manifest_sha256[:8]}-{written_name(wanted.original_name, file_type)}"
    write_review_file(content, target)  # atomic write; the helper is not review-specific
    return target


def previous_submission(conn: sqlite3.Connection, manifest_sha256: str) -> str | None:
    """The manifest sha256 of the submission this one supersedes, if it was received."""
    row = conn.execute(
        "SELECT p.manifest_sha256 FROM submissions s JOIN submissions p "
        "ON p.submission_id = s.supersedes AND p.unit_code = s.unit_code AND p.year = s.year AND p.revision < s.revision "
        "WHERE s.manifest_sha256=? ORDER BY p.revision DESC LIMIT 1",
        (manifest_sha256,),
    ).fetchone()
    return None if row is None else str(row[0])


def changed_since_previous(conn: sqlite3.Connection, manifest_sha256: str) -> set[str]:
    """Indicators whose answer, note or evidence differ from the superseded submission.

    What a reviewer looks at first in a resubmission after explanations were asked for.
    Empty when there is no earlier submission.
    """
    previous = previous_submission(conn, manifest_sha256)
    if previous is None:
        return set()
    new, old = load_submission(conn, manifest_sha256), load_submission(conn, previous)

    def evidence(received: Received) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for entry in received.evidence:
            out.setdefault(entry.indicator, []).append(entry.sha256)
        return {code: sorted(hashes) for code, hashes in out.items()}

    codes = (
        set(new.manifest["answers"])
        | set(old.manifest["answers"])
        | {e.indicator for e in (*new.evidence, *old.evidence)}
    )
    new_ev, old_ev = evidence(new), evidence(old)
    return {
        code
        for code in codes
        if new.manifest["answers"].get(code) != old.manifest["answers"].get(code)
        or new_ev.get(code) != old_ev.get(code)
    }
