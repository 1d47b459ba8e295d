"""Certificate revocation, offline: CRL files the province imported, checked along a signer's path.

Nothing is downloaded: a CRL is a file the province got from its CA and imported. For each
certificate on a validated path (leaf to anchor) the CRLs *signed by its issuer* are consulted
(a CRL that claims the issuer's name but does not verify under its key is ignored, as anyone
can write one); a certificate listed with a revocation date at or before the time the package
claims it was signed is refused (``certificate_revoked``). One revoked later is not: the
signature was made while the certificate stood, as far as the package says.

A CRL whose nextUpdate has passed is *stale*: revocations since are not known. That is
reported (``stale``), not held against the package.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509

from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.problems import Problem

MAX_CRL_BYTES = 32 * 2**20  # a national CA's CRL runs to megabytes
REVOKED = "certificate_revoked"
CRL_INVALID = "crl_invalid"


class RevocationError(Exception):
    def __init__(self, code: str, message: str, where: str = "") -> None:
        self.code, self.message, self.where = code, message, where
        super().__init__(f"{code}: {message}")


def load_crl(data: bytes, where: str = "CRL") -> x509.CertificateRevocationList:
    """A CRL from its DER or PEM bytes; ``RevocationError`` (``crl_invalid``) otherwise."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise RevocationError(
            CRL_INVALID,
            _("Tệp {path} không phải danh sách thu hồi chứng thư số (CRL) đọc được", path=where),
            where,
        ) from exc


@dataclass(frozen=True)
class RevocationLists:
    crls: tuple[x509.CertificateRevocationList, ...] = ()

    @classmethod
    def from_files(cls, paths: Iterable[str | os.PathLike[str]]) -> RevocationLists:
        crls = []
        for path in paths:
            try:
                data = read_inbound(path, MAX_CRL_BYTES)
            except InboundRejected as exc:
                raise RevocationError(
                    exc.problem.code, exc.problem.message, exc.problem.where
                ) from None
            crls.append(load_crl(data, os.fspath(path)))
        return cls(tuple(crls))

    def stale(self, now: datetime | None = None) -> list[x509.CertificateRevocationList]:
        """The CRLs past their nextUpdate at ``now`` (default: the PC's clock)."""
        moment = now or datetime.now(UTC)
        return [
            c for c in self.crls if c.next_update_utc is not None and c.next_update_utc < moment
        ]

    def _issued_by(self, issuer: x509.Certificate) -> list[x509.CertificateRevocationList]:
        found = []
        for crl in self.crls:
            if crl.issuer != issuer.subject:
                continue
            try:
                if crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                    found.append(crl)
            except (TypeError, ValueError):
                continue  # a key type a CRL cannot be signed with
        return found

    def problem(self, path: Sequence[x509.Certificate], when: datetime) -> Problem | None:
        """Why a certificate on ``path`` (leaf first, anchor last) stood revoked at ``when``."""
        for certificate, issuer in zip(path, path[1:], strict=False):
            for crl in self._issued_by(issuer):
                entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
                if entry is not None and entry.revocation_date_utc <= when:
                    subject = certificate.subject.rfc4514_string()
                    return Problem(
                        REVOKED,
                        _(
                            "Chứng thư số {subject} đã bị thu hồi ngày {date}, trước thời điểm ký {time}",
                            subject=subject,
                            date=entry.revocation_date_utc.strftime("%d/%m/%Y"),
                            time=when.strftime("%d/%m/%Y %H:%M"),
                        ),
                        "signature",
                    )
        return None
