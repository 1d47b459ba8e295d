"""Which keys and certificates may sign for which unit (the collector's and province's registry).

Stored as JSON (``<data_dir>/trust.json``). Entries name a unit and a public key (Ed25519
raw key or an X.509 certificate, matched by the sha256 of its public key so a renewed
certificate for the same key still matches); anchors are CA certificates that X.509 signer
chains must lead to. The province hands the registry to collectors as a *signed export*
that is checked on import against a fingerprint read over the phone.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from forms.packages.format import SIGNATURE_CMS, SIGNATURE_ED25519
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

REGISTRY_FORMAT = "dti-trust-registry"
EXPORT_FORMAT = "dti-trust-export"


class TrustError(Exception):
    """Unreadable registry or export, bad signature, unexpected signer; ``str()`` is for logs."""


@dataclass(frozen=True)
class TrustEntry:
    unit: str
    kind: str  # ed25519 | x509
    key_id: str  # sha256 hex of the public key (raw Ed25519, or the certificate's SPKI DER)
    fingerprint: str  # short form of key_id, for people
    public: str  # base64 raw key (ed25519) or the certificate PEM (x509)
    label: str = ""


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
        raise TrustError(str(exc)) from exc


def _unpickle_registry(entries: list[TrustEntry], anchor_ders: list[bytes]) -> TrustRegistry:
    return TrustRegistry(entries, [x509.load_der_x509_certificate(d) for d in anchor_ders])


class TrustRegistry:
    def __init__(
        self, entries: Iterable[TrustEntry] = (), anchors: Iterable[x509.Certificate] = ()
    ) -> None:
        self.entries: list[TrustEntry] = []
        self.anchors: list[Anchor] = []
        self._units: dict[str, set[str]] = {}
        for entry in entries:
            self._add(entry)
        for certificate in anchors:
            self.add_anchor(certificate)

    def __reduce__(self) -> tuple[object, tuple[list[TrustEntry], list[bytes]]]:
        # Pickled for the collector's verification workers. Certificates do not pickle: they
        # travel as DER. Pickling is ~6x cheaper than to_bytes() for a province's registry.
        ders = [a.certificate.public_bytes(serialization.Encoding.DER) for a in self.anchors]
        return _unpickle_registry, (list(self.entries), ders)

    # --- queries ------------------------------------------------------------------------

    def units_for(self, key_id: str) -> set[str]:
        return self._units.get(key_id, set())

    def anchor_certificates(self) -> list[x509.Certificate]:
        return [a.certificate for a in self.anchors]

    # --- changes ------------------------------------------------------------------------

    def _add(self, entry: TrustEntry) -> bool:
        if entry.unit in self._units.get(entry.key_id, set()):
            return False
        self.entries.append(entry)
        self._units.setdefault(entry.key_id, set()).add(entry.unit)
        return True

    def add_key(self, unit: str, public_raw: bytes, label: str = "") -> TrustEntry:
        entry = TrustEntry(
            unit,
            KIND_ED25519,
            full_key_id(public_raw),
            short_fingerprint(public_raw),
            base64.b64encode(public_raw).decode("ascii"),
            label,
        )
        self._add(entry)
        return entry

    def add_certificate(
        self, unit: str, certificate: x509.Certificate, label: str = ""
    ) -> TrustEntry:
        spki = spki_der(certificate)
        pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        entry = TrustEntry(
            unit,
            KIND_X509,
            full_key_id(spki),
            short_fingerprint(spki),
            pem,
            label or certificate.subject.rfc4514_string(),
        )
        self._add(entry)
        return entry

    def add_anchor(self, certificate: x509.Certificate) -> Anchor:
        anchor = Anchor(cert_fingerprint(certificate), certificate)
        if anchor not in self.anchors:
            self.anchors.append(anchor)
        return anchor

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
        self.__init__(keep, [a.certificate for a in kept_anchors])  # type: ignore[misc]
        return removed

    def merge(self, other: TrustRegistry) -> int:
        added = sum(self._add(e) for e in other.entries)
        for anchor in other.anchors:
            if anchor not in self.anchors:
                self.anchors.append(anchor)
                added += 1
        return added

    # --- files --------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        body = {
            "format": REGISTRY_FORMAT,
            "version": 1,
            "entries": [asdict(e) for e in sorted(self.entries, key=lambda e: (e.unit, e.key_id))],
            "anchors": [
                a.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
                for a in sorted(self.anchors, key=lambda a: a.fingerprint)
            ],
        }
        return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode(
            "utf-8"
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> TrustRegistry:
        try:
            body = json.loads(data.decode("utf-8"))
            if not isinstance(body, dict) or body.get("format") != REGISTRY_FORMAT:
                raise TrustError("not a trust registry")
            entries = [
                TrustEntry(**{k: str(v) for k, v in e.items()}) for e in body.get("entries", [])
            ]
            anchors = [
                x509.load_pem_x509_certificate(p.encode("ascii")) for p in body.get("anchors", [])
            ]
        except TrustError:
            raise
        except (ValueError, TypeError, AttributeError, UnicodeError, RecursionError) as exc:
            raise TrustError(str(exc)) from exc
        for entry in entries:
            if entry.kind not in (KIND_ED25519, KIND_X509) or len(entry.key_id) != 64:
                raise TrustError(f"bad entry for unit {entry.unit}")
        return cls(entries, anchors)

    @classmethod
    def load(cls, path: Path) -> TrustRegistry:
        """The registry at ``path``; an empty one if the file does not exist yet."""
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            raise TrustError(str(exc)) from exc
        return cls.from_bytes(data)

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(self.to_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # --- signed export ------------------------------------------------------------------

    def export_signed(self, signer: Signer) -> bytes:
        registry = self.to_bytes()
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
        cls, data: bytes, expected_fingerprint: str
    ) -> tuple[TrustRegistry, SignerInfo]:
        """Check a signed export against the fingerprint the user was told, then read it."""
        try:
            body = json.loads(data.decode("utf-8"))
            if not isinstance(body, dict) or body.get("format") != EXPORT_FORMAT:
                raise TrustError("not a signed trust registry export")
            registry = body["registry"].encode("utf-8")
            blob = base64.b64decode(body["signature"], validate=True)
            entry_name = {KIND_ED25519: SIGNATURE_ED25519, KIND_X509: SIGNATURE_CMS}[
                body["signature_kind"]
            ]
            signer = verify_signature(entry_name, blob, registry)
        except TrustError:
            raise
        except SignatureError as exc:
            raise TrustError(f"signature: {exc}") from exc
        except (
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            UnicodeError,
            RecursionError,
        ) as exc:
            raise TrustError(str(exc)) from exc
        if normalise_fingerprint(signer.fingerprint) != normalise_fingerprint(expected_fingerprint):
            raise TrustError(f"signed by {signer.fingerprint}, expected {expected_fingerprint}")
        return cls.from_bytes(registry), signer
