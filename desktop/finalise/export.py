"""From the open assessment to a signed package: the glue between the session and forms.packages.

``sign_and_build`` is the slow part (key decryption with scrypt, hashing and zipping the
evidence): it runs on a worker thread and touches no widget and no database.

Revisions: ``supersedes_for`` gives the submission id of the package the previous revision
exported (storage keeps it), so a reopened assessment's package replaces the old one at the
collector instead of conflicting with it; ``record_written`` stores the new package's
identity once the file exists, for the revision after it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.assessment.session import AssessmentSession
from forms.packages.build import EvidenceFile, Submission, build_package
from forms.packages.format import MANIFEST_NAME, MAX_MANIFEST_BYTES
from forms.packages.zipsafe import SafeZip

if TYPE_CHECKING:
    from local_db.database import Database
    from local_db.models import PackageExport


class WrongPassphrase(Exception):
    pass


def submission_for(
    session: AssessmentSession,
    unit_code: str,
    unit_name: str,
    revision: int,
    officer_name: str,
    position: str,
    supersedes: str | None = None,
    *,
    phone: str = "",
    email: str = "",
    chairman_name: str = "",
) -> Submission:
    evidence = [
        EvidenceFile(
            indicator=item.code,
            original_name=item.name,
            source=Path(item.path),
            document={k: v for k, v in item.meta.items() if v},
        )
        for items in session.evidence.values()
        for item in items
    ]
    return Submission(
        unit_code=unit_code,
        unit_name=unit_name,
        year=session.year,
        criteria_set=session.cs,
        answers=session.snapshot(),
        notes={k: v for k, v in session.notes.items() if v},
        evidence=evidence,
        revision=revision,
        supersedes=supersedes,
        officer_name=officer_name,
        officer_position=position,
        officer_phone=phone,
        officer_email=email,
        chairman_name=chairman_name,
    )


def sign_and_build(submission: Submission, keys_dir: Path, passphrase: str, out_dir: Path) -> Path:
    from forms.packages import keys

    try:
        signer = keys.load_signer(keys_dir, passphrase)
    except keys.KeyFileError as exc:
        raise WrongPassphrase(str(exc)) from exc
    return build_package(submission, signer, out_dir)


def supersedes_for(db: Database, assessment_id: int) -> str | None:
    """The submission id this revision's package replaces (None for a first export)."""
    from local_db import assessments

    return assessments.previous_submission_id(db, assessment_id)


def record_written(db: Database, assessment_id: int, package: Path) -> PackageExport:
    """Store the written package's submission id, manifest hash and file name.

    Read back from the file itself (what was signed is what counts), through the same safe
    reader the verifier uses."""
    from local_db import assessments

    with SafeZip(package) as zf:
        raw = zf.read(MANIFEST_NAME, MAX_MANIFEST_BYTES)
    manifest = json.loads(raw)
    return assessments.record_export(
        db,
        assessment_id,
        submission_id=manifest["submission_id"],
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        file_name=package.name,
        created_at=manifest["created_at"],
        supersedes=manifest["supersedes"],
    )
