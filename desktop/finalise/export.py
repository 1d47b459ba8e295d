"""From the open assessment to a signed package: the glue between the session and forms.packages.

One finalise, for the dialog and for ``dti-desk finalise`` alike: ``finalise_problems`` (errors
block, warnings need acknowledging), ``sign_and_write`` (the package and, beside it, the PDF
report the package also holds, its sha256 signed in the manifest), then ``mark_finalised``.

``sign_and_write`` is the slow part (key decryption with scrypt, printing the PDF, hashing and
zipping the evidence): it runs on a worker thread and touches no widget and no database.

Revisions: ``supersedes_for`` gives the submission id of the package the previous revision
exported (storage keeps it), so a reopened assessment's package replaces the old one at the
collector instead of conflicting with it; ``record_written`` stores the new package's
identity once the file exists, for the revision after it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.assessment.session import AssessmentSession
from forms.packages.build import EvidenceFile, Submission, build_package
from forms.packages.format import MANIFEST_NAME, MAX_MANIFEST_BYTES, package_file_name
from forms.packages.zipsafe import SafeZip
from forms.problems import Level, Problem

if TYPE_CHECKING:
    from forms.packages.signing import Signer
    from forms.packages.token import TokenSigner
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
        # applicability (issue 16): the build writes the kind only for a set that uses it
        unit_kind=session.unit.kind,
        not_applicable=dict(session.marks),
    )


def finalise_problems(problems: Iterable[Problem]) -> tuple[list[Problem], list[Problem]]:
    """The errors (they block) and the warnings (to acknowledge) among ``problems``, as the
    finalise dialog lists them."""
    found = list(problems)
    return (
        [p for p in found if p.level is Level.ERROR],
        [p for p in found if p.level is Level.WARNING],
    )


@dataclass(frozen=True)
class Finalised:
    package: Path
    report: Path  # the PDF beside it, the same bytes as the package's report.pdf


def report_path(submission: Submission, out_dir: Path) -> Path:
    """``<unit>_<year>_r<revision>.pdf``, beside the package of the same name."""
    name = package_file_name(submission.unit_code, submission.year, submission.revision)
    return Path(out_dir) / (Path(name).stem + ".pdf")


def sign_and_write(
    submission: Submission,
    keys_dir: Path,
    passphrase: str,
    out_dir: Path,
    report_html: str,
    title: str = "",
    organisation: Signer | None = None,
) -> Finalised:
    """Sign with the app's own key and write the package and the PDF report side by side (see
    :func:`write_signed`); ``organisation`` signs the package and the PDF too. A wrong
    passphrase writes nothing."""
    from forms.packages import keys

    try:
        signer = keys.load_signer(keys_dir, passphrase)
    except keys.KeyFileError as exc:
        raise WrongPassphrase(str(exc)) from exc
    sign_report = None
    if organisation is not None:
        from desktop.finalise.token_signing import report_signing

        sign_report = report_signing(None, report_html, organisation)
    return write_signed(submission, signer, out_dir, report_html, title, sign_report, organisation)


def write_signed(
    submission: Submission,
    signer: Signer,
    out_dir: Path,
    report_html: str,
    title: str = "",
    sign_report: Callable[[bytes], bytes] | None = None,
    organisation: Signer | None = None,
) -> Finalised:
    """Write the package signed by ``signer`` and the PDF report beside it: the report
    (``report_html``, printed with ``write_pdf``, then PAdES-signed by ``sign_report`` when
    given) goes inside the package too, its sha256 in the signed manifest, so the PDF beside
    the package and the one inside are the same bytes. A package that cannot be written takes
    its PDF away. ``organisation``: the second signer of the package (its manifest names
    both, ``forms.packages.build``)."""
    from desktop.finalise.report_pdf import write_pdf
    from forms.atomic import write_bytes_atomic

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = report_path(submission, out_dir)
    write_pdf(report_html, pdf, title)
    try:
        data = pdf.read_bytes()
        if sign_report is not None:
            data = sign_report(data)
            write_bytes_atomic(pdf, data)
        with_report = dataclasses.replace(submission, report=data)
        package = build_package(with_report, signer, out_dir, organisation=organisation)
    except BaseException:
        with contextlib.suppress(OSError):
            pdf.unlink()
        raise
    return Finalised(package, pdf)


@dataclass(frozen=True)
class PreparedExport:
    """Everything signing needs, gathered on the GUI thread; ``write`` runs on a worker."""

    submission: Submission
    report_html: str
    title: str
    keys_dir: Path
    data_dir: Path

    def write(
        self, passphrase: str, out_dir: Path, organisation: Signer | None = None
    ) -> tuple[Finalised, str]:
        """Sign with the app's key and write both files, and keep a copy of the package in the
        data folder; the second value says why no copy could be kept ("" when it was)."""
        done = sign_and_write(
            self.submission,
            self.keys_dir,
            passphrase,
            out_dir,
            self.report_html,
            self.title,
            organisation,
        )
        return done, self._keep(done)

    def write_with_token(
        self, signer: TokenSigner, out_dir: Path, organisation: Signer | None = None
    ) -> tuple[Finalised, str]:
        """As :meth:`write`, signed on the USB token: the package's CMS and the report's PAdES
        signature (in the chairman's signature area) by the same certificate, then the
        organisation's when given (its token or a .p12); the chairman's certificate is
        remembered in the keys folder, for this folder's own checks."""
        from desktop.finalise.token_signing import report_signing
        from forms.packages import keys

        sign_report = report_signing(signer, self.report_html, organisation)
        done = write_signed(
            self.submission,
            signer,
            out_dir,
            self.report_html,
            self.title,
            sign_report,
            organisation,
        )
        with contextlib.suppress(OSError):
            keys.save_own_certificate(self.keys_dir, signer.certificate)
        return done, self._keep(done)

    def _keep(self, done: Finalised) -> str:
        """A copy of the exact bytes in the data folder, to hand over again without creating
        a new submission; why not ("" when kept)."""
        from forms.packages.zipsafe import ZipProblem
        from local_db import sent_packages

        try:
            sent_packages.keep(self.data_dir, done.package)
        except (OSError, ValueError, ZipProblem) as exc:
            return str(exc)
        return ""


def mark_finalised(db: Database, assessment_id: int, package: Path) -> PackageExport:
    """After the files are written: the package's identity recorded, the assessment signed
    and exported (read-only from then on)."""
    from local_db import assessments

    export = record_written(db, assessment_id, package)
    assessments.finalise(db, assessment_id)
    assessments.mark_signed(db, assessment_id)
    assessments.mark_exported(db, assessment_id)
    return export


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
