"""Rejected packages checked again, once the trust list knows their signer.

A package rejected as ``signer_unknown`` (its key was not in the trust list yet) is kept only as
a quarantine row: its bytes are not stored (only accepted packages go into ``blobs``). So that
it can be checked again without the person finding the file, a merge that rejected packages
records *where* each rejected file came from (``received_paths``: its sha256 and its absolute
path; for a package inside a bundle, the bundle's path). ``recheck`` merges those files again
with the current trust list (``merge_paths``: the same checks as any merge) and says how many
are now accepted and which files are no longer where they were (moved, deleted, changed).

The table is this feature's own, created on first use like the review tables
(``local_db/review/schema.py``): bookkeeping of this machine's folders, not content, so it is
left out of ``schema.dump``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.inbound import InboundRejected, sha256_inbound
from forms.packages.format import MAX_PACKAGE_BYTES
from local_db.collector.kinds import BUNDLE_SUFFIX, MergeSummary, Progress

SIGNER_UNKNOWN = "signer_unknown"
# what a longer trust list can clear: the package's signer, or the province key of the data
# file a package carries (issue 16: the collector had not added the province's key yet)
RECHECKED = (SIGNER_UNKNOWN, "province_data_province_key_unknown")
_BUNDLE_BYTES = 64 * 1024**3  # local_db.collector.bundles.LIMITS.package_bytes

DDL = """
CREATE TABLE IF NOT EXISTS received_paths (
    file_sha256  TEXT PRIMARY KEY,  -- a rejected package file, or the bundle that carried one
    path         TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class RejectedFile:
    file_sha256: str
    file_name: str
    via_bundle: str  # the bundle's sha256, or ""
    path: str  # where it was merged from, "" when not recorded


@dataclass
class RecheckSummary:
    checked: int = 0  # packages rejected as signer_unknown, looked at again
    accepted: int = 0  # of them, accepted now
    missing: list[str] = field(default_factory=list)  # file names no longer where they were
    merge: MergeSummary | None = None

    @property
    def still_rejected(self) -> int:
        return self.checked - self.accepted - len(self.missing)


def _ensure(conn: sqlite3.Connection) -> None:
    conn.execute(DDL)


def _with_reason(reasons_json: str, code: str) -> bool:
    try:
        reasons = json.loads(reasons_json)
    except ValueError:
        return False
    return isinstance(reasons, list) and any(
        isinstance(r, dict) and r.get("code") == code for r in reasons
    )


def rejected_unknown_signer(conn: sqlite3.Connection) -> list[RejectedFile]:
    """Files still rejected because their signer was not in the trust list, by name."""
    _ensure(conn)
    rows = conn.execute(
        "SELECT q.file_sha256, r.file_name, q.via_bundle, q.reasons_json, "
        "COALESCE(p.path, b.path, '') FROM quarantine q "
        "JOIN received_files r USING(file_sha256) "
        "LEFT JOIN received_paths p ON p.file_sha256 = q.file_sha256 "
        "LEFT JOIN received_paths b ON b.file_sha256 = q.via_bundle AND q.via_bundle != '' "
        "ORDER BY r.file_name, q.file_sha256"
    ).fetchall()
    return [
        RejectedFile(sha, name, bundle, path)
        for sha, name, bundle, reasons, path in rows
        if any(_with_reason(reasons, code) for code in RECHECKED)
    ]


def _candidates(paths: Iterable[Path], names: set[str], bundles: bool) -> list[Path]:
    """Files among ``paths`` (folders walked, links to folders not followed) named as a rejected
    file, or bundles when a rejected package came in one."""
    found: list[Path] = []

    def wanted(name: str) -> bool:
        return name in names or (bundles and name.lower().endswith(BUNDLE_SUFFIX))

    for path in paths:
        if path.is_dir():
            for top, _dirs, files in os.walk(path):
                found.extend(Path(top) / name for name in sorted(files) if wanted(name))
        elif wanted(path.name):
            found.append(path)
    return found


def remember_sources(
    conn: sqlite3.Connection, paths: Iterable[Path | str], summary: MergeSummary
) -> int:
    """After a merge: record where each file it rejected came from. Returns how many."""
    if not summary.rejected:
        return 0
    _ensure(conn)
    loose = {r[0] for r in conn.execute("SELECT file_sha256 FROM quarantine")}
    carriers = {
        r[0]
        for r in conn.execute("SELECT DISTINCT via_bundle FROM quarantine WHERE via_bundle!=''")
    }
    names = {r.file for r in summary.rejected}
    rows: list[tuple[str, str]] = []
    for path in _candidates([Path(p) for p in paths], names, bool(carriers)):
        bundle = path.name.lower().endswith(BUNDLE_SUFFIX)
        try:
            sha = sha256_inbound(path, _BUNDLE_BYTES if bundle else MAX_PACKAGE_BYTES)
        except (OSError, InboundRejected):
            continue  # unreadable: the merge said so; nothing to re-check from
        if sha in (carriers if bundle else loose):
            rows.append((sha, str(path.resolve())))
    if rows:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT INTO received_paths(file_sha256, path) VALUES (?, ?) "
                "ON CONFLICT(file_sha256) DO UPDATE SET path=excluded.path",
                rows,
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(rows)


def _still_there(item: RejectedFile) -> bool:
    """The recorded file exists and (for a loose package) holds the same bytes."""
    if not item.path or not Path(item.path).is_file():
        return False
    if item.via_bundle:
        return True  # the bundle's own check says whether it changed
    try:
        return sha256_inbound(item.path, MAX_PACKAGE_BYTES) == item.file_sha256
    except (OSError, InboundRejected):
        return False


def recheck(
    conn: sqlite3.Connection,
    trust: Any,
    criteria_sets: Iterable[CriteriaSet] | Mapping[str, CriteriaSet],
    progress: Progress | None = None,
) -> RecheckSummary:
    """Merge again, with ``trust``, the files rejected as ``signer_unknown``."""
    from local_db.collector.merge import merge_paths

    rejected = rejected_unknown_signer(conn)
    out = RecheckSummary(checked=len(rejected))
    present = [item for item in rejected if _still_there(item)]
    out.missing = [item.file_name for item in rejected if item not in present]
    sources = list(dict.fromkeys(item.path for item in present))
    if not sources:
        return out
    out.merge = merge_paths(conn, [Path(p) for p in sources], trust, criteria_sets, progress)
    wanted = [item.file_sha256 for item in present]
    marks = ",".join("?" for _ in wanted)
    out.accepted = int(
        conn.execute(
            f"SELECT count(*) FROM received_files WHERE manifest_sha256 IS NOT NULL AND file_sha256 IN ({marks})",  # noqa: S608 - placeholders only
            wanted,
        ).fetchone()[0]
    )
    return out
