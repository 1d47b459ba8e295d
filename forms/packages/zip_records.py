"""The records of a zip, checked so that an archive has one reading (hole 9 of issue 12).

The end record (and the zip64 records) must end the file, with no comment and no second end
record hiding in one; the central directory's records must name safe, regular entries whose
extra fields neither rename them nor make them links; every local header must sit where the
entries follow one another back to back and say what its directory record says. The why of
each rule: ``forms.packages.zipsafe``'s docstring. Each check raises ``ZipProblem``.
"""

from __future__ import annotations

import stat
import struct
import zipfile
from collections.abc import Callable

from forms.i18n import _
from forms.packages import format as fmt
from forms.packages.zip_limits import (
    Limits,
    ZipProblem,
    check_name,
    check_sizes,
    damaged,
    fail,
    name_key,
    not_a_zip,
    too_many_entries,
)

# a central-directory record is 46 bytes plus name, extra field and comment
_MAX_CD_RECORD = 46 + fmt.MAX_NAME_LENGTH + 2 * 1024
_EOCD = struct.Struct("<4s4H2LH")
_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
EOCD_SIGNATURE = b"PK\x05\x06"
_SHORT = struct.Struct("<H")
_LONG64 = struct.Struct("<Q")
_EXTRA = struct.Struct("<2H")
_DESCRIPTORS = (struct.Struct("<3L"), struct.Struct("<LQQ"))  # crc32, sizes (zip64: 8 bytes)
_LOCAL = struct.Struct("<4s2B4HL2L2H")
# the flags a front-to-back reader acts on: encryption, data descriptor, compressed patched
# data, strong encryption, UTF-8 names
_COMPARED_FLAGS = 0x1 | 0x8 | 0x20 | 0x40 | 0x800
_UNICODE_PATH, _UNICODE_COMMENT, _ASI_UNIX, _PKWARE_UNIX, _ZIP64 = 0x7075, 0x6375, 0x756E, 0xD, 1
_REPARSE_POINT = 0x400  # a Windows symlink or junction, in the DOS attributes
_REGULAR_OR_DIR = (0, stat.S_IFREG, stat.S_IFDIR)
_ZIP64_MARKERS = (0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)  # entries, directory size, directory offset
# what is read from the end of a large package: the end record, the longest comment it could
# hide behind, the zip64 locator and record
TAIL_BYTES = 22 + 65535 + 20 + 56

ReadAt = Callable[[int, int], bytes]  # (offset, length) -> the package's bytes there
Entry = tuple[int, zipfile.ZipInfo, bytes]  # (local header offset, info, raw name)


def mismatch(name: str, what: str) -> ZipProblem:
    return fail(
        "header_mismatch",
        _("Mục {name}: tiêu đề cục bộ khác thư mục trung tâm ({field})", name=name, field=what),
        name,
    )


def prepended() -> ZipProblem:
    # a self-extractor stub, an HTML page, another archive, or a damaged first header
    return fail(
        "zip_prepended_data",
        _("Tệp gói không bắt đầu bằng một mục zip (dữ liệu lạ hoặc hỏng ở byte 0)"),
    )


def _not_regular(name: str, code: str) -> ZipProblem:
    return fail(
        code,
        _("Mục {name} không phải tệp thông thường (liên kết hoặc tệp đặc biệt)", name=name),
        name,
    )


# --- the end record -------------------------------------------------------------------------


def _has_comment(size: int) -> ZipProblem:
    return fail(
        "zip_comment",
        _("Tệp gói có chú thích zip ({size} byte): gói hợp lệ không có chú thích", size=size),
    )


def _misplaced_end(tail: bytes, base: int, size: int) -> ZipProblem:
    """Why the file does not end with an end record: none, a comment after it, or data."""
    found = tail.rfind(EOCD_SIGNATURE)
    if found < 0 or found + _EOCD.size > len(tail):
        return not_a_zip("no end of central directory")
    (comment,) = _SHORT.unpack_from(tail, found + 20)
    if base + found + _EOCD.size + comment == size:
        return _has_comment(comment)
    return fail("zip_appended_data", _("Tệp gói có dữ liệu lạ sau bản ghi kết thúc zip"))


def _no_second_end(tail: bytes, base: int, size: int, at: int) -> None:
    """Raise for another end record whose comment would reach the end of the file: a tool
    that takes that one sees another archive (ours is then inside its comment)."""
    other = tail.rfind(EOCD_SIGNATURE, max(0, at - 65535), at)
    while other >= 0:
        if _SHORT.unpack_from(tail, other + 20)[0] == size - base - other - _EOCD.size:
            raise fail(
                "zip_comment",
                _(
                    "Tệp gói có bản ghi kết thúc zip thứ hai ở byte {offset} (ẩn trong chú thích): mỗi công cụ zip sẽ thấy một nội dung khác",
                    offset=base + other,
                ),
            )
        other = tail.rfind(EOCD_SIGNATURE, max(0, at - 65535), other)


def _zip64_values(
    tail: bytes, base: int, at: int, short: tuple[int, int, int]
) -> tuple[int, int, int, int, int, int]:
    """``(disk, directory disk, entries here, entries, directory size, directory offset)``
    from the zip64 record (zipfile reads it whenever the locator is there): the record the
    locator points to, right before it, with no extensible data (zipfile assumes exactly
    that). ``short``: the end record's own entries, directory size and offset."""
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
        raise not_a_zip("bad zip64 end")
    _sig, _len, _v1, _v2, *values = _EOCD64.unpack_from(tail, record)
    disk, cd_disk, here, total, cd_size, cd_offset = values
    # a reader that ignores zip64 uses the end record's values: each must be the zip64 one or
    # the "see zip64" marker
    for mine, wide, marker in zip(short, (total, cd_size, cd_offset), _ZIP64_MARKERS, strict=True):
        if mine not in (wide, marker):
            raise not_a_zip("zip64 end record differs")
    return disk, cd_disk, here, total, cd_size, cd_offset


def end_record(tail: bytes, base: int, size: int, limits: Limits) -> tuple[int, int, int, int]:
    """``(directory offset, directory size, entries, end)`` from the end record, which must end
    the file; ``end`` is where the directory must end (the end record or the zip64 record).
    ``tail`` holds the file's bytes from offset ``base`` to its end (the last 64 KiB at least).
    The entry count is refused here, before ``zipfile`` spends time parsing a huge directory."""
    at = size - _EOCD.size - base
    if at < 0 or tail[at : at + 4] != EOCD_SIGNATURE:
        raise _misplaced_end(tail, base, size)
    _sig, disk, cd_disk, here, total, cd_size, cd_offset, comment = _EOCD.unpack_from(tail, at)
    if comment:
        raise _has_comment(comment)
    _no_second_end(tail, base, size, at)
    end = size - _EOCD.size
    if at >= _LOCATOR.size and tail[at - _LOCATOR.size : at - 16] == b"PK\x06\x07":
        short = (total, cd_size, cd_offset)
        disk, cd_disk, here, total, cd_size, cd_offset = _zip64_values(tail, base, at, short)
        end = base + at - _LOCATOR.size - _EOCD64.size
    if disk or cd_disk or here != total:
        raise not_a_zip("multi-disk archive")
    if total > limits.entries or cd_size > limits.entries * _MAX_CD_RECORD:
        raise too_many_entries(limits)
    return cd_offset, cd_size, total, end


def check_bounds(read_at: ReadAt, total: int, cd_offset: int, cd_size: int, end: int) -> None:
    """The first bytes are an entry (or, empty, the end record) and the central directory
    ends exactly where the end records begin."""
    if read_at(0, 4) != (b"PK\x03\x04" if total else EOCD_SIGNATURE):
        raise prepended()
    if cd_offset + cd_size > end:
        raise fail("zip_overlap", _("Thư mục trung tâm zip chồng lên bản ghi kết thúc"))
    if cd_offset + cd_size < end:
        raise fail(
            "zip_hidden_data",
            _(
                "Tệp gói có {size} byte dữ liệu ẩn trước bản ghi kết thúc zip",
                size=end - cd_offset - cd_size,
            ),
        )


# --- extra fields ---------------------------------------------------------------------------


def _unicode_extra(info: zipfile.ZipInfo, tag: int, body: bytes) -> None:
    """An Info-ZIP Unicode path or comment must say what the header says."""
    name = info.filename
    # version 1, crc32 of the header's text, the UTF-8 text tools show instead of it
    try:
        text = body[5:].decode("utf-8") if len(body) >= 5 and body[0] == 1 else None
    except UnicodeDecodeError:
        text = None
    if tag == _UNICODE_PATH and text != name:
        raise fail(
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
        raise fail(
            "unicode_path_extra",
            _("Mục {name} có trường phụ Unicode Comment ghi chú thích khác", name=name),
            name,
        )


def _asi_unix(name: str, body: bytes) -> None:
    """The ASi Unix extra: crc32, mode, size or device, uid, gid, link target."""
    if len(body) < 14:
        raise damaged(name, "bad extra field")
    (mode,) = _SHORT.unpack_from(body, 4)
    if stat.S_IFMT(mode) not in _REGULAR_OR_DIR or len(body) > 14:
        raise _not_regular(
            name, "symlink_entry" if stat.S_ISLNK(mode) or len(body) > 14 else "not_regular"
        )


def _local_zip64(name: str, body: bytes, sizes: list[int]) -> None:
    """A local header's zip64 extra: uncompressed then compressed size, each only if its
    header field is 0xFFFFFFFF; replaces the marker in ``sizes``."""
    offset = 0
    for index in (1, 0):
        if sizes[index] == 0xFFFFFFFF:
            if offset + 8 > len(body):
                raise mismatch(name, "zip64")
            (sizes[index],) = _LONG64.unpack_from(body, offset)
            offset += 8


def check_extras(info: zipfile.ZipInfo, extra: bytes, sizes: list[int] | None) -> None:
    """Raise for an extra field that renames the entry or makes it a link; in a local header
    (``sizes`` = its compressed and uncompressed size), replace 0xFFFFFFFF by the zip64 value."""
    name = info.filename
    at = 0
    while at + 4 <= len(extra):  # fewer than 4 bytes left: padding (zipalign writes some)
        tag, length = _EXTRA.unpack_from(extra, at)
        body = extra[at + 4 : at + 4 + length]
        if len(body) != length:
            raise damaged(name, "bad extra field")
        at += 4 + length
        if tag in (_UNICODE_PATH, _UNICODE_COMMENT):
            _unicode_extra(info, tag, body)
        elif tag == _ASI_UNIX:
            _asi_unix(name, body)
        elif tag == _PKWARE_UNIX and length > 12:  # times, uid, gid, then a link target or device
            raise _not_regular(name, "symlink_entry")
        elif tag == _ZIP64 and sizes is not None:
            _local_zip64(name, body, sizes)


# --- the central directory ------------------------------------------------------------------


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    """The name's bytes as the central directory holds them (zipfile keeps only the text)."""
    name = info.orig_filename
    if name.isascii():  # nearly every entry: the same bytes either way, and cp437 is slow
        return name.encode()
    return name.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def _first(item: Entry) -> int:
    return item[0]


def _check_name_once(info: zipfile.ZipInfo, seen: dict[str, str]) -> None:
    """A safe name, as zipfile read it, that no other entry has as Windows and macOS see it."""
    name = info.filename
    check_name(name)
    if info.orig_filename != name:  # zipfile cut it at a NUL byte or rewrote separators
        raise fail(
            "unsafe_path",
            _("Tên mục không an toàn trong gói: {name}", name=repr(info.orig_filename)),
            name,
        )
    key = name_key(name.rstrip("/"))
    if key in seen:
        raise fail(
            "duplicate_entry",
            _("Mục trùng tên trong gói: {name} và {other}", name=name, other=seen[key]),
            name,
        )
    seen[key] = name


def _is_directory(info: zipfile.ZipInfo) -> bool:
    """Whether the record is a folder; raise for a link or special file, or a folder that is
    not an empty one named with a final slash."""
    name = info.filename
    # the mode bits whatever create_system says: 7-Zip and Info-ZIP honour them on "MS-DOS"
    # and "NTFS" entries too
    mode = info.external_attr >> 16
    if stat.S_IFMT(mode) not in _REGULAR_OR_DIR or info.external_attr & _REPARSE_POINT:
        link = stat.S_ISLNK(mode) or bool(info.external_attr & _REPARSE_POINT)
        raise _not_regular(name, "symlink_entry" if link else "not_regular")
    if info.extra:
        check_extras(info, info.extra, None)
    if not (name.endswith("/") or stat.S_ISDIR(mode) or info.external_attr & 0x10):
        return False
    if info.file_size or info.compress_size > 2 or not name.endswith("/"):
        raise _not_regular(name, "not_regular")
    return True


def _check_readable(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if info.flag_bits & 0x1:
        raise fail("encrypted_entry", _("Mục {name} bị mã hóa, không đọc được", name=name), name)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise fail(
            "unsupported_compression", _("Mục {name} dùng kiểu nén không hỗ trợ", name=name), name
        )


def check_directory(
    infos: list[zipfile.ZipInfo], limits: Limits, total: int, cd_size: int
) -> tuple[dict[str, zipfile.ZipInfo], list[Entry]]:
    """The files by name, and every record (folders too) in file order, once each record is
    checked and the directory is as long as the end record says."""
    files: dict[str, zipfile.ZipInfo] = {}
    seen: dict[str, str] = {}
    declared = 0
    directory = 0  # the central directory's size, record by record
    entries: list[Entry] = []
    for info in infos:
        _check_name_once(info, seen)
        raw = _raw_name(info)
        entries.append((info.header_offset, info, raw))
        directory += 46 + len(raw) + len(info.extra) + len(info.comment)
        if _is_directory(info):
            continue
        _check_readable(info)
        declared += info.file_size
        check_sizes(limits, info.filename, info.file_size, info.compress_size, declared)
        files[info.filename] = info
    if len(infos) != total or directory != cd_size:
        raise not_a_zip("central directory size")
    entries.sort(key=_first)  # file order (nearly always the directory's order already)
    return files, entries


# --- the local headers ----------------------------------------------------------------------


def _gap(name: str, offset: int, position: int, previous: str) -> ZipProblem:
    """An entry not right after the previous one's data: before it, over it, or hidden data."""
    if not previous:
        return prepended()
    if offset < position:
        return fail(
            "zip_overlap",
            _("Mục {name} chồng lên mục {other} trong tệp gói", name=name, other=previous),
            name,
        )
    return fail(
        "zip_hidden_data",
        _("Tệp gói có {size} byte dữ liệu ẩn trước mục {name}", size=offset - position, name=name),
        name,
    )


def _local_header(
    info: zipfile.ZipInfo, raw: bytes, offset: int, read_at: ReadAt
) -> tuple[int, int]:
    """``(where the data starts, the header's flags)`` once the local header at ``offset``
    says what the directory record says (a front-to-back reader goes by the local headers)."""
    name = info.filename
    # the header and, if it is as long as it should be, the name, in one read
    header = read_at(offset, _LOCAL.size + len(raw))
    if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
        raise damaged(name, "bad local header")
    _sig, _v1, _v2, flags, method, _time, _date, crc, *sizes, name_len, extra_len = (
        _LOCAL.unpack_from(header)
    )
    if name_len != len(raw) or header[_LOCAL.size :] != raw:
        raise mismatch(name, "name")
    start = offset + _LOCAL.size + name_len + extra_len
    if extra_len:
        check_extras(info, read_at(start - extra_len, extra_len), sizes)
    local = (flags & _COMPARED_FLAGS, method, crc, *sizes)
    central = (info.flag_bits & _COMPARED_FLAGS, info.compress_type, info.CRC)
    if local != (*central, info.compress_size, info.file_size) and not (
        flags & 0x8 and local == (*central[:2], 0, 0, 0)
    ):  # (bit 3: the values may follow the data, in the data descriptor checked below)
        labels = ("flags", "method", "crc")
        raise mismatch(
            name,
            next((w for w, a, b in zip(labels, local, central, strict=False) if a != b), "size"),
        )
    return start, flags


def _descriptor(info: zipfile.ZipInfo, at: int, read_at: ReadAt) -> int:
    """The length of the data descriptor at ``at``, which must repeat the directory's CRC
    and sizes (with or without its optional signature, sizes of 4 or 8 bytes)."""
    raw = read_at(at, 24)
    expected = (info.CRC, info.compress_size, info.file_size)
    for skip in (4, 0) if raw[:4] == b"PK\x07\x08" else (0,):
        for layout in _DESCRIPTORS:
            if len(raw) >= skip + layout.size and layout.unpack_from(raw, skip) == expected:
                return skip + layout.size
    raise mismatch(info.filename, "data descriptor")


def check_layout(entries: list[Entry], cd_offset: int, read_at: ReadAt) -> dict[str, int]:
    """Where each entry's data starts, once every local header, in file order, is checked: the
    first at offset 0, each right after the previous entry's data, the last followed by the
    central directory."""
    starts: dict[str, int] = {}
    position = 0
    previous = ""
    for offset, info, raw in entries:
        if offset != position:
            raise _gap(info.filename, offset, position, previous)
        start, flags = _local_header(info, raw, offset, read_at)
        position = start + info.compress_size
        if flags & 0x8:
            position += _descriptor(info, position, read_at)
        starts[info.filename] = start
        previous = info.filename
    if position > cd_offset:
        raise fail(
            "zip_overlap", _("Mục {name} chồng lên thư mục trung tâm zip", name=previous), previous
        )
    if position < cd_offset:
        if not previous:
            raise prepended()
        raise fail(
            "zip_hidden_data",
            _(
                "Tệp gói có {size} byte dữ liệu ẩn trước thư mục trung tâm zip",
                size=cd_offset - position,
            ),
        )
    return starts
