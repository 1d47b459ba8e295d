"""The private key file resists guessing: scrypt at the stored parameters, a floor an outside
file cannot go under, old (PBKDF2, ~1 ms a guess) files upgraded on the next unlock."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from forms.canonical import canonical_bytes
from forms.packages import key_file, keys

LEGACY = Path(__file__).resolve().parents[2] / "fixtures" / "keys_v1"
LEGACY_PASSPHRASE = "mật khẩu cũ 2025"  # tests/fixtures/keys_v1, written by the code before scrypt
LEGACY_FINGERPRINT = "1C91 82B4 BF65 F1EF"
PASSPHRASE = "mật khẩu dài"


@pytest.fixture(scope="module")
def sealed():
    """One key sealed at today's parameters, shared by the tests of this module (each seal and
    each unlock is one full-cost scrypt derivation)."""
    key = keys.generate_key()
    return key, key_file.seal(key, PASSPHRASE)


def body_of(data: bytes) -> dict:
    lines = data.strip().splitlines()
    return json.loads(base64.b64decode(b"".join(lines[1:-1])))


def armour(body: dict) -> bytes:
    raw = base64.b64encode(json.dumps(body).encode("ascii"))
    return key_file.BEGIN + b"\n" + raw + b"\n" + key_file.END + b"\n"


def seal_with(key, passphrase: str, n: int, r: int = 8, p: int = 1) -> bytes:
    """A well-formed file at any parameters, sealed the way the format says (as an attacker or
    an old tool would write it), bypassing ``seal``'s own refusal."""
    public = keys.public_raw(key)
    salt, nonce = os.urandom(16), os.urandom(12)
    header = {
        "format": key_file.FORMAT,
        "version": key_file.VERSION,
        "kind": "ed25519",
        "public_key": base64.b64encode(public).decode(),
        "kdf": {"name": "scrypt", "salt": base64.b64encode(salt).decode(), "n": n, "r": r, "p": p},
        "cipher": key_file.CIPHER,
        "nonce": base64.b64encode(nonce).decode(),
    }
    secret = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())
    raw = key.private_bytes_raw()
    sealed = AESGCM(secret).encrypt(nonce, raw, canonical_bytes(header))
    return armour({**header, "ciphertext": base64.b64encode(sealed).decode()})


def test_new_files_use_scrypt_at_the_floor_or_above(sealed):
    key, data = sealed
    body = body_of(data)
    assert data.startswith(key_file.BEGIN) and b"ENCRYPTED PRIVATE KEY" in data
    assert body["kdf"]["name"] == "scrypt"
    assert body["kdf"]["n"] >= 2**17 and body["kdf"]["r"] >= 8 and body["kdf"]["p"] >= 1
    assert body["public_key"] == base64.b64encode(keys.public_raw(key)).decode()
    assert (
        key.private_bytes_raw() not in data
        and base64.b64encode(key.private_bytes_raw()) not in data
    )
    opened = key_file.open_key(data, PASSPHRASE)
    assert opened.key.private_bytes_raw() == key.private_bytes_raw()
    assert not opened.needs_upgrade


def test_wrong_passphrase_is_refused(sealed):
    _key, data = sealed
    with pytest.raises(key_file.SealedKeyError) as caught:
        key_file.open_key(data, "mật khẩu sai")
    assert caught.value.reason == "passphrase"


def test_passphrase_typed_with_combining_accents_opens(sealed):
    key, data = sealed
    decomposed = unicodedata.normalize("NFD", PASSPHRASE)
    assert decomposed != PASSPHRASE
    assert key_file.open_key(data, decomposed).key.private_bytes_raw() == key.private_bytes_raw()


def test_parameters_below_the_floor_are_refused_even_when_the_file_is_genuine():
    key = keys.generate_key()
    weak = seal_with(key, PASSPHRASE, n=2**10)  # a valid file, ~1 ms a guess
    with pytest.raises(key_file.SealedKeyError) as caught:
        key_file.open_key(weak, PASSPHRASE)
    assert caught.value.reason == "weak"
    for n, r, p in ((2**16, 8, 1), (2**17, 4, 1), (2**17, 8, 0)):
        body = body_of(weak)
        body["kdf"].update(n=n, r=r, p=p)
        with pytest.raises(key_file.SealedKeyError) as caught:
            key_file.open_key(armour(body), PASSPHRASE)
        assert caught.value.reason in {"weak", "damaged"}, (n, r, p)


def test_parameters_lowered_in_a_strong_file_are_refused(sealed):
    _key, data = sealed
    body = body_of(data)
    body["kdf"]["n"] = 2**12
    with pytest.raises(key_file.SealedKeyError) as caught:
        key_file.open_key(armour(body), PASSPHRASE)
    assert caught.value.reason == "weak"


def test_parameters_above_the_ceiling_are_refused_before_any_work(sealed):
    _key, data = sealed
    for change in ({"n": 2**30}, {"n": 3 * 2**17}, {"p": 64}, {"r": 2**20}):
        body = body_of(data)
        body["kdf"].update(change)
        with pytest.raises(key_file.SealedKeyError) as caught:
            key_file.open_key(armour(body), PASSPHRASE)
        assert caught.value.reason == "weak", change


def test_a_changed_header_fails_like_a_wrong_passphrase(sealed):
    _key, data = sealed
    body = body_of(data)
    body["kdf"]["n"] = 2**18  # stronger, but not what it was sealed with
    other = keys.public_raw(keys.generate_key())
    for changed in (body, {**body_of(data), "public_key": base64.b64encode(other).decode()}):
        with pytest.raises(key_file.SealedKeyError) as caught:
            key_file.open_key(armour(changed), PASSPHRASE)
        assert caught.value.reason == "passphrase"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: {**b, "format": "something"},
        lambda b: {**b, "version": 3},
        lambda b: {**b, "kdf": {**b["kdf"], "name": "pbkdf2"}},
        lambda b: {**b, "kdf": {**b["kdf"], "n": True}},
        lambda b: {**b, "kdf": {**b["kdf"], "n": "131072"}},
        lambda b: {**b, "kdf": {**b["kdf"], "extra": 1}},
        lambda b: {**b, "kdf": {**b["kdf"], "salt": "AAAA"}},
        lambda b: {**b, "nonce": "not base64!"},
        lambda b: {**b, "ciphertext": base64.b64encode(b"short").decode()},
        lambda b: [b],
    ],
)
def test_damaged_files_are_refused_with_a_reason(sealed, mutate):
    _key, data = sealed
    with pytest.raises(key_file.SealedKeyError) as caught:
        key_file.open_key(armour(mutate(body_of(data))), PASSPHRASE)
    assert caught.value.reason in {"damaged", "weak"}


def test_garbage_duplicate_keys_and_huge_files_are_refused(sealed):
    _key, data = sealed
    text = json.dumps(body_of(data))
    duplicated = text[:-1] + ', "format": "dti-private-key"}'
    raw = base64.b64encode(duplicated.encode())
    cases = [
        b"",
        b"hello",
        key_file.BEGIN + b"\n!!!\n" + key_file.END,
        key_file.BEGIN + b"\n" + raw + b"\n" + key_file.END,
        data + b"A" * key_file.MAX_FILE_BYTES,
    ]
    for case in cases:
        with pytest.raises(key_file.SealedKeyError) as caught:
            key_file.open_key(case, PASSPHRASE)
        assert caught.value.reason == "damaged"


def test_old_format_key_opens_and_is_upgraded_once(tmp_path):
    folder = tmp_path / "keys"
    shutil.copytree(LEGACY, folder)
    private = folder / keys.PRIVATE_NAME
    assert private.read_bytes().startswith(key_file.LEGACY_BEGIN)

    with pytest.raises(keys.KeyFileError) as caught:
        keys.load_signer(folder, "sai mật khẩu")
    assert caught.value.reason == "passphrase"
    assert private.read_bytes() == (LEGACY / keys.PRIVATE_NAME).read_bytes()  # untouched

    signer = keys.load_signer(folder, LEGACY_PASSPHRASE)
    assert signer.fingerprint == LEGACY_FINGERPRINT == keys.load_public(folder).fingerprint
    upgraded = private.read_bytes()
    assert upgraded.startswith(key_file.BEGIN)
    assert body_of(upgraded)["kdf"] | {"salt": ""} == {
        "name": "scrypt",
        "salt": "",
        "n": key_file.N,
        "r": key_file.R,
        "p": key_file.P,
    }
    if os.name != "nt":
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".part")]

    again = keys.load_signer(folder, LEGACY_PASSPHRASE)  # opens the new file, no re-write
    assert again.fingerprint == LEGACY_FINGERPRINT
    assert private.read_bytes() == upgraded


def test_upgrade_that_cannot_be_written_still_signs(tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    shutil.copytree(LEGACY, folder)

    def disk_full(path, data, mode=0o600):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keys, "_write_atomic", disk_full)
    signer = keys.load_signer(folder, LEGACY_PASSPHRASE)
    assert signer.fingerprint == LEGACY_FINGERPRINT
    assert (folder / keys.PRIVATE_NAME).read_bytes().startswith(key_file.LEGACY_BEGIN)


def test_refused_file_through_load_signer_says_weak(tmp_path):
    folder = tmp_path / "keys"
    folder.mkdir()
    (folder / keys.PRIVATE_NAME).write_bytes(seal_with(keys.generate_key(), "p", n=2**4))
    with pytest.raises(keys.KeyFileError) as caught:
        keys.load_signer(folder, "p")
    assert caught.value.reason == "weak"
    (folder / keys.PRIVATE_NAME).unlink()
    with pytest.raises(keys.KeyFileError) as caught:
        keys.load_signer(folder, "p")
    assert caught.value.reason == "missing"
