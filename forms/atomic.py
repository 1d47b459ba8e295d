"""Writing a file so that it is either whole or untouched: the one way every writer does it.

A temporary file beside the target (same file system, so the rename is atomic), written,
flushed and fsynced, renamed over the target, then the folder fsynced so the rename itself
survives a power cut or a pulled USB stick. On any error the temporary file is removed and the
target keeps its old content. Packages, bundles, reviews, trust lists, keys, criteria sets and
exported workbooks all go through :func:`atomic_write`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable on POSIX (Windows cannot open a folder this way)."""
    if os.name != "nt":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# A file meant to be shared (a package, a workbook, a review, a report) gets the permissions
# any program of this user would give it: 0666 less the umask, applied by the kernel when the
# temporary file is created (0644 under the usual umask 022). ``mkstemp`` would make it 0600,
# and a province colleague could not open the ranking table from a shared folder.
_SHARED = 0o666
_TEMP_TRIES = 16


def _create_temp(folder: Path, name: str, permissions: int) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _attempt in range(_TEMP_TRIES):
        temp = folder / f".{name}.{secrets.token_hex(6)}.part"
        try:
            return os.open(temp, flags, permissions), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {folder / name}")


@contextlib.contextmanager
def atomic_write(
    target: str | os.PathLike[str], *, mode: int | None = None, durable: bool = True
) -> Iterator[BinaryIO]:
    """``with atomic_write(path) as handle: handle.write(...)``: ``path`` is replaced only when
    the block ends without an error.

    ``mode=None`` (files meant to be shared) gives the user's normal permissions (0644 under
    umask 022). A given ``mode`` is set exactly, and the temporary file is private (0600) until
    then: a key is written with 0600 and is never readable by others, even for a moment.
    ``durable=False`` skips both fsyncs (bulk demo data, where a lost file is simply redone)."""
    path = Path(target)
    folder = path.parent if str(path.parent) else Path(".")
    fd, temp = _create_temp(folder, path.name, _SHARED if mode is None else 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    if durable:
        fsync_dir(folder)


def write_bytes_atomic(
    target: str | os.PathLike[str], data: bytes, *, mode: int | None = None
) -> Path:
    """``data`` written to ``target`` through :func:`atomic_write`."""
    with atomic_write(target, mode=mode) as handle:
        handle.write(data)
    return Path(target)
