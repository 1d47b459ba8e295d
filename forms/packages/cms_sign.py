"""Writing a detached CMS SignedData whose signature is made elsewhere (a USB token's key).

``cryptography``'s PKCS#7 builder needs the private key in memory; a token's key never leaves
the token, so the SignedData is assembled here with asn1crypto and only the bytes to be signed
(the DER SET of the signed attributes, RFC 5652 5.4) go to the token. The result is the same
file a :class:`~forms.packages.signing.Pkcs12Signer` writes, read by the same strict verifier
(``forms.packages.cms``): DER throughout, one signer named by issuer and serial, SHA-256,
signed attributes ``contentType`` (data), ``signingTime`` and ``messageDigest``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

# signs the DER of the signed attributes with SHA-256: PKCS#1 v1.5 bytes for RSA, a DER
# ECDSA-Sig-Value for EC (what goes into SignerInfo.signature as it is)
RawSign = Callable[[bytes], bytes]


def signature_algorithm(certificate: x509.Certificate) -> str:
    """The CMS signature algorithm for the certificate's key: ``sha256_rsa`` or ``sha256_ecdsa``."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "sha256_rsa"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "sha256_ecdsa"
    raise ValueError("only RSA and EC certificates can sign CMS here")


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def detached_signed_data(
    content: bytes,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    raw_sign: RawSign,
    signing_time: datetime | None = None,
) -> bytes:
    """The DER ContentInfo of a detached SignedData over ``content`` by ``certificate``,
    carrying ``chain`` (the issuers; duplicates of the signer are left out)."""
    algorithm = signature_algorithm(certificate)
    when = (signing_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    attributes = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": when})]}),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]}
            ),
        ]
    )
    signature = raw_sign(attributes.dump(force=True))
    leaf = _asn1(certificate)
    parameters = {"parameters": core.Null()} if algorithm == "sha256_rsa" else {}
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": leaf.issuer, "serial_number": leaf.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attributes,
            "signature_algorithm": algos.SignedDigestAlgorithm(
                {"algorithm": algorithm, **parameters}
            ),
            "signature": signature,
        }
    )
    others = [c for c in chain if c != certificate]
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "data"},
            "certificates": [leaf, *(_asn1(c) for c in others)],
            "signer_infos": [signer_info],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return bytes(info.dump(force=True))
