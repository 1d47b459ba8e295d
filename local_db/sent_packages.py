"""The packages this office has sent: a copy of each, byte for byte, to hand over again.

A lost USB stick, or a collector asking "send it again", must not produce a *new* package:
signing the same answers again gives a new submission id and signing time, and a collector
that receives both sees two packages claiming the same revision of the same unit — a conflict
someone has to settle by hand. So when a package is written, a copy of the exact file is kept
in ``<data folder>/sent/<submission id>.dtipkg``; "save another copy" writes those same bytes,
which a collector recognises as a duplicate of what it already has.

No Qt and no database session here: the copy is made on the export's worker thread; the
database already records each export (``assessments.record_export``) with the sha256 of its
signed manifest, which is how a kept copy is recognised as the right one and undamaged.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from forms.i18n import _
from forms.packages.format import EXTENSION, MANIFEST_NAME, MAX_MANIFEST_BYTES
from forms.packages.verify import verify_package
from forms.packages.zipsafe import SafeZip, ZipProblem
from local_db.errors import StorageError
from local_db.files import copy_atomic

SENT_DIR = "sent"
_SAFE_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$")
# what a kept copy may fail without being damaged: who may sign and which sets exist are the
# collector's questions, not the sender's
_NOT_DAMAGE = {"signer_unknown", "criteria_unknown"}


def kept_path(data_dir: Path, submission_id: str) -> Path:
    if not _SAFE_ID.match(submission_id):  # it becomes a file name
        raise ValueError(f"unsafe submission id {submission_id!r}")
    return Path(data_dir) / SENT_DIR / f"{submission_id}{EXTENSION}"


def _signed_manifest(package: Path) -> tuple[str, str]:
    """(submission id, sha256 of the signed manifest bytes) of a package file."""
    with SafeZip(package) as zf:
        raw = zf.read(MANIFEST_NAME, MAX_MANIFEST_BYTES)
    return str(json.loads(raw)["submission_id"]), hashlib.sha256(raw).hexdigest()


def keep(data_dir: Path, package: Path) -> Path:
    """Keep a copy of a package just written (atomic; the same package again is a no-op)."""
    submission_id, _sha = _signed_manifest(package)
    target = kept_path(data_dir, submission_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    return copy_atomic(package, target)


def kept_copy(data_dir: Path, submission_id: str, manifest_sha256: str) -> Path | None:
    """The kept copy of an export, if it is there and holds that signed manifest.

    Quick (the manifest only), so the dialog can ask on the GUI thread; the whole package is
    checked by ``save_copy``, on a worker thread."""
    try:
        path = kept_path(data_dir, submission_id)
        if path.is_file() and _signed_manifest(path) == (submission_id, manifest_sha256):
            return path
    except (OSError, ValueError, KeyError, TypeError, ZipProblem):
        pass
    return None


def save_copy(kept: Path, target: Path) -> Path:
    """Write the kept bytes to ``target`` (whole or not at all), once they are checked whole:
    a damaged copy would be rejected by the collector, so it is refused here, by name."""
    verdict = verify_package(kept)
    damage = [p for p in verdict.reasons if p.code not in _NOT_DAMAGE]
    if damage:
        raise StorageError(
            _(
                "Bản lưu của gói đã nộp ({file}) bị hỏng: {reason}. Không thể lưu bản giống hệt; hãy mở lại đánh giá và xuất một phiên bản mới.",
                file=kept.name,
                reason=damage[0].message,
            )
        )
    return copy_atomic(kept, target)
