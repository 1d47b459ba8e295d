"""Which keys and certificates may sign what, for which unit (the collector's and province's registry).

Stored as JSON (``<data_dir>/trust.json``; reviewers in ``<data_dir>/reviewers.json``). Entries
name a unit, a public key (Ed25519 raw key or an X.509 certificate, matched by the sha256 of its
public key so a renewed certificate for the same key still matches) and the *roles* the key has
there: ``submission`` (a commune's package), ``bundle`` (a collector's bundle), ``review`` (a
province's review; unit ``*`` = every unit). Anchors are CA certificates that X.509 signer chains
must lead to. The province hands the registry to collectors as a *signed export* that is checked
on import against a fingerprint read over the phone.

A registry is a file from outside, and what it says is what people compare over the phone, so
on load every entry is checked against its own key: ``key_id`` and ``fingerprint`` are
recomputed from the public key or certificate and any difference refuses the whole file
(``trust_entry_mismatch``); fields of the wrong type, and fields this version does not know,
are refused too (``trust_entry_invalid``): an unknown field may be a restriction a newer
version wrote, and ignoring it would widen trust silently.

Files written before roles existed (``version`` 1, no ``roles``): their entries get the role the
file was used for, never more. ``reviewers.json`` only ever held reviewer keys, and ``*`` only
ever meant "reviews every unit": those get ``review``; every other entry gets ``submission``
(so a collector's key trusted only for bundles must be added again with ``--role bundle``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from forms.atomic import write_bytes_atomic
from forms.canonical import CanonicalError, canonical_bytes, parse_canonical, strict_loads
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.packages.format import SIGNATURE_CMS, SIGNATURE_ED25519
from forms.packages.revocation import RevocationLists
from forms.packages.signing import (
    KIND_ED25519,
    KIND_X509,
    SignatureError,
    Signer,
    SignerInfo,
    full_key_id,
    short_fingerprint,
    spki_der,
    verify_signature,
)
from forms.packages.trust_file import (
    ANY_UNIT,
    EXPORT_FIELDS,
    EXPORT_FORMAT,
    MAX_TRUST_BYTES,
    REGISTRY_FORMAT,
    REGISTRY_VERSION,
    REVIEWERS_FILE,
    ROLE_BUNDLE,
    ROLE_PROVINCE_DATA,
    ROLE_REVIEW,
    ROLE_SUBMISSION,
    ROLES,
    Anchor,
    TrustEntry,
    TrustError,
    cert_fingerprint,
    crl_pems,
    json_error,
    load_certificate,
    normalise_fingerprint,
    registry_parts,
)

__all__ = [
    "ANY_UNIT",
    "EXPORT_FORMAT",
    "MAX_TRUST_BYTES",
    "REGISTRY_FORMAT",
    "REGISTRY_VERSION",
    "REVIEWERS_FILE",
    "ROLES",
    "ROLE_BUNDLE",
    "ROLE_PROVINCE_DATA",
    "ROLE_REVIEW",
    "ROLE_SUBMISSION",
    "Anchor",
    "Standing",
    "TrustEntry",
    "TrustError",
    "TrustRegistry",
    "cert_fingerprint",
    "legacy_roles_for",
    "load_certificate",
    "normalise_fingerprint",
    "role_label",
    "wrong_role_message",
]


# roles whose ``*`` entry means every unit: a province's reviewer, and its data office
_ANY_UNIT_ROLES = (ROLE_REVIEW, ROLE_PROVINCE_DATA)


def role_label(role: str) -> str:
    """What a role allows, for people."""
    labels = {
        ROLE_SUBMISSION: _("ký gói tự đánh giá"),
        ROLE_BUNDLE: _("ký gói chuyển tiếp"),
        ROLE_REVIEW: _("ký phiếu thẩm định"),
        ROLE_PROVINCE_DATA: _("ký tệp dữ liệu tỉnh cung cấp"),
    }
    return labels.get(role, role)


@dataclass(frozen=True)
class Standing:
    """A signer's standing: ``trusted``, ``unknown`` (no entry at all), ``wrong_role`` (trusted
    for something else) or ``not_for_unit``; ``units`` it may sign for in the role asked."""

    verdict: str
    units: set[str]


def wrong_role_message(fingerprint: str, role: str) -> str:
    """The one wording for a trusted key used for something its entries do not allow."""
    return _(
        "Khóa {fingerprint} có trong danh sách tin cậy nhưng không có vai trò {role} ({meaning})",
        fingerprint=fingerprint,
        role=role,
        meaning=role_label(role),
    )


def legacy_roles_for(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """The role of an entry without roles in the registry file at ``path`` (see the module
    docstring): what that file has always been used for."""
    return (ROLE_REVIEW,) if Path(path).name == REVIEWERS_FILE else (ROLE_SUBMISSION,)


def _unpickle_registry(
    entries: list[TrustEntry], anchor_ders: list[bytes], crl_ders: Iterable[bytes] = ()
) -> TrustRegistry:
    return TrustRegistry(
        entries,
        [x509.load_der_x509_certificate(d) for d in anchor_ders],
        [x509.load_der_x509_crl(d) for d in crl_ders],
    )


class TrustRegistry:
    def __init__(
        self,
        entries: Iterable[TrustEntry] = (),
        anchors: Iterable[x509.Certificate] = (),
        crls: Iterable[x509.CertificateRevocationList] = (),
    ) -> None:
        self.entries: list[TrustEntry] = []
        self.anchors: list[Anchor] = []
        # CRL files the province imported (``trust import-crl``): every verification that is
        # given this registry checks certificate signers against them (forms.packages.revocation)
        self.crls: list[x509.CertificateRevocationList] = []
        self._units: dict[str, set[str]] = {}  # key_id -> units, any role
        self._by_role: dict[str, dict[str, set[str]]] = {role: {} for role in ROLES}
        self._at: dict[tuple[str, str], int] = {}  # (unit, key_id) -> index in entries
        for entry in entries:
            self._add(entry)
        for certificate in anchors:
            self.add_anchor(certificate)
        for crl in crls:
            self.add_crl(crl)

    def __reduce__(self) -> tuple[object, tuple[list[TrustEntry], list[bytes], list[bytes]]]:
        # Pickled for the collector's verification workers. Certificates do not pickle: they
        # travel as DER. Pickling is ~6x cheaper than to_bytes() for a province's registry.
        ders = [a.certificate.public_bytes(serialization.Encoding.DER) for a in self.anchors]
        crls = [c.public_bytes(serialization.Encoding.DER) for c in self.crls]
        return _unpickle_registry, (list(self.entries), ders, crls)

    # --- queries ------------------------------------------------------------------------

    def units_for(self, key_id: str, role: str | None = None) -> set[str]:
        """The units ``key_id`` may sign for in ``role`` (any role when None). Runs per
        package: two dict lookups, nothing copied."""
        units = self._units if role is None else self._by_role[role]
        return units.get(key_id) or set()

    def standing(self, key_id: str, role: str, unit: str | None = None) -> Standing:
        """What this registry says of ``key_id`` signing in ``role`` for ``unit`` (None: for
        whichever unit it names, as a collector's bundle does). The one decision behind every
        verifier's trust check; each words the outcome for its own file. A reviewer listed for
        ``*`` may review every unit; nobody else signs for a unit it is not listed for."""
        allowed = self.units_for(key_id, role)
        if allowed and (
            unit is None or unit in allowed or (role in _ANY_UNIT_ROLES and ANY_UNIT in allowed)
        ):
            return Standing("trusted", allowed)
        known = self.units_for(key_id)
        if not known:
            return Standing("unknown", allowed)
        if not allowed or unit in known:  # trusted, but for another role
            return Standing("wrong_role", allowed)
        return Standing("not_for_unit", allowed)

    def anchor_certificates(self) -> list[x509.Certificate]:
        return [a.certificate for a in self.anchors]

    def revocation(self) -> RevocationLists | None:
        """The imported CRLs as the verifiers take them (None: none imported)."""
        return RevocationLists(tuple(self.crls)) if self.crls else None

    # --- changes ------------------------------------------------------------------------

    def _add(self, entry: TrustEntry) -> bool:
        """Add ``entry``, or give the key's existing entry for that unit its roles too;
        False when nothing changed."""
        at = self._at.get((entry.unit, entry.key_id))
        if at is None:
            self._at[entry.unit, entry.key_id] = len(self.entries)
            self.entries.append(entry)
        else:
            old = self.entries[at]
            roles = tuple(sorted(set(old.roles) | set(entry.roles)))
            if roles == old.roles:
                return False
            entry = self.entries[at] = replace(old, roles=roles)
        self._units.setdefault(entry.key_id, set()).add(entry.unit)
        for role in entry.roles:
            self._by_role[role].setdefault(entry.key_id, set()).add(entry.unit)
        return True

    def _added(self, entry: TrustEntry) -> TrustEntry:
        self._add(entry)
        return self.entries[self._at[entry.unit, entry.key_id]]

    def add_key(
        self,
        unit: str,
        public_raw: bytes,
        label: str = "",
        roles: Iterable[str] = (ROLE_SUBMISSION,),
    ) -> TrustEntry:
        """Trust an Ed25519 key for ``unit`` in ``roles`` (added to any it already has)."""
        return self._added(
            TrustEntry(
                unit,
                KIND_ED25519,
                full_key_id(public_raw),
                short_fingerprint(public_raw),
                base64.b64encode(public_raw).decode("ascii"),
                label,
                _checked_roles(roles),
            )
        )

    def add_certificate(
        self,
        unit: str,
        certificate: x509.Certificate,
        label: str = "",
        roles: Iterable[str] = (ROLE_SUBMISSION,),
    ) -> TrustEntry:
        spki = spki_der(certificate)
        pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return self._added(
            TrustEntry(
                unit,
                KIND_X509,
                full_key_id(spki),
                short_fingerprint(spki),
                pem,
                label or certificate.subject.rfc4514_string(),
                _checked_roles(roles),
            )
        )

    def add_anchor(self, certificate: x509.Certificate) -> Anchor:
        anchor = Anchor(cert_fingerprint(certificate), certificate)
        if anchor not in self.anchors:
            self.anchors.append(anchor)
        return anchor

    def add_crl(self, crl: x509.CertificateRevocationList) -> bool:
        """Keep ``crl``, in place of an older one from the same issuer (by ``lastUpdate``);
        False when the registry already holds it or a newer one from that issuer."""
        for index, held in enumerate(self.crls):
            if held.issuer == crl.issuer:
                if crl.last_update_utc <= held.last_update_utc:
                    return False
                self.crls[index] = crl
                return True
        self.crls.append(crl)
        return True

    def remove(self, fingerprint: str, unit: str | None = None) -> int:
        """Remove entries (and anchors) whose fingerprint or key id matches; returns how many."""
        wanted = normalise_fingerprint(fingerprint)

        def matches(fp: str, key_id: str) -> bool:
            return bool(wanted) and (
                normalise_fingerprint(fp) == wanted or key_id.upper() == wanted
            )

        keep = [
            e
            for e in self.entries
            if not (matches(e.fingerprint, e.key_id) and (unit is None or e.unit == unit))
        ]
        kept_anchors = [
            a for a in self.anchors if unit is not None or not matches(a.fingerprint, "")
        ]
        removed = len(self.entries) - len(keep) + len(self.anchors) - len(kept_anchors)
        self.__init__(keep, [a.certificate for a in kept_anchors], list(self.crls))  # type: ignore[misc]
        return removed

    def merge(self, other: TrustRegistry) -> int:
        """Add ``other``'s entries and anchors; returns how many entries were new or gained
        a role, plus new anchors."""
        added = sum(self._add(e) for e in other.entries)
        for anchor in other.anchors:
            if anchor not in self.anchors:
                self.anchors.append(anchor)
                added += 1
        return added + sum(self.add_crl(c) for c in other.crls)

    # --- files --------------------------------------------------------------------------

    def _body(self) -> dict[str, Any]:
        return {
            "format": REGISTRY_FORMAT,
            "version": REGISTRY_VERSION,
            "entries": [asdict(e) for e in sorted(self.entries, key=lambda e: (e.unit, e.key_id))],
            "anchors": [
                a.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
                for a in sorted(self.anchors, key=lambda a: a.fingerprint)
            ],
            # only when there are: a file without CRLs reads as before in older versions
            **({"crls": crl_pems(self.crls)} if self.crls else {}),
        }

    def to_bytes(self) -> bytes:
        """The registry file: readable (indented); signed exports use the canonical form."""
        return (
            json.dumps(self._body(), ensure_ascii=False, sort_keys=True, indent=1) + "\n"
        ).encode("utf-8")

    @classmethod
    def from_bytes(
        cls, data: bytes, legacy_roles: tuple[str, ...] = (ROLE_SUBMISSION,)
    ) -> TrustRegistry:
        """Read and check a registry; ``legacy_roles`` is what an entry of a version 1 file
        (written before roles) may do. Raises :class:`TrustError`."""
        try:
            body = strict_loads(data)
        except CanonicalError as exc:
            raise json_error(exc, "trust_invalid") from None
        return TrustRegistry(*registry_parts(body, legacy_roles))

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], legacy_roles: tuple[str, ...] | None = None
    ) -> TrustRegistry:
        """The registry at ``path``; an empty one if the file does not exist yet. Read as a
        file from outside (regular file, at most ``MAX_TRUST_BYTES``); an old file's entries
        get :func:`legacy_roles_for` the path unless ``legacy_roles`` says otherwise."""
        try:
            data = read_inbound(path, MAX_TRUST_BYTES)
        except InboundRejected as exc:
            if exc.problem.code == "file_unreadable" and not os.path.lexists(path):
                return cls()
            raise TrustError(exc.problem.message, exc.problem.code, exc.problem.where) from None
        return cls.from_bytes(data, legacy_roles or legacy_roles_for(path))

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, self.to_bytes())

    # --- signed export ------------------------------------------------------------------

    def export_signed(self, signer: Signer) -> bytes:
        registry = canonical_bytes(self._body())
        blob = signer.sign(registry)
        body = {
            "format": EXPORT_FORMAT,
            "exported_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            # the exact signed bytes, as text: never re-serialised before checking
            "registry": registry.decode("utf-8"),
            "signature_kind": blob.kind,
            "signature": base64.b64encode(blob.data).decode("ascii"),
        }
        return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode(
            "utf-8"
        )

    @classmethod
    def import_signed(
        cls,
        data: bytes,
        expected_fingerprint: str,
        legacy_roles: tuple[str, ...] = (ROLE_SUBMISSION,),
    ) -> tuple[TrustRegistry, SignerInfo]:
        """Check a signed export against the fingerprint the user was told, then read it.

        The signed registry bytes must be canonical JSON (``forms.canonical``): one spelling
        per content, so what a person inspects is exactly what is imported."""
        not_export = TrustError(
            _("Tệp không phải danh sách tin cậy có chữ ký của dti-desk"), "trust_export_invalid"
        )
        try:
            body = strict_loads(data)
        except CanonicalError as exc:
            raise json_error(exc, "trust_export_invalid") from None
        if (
            not isinstance(body, dict)
            or body.get("format") != EXPORT_FORMAT
            or not set(body) <= EXPORT_FIELDS
            or not isinstance(body.get("registry"), str)
            or not isinstance(body.get("signature"), str)
            or body.get("signature_kind") not in (KIND_ED25519, KIND_X509)
        ):
            raise not_export
        registry = body["registry"].encode("utf-8")
        entry_name = {KIND_ED25519: SIGNATURE_ED25519, KIND_X509: SIGNATURE_CMS}[
            body["signature_kind"]
        ]
        try:
            blob = base64.b64decode(body["signature"], validate=True)
            signer = verify_signature(entry_name, blob, registry)
        except (SignatureError, ValueError, binascii.Error):
            raise TrustError(
                _("Chữ ký của danh sách tin cậy không hợp lệ hoặc không khớp nội dung: không nhập"),
                "trust_signature_invalid",
                "signature",
            ) from None
        if normalise_fingerprint(signer.fingerprint) != normalise_fingerprint(expected_fingerprint):
            raise TrustError(
                _(
                    "Danh sách tin cậy được ký bằng khóa {actual}, không phải {expected} (dấu vân tay đã được báo): không nhập",
                    actual=signer.fingerprint,
                    expected=expected_fingerprint,
                ),
                "trust_signer_unexpected",
                "signature",
            )
        try:
            signed = parse_canonical(registry)
        except CanonicalError as exc:
            raise json_error(exc, "trust_export_invalid") from None
        return TrustRegistry(*registry_parts(signed, legacy_roles)), signer


def _checked_roles(roles: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(sorted(set(roles)))
    if not chosen or not set(chosen) <= set(ROLES):
        raise ValueError(f"roles must be a non-empty subset of {ROLES}, not {chosen}")
    return chosen
