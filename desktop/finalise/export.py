"""From the open assessment to a signed package: the glue between the session and forms.packages.

``sign_and_build`` is the slow part (key decryption with scrypt, hashing and zipping the
evidence): it runs on a worker thread and touches no widget and no database.
"""

from __future__ import annotations

from pathlib import Path

from desktop.assessment.session import AssessmentSession
from forms.packages.build import EvidenceFile, Submission, build_package


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
    )


def sign_and_build(submission: Submission, keys_dir: Path, passphrase: str, out_dir: Path) -> Path:
    from forms.packages import keys

    try:
        signer = keys.load_signer(keys_dir, passphrase)
    except keys.KeyFileError as exc:
        raise WrongPassphrase(str(exc)) from exc
    return build_package(submission, signer, out_dir)
