"""The encrypted private-key file: the passphrase stretched by scrypt, the key sealed by AES-GCM.

Why not PKCS#8 as ``cryptography`` writes it: its ``BestAvailableEncryption`` uses PBKDF2 with
2048 rounds, about 1 ms per guess, so a stolen USB stick's key file gives up an eight-letter
passphrase in hours. Here each guess costs one scrypt derivation with ``n = 2**17, r = 8, p = 1``
(128 MiB of memory, about 0.4 s on a 2-core office PC), and the parameters are stored in the
file, so a later version can raise them and still read today's files.

File (text, ``officer_ed25519.pem``)::

    -----BEGIN DTI-DESK ENCRYPTED PRIVATE KEY-----
    base64 of {"format": "dti-private-key", "version": 2, "kind": "ed25519",
               "public_key": b64, "kdf": {"name": "scrypt", "salt": b64, "n", "r", "p"},
               "cipher": "aes-256-gcm", "nonce": b64, "ciphertext": b64}
    -----END DTI-DESK ENCRYPTED PRIVATE KEY-----

The AES-GCM associated data is the canonical JSON of every field but ``ciphertext``, so a
changed parameter, salt or public key fails like a wrong passphrase. Parameters below the floor
(``MIN_N``…) are refused *before* any derivation: a file from outside (a restored backup, a
planted file) cannot lower the cost of guessing. Parameters above the ceiling are refused too
(a planted ``n = 2**30`` would ask for 128 GiB). The passphrase is NFC-normalised, so the same
Vietnamese words typed by two input methods (composed or combining accents) open the key.

A file of the old format (PKCS#8 PEM, before this module) is still opened;
:func:`open_key` says it should be re-written, and ``keys.load_signer`` does so.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from forms.canonical import CanonicalError, canonical_bytes, strict_loads

FORMAT = "dti-private-key"
VERSION = 2
CIPHER = "aes-256-gcm"
BEGIN = b"-----BEGIN DTI-DESK ENCRYPTED PRIVATE KEY-----"
END = b"-----END DTI-DESK ENCRYPTED PRIVATE KEY-----"
LEGACY_BEGIN = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"

# What new files get (measured in benchmarks/bench_keys.py).
N, R, P = 2**17, 8, 1
# The floor: anything cheaper is refused (an attacker must not lower the cost of a guess).
MIN_N, MIN_R, MIN_P = 2**17, 8, 1
# The ceiling: 128 * r * n bytes of memory; 1 GiB at most, and p bounds the time.
MAX_MEMORY = 2**30
MAX_P = 4
SALT_BYTES = 16
NONCE_BYTES = 12
MAX_FILE_BYTES = 16 * 1024


class SealedKeyError(Exception):
    """``reason`` is ``damaged`` (not a key file), ``weak`` (parameters below the floor or above
    the ceiling) or ``passphrase`` (wrong passphrase, or the file was changed)."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


@dataclass(frozen=True)
class ScryptParams:
    n: int
    r: int
    p: int

    @property
    def cost(self) -> int:
        return self.n * self.r * self.p

    def problem(self) -> str | None:
        """Why these parameters are refused, or None."""
        if self.n < MIN_N or self.r < MIN_R or self.p < MIN_P:
            return f"scrypt parameters below the floor (n={self.n}, r={self.r}, p={self.p})"
        if self.n & (self.n - 1) or 128 * self.r * self.n > MAX_MEMORY or self.p > MAX_P:
            return f"scrypt parameters out of range (n={self.n}, r={self.r}, p={self.p})"
        return None


DEFAULT = ScryptParams(N, R, P)


@dataclass(frozen=True)
class OpenedKey:
    key: ed25519.Ed25519PrivateKey
    needs_upgrade: bool  # old format (or old parameters): write it again with :func:`seal`


def _secret(passphrase: str) -> bytes:
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(passphrase: str, salt: bytes, params: ScryptParams) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=params.n, r=params.r, p=params.p)
    return kdf.derive(_secret(passphrase))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _header(public: bytes, salt: bytes, params: ScryptParams, nonce: bytes) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": "ed25519",
        "public_key": _b64(public),
        "kdf": {"name": "scrypt", "salt": _b64(salt), "n": params.n, "r": params.r, "p": params.p},
        "cipher": CIPHER,
        "nonce": _b64(nonce),
    }


def seal(key: ed25519.Ed25519PrivateKey, passphrase: str, params: ScryptParams = DEFAULT) -> bytes:
    """The file's bytes for ``key`` under ``passphrase``."""
    refused = params.problem()
    if refused:
        raise SealedKeyError("weak", refused)
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    header = _header(public, salt, params, nonce)
    sealed = AESGCM(_derive(passphrase, salt, params)).encrypt(nonce, raw, canonical_bytes(header))
    body = json.dumps({**header, "ciphertext": _b64(sealed)}, sort_keys=True).encode("ascii")
    encoded = base64.b64encode(body)
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return b"\n".join([BEGIN, *lines, END]) + b"\n"


def _unarmour(data: bytes) -> dict:
    text = data.strip()
    if not (text.startswith(BEGIN) and text.endswith(END)):
        raise SealedKeyError("damaged", "not a dti-desk private key file")
    inner = b"".join(text[len(BEGIN) : -len(END)].split())
    try:
        body = strict_loads(base64.b64decode(inner, validate=True))
    except (binascii.Error, ValueError, CanonicalError) as exc:
        raise SealedKeyError("damaged", f"unreadable private key file: {exc}") from exc
    if not isinstance(body, dict):
        raise SealedKeyError("damaged", "unreadable private key file")
    return body


def _bytes_field(container: dict, name: str, size: int | None = None) -> bytes:
    value = container.get(name)
    if not isinstance(value, str) or len(value) > 4096:
        raise SealedKeyError("damaged", f"private key file: {name} missing")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SealedKeyError("damaged", f"private key file: {name} is not base64") from exc
    if size is not None and len(raw) != size:
        raise SealedKeyError("damaged", f"private key file: {name} has {len(raw)} bytes")
    return raw


def _int_field(kdf: dict, name: str) -> int:
    value = kdf.get(name)
    if type(value) is not int or value < 1:  # bool is not a count
        raise SealedKeyError("damaged", f"private key file: kdf.{name} is not a positive integer")
    return value


def _parse(body: dict) -> tuple[dict, ScryptParams, bytes, bytes, bytes, bytes]:
    if body.get("format") != FORMAT or body.get("kind") != "ed25519":
        raise SealedKeyError("damaged", "not a dti-desk Ed25519 private key file")
    if body.get("version") != VERSION or body.get("cipher") != CIPHER:
        raise SealedKeyError("damaged", f"unknown private key file version {body.get('version')}")
    kdf = body.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise SealedKeyError("damaged", "private key file: unknown key derivation")
    if set(kdf) != {"name", "salt", "n", "r", "p"}:
        raise SealedKeyError("damaged", "private key file: unexpected kdf fields")
    params = ScryptParams(_int_field(kdf, "n"), _int_field(kdf, "r"), _int_field(kdf, "p"))
    refused = params.problem()
    if refused:
        raise SealedKeyError("weak", refused)
    salt = _bytes_field(kdf, "salt")
    if not SALT_BYTES <= len(salt) <= 64:
        raise SealedKeyError("damaged", "private key file: salt length")
    public = _bytes_field(body, "public_key", 32)
    nonce = _bytes_field(body, "nonce", NONCE_BYTES)
    sealed = _bytes_field(body, "ciphertext", 32 + 16)
    header = {name: value for name, value in body.items() if name != "ciphertext"}
    return header, params, salt, public, nonce, sealed


def _open_sealed(data: bytes, passphrase: str) -> OpenedKey:
    header, params, salt, public, nonce, sealed = _parse(_unarmour(data))
    try:
        raw = AESGCM(_derive(passphrase, salt, params)).decrypt(
            nonce, sealed, canonical_bytes(header)
        )
    except InvalidTag as exc:
        raise SealedKeyError("passphrase", "wrong passphrase or changed key file") from exc
    key = ed25519.Ed25519PrivateKey.from_private_bytes(raw)
    derived = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    if derived != public:  # sealed with the header, so only a bug gets here
        raise SealedKeyError("damaged", "private key does not match its public key")
    return OpenedKey(key, needs_upgrade=params.cost < DEFAULT.cost)


def _open_legacy(data: bytes, passphrase: str) -> OpenedKey:
    """PKCS#8 PEM as ``BestAvailableEncryption`` wrote it before this module (the raw UTF-8
    passphrase, not normalised: that is how it was sealed)."""
    try:
        key = serialization.load_pem_private_key(data, passphrase.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise SealedKeyError("passphrase", str(exc)) from exc
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SealedKeyError("damaged", "not an Ed25519 key")
    return OpenedKey(key, needs_upgrade=True)


def open_key(data: bytes, passphrase: str) -> OpenedKey:
    """The key in a key file's ``data``; :class:`SealedKeyError` says why not."""
    if len(data) > MAX_FILE_BYTES:
        raise SealedKeyError("damaged", f"private key file of {len(data)} bytes")
    if data.lstrip().startswith(LEGACY_BEGIN):
        return _open_legacy(data, passphrase)
    return _open_sealed(data, passphrase)
