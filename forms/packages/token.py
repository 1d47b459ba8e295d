"""PKCS#11 USB tokens: list their certificates, sign a package's CMS with the key beside one.

Vietnamese offices sign with certificates on USB tokens (the government CA's, and public CAs'
such as Viettel-CA, VNPT-CA, BkavCA), each CA shipping its own PKCS#11 driver. The private key
never leaves the token: :class:`TokenSigner` sends the CMS signed attributes to the token and
writes the same detached CMS file a PKCS#12 signer writes (``forms.packages.cms_sign``), so the
verifier and the package format do not change.

- The key is found by the certificate's **CKA_ID**, never by label: labels are free text that
  each CA's enrolment tool writes differently, and a key and its certificate often carry
  different ones.
- The PIN is given by the caller for one login and never kept, never retried: three wrong
  PINs lock most tokens, so a wrong one ends the attempt with ``token_pin_incorrect`` and
  what the token says of the attempts left (``CKF_USER_PIN_COUNT_LOW``/``FINAL_TRY``). A token
  that says it is locked is not tried at all.
- Listing needs no PIN (certificates are public objects).
- A key marked ``CKA_ALWAYS_AUTHENTICATE`` (each use needs its own login) is signed with a
  context-specific login (``C_Login(CKU_CONTEXT_SPECIFIC)`` after ``C_SignInit``, python-pkcs11's
  ``sign(..., pin=)``) with the PIN of this signing, held only while the session is open; a
  refused one is ``token_pin_incorrect`` and is not retried.

Binding: python-pkcs11 (wheels for Windows, Linux and macOS; the binding pyHanko's PKCS#11
signer uses, so the PDF's signature goes through the same session). No Qt here.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pkcs11
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass, TokenFlag
from pkcs11 import exceptions as p11
from pkcs11.util.ec import encode_ecdsa_signature

from forms.i18n import _
from forms.packages.cms_sign import detached_signed_data
from forms.packages.format import SIGNATURE_CMS
from forms.packages.signing import (
    KIND_X509,
    SignatureBlob,
    full_key_id,
    short_fingerprint,
    spki_der,
)

# reason codes of TokenError
MODULE = "token_module"  # the driver cannot be loaded or does not answer
ABSENT = "token_absent"  # no token inserted, or not the one asked for
AMBIGUOUS = "token_ambiguous"  # several tokens hold a certificate with that CKA_ID
PIN_INCORRECT = "token_pin_incorrect"
PIN_LOCKED = "token_pin_locked"
PIN_INVALID = "token_pin_invalid"  # empty, too long, or of a length the token refuses
CERT_MISSING = "token_certificate_missing"
KEY_MISSING = "token_key_missing"  # no private key with the certificate's CKA_ID
KEY_MISMATCH = "token_key_mismatch"  # the key with that CKA_ID does not belong to the certificate
KEY_UNSUPPORTED = "token_key_unsupported"  # neither RSA nor EC
SIGN_FAILED = "token_sign_failed"
# the key needs a login per signature (CKA_ALWAYS_AUTHENTICATE) and no PIN is at hand
ALWAYS_AUTHENTICATE = "token_always_authenticate"

MAX_PIN = 64
MAX_CERT_BYTES = 64 * 1024
MAX_OBJECTS = 256  # certificate objects read from one token
_USAGES = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)


class TokenError(Exception):
    """Why the token could not be used: ``code`` (above) and a message for people."""

    def __init__(self, code: str, message: str, where: str = "") -> None:
        self.code = code
        self.message = message
        self.where = where
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class TokenCertificate:
    cka_id: bytes
    label: str
    certificate: x509.Certificate

    @property
    def id_hex(self) -> str:
        return self.cka_id.hex()

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def issuer(self) -> str:
        return self.certificate.issuer.rfc4514_string()

    @property
    def fingerprint(self) -> str:
        return short_fingerprint(spki_der(self.certificate))

    @property
    def is_ca(self) -> bool:
        try:
            return self.certificate.extensions.get_extension_for_class(
                x509.BasicConstraints
            ).value.ca
        except x509.ExtensionNotFound:
            return False

    @property
    def key_usage(self) -> tuple[str, ...]:
        """The keyUsage bits by their RFC 5280 names (empty: no keyUsage, any use)."""
        try:
            usage = self.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            return ()
        return tuple(name for attr, name in _USAGES if getattr(usage, attr))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id_hex,
            "label": self.label,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": format(self.certificate.serial_number, "x"),
            "not_before": self.certificate.not_valid_before_utc.isoformat(),
            "not_after": self.certificate.not_valid_after_utc.isoformat(),
            "key_usage": list(self.key_usage),
            "ca": self.is_ca,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class TokenInfo:
    slot: int
    label: str
    manufacturer: str
    model: str
    serial: str
    flags: int
    certificates: tuple[TokenCertificate, ...]
    unreadable: int = 0  # certificate objects that are not X.509 certificates we can read

    @property
    def pin_locked(self) -> bool:
        return bool(self.flags & TokenFlag.USER_PIN_LOCKED)

    def to_json(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "label": self.label,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "serial": self.serial,
            "pin_warning": pin_warning(self.flags),
            "certificates": [c.to_json() for c in self.certificates],
            "unreadable_certificates": self.unreadable,
        }


def pin_warning(flags: int) -> str | None:
    """What the token's flags say of the PIN attempts left, for people (None: nothing)."""
    if flags & TokenFlag.USER_PIN_LOCKED:
        return _("Token đã bị khóa do nhập sai mã PIN nhiều lần: liên hệ nơi cấp chứng thư số")
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return _("Chỉ còn MỘT lần nhập mã PIN: nhập sai lần nữa token sẽ bị khóa")
    if flags & TokenFlag.USER_PIN_COUNT_LOW:
        return _("Token báo đã có lần nhập sai mã PIN: còn ít lần thử trước khi bị khóa")
    return None


# --- the driver -------------------------------------------------------------------------

_lock = threading.Lock()
_users: dict[str, int] = {}  # module path -> open uses; finalised when the last one ends


@contextmanager
def _module(path: str) -> Iterator[Any]:
    """The loaded driver for the time of one use. C_Finalize after the last use: a token
    pulled out and put back is seen again, and nothing stays logged in."""
    if not os.path.isfile(path):
        raise TokenError(MODULE, _("Không tìm thấy trình điều khiển token {path}", path=path), path)
    with _lock:
        try:
            lib = pkcs11.lib(path)
        except (p11.PKCS11Error, OSError, RuntimeError) as exc:
            raise TokenError(
                MODULE,
                _("Không nạp được trình điều khiển token {path}: {error}", path=path, error=exc),
                path,
            ) from exc
        _users[path] = _users.get(path, 0) + 1
    try:
        yield lib
    finally:
        with _lock:
            _users[path] -= 1
            if _users[path] == 0:
                del _users[path]
                with suppress(p11.PKCS11Error):  # nothing more to release
                    lib.finalize()


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value).strip()


def _certificates(session: Any) -> tuple[list[TokenCertificate], int]:
    found: list[TokenCertificate] = []
    unreadable = 0
    for index, obj in enumerate(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})):
        if index >= MAX_OBJECTS:
            break
        try:
            der = obj[Attribute.VALUE]
            cka_id = bytes(obj[Attribute.ID])
            label = _text(obj[Attribute.LABEL])
            if len(der) > MAX_CERT_BYTES:
                raise ValueError("certificate too large")
            found.append(TokenCertificate(cka_id, label, x509.load_der_x509_certificate(der)))
        except (ValueError, p11.PKCS11Error):
            unreadable += 1
    return found, unreadable


def _token_info(slot: Any, token: Any) -> TokenInfo:
    with token.open() as session:  # public objects only: no PIN
        certificates, unreadable = _certificates(session)
    return TokenInfo(
        slot=int(slot.slot_id),
        label=_text(token.label),
        manufacturer=_text(token.manufacturer_id),
        model=_text(token.model),
        serial=_text(token.serial),
        flags=int(token.flags),
        certificates=tuple(certificates),
        unreadable=unreadable,
    )


def _driver_error(exc: Exception) -> TokenError:
    return TokenError(
        MODULE, _("Trình điều khiển token báo lỗi: {error}", error=type(exc).__name__)
    )


def _tokens(lib: Any) -> list[tuple[Any, Any]]:
    try:
        slots = lib.get_slots(token_present=True)
        pairs = [(slot, slot.get_token()) for slot in slots]
    except p11.PKCS11Error as exc:
        raise _driver_error(exc) from exc
    return [(s, t) for s, t in pairs if t.flags & TokenFlag.TOKEN_INITIALIZED]


def list_tokens(module_path: str) -> list[TokenInfo]:
    """Every initialised token the driver sees, with its certificates."""
    with _module(module_path) as lib:
        try:
            return [_token_info(slot, token) for slot, token in _tokens(lib)]
        except p11.PKCS11Error as exc:
            raise _driver_error(exc) from exc


# --- signing ----------------------------------------------------------------------------


def _choose(lib: Any, serial: str | None, cert_id: bytes | None) -> tuple[Any, Any, TokenInfo]:
    try:
        found = [(slot, token, _token_info(slot, token)) for slot, token in _tokens(lib)]
    except p11.PKCS11Error as exc:
        raise _driver_error(exc) from exc
    if not found:
        raise TokenError(ABSENT, _("Không thấy token nào: hãy cắm USB token rồi thử lại"))
    if serial is not None:
        found = [f for f in found if f[2].serial == serial]
        if not found:
            raise TokenError(ABSENT, _("Không thấy token số sê-ri {serial}", serial=serial))
    if cert_id is not None:
        found = [f for f in found if any(c.cka_id == cert_id for c in f[2].certificates)]
        if not found:
            raise TokenError(
                CERT_MISSING,
                _("Không có chứng thư số mã {id} trên token", id=cert_id.hex()),
                cert_id.hex(),
            )
    if len(found) > 1:
        raise TokenError(
            AMBIGUOUS,
            _("Có {count} token phù hợp: hãy chọn theo số sê-ri", count=len(found)),
        )
    return found[0]


def _login(slot: Any, token: Any, pin: str) -> Any:
    """One login with ``pin``; never a second attempt."""
    if not pin or len(pin) > MAX_PIN:
        raise TokenError(PIN_INVALID, _("Mã PIN trống hoặc quá dài: chưa thử đăng nhập token"))
    if token.flags & TokenFlag.USER_PIN_LOCKED:
        raise TokenError(PIN_LOCKED, pin_warning(token.flags) or "")
    try:
        return token.open(user_pin=pin)
    except p11.PinIncorrect:
        try:
            warning = pin_warning(int(slot.get_token().flags))
        except p11.PKCS11Error:
            warning = None
        message = _("Mã PIN không đúng: chưa ký gì, và không tự thử lại")
        raise TokenError(PIN_INCORRECT, f"{message}. {warning}" if warning else message) from None
    except p11.PinLocked:
        raise TokenError(PIN_LOCKED, pin_warning(TokenFlag.USER_PIN_LOCKED) or "") from None
    except (p11.PinLenRange, p11.PinInvalid):
        raise TokenError(PIN_INVALID, _("Token không nhận mã PIN có độ dài này")) from None
    except p11.PKCS11Error as exc:
        raise _driver_error(exc) from exc


def _issuers(
    leaf: x509.Certificate, candidates: tuple[TokenCertificate, ...]
) -> list[x509.Certificate]:
    """The CA certificates on the token above ``leaf``, nearest first (many tokens carry them)."""
    chain: list[x509.Certificate] = []
    current = leaf
    while current.issuer != current.subject and len(chain) < 8:
        parent = next(
            (c.certificate for c in candidates
             if c.is_ca and c.certificate.subject == current.issuer and c.certificate not in chain),
            None,
        )  # fmt: skip
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return chain


class TokenSession:
    """A logged-in session on one token (from :func:`open_token`)."""

    def __init__(self, info: TokenInfo, session: Any, pin: str | None = None) -> None:
        self.info = info
        self.session = session  # python-pkcs11's, for pyHanko's PKCS#11 signer
        # for keys that need a context-specific login per signature; gone with the session
        self._pin = pin

    def certificate(self, cert_id: bytes) -> TokenCertificate:
        for entry in self.info.certificates:
            if entry.cka_id == cert_id:
                return entry
        raise TokenError(
            CERT_MISSING,
            _("Không có chứng thư số mã {id} trên token", id=cert_id.hex()),
            cert_id.hex(),
        )

    def signer(self, cert_id: bytes) -> TokenSigner:
        entry = self.certificate(cert_id)
        chain = _issuers(entry.certificate, self.info.certificates)
        return TokenSigner(self.session, entry, chain, self._pin)


@contextmanager
def open_token(
    module_path: str, pin: str, *, cert_id: bytes | None = None, serial: str | None = None
) -> Iterator[TokenSession]:
    """Log in once to the token that holds ``cert_id`` (or has ``serial``; or the only one)."""
    with _module(module_path) as lib:
        slot, token, info = _choose(lib, serial, cert_id)
        session = _login(slot, token, pin)
        try:
            yield TokenSession(info, session, pin)
        finally:
            with suppress(p11.PKCS11Error):  # the token was pulled out: nothing left to close
                session.close()


def _always_authenticate(key: Any) -> bool:
    """Whether each signature with ``key`` needs its own login (a token that does not know
    the attribute, PKCS#11 before 2.20, says no)."""
    try:
        return bool(key[Attribute.ALWAYS_AUTHENTICATE])
    except (p11.AttributeTypeInvalid, p11.AttributeSensitive):
        return False
    except p11.PKCS11Error as exc:
        raise _driver_error(exc) from exc


class TokenSigner:
    """Signs a package's CMS with the token's key whose CKA_ID is the certificate's."""

    kind = KIND_X509

    def __init__(
        self,
        session: Any,
        entry: TokenCertificate,
        chain: list[x509.Certificate],
        pin: str | None = None,
    ) -> None:
        self.session = session  # for pyHanko's PKCS#11 signer (forms.pdf_signature)
        self.entry = entry
        self.certificate = entry.certificate
        self.chain = chain
        spki = spki_der(entry.certificate)
        self.fingerprint = short_fingerprint(spki)
        self.key_id = full_key_id(spki)
        public = entry.certificate.public_key()
        try:
            self._key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=entry.cka_id)
        except (p11.NoSuchKey, p11.MultipleObjectsReturned) as exc:
            raise TokenError(
                KEY_MISSING,
                _(
                    "Token không có đúng một khóa bí mật mã {id} đi kèm chứng thư số {subject}",
                    id=entry.id_hex,
                    subject=entry.subject,
                ),
                entry.id_hex,
            ) from exc
        except p11.PKCS11Error as exc:
            raise _driver_error(exc) from exc
        wanted = {rsa.RSAPublicKey: KeyType.RSA, ec.EllipticCurvePublicKey: KeyType.EC}
        kind = next((v for k, v in wanted.items() if isinstance(public, k)), None)
        if kind is None or self._key.key_type != kind:
            raise TokenError(
                KEY_UNSUPPORTED if kind is None else KEY_MISMATCH,
                _("Khóa mã {id} trên token không khớp chứng thư số (hoặc không phải RSA/EC)",
                  id=entry.id_hex),
                entry.id_hex,
            )  # fmt: skip
        self._public = public
        self.always_authenticate = _always_authenticate(self._key)
        if self.always_authenticate and not pin:
            raise TokenError(
                ALWAYS_AUTHENTICATE,
                _("Khóa mã {id} trên token đòi nhập mã PIN cho mỗi lần ký (CKA_ALWAYS_AUTHENTICATE) nhưng chưa có mã PIN",
                  id=entry.id_hex),
                entry.id_hex,
            )  # fmt: skip
        # what each C_Sign needs: the context-specific login's PIN for such a key, else nothing
        self.sign_kwargs: dict[str, Any] = {"pin": pin} if self.always_authenticate else {}

    def raw_sign(self, data: bytes) -> bytes:
        """SHA-256 signature of ``data`` by the token's key, in CMS form, checked against the
        certificate before it is used (a token whose key and certificate do not pair fails here,
        not at the collector)."""
        try:
            if isinstance(self._public, rsa.RSAPublicKey):
                signature = bytes(
                    self._key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS, **self.sign_kwargs)
                )
                self._public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            else:
                assert isinstance(self._public, ec.EllipticCurvePublicKey)
                digest = hashlib.sha256(data).digest()
                raw = bytes(self._key.sign(digest, mechanism=Mechanism.ECDSA, **self.sign_kwargs))
                signature = encode_ecdsa_signature(raw)
                self._public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as exc:
            raise TokenError(
                KEY_MISMATCH,
                _("Khóa mã {id} trên token không khớp chứng thư số (hoặc không phải RSA/EC)",
                  id=self.entry.id_hex),
                self.entry.id_hex,
            ) from exc  # fmt: skip
        except p11.PinIncorrect:  # the context-specific login: one attempt, as the first
            raise TokenError(
                PIN_INCORRECT, _("Mã PIN không đúng: chưa ký gì, và không tự thử lại")
            ) from None
        except p11.PinLocked:
            raise TokenError(PIN_LOCKED, pin_warning(TokenFlag.USER_PIN_LOCKED) or "") from None
        except p11.PKCS11Error as exc:
            raise TokenError(
                SIGN_FAILED, _("Token không ký được: {error}", error=type(exc).__name__)
            ) from exc
        return signature

    def sign(self, data: bytes, signing_time: datetime | None = None) -> SignatureBlob:
        blob = detached_signed_data(data, self.certificate, self.chain, self.raw_sign, signing_time)
        return SignatureBlob(KIND_X509, SIGNATURE_CMS, blob)
