"""The organisation's signature beside the chairman's (Decree 30/2020/NĐ-CP), checked.

A package signed twice carries ``signature/organisation.p7s``, a second detached CMS over the
same ``manifest.json`` bytes, and the manifest's ``signers`` names each key with its role
(``chairman`` first, ``organisation`` second) by the sha256 of its public key. The roles are
therefore signed by both signers and never guessed from a certificate's subject. Three steps,
in ``PACKAGE_CHECKS`` beside the chairman's own:

- ``organisation_signature`` (after ``signature``): the file is there exactly when the manifest
  names an organisation, it verifies, and each signature is by the key its role names;
- ``organisation_required`` (after ``criteria``): a criteria set with
  ``organisation_signature_required`` refuses a package without it;
- ``organisation_trust`` (after ``signer_trust``): the organisation's certificate is trusted for
  the unit and its chain leads to an anchor, not revoked at the claimed signing time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from forms.i18n import N_, _
from forms.packages import format as fmt
from forms.packages.signer_trust import TrustWording, signer_problems
from forms.packages.signing import SignatureError, verify_cms
from forms.packages.trust import ROLE_SUBMISSION
from forms.problems import Problem

if TYPE_CHECKING:
    from forms.packages.package_run import PackageRun

MISSING = "organisation_signature_missing"
INVALID = "organisation_signature_invalid"
ROLE_MISMATCH = "signature_role_mismatch"

_WORDING = TrustWording(
    unknown=(
        "organisation_signer_unknown",
        N_(
            "Chữ ký của cơ quan không xác định: khóa {fingerprint} không có trong danh sách tin cậy"
        ),
    ),
    not_for_unit=(
        "organisation_signer_not_for_unit",
        N_("Khóa {fingerprint} của cơ quan không được ký cho đơn vị {unit} (chỉ cho: {units})"),
    ),
)


def _invalid(message: str) -> Problem:
    return Problem(INVALID, message, fmt.SIGNATURE_ORGANISATION)


def organisation_signature(run: PackageRun) -> bool:
    """The organisation's signature, when the manifest names one: present, valid over the
    manifest, by the named key; and the chairman's signature by the key named as his."""
    declared = run.manifest.get("signers")  # its shape is checked: chairman, organisation
    present = fmt.SIGNATURE_ORGANISATION in run.zf.files
    if present:
        run.signatures.append(fmt.SIGNATURE_ORGANISATION)  # not an unlisted file
    if not declared:
        if present:
            run.reasons.append(
                _invalid(_("Gói có chữ ký của cơ quan nhưng manifest.json không ghi người ký"))
            )
        return True
    chairman = run.verdict.signer
    if chairman is not None and chairman.key_id != declared[0]["key_id"]:
        run.reasons.append(
            Problem(
                ROLE_MISMATCH,
                _("Chữ ký của gói không phải của khóa mà manifest.json ghi là của Chủ tịch"),
                fmt.SIGNATURE_DIR,
            )
        )
    if not present:
        run.reasons.append(
            Problem(
                MISSING,
                _("manifest.json ghi có chữ ký của cơ quan nhưng gói thiếu tệp {entry}",
                  entry=fmt.SIGNATURE_ORGANISATION),
                fmt.SIGNATURE_ORGANISATION,
            )
        )  # fmt: skip
        return True
    blob = run.zf.read(fmt.SIGNATURE_ORGANISATION, fmt.MAX_SIGNATURE_BYTES)
    try:
        signer = verify_cms(blob, run.raw)
    except SignatureError:
        run.reasons.append(
            _invalid(
                _("Chữ ký của cơ quan {entry} không khớp với manifest.json",
                  entry=fmt.SIGNATURE_ORGANISATION)
            )
        )  # fmt: skip
        return True
    if signer.key_id != declared[1]["key_id"]:
        run.reasons.append(
            _invalid(
                _("Chữ ký của cơ quan không phải của khóa mà manifest.json ghi là của cơ quan")
            )
        )
        return True
    run.verdict.organisation = signer
    return True


def organisation_required(run: PackageRun) -> bool:
    """The criteria set says the organisation's signature is required (Decree 30/2020)."""
    cs = run.cs
    if cs is None or not cs.organisation_signature or run.verdict.organisation is not None:
        return True
    if any(p.code in (MISSING, INVALID) for p in run.reasons):
        return True  # already said why there is none
    run.reasons.append(
        Problem(
            MISSING,
            _(
                "Bộ tiêu chí {set} yêu cầu gói có cả chữ ký số của cơ quan (Nghị định 30/2020/NĐ-CP), nhưng gói chỉ có chữ ký của Chủ tịch",
                set=cs.short_id,
            ),
            fmt.SIGNATURE_ORGANISATION,
        )
    )
    return True


def organisation_trust(run: PackageRun) -> bool:
    """The organisation's key may sign for the unit; its chain leads to an anchor, unrevoked."""
    signer = run.verdict.organisation
    if signer is None:
        return True
    found = signer_problems(
        signer, ROLE_SUBMISSION, run.verdict.unit or "", run.trust, run.created, _WORDING,
        run.revocation,
    )  # fmt: skip
    run.reasons += [replace(p, where=fmt.SIGNATURE_ORGANISATION) for p in found]
    return True
