"""Hole 7: certificate paths and the CMS signature file, checked in full.

Real chains (root CA, intermediate, signer) made with ``cryptography``; each defect is one
certificate or one field away from a chain or CMS file the verifier accepts, so the reason
code names that defect alone. The CMS forgeries are re-signed with the signer's own key: the
attacker is a commune whose certificate is trusted, so the signature itself always verifies.
"""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import algos
from asn1crypto import cms as acms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from forms.packages.build import build_package
from forms.packages.chain import DOCUMENT_SIGNING
from forms.packages.format import SIGNATURE_CMS
from forms.packages.signing import Pkcs12Signer, SignatureError, verify_signature
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from tests.forms.packages.helpers import read_entry, rezip, submission

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
UNKNOWN = x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")
CA_USAGE = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
SIGN_USAGE = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
# key encipherment and key agreement only: an encryption certificate
ENCRYPT_USAGE = x509.KeyUsage(False, False, True, False, True, False, False, False, False)


def _issue(
    cn: str,
    issuer=None,
    *,
    ca: bool | None,
    path_length: int | None = None,
    usage: x509.KeyUsage | None = None,
    purposes: list[ObjectIdentifier] | None = None,
    critical: x509.ExtensionType | None = None,
    key=None,
):
    """A certificate for ``cn`` signed by ``issuer`` (cert, key), or self-signed."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer_cert, issuer_key = issuer or (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject if issuer_cert else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + dt.timedelta(days=3650))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca, path_length), critical=True)
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    if purposes is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(purposes), critical=False)
    if critical is not None:
        builder = builder.add_extension(critical, critical=True)
    return builder.sign(issuer_key, hashes.SHA256()), key


def _root():
    return _issue("Root CA", ca=True, usage=CA_USAGE)


def _intermediate(root, **changes):
    options = {"ca": True, "usage": CA_USAGE, **changes}
    return _issue("Intermediate CA", root, **options)


def _signer(issuer, **changes):
    options = {"ca": False, "usage": SIGN_USAGE, **changes}
    return _issue("Nguyễn Văn A - UBND xã Hùng Lô", issuer, **options)


def _verdict(tmp_path, criteria, root, leaf, *intermediates):
    cert, key = leaf
    signer = Pkcs12Signer(cert, key, [c for c, _ in intermediates] + [root[0]])
    path = build_package(submission(), signer, tmp_path)
    registry = TrustRegistry()
    registry.add_certificate("25042", cert)
    registry.add_anchor(root[0])
    return verify_package(path, criteria_sets=criteria, trust=registry)


# --- the good paths stay good -----------------------------------------------------------


@pytest.mark.parametrize(
    "purposes",
    [
        None,
        [ExtendedKeyUsageOID.EMAIL_PROTECTION],
        [DOCUMENT_SIGNING],
        [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION],
        [ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE],
    ],
    ids=["no-eku", "email", "document-signing", "client-and-email", "any"],
)
def test_three_level_chain_for_document_signing_is_accepted(tmp_path, criteria, purposes):
    root = _root()
    inter = _intermediate(root)
    verdict = _verdict(tmp_path, criteria, root, _signer(inter, purposes=purposes), inter)
    assert verdict.reasons == [] and verdict.ok


def test_path_within_path_length_and_ca_without_key_usage_are_accepted(tmp_path, criteria):
    """pathLen 1 allows one CA below; a CA without keyUsage is allowed by RFC 5280 6.1.4 (n)."""
    root = _root()
    upper = _intermediate(root, path_length=1)
    lower = _issue("Lower CA", upper, ca=True, usage=None)
    verdict = _verdict(tmp_path, criteria, root, _signer(lower), upper, lower)
    assert verdict.reasons == [] and verdict.ok


# --- hole 7: path defects ---------------------------------------------------------------


def test_hole7_intermediate_without_key_cert_sign_is_rejected(tmp_path, criteria):
    """An intermediate whose keyUsage lacks keyCertSign (a CA certificate issued for signing
    only) issued the signer's certificate: RFC 5280 6.1.4 (n) forbids the path."""
    root = _root()
    usage = x509.KeyUsage(True, True, False, False, False, False, True, False, False)
    inter = _intermediate(root, usage=usage)
    verdict = _verdict(tmp_path, criteria, root, _signer(inter), inter)
    assert verdict.codes == ["certificate_issuer"]


def test_hole7_path_length_exceeded_is_rejected(tmp_path, criteria):
    """An intermediate with pathLenConstraint 0 made another CA, which issued the signer."""
    root = _root()
    upper = _intermediate(root, path_length=0)
    lower = _issue("Lower CA", upper, ca=True, usage=CA_USAGE)
    verdict = _verdict(tmp_path, criteria, root, _signer(lower), upper, lower)
    assert verdict.codes == ["certificate_path_length"]


def test_hole7_unknown_critical_extension_on_leaf_is_rejected(tmp_path, criteria):
    """The signer's certificate carries a critical extension the app cannot interpret: RFC
    5280 4.2 says such a certificate must be rejected (the CA meant to restrict it)."""
    root = _root()
    inter = _intermediate(root)
    verdict = _verdict(tmp_path, criteria, root, _signer(inter, critical=UNKNOWN), inter)
    assert verdict.codes == ["certificate_critical_extension"]


def test_hole7_unknown_critical_extension_on_intermediate_is_rejected(tmp_path, criteria):
    """The same on the intermediate CA: its restriction must not be ignored either."""
    root = _root()
    inter = _intermediate(root, critical=UNKNOWN)
    verdict = _verdict(tmp_path, criteria, root, _signer(inter), inter)
    assert verdict.codes == ["certificate_critical_extension"]


def test_hole7_server_auth_only_leaf_is_rejected(tmp_path, criteria):
    """A TLS server certificate (EKU serverAuth only) signed the package: its CA issued it for
    web servers, not for documents."""
    root = _root()
    inter = _intermediate(root)
    leaf = _signer(inter, purposes=[ExtendedKeyUsageOID.SERVER_AUTH])
    verdict = _verdict(tmp_path, criteria, root, leaf, inter)
    assert verdict.codes == ["certificate_purpose"]
    assert "Hùng Lô" in verdict.reasons[0].message


def test_leaf_without_signing_key_usage_is_rejected(tmp_path, criteria):
    """keyUsage without digitalSignature and nonRepudiation (an encryption certificate)."""
    root = _root()
    inter = _intermediate(root)
    verdict = _verdict(tmp_path, criteria, root, _signer(inter, usage=ENCRYPT_USAGE), inter)
    assert verdict.codes == ["certificate_usage"]


def test_intermediate_that_is_not_a_ca_is_rejected(tmp_path, criteria):
    """basicConstraints cA false: an end-entity certificate cannot issue the signer's."""
    root = _root()
    inter = _intermediate(root, ca=False)
    verdict = _verdict(tmp_path, criteria, root, _signer(inter), inter)
    assert verdict.codes == ["certificate_issuer"]


# --- hole 7: the CMS file ---------------------------------------------------------------

MANIFEST = b'{"a manifest":"the exact bytes signed"}'


@pytest.fixture(scope="module")
def rsa_signer():
    """An RSA signer: its signatures all have one length, so bytes can be swapped in place."""
    root = _root()
    cert, key = _signer(root, key=rsa.generate_private_key(65537, 2048))
    return cert, key, Pkcs12Signer(cert, key, [root[0]]).sign(MANIFEST).data


def _sign(key, data: bytes) -> bytes:
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _forged(rsa_signer, change) -> bytes:
    """The valid CMS file after ``change(signed_data, signer_info)``, re-signed, in DER."""
    _cert, key, blob = rsa_signer
    info = acms.ContentInfo.load(blob)
    signed_data = info["content"]
    signer_info = signed_data["signer_infos"][0]
    change(signed_data, signer_info)
    attrs = acms.CMSAttributes(list(signer_info["signed_attrs"]))
    signer_info["signed_attrs"] = attrs
    signer_info["signature"] = _sign(key, attrs.dump(force=True))
    return info.dump(force=True)


def _attribute(name: str, values: list) -> acms.CMSAttribute:
    return acms.CMSAttribute({"type": name, "values": values})


def _digest() -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(MANIFEST)
    return digest.finalize()


def _reason(blob: bytes) -> str:
    with pytest.raises(SignatureError) as caught:
        verify_signature(SIGNATURE_CMS, blob, MANIFEST)
    return str(caught.value)


def test_forged_files_are_valid_until_the_defect(rsa_signer):
    """The forging helper itself: a re-signed file without a defect still verifies."""
    cert, _key, blob = rsa_signer
    assert verify_signature(SIGNATURE_CMS, blob, MANIFEST).subject == cert.subject.rfc4514_string()
    same = _forged(rsa_signer, lambda _sd, _si: None)
    assert verify_signature(SIGNATURE_CMS, same, MANIFEST).subject == cert.subject.rfc4514_string()


def test_hole7_cms_non_minimal_length_is_rejected(rsa_signer):
    """The outer SEQUENCE length written with a leading zero byte: BER reads it, DER forbids
    it, and a second encoding of the same signature must not verify."""
    blob = rsa_signer[2]
    assert blob[1] == 0x82
    assert "not DER" in _reason(b"\x30\x83\x00" + blob[2:])


def test_hole7_cms_unsorted_signed_attributes_are_rejected(rsa_signer):
    """The signed attributes in an order DER forbids (a SET OF is sorted), signed that way."""
    _cert, key, blob = rsa_signer
    signer_info = acms.ContentInfo.load(blob)["content"]["signer_infos"][0]
    attrs = signer_info["signed_attrs"]
    ordered = attrs.dump()
    reordered = ordered[: len(ordered) - len(attrs.contents)] + b"".join(
        a.dump() for a in reversed(list(attrs))
    )
    assert reordered != ordered and len(reordered) == len(ordered)
    old_sig, new_sig = signer_info["signature"].native, _sign(key, b"\x31" + reordered[1:])
    forged = blob.replace(ordered, reordered).replace(old_sig, new_sig)
    assert "not DER" in _reason(forged)


def test_hole7_cms_duplicate_signed_attribute_is_rejected(rsa_signer):
    """Two messageDigest attributes, a wrong one and the right one: a reader that keeps the
    last (or the first) sees a different file than one that keeps the other."""

    def change(_signed_data, signer_info):
        signer_info["signed_attrs"] = acms.CMSAttributes(
            [*signer_info["signed_attrs"], _attribute("message_digest", [b"\x00" * 32])]
        )

    assert "appears twice" in _reason(_forged(rsa_signer, change))


def test_hole7_cms_two_message_digest_values_are_rejected(rsa_signer):
    """One messageDigest attribute holding two values, the right one and another."""

    def change(_signed_data, signer_info):
        kept = [a for a in signer_info["signed_attrs"] if a["type"].native != "message_digest"]
        twice = _attribute("message_digest", [_digest(), b"\xff" * 32])
        signer_info["signed_attrs"] = acms.CMSAttributes([*kept, twice])

    assert "must have one value" in _reason(_forged(rsa_signer, change))


def _digest_set(name):
    def change(signed_data, _signer_info):
        signed_data["digest_algorithms"] = acms.DigestAlgorithms([{"algorithm": name}])

    return change


def _signature_algorithm(name):
    def change(_signed_data, signer_info):
        signer_info["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": name})

    return change


@pytest.mark.parametrize(
    "change, words",
    [
        (_digest_set("sha512"), "digestAlgorithms"),
        (_signature_algorithm("sha512_rsa"), "does not fit"),
        (_signature_algorithm("sha256_ecdsa"), "does not fit"),
    ],
    ids=["digest-set-names-another", "signature-algorithm-other-hash", "ecdsa-for-an-rsa-key"],
)
def test_hole7_cms_wrong_algorithm_fields_are_rejected(rsa_signer, change, words):
    """Algorithm fields the old reader never looked at: the digestAlgorithms set naming SHA-512
    while the signer used SHA-256, and a signatureAlgorithm that does not fit key or digest."""
    assert words in _reason(_forged(rsa_signer, change))


def test_hole7_cms_content_type_other_than_data_is_rejected(rsa_signer):
    def change(_signed_data, signer_info):
        kept = [a for a in signer_info["signed_attrs"] if a["type"].native != "content_type"]
        other = _attribute("content_type", ["signed_data"])
        signer_info["signed_attrs"] = acms.CMSAttributes([*kept, other])

    assert "content type" in _reason(_forged(rsa_signer, change))


def test_hole7_cms_defect_makes_the_package_invalid(tmp_path, criteria):
    """Through the whole verifier: the package is refused with ``signature_invalid``."""
    root = _root()
    signed_cert, signed_key = _signer(root)
    path = build_package(submission(), Pkcs12Signer(signed_cert, signed_key, [root[0]]), tmp_path)
    blob = read_entry(path, SIGNATURE_CMS)
    bad = rezip(path, tmp_path / "bad.dtipkg", replace={SIGNATURE_CMS: b"\x30\x83\x00" + blob[2:]})
    registry = TrustRegistry()
    registry.add_certificate("25042", signed_cert)
    registry.add_anchor(root[0])
    assert verify_package(path, criteria_sets=criteria, trust=registry).ok
    assert verify_package(bad, criteria_sets=criteria, trust=registry).codes == [
        "signature_invalid"
    ]
