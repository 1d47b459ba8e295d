"""Bundles in the collector database: exporting the current packages as a bundle, and
recording each received bundle (its file, whether its own layer passed, who signed it).

The bundle format, writing and checking one are ``forms.bundles``; merging a bundle's inner
packages is ``merge.merge_paths``'s, like loose ones.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from forms.bundles.build import Forwarded, write_bundle
from forms.bundles.verify import BundleCheck, InnerPackage, check_bundle
from forms.packages.signing import Signer
from local_db.collector.kinds import BUNDLE_SUFFIX, Clock, Reason
from local_db.collector.txn import atomic, iso

_CURRENT_PACKAGES = """
    SELECT b.data, b.sha256, s.unit_code, s.year, s.submission_id, s.revision
    FROM current c JOIN submissions s USING(manifest_sha256)
    JOIN blobs b ON b.sha256 = s.file_sha256
    JOIN received_files r ON r.file_sha256 = s.file_sha256
    LEFT JOIN units u ON u.code = s.unit_code
    WHERE c.status='current' AND c.year=? AND (CAST(? AS TEXT) IS NULL OR u.group_name = ?)
    ORDER BY s.unit_code
"""


def export_bundle(
    conn: sqlite3.Connection,
    out: Path | str,
    signer: Signer,
    *,
    year: int,
    collector_name: str,
    collector_unit: str = "",
    group: str | None = None,
    now: datetime | None = None,
) -> int:
    """Write the current submissions of ``year`` (optionally one group) as a signed bundle.

    Returns the number of packages. Written to a temporary file and renamed: nothing is left
    behind on failure.
    """
    packages = [
        Forwarded(data, sha, unit, y, sid, revision)
        for data, sha, unit, y, sid, revision in conn.execute(
            _CURRENT_PACKAGES, (year, group, group)
        ).fetchall()
    ]
    return write_bundle(
        out, packages, signer, year=year, collector_name=collector_name,
        collector_unit=collector_unit, now=now,
    )  # fmt: skip


def read_bundle(conn: sqlite3.Connection, path: Path, trust: Any, clock: Clock) -> BundleCheck:
    """Check a bundle's own layer (``forms.bundles.verify``) and record it, unless the file
    could not be read at all; its inner packages are ``.inner`` (none when it is rejected)."""
    check = check_bundle(path, trust)
    if check.sha256:
        _record_bundle(conn, check, iso(clock()))
    return check


def _record_bundle(conn: sqlite3.Connection, check: BundleCheck, now: str) -> None:
    manifest = check.manifest or {}
    collector = manifest.get("collector") or {}
    signer = check.signer
    reasons = json.dumps(
        [r.to_json() for r in map(Reason.of, check.problems)], ensure_ascii=False, sort_keys=True
    )
    with atomic(conn):
        conn.execute(
            "INSERT INTO bundles VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(bundle_sha256) DO UPDATE SET "
            "file_name=min(bundles.file_name, excluded.file_name), ok=excluded.ok, reasons_json=excluded.reasons_json",
            (
                check.sha256, check.path.name, now, int(check.ok), reasons,
                str(collector.get("name", "")), str(collector.get("unit", "")),
                signer.kind if signer else "", signer.fingerprint if signer else "", signer.key_id if signer else "",
                str(manifest.get("created_at", "")), len(manifest.get("packages", [])),
            ),
        )  # fmt: skip


__all__ = ["BUNDLE_SUFFIX", "InnerPackage", "export_bundle", "read_bundle"]
