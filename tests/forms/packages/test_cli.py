"""The `package`, `keys`, `trust` and `demo` commands end to end (in-process)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization

from desktop.cli import main
from tests.forms.packages.helpers import make_ca, make_leaf, rezip


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("DTI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DTI_PASSPHRASE", "bí mật")
    return tmp_path


@pytest.fixture
def demo(env, capsys):
    assert (
        main(["demo", "packages", "--units", "3", "--out", str(env / "demo"), "--seed", "4"]) == 0
    )
    capsys.readouterr()
    return env / "demo"


def test_verify_json_ok_and_not_ok(demo, capsys):
    package = sorted(demo.glob("*.dtipkg"))[0]
    assert (
        main(["package", "verify", str(package), "--trust", str(demo / "trust.json"), "--json"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {
        "ok",
        "unit",
        "year",
        "submission_id",
        "signer",
        "reasons",
        "intact",
        "own_key",
    }
    assert out["ok"] is True and out["reasons"] == [] and out["signer"]["kind"] == "ed25519"
    # no registry given and none in the data folder: the signer is unknown
    assert main(["package", "verify", str(package), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and [r["code"] for r in out["reasons"]] == ["signer_unknown"]


def test_verify_text_names_the_problem(demo, capsys, env):
    package = sorted(demo.glob("*.dtipkg"))[0]
    bad = rezip(package, env / "bad.dtipkg", add={"evidence/x.exe": b"MZ"})
    assert main(["package", "verify", str(bad), "--trust", str(demo / "trust.json")]) == 1
    out = capsys.readouterr().out
    assert "unlisted_file" in out and "evidence/x.exe" in out


def test_verify_english(demo, capsys):
    package = sorted(demo.glob("*.dtipkg"))[0]
    assert main(["--lang", "en", "package", "verify", str(package)]) == 1
    assert "Unknown signer" in capsys.readouterr().out


def test_verify_bad_inputs(env, capsys):
    assert main(["package", "verify", str(env / "nothing.dtipkg"), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["reasons"][0]["code"] == "file_unreadable"
    (env / "trust.json").write_text("{", encoding="utf-8")
    assert (
        main(["package", "verify", str(env / "nothing.dtipkg"), "--trust", str(env / "trust.json")])
        == 1
    )
    assert "trust.json" in capsys.readouterr().err


def test_keys_and_trust_flow(env, capsys):
    assert main(["keys", "show"]) == 1
    assert "keys create" in capsys.readouterr().err
    assert main(["keys", "create", "--name", "Sở KH&CN"]) == 0
    fingerprint = capsys.readouterr().out.split(": ")[-1].strip()
    assert main(["keys", "create"]) == 1  # never overwritten
    capsys.readouterr()
    assert main(["keys", "show"]) == 0
    assert fingerprint in capsys.readouterr().out
    assert main(["keys", "export-public", "-o", str(env / "pub.json")]) == 0
    assert main(["trust", "add", str(env / "pub.json"), "--unit", "25042"]) == 0
    ca, ca_key = make_ca()
    leaf, _ = make_leaf(ca, ca_key)
    (env / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (env / "ca.cer").write_bytes(ca.public_bytes(serialization.Encoding.DER))
    assert main(["trust", "add", str(env / "leaf.pem"), "--unit", "25043"]) == 0
    assert main(["trust", "add", str(env / "ca.cer"), "--anchor"]) == 0
    with pytest.raises(SystemExit) as usage:  # --unit or --anchor is required
        main(["trust", "add", str(env / "pub.json")])
    assert usage.value.code == 2
    capsys.readouterr()
    assert main(["trust", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["unit"] for e in listed["entries"]] == ["25042", "25043"] and len(
        listed["anchors"]
    ) == 1
    assert main(["trust", "export", "-o", str(env / "signed.json")]) == 0
    other = ["--data-dir", str(env / "collector")]
    assert (
        main(
            [
                *other,
                "trust",
                "import",
                str(env / "signed.json"),
                "--fingerprint",
                "0000 0000 0000 0000",
            ]
        )
        == 1
    )
    assert (
        main([*other, "trust", "import", str(env / "signed.json"), "--fingerprint", fingerprint])
        == 0
    )
    capsys.readouterr()
    assert main([*other, "trust", "list"]) == 0
    assert "25042" in capsys.readouterr().out
    assert main(["trust", "remove", fingerprint]) == 0
    assert main(["trust", "remove", fingerprint]) == 1


def test_trust_add_rejects_garbage(env, capsys):
    (env / "junk.txt").write_text("không phải khóa", encoding="utf-8")
    assert main(["trust", "add", str(env / "junk.txt"), "--unit", "1"]) == 1
    assert "junk.txt" in capsys.readouterr().err
    assert main(["trust", "add", str(env / "missing.json"), "--unit", "1"]) == 1
    assert main(["trust", "add", str(env / "junk.txt"), "--unit", "  "]) == 2


def test_demo_rejects_bad_numbers(env):
    assert main(["demo", "packages", "--units", "0", "--out", str(env / "d")]) == 2
    assert not (env / "d").exists()
