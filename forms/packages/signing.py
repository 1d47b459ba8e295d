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
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from forms.canonical import canonical_bytes
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
        encoded = canonical_bytes(body)  # all ASCII: base64 and fixed words
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

    @property
    def private_key(self) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
        """For the report's PAdES signature by the same .p12 (``forms.pdf_signature``)."""
        return self._key

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


def _verify_cms(blob: bytes, manifest: bytes) -> SignerInfo:
    # imported here: asn1crypto costs ~14 ms at start-up, paid by every merge worker, and
    # nearly every package is signed with Ed25519
    from forms.packages import cms

    try:
        signed = cms.verify_detached(blob, manifest)
    except cms.CmsError as exc:
        raise SignatureError(str(exc)) from exc
    leaf = signed.signer
    spki = spki_der(leaf)
    return SignerInfo(
        KIND_X509,
        short_fingerprint(spki),
        full_key_id(spki),
        spki,
        signed.certificates,
        leaf.subject.rfc4514_string(),
    )


def verify_cms(blob: bytes, manifest: bytes) -> SignerInfo:
    """Check a detached CMS signature file over the exact manifest bytes (the organisation's
    ``signature/organisation.p7s`` as well as ``signature/manifest.p7s``)."""
    return _verify_cms(blob, manifest)


def verify_signature(entry_name: str, blob: bytes, manifest: bytes) -> SignerInfo:
    """Check ``blob`` (the signature file called ``entry_name``) over the exact manifest bytes."""
    if entry_name == SIGNATURE_ED25519:
        return _verify_ed25519(blob, manifest)
    if entry_name == SIGNATURE_CMS:
        return _verify_cms(blob, manifest)
    raise SignatureError(f"unknown signature file {entry_name}")
