"""Files taken from outside (packages, bundles, reviews, trust lists, units lists, workbooks).

One way to read them: open once (never block: a FIFO or a device opened for reading would
wait for a writer or never end), ``fstat`` the open handle (no race between a check and the
open), regular files only, the size checked *before* anything is read, then bounded reads
that stop one byte past the limit even when the file grows or ``st_size`` lied. ``/dev/zero``,
a FIFO, a folder, a 4 GB sparse file: each is refused with its own reason code and a message
that names the file, before any memory is spent on it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

from forms.i18n import _
from forms.problems import Problem

CHUNK = 1024 * 1024
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)


class InboundRejected(Exception):
    """A file from outside that is not read; ``problem.code`` is one of ``file_unreadable``,
    ``not_regular_file``, ``file_too_large``."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1048576:.1f}".replace(".", ",") + " MB"
    return f"{size:,}".replace(",", ".") + " byte"


def _rejected(code: str, message: str, path: str) -> InboundRejected:
    return InboundRejected(Problem(code, message, path))


@contextlib.contextmanager
def open_inbound(path: str | os.PathLike[str], limit: int) -> Iterator[tuple[BinaryIO, int]]:
    """Open ``path`` for reading as ``(file, size)`` if it is a regular file of at most
    ``limit`` bytes; raise :class:`InboundRejected` otherwise. Read it with
    :func:`read_bounded` (its size may change after the check)."""
    shown = os.fspath(path)
    name = os.path.basename(shown) or shown
    try:
        fd = os.open(shown, os.O_RDONLY | _NONBLOCK | _BINARY | _NOCTTY)
    except OSError as exc:
        raise _rejected(
            "file_unreadable",
            _("Không mở được tệp {name}: {error}", name=name, error=exc.strerror or str(exc)),
            shown,
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _rejected(
                "not_regular_file",
                _(
                    "{name} không phải tệp thông thường (thư mục, thiết bị hoặc đường ống): không đọc",
                    name=name,
                ),
                shown,
            )
        if info.st_size > limit:
            raise _rejected(
                "file_too_large",
                _(
                    "Tệp {name} quá lớn ({size}, tối đa {limit}): không đọc",
                    name=name,
                    size=_size_text(info.st_size),
                    limit=_size_text(limit),
                ),
                shown,
            )
        if _NONBLOCK and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: ordinary reads from here on
        handle = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle, info.st_size


def read_bounded(handle: BinaryIO, limit: int, path: str | os.PathLike[str]) -> bytes:
    """At most ``limit`` bytes of ``handle``; a file that turns out longer is refused."""
    buffer = io.BytesIO()
    remaining = limit + 1
    while remaining > 0:
        chunk = handle.read(min(CHUNK, remaining))
        if not chunk:
            break
        buffer.write(chunk)
        remaining -= len(chunk)
    if remaining <= 0:
        shown = os.fspath(path)
        raise _rejected(
            "file_too_large",
            _(
                "Tệp {name} quá lớn (hơn {limit}): không đọc",
                name=os.path.basename(shown) or shown,
                limit=_size_text(limit),
            ),
            shown,
        )
    return buffer.getvalue()


def read_inbound(path: str | os.PathLike[str], limit: int) -> bytes:
    """The whole content of a regular file of at most ``limit`` bytes (see :func:`open_inbound`)."""
    with open_inbound(path, limit) as (handle, _size):
        return read_bounded(handle, limit, path)


def sha256_inbound(path: str | os.PathLike[str], limit: int) -> str:
    """The sha256 (hex) of a regular file of at most ``limit`` bytes, read in chunks (see
    :func:`open_inbound`): a file taken from outside is hashed without being held in memory."""
    digest = hashlib.sha256()
    with open_inbound(path, limit) as (handle, _size):
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
