"""Hole 9 (issue 12): what the verifier sees must be what every other zip tool sees.

A zip can be read two ways: from the end record and its central directory (zipfile, 7-Zip,
Explorer) or front to back through the local headers (streaming extractors). Each attack here
makes the two readings, or two tools' guesses, differ while the verifier used to accept the
package: data before the first entry or after the end record, a fake end record in the
comment, bytes hidden between entries, local headers that say something else than the
directory, Info-ZIP Unicode-path extras naming another file, symlink mode bits on a
"non-Unix" entry. Hostile archives are assembled byte by byte (``assemble``) from a real
package's entries, so each test changes exactly one thing.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.packages import format as fmt
from forms.packages import zipsafe
from forms.packages.build import build_package
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from forms.packages.zipsafe import Limits, SafeZip
from tests.forms.packages.helpers import ed_signer, submission

# --- a zip writer that does exactly what it is told ------------------------------------------

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


@dataclass
class Entry:
    name: str
    content: bytes
    method: int = zipfile.ZIP_DEFLATED
    create_system: int = 3
    mode: int = stat.S_IFREG | 0o644
    dos_attr: int = 0
    local_extra: bytes = b""
    central_extra: bytes = b""
    local_name: bytes | None = None  # what the local header says, when not the name
    local: dict[str, int] = field(default_factory=dict)  # local header fields that lie


def extra(tag: int, body: bytes) -> bytes:
    return struct.pack("<2H", tag, len(body)) + body


def unicode_path(name: str, header_name: bytes) -> bytes:
    """An Info-ZIP Unicode Path extra (0x7075): version 1, crc32 of the header name, UTF-8."""
    return extra(0x7075, struct.pack("<BL", 1, zlib.crc32(header_name)) + name.encode())


def assemble(
    entries: list[Entry],
    *,
    prefix: bytes = b"",
    gap_before: dict[int, bytes] | None = None,
    before_directory: bytes = b"",
    comment: bytes = b"",
    suffix: bytes = b"",
    relative_offsets: bool = False,
) -> bytes:
    """A zip of ``entries``; offsets count from the start of the file (``prefix`` included)
    unless ``relative_offsets`` (then from the first local header, as a naive concatenation)."""
    gap_before = gap_before or {}
    out = bytearray(prefix)
    base = len(prefix) if relative_offsets else 0
    central = bytearray()
    for index, entry in enumerate(entries):
        out += gap_before.get(index, b"")
        raw = entry.name.encode()
        flags = 0 if entry.name.isascii() else 0x800
        if entry.method == zipfile.ZIP_DEFLATED:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            data = packer.compress(entry.content) + packer.flush()
        else:
            data = entry.content
        crc = zlib.crc32(entry.content)
        local = dict(
            flags=flags,
            method=entry.method,
            crc=crc,
            csize=len(data),
            usize=len(entry.content),
        )
        local.update(entry.local)
        local_name = raw if entry.local_name is None else entry.local_name
        offset = len(out) - base
        out += _LOCAL.pack(
            b"PK\x03\x04",
            20,
            local["flags"],
            local["method"],
            0,
            0x21,
            local["crc"],
            local["csize"],
            local["usize"],
            len(local_name),
            len(entry.local_extra),
        )
        out += local_name + entry.local_extra + data
        central += _CENTRAL.pack(
            b"PK\x01\x02",
            (entry.create_system << 8) | 20,
            20,
            flags,
            entry.method,
            0,
            0x21,
            crc,
            len(data),
            len(entry.content),
            len(raw),
            len(entry.central_extra),
            0,
            0,
            0,
            (entry.mode << 16) | entry.dos_attr,
            offset,
        )
        central += raw + entry.central_extra
    out += before_directory
    cd_offset = len(out) - base
    out += central
    out += _END.pack(
        b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), cd_offset, len(comment)
    )
    return bytes(out + comment + suffix)


# --- a real package to attack ---------------------------------------------------------------


@dataclass(frozen=True)
class Original:
    data: bytes
    entries: list[Entry]
    contents: dict[str, bytes]
    registry: TrustRegistry

    def evidence(self) -> int:
        """Index of the first evidence entry (listed in the manifest, so it is read)."""
        return next(i for i, e in enumerate(self.entries) if e.name.startswith(fmt.EVIDENCE_DIR))

    def changed(self, index: int, **changes: object) -> list[Entry]:
        entries = list(self.entries)
        entries[index] = replace(entries[index], **changes)  # type: ignore[arg-type]
        return entries


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Original:
    signer = ed_signer(1)
    registry = TrustRegistry()
    registry.add_key("25042", signer.public_raw, "Xã Hùng Lô")
    path = build_package(submission(), signer, tmp_path_factory.mktemp("zip-structure"))
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        contents = {info.filename: zf.read(info) for info in zf.infolist()}
        entries = [Entry(i.filename, contents[i.filename], i.compress_type) for i in zf.infolist()]
    return Original(data, entries, contents, registry)


def _verify(data: bytes, original: Original, criteria, path: Path | None = None):
    source: bytes | Path = data
    if path is not None:
        path.write_bytes(data)
        source = path
    return verify_package(source, criteria_sets=criteria, trust=original.registry)


def test_assembled_package_verifies(original, criteria):
    """The writer above makes valid packages: each failure below is the attack's alone."""
    assert _verify(assemble(original.entries), original, criteria).codes == []
    assert _verify(original.data, original, criteria).codes == []


# --- prepended and appended data, the end record -----------------------------------------------


@pytest.mark.parametrize("relative", [False, True], ids=["offsets-fixed", "offsets-relative"])
def test_hole9_prepended_data_is_rejected(original, criteria, relative):
    """Data before the first local header (a self-extractor stub, another archive, an HTML
    page): zipfile shifts the offsets and reads on, another tool may read the front part."""
    data = assemble(original.entries, prefix=b"MZ\x90\x00" + bytes(60), relative_offsets=relative)
    assert _verify(data, original, criteria).codes == ["zip_prepended_data"]


def test_hole9_prepended_local_header_is_rejected(original, criteria):
    """The prefix is itself an entry the directory does not list (seen front to back only)."""
    hidden = assemble([Entry("evidence/x.exe", b"MZ evil")])
    prefix = hidden[: hidden.index(b"PK\x01\x02")]
    assert _verify(assemble(original.entries, prefix=prefix), original, criteria).codes == [
        "zip_prepended_data"
    ]


def test_hole9_appended_data_is_rejected(original, criteria):
    """Bytes after the end record: the end record is no longer the last thing in the file."""
    data = assemble(original.entries, suffix=b"appended after the end record")
    assert _verify(data, original, criteria).codes == ["zip_appended_data"]


def test_hole9_archive_comment_is_rejected(original, criteria):
    """Our writers never write an archive comment; a comment is where a second end record hides."""
    data = assemble(original.entries, comment=b"just a comment")
    assert _verify(data, original, criteria).codes == ["zip_comment"]


@pytest.mark.parametrize("trailer", [b"", b"\x00\x00\x00\x00"], ids=["at-end", "inside-comment"])
def test_hole9_fake_end_record_in_comment_is_rejected(original, criteria, trailer):
    """The real end record lists an extra ``evidence/x.exe``; its comment holds a second central
    directory and end record listing only the genuine entries. zipfile takes the last end
    record, a tool that takes the real one (its comment reaches the end of the file) sees the
    hidden file."""
    real = assemble([*original.entries, Entry("evidence/x.exe", b"MZ evil")])
    end = real.rindex(b"PK\x05\x06")
    directory = real.index(b"PK\x01\x02")
    with zipfile.ZipFile(io.BytesIO(real)) as zf:
        assert "evidence/x.exe" in zf.namelist()  # what the real end record shows
        genuine = [i for i in zf.infolist() if i.filename != "evidence/x.exe"]
    fake_directory = bytearray()
    at = directory
    for _ in range(len(original.entries) + 1):
        name_len, extra_len, comment_len = struct.unpack_from("<3H", real, at + 28)
        record = real[at : at + 46 + name_len + extra_len + comment_len]
        if record[46 : 46 + name_len] != b"evidence/x.exe":
            fake_directory += record
        at += len(record)
    assert len(genuine) == len(original.entries)
    fake_offset = end + 22  # the fake directory starts where the real comment does
    fake_end = _END.pack(
        b"PK\x05\x06",
        0,
        0,
        len(genuine),
        len(genuine),
        len(fake_directory),
        fake_offset,
        len(trailer),
    )
    comment = bytes(fake_directory) + fake_end + trailer
    data = real[: end + 20] + struct.pack("<H", len(comment)) + comment
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "evidence/x.exe" not in zf.namelist()  # zipfile is fooled
    assert _verify(data, original, criteria).codes == ["zip_comment"]


# --- hidden data, overlapping entries -----------------------------------------------------


def test_hole9_data_hidden_between_entries_is_rejected(original, criteria):
    """A local header + data no directory entry points to, between two listed entries: a
    streaming extractor writes it, zipfile never sees it."""
    hidden = assemble([Entry("evidence/x.exe", b"MZ evil")])
    stowaway = hidden[: hidden.index(b"PK\x01\x02")]
    data = assemble(original.entries, gap_before={1: stowaway})
    assert _verify(data, original, criteria).codes == ["zip_hidden_data"]


def test_hole9_data_hidden_before_the_central_directory_is_rejected(original, criteria):
    hidden = assemble([Entry("evidence/x.exe", b"MZ evil")])
    stowaway = hidden[: hidden.index(b"PK\x01\x02")]
    data = assemble(original.entries, before_directory=stowaway)
    assert _verify(data, original, criteria).codes == ["zip_hidden_data"]


def test_overlapping_entries_are_rejected(original, criteria):
    """Two directory records sharing bytes (the overlapping-file zip bomb's trick): the second
    entry's data starts inside the first one's."""
    data = bytearray(assemble(original.entries))
    end = data.rindex(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<L", data, end + 16)
    first_len = sum(struct.unpack_from("<2H", data, cd_offset + 28))
    second = cd_offset + 46 + first_len
    (offset,) = struct.unpack_from("<L", data, second + 42)
    struct.pack_into("<L", data, second + 42, offset - 1)  # points one byte into the first
    assert _verify(bytes(data), original, criteria).codes == ["zip_overlap"]


# --- local header against central directory -----------------------------------------------


def _directory_package(original: Original) -> list[Entry]:
    folder = Entry("evidence/", b"", zipfile.ZIP_STORED, mode=stat.S_IFDIR | 0o755, dos_attr=0x10)
    return [folder, *original.entries]


MISMATCHES = {
    # a directory entry is never read, so nothing compared its local header: a streaming
    # extractor would create "../../../" (same length, the offsets do not move)
    "directory-name": lambda o: (
        [replace(_directory_package(o)[0], local_name=b"../../../")] + o.entries
    ),
    "name": lambda o: o.changed(
        o.evidence(), local_name=o.entries[o.evidence()].name[::-1].encode()
    ),
    "method": lambda o: o.changed(
        o.evidence(), method=zipfile.ZIP_STORED, local={"method": zipfile.ZIP_DEFLATED}
    ),
    "crc": lambda o: o.changed(o.evidence(), local={"crc": 1}),
    "size": lambda o: o.changed(
        o.evidence(), local={"usize": len(o.entries[o.evidence()].content) + 1}
    ),
    "utf8-flag": lambda o: o.changed(o.evidence(), local={"flags": 0x800}),
}


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "streamed"])
@pytest.mark.parametrize("what", sorted(MISMATCHES))
def test_hole9_local_header_differs_from_central_directory(
    original, criteria, tmp_path, monkeypatch, what, streamed
):
    """The local header (what a front-to-back reader uses) must say what the directory says,
    for every entry, on the in-memory path and on the streaming path of large packages."""
    if streamed:
        monkeypatch.setattr(zipsafe, "IN_MEMORY_BYTES", 0)
    data = assemble(MISMATCHES[what](original))
    verdict = _verify(data, original, criteria, tmp_path / "p.dtipkg")
    assert verdict.codes == ["header_mismatch"]


class _Unseekable(io.RawIOBase):
    """A pipe-like target: zipfile then writes data descriptors (flag bit 3) after each entry."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        return len(data)


def _streamed_zip(original: Original) -> bytes:
    target = _Unseekable()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in original.contents.items():
            zf.writestr(name, content)
    return bytes(target.buffer)


def test_data_descriptors_of_a_streaming_writer_are_accepted(original, criteria):
    data = _streamed_zip(original)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert all(info.flag_bits & 0x8 for info in zf.infolist())
    assert _verify(data, original, criteria).codes == []


def test_data_descriptor_that_differs_from_the_directory_is_rejected(original, criteria):
    """A front-to-back reader takes the sizes from the descriptor when bit 3 is set."""
    data = bytearray(_streamed_zip(original))
    at = data.index(b"PK\x07\x08")  # the first entry's descriptor: signature, crc, sizes
    struct.pack_into("<L", data, at + 12, struct.unpack_from("<L", data, at + 12)[0] + 1)
    assert _verify(bytes(data), original, criteria).codes == ["header_mismatch"]


def test_zip64_end_record_must_agree_with_the_plain_one(original, criteria):
    """A zip64 record the plain end record contradicts: readers without zip64 see another
    directory."""
    data = assemble(original.entries)
    end = data.rindex(b"PK\x05\x06")
    _sig, _d, _cd, here, total, cd_size, cd_offset, _c = _END.unpack_from(data, end)
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, here, total, cd_size, cd_offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    good = data[:end] + record + locator + data[end:]
    assert _verify(good, original, criteria).codes == []
    lying = bytearray(good)
    struct.pack_into("<H", lying, len(lying) - 22 + 10, total - 1)  # plain record: one fewer
    struct.pack_into("<H", lying, len(lying) - 22 + 8, total - 1)
    assert _verify(bytes(lying), original, criteria).codes == ["zip_invalid"]


def test_directory_entry_with_honest_header_is_tolerated(original, criteria):
    assert _verify(assemble(_directory_package(original)), original, criteria).codes == []


# --- Unicode path and comment extras --------------------------------------------------------


@pytest.mark.parametrize("where", ["central", "local", "both"])
@pytest.mark.parametrize("tag", [0x7075, 0x6375], ids=["unicode-path", "unicode-comment"])
def test_hole9_unicode_path_extra_naming_another_file_is_rejected(original, criteria, where, tag):
    """7-Zip and Info-ZIP unzip extract under the name in a 0x7075 extra, not the header name;
    a 0x6375 extra replaces the entry's comment. zipfile ignores both."""
    index = original.evidence()
    raw = original.entries[index].name.encode()
    body = struct.pack("<BL", 1, zlib.crc32(raw)) + b"../../Startup/evil.exe"
    field_ = extra(tag, body)
    changes = {
        "central": {"central_extra": field_},
        "local": {"local_extra": field_},
        "both": {"central_extra": field_, "local_extra": field_},
    }[where]
    data = assemble(original.changed(index, **changes))
    assert _verify(data, original, criteria).codes == ["unicode_path_extra"]


def test_unicode_path_extra_equal_to_the_name_is_accepted(original, criteria):
    index = original.evidence()
    name = original.entries[index].name
    same = unicode_path(name, name.encode())
    data = assemble(original.changed(index, central_extra=same, local_extra=same))
    assert _verify(data, original, criteria).codes == []


def test_malformed_extra_field_is_rejected(original, criteria):
    index = original.evidence()
    data = assemble(original.changed(index, central_extra=struct.pack("<2H", 0xCAFE, 40) + b"x"))
    assert _verify(data, original, criteria).codes == ["zip_invalid"]


# --- mode bits whatever the creating system ---------------------------------------------------


@pytest.mark.parametrize("system", [0, 3, 11, 19], ids=["msdos", "unix", "ntfs", "osx"])
@pytest.mark.parametrize(
    "mode, code",
    [(stat.S_IFLNK | 0o777, "symlink_entry"), (stat.S_IFIFO | 0o644, "not_regular")],
    ids=["symlink", "fifo"],
)
def test_hole9_symlink_mode_bits_on_any_create_system_are_rejected(
    original, criteria, system, mode, code
):
    """Info-ZIP and 7-Zip honour S_IFLNK in the high bits of external_attr whatever the
    "version made by" system says; the check used to apply to create_system 3 only."""
    data = assemble(original.changed(original.evidence(), create_system=system, mode=mode))
    assert _verify(data, original, criteria).codes == [code]


def test_hole9_reparse_point_attribute_is_rejected(original, criteria):
    """FILE_ATTRIBUTE_REPARSE_POINT (0x400) in the DOS attributes: a Windows symlink/junction."""
    data = assemble(original.changed(original.evidence(), create_system=0, mode=0, dos_attr=0x420))
    assert _verify(data, original, criteria).codes == ["symlink_entry"]


@pytest.mark.parametrize("where", ["central", "local"])
def test_hole9_unix_extra_declaring_a_symlink_is_rejected(original, criteria, where):
    """The ASi Unix extra (0x756e) carries its own mode and link target; unzip honours it."""
    body = struct.pack("<LHLHH", 0, stat.S_IFLNK | 0o777, 0, 0, 0) + b"/etc/passwd"
    field_ = extra(0x756E, struct.pack("<L", zlib.crc32(body[4:])) + body[4:])
    key = "central_extra" if where == "central" else "local_extra"
    data = assemble(original.changed(original.evidence(), **{key: field_}))
    assert _verify(data, original, criteria).codes == ["symlink_entry"]


# --- what SafeZip opens by path -------------------------------------------------------------


def test_hole9_fifo_is_refused_without_blocking(tmp_path, original, criteria):
    """A FIFO in the inbox: ``open()`` used to wait for a writer (the merge stopped). Here a
    helper thread plays the writer as soon as a reader has opened it, so the old code returned
    (zip_invalid after reading nothing) instead of hanging the suite; the new one never opens
    it for a blocking read and says what it is."""
    fifo = tmp_path / "inbox.dtipkg"
    os.mkfifo(fifo)
    done = threading.Event()

    def writer() -> None:
        while not done.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: nobody is reading yet
                done.wait(0.01)
                continue
            os.close(fd)

    helper = threading.Thread(target=writer, daemon=True)
    helper.start()
    try:
        verdict = verify_package(fifo, criteria_sets=criteria, trust=original.registry)
    finally:
        done.set()
        helper.join()
    assert verdict.codes == ["not_regular_file"]


def test_hole9_sparse_file_over_the_limit_is_refused_before_reading(tmp_path, original, criteria):
    sparse = tmp_path / "huge.dtipkg"
    with open(sparse, "wb") as handle:
        handle.truncate(4 << 30)  # 4 GiB, no blocks on disk
    verdict = verify_package(sparse, criteria_sets=criteria, trust=original.registry)
    assert verdict.codes == ["file_too_large"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_hole9_dev_zero_is_refused(original, criteria):
    """``/dev/zero`` reports size 0 and never ends: it used to be read into memory forever."""
    verdict = verify_package("/dev/zero", criteria_sets=criteria, trust=original.registry)
    assert verdict.codes == ["not_regular_file"]


def test_safezip_owns_and_closes_what_it_opens(tmp_path, original):
    path = tmp_path / "p.dtipkg"
    path.write_bytes(original.data)
    with SafeZip(path, Limits()) as zf:
        assert set(zf.files) == set(original.contents)


# --- fuzzing the structure -------------------------------------------------------------------

_mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("delete"), st.floats(0, 1, exclude_max=True), st.integers(1, 64)),
    st.tuples(
        st.just("splice"),
        st.floats(0, 1, exclude_max=True),
        st.floats(0, 1, exclude_max=True),
        st.integers(1, 128),
    ),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("field"), st.floats(0, 1, exclude_max=True), st.sampled_from([2, 4])),
)


def _mutate(data: bytes, mutations: list[tuple]) -> bytes:
    out = bytearray(data)
    for kind, *args in mutations:
        at = int(args[0] * len(out))
        if kind == "flip" and out:
            out[min(at, len(out) - 1)] ^= args[1]
        elif kind == "insert":
            out[at:at] = args[1]
        elif kind == "delete":
            del out[at : at + args[1]]
        elif kind == "splice" and out:  # a copy of another part of the file lands here
            source = int(args[1] * len(out))
            out[at:at] = out[source : source + args[2]]
        elif kind == "truncate":
            del out[at:]
        elif kind == "field" and len(out) >= args[1]:
            # a header field (offset, size, count) set to 0 or all ones, where zips lie
            at = min(at, len(out) - args[1])
            out[at : at + args[1]] = b"\xff" * args[1] if at % 2 else bytes(args[1])
    return bytes(out)


def _entries(data: bytes) -> dict[str, bytes]:
    with SafeZip(data) as zf:
        return {name: zf.read(name, zf.limits.entry_bytes) for name in zf.files}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(_mutation, min_size=1, max_size=3))
def test_structure_mutations_never_crash_nor_pass_changed_content(original, criteria, mutations):
    """Random damage to the zip structure (flips, insertions, deletions, spliced copies,
    truncation, header fields zeroed or maxed): ``verify_package`` always returns a Verdict,
    and when it says ok the manifest bytes and every entry's content are the original's, as
    the verifier reads them and as zipfile reads them."""
    data = _mutate(original.data, mutations)
    verdict = verify_package(data, criteria_sets=criteria, trust=original.registry)
    assert verdict.ok == (not verdict.reasons)
    if verdict.ok:
        assert verdict.manifest_bytes == original.contents[fmt.MANIFEST_NAME]
        assert _entries(data) == original.contents
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert {i.filename: zf.read(i) for i in zf.infolist()} == original.contents
