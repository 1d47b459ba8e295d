"""Writing a bundle: received packages, untouched, under the collector's signed listing."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import forms
from forms.atomic import atomic_write
from forms.bundles.format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_NAME,
    SIGNATURE_NAMES,
    entry_path,
)
from forms.canonical import canonical_bytes
from forms.packages import format as pkg_format
from forms.packages.signing import Signer


@dataclass(frozen=True)
class Forwarded:
    """A package to forward: its bytes as received and what the listing says of it."""

    data: bytes
    sha256: str
    unit: str
    year: int
    submission_id: str
    revision: int


def write_bundle(
    out: Path | str,
    packages: Sequence[Forwarded],
    signer: Signer,
    *,
    year: int,
    collector_name: str,
    collector_unit: str = "",
    now: datetime | None = None,
) -> int:
    """Write ``packages`` (in this order) as a bundle signed by ``signer``; returns how many.

    Written to a temporary file and renamed (``forms.atomic``): nothing is left behind on
    failure."""
    used: set[str] = set()
    paths = [entry_path(p.unit, p.year, p.revision, p.sha256, used) for p in packages]
    listing = [
        {
            "path": path,
            "sha256": p.sha256,
            "size": len(p.data),
            "unit": p.unit,
            "year": p.year,
            "submission_id": p.submission_id,
            "revision": p.revision,
        }
        for path, p in zip(paths, packages, strict=True)
    ]
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
        for path, package in zip(paths, packages, strict=True):
            zf.writestr(_info(path, zipfile.ZIP_STORED), package.data)  # already compressed
        zf.writestr(_info(signature_entry, zipfile.ZIP_DEFLATED), blob.data)
    return len(listing)


def _info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, pkg_format.ZIP_DATE_TIME)
    info.compress_type = compress
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info
