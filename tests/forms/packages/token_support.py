"""A throwaway SoftHSM2 token holding a test CA's signers, written with opensc's pkcs11-tool.

Real PKCS#11, no mock: SoftHSM2 is a PKCS#11 module like a SafeNet or Bit4id driver, and its
objects are written the way a CA's enrolment tool writes them, one ``pkcs11-tool
--write-object`` per key and certificate. Each signer's key and certificate share a CKA_ID and
have *different* labels (as real CAs do); the organisation's key is even labelled with the
chairman's certificate label, so a lookup by label signs with the wrong key and is caught.

``tools/install-sysdeps.sh`` installs softhsm2 and opensc (``make test`` runs it): a missing
tool is an error here, not a skip, so the tests cannot pass silently without a token.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PIN = "123456"
SO_PIN = "12345678"
MODULE_PATHS = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
# the signers are valid from here on; packages in the tests claim to be signed in late 2025
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
REVOKED_AT = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
# a stale CRL: its nextUpdate has passed (the current one is issued yesterday, due in 30 days)
STALE_UPDATED = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
STALE_NEXT = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)


class TokenSetupError(RuntimeError):
    """softhsm2 or opensc is missing or refused: the test environment is broken."""


def softhsm_module() -> str:
    for path in MODULE_PATHS:
        if os.path.isfile(path):
            return path
    raise TokenSetupError(
        "libsofthsm2.so not found: install softhsm2 (sh tools/install-sysdeps.sh does)"
    )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise TokenSetupError(f"{name} not found: run sh tools/install-sysdeps.sh")
    return found


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise TokenSetupError(f"{' '.join(args)} failed: {done.stderr or done.stdout}")
    return done.stdout


def _name(cn: str, org: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(parts)


@dataclass(frozen=True)
class TokenSigner:
    """One signer written into the token: its certificate, CKA_ID and labels."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    cka_id: bytes
    cert_label: str
    key_label: str

    @property
    def id_hex(self) -> str:
        return self.cka_id.hex()


@dataclass
class TestCA:
    root: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey
    chairman: TokenSigner
    organisation: TokenSigner
    revoked: TokenSigner
    crl: x509.CertificateRevocationList
    files: dict[str, Path] = field(default_factory=dict)  # root.pem, crl.der, crl.pem


@dataclass
class SoftToken:
    module: str
    conf: Path
    label: str
    serial: str
    pin: str
    ca: TestCA


def _leaf(
    root: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    cn: str,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    org: str = "",
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_name(cn, org))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + dt.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # digitalSignature and nonRepudiation (contentCommitment), nothing else
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )


def _crl(
    root: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    revoked: TokenSigner,
    updated: dt.datetime,
    next_update: dt.datetime,
    number: int,
) -> x509.CertificateRevocationList:
    return (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root.subject)
        .last_update(updated)
        .next_update(next_update)
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked.certificate.serial_number)
            .revocation_date(REVOKED_AT)
            .build()
        )
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )


def make_test_ca(folder: Path) -> TestCA:
    """A root, the chairman (RSA 2048), the organisation (EC P-256), a revoked signer, a CRL."""
    folder.mkdir(parents=True, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("Test Root CA dti-desk", "Ban Cơ yếu (thử nghiệm)")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2034, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    chairman_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    organisation_key = ec.generate_private_key(ec.SECP256R1())
    revoked_key = ec.generate_private_key(ec.SECP256R1())
    chairman = TokenSigner(
        _leaf(root, root_key, "Nguyễn Văn Bình", chairman_key, "UBND xã Hùng Lô"),
        chairman_key,
        bytes.fromhex("c1a1"),
        "Nguyễn Văn Bình - Chủ tịch",
        "khoa-ca-nhan",
    )
    organisation = TokenSigner(
        _leaf(root, root_key, "UBND xã Hùng Lô", organisation_key, "UBND xã Hùng Lô"),
        organisation_key,
        bytes.fromhex("0a9b"),
        "UBND xã Hùng Lô",
        # the chairman's certificate label on another key: a label lookup picks the wrong key
        "Nguyễn Văn Bình - Chủ tịch",
    )
    revoked = TokenSigner(
        _leaf(root, root_key, "Trần Thị Thu hồi", revoked_key, "UBND xã Hùng Lô"),
        revoked_key,
        bytes.fromhex("dead01"),
        "Chứng thư đã thu hồi",
        "revoked-key",
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    crl = _crl(root, root_key, revoked, now - dt.timedelta(days=1), now + dt.timedelta(days=30), 7)
    stale = _crl(root, root_key, revoked, STALE_UPDATED, STALE_NEXT, 6)
    files = {
        "root.pem": folder / "root.pem",
        "crl.der": folder / "root.crl",
        "crl.pem": folder / "root-crl.pem",
        "stale.der": folder / "root-stale.crl",
    }
    files["root.pem"].write_bytes(root.public_bytes(serialization.Encoding.PEM))
    files["crl.der"].write_bytes(crl.public_bytes(serialization.Encoding.DER))
    files["crl.pem"].write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    files["stale.der"].write_bytes(stale.public_bytes(serialization.Encoding.DER))
    return TestCA(root, root_key, chairman, organisation, revoked, crl, files)


def token_env(conf: Path) -> dict[str, str]:
    return {**os.environ, "SOFTHSM2_CONF": str(conf)}


def write_conf(folder: Path) -> Path:
    """A SoftHSM2 configuration whose tokens live in ``folder/tokens`` (never the system's)."""
    (folder / "tokens").mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n"
        "slots.removable = false\n",
        encoding="utf-8",
    )
    return conf


def _der_key(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _serial_of(slots: str, label: str) -> str:
    for block in slots.split("\nSlot ")[1:]:
        found = re.search(r"^\s*Label:\s*(.*?)\s*$", block, re.M)
        serial = re.search(r"^\s*Serial number:\s*(\S+)", block, re.M)
        if found and serial and found.group(1) == label:
            return serial.group(1)
    raise TokenSetupError(f"token {label} not shown by softhsm2-util --show-slots")


def make_token(folder: Path, ca: TestCA, conf: Path, label: str = "UBND xa Hung Lo") -> SoftToken:
    """Initialise a new token (in ``conf``'s token folder) and write ``ca``'s signers and root."""
    module = softhsm_module()
    env = token_env(conf)
    softhsm = _tool("softhsm2-util")
    tool = _tool("pkcs11-tool")
    out = _run(
        [softhsm, "--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", PIN],
        env,
    )
    slot = out.strip().rsplit(" ", 1)[-1]  # "... is reassigned to slot 1857470535"
    base = [tool, "--module", module, "--slot", slot, "--login", "--pin", PIN]
    folder.mkdir(parents=True, exist_ok=True)
    for n, signer in enumerate((ca.chairman, ca.organisation, ca.revoked)):
        key_file, cert_file = folder / f"key{n}.der", folder / f"cert{n}.der"
        key_file.write_bytes(_der_key(signer.private_key))
        cert_file.write_bytes(signer.certificate.public_bytes(serialization.Encoding.DER))
        for path, kind, label_ in ((key_file, "privkey", signer.key_label),
                                   (cert_file, "cert", signer.cert_label)):  # fmt: skip
            _run(
                [*base, "--write-object", str(path), "--type", kind]
                + ["--id", signer.id_hex, "--label", label_],
                env,
            )
        key_file.unlink()  # the key lives on the token only, as on a real one
    root_file = folder / "root.der"
    root_file.write_bytes(ca.root.public_bytes(serialization.Encoding.DER))
    _run([*base, "--write-object", str(root_file), "--type", "cert", "--id", "ca00"]
         + ["--label", "Root CA"], env)  # fmt: skip
    serial = _serial_of(_run([softhsm, "--show-slots"], env), label)
    return SoftToken(module, conf, label, serial, PIN, ca)


ALWAYS_AUTH_ID = bytes.fromhex("aa01")


def add_always_auth_signer(token: SoftToken, folder: Path) -> TokenSigner:
    """The organisation's key and certificate written again under CKA_ID ``aa01`` with
    ``CKA_ALWAYS_AUTHENTICATE`` (pkcs11-tool ``--always-auth``): each signature needs its own
    context-specific login, as some CAs' qualified keys do."""
    env = token_env(token.conf)
    tool = _tool("pkcs11-tool")
    base = [tool, "--module", token.module, "--token-label", token.label, "--login"]
    base += ["--pin", token.pin]
    source = token.ca.organisation
    signer = TokenSigner(
        source.certificate, source.private_key, ALWAYS_AUTH_ID, "Khóa ký từng lần", "always-auth"
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_file, cert_file = folder / "always-key.der", folder / "always-cert.der"
    key_file.write_bytes(_der_key(signer.private_key))
    cert_file.write_bytes(signer.certificate.public_bytes(serialization.Encoding.DER))
    _run([*base, "--write-object", str(key_file), "--type", "privkey", "--always-auth"]
         + ["--id", signer.id_hex, "--label", signer.key_label], env)  # fmt: skip
    _run([*base, "--write-object", str(cert_file), "--type", "cert"]
         + ["--id", signer.id_hex, "--label", signer.cert_label], env)  # fmt: skip
    key_file.unlink()
    return signer
