"""Who signs a package, and checking that signature.

Two signer kinds exist today and both sign the exact bytes of ``manifest.json``:

- ``ed25519``: the officer's own key, made on first run (``forms.packages.keys``). The
  signature file holds the public key and the 64-byte signature.
- ``x509``: a certificate and key from a PKCS#12 file (.p12/.pfx, as issued by a public or
  government CA). The signature file is a DER CMS/PKCS#7 SignedData, detached, carrying the
  certificate chain, as every CMS tool (``openssl cms -verify``) reads it.

A PKCS#11 USB token is a third *signer* but not a third *format*: it would produce the same
CMS file (its private key signs the CMS signed attributes on the token), so the verifier
and the package format stay as they are. Anything implementing :class:`Signer` can be
passed to ``build_package``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from forms.packages import der
from forms.packages.format import SIGNATURE_CMS, SIGNATURE_ED25519

KIND_ED25519 = "ed25519"
KIND_X509 = "x509"


def full_key_id(public_material: bytes) -> str:
    """The sha256 (hex) of a public key: raw 32 bytes for Ed25519, SubjectPublicKeyInfo DER for X.509."""
    return hashlib.sha256(public_material).hexdigest()


def short_fingerprint(public_material: bytes) -> str:
    """Four groups of four hex digits, easy to read aloud over the phone: ``3F1A 09C2 77D0 B4E5``."""
    digest = hashlib.sha256(public_material).hexdigest().upper()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def spki_der(certificate: x509.Certificate) -> bytes:
    return certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class SignatureBlob:
    kind: str
    entry_name: str  # where it goes inside the zip
    data: bytes


class Signer(Protocol):
    kind: str
    fingerprint: str  # short, for people
    key_id: str  # full sha256 of the public key, for the trust registry

    def sign(self, data: bytes) -> SignatureBlob: ...


@dataclass(frozen=True)
class SignerInfo:
    """The signer as proven by a valid signature."""

    kind: str
    fingerprint: str
    key_id: str
    public_key: bytes  # raw Ed25519 key, or SPKI DER of the certificate
    certificates: tuple[x509.Certificate, ...] = field(default=(), compare=False)  # leaf first
    subject: str = ""


class SignatureError(Exception):
    """The signature is missing, malformed or does not match; ``str()`` is for logs, not users."""


# --- Ed25519 ----------------------------------------------------------------------------


class Ed25519Signer:
    kind = KIND_ED25519

    def __init__(self, private_key: ed25519.Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.fingerprint = short_fingerprint(self.public_raw)
        self.key_id = full_key_id(self.public_raw)

    def sign(self, data: bytes) -> SignatureBlob:
        body = {
            "format": 1,
            "kind": KIND_ED25519,
            "public_key": base64.b64encode(self.public_raw).decode("ascii"),
            "signature": base64.b64encode(self._key.sign(data)).decode("ascii"),
        }
        encoded = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")
        return SignatureBlob(KIND_ED25519, SIGNATURE_ED25519, encoded)


@lru_cache(maxsize=4096)
def _ed25519_signer(raw: bytes) -> tuple[ed25519.Ed25519PublicKey, SignerInfo]:
    """The key object and signer facts of a raw public key, made once per key: a collector
    verifies thousands of packages signed by a few hundred keys."""
    key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
    return key, SignerInfo(KIND_ED25519, short_fingerprint(raw), full_key_id(raw), raw)


def _verify_ed25519(blob: bytes, manifest: bytes) -> SignerInfo:
    try:
        body = json.loads(blob.decode("ascii"))
        if not isinstance(body, dict) or body.get("kind") != KIND_ED25519:
            raise SignatureError("not an ed25519 signature file")
        raw = base64.b64decode(body["public_key"], validate=True)
        signature = base64.b64decode(body["signature"], validate=True)
        key, signer = _ed25519_signer(raw)
    except SignatureError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError) as exc:
        raise SignatureError(f"malformed ed25519 signature file: {exc}") from exc
    try:
        key.verify(signature, manifest)
    except InvalidSignature as exc:
        raise SignatureError("ed25519 signature does not match") from exc
    return signer


# --- X.509 / CMS ------------------------------------------------------------------------


class Pkcs12Signer:
    """Signs with the certificate and key of a PKCS#12 file, producing a detached CMS signature."""

    kind = KIND_X509

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        chain: list[x509.Certificate] | None = None,
    ) -> None:
        self.certificate = certificate
        self._key = private_key
        self.chain = list(chain or [])
        spki = spki_der(certificate)
        self.fingerprint = short_fingerprint(spki)
        self.key_id = full_key_id(spki)

    @classmethod
    def from_pkcs12(cls, data: bytes, password: bytes | None) -> Pkcs12Signer:
        """Load a .p12/.pfx; raises ``ValueError`` on a wrong password or a file without key/cert."""
        loaded = pkcs12.load_pkcs12(data, password)
        if loaded.key is None or loaded.cert is None:
            raise ValueError("the PKCS#12 file holds no key and certificate")
        if not isinstance(loaded.key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError("only RSA and EC keys can sign CMS here")
        return cls(
            loaded.cert.certificate, loaded.key, [c.certificate for c in loaded.additional_certs]
        )

    def sign(self, data: bytes) -> SignatureBlob:
        builder = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(data)
            .add_signer(self.certificate, self._key, hashes.SHA256())
        )
        for extra in self.chain:
            builder = builder.add_certificate(extra)
        options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
        return SignatureBlob(
            KIND_X509, SIGNATURE_CMS, builder.sign(serialization.Encoding.DER, options)
        )


_OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_OID_DATA = "1.2.840.113549.1.7.1"
_OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}


def _expect(item: der.Tlv, tag: int) -> der.Tlv:
    if item.tag != tag:
        raise der.DerError(f"expected tag {tag:#x}, found {item.tag:#x}")
    return item


def _verify_cms(blob: bytes, manifest: bytes) -> SignerInfo:
    try:
        return _verify_cms_inner(blob, manifest)
    except SignatureError:
        raise
    except (der.DerError, ValueError, IndexError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"malformed CMS signature: {exc}") from exc


def _verify_cms_inner(blob: bytes, manifest: bytes) -> SignerInfo:
    info = _expect(der.read_one(blob), 0x30)
    if info.end != len(blob):
        raise SignatureError("trailing bytes after the CMS structure")
    content_type, wrapped = info.children()[:2]
    if der.decode_oid(_expect(content_type, 0x06).content) != _OID_SIGNED_DATA:
        raise SignatureError("not a CMS SignedData")
    signed_data = _expect(_expect(wrapped, 0xA0).children()[0], 0x30).children()
    # version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos
    encap = _expect(signed_data[2], 0x30).children()
    if len(encap) != 1:
        raise SignatureError("the signature is not detached")
    certificates: list[x509.Certificate] = []
    for item in signed_data[3:-1]:
        if item.tag == 0xA0:
            certificates = [
                x509.load_der_x509_certificate(c.raw) for c in item.children() if c.tag == 0x30
            ]
    signer_infos = _expect(signed_data[-1], 0x31).children()
    if len(signer_infos) != 1:
        raise SignatureError("exactly one signer expected")
    parts = _expect(signer_infos[0], 0x30).children()
    sid, digest_alg = parts[1], parts[2]
    rest = parts[3:]
    signed_attrs = rest.pop(0) if rest and rest[0].tag == 0xA0 else None
    signature = _expect(rest[1], 0x04).content
    digest_oid = der.decode_oid(_expect(digest_alg.children()[0], 0x06).content)
    if digest_oid not in _DIGESTS:
        raise SignatureError(f"unsupported digest {digest_oid}")
    algorithm = _DIGESTS[digest_oid]()

    leaf = _find_signer_certificate(sid, certificates)
    if signed_attrs is not None:
        seen: dict[str, bytes] = {}
        for attribute in signed_attrs.children():
            oid_item, values = _expect(attribute, 0x30).children()[:2]
            seen[der.decode_oid(oid_item.content)] = _expect(values, 0x31).children()[0].raw
        digest = hashes.Hash(algorithm)
        digest.update(manifest)
        expected = der.read_one(seen.get(_OID_MESSAGE_DIGEST, b"")).content
        if expected != digest.finalize():
            raise SignatureError("CMS message digest does not match manifest.json")
        content_type_attr = seen.get(_OID_CONTENT_TYPE)
        if (
            content_type_attr is None
            or der.decode_oid(der.read_one(content_type_attr).content) != _OID_DATA
        ):
            raise SignatureError("CMS content type attribute missing or wrong")
        # the signature covers the attributes re-tagged as a SET (RFC 5652, 5.4)
        to_verify = b"\x31" + blob[signed_attrs.start + 1 : signed_attrs.end]
    else:
        to_verify = manifest
    key = leaf.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, to_verify, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, to_verify, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, to_verify)
        else:
            raise SignatureError("unsupported certificate key type")
    except InvalidSignature as exc:
        raise SignatureError("CMS signature does not match") from exc
    spki = spki_der(leaf)
    ordered = (leaf, *(c for c in certificates if c is not leaf))
    return SignerInfo(
        KIND_X509,
        short_fingerprint(spki),
        full_key_id(spki),
        spki,
        ordered,
        leaf.subject.rfc4514_string(),
    )


def _find_signer_certificate(
    sid: der.Tlv, certificates: list[x509.Certificate]
) -> x509.Certificate:
    if sid.tag == 0x30:  # IssuerAndSerialNumber
        issuer, serial = sid.children()[:2]
        serial_number = int.from_bytes(_expect(serial, 0x02).content, "big", signed=True)
        for cert in certificates:
            if cert.serial_number == serial_number and cert.issuer.public_bytes() == issuer.raw:
                return cert
    elif sid.tag == 0x80:  # [0] SubjectKeyIdentifier
        for cert in certificates:
            try:
                ski = cert.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier
                ).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.content:
                return cert
    raise SignatureError("the signing certificate is not inside the signature")


def verify_signature(entry_name: str, blob: bytes, manifest: bytes) -> SignerInfo:
    """Check ``blob`` (the signature file called ``entry_name``) over the exact manifest bytes."""
    if entry_name == SIGNATURE_ED25519:
        return _verify_ed25519(blob, manifest)
    if entry_name == SIGNATURE_CMS:
        return _verify_cms(blob, manifest)
    raise SignatureError(f"unknown signature file {entry_name}")
