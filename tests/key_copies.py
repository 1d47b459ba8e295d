"""One signing key per passphrase per test session, copied into each test's key folder.

Every key file costs a full scrypt derivation to make (~0.4 s, ``forms/packages/key_file.py``),
and a test that only needs *a* commune with a key should not pay it again: the format and its
cost are the real ones, only the making is shared. Tests that need two different keys keep
calling ``keys.create_key``.
"""

from __future__ import annotations

from pathlib import Path

from forms.atomic import write_bytes_atomic
from forms.packages import keys

_MADE: dict[str, tuple[bytes, bytes]] = {}


def install_key(keys_dir: Path, passphrase: str, name: str = "") -> keys.PublicKeyFile:
    """What ``keys.create_key(keys_dir, passphrase, name)`` leaves, with this session's key for
    ``passphrase`` (the same key for every caller)."""
    if passphrase not in _MADE:
        key = keys.generate_key()
        _MADE[passphrase] = (keys.encrypt_private(key, passphrase), keys.public_raw(key))
    private, public_raw = _MADE[passphrase]
    keys_dir.mkdir(parents=True, exist_ok=True)
    if keys.key_exists(keys_dir):
        raise keys.KeyFileError(f"a key already exists in {keys_dir}")
    public = keys.PublicKeyFile(keys.KIND_ED25519, public_raw, name)
    write_bytes_atomic(keys_dir / keys.PRIVATE_NAME, private, mode=0o600)
    write_bytes_atomic(keys_dir / keys.PUBLIC_NAME, public.to_bytes(), mode=0o644)
    return public
