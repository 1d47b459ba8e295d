"""What one guess at the officer's passphrase costs: the key file's unlock time.

Run: ``.venv/bin/python benchmarks/bench_keys.py [--repeat N]``. Prints the time to create a key
file and to unlock it at today's parameters (scrypt n=2**17, r=8, p=1, ``forms/packages/
key_file.py``), beside the old format (PKCS#8 with PBKDF2, 2048 rounds, as ``cryptography``'s
``BestAvailableEncryption`` writes it), the one an upgrade replaces on the next unlock. The
unlock time is what an attacker with a stolen key file pays per guess, on this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import serialization  # noqa: E402

from forms.packages import key_file, keys  # noqa: E402

PASSPHRASE = "mật khẩu dài của cán bộ"


def _median_ms(work, repeat: int) -> str:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return (
        f"median {statistics.median(times) * 1e3:.1f} ms (min {min(times) * 1e3:.1f}, n={repeat})"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"cpu count: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    key = keys.generate_key()
    sealed = key_file.seal(key, PASSPHRASE)
    legacy = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode("utf-8")),
    )
    params = f"scrypt n=2**{key_file.N.bit_length() - 1}, r={key_file.R}, p={key_file.P}"
    memory = 128 * key_file.R * key_file.N // 2**20
    print(f"key file: {params} ({memory} MiB), AES-256-GCM")
    print(f"create: {_median_ms(lambda: key_file.seal(key, PASSPHRASE), args.repeat)}")
    print(f"unlock (one guess): {_median_ms(lambda: key_file.open_key(sealed, PASSPHRASE), args.repeat)}")  # fmt: skip
    wrong = "mật khẩu sai"

    def guess() -> None:
        with contextlib.suppress(key_file.SealedKeyError):
            key_file.open_key(sealed, wrong)

    print(f"wrong passphrase refused: {_median_ms(guess, args.repeat)}")
    old = _median_ms(lambda: key_file.open_key(legacy, PASSPHRASE), args.repeat * 20)
    print(f"old format (PBKDF2-SHA256, 2048 rounds) unlock: {old}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
