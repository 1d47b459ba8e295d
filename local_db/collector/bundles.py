"""Bundles (``.dtibundle``): a collector forwards its units' current packages, untouched.

A bundle is a zip (read with the packages engineer's ``zipsafe``, signed with their ``signing``):

    bundle.json                     the bundle manifest (canonical JSON, see below)
    packages/<file>.dtipkg          the original packages, byte for byte as received
    signature/bundle.ed25519.json   or signature/bundle.p7s: the collector's signature over
                                    the exact bytes of bundle.json

``bundle.json``: ``{"format": "dti-bundle", "format_version": 1, "collector": {"name",
"unit"}, "created_at", "app_version", "year", "packages": [{"path", "sha256", "size",
"unit", "year", "submission_id", "revision"}]}``.

Two layers are checked on arrival. The bundle layer: safe zip, manifest, the collector's
signature over it, the collector's key in the trust registry with the `bundle` role, every listed file present with
its size and sha256, nothing unlisted, every entry readable. If that layer fails, the bundle is
rejected whole (the chain of custody is broken; ask the collector for a new one). Then every
inner package is verified on its own, exactly like a loose one (``merge.merge_paths`` shares
them with its worker processes); one whose bytes do not match the bundle's listing is rejected
with that reason as well as its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import forms
from forms.atomic import atomic_write
from forms.canonical import CanonicalError, canonical_bytes, parse_canonical
from forms.i18n import _
from forms.inbound import InboundRejected, open_inbound, sha256_inbound
from forms.packages import format as pkg_format
from forms.packages.signing import SignatureError, Signer, verify_signature
from forms.packages.trust import ROLE_BUNDLE, TrustRegistry, wrong_role_message
from forms.packages.zipsafe import Limits, SafeZip, ZipProblem
from local_db.collector.kinds import BUNDLE_SUFFIX, MergeContext, Reason, Rejection
from local_db.collector.txn import atomic, iso

FORMAT_NAME = "dti-bundle"
FORMAT_VERSION = 1
MANIFEST_NAME = "bundle.json"
PACKAGES_DIR = "packages/"
# the bundle's signature files, and the package signature names the verifier knows them by
SIGNATURE_NAMES = {
    "signature/bundle.ed25519.json": pkg_format.SIGNATURE_ED25519,
    "signature/bundle.p7s": pkg_format.SIGNATURE_CMS,
}
LIMITS = Limits(
    package_bytes=64 * 1024**3,  # a province-wide bundle of 3,321 packages with scans
    entries=50_000,
    total_bytes=64 * 1024**3,
    entry_bytes=pkg_format.MAX_PACKAGE_BYTES,
    ratio=pkg_format.MAX_RATIO,
    ratio_floor=pkg_format.RATIO_FLOOR,
)


# --- export --------------------------------------------------------------------------------


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
    query = """
        SELECT r.file_name, b.sha256, b.data, s.unit_code, s.year, s.submission_id, s.revision
        FROM current c JOIN submissions s USING(manifest_sha256)
        JOIN blobs b ON b.sha256 = s.file_sha256
        JOIN received_files r ON r.file_sha256 = s.file_sha256
        LEFT JOIN units u ON u.code = s.unit_code
        WHERE c.status='current' AND c.year=? AND (? IS NULL OR u.group_name = ?)
        ORDER BY s.unit_code
    """
    rows = conn.execute(query, (year, group, group)).fetchall()
    listing = []
    used: set[str] = set()
    for _name, sha, data, unit, y, sid, revision in rows:
        entry = PACKAGES_DIR + pkg_format.package_file_name(unit, y, revision)
        if entry in used:  # two units whose codes slug alike: keep both, distinctly
            entry = f"{PACKAGES_DIR}{sha[:16]}{pkg_format.EXTENSION}"
        used.add(entry)
        listing.append(
            {
                "path": entry,
                "sha256": sha,
                "size": len(data),
                "unit": unit,
                "year": y,
                "submission_id": sid,
                "revision": revision,
            }
        )
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "collector": {"name": collector_name, "unit": collector_unit},
        "created_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        "app_version": forms.__version__,
        "year": year,
        "packages": listing,
    }
    raw = canonical_bytes(manifest)
    blob = signer.sign(raw)
    signature_entry = next(k for k, v in SIGNATURE_NAMES.items() if v == blob.entry_name)
    with atomic_write(out) as handle, zipfile.ZipFile(handle, "w") as zf:
        zf.writestr(_info(MANIFEST_NAME, zipfile.ZIP_DEFLATED), raw)
        for item, row in zip(listing, rows, strict=True):
            zf.writestr(_info(item["path"], zipfile.ZIP_STORED), row[2])  # already compressed
        zf.writestr(_info(signature_entry, zipfile.ZIP_DEFLATED), blob.data)
    return len(listing)


def _info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, pkg_format.ZIP_DATE_TIME)
    info.compress_type = compress
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


# --- merge ------------------------------------------------------------------------------------


def _bundle_layer(zf: SafeZip, trust: Any) -> tuple[dict[str, Any] | None, list[Reason], Any]:  # noqa: C901, PLR0912
    """Check the bundle layer; returns (manifest or None, reasons, signer info or None)."""
    reasons: list[Reason] = []
    if MANIFEST_NAME not in zf.files:
        return (
            None,
            [Reason("bundle_manifest_missing", _("Gói chuyển tiếp không có bundle.json"))],
            None,
        )
    raw = zf.read(MANIFEST_NAME, pkg_format.MAX_MANIFEST_BYTES)
    invalid = Reason("bundle_manifest_invalid", _("bundle.json không đọc được hoặc sai định dạng"))
    try:
        # signed bytes: one meaning per byte (no duplicate keys, the canonical form only)
        manifest = parse_canonical(raw)
    except CanonicalError as exc:
        return None, [_not_canonical(exc) or invalid], None
    try:
        if (
            not isinstance(manifest, dict)
            or manifest.get("format") != FORMAT_NAME
            or manifest.get("format_version") != FORMAT_VERSION
        ):
            raise ValueError("format")
        listing = manifest["packages"]
        for item in listing:
            if not (
                isinstance(item["path"], str)
                and isinstance(item["sha256"], str)
                and isinstance(item["size"], int)
                and not isinstance(item["size"], bool)
            ):
                raise ValueError("packages")
        if not isinstance(manifest.get("collector"), dict):
            raise ValueError("collector")
    except (ValueError, KeyError, TypeError):
        return None, [invalid], None
    signatures = [n for n in zf.files if n.startswith(pkg_format.SIGNATURE_DIR)]
    signer = None
    known = [n for n in signatures if n in SIGNATURE_NAMES]
    if len(known) != 1:
        reasons.append(
            Reason(
                "bundle_signature_missing",
                _("Gói chuyển tiếp không có đúng một chữ ký của đơn vị tổng hợp"),
            )
        )
    else:
        try:
            signer = verify_signature(
                SIGNATURE_NAMES[known[0]], zf.read(known[0], pkg_format.MAX_SIGNATURE_BYTES), raw
            )
        except SignatureError:
            reasons.append(
                Reason(
                    "bundle_signature_invalid",
                    _("Chữ ký của đơn vị tổng hợp không khớp với bundle.json"),
                )
            )
    standing = (trust or TrustRegistry()).standing(signer.key_id, ROLE_BUNDLE) if signer else None
    if signer is not None and standing is not None and standing.verdict != "trusted":
        reasons.append(
            # a commune's key (submission role) must not pass for a collector's custody
            Reason("bundle_signer_wrong_role", wrong_role_message(signer.fingerprint, ROLE_BUNDLE))
            if standing.verdict == "wrong_role"
            else Reason(
                "bundle_signer_unknown",
                _(
                    "Đơn vị tổng hợp ký gói chuyển tiếp (khóa {fingerprint}) không có trong danh sách tin cậy",
                    fingerprint=signer.fingerprint,
                ),
            )
        )
    listed = {item["path"] for item in listing}
    for entry in zf.files:
        if entry != MANIFEST_NAME and entry not in listed and entry not in signatures:
            reasons.append(
                Reason(
                    "bundle_unlisted_file",
                    _(
                        "Tệp {entry} có trong gói chuyển tiếp nhưng không có trong bundle.json",
                        entry=entry,
                    ),
                )
            )
    for entry in sorted(listed - set(zf.files)):
        reasons.append(
            Reason(
                "bundle_file_missing",
                _("Thiếu tệp {entry} được liệt kê trong bundle.json", entry=entry),
            )
        )
    return manifest, reasons, signer


def _not_canonical(exc: CanonicalError) -> Reason | None:
    """The reason for signed bytes that parse but are not canonical (None: not JSON at all)."""
    if exc.reason == "duplicate_key":
        return Reason(
            "bundle_manifest_duplicate_key",
            _(
                "bundle.json có khóa “{key}” xuất hiện hai lần: mỗi trình đọc có thể hiểu một khác, gói chuyển tiếp bị từ chối",
                key=exc.detail,
            ),
        )
    if exc.reason in ("not_canonical", "not_nfc"):
        return Reason(
            "bundle_manifest_not_canonical",
            _(
                "bundle.json không ở dạng chuẩn (khóa sắp xếp, không khoảng trắng, chữ NFC) mà phần mềm ký tạo ra: gói chuyển tiếp bị từ chối"
            ),
        )
    return None


@dataclass(frozen=True)
class InnerPackage:
    """A package listed in a bundle whose own layer passed: merged like a loose package."""

    bundle: Path
    bundle_sha256: str
    entry: str  # its path inside the bundle
    listed_size: int
    listed_sha256: str

    @property
    def name(self) -> str:
        return self.entry.rsplit("/", 1)[-1]

    def mismatch(self, data: bytes) -> tuple[Reason, ...]:
        """Why these bytes are not what the collector listed and signed (empty: they are)."""
        if len(data) == self.listed_size and hashlib.sha256(data).hexdigest() == self.listed_sha256:
            return ()
        return (
            Reason(
                "bundle_hash_mismatch",
                _(
                    "Gói {entry} trong gói chuyển tiếp đã bị thay đổi (không khớp mã băm trong bundle.json)",
                    entry=self.entry,
                ),
            ),
        )


def read_bundle(merger: MergeContext, path: Path) -> list[InnerPackage]:
    """Check a bundle's own layer and record it; its inner packages (none when it is rejected).

    Every listed entry is read once here, so a bundle whose zip is damaged anywhere is rejected
    whole before any of its packages is merged."""
    summary = merger.summary
    summary.bundles += 1
    try:
        data_hash = sha256_inbound(path, LIMITS.package_bytes)
    except InboundRejected as exc:  # a FIFO, a device, a file beyond the limit: never read
        rejected = Reason(exc.problem.code, exc.problem.message)
        summary.bundles_rejected.append(Rejection(path.name, (rejected,)))
        return []
    except OSError as exc:
        reason = Reason(
            "unreadable",
            _("Không đọc được tệp {name}: {error}", name=path.name, error=exc.strerror or str(exc)),
        )
        summary.bundles_rejected.append(Rejection(path.name, (reason,)))
        return []
    inner: list[InnerPackage] = []
    try:
        with open_bundle(path) as zf:
            manifest, reasons, signer = _bundle_layer(zf, merger.trust)
            if not reasons and manifest is not None:
                for item in sorted(manifest["packages"], key=lambda i: i["path"]):
                    zf.digest(item["path"])  # read through once: a damaged zip stops here
                    inner.append(
                        InnerPackage(path, data_hash, item["path"], item["size"], item["sha256"])
                    )
    except (ZipProblem, InboundRejected) as exc:  # InboundRejected: replaced since hashed
        manifest, reasons, signer = None, [Reason(exc.problem.code, exc.problem.message)], None
    _record_bundle(merger, data_hash, path.name, manifest, reasons, signer)
    if reasons or manifest is None:
        summary.bundles_rejected.append(Rejection(path.name, tuple(reasons)))
        return []
    return inner


def read_inner(zf: SafeZip, package: InnerPackage) -> bytes:
    """The bytes of an inner package (again: ``read_bundle`` keeps none, a province bundle
    may hold gigabytes); the listing is checked against these very bytes."""
    return zf.read(package.entry, LIMITS.entry_bytes)


class _InboundZip(SafeZip):
    """A bundle opened once through ``forms.inbound`` (a regular file, its size checked before
    anything is read), owning that handle."""

    def __init__(self, path: Path) -> None:
        self._inbound = contextlib.ExitStack()
        raw, _size = self._inbound.enter_context(open_inbound(path, LIMITS.package_bytes))
        # buffered: zipfile reads a large bundle's central directory in many small reads
        handle = self._inbound.enter_context(io.BufferedReader(cast(io.RawIOBase, raw)))
        try:
            super().__init__(handle, LIMITS)
        except BaseException:
            self._inbound.close()
            raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._inbound.close()


def open_bundle(path: Path) -> SafeZip:
    """Open a received bundle for reading; raises ``InboundRejected`` (not a regular file, too
    large) or ``ZipProblem``."""
    return _InboundZip(path)


def _record_bundle(
    merger: MergeContext,
    sha: str,
    name: str,
    manifest: dict[str, Any] | None,
    reasons: list[Reason],
    signer: Any,
) -> None:

    collector = (manifest or {}).get("collector") or {}
    conn = merger.conn
    with atomic(conn):
        conn.execute(
            "INSERT INTO bundles VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(bundle_sha256) DO UPDATE SET "
            "file_name=min(file_name, excluded.file_name), ok=excluded.ok, reasons_json=excluded.reasons_json",
            (
                sha, name, iso(merger.clock()), int(not reasons and manifest is not None),
                json.dumps([r.to_json() for r in reasons], ensure_ascii=False, sort_keys=True),
                str(collector.get("name", "")), str(collector.get("unit", "")),
                signer.kind if signer else "", signer.fingerprint if signer else "", signer.key_id if signer else "",
                str((manifest or {}).get("created_at", "")), len((manifest or {}).get("packages", [])),
            ),
        )  # fmt: skip


__all__ = ["BUNDLE_SUFFIX", "InnerPackage", "export_bundle", "read_bundle"]
