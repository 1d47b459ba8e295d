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
"""

from __future__ import annotations

import contextlib
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
from forms.inbound import InboundRejected, open_inbound
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
_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_EOCD_SIGNATURE = b"PK\x05\x06"
_SHORT = struct.Struct("<H")
_LONG64 = struct.Struct("<Q")
_EXTRA = struct.Struct("<2H")
_DESCRIPTORS = (struct.Struct("<3L"), struct.Struct("<LQQ"))  # crc32, sizes (zip64: 8 bytes)
# the flags a front-to-back reader acts on: encryption, data descriptor, compressed patched
# data, strong encryption, UTF-8 names
_COMPARED_FLAGS = 0x1 | 0x8 | 0x20 | 0x40 | 0x800
_UNICODE_PATH, _UNICODE_COMMENT, _ASI_UNIX, _PKWARE_UNIX, _ZIP64 = 0x7075, 0x6375, 0x756E, 0xD, 1
_REPARSE_POINT = 0x400  # a Windows symlink or junction, in the DOS attributes
_REGULAR_OR_DIR = (0, stat.S_IFREG, stat.S_IFDIR)
_ZIP64_MARKERS = (0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)  # entries, directory size, directory offset
# what is read from the end of a large package: the end record, the longest comment it could
# hide behind, the zip64 locator and record
_TAIL_BYTES = 22 + 65535 + 20 + 56


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


def _end_record(tail: bytes, base: int, size: int, limits: Limits) -> tuple[int, int, int, int]:  # noqa: C901
    """``(directory offset, directory size, entries, end)`` from the end record, which must end
    the file; ``end`` is where the directory must end (the end record or the zip64 record).
    ``tail`` holds the file's bytes from offset ``base`` to its end (the last 64 KiB at least).
    The entry count is refused here, before ``zipfile`` spends time parsing a huge directory."""
    at = size - _EOCD.size - base
    if at < 0 or tail[at : at + 4] != _EOCD_SIGNATURE:
        found = tail.rfind(_EOCD_SIGNATURE)
        if found < 0 or found + _EOCD.size > len(tail):
            raise _fail(
                "zip_invalid",
                _("Tệp không phải gói zip hợp lệ: {error}", error="no end of central directory"),
            )
        (comment,) = _SHORT.unpack_from(tail, found + 20)
        if base + found + _EOCD.size + comment == size:
            raise _fail(
                "zip_comment",
                _(
                    "Tệp gói có chú thích zip ({size} byte): gói hợp lệ không có chú thích",
                    size=comment,
                ),
            )
        raise _fail("zip_appended_data", _("Tệp gói có dữ liệu lạ sau bản ghi kết thúc zip"))
    _sig, disk, cd_disk, here, total, cd_size, cd_offset, comment = _EOCD.unpack_from(tail, at)
    if comment:
        raise _fail(
            "zip_comment",
            _(
                "Tệp gói có chú thích zip ({size} byte): gói hợp lệ không có chú thích",
                size=comment,
            ),
        )
    # another end record whose comment would reach the end of the file: a tool that takes that
    # one sees another archive (ours is then inside its comment)
    other = tail.rfind(_EOCD_SIGNATURE, max(0, at - 65535), at)
    while other >= 0:
        if _SHORT.unpack_from(tail, other + 20)[0] == size - base - other - _EOCD.size:
            raise _fail(
                "zip_comment",
                _(
                    "Tệp gói có bản ghi kết thúc zip thứ hai ở byte {offset} (ẩn trong chú thích): mỗi công cụ zip sẽ thấy một nội dung khác",
                    offset=base + other,
                ),
            )
        other = tail.rfind(_EOCD_SIGNATURE, max(0, at - 65535), other)
    end = size - _EOCD.size
    if at >= _LOCATOR.size and tail[at - _LOCATOR.size : at - 16] == b"PK\x06\x07":
        # zip64 (zipfile reads it whenever the locator is there): the record the locator
        # points to, right before it, with no extensible data (zipfile assumes exactly that)
        record = at - _LOCATOR.size - _EOCD64.size
        _sig, z_disk, z_offset, disks = _LOCATOR.unpack_from(tail, at - _LOCATOR.size)
        if (
            record < 0
            or z_disk
            or disks != 1
            or z_offset != base + record
            or tail[record : record + 4] != b"PK\x06\x06"
            or _EOCD64.unpack_from(tail, record)[1] != _EOCD64.size - 12
        ):
            raise _fail(
                "zip_invalid", _("Tệp không phải gói zip hợp lệ: {error}", error="bad zip64 end")
            )
        short = (total, cd_size, cd_offset)  # the end record's own values
        _sig, _len, _v1, _v2, disk, cd_disk, here, total, cd_size, cd_offset = _EOCD64.unpack_from(
            tail, record
        )
        # a reader that ignores zip64 uses the end record's values: each must be the zip64
        # one or the "see zip64" marker
        wide_values = (total, cd_size, cd_offset)
        for mine, wide, marker in zip(short, wide_values, _ZIP64_MARKERS, strict=True):
            if mine not in (wide, marker):
                raise _fail(
                    "zip_invalid",
                    _("Tệp không phải gói zip hợp lệ: {error}", error="zip64 end record differs"),
                )
        end = base + record
    if disk or cd_disk or here != total:
        raise _fail(
            "zip_invalid", _("Tệp không phải gói zip hợp lệ: {error}", error="multi-disk archive")
        )
    if total > limits.entries or cd_size > limits.entries * _MAX_CD_RECORD:
        raise _fail(
            "too_many_entries", _("Gói có quá nhiều mục (tối đa {limit})", limit=limits.entries)
        )
    return cd_offset, cd_size, total, end


def _mismatch(name: str, what: str) -> ZipProblem:
    return _fail(
        "header_mismatch",
        _("Mục {name}: tiêu đề cục bộ khác thư mục trung tâm ({field})", name=name, field=what),
        name,
    )


def _prepended() -> ZipProblem:
    # a self-extractor stub, an HTML page, another archive, or a damaged first header
    return _fail(
        "zip_prepended_data",
        _("Tệp gói không bắt đầu bằng một mục zip (dữ liệu lạ hoặc hỏng ở byte 0)"),
    )


def _not_regular(name: str, code: str) -> ZipProblem:
    return _fail(
        code,
        _("Mục {name} không phải tệp thông thường (liên kết hoặc tệp đặc biệt)", name=name),
        name,
    )


def _check_extras(info: zipfile.ZipInfo, extra: bytes, sizes: list[int] | None) -> None:  # noqa: C901, PLR0912
    """Raise for an extra field that renames the entry or makes it a link; in a local header
    (``sizes`` = its compressed and uncompressed size), replace 0xFFFFFFFF by the zip64 value."""
    name = info.filename
    at = 0
    while at + 4 <= len(extra):  # fewer than 4 bytes left: padding (zipalign writes some)
        tag, length = _EXTRA.unpack_from(extra, at)
        body = extra[at + 4 : at + 4 + length]
        if len(body) != length:
            raise _fail(
                "zip_invalid",
                _("Mục {name} bị hỏng: {error}", name=name, error="bad extra field"),
                name,
            )
        at += 4 + length
        if tag in (_UNICODE_PATH, _UNICODE_COMMENT):
            # version 1, crc32 of the header's text, the UTF-8 text tools show instead of it
            try:
                text = body[5:].decode("utf-8") if length >= 5 and body[0] == 1 else None
            except UnicodeDecodeError:
                text = None
            if tag == _UNICODE_PATH and text != name:
                raise _fail(
                    "unicode_path_extra",
                    _(
                        "Mục {name} có trường phụ Unicode Path ghi tên khác: {other}",
                        name=name,
                        other=repr(body[5:])[2:-1],
                    ),
                    name,
                )
            encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
            if tag == _UNICODE_COMMENT and text != info.comment.decode(encoding, "replace"):
                raise _fail(
                    "unicode_path_extra",
                    _("Mục {name} có trường phụ Unicode Comment ghi chú thích khác", name=name),
                    name,
                )
        elif tag == _ASI_UNIX:  # crc32, mode, size or device, uid, gid, link target
            if length < 14:
                raise _fail(
                    "zip_invalid",
                    _("Mục {name} bị hỏng: {error}", name=name, error="bad extra field"),
                    name,
                )
            (mode,) = _SHORT.unpack_from(body, 4)
            if stat.S_IFMT(mode) not in _REGULAR_OR_DIR or length > 14:
                raise _not_regular(
                    name, "symlink_entry" if stat.S_ISLNK(mode) or length > 14 else "not_regular"
                )
        elif tag == _PKWARE_UNIX and length > 12:  # times, uid, gid, then a link target or device
            raise _not_regular(name, "symlink_entry")
        elif tag == _ZIP64 and sizes is not None:
            # a local header's zip64 extra: uncompressed then compressed size, each only if
            # its header field is 0xFFFFFFFF
            offset = 0
            for index in (1, 0):
                if sizes[index] == 0xFFFFFFFF:
                    if offset + 8 > length:
                        raise _mismatch(name, "zip64")
                    (sizes[index],) = _LONG64.unpack_from(body, offset)
                    offset += 8


Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO
# entries up to this size are inflated in one call from the in-memory package (below)
_ONE_SHOT_BYTES = 8 * 1024 * 1024
_LOCAL = struct.Struct("<4s2B4HL2L2H")


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    """The name's bytes as the central directory holds them (zipfile keeps only the text)."""
    name = info.orig_filename
    if name.isascii():  # nearly every entry: the same bytes either way, and cp437 is slow
        return name.encode()
    return name.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def _first(item: tuple[int, zipfile.ZipInfo, bytes]) -> int:
    return item[0]


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

    def _open(self) -> None:  # noqa: C901, PLR0912, PLR0915
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
            # seeks and reads then cost nothing, and entries are inflated straight from it.
            # Exactly ``size`` bytes: a file that grows meanwhile is read as it was measured.
            self._handle.seek(0)
            chunks, remaining = [], size
            while remaining > 0 and (chunk := self._handle.read(remaining)):
                chunks.append(chunk)
                remaining -= len(chunk)
            whole = b"".join(chunks)
            if self._owned:
                self._handle.close()
            self._data, self._handle, self._owned = whole, io.BytesIO(whole), True
        data = self._data
        if data is not None:
            tail, base = (data if isinstance(data, bytes) else bytes(data)), 0
        else:
            base = max(0, size - _TAIL_BYTES)
            self._handle.seek(base)
            tail = self._handle.read(size - base)
        cd_offset, cd_size, total, end = _end_record(tail, base, size, limits)
        if self._read_at(0, 4) != (b"PK\x03\x04" if total else _EOCD_SIGNATURE):
            raise _prepended()
        if cd_offset + cd_size > end:
            raise _fail("zip_overlap", _("Thư mục trung tâm zip chồng lên bản ghi kết thúc"))
        if cd_offset + cd_size < end:
            raise _fail(
                "zip_hidden_data",
                _(
                    "Tệp gói có {size} byte dữ liệu ẩn trước bản ghi kết thúc zip",
                    size=end - cd_offset - cd_size,
                ),
            )
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
        directory = 0  # the central directory's size, record by record
        entries: list[tuple[int, zipfile.ZipInfo, bytes]] = []  # (offset, info, raw name)
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
            raw = _raw_name(info)
            entries.append((info.header_offset, info, raw))
            directory += 46 + len(raw) + len(info.extra) + len(info.comment)
            # the mode bits whatever create_system says: 7-Zip and Info-ZIP honour them on
            # "MS-DOS" and "NTFS" entries too
            mode = info.external_attr >> 16
            if stat.S_IFMT(mode) not in _REGULAR_OR_DIR or info.external_attr & _REPARSE_POINT:
                link = stat.S_ISLNK(mode) or bool(info.external_attr & _REPARSE_POINT)
                raise _not_regular(name, "symlink_entry" if link else "not_regular")
            if info.extra:
                _check_extras(info, info.extra, None)
            is_dir = name.endswith("/") or stat.S_ISDIR(mode) or bool(info.external_attr & 0x10)
            if is_dir:
                if info.file_size or info.compress_size > 2 or not name.endswith("/"):
                    raise _not_regular(name, "not_regular")
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
        if len(infos) != total or directory != cd_size:
            raise _fail(
                "zip_invalid",
                _("Tệp không phải gói zip hợp lệ: {error}", error="central directory size"),
            )
        entries.sort(key=_first)  # file order (nearly always the directory's order already)
        self._check_layout(entries, cd_offset)

    def _read_at(self, offset: int, length: int) -> bytes:
        if self._data is not None:
            return bytes(self._data[offset : offset + length])
        self._handle.seek(offset)
        return self._handle.read(length)

    def _check_layout(  # noqa: C901
        self, entries: list[tuple[int, zipfile.ZipInfo, bytes]], cd_offset: int
    ) -> None:
        """Every entry's local header, in file order: the first at offset 0, each right after
        the previous entry's data, the last followed by the central directory; each saying
        what its directory record says (a front-to-back reader goes by the local headers)."""
        position = 0
        previous = ""
        for offset, info, raw in entries:
            name = info.filename
            if offset != position:
                if not previous:
                    raise _prepended()
                if offset < position:
                    raise _fail(
                        "zip_overlap",
                        _(
                            "Mục {name} chồng lên mục {other} trong tệp gói",
                            name=name,
                            other=previous,
                        ),
                        name,
                    )
                raise _fail(
                    "zip_hidden_data",
                    _(
                        "Tệp gói có {size} byte dữ liệu ẩn trước mục {name}",
                        size=offset - position,
                        name=name,
                    ),
                    name,
                )
            # the header and, if it is as long as it should be, the name, in one read
            header = self._read_at(offset, _LOCAL.size + len(raw))
            if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
                raise _fail(
                    "zip_invalid",
                    _("Mục {name} bị hỏng: {error}", name=name, error="bad local header"),
                    name,
                )
            _sig, _v1, _v2, flags, method, _time, _date, crc, *sizes, name_len, extra_len = (
                _LOCAL.unpack_from(header)
            )
            if name_len != len(raw) or header[_LOCAL.size :] != raw:
                raise _mismatch(name, "name")
            start = offset + _LOCAL.size + name_len + extra_len
            if extra_len:
                _check_extras(info, self._read_at(start - extra_len, extra_len), sizes)
            local = (flags & _COMPARED_FLAGS, method, crc, *sizes)
            central = (info.flag_bits & _COMPARED_FLAGS, info.compress_type, info.CRC)
            if local != (*central, info.compress_size, info.file_size) and not (
                flags & 0x8 and local == (*central[:2], 0, 0, 0)
            ):  # (bit 3: the values may follow the data, in the data descriptor checked below)
                labels = ("flags", "method", "crc")
                raise _mismatch(
                    name,
                    next(
                        (w for w, a, b in zip(labels, local, central, strict=False) if a != b),
                        "size",
                    ),
                )
            position = start + info.compress_size
            if flags & 0x8:
                position += self._descriptor(info, position)
            self._starts[name] = start
            previous = name
        if position > cd_offset:
            raise _fail(
                "zip_overlap",
                _("Mục {name} chồng lên thư mục trung tâm zip", name=previous),
                previous,
            )
        if position < cd_offset:
            if not previous:
                raise _prepended()
            raise _fail(
                "zip_hidden_data",
                _(
                    "Tệp gói có {size} byte dữ liệu ẩn trước thư mục trung tâm zip",
                    size=cd_offset - position,
                ),
            )

    def _descriptor(self, info: zipfile.ZipInfo, at: int) -> int:
        """The length of the data descriptor at ``at``, which must repeat the directory's CRC
        and sizes (with or without its optional signature, sizes of 4 or 8 bytes)."""
        raw = self._read_at(at, 24)
        expected = (info.CRC, info.compress_size, info.file_size)
        for skip in (4, 0) if raw[:4] == b"PK\x07\x08" else (0,):
            for layout in _DESCRIPTORS:
                if len(raw) >= skip + layout.size and layout.unpack_from(raw, skip) == expected:
                    return skip + layout.size
        raise _mismatch(info.filename, "data descriptor")

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

        The same checks as zipfile plus ``_stream``, without a ZipExtFile per entry (the local
        header was checked against the central directory on opening), no more than the limits
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
        if info.flag_bits & 0x60:  # compressed patched data, strong encryption
            raise damaged("unsupported flags")
        start = self._starts[name]  # its local header was checked when the zip was opened
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
        self._closing.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
