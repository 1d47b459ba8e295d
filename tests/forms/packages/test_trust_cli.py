"""`dti-desk trust` with roles (hole 6): add --role, list shows roles, damaged or forged files
refused with their reason, key files read as files from outside."""

from __future__ import annotations

import json

import pytest

from desktop.cli import main
from forms.packages.keys import PublicKeyFile
from forms.packages.trust import ROLES, TrustRegistry
from tests.forms.packages.helpers import ed_signer
from tests.forms.packages.test_trust_entries import (
    _entry,
    _export,
    _file,
    fifo_with_a_writer,
    needs_fifo,
)

A = ed_signer(1)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("DTI_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "a.pub.json").write_bytes(
        PublicKeyFile("ed25519", A.public_raw, "Cụm Đoan Hùng").to_bytes()
    )
    return tmp_path


def test_hole6_trust_add_takes_roles_and_list_shows_them(env, capsys):
    """A collector's key is added for bundles only; `trust list` says so."""
    key = str(env / "a.pub.json")
    assert main(["trust", "add", key, "--unit", "cum-01", "--role", "bundle"]) == 0
    assert "bundle" in capsys.readouterr().out
    registry = TrustRegistry.load(env / "data" / "trust.json")
    assert registry.units_for(A.key_id, "bundle") == {"cum-01"}
    assert registry.units_for(A.key_id, "submission") == set()
    assert main(["trust", "add", key, "--unit", "cum-01", "--role", "review"]) == 0
    assert main(["trust", "add", key, "--unit", "25042"]) == 0  # default: submission
    capsys.readouterr()
    assert main(["trust", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("cum-01" in line and "bundle,review" in line for line in lines)
    assert any("25042" in line and "submission" in line for line in lines)
    assert main(["trust", "list", "--json"]) == 0
    listed = {e["unit"]: e["roles"] for e in json.loads(capsys.readouterr().out)["entries"]}
    assert listed == {"cum-01": ["bundle", "review"], "25042": ["submission"]}


def test_trust_add_role_choices_are_the_registry_roles(env, capsys):
    with pytest.raises(SystemExit):
        main(["trust", "add", str(env / "a.pub.json"), "--unit", "1", "--role", "admin"])
    assert "admin" in capsys.readouterr().err
    for role in ROLES:
        assert main(["trust", "add", str(env / "a.pub.json"), "--unit", "1", "--role", role]) == 0


def test_hole6_trust_list_refuses_an_entry_whose_key_id_is_not_its_key(env, capsys):
    (env / "data").mkdir()
    (env / "data" / "trust.json").write_bytes(_file(_entry(key_id=ed_signer(2).key_id)))
    assert main(["trust", "list"]) == 1
    err = capsys.readouterr().err
    assert "trust.json" in err and "key_id" in err and "25042" in err


def test_hole6_trust_import_refuses_a_non_canonical_export(env, capsys):
    """A signed export whose registry text is not canonical JSON is not imported, and the
    message says why (it used to blame the signature for everything)."""
    body = json.loads(_file(_entry(roles=["submission"]), version=2))
    (env / "export.json").write_bytes(_export(json.dumps(body, indent=1).encode()))
    fingerprint = ed_signer(7).fingerprint
    assert main(["trust", "import", str(env / "export.json"), "--fingerprint", fingerprint]) == 1
    assert "dạng chuẩn" in capsys.readouterr().err
    assert not (env / "data" / "trust.json").exists()


@needs_fifo
def test_hole6_trust_add_refuses_a_fifo_as_key_file(env, capsys):
    """`trust add FIFO` used to wait on the FIFO for a writer."""
    with fifo_with_a_writer(env / "key.json") as fifo:
        assert main(["trust", "add", str(fifo), "--unit", "25042"]) == 1
    assert "không phải tệp thông thường" in capsys.readouterr().err
