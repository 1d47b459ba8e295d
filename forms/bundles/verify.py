"""Checking a received bundle: its own signed layer, then the packages it holds.

The bundle layer: safe zip, manifest, the collector's signature over it, the collector's key
in the trust registry with the `bundle` role, every listed file present with its size and
sha256, nothing unlisted, every entry readable. If that layer fails, the bundle is rejected
whole (the chain of custody is broken; ask the collector for a new one). Then every inner
package is verified on its own, exactly like a loose one (the caller's business); one whose
bytes do not match the bundle's listing is rejected with that reason (``mismatch``) as well
as its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from forms.bundles.format import LIMITS, MANIFEST_NAME, SIGNATURE_NAMES, parse_manifest
from forms.i18n import _
from forms.inbound import InboundRejected, open_inbound, sha256_inbound
from forms.packages import format as pkg_format
from forms.packages.signing import SignatureError, SignerInfo, verify_signature
from forms.packages.trust import ROLE_BUNDLE, TrustRegistry, wrong_role_message
from forms.packages.zipsafe import SafeZip, ZipProblem
from forms.problems import Problem


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


def check_layer(
    zf: SafeZip, trust: TrustRegistry | None
) -> tuple[dict[str, Any] | None, list[Problem], SignerInfo | None]:
    """Check the bundle layer; returns (manifest or None, problems, signer or None)."""
    if MANIFEST_NAME not in zf.files:
        return (
            None,
            [Problem("bundle_manifest_missing", _("Gói chuyển tiếp không có bundle.json"))],
            None,
        )
    raw = zf.read(MANIFEST_NAME, pkg_format.MAX_MANIFEST_BYTES)
    manifest, invalid = parse_manifest(raw)
    if manifest is None:
        return None, [invalid] if invalid is not None else [], None
    signatures = [n for n in zf.files if n.startswith(pkg_format.SIGNATURE_DIR)]
    signer, problems = _signer(zf, signatures, raw, trust)
    listed = {item["path"] for item in manifest["packages"]}
    for entry in zf.files:
        if entry != MANIFEST_NAME and entry not in listed and entry not in signatures:
            problems.append(
                Problem(
                    "bundle_unlisted_file",
                    _(
                        "Tệp {entry} có trong gói chuyển tiếp nhưng không có trong bundle.json",
                        entry=entry,
                    ),
                )
            )
    for entry in sorted(listed - set(zf.files)):
        problems.append(
            Problem(
                "bundle_file_missing",
                _("Thiếu tệp {entry} được liệt kê trong bundle.json", entry=entry),
            )
        )
    return manifest, problems, signer


def _signer(
    zf: SafeZip, signatures: list[str], raw: bytes, trust: TrustRegistry | None
) -> tuple[SignerInfo | None, list[Problem]]:
    """Who signed ``bundle.json`` (None: no valid signature) and what is wrong with it."""
    known = [n for n in signatures if n in SIGNATURE_NAMES]
    if len(known) != 1:
        missing = _("Gói chuyển tiếp không có đúng một chữ ký của đơn vị tổng hợp")
        return None, [Problem("bundle_signature_missing", missing)]
    try:
        signer = verify_signature(
            SIGNATURE_NAMES[known[0]], zf.read(known[0], pkg_format.MAX_SIGNATURE_BYTES), raw
        )
    except SignatureError:
        invalid = _("Chữ ký của đơn vị tổng hợp không khớp với bundle.json")
        return None, [Problem("bundle_signature_invalid", invalid)]
    standing = (trust or TrustRegistry()).standing(signer.key_id, ROLE_BUNDLE)
    if standing.verdict == "trusted":
        return signer, []
    if standing.verdict == "wrong_role":
        # a commune's key (submission role) must not pass for a collector's custody
        message = wrong_role_message(signer.fingerprint, ROLE_BUNDLE)
        return signer, [Problem("bundle_signer_wrong_role", message)]
    unknown = _(
        "Đơn vị tổng hợp ký gói chuyển tiếp (khóa {fingerprint}) không có trong danh sách tin cậy",
        fingerprint=signer.fingerprint,
    )
    return signer, [Problem("bundle_signer_unknown", unknown)]


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

    def mismatch(self, data: bytes) -> tuple[Problem, ...]:
        """Why these bytes are not what the collector listed and signed (empty: they are)."""
        if len(data) == self.listed_size and hashlib.sha256(data).hexdigest() == self.listed_sha256:
            return ()
        return (
            Problem(
                "bundle_hash_mismatch",
                _(
                    "Gói {entry} trong gói chuyển tiếp đã bị thay đổi (không khớp mã băm trong bundle.json)",
                    entry=self.entry,
                ),
            ),
        )


def read_inner(zf: SafeZip, package: InnerPackage) -> bytes:
    """The bytes of an inner package (again: ``check_bundle`` keeps none, a province bundle
    may hold gigabytes); the listing is checked against these very bytes (``mismatch``)."""
    return zf.read(package.entry, LIMITS.entry_bytes)


@dataclass
class BundleCheck:
    """What checking a bundle file found. ``sha256`` is empty when the file could not be read
    at all (then nothing else is known); ``inner`` is empty unless the layer passed."""

    path: Path
    sha256: str = ""
    manifest: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    signer: SignerInfo | None = None
    inner: list[InnerPackage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.manifest is not None


def check_bundle(path: Path, trust: TrustRegistry | None) -> BundleCheck:
    """Check a bundle file's own layer and list its inner packages (sorted by entry).

    Every listed entry is read once here, so a bundle whose zip is damaged anywhere is rejected
    whole before any of its packages is merged."""
    check = BundleCheck(path)
    try:
        check.sha256 = sha256_inbound(path, LIMITS.package_bytes)
    except InboundRejected as exc:  # a FIFO, a device, a file beyond the limit: never read
        check.problems.append(exc.problem)
        return check
    except OSError as exc:
        error = exc.strerror or str(exc)
        check.problems.append(
            Problem(
                "unreadable", _("Không đọc được tệp {name}: {error}", name=path.name, error=error)
            )
        )
        return check
    inner: list[InnerPackage] = []
    try:
        with open_bundle(path) as zf:
            check.manifest, check.problems, check.signer = check_layer(zf, trust)
            if check.ok and check.manifest is not None:
                for item in sorted(check.manifest["packages"], key=lambda i: i["path"]):
                    zf.digest(item["path"])  # read through once: a damaged zip stops here
                    inner.append(
                        InnerPackage(path, check.sha256, item["path"], item["size"], item["sha256"])
                    )
    except (ZipProblem, InboundRejected) as exc:  # InboundRejected: replaced since hashed
        check.manifest, check.problems, check.signer = None, [exc.problem], None
    if check.ok:
        check.inner = inner
    return check
