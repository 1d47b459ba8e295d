"""The trust registry's file format: what an entry, an anchor and a registry file hold, and
reading them with every entry checked against its own key (why: ``forms.packages.trust``'s
docstring). ``TrustRegistry`` (``forms.packages.trust``) is built from what this reads.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from forms.canonical import CanonicalError
from forms.i18n import _
from forms.packages import format as fmt
from forms.packages.signing import (
    KIND_ED25519,
    KIND_X509,
    full_key_id,
    short_fingerprint,
    spki_der,
)
from forms.problems import Problem

REGISTRY_FORMAT = "dti-trust-registry"
EXPORT_FORMAT = "dti-trust-export"
REGISTRY_VERSION = 2  # 2: every entry has roles; 1: none has (see forms.packages.trust's docstring)
# the reviewers' registry in the data folder: local_db.paths.REVIEWERS_FILE (the core cannot
# import storage; tests/local_db/test_paths.py holds the two equal)
REVIEWERS_FILE = "reviewers.json"
MAX_TRUST_BYTES = 8 * 1024 * 1024  # a province's 3,321 units take about 1.5 MB

ROLE_SUBMISSION = "submission"
ROLE_BUNDLE = "bundle"
ROLE_REVIEW = "review"
# issue 16: the province's signed data file (.dtidata), the values a commune cannot type;
# a role of its own, so that a reviewer's key cannot set a denominator that scoring reads
ROLE_PROVINCE_DATA = "province_data"
ROLES = (ROLE_BUNDLE, ROLE_PROVINCE_DATA, ROLE_REVIEW, ROLE_SUBMISSION)  # sorted, as stored
ANY_UNIT = "*"  # in a reviewers' registry: the key may review every unit

_ENTRY_FIELDS = {"unit", "kind", "key_id", "fingerprint", "public", "label", "roles"}
_REGISTRY_FIELDS = {"format", "version", "entries", "anchors", "crls"}
EXPORT_FIELDS = {"format", "exported_at", "registry", "signature_kind", "signature"}


class TrustError(Exception):
    """Unreadable registry or export, bad entry, bad signature, unexpected signer.

    ``str()`` is a Vietnamese message naming the file part and the reason; ``code`` is stable:
    ``trust_invalid``, ``trust_entry_invalid``, ``trust_entry_mismatch``, ``trust_export_invalid``,
    ``trust_signature_invalid``, ``trust_signer_unexpected``, or a ``forms.inbound`` code."""

    def __init__(self, message: str, code: str = "trust_invalid", where: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.where = where

    @property
    def problem(self) -> Problem:
        return Problem(self.code, str(self), self.where)


@dataclass(frozen=True)
class TrustEntry:
    unit: str
    kind: str  # ed25519 | x509
    key_id: str  # sha256 hex of the public key (raw Ed25519, or the certificate's SPKI DER)
    fingerprint: str  # short form of key_id, for people
    public: str  # base64 raw key (ed25519) or the certificate PEM (x509)
    label: str = ""
    roles: tuple[str, ...] = (ROLE_SUBMISSION,)  # sorted, a subset of ROLES


@dataclass(frozen=True)
class Anchor:
    fingerprint: str
    certificate: x509.Certificate = field(compare=False)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()


def normalise_fingerprint(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch in "0123456789ABCDEF")


def cert_fingerprint(certificate: x509.Certificate) -> str:
    return short_fingerprint(certificate.public_bytes(serialization.Encoding.DER))


def load_certificate(data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise TrustError(
            _("Không phải chứng thư số (PEM hoặc DER): {error}", error=str(exc)[:200])
        ) from exc


# --- reading an entry ---------------------------------------------------------------------


class _Bad(Exception):
    """One entry field that cannot be used: ``field`` names it."""

    def __init__(self, field_name: str) -> None:
        self.field = field_name


def _sorted_roles(value: Any) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(r, str) and r in ROLES for r in value)
        or len(set(value)) != len(value)
    ):
        raise _Bad("roles")
    return tuple(sorted(value))


def _key_material(kind: str, public: str) -> bytes:
    """The bytes key_id and fingerprint are the hash of: the raw Ed25519 key, or the SPKI DER
    of the certificate."""
    try:
        if kind == KIND_ED25519:
            raw = base64.b64decode(public, validate=True)
            if len(raw) != 32:
                raise _Bad("public")
            return raw
        return spki_der(x509.load_pem_x509_certificate(public.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise _Bad("public") from None


def _entry_invalid(index: int, shown: str, field_name: str, where: str) -> TrustError:
    return TrustError(
        _(
            "Mục thứ {number} (đơn vị {unit}) của danh sách tin cậy: trường {field} thiếu hoặc sai",
            number=index + 1,
            unit=shown,
            field=field_name,
        ),
        "trust_entry_invalid",
        f"{where}.{field_name}",
    )


def _no_unknown_fields(index: int, raw: dict[str, Any], shown: str, where: str) -> None:
    unknown = sorted(set(raw) - _ENTRY_FIELDS)
    if unknown:
        raise TrustError(
            _(
                "Mục thứ {number} (đơn vị {unit}) của danh sách tin cậy có trường lạ {field}: không đọc (có thể do phiên bản mới hơn ghi)",
                number=index + 1,
                unit=shown,
                field=unknown[0][:80],
            ),
            "trust_entry_invalid",
            f"{where}.{unknown[0][:80]}",
        )


def _fields(raw: dict[str, Any]) -> tuple[str, str, str, str, str, str]:
    """``(unit, kind, key_id, fingerprint, public, label)``, each of its type; raises ``_Bad``."""
    unit = raw.get("unit")
    if not isinstance(unit, str) or not unit or unit.strip() != unit:
        raise _Bad("unit")
    kind, key_id = raw.get("kind"), raw.get("key_id")
    fingerprint, public, label = raw.get("fingerprint"), raw.get("public"), raw.get("label", "")
    if kind not in (KIND_ED25519, KIND_X509):
        raise _Bad("kind")
    if not isinstance(key_id, str) or not fmt.SHA256_HEX.fullmatch(key_id):
        raise _Bad("key_id")
    if not isinstance(fingerprint, str):
        raise _Bad("fingerprint")
    if not isinstance(public, str):
        raise _Bad("public")
    if not isinstance(label, str):
        raise _Bad("label")
    return unit, kind, key_id, fingerprint, public, label


def _roles(raw: dict[str, Any], unit: str, legacy_roles: tuple[str, ...] | None) -> tuple[str, ...]:
    if legacy_roles is None:
        return _sorted_roles(raw.get("roles"))
    if "roles" in raw:
        raise _Bad("roles")  # a version 1 file has none: one meaning per version
    return (ROLE_REVIEW,) if unit == ANY_UNIT else legacy_roles


def _own_key(
    index: int, unit: str, key_id: str, fingerprint: str, material: bytes, where: str
) -> None:
    """The phone check compares the fingerprint, the verifier the key_id: both must be the
    key's own, or the person checking and the code checking see different keys."""
    for name, claimed, actual in (
        ("key_id", key_id, full_key_id(material)),
        ("fingerprint", fingerprint, short_fingerprint(material)),
    ):
        if claimed != actual:
            raise TrustError(
                _(
                    "Mục thứ {number} (đơn vị {unit}) của danh sách tin cậy: {field} ghi {claimed} nhưng khóa công khai của mục là {actual}: không tin cậy tệp này",
                    number=index + 1,
                    unit=unit,
                    field=name,
                    claimed=claimed[:80],
                    actual=actual,
                ),
                "trust_entry_mismatch",
                f"{where}.{name}",
            )


def entry_from(index: int, raw: Any, legacy_roles: tuple[str, ...] | None) -> TrustEntry:
    """The entry at ``entries[index]``, checked against its own key; ``legacy_roles`` is None
    for a version 2 file (roles required), else what an entry without roles gets."""
    where = f"entries[{index}]"
    if not isinstance(raw, dict):
        raise TrustError(
            _(
                "Mục thứ {number} của danh sách tin cậy không phải một đối tượng JSON",
                number=index + 1,
            ),
            "trust_entry_invalid",
            where,
        )
    unit = raw.get("unit")
    shown = unit if isinstance(unit, str) and unit.strip() else "?"
    try:
        _no_unknown_fields(index, raw, shown, where)
        unit, kind, key_id, fingerprint, public, label = _fields(raw)
        roles = _roles(raw, unit, legacy_roles)
        material = _key_material(kind, public)
    except _Bad as bad:
        raise _entry_invalid(index, shown, bad.field, where) from None
    _own_key(index, unit, key_id, fingerprint, material, where)
    return TrustEntry(unit, kind, key_id, fingerprint, public, label, roles)


def _field_error(name: str) -> TrustError:
    return TrustError(
        _("Danh sách tin cậy: trường {field} thiếu hoặc sai", field=name), "trust_invalid", name
    )


def crl_pems(crls: list[x509.CertificateRevocationList]) -> list[str]:
    """The CRLs as the registry file holds them: PEM text, sorted by issuer."""
    ordered = sorted(crls, key=lambda c: c.issuer.rfc4514_string())
    return [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in ordered]


def _crls(body: dict[str, Any]) -> list[x509.CertificateRevocationList]:
    pems = body.get("crls", [])
    if not isinstance(pems, list):
        raise _field_error("crls")
    crls = []
    for index, pem in enumerate(pems):
        try:
            if not isinstance(pem, str):
                raise ValueError("not text")
            crls.append(x509.load_pem_x509_crl(pem.encode("ascii")))
        except (ValueError, UnicodeError):
            raise TrustError(
                _(
                    "Danh sách thu hồi (CRL) thứ {number} trong danh sách tin cậy không đọc được",
                    number=index + 1,
                ),
                "trust_invalid",
                f"crls[{index}]",
            ) from None
    return crls


def registry_parts(
    body: Any, legacy_roles: tuple[str, ...]
) -> tuple[list[TrustEntry], list[x509.Certificate], list[x509.CertificateRevocationList]]:
    """The entries, anchors and CRLs of a registry body, each checked (``TrustRegistry`` is
    built from them); ``legacy_roles``: what an entry of a version 1 file gets."""
    if not isinstance(body, dict) or body.get("format") != REGISTRY_FORMAT:
        raise TrustError(_("Tệp không phải danh sách tin cậy của dti-desk"), "trust_invalid")
    unknown = sorted(set(body) - _REGISTRY_FIELDS)
    if unknown:
        raise TrustError(
            _(
                "Danh sách tin cậy có trường lạ {field}: không đọc (có thể do phiên bản mới hơn ghi)",
                field=unknown[0][:80],
            ),
            "trust_invalid",
            unknown[0][:80],
        )
    version = body.get("version")
    if type(version) is not int or version not in (1, REGISTRY_VERSION):
        raise TrustError(
            _(
                "Phiên bản danh sách tin cậy {version} không được hỗ trợ",
                version=str(version)[:20],
            ),
            "trust_invalid",
            "version",
        )
    items, pems = body.get("entries"), body.get("anchors", [])
    if not isinstance(items, list):
        raise _field_error("entries")
    if not isinstance(pems, list):
        raise _field_error("anchors")
    legacy = legacy_roles if version == 1 else None
    entries = [entry_from(i, item, legacy) for i, item in enumerate(items)]
    anchors: list[x509.Certificate] = []
    for index, pem in enumerate(pems):
        try:
            if not isinstance(pem, str):
                raise ValueError("not text")
            anchors.append(x509.load_pem_x509_certificate(pem.encode("ascii")))
        except (ValueError, UnicodeError):
            raise TrustError(
                _(
                    "Chứng thư gốc thứ {number} trong danh sách tin cậy không đọc được",
                    number=index + 1,
                ),
                "trust_invalid",
                f"anchors[{index}]",
            ) from None
    return entries, anchors, _crls(body)


def json_error(exc: CanonicalError, code: str) -> TrustError:
    if exc.reason == "duplicate_key":
        message = _(
            "Danh sách tin cậy có khóa JSON {key} lặp lại: không đọc (mỗi trường chỉ một lần)",
            key=exc.detail,
        )
    elif exc.reason in ("not_canonical", "not_nfc"):
        message = _(
            "Phần có chữ ký của danh sách tin cậy không ở dạng chuẩn (JSON chuẩn tắc): không nhập"
        )
    else:
        message = _(
            "Danh sách tin cậy không phải JSON UTF-8 hợp lệ: {error}",
            error=exc.detail or exc.reason,
        )
    return TrustError(message, code)
