"""Constants of the ``.dtibundle`` format and its signed layer, ``bundle.json``.

A bundle is a zip (read with ``forms.packages.zipsafe``, signed with ``forms.packages.signing``):

    bundle.json                     the bundle manifest (canonical JSON, see below)
    packages/<file>.dtipkg          the original packages, byte for byte as received
    signature/bundle.ed25519.json   or signature/bundle.p7s: the collector's signature over
                                    the exact bytes of bundle.json

``bundle.json``: ``{"format": "dti-bundle", "format_version": 1, "collector": {"name",
"unit"}, "created_at", "app_version", "year", "packages": [{"path", "sha256", "size",
"unit", "year", "submission_id", "revision"}]}``. The spec for people: ``docs/collector.md``.
"""

from __future__ import annotations

from typing import Any

from forms.canonical import CanonicalError, parse_canonical
from forms.i18n import _
from forms.packages import format as pkg_format
from forms.packages.zipsafe import Limits
from forms.problems import Problem

FORMAT_NAME = "dti-bundle"
FORMAT_VERSION = 1
EXTENSION = ".dtibundle"
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


def entry_path(unit: str, year: int, revision: int, sha256: str, used: set[str]) -> str:
    """The path of a package inside a bundle (``packages/<unit>_<year>_r<revision>.dtipkg``),
    distinct from those in ``used`` (two units whose codes slug alike keep both), added to it."""
    entry = PACKAGES_DIR + pkg_format.package_file_name(unit, year, revision)
    if entry in used:
        entry = f"{PACKAGES_DIR}{sha256[:16]}{pkg_format.EXTENSION}"
    used.add(entry)
    return entry


def manifest_invalid() -> Problem:
    return Problem("bundle_manifest_invalid", _("bundle.json không đọc được hoặc sai định dạng"))


def parse_manifest(raw: bytes) -> tuple[dict[str, Any] | None, Problem | None]:
    """``bundle.json``'s bytes as signed: (the manifest, None), or (None, why not).

    Signed bytes have one meaning per byte (no duplicate keys, the canonical form only); the
    manifest has the format's name and version, a collector, and a listing of paths, hashes
    and sizes."""
    try:
        manifest = parse_canonical(raw)
    except CanonicalError as exc:
        return None, _not_canonical(exc) or manifest_invalid()
    try:
        if (
            not isinstance(manifest, dict)
            or manifest.get("format") != FORMAT_NAME
            or manifest.get("format_version") != FORMAT_VERSION
        ):
            raise ValueError("format")
        for item in manifest["packages"]:
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
        return None, manifest_invalid()
    return manifest, None


def _not_canonical(exc: CanonicalError) -> Problem | None:
    """The problem of signed bytes that parse but are not canonical (None: not JSON at all)."""
    if exc.reason == "duplicate_key":
        return Problem(
            "bundle_manifest_duplicate_key",
            _(
                "bundle.json có khóa “{key}” xuất hiện hai lần: mỗi trình đọc có thể hiểu một khác, gói chuyển tiếp bị từ chối",
                key=exc.detail,
            ),
        )
    if exc.reason in ("not_canonical", "not_nfc"):
        return Problem(
            "bundle_manifest_not_canonical",
            _(
                "bundle.json không ở dạng chuẩn (khóa sắp xếp, không khoảng trắng, chữ NFC) mà phần mềm ký tạo ra: gói chuyển tiếp bị từ chối"
            ),
        )
    return None
