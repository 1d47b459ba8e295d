"""Reading a zip someone else made, one entry at a time, with limits enforced while reading.

Never ``extractall``: names are checked before anything is read (traversal, absolute paths,
drive letters, backslashes, control characters, symlinks and other non-regular entries,
duplicates after NFC + case folding), sizes in the headers are checked up front for a quick
rejection, and the *actual* bytes produced are counted while streaming, since headers lie.
Nothing is written to disk: entries are hashed or read into memory within their limits.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from forms.i18n import _
from forms.packages import format as fmt
from forms.problems import Problem


class ZipProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


@dataclass(frozen=True)
class Limits:
    package_bytes: int = fmt.MAX_PACKAGE_BYTES
    entries: int = fmt.MAX_ENTRIES
    total_bytes: int = fmt.MAX_TOTAL_BYTES
    entry_bytes: int = fmt.MAX_ENTRY_BYTES
    ratio: int = fmt.MAX_RATIO
    ratio_floor: int = fmt.RATIO_FLOOR


IN_MEMORY_BYTES = 4 * 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# a central-directory record is 46 bytes plus name, extra field and comment
_MAX_CD_RECORD = 46 + fmt.MAX_NAME_LENGTH + 2 * 1024
_EOCD = struct.Struct("<4s4H2LH")


def _fail(code: str, message: str, where: str = "") -> ZipProblem:
    return ZipProblem(Problem(code, message, where))


def name_key(name: str) -> str:
    """How Windows and macOS would see a name: NFC and case-folded (NFD twins collide)."""
    if name.isascii():  # nearly every entry: NFC is the identity and casefold is lower()
        return name.lower()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def check_name(name: str) -> None:
    """Raise ``ZipProblem(unsafe_path)`` for a name that could land outside the target folder."""
    reason = ""
    if not name or len(name) > fmt.MAX_NAME_LENGTH:
        reason = "length"
    elif "\\" in name:
        reason = "backslash"
    elif name.startswith("/") or _DRIVE.match(name):
        reason = "absolute"
    elif _CONTROL.search(name):
        reason = "control"
    else:
        parts = name[:-1].split("/") if name.endswith("/") else name.split("/")
        if any(part in ("", ".", "..") for part in parts):
            reason = "traversal"
    if reason:
        raise _fail("unsafe_path", _("Tên mục không an toàn trong gói: {name}", name=name), name)


def _entry_count_precheck(handle: BinaryIO, size: int, limits: Limits) -> None:
    """Refuse a huge central directory before ``zipfile`` spends time parsing it."""
    tail_len = min(size, 22 + 65535)
    handle.seek(size - tail_len)
    tail = handle.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return  # zipfile will say what is wrong
    _sig, _disk, _cd_disk, _here, total, cd_size, _cd_off, _comment = _EOCD.unpack_from(tail, at)
    if (
        (total == 0xFFFF or cd_size == 0xFFFFFFFF)
        and at >= 20
        and tail[at - 20 : at - 16] == b"PK\x06\x07"
    ):
        # zip64: the real counts are in the zip64 end record the locator points to
        (offset,) = struct.unpack_from("<Q", tail, at - 12)
        if offset + 56 <= size:
            handle.seek(offset)
            record = handle.read(56)
            if record[:4] == b"PK\x06\x06":
                total, cd_size = struct.unpack_from("<QQ", record, 32)
    if (total != 0xFFFF and total > limits.entries) or (
        cd_size != 0xFFFFFFFF and cd_size > limits.entries * _MAX_CD_RECORD
    ):
        raise _fail(
            "too_many_entries", _("Gói có quá nhiều mục (tối đa {limit})", limit=limits.entries)
        )


Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO
# entries up to this size are inflated in one call from the in-memory package (below)
_ONE_SHOT_BYTES = 8 * 1024 * 1024
_LOCAL = struct.Struct("<4s2B4HL2L2H")


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
        if isinstance(source, bytes | bytearray | memoryview):
            self._data = source if isinstance(source, bytes) else memoryview(source).toreadonly()
            self._handle: BinaryIO = io.BytesIO(self._data)
        elif hasattr(source, "read"):
            self._handle, self._owned = source, False  # type: ignore[assignment]
        else:
            try:
                self._handle = open(source, "rb")  # noqa: SIM115 - closed in close()
            except OSError as exc:
                raise _fail(
                    "zip_invalid",
                    _("Không mở được tệp gói: {error}", error=exc.strerror or str(exc)),
                ) from exc
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        limits = self.limits
        try:
            size = self._handle.seek(0, os.SEEK_END)
        except (OSError, ValueError) as exc:
            raise _fail("zip_invalid", _("Không mở được tệp gói: {error}", error=str(exc))) from exc
        if size > limits.package_bytes:
            raise _fail(
                "too_large",
                _(
                    "Tệp gói quá lớn ({size} byte, tối đa {limit})",
                    size=size,
                    limit=limits.package_bytes,
                ),
            )
        if size <= IN_MEMORY_BYTES and self._data is None:
            # small packages (nearly all) are read in one system call; zipfile's many small
            # seeks and reads then cost nothing, and entries are inflated straight from it
            self._handle.seek(0)
            data = self._handle.read()
            if self._owned:
                self._handle.close()
            self._data, self._handle, self._owned = data, io.BytesIO(data), True
        _entry_count_precheck(self._handle, size, limits)
        self._handle.seek(0)
        try:
            self._zip = zipfile.ZipFile(self._handle)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            EOFError,
            ValueError,
            struct.error,
            NotImplementedError,  # e.g. a flipped byte claiming a multi-disk archive
        ) as exc:
            raise _fail(
                "zip_invalid", _("Tệp không phải gói zip hợp lệ: {error}", error=str(exc))
            ) from exc
        infos = self._zip.infolist()
        if len(infos) > limits.entries:
            raise _fail(
                "too_many_entries", _("Gói có quá nhiều mục (tối đa {limit})", limit=limits.entries)
            )
        self.files: dict[str, zipfile.ZipInfo] = {}
        seen: dict[str, str] = {}
        declared = 0
        for info in infos:
            name = info.filename
            check_name(name)
            if info.orig_filename != name:  # zipfile cut it at a NUL byte or rewrote separators
                raise _fail(
                    "unsafe_path",
                    _("Tên mục không an toàn trong gói: {name}", name=repr(info.orig_filename)),
                    name,
                )
            key = name_key(name.rstrip("/"))
            if key in seen:
                raise _fail(
                    "duplicate_entry",
                    _("Mục trùng tên trong gói: {name} và {other}", name=name, other=seen[key]),
                    name,
                )
            seen[key] = name
            mode = info.external_attr >> 16
            if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                code = "symlink_entry" if stat.S_ISLNK(mode) else "not_regular"
                raise _fail(
                    code,
                    _(
                        "Mục {name} không phải tệp thông thường (liên kết hoặc tệp đặc biệt)",
                        name=name,
                    ),
                    name,
                )
            is_dir = name.endswith("/") or stat.S_ISDIR(mode) or bool(info.external_attr & 0x10)
            if is_dir:
                if info.file_size or info.compress_size > 2 or not name.endswith("/"):
                    raise _fail(
                        "not_regular",
                        _(
                            "Mục {name} không phải tệp thông thường (liên kết hoặc tệp đặc biệt)",
                            name=name,
                        ),
                        name,
                    )
                continue
            if info.flag_bits & 0x1:
                raise _fail(
                    "encrypted_entry", _("Mục {name} bị mã hóa, không đọc được", name=name), name
                )
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _fail(
                    "unsupported_compression",
                    _("Mục {name} dùng kiểu nén không hỗ trợ", name=name),
                    name,
                )
            self._check_sizes(name, info.file_size, info.compress_size, declared + info.file_size)
            declared += info.file_size
            self.files[name] = info

    def _check_sizes(self, name: str, produced: int, compressed: int, total: int) -> None:
        limits = self.limits
        if produced > limits.entry_bytes or total > limits.total_bytes:
            raise _fail(
                "too_large", _("Mục {name} giải nén ra quá lớn (nghi bom zip)", name=name), name
            )
        if produced > limits.ratio_floor and produced > limits.ratio * max(compressed, 1):
            raise _fail(
                "compression_ratio",
                _("Mục {name} có tỷ lệ nén bất thường (nghi bom zip)", name=name),
                name,
            )

    def _stream(self, name: str, max_bytes: int) -> Iterator[bytes]:
        info = self.files[name]
        produced = 0
        try:
            with self._zip.open(info) as source:
                while chunk := source.read(fmt.CHUNK):
                    produced += len(chunk)
                    self._produced += len(chunk)
                    if produced > max_bytes:
                        raise _fail(
                            "too_large",
                            _("Mục {name} giải nén ra quá lớn (nghi bom zip)", name=name),
                            name,
                        )
                    self._check_sizes(name, produced, info.compress_size, self._produced)
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
            raise _fail(
                "zip_invalid", _("Mục {name} bị hỏng: {error}", name=name, error=str(exc)), name
            ) from exc

    def _one_shot(self, name: str, max_bytes: int) -> bytes | memoryview | None:
        """A small entry of an in-memory package, inflated in one call (None: stream it).

        The same checks as zipfile plus ``_stream``, without a ZipExtFile per entry: the local
        header's signature and name must match the central directory, no more than the limits
        allow is ever inflated (``max_length``), the entry must produce exactly its declared
        size, end its deflate stream, and match its CRC-32."""
        info = self.files[name]
        data = self._data
        if data is None or info.file_size > _ONE_SHOT_BYTES:
            return None
        limits = self.limits
        damaged = lambda error: _fail(  # noqa: E731
            "zip_invalid", _("Mục {name} bị hỏng: {error}", name=name, error=error), name
        )
        offset = info.header_offset
        if offset < 0 or offset + _LOCAL.size > len(data):
            raise damaged("local header out of range")
        header = _LOCAL.unpack_from(data, offset)
        if header[0] != b"PK\x03\x04":
            raise damaged("bad magic number for file header")
        if info.flag_bits & 0x60:  # compressed patched data, strong encryption
            raise damaged("unsupported flags")
        start = offset + _LOCAL.size
        raw_name = bytes(data[start : start + header[10]])
        try:
            local_name = raw_name.decode("utf-8" if info.flag_bits & 0x800 else "cp437")
        except UnicodeDecodeError:
            raise damaged("bad file name in local header") from None
        if local_name != info.orig_filename:
            raise damaged("file name in directory and header differ")
        start += header[10] + header[11]
        end = start + info.compress_size
        if end > len(data):
            raise damaged("truncated")
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
                raise damaged(str(exc)) from exc
        produced = len(out)
        if produced > cap:
            if produced > max_bytes:
                raise _fail(
                    "too_large", _("Mục {name} giải nén ra quá lớn (nghi bom zip)", name=name), name
                )
            self._check_sizes(name, produced, info.compress_size, self._produced + produced)
        if produced != info.file_size or (
            info.compress_type != zipfile.ZIP_STORED and not inflater.eof
        ):
            raise damaged("size differs from the directory")
        if zlib.crc32(out) != info.CRC:
            raise damaged("bad CRC-32")
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

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
