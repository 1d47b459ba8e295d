"""Reading a zip someone else made, one entry at a time, with limits enforced while reading.

Never ``extractall``: names are checked before anything is read (traversal, absolute paths,
drive letters, backslashes, control characters, symlinks and other non-regular entries,
duplicates after NFC + case folding), sizes in the headers are checked up front for a quick
rejection, and the *actual* bytes produced are counted while streaming, since headers lie.
Nothing is written to disk: entries are hashed or read into memory within their limits.

What we accept must read the same in every zip tool (hole 9 of issue 12): tools disagree
exactly where an archive is ambiguous, so an archive is accepted only when it has one
reading. Every byte belongs to something: the first local header at offset 0, the entries
back to back, the central directory right after them and right before the end record (or the
zip64 records), the end record last, with no comment (our writers never write one; a comment
is where a second end record hides). Each local header says what its directory record says
(name, flags, method, CRC, sizes), and no extra field renames an entry (Info-ZIP Unicode path
or comment, which 7-Zip and unzip prefer to the header) or makes it a link (mode bits,
whatever ``create_system`` claims; the ASi and PKWARE Unix extras; the Windows reparse-point
attribute).

The rules live in two modules: ``forms.packages.zip_limits`` (names, sizes, ``Limits``,
``ZipProblem``) and ``forms.packages.zip_records`` (the end record, the central directory,
the local headers); this one is the reader.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from forms.i18n import _
from forms.inbound import InboundRejected, open_inbound
from forms.packages import format as fmt
from forms.packages import zip_limits
from forms.packages.zip_limits import Limits, ZipProblem, check_name, name_key
from forms.packages.zip_records import (
    TAIL_BYTES,
    check_bounds,
    check_directory,
    check_layout,
    end_record,
)

__all__ = ["IN_MEMORY_BYTES", "Limits", "SafeZip", "Source", "ZipProblem", "check_name", "name_key"]

IN_MEMORY_BYTES = 4 * 1024 * 1024
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO
# entries up to this size are inflated in one call from the in-memory package (below)
_ONE_SHOT_BYTES = 8 * 1024 * 1024
# what zipfile.ZipFile raises for a damaged archive
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    struct.error,
    NotImplementedError,  # e.g. a flipped byte claiming a multi-disk archive
)


class SafeZip:
    """An opened, name-checked package; read entries with :meth:`read` or :meth:`digest`.

    ``source`` is a path, the package's bytes, or a seekable binary file object (left open:
    it is the caller's)."""

    def __init__(self, source: Source, limits: Limits | None = None) -> None:
        limits = limits or Limits()
        self.limits = limits
        self._produced = 0  # decompressed bytes so far, all entries together
        self._data: bytes | memoryview | None = None  # the whole package, when in memory
        self._owned = True
        self._closing = contextlib.ExitStack()  # what SafeZip opened itself
        self._starts: dict[str, int] = {}  # where each entry's data begins (local header checked)
        if isinstance(source, bytes | bytearray | memoryview):
            self._data = source if isinstance(source, bytes) else memoryview(source).toreadonly()
            self._handle: BinaryIO = io.BytesIO(self._data)
        elif hasattr(source, "read"):
            self._handle, self._owned = source, False  # type: ignore[assignment]
        else:
            # one open, non-blocking, regular files only, the size checked before any read:
            # a FIFO would block open(), /dev/zero would be read forever
            try:
                self._handle, _size = self._closing.enter_context(
                    open_inbound(source, limits.package_bytes)
                )
            except InboundRejected as exc:
                raise ZipProblem(exc.problem) from None
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        limits = self.limits
        size = self._size()
        if size <= IN_MEMORY_BYTES and self._data is None:
            self._read_whole(size)
        tail, base = self._tail(size)
        cd_offset, cd_size, total, end = end_record(tail, base, size, limits)
        check_bounds(self._read_at, total, cd_offset, cd_size, end)
        self._handle.seek(0)
        try:
            self._zip = zipfile.ZipFile(self._handle)
        except _ZIP_ERRORS as exc:
            raise zip_limits.not_a_zip(str(exc)) from exc
        infos = self._zip.infolist()
        if len(infos) > limits.entries:
            raise zip_limits.too_many_entries(limits)
        self.files: dict[str, zipfile.ZipInfo]
        self.files, entries = check_directory(infos, limits, total, cd_size)
        self._starts = check_layout(entries, cd_offset, self._read_at)

    def _size(self) -> int:
        try:
            size = self._handle.seek(0, os.SEEK_END)
        except (OSError, ValueError) as exc:
            raise zip_limits.fail(
                "zip_invalid", _("Không mở được tệp gói: {error}", error=str(exc))
            ) from exc
        if size > self.limits.package_bytes:
            raise zip_limits.fail(
                "too_large",
                _(
                    "Tệp gói quá lớn ({size} byte, tối đa {limit})",
                    size=size,
                    limit=self.limits.package_bytes,
                ),
            )
        return size

    def _read_whole(self, size: int) -> None:
        """Small packages (nearly all) are read in one system call; zipfile's many small seeks
        and reads then cost nothing, and entries are inflated straight from it. Exactly
        ``size`` bytes: a file that grows meanwhile is read as it was measured."""
        self._handle.seek(0)
        chunks, remaining = [], size
        while remaining > 0 and (chunk := self._handle.read(remaining)):
            chunks.append(chunk)
            remaining -= len(chunk)
        whole = b"".join(chunks)
        if self._owned:
            self._handle.close()
        self._data, self._handle, self._owned = whole, io.BytesIO(whole), True

    def _tail(self, size: int) -> tuple[bytes, int]:
        """The bytes the end records are read from, and the offset they start at."""
        data = self._data
        if data is not None:
            return (data if isinstance(data, bytes) else bytes(data)), 0
        base = max(0, size - TAIL_BYTES)
        self._handle.seek(base)
        return self._handle.read(size - base), base

    def _read_at(self, offset: int, length: int) -> bytes:
        if self._data is not None:
            return bytes(self._data[offset : offset + length])
        self._handle.seek(offset)
        return self._handle.read(length)

    def _stream(self, name: str, max_bytes: int) -> Iterator[bytes]:
        info = self.files[name]
        produced = 0
        try:
            with self._zip.open(info) as source:
                while chunk := source.read(fmt.CHUNK):
                    produced += len(chunk)
                    self._produced += len(chunk)
                    if produced > max_bytes:
                        raise zip_limits.too_large(name)
                    zip_limits.check_sizes(
                        self.limits, name, produced, info.compress_size, self._produced
                    )
                    yield chunk
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            EOFError,
            ValueError,
            NotImplementedError,
            RuntimeError,
            struct.error,
        ) as exc:
            raise zip_limits.damaged(name, str(exc)) from exc

    def _one_shot(self, name: str, max_bytes: int) -> bytes | memoryview | None:
        """A small entry of an in-memory package, inflated in one call (None: stream it).

        The same checks as zipfile plus ``_stream``, without a ZipExtFile per entry (the local
        header was checked against the central directory on opening), no more than the limits
        allow is ever inflated (``max_length``), the entry must produce exactly its declared
        size, end its deflate stream, and match its CRC-32."""
        info = self.files[name]
        data = self._data
        if data is None or info.file_size > _ONE_SHOT_BYTES:
            return None
        limits = self.limits
        if info.flag_bits & 0x60:  # compressed patched data, strong encryption
            raise zip_limits.damaged(name, "unsupported flags")
        start = self._starts[name]  # its local header was checked when the zip was opened
        end = start + info.compress_size
        if end > len(data):
            raise zip_limits.damaged(name, "truncated")
        # never inflate more than the limits (or the declared size) allow, plus one byte to
        # tell "exactly at the limit" from "beyond it"
        cap = min(
            max_bytes,
            limits.entry_bytes,
            limits.total_bytes - self._produced,
            max(limits.ratio_floor, limits.ratio * max(info.compress_size, 1)),
        )
        view = memoryview(data)[start:end]
        if info.compress_type == zipfile.ZIP_STORED:
            out: bytes | memoryview = view[: min(cap, info.file_size) + 1]
        else:
            inflater = zlib.decompressobj(-15)
            try:
                out = inflater.decompress(view, min(cap, info.file_size) + 1)
            except zlib.error as exc:
                raise zip_limits.damaged(name, str(exc)) from exc
        produced = len(out)
        if produced > cap:
            if produced > max_bytes:
                raise zip_limits.too_large(name)
            zip_limits.check_sizes(
                self.limits, name, produced, info.compress_size, self._produced + produced
            )
        if produced != info.file_size or (
            info.compress_type != zipfile.ZIP_STORED and not inflater.eof
        ):
            raise zip_limits.damaged(name, "size differs from the directory")
        if zlib.crc32(out) != info.CRC:
            raise zip_limits.damaged(name, "bad CRC-32")
        self._produced += produced
        return out

    def read(self, name: str, max_bytes: int) -> bytes:
        out = self._one_shot(name, max_bytes)
        if out is not None:
            return bytes(out)
        buffer = io.BytesIO()
        for chunk in self._stream(name, max_bytes):
            buffer.write(chunk)
        return buffer.getvalue()

    def digest(self, name: str) -> tuple[str, int]:
        """sha256 (hex) and size of an entry's content, streamed."""
        out = self._one_shot(name, self.limits.entry_bytes)
        if out is not None:
            return hashlib.sha256(out).hexdigest(), len(out)
        digest = hashlib.sha256()
        size = 0
        for chunk in self._stream(name, self.limits.entry_bytes):
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest(), size

    def close(self) -> None:
        zf = getattr(self, "_zip", None)
        if zf is not None:
            zf.close()
        if self._owned:
            self._handle.close()
        self._closing.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
