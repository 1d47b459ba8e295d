"""Why a certificate signer's chain is not trusted, worded for people (packages and reviews).

Whether a *key* may sign is ``TrustRegistry.standing``; ``signer_problems`` turns it into
the reasons a file is refused, in the words its verifier gives (``TrustWording``), followed by
what is common to all: the certificate chain of an X.509 signer, which must lead to one of the
registry's anchors at the time the file says it was signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from forms.i18n import N_, _
from forms.packages.chain import ChainError, check_chain
from forms.packages.signing import KIND_X509, SignerInfo
from forms.packages.trust import TrustRegistry, wrong_role_message
from forms.problems import Problem

if TYPE_CHECKING:
    from forms.packages.revocation import RevocationLists


@dataclass(frozen=True)
class TrustWording:
    """How one verifier words a signer it does not trust: a code and an ``N_`` template for a
    key in no entry (``{fingerprint}``), and for one not listed for the unit (``{fingerprint}``,
    ``{unit}``, ``{units}``: those it is listed for). A key trusted only for another role is
    ``signer_wrong_role`` everywhere."""

    unknown: tuple[str, str]
    not_for_unit: tuple[str, str]


_NO_TRUST = TrustRegistry()  # no registry given: every signer is unknown


def standing_problem(
    signer: SignerInfo, role: str, unit: str, trust: TrustRegistry | None, wording: TrustWording
) -> Problem | None:
    """Why ``signer`` may not sign in ``role`` for ``unit`` (None: it may)."""
    standing = (trust or _NO_TRUST).standing(signer.key_id, role, unit)
    if standing.verdict == "trusted":
        return None
    if standing.verdict == "wrong_role":
        message = wrong_role_message(signer.fingerprint, role)
        return Problem("signer_wrong_role", message, "signature")
    if standing.verdict == "unknown":
        code, template = wording.unknown
        return Problem(code, _(template, fingerprint=signer.fingerprint), "signature")
    code, template = wording.not_for_unit
    units = ", ".join(sorted(standing.units))
    message = _(template, fingerprint=signer.fingerprint, unit=unit, units=units)
    return Problem(code, message, "signature")


def signer_problems(
    signer: SignerInfo,
    role: str,
    unit: str,
    trust: TrustRegistry | None,
    created: datetime,
    wording: TrustWording,
    revocation: RevocationLists | None = None,
) -> list[Problem]:
    """Why ``signer`` is not trusted to sign in ``role`` for ``unit``: its standing in the
    registry, then its certificate chain at ``created`` (and the CRLs, when given)."""
    problem = standing_problem(signer, role, unit, trust, wording)
    chain = chain_problems(signer, trust, created, revocation)
    return chain if problem is None else [problem, *chain]


def chain_problems(
    signer: SignerInfo,
    trust: TrustRegistry | None,
    created: datetime,
    revocation: RevocationLists | None = None,
) -> list[Problem]:
    """For a certificate signer: why its chain does not lead to a trusted anchor at ``created``,
    or a certificate on it stood revoked then by one of the ``revocation`` lists."""
    if signer.kind != KIND_X509 or not signer.certificates:
        return []
    anchors = trust.anchor_certificates() if trust is not None else []
    try:
        path = check_chain(signer.certificates[0], list(signer.certificates[1:]), anchors, created)
    except ChainError as exc:
        return [certificate_problem(exc, created)]
    revoked = revocation.problem(path, created) if revocation is not None else None
    return [revoked] if revoked is not None else []


# why a chain failed, by ChainError code; anything else: no path to a trusted root
_CERTIFICATE_MESSAGES = {
    "certificate_usage": N_(
        "Chứng thư số {subject} không được dùng để ký văn bản (giới hạn mục đích sử dụng khóa)"
    ),
    "certificate_purpose": N_(
        "Chứng thư số {subject} không được cấp để ký văn bản (mục đích sử dụng mở rộng chỉ cho việc khác, ví dụ máy chủ web)"
    ),
    "certificate_issuer": N_(
        "Chuỗi chứng thư số của {subject} có một chứng thư cấp trên không được phép cấp chứng thư (không phải CA hoặc thiếu quyền keyCertSign)"
    ),
    "certificate_path_length": N_(
        "Chuỗi chứng thư số của {subject} dài hơn giới hạn độ dài (pathLen) mà một CA cấp trên cho phép"
    ),
    "certificate_critical_extension": N_(
        "Chuỗi chứng thư số của {subject} có phần mở rộng bắt buộc (critical) không được hỗ trợ"
    ),
    "certificate_expired": N_("Chứng thư số {subject} không còn hiệu lực vào thời điểm ký {time}"),
}
_NO_TRUSTED_ROOT = N_("Chứng thư số {subject} không dẫn tới chứng thư gốc tin cậy nào")


def certificate_problem(exc: ChainError, created: datetime) -> Problem:
    """The reason a certificate chain failed, worded for the user (packages and reviews alike)."""
    template = _CERTIFICATE_MESSAGES.get(exc.code, _NO_TRUSTED_ROOT)
    message = _(template, subject=exc.subject, time=created.isoformat())
    return Problem(exc.code, message, "signature")
