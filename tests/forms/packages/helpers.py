"""Shared builders for package tests: a submission on the tiny set, keys, a throwaway CA."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from forms.packages.build import EvidenceFile, Submission
from forms.packages.signing import Ed25519Signer
from tests.forms.sample_sets import tiny_set

CREATED = dt.datetime(2025, 11, 20, 8, 30, tzinfo=dt.UTC)
PDF_CONTENT = b"%PDF-1.4 bien ban " * 40
# a PNG signature: the verifier checks evidence content against its extension
PNG_CONTENT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def content_entry(content: bytes, extension: str) -> str:
    """The entry a content is stored under in format 2: ``evidence/<sha256>.<extension>``."""
    return f"evidence/{hashlib.sha256(content).hexdigest()}.{extension}"


# the entries of the two evidence files of ``submission()``
PDF_ENTRY = content_entry(PDF_CONTENT, "pdf")
PNG_ENTRY = content_entry(PNG_CONTENT, "png")
ANSWERS = {
    "1.1": {"count": 3},
    "1.2": {"a": 2, "b": 3},
    "2.1": {"choice": "vice"},
    "2.2.1": {"yes": True},
    "2.2.2": {"pct": "85,5"},
    "3.1": {"points": "6.5"},
}


def submission(**changes) -> Submission:
    base = dict(
        unit_code="25042",
        unit_name="Xã Hùng Lô",
        year=2025,
        criteria_set=tiny_set(),
        answers=ANSWERS,
        notes={"1.1": "Họp quý I, II, IV"},
        evidence=(
            EvidenceFile(
                "1.1",
                "Biên bản họp quý I.pdf",
                content=PDF_CONTENT,
                document={
                    "number": "12/BB-UBND",
                    "date": "2025-03-30",
                    "issuer": "UBND xã",
                    "summary": "Biên bản",
                },
            ),
            EvidenceFile(
                "2.2.1",
                "ảnh chụp trang web.png",
                content=PNG_CONTENT,
            ),
        ),
        revision=2,
        submission_id="7b0a4c2e-52c4-4f5e-9a43-6c3a0f3d9a10",
        officer_name="Nguyễn Thị Hoa",
        officer_position="Công chức Văn hóa - Xã hội",
        created_at=CREATED,
    )
    base.update(changes)
    return Submission(**base)


def ed_signer(seed: int = 1) -> Ed25519Signer:
    return Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def make_ca(cn: str = "Throwaway Test CA", *, days: int = 3650, start: dt.datetime | None = None):
    key = ec.generate_private_key(ec.SECP256R1())
    start = start or dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_leaf(
    ca_cert,
    ca_key,
    cn: str = "Nguyễn Văn A - UBND xã Hùng Lô",
    *,
    start: dt.datetime | None = None,
    days: int = 730,
    key=None,
    signing: bool = True,
):
    key = key or ec.generate_private_key(ec.SECP256R1())
    start = start or dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # digital_signature, content_commitment (non-repudiation), key_encipherment, ...
            x509.KeyUsage(signing, signing, not signing, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def pkcs12_bytes(cert, key, ca_cert, password: bytes = b"mat-khau") -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"officer", key, cert, [ca_cert], serialization.BestAvailableEncryption(password)
    )


def rezip(
    src: Path,
    dst: Path,
    replace: dict[str, bytes | None] | None = None,
    add: dict[str, bytes] | None = None,
) -> Path:
    """Copy a package entry by entry, replacing (None: dropping) or adding entries."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    zout.writestr(info.filename, replace[info.filename])
            else:
                zout.writestr(info, zin.read(info))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def read_entry(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()
