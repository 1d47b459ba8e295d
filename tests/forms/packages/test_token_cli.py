"""`dti-desk keys token list` and signing from the command line with a SoftHSM2 token."""

from __future__ import annotations

import argparse
import json

import pytest

from desktop.cli import main
from desktop.commands import _token_common
from forms.packages.build import build_package
from forms.packages.demo import write_demo
from forms.packages.token import TokenError
from forms.packages.trust import ROLE_BUNDLE, TrustRegistry
from forms.packages.verify import verify_package
from tests.forms.packages.helpers import submission


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_and_text(soft_token, capsys):
    code, out, err = run(capsys, "keys", "token", "list", "--module", soft_token.module, "--json")
    assert code == 0, err
    [ours] = [t for t in json.loads(out) if t["serial"] == soft_token.serial]
    ids = {c["id"]: c for c in ours["certificates"]}
    assert set(ids) == {"c1a1", "0a9b", "dead01", "ca00"}
    assert ids["c1a1"]["key_usage"] == ["digitalSignature", "nonRepudiation"]
    assert "Nguyễn Văn Bình" in ids["c1a1"]["subject"] and ours["pin_warning"] is None
    code, out, _err = run(capsys, "keys", "token", "list", "--module", soft_token.module)
    assert code == 0
    assert f"số sê-ri {soft_token.serial}" in out and "[c1a1] " in out
    assert "hiệu lực: 01/01/2025 – 01/01/2028" in out  # dates day first
    assert "mục đích khóa: digitalSignature, nonRepudiation" in out


def test_list_with_a_missing_driver_fails_with_its_code(tmp_path, capsys):
    code, _out, err = run(capsys, "keys", "token", "list", "--module", tmp_path / "nope.so")
    assert code == 1 and "[token_module]" in err and "nope.so" in err
    code, out, _err = run(
        capsys, "keys", "token", "list", "--module", tmp_path / "nope.so", "--json"
    )
    assert code == 1 and json.loads(out)["code"] == "token_module"


def _args(soft_token, hex_id: str, serial: str | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    _token_common.add_token_arguments(parser)
    argv = ["--token", "--module", soft_token.module, "--cert-id", hex_id]
    return parser.parse_args(argv + (["--token-serial", serial] if serial else []))


def test_token_signer_takes_the_pin_from_dti_pin(soft_token, criteria, tmp_path, monkeypatch):
    """The hook a signing command (``finalise``) uses: ``with token_signer(args) as signer``."""
    ca = soft_token.ca
    monkeypatch.setenv("DTI_PIN", soft_token.pin)
    with _token_common.token_signer(_args(soft_token, "C1:A1", soft_token.serial)) as signer:
        path = build_package(submission(), signer, tmp_path)
    registry = TrustRegistry()
    registry.add_certificate("25042", ca.chairman.certificate)
    registry.add_anchor(ca.root)
    assert verify_package(path, criteria_sets=criteria, trust=registry).ok

    monkeypatch.setenv("DTI_PIN", "999999")
    with (
        pytest.raises(TokenError) as wrong,
        _token_common.token_signer(_args(soft_token, "c1a1", "0000")),
    ):
        raise AssertionError("opened")
    assert wrong.value.code == "token_absent"  # no such serial: the PIN never reached a token

    monkeypatch.delenv("DTI_PIN")  # and pytest's stdin is no terminal: nothing to ask
    with pytest.raises(TokenError) as no_pin, _token_common.token_signer(_args(soft_token, "c1a1")):
        raise AssertionError("opened")
    assert no_pin.value.code == _token_common.USAGE and "DTI_PIN" in no_pin.value.message


def test_cert_id_must_be_hex():
    parser = argparse.ArgumentParser()
    _token_common.add_token_arguments(parser)
    assert parser.parse_args(["--cert-id", "c1 a1"]).cert_id == b"\xc1\xa1"
    with pytest.raises(SystemExit):
        parser.parse_args(["--cert-id", "xyz"])


def test_bundle_signed_on_the_organisation_token(soft_token, tmp_path, monkeypatch, capsys):
    ca = soft_token.ca
    demo = write_demo(tmp_path / "packages", units=3, seed=5, evidence=1)
    db = tmp_path / "c.sqlite"
    assert run(capsys, "merge", "--db", db, *demo.packages, "--trust", demo.trust)[0] == 0
    bundle = tmp_path / "cum.dtibundle"
    monkeypatch.setenv("DTI_PIN", soft_token.pin)
    code, _out, err = run(
        capsys, "export", "bundle", "--db", db, "--year", 2025, "-o", bundle, "--name", "Cụm 1",
        "--token", "--module", soft_token.module, "--cert-id", ca.organisation.id_hex,
        "--token-serial", soft_token.serial,
    )  # fmt: skip
    assert code == 0, err
    trust = TrustRegistry.load(demo.trust)
    trust.add_certificate("cum-1", ca.organisation.certificate, roles=(ROLE_BUNDLE,))
    trust.add_anchor(ca.root)
    trust.save(tmp_path / "trust.json")
    code, out, err = run(
        capsys, "merge", "--db", tmp_path / "p.sqlite", bundle, "--trust", tmp_path / "trust.json",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["accepted"] == 3 and json.loads(out)["bundles"] == 1

    # --token without --cert-id: a usage message, nothing written
    code, _out, err = run(
        capsys, "export", "bundle", "--db", db, "--year", 2025, "-o", tmp_path / "x.dtibundle",
        "--name", "Cụm 1", "--token", "--module", soft_token.module,
    )  # fmt: skip
    assert code == 1 and "--cert-id" in err and not (tmp_path / "x.dtibundle").exists()
