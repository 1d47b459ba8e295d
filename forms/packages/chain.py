"""X.509 signer certificates: RFC 5280 path validation to a trust anchor at the signing time.

The path is built and checked by ``cryptography.x509.verification`` (pyca's Rust verifier, no
network code, a fixed validation time): signatures and names along the path, validity at
``when``, basicConstraints cA and pathLenConstraint, and any critical extension nobody
accounted for is refused. Its Web PKI defaults do not fit government document-signing
certificates (they want a clientAuth/serverAuth EKU on every certificate, a keyUsage on every
CA, a subjectAltName), so both extension policies are ours:

- a CA on the path must be a CA (basicConstraints cA) and, when it has a keyUsage, assert
  keyCertSign (RFC 5280 6.1.4 (k), (n));
- the signer's keyUsage, when present, allows digitalSignature or nonRepudiation; its EKU,
  when present, includes emailProtection, documentSigning (RFC 9336) or anyExtendedKeyUsage.

Chosen over pyhanko-certvalidator: already a dependency, native (~0.15 ms for a three-level
path), and no asyncio/aiohttp/oscrypto stack to freeze into the Windows build. Revocation is
not checked (offline; a later issue).
"""

from __future__ import annotations

import re
from datetime import datetime

from cryptography import x509
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

MAX_DEPTH = 8
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336
SIGNING_PURPOSES = frozenset(
    {
        DOCUMENT_SIGNING,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    }
)

# Reason codes. Our validators raise ValueError(code); the verifier's own findings are known
# by the words of its message (pinned by tests/forms/packages/test_cert_paths.py).
USAGE = "certificate_usage"  # the signer's keyUsage forbids signing documents
PURPOSE = "certificate_purpose"  # the signer's EKU names other purposes only
ISSUER = "certificate_issuer"  # a certificate on the path may not issue certificates
PATH_LENGTH = "certificate_path_length"  # a CA's pathLenConstraint is exceeded
CRITICAL = "certificate_critical_extension"  # a critical extension nobody knows
EXPIRED = "certificate_expired"  # not valid at the signing time
CHAIN = "certificate_chain"  # no path to a trust anchor
_OURS = re.compile(r"\b(certificate_[a-z_]+)\b")
_THEIRS = (
    ("not valid at validation time", EXPIRED),
    ("path length constraint", PATH_LENGTH),
    ("unaccounted-for critical extension", CRITICAL),
    ("basicConstraints", ISSUER),
)


class ChainError(Exception):
    def __init__(self, code: str, subject: str) -> None:
        self.code = code  # one of the reason codes above
        self.subject = subject  # the signer's certificate
        super().__init__(f"{code}: {subject}")


def _ca_constraints(
    _policy: verification.Policy, _cert: x509.Certificate, constraints: x509.BasicConstraints
) -> None:
    if not constraints.ca:
        raise ValueError(ISSUER)


def _ca_key_usage(
    _policy: verification.Policy, _cert: x509.Certificate, usage: x509.KeyUsage | None
) -> None:
    if usage is not None and not usage.key_cert_sign:
        raise ValueError(ISSUER)


def _signer_key_usage(
    _policy: verification.Policy, _cert: x509.Certificate, usage: x509.KeyUsage | None
) -> None:
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise ValueError(USAGE)


def _signer_purpose(
    _policy: verification.Policy, _cert: x509.Certificate, purposes: x509.ExtendedKeyUsage | None
) -> None:
    if purposes is not None and SIGNING_PURPOSES.isdisjoint(purposes):
        raise ValueError(PURPOSE)


_ANY = verification.Criticality.AGNOSTIC
_CA_POLICY = (
    verification.ExtensionPolicy.permit_all()
    .require_present(x509.BasicConstraints, _ANY, _ca_constraints)
    .may_be_present(x509.KeyUsage, _ANY, _ca_key_usage)
)
_SIGNER_POLICY = (
    verification.ExtensionPolicy.permit_all()
    .may_be_present(x509.KeyUsage, _ANY, _signer_key_usage)
    .may_be_present(x509.ExtendedKeyUsage, _ANY, _signer_purpose)
)


def _reason(error: Exception) -> str:
    text = str(error)
    ours = _OURS.search(text)
    if ours:
        return ours.group(1)
    return next((code for words, code in _THEIRS if words in text), CHAIN)


def check_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
    when: datetime,
) -> list[x509.Certificate]:
    """The validated path leaf..anchor at ``when``, or ``ChainError`` with its reason code."""
    subject = leaf.subject.rfc4514_string()
    if not anchors:
        raise ChainError(CHAIN, subject)
    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store(anchors))
        .time(when)
        .max_chain_depth(MAX_DEPTH)
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_SIGNER_POLICY)
        .build_client_verifier()
    )
    try:
        return list(verifier.verify(leaf, intermediates).chain)
    except (verification.VerificationError, ValueError) as exc:
        raise ChainError(_reason(exc), subject) from exc
