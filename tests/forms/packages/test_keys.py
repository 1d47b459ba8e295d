from __future__ import annotations

import pytest

from forms.packages import keys
from forms.packages.signing import short_fingerprint


def test_create_load_sign(tmp_path):
    public = keys.create_key(tmp_path / "keys", "mật khẩu dài", "Nguyễn Thị Hoa")
    assert keys.key_exists(tmp_path / "keys")
    assert keys.load_public(tmp_path / "keys") == public
    signer = keys.load_signer(tmp_path / "keys", "mật khẩu dài")
    assert signer.fingerprint == public.fingerprint == short_fingerprint(public.public_key)
    pem = (tmp_path / "keys" / keys.PRIVATE_NAME).read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem  # never stored in the clear


def test_wrong_passphrase(tmp_path):
    keys.create_key(tmp_path, "đúng")
    with pytest.raises(keys.KeyFileError):
        keys.load_signer(tmp_path, "sai")


def test_no_overwrite_and_no_empty_passphrase(tmp_path):
    keys.create_key(tmp_path, "a")
    with pytest.raises(keys.KeyFileError):
        keys.create_key(tmp_path, "b")
    with pytest.raises(keys.KeyFileError):
        keys.create_key(tmp_path / "other", "")


def test_missing_key_and_damaged_public_file(tmp_path):
    with pytest.raises(keys.KeyFileError):
        keys.load_signer(tmp_path, "x")
    with pytest.raises(keys.KeyFileError):
        keys.load_public(tmp_path)
    with pytest.raises(keys.KeyFileError):
        keys.PublicKeyFile.from_bytes(
            b'{"format": "dti-public-key", "kind": "ed25519", "public_key": "AAAA"}'
        )


def test_public_file_round_trip(tmp_path):
    public = keys.create_key(tmp_path, "p", "Xã Hùng Lô")
    again = keys.PublicKeyFile.from_bytes(public.to_bytes())
    assert again == public and again.name == "Xã Hùng Lô"
