"""X.509 signer certificates: does the chain lead to a trust anchor, valid at signing time?

Built by hand (issuer name + ``verify_directly_issued_by``) rather than with
``cryptography.x509.verification``: that verifier applies Web PKI (TLS) profile rules
(extended key usage for server/client auth, SAN requirements) which document-signing
certificates from government CAs do not follow.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

MAX_DEPTH = 8


class ChainError(Exception):
    def __init__(self, code: str, subject: str) -> None:
        self.code = code  # "certificate_chain", "certificate_expired" or "certificate_usage"
        self.subject = subject
        super().__init__(f"{code}: {subject}")


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _may_sign_documents(cert: x509.Certificate) -> bool:
    """A certificate restricted by key usage must allow signatures (or non-repudiation)."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.content_commitment


def _valid_at(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def check_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
    when: datetime,
) -> list[x509.Certificate]:
    """The chain leaf..anchor, or ``ChainError``. Every certificate must be valid at ``when``."""
    if not _may_sign_documents(leaf):
        raise ChainError("certificate_usage", leaf.subject.rfc4514_string())
    anchor_ders = {_der(a) for a in anchors}
    # anchors first: a damaged copy of the CA inside the signature must not hide the real one
    pool = [*anchors, *intermediates]
    chain = [leaf]
    current = leaf
    for _depth in range(MAX_DEPTH):
        if not _valid_at(current, when):
            raise ChainError("certificate_expired", current.subject.rfc4514_string())
        if _der(current) in anchor_ders:
            return chain
        issuer = None
        for candidate in pool:
            if candidate.subject != current.issuer or candidate is current or not _is_ca(candidate):
                continue
            try:
                current.verify_directly_issued_by(candidate)
            except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
                continue
            issuer = candidate
            break
        if issuer is None:
            raise ChainError("certificate_chain", current.subject.rfc4514_string())
        chain.append(issuer)
        current = issuer
    raise ChainError("certificate_chain", leaf.subject.rfc4514_string())
