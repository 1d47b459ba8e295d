"""The officer's Ed25519 key: made on first run, kept encrypted with a passphrase.

The private key never leaves ``<data_dir>/keys/`` and never goes into a package; the
public half is shown (with a short fingerprint to read over the phone) and exported for
the collector's trust registry.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from forms.atomic import write_bytes_atomic
from forms.inbound import InboundRejected, read_inbound
from forms.packages import key_file
from forms.packages.signing import (
    KIND_ED25519,
    Ed25519Signer,
    full_key_id,
    short_fingerprint,
    spki_der,
)

PRIVATE_NAME = "officer_ed25519.pem"
PUBLIC_NAME = "officer_ed25519.pub.json"
PUBLIC_FORMAT = "dti-public-key"

log = logging.getLogger(__name__)


class KeyFileError(Exception):
    """Missing key file, wrong passphrase or damaged key; ``str()`` is for logs, ``reason`` is
    ``missing``, ``passphrase``, ``damaged`` or ``weak`` (key-derivation parameters refused)."""

    def __init__(self, detail: str, reason: str = "damaged") -> None:
        self.reason = reason
        super().__init__(detail)


@dataclass(frozen=True)
class PublicKeyFile:
    kind: str
    public_key: bytes  # raw 32 bytes
    name: str = ""  # who holds it (officer, unit), informational

    @property
    def fingerprint(self) -> str:
        return short_fingerprint(self.public_key)

    @property
    def key_id(self) -> str:
        return full_key_id(self.public_key)

    def to_bytes(self) -> bytes:
        body = {
            "format": PUBLIC_FORMAT,
            "kind": self.kind,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "fingerprint": self.fingerprint,
            "name": self.name,
        }
        return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode(
            "utf-8"
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicKeyFile:
        try:
            body = json.loads(data.decode("utf-8"))
            if body.get("format") != PUBLIC_FORMAT or body.get("kind") != KIND_ED25519:
                raise ValueError("not a dti-desk public key file")
            raw = base64.b64decode(body["public_key"], validate=True)
            ed25519.Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise KeyFileError(str(exc)) from exc
        return cls(KIND_ED25519, raw, str(body.get("name", "")))


def public_raw(key: ed25519.Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def generate_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def encrypt_private(key: ed25519.Ed25519PrivateKey, passphrase: str) -> bytes:
    """The private key file's bytes (scrypt + AES-GCM, :mod:`forms.packages.key_file`)."""
    if not passphrase:
        raise KeyFileError("empty passphrase")
    return key_file.seal(key, passphrase)


def _open(pem: bytes, passphrase: str) -> key_file.OpenedKey:
    try:
        return key_file.open_key(pem, passphrase)
    except key_file.SealedKeyError as exc:
        raise KeyFileError(str(exc), exc.reason) from exc


def decrypt_private(pem: bytes, passphrase: str) -> ed25519.Ed25519PrivateKey:
    return _open(pem, passphrase).key


def _write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    write_bytes_atomic(path, data, mode=mode)


def key_exists(keys_dir: Path) -> bool:
    return (keys_dir / PRIVATE_NAME).is_file()


def create_key(keys_dir: Path, passphrase: str, name: str = "") -> PublicKeyFile:
    """Make and store a new key; refuses to overwrite an existing one (packages signed with it
    would no longer match anything the collector trusts)."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    if key_exists(keys_dir):
        raise KeyFileError(f"a key already exists in {keys_dir}")
    key = generate_key()
    public = PublicKeyFile(KIND_ED25519, public_raw(key), name)
    _write_atomic(keys_dir / PRIVATE_NAME, encrypt_private(key, passphrase))
    _write_atomic(keys_dir / PUBLIC_NAME, public.to_bytes(), 0o644)
    return public


def load_public(keys_dir: Path) -> PublicKeyFile:
    try:
        return PublicKeyFile.from_bytes((keys_dir / PUBLIC_NAME).read_bytes())
    except OSError as exc:
        raise KeyFileError(str(exc)) from exc


def load_signer(keys_dir: Path, passphrase: str) -> Ed25519Signer:
    """The signer, once the passphrase opens the key. A key file of the old format (PBKDF2,
    ~1 ms a guess) is written again in today's (scrypt), atomically and 0600: a copy stolen
    later costs an attacker ~0.4 s a guess instead. If that write fails, signing goes on (the
    key opened; the file is upgraded at a later unlock)."""
    path = keys_dir / PRIVATE_NAME
    try:
        pem = read_inbound(path, key_file.MAX_FILE_BYTES)
    except InboundRejected as exc:
        reason = "missing" if exc.problem.code == "file_unreadable" else "damaged"
        raise KeyFileError(str(exc), reason) from exc
    except OSError as exc:
        raise KeyFileError(str(exc)) from exc
    opened = _open(pem, passphrase)
    if opened.needs_upgrade:
        try:
            _write_atomic(path, key_file.seal(opened.key, passphrase))
        except OSError as exc:
            log.warning("key file %s not upgraded: %s", path, exc)
    return Ed25519Signer(opened.key)


# --- the token certificate this folder signed with -----------------------------------------

CERTIFICATE_NAME = "officer_certificate.pem"
MAX_CERTIFICATE_BYTES = 64 * 1024


def save_own_certificate(keys_dir: Path, certificate: x509.Certificate) -> None:
    """Remember the certificate a USB token signed this folder's package with: the folder's
    own verify (``package verify`` on the commune's machine) knows it as it knows the own key."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    _write_atomic(keys_dir / CERTIFICATE_NAME, pem, 0o644)


def own_certificate_key_id(keys_dir: Path) -> str | None:
    """The key id of the remembered token certificate (None: none, or unreadable)."""
    path = keys_dir / CERTIFICATE_NAME
    try:
        if not path.is_file() or path.stat().st_size > MAX_CERTIFICATE_BYTES:
            return None
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None
    return full_key_id(spki_der(certificate))
