"""Checking a detached CMS SignedData (``signature/manifest.p7s``): one encoding, one meaning.

The file is parsed by asn1crypto and then re-encoded (``dump(force=True)``) and compared with
the input, so every freedom BER allows and DER forbids (a non-minimal or indefinite length, an
unsorted SET OF, bytes after the end) makes a different byte string and is refused. The
certificates inside are kept opaque and parsed by ``cryptography``, whose DER reader is strict
on its own: re-encoding them through asn1crypto as well would cost about 0.7 ms each.

What the signature means is then checked field by field (RFC 5652 5.3-5.4): exactly one
signer, found among the certificates by issuer and serial or key identifier; digest algorithm
SHA-256/384/512 and the same in ``digestAlgorithms``; signed attributes present, each type
once, one ``contentType`` value (``data``) and one ``messageDigest`` value; a signature
algorithm that fits the signer's key and digest.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
# attributes RFC 5652 (and RFC 6211) allow a single value for; a second value is a second meaning
_SINGLE_VALUED = {"content_type", "message_digest", "signing_time", "cms_algorithm_protection"}
# what a damaged or hostile file can make asn1crypto or cryptography raise while reading it
_MALFORMED = (ValueError, TypeError, KeyError, IndexError, OverflowError, UnsupportedAlgorithm)


class CmsError(Exception):
    """The CMS file is malformed, ambiguous or does not match; ``str()`` is for logs."""


class _OpaqueCertificates(core.SetOf):
    """The certificate set, left unparsed for cryptography (see the module docstring)."""

    _child_spec = core.Any


class _SignedData(cms.SignedData):
    _fields = [
        ("certificates", _OpaqueCertificates, {"implicit": 0, "optional": True})
        if field[0] == "certificates"
        else field
        for field in cms.SignedData._fields
    ]


class _ContentInfo(cms.ContentInfo):
    _oid_specs = {"signed_data": _SignedData}


@dataclass(frozen=True)
class SignedContent:
    signer: x509.Certificate
    certificates: tuple[x509.Certificate, ...]  # signer first, then the others as they came


def verify_detached(blob: bytes, content: bytes) -> SignedContent:
    """Check that ``blob`` is a DER CMS SignedData over ``content``; ``CmsError`` otherwise."""
    try:
        return _verify(blob, content)
    except CmsError:
        raise
    except _MALFORMED as exc:
        raise CmsError(f"malformed CMS signature: {exc}") from exc


def _verify(blob: bytes, content: bytes) -> SignedContent:
    info = _ContentInfo.load(blob, strict=True)
    if info["content_type"].native != "signed_data":
        raise CmsError("not a CMS SignedData")
    if info.dump(force=True) != blob:
        raise CmsError("not DER: the file re-encodes to different bytes")
    signed_data = info["content"]
    encap = signed_data["encap_content_info"]
    if encap["content_type"].native != "data" or encap["content"].native is not None:
        raise CmsError("the signature is not a detached signature over data")
    if len(signed_data["signer_infos"]) != 1:
        raise CmsError("exactly one signer expected")
    signer_info = signed_data["signer_infos"][0]
    digest_name = _digest_name(signer_info["digest_algorithm"])
    if [_digest_name(alg) for alg in signed_data["digest_algorithms"]] != [digest_name]:
        raise CmsError("digestAlgorithms does not name exactly the signer's digest")
    certificates = _certificates(signed_data["certificates"])
    signer = _find_signer(signer_info["sid"], certificates)
    signed_attrs = _check_attributes(signer_info, digest_name, content)
    # the signature covers the attributes re-tagged as a SET (RFC 5652, 5.4)
    to_verify = b"\x31" + signed_attrs.dump()[1:]
    _check_signature(signer, signer_info, digest_name, to_verify)
    others = tuple(c for c in certificates if c is not signer)
    return SignedContent(signer, (signer, *others))


def _digest_name(algorithm: algos.DigestAlgorithm) -> str:
    name = algorithm["algorithm"].native
    if name not in DIGESTS:
        raise CmsError(f"digest algorithm {algorithm['algorithm'].dotted} is not allowed")
    if algorithm["parameters"].native is not None:
        raise CmsError(f"digest algorithm {name} has parameters")
    return str(name)


def _certificates(certificate_set: _OpaqueCertificates) -> list[x509.Certificate]:
    found = []
    for item in certificate_set:  # an absent set iterates as empty
        der = item.dump()
        if der[:1] != b"\x30":  # a SEQUENCE; the other CertificateChoices are tagged [0]..[3]
            raise CmsError("the signature carries something other than an X.509 certificate")
        found.append(x509.load_der_x509_certificate(der))
    return found


def _find_signer(
    sid: cms.SignerIdentifier, certificates: list[x509.Certificate]
) -> x509.Certificate:
    if sid.name == "issuer_and_serial_number":
        issuer = sid.chosen["issuer"].dump()
        serial = sid.chosen["serial_number"].native
        matches = [
            c
            for c in certificates
            if c.serial_number == serial and c.issuer.public_bytes() == issuer
        ]
    else:  # subject_key_identifier
        wanted = sid.chosen.native
        matches = [c for c in certificates if _key_identifier(c) == wanted]
    distinct = {c.tbs_certificate_bytes: c for c in matches}
    if not distinct:
        raise CmsError("the signing certificate is not inside the signature")
    if len(distinct) > 1:
        raise CmsError("several different certificates match the signer")
    return matches[0]


def _key_identifier(certificate: x509.Certificate) -> bytes | None:
    try:
        return certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest
    except x509.ExtensionNotFound:
        return None


def _check_attributes(
    signer_info: cms.SignerInfo, digest_name: str, content: bytes
) -> cms.CMSAttributes:
    signed_attrs = signer_info["signed_attrs"]
    if not signed_attrs:
        # Allowed by RFC 5652 for plain data, but then nothing binds the digest algorithm, and
        # a second way to say the same thing; every signer of ours adds them.
        raise CmsError("the signature has no signed attributes")
    values: dict[str, core.SetOf] = {}
    for attribute in signed_attrs:
        name = attribute["type"].dotted
        if name in values:
            raise CmsError(f"signed attribute {name} appears twice")
        values[name] = attribute["values"]
        if attribute["type"].native in _SINGLE_VALUED and len(attribute["values"]) != 1:
            raise CmsError(f"signed attribute {attribute['type'].native} must have one value")
    content_type = values.get(cms.CMSAttributeType.unmap("content_type"))
    if content_type is None or content_type[0].native != "data":
        raise CmsError("CMS content type attribute missing or wrong")
    message_digest = values.get(cms.CMSAttributeType.unmap("message_digest"))
    digest = hashes.Hash(DIGESTS[digest_name]())
    digest.update(content)
    if message_digest is None or message_digest[0].native != digest.finalize():
        raise CmsError("CMS message digest does not match manifest.json")
    protection = values.get(cms.CMSAttributeType.unmap("cms_algorithm_protection"))
    if protection is not None:  # RFC 6211: must name the same algorithms as the SignerInfo
        protected = protection[0]
        if (
            protected["digest_algorithm"].dump() != signer_info["digest_algorithm"].dump()
            or protected["signature_algorithm"].dump() != signer_info["signature_algorithm"].dump()
        ):
            raise CmsError("the algorithm protection attribute names other algorithms")
    return signed_attrs


def _check_signature(
    signer: x509.Certificate, signer_info: cms.SignerInfo, digest_name: str, data: bytes
) -> None:
    algorithm = signer_info["signature_algorithm"]
    name = algorithm["algorithm"].native
    signature = signer_info["signature"].native
    digest = DIGESTS[digest_name]()
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and name in ("rsassa_pkcs1v15", f"{digest_name}_rsa"):
            if algorithm["parameters"].native is not None:
                raise CmsError("RSA PKCS#1 v1.5 signature algorithm has parameters")
            key.verify(signature, data, padding.PKCS1v15(), digest)
        elif isinstance(key, rsa.RSAPublicKey) and name == "rsassa_pss":
            key.verify(signature, data, _pss(algorithm["parameters"], digest_name), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey) and name == f"{digest_name}_ecdsa":
            if algorithm["parameters"].native is not None:
                raise CmsError("ECDSA signature algorithm has parameters")
            key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(key, ed25519.Ed25519PublicKey) and name == "ed25519":
            if digest_name != "sha512":  # RFC 8419 3.1
                raise CmsError("Ed25519 CMS signatures use SHA-512 as digest")
            key.verify(signature, data)
        else:
            raise CmsError(
                f"signature algorithm {algorithm['algorithm'].dotted} does not fit the signer's key"
                f" and digest {digest_name}"
            )
    except InvalidSignature as exc:
        raise CmsError("CMS signature does not match") from exc


def _pss(params: algos.RSASSAPSSParams, digest_name: str) -> padding.PSS:
    mgf = params["mask_gen_algorithm"]
    if (
        params["hash_algorithm"]["algorithm"].native != digest_name
        or mgf["algorithm"].native != "mgf1"
        or mgf["parameters"]["algorithm"].native != digest_name
        or params["trailer_field"].native != "trailer_field_bc"
    ):
        raise CmsError("RSA-PSS parameters do not match the digest algorithm")
    return padding.PSS(padding.MGF1(DIGESTS[digest_name]()), params["salt_length"].native)
