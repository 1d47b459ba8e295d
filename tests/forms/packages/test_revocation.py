"""Offline revocation: a package signed on the token by a revoked certificate, CRL files."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from desktop.cli import main
from forms.packages import token as tk
from forms.packages.build import build_package
from forms.packages.revocation import CRL_INVALID, REVOKED, RevocationError, RevocationLists
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from tests.forms.packages.helpers import submission
from tests.forms.packages.token_support import REVOKED_AT, STALE_NEXT


def _signed_on_token(soft_token, who, out, created=None):
    with tk.open_token(
        soft_token.module, soft_token.pin, cert_id=who.cka_id, serial=soft_token.serial
    ) as session:
        changes = {"created_at": created} if created else {}
        return build_package(submission(**changes), session.signer(who.cka_id), out)


def _registry(ca, who) -> TrustRegistry:
    registry = TrustRegistry()
    registry.add_certificate("25042", who.certificate)
    registry.add_anchor(ca.root)
    return registry


def test_revoked_before_the_claimed_signing_time_is_refused(soft_token, criteria, tmp_path):
    ca = soft_token.ca
    path = _signed_on_token(soft_token, ca.revoked, tmp_path)  # claims 20/11/2025
    crls = RevocationLists.from_files([ca.files["crl.der"]])
    verdict = verify_package(
        path, criteria_sets=criteria, trust=_registry(ca, ca.revoked), revocation=crls
    )
    assert not verdict.ok and verdict.codes == [REVOKED]
    assert "01/06/2025" in verdict.reasons[0].message and "Thu hồi" in verdict.reasons[0].message
    # without the CRL nothing is known of it
    assert verify_package(path, criteria_sets=criteria, trust=_registry(ca, ca.revoked)).ok
    # the chairman, not on the list, passes with the same CRL (PEM this time)
    chairman = _signed_on_token(soft_token, ca.chairman, tmp_path / "c")
    pem = RevocationLists.from_files([ca.files["crl.pem"]])
    assert verify_package(
        chairman, criteria_sets=criteria, trust=_registry(ca, ca.chairman), revocation=pem
    ).ok


def test_revoked_after_the_claimed_signing_time_passes(soft_token, criteria, tmp_path):
    ca = soft_token.ca
    before = REVOKED_AT - dt.timedelta(days=30)
    path = _signed_on_token(soft_token, ca.revoked, tmp_path, created=before)
    crls = RevocationLists.from_files([ca.files["crl.der"]])
    trust = _registry(ca, ca.revoked)
    assert verify_package(path, criteria_sets=criteria, trust=trust, revocation=crls).ok


def test_a_crl_not_signed_by_the_issuer_is_ignored(soft_token, criteria, tmp_path):
    """Anyone can write a CRL in the root's name; only the root's key makes it count."""
    ca = soft_token.ca
    impostor = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.root.subject)
        .last_update(now - dt.timedelta(days=1))
        .next_update(now + dt.timedelta(days=1))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(ca.chairman.certificate.serial_number)
            .revocation_date(dt.datetime(2025, 2, 1, tzinfo=dt.UTC))
            .build()
        )
        .sign(impostor, hashes.SHA256())
    )
    (tmp_path / "forged.crl").write_bytes(forged.public_bytes(serialization.Encoding.DER))
    path = _signed_on_token(soft_token, ca.chairman, tmp_path)
    crls = RevocationLists.from_files([tmp_path / "forged.crl"])
    trust = _registry(ca, ca.chairman)
    assert verify_package(path, criteria_sets=criteria, trust=trust, revocation=crls).ok


def test_stale_and_unreadable_crls(soft_token, tmp_path):
    ca = soft_token.ca
    both = RevocationLists.from_files([ca.files["stale.der"], ca.files["crl.der"]])
    assert [c.next_update_utc for c in both.stale()] == [STALE_NEXT]
    (tmp_path / "bad.crl").write_bytes(b"-----BEGIN X509 CRL-----\nnope\n")
    with pytest.raises(RevocationError) as caught:
        RevocationLists.from_files([tmp_path / "bad.crl"])
    assert caught.value.code == CRL_INVALID and "bad.crl" in caught.value.message


def test_package_verify_cli_with_anchor_and_crl(soft_token, tmp_path, capsys):
    ca = soft_token.ca
    path = _signed_on_token(soft_token, ca.revoked, tmp_path)
    registry = TrustRegistry()
    registry.add_certificate("25042", ca.revoked.certificate)  # the entry, no anchor in the file
    registry.save(tmp_path / "trust.json")
    base = ["package", "verify", str(path), "--trust", str(tmp_path / "trust.json")]
    base += ["--criteria", str(_tiny_set_json(tmp_path))]
    assert main([*base, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["reasons"][0]["code"] == "certificate_chain"
    anchored = [*base, "--anchor", str(ca.files["root.pem"])]
    assert main(anchored) == 0
    capsys.readouterr()
    assert main([*anchored, "--crl", str(ca.files["crl.der"]), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in out["reasons"]] == [REVOKED] and out["stale_crls"] == []
    assert main([*anchored, "--crl", str(ca.files["stale.der"])]) == 1
    captured = capsys.readouterr()
    assert "[certificate_revoked]" in captured.out
    assert "quá hạn cập nhật (01/12/2025)" in captured.err
    (tmp_path / "bad.crl").write_bytes(b"not a CRL")
    assert main([*anchored, "--crl", str(tmp_path / "bad.crl"), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == CRL_INVALID


def _tiny_set_json(tmp_path):
    from forms.criteria_json import dump_json
    from tests.forms.sample_sets import tiny_set

    target = tmp_path / "tiny.json"
    dump_json(tiny_set(), target)
    return target
