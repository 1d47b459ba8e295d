"""Signing packages on a PKCS#11 token: a real SoftHSM2 token written with pkcs11-tool."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from pkcs11 import KeyType, ObjectClass, TokenFlag

from forms.packages import token as tk
from forms.packages.build import build_package
from forms.packages.format import MANIFEST_NAME, SIGNATURE_CMS
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from tests.forms.packages.helpers import read_entry, submission


def _by_id(info: tk.TokenInfo) -> dict[str, tk.TokenCertificate]:
    return {c.id_hex: c for c in info.certificates}


def _refused(module: str, pin: str, **which) -> tk.TokenError:
    """The error opening the token with ``pin`` ends in (the test fails if it opens)."""
    with pytest.raises(tk.TokenError) as caught, tk.open_token(module, pin, **which):
        raise AssertionError("the token opened")
    return caught.value


def _ours(soft_token) -> tk.TokenInfo:
    [info] = [t for t in tk.list_tokens(soft_token.module) if t.serial == soft_token.serial]
    return info


def test_list_shows_certificates_with_their_ids(soft_token):
    info = _ours(soft_token)
    ca = soft_token.ca
    assert info.label == soft_token.label and info.serial == soft_token.serial
    certs = _by_id(info)
    assert set(certs) == {"c1a1", "0a9b", "dead01", "ca00"}
    chairman = certs["c1a1"]
    assert chairman.certificate == ca.chairman.certificate
    assert chairman.label == "Nguyễn Văn Bình - Chủ tịch"  # UTF-8 label read back
    assert chairman.key_usage == ("digitalSignature", "nonRepudiation") and not chairman.is_ca
    assert "Nguyễn Văn Bình" in chairman.subject and "Test Root CA" in chairman.issuer
    assert certs["ca00"].is_ca
    listed = chairman.to_json()
    assert listed["id"] == "c1a1" and listed["not_after"] == "2028-01-01T00:00:00+00:00"
    assert info.to_json()["pin_warning"] is None


def test_token_signed_package_verifies_against_the_root(soft_token, criteria, tmp_path):
    ca = soft_token.ca
    for who in (ca.chairman, ca.organisation):  # RSA 2048 and EC P-256
        with tk.open_token(soft_token.module, soft_token.pin, cert_id=who.cka_id) as session:
            signer = session.signer(who.cka_id)
            assert signer.chain == [ca.root]  # the token's CA certificate travels along
            path = build_package(submission(), signer, tmp_path / who.id_hex)
        registry = TrustRegistry()
        registry.add_certificate("25042", who.certificate)
        registry.add_anchor(ca.root)
        verdict = verify_package(path, criteria_sets=criteria, trust=registry)
        assert verdict.reasons == [] and verdict.ok
        assert verdict.signer.kind == "x509" and verdict.signer.fingerprint == signer.fingerprint
        # without the root as anchor the same package is refused
        bare = TrustRegistry()
        bare.add_certificate("25042", who.certificate)
        refused = verify_package(path, criteria_sets=criteria, trust=bare)
        assert not refused.ok and [p.code for p in refused.reasons] == ["certificate_chain"]


def test_key_is_found_by_cka_id_not_label(soft_token, criteria, tmp_path):
    """The organisation's key carries the chairman's certificate label (as happens between
    CAs' tools): a label lookup would sign with the wrong key."""
    ca = soft_token.ca
    with tk.open_token(soft_token.module, soft_token.pin, cert_id=ca.chairman.cka_id) as session:
        by_label = session.session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, label=ca.chairman.cert_label
        )
        assert by_label.key_type == KeyType.EC  # the organisation's, not the chairman's RSA key
        signer = session.signer(ca.chairman.cka_id)
        path = build_package(submission(), signer, tmp_path)
    registry = TrustRegistry()
    registry.add_certificate("25042", ca.chairman.certificate)
    registry.add_anchor(ca.root)
    assert verify_package(path, criteria_sets=criteria, trust=registry).ok


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_token_cms_is_standard(soft_token, tmp_path):
    ca = soft_token.ca
    with tk.open_token(soft_token.module, soft_token.pin, cert_id=ca.chairman.cka_id) as session:
        path = build_package(submission(), session.signer(ca.chairman.cka_id), tmp_path)
    (tmp_path / "m.json").write_bytes(read_entry(path, MANIFEST_NAME))
    (tmp_path / "s.p7s").write_bytes(read_entry(path, SIGNATURE_CMS))
    (tmp_path / "ca.pem").write_bytes(ca.root.public_bytes(serialization.Encoding.PEM))
    done = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "s.p7s")]
        + ["-content", str(tmp_path / "m.json"), "-CAfile", str(tmp_path / "ca.pem")]
        + ["-purpose", "any", "-attime", "1764000000", "-out", "/dev/null"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_two_tokens_with_the_certificate_need_a_serial(soft_token, fresh_token):
    caught = _refused(fresh_token.module, "000000", cert_id=fresh_token.ca.chairman.cka_id)
    assert caught.code == tk.AMBIGUOUS
    [info] = [t for t in tk.list_tokens(fresh_token.module) if t.serial == fresh_token.serial]
    assert info.to_json()["pin_warning"] is None  # nothing was tried


def test_wrong_pin_is_one_attempt_and_a_clear_error(fresh_token):
    ca = fresh_token.ca
    caught = _refused(fresh_token.module, "000000", serial=fresh_token.serial)
    assert caught.code == tk.PIN_INCORRECT
    assert "Mã PIN không đúng" in caught.message
    # the token now says an attempt was wasted, and the message passes that on
    assert "còn ít lần thử" in caught.message
    [info] = [t for t in tk.list_tokens(fresh_token.module) if t.serial == fresh_token.serial]
    assert (
        info.flags & TokenFlag.USER_PIN_COUNT_LOW
        and "còn ít lần thử" in info.to_json()["pin_warning"]
    )
    # one attempt only: the token is not locked and the right PIN still opens it
    with tk.open_token(fresh_token.module, fresh_token.pin, serial=fresh_token.serial) as session:
        assert session.signer(ca.chairman.cka_id).fingerprint


def test_empty_pin_is_not_tried(fresh_token):
    caught = _refused(fresh_token.module, "", serial=fresh_token.serial)
    assert caught.code == tk.PIN_INVALID
    [info] = [t for t in tk.list_tokens(fresh_token.module) if t.serial == fresh_token.serial]
    assert not info.flags & TokenFlag.USER_PIN_COUNT_LOW  # no attempt reached the token


def test_unknown_certificate_token_and_driver(soft_token, tmp_path):
    caught = _refused(soft_token.module, soft_token.pin, cert_id=b"\x99\x99")
    assert caught.code == tk.CERT_MISSING and "9999" in caught.message
    caught = _refused(soft_token.module, soft_token.pin, serial="0000")
    assert caught.code == tk.ABSENT
    with pytest.raises(tk.TokenError) as absent:
        tk.list_tokens(str(tmp_path / "absent.so"))
    assert absent.value.code == tk.MODULE
    fake = tmp_path / "fake.so"
    fake.write_bytes(b"not a shared library")
    with pytest.raises(tk.TokenError) as not_a_driver:
        tk.list_tokens(str(fake))
    assert not_a_driver.value.code == tk.MODULE and str(fake) in not_a_driver.value.message


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (0, None),
        (TokenFlag.USER_PIN_COUNT_LOW, "còn ít lần thử"),
        (TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY, "MỘT lần"),
        (TokenFlag.USER_PIN_LOCKED | TokenFlag.USER_PIN_FINAL_TRY, "đã bị khóa"),
    ],
)
def test_pin_warning_from_flags(flags, words):
    warning = tk.pin_warning(int(flags))
    assert (warning is None) if words is None else (words in warning)
