"""A hostile-zip corpus: every archive is rejected quickly, and nothing is written anywhere."""

from __future__ import annotations

import os
import stat
import struct
import unicodedata
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest

from forms.packages.verify import verify_package
from forms.packages.zipsafe import Limits, SafeZip, check_name
from tests.forms.packages.helpers import PDF_ENTRY, read_entry

GIB = 1 << 30


def _plain(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicates we make on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return path


def _symlink(name: str, target: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def _device(name: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    return info, b""


def write_zero_bomb(path: Path, size: int = GIB, name: str = "evidence/1.1/bomb.txt") -> Path:
    """One honest zip64 entry expanding to ``size`` zero bytes, built in well under a second.

    Deflate output after a full flush does not depend on what came before, so one compressed
    megabyte of zeros is repeated instead of compressing a gigabyte.
    """
    mib = 1 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(bytes(mib)) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush()
    crc = 0
    zeros = bytes(16 * mib)
    for _ in range(size // len(zeros)):
        crc = zlib.crc32(zeros, crc)
    compressed = len(block) * (size // mib) + len(tail)
    raw_name = name.encode()
    extra = struct.pack("<HHQQ", 1, 16, size, compressed)
    with open(path, "wb") as out:
        out.write(
            struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                45,
                0,
                8,
                0,
                0x21,
                crc,
                0xFFFFFFFF,
                0xFFFFFFFF,
                len(raw_name),
                len(extra),
            )
        )
        out.write(raw_name + extra)
        for _ in range(size // mib):
            out.write(block)
        out.write(tail)
        cd_offset = out.tell()
        central = (
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                (3 << 8) | 45,
                45,
                0,
                8,
                0,
                0x21,
                crc,
                0xFFFFFFFF,
                0xFFFFFFFF,
                len(raw_name),
                len(extra),
                0,
                0,
                0,
                (stat.S_IFREG | 0o644) << 16,
                0,
            )
            + raw_name
            + extra
        )
        out.write(central)
        out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), cd_offset, 0))
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return write_zero_bomb(tmp_path_factory.mktemp("bomb") / "bomb.dtipkg")


@pytest.fixture(scope="module")
def many_entries(tmp_path_factory):
    path = tmp_path_factory.mktemp("many") / "many.dtipkg"
    # the central directory of 100,000 empty entries, written by hand (zipfile takes seconds)
    local, central = bytearray(), bytearray()
    for i in range(100_000):
        name = f"evidence/{i}".encode()
        offset = len(local)
        local += (
            struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0) + name
        )
        central += (
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                0,
                0,
                0x21,
                0,
                0,
                0,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(central), len(local), 0)
    path.write_bytes(bytes(local) + bytes(central) + eocd)
    # the same as a zip64 archive: the end record defers to the zip64 end record
    zip64 = path.with_name("many64.dtipkg")
    end64 = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 100_000, 100_000, len(central), len(local)
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(local) + len(central), 1)
    eocd64 = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    zip64.write_bytes(bytes(local) + bytes(central) + end64 + locator + eocd64)
    return path


NFC = unicodedata.normalize("NFC", "evidence/biên bản.pdf")
NFD = unicodedata.normalize("NFD", "evidence/biên bản.pdf")

CORPUS = {
    "zip_slip": ([("../../evil.txt", b"x")], "unsafe_path"),
    "zip_slip_inside": ([("evidence/../../evil.txt", b"x")], "unsafe_path"),
    "absolute": ([("/etc/cron.d/evil", b"x")], "unsafe_path"),
    "drive_letter": ([("C:/Windows/evil.dll", b"x")], "unsafe_path"),
    "drive_relative": ([("C:evil.dll", b"x")], "unsafe_path"),
    "backslash": ([("evidence\\..\\..\\evil.txt", b"x")], "unsafe_path"),
    "unc": ([("//server/share/evil", b"x")], "unsafe_path"),
    "control_char": ([("evidence/a\x07.txt", b"x")], "unsafe_path"),
    "symlink": ([_symlink("evidence/link", b"/etc/passwd")], "symlink_entry"),
    "fifo": ([_device("evidence/fifo")], "not_regular"),
    "duplicate": ([("manifest.json", b"{}"), ("manifest.json", b"{}")], "duplicate_entry"),
    "case_twins": ([("evidence/A.pdf", b"1"), ("evidence/a.PDF", b"2")], "duplicate_entry"),
    "nfc_nfd_twins": ([(NFC, b"1"), (NFD, b"2")], "duplicate_entry"),
    "not_a_zip": (None, "zip_invalid"),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_zip_is_rejected_and_writes_nothing(case, tmp_path, monkeypatch, criteria, trust):
    entries, code = CORPUS[case]
    path = tmp_path / f"{case}.dtipkg"
    if entries is None:
        path.write_bytes(b"PK\x03\x04 this is not really a zip" * 10)
    else:
        _plain(path, entries)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p for p in tmp_path.rglob("*"))
    verdict = verify_package(path, criteria_sets=criteria, trust=trust)
    assert not verdict.ok
    assert verdict.codes == [code]
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert not (tmp_path.parent / "evil.txt").exists()


def test_gigabyte_bomb_rejected_without_inflating(bomb, criteria, trust):
    with zipfile.ZipFile(bomb) as zf:  # the bomb is an honest, well-formed zip64 archive
        (info,) = zf.infolist()
        assert info.file_size == GIB and info.compress_size < 2 * (1 << 20)
    verdict = verify_package(bomb, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["too_large"]


def test_bomb_caught_while_streaming_when_headers_are_not_checked(bomb):
    """Limits hold on the bytes actually produced, not only on what the headers claim."""
    lenient = Limits(entry_bytes=GIB * 4, total_bytes=GIB * 4, ratio=10**9)
    with SafeZip(bomb, lenient) as zf:
        zf.limits = Limits(entry_bytes=8 << 20)  # tightened after the header checks passed
        with pytest.raises(Exception) as err:
            zf.digest("evidence/1.1/bomb.txt")
    assert err.value.problem.code == "too_large"


def test_ratio_limit(bomb):
    with pytest.raises(Exception) as err:
        SafeZip(bomb, Limits(entry_bytes=GIB * 4, total_bytes=GIB * 4))
    assert err.value.problem.code == "compression_ratio"


def test_hundred_thousand_entries(many_entries, criteria, trust):
    verdict = verify_package(many_entries, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["too_many_entries"]


def test_hundred_thousand_entries_zip64(many_entries, criteria, trust, monkeypatch):
    """Rejected from the zip64 end record, before zipfile parses the directory."""
    zip64 = many_entries.with_name("many64.dtipkg")
    with zipfile.ZipFile(zip64) as zf:  # a well-formed archive
        assert len(zf.infolist()) == 100_000

    def refuse(*args, **kwargs):
        raise AssertionError("the central directory should not have been parsed")

    monkeypatch.setattr(zipfile, "ZipFile", refuse)
    verdict = verify_package(zip64, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["too_many_entries"]


def test_many_entries_even_when_the_count_lies(tmp_path, criteria, trust):
    names = [(f"evidence/{i}", b"") for i in range(2_500)]
    path = _plain(tmp_path / "many.dtipkg", names)
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 3, 3)  # claim 3 entries
    path.write_bytes(bytes(data))
    verdict = verify_package(path, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["too_many_entries"]


def test_declared_size_lie_is_a_damaged_entry(package, tmp_path, criteria, trust):
    """A header that understates the size: zipfile stops there and the CRC check fails."""
    data = bytearray(package.read_bytes())
    name = PDF_ENTRY.encode()
    original = read_entry(package, name.decode())
    at = data.find(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name:
        at = data.find(b"PK\x01\x02", at + 4)
    struct.pack_into(
        "<L", data, at + 24, len(original) - 100
    )  # uncompressed size, central directory
    # ... and in the local header: one that differs from the directory is caught before
    # reading (header_mismatch, test_zip_structure.py); here both lie alike
    (local,) = struct.unpack_from("<L", data, at + 42)
    struct.pack_into("<L", data, local + 22, len(original) - 100)
    bad = tmp_path / "lie.dtipkg"
    bad.write_bytes(bytes(data))
    verdict = verify_package(bad, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["zip_invalid"]  # CRC mismatch once the declared size is reached


def test_encrypted_entry_rejected(package, tmp_path, criteria, trust):
    data = bytearray(package.read_bytes())
    at = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, at + 8, struct.unpack_from("<H", data, at + 8)[0] | 1)
    bad = tmp_path / "enc.dtipkg"
    bad.write_bytes(bytes(data))
    assert verify_package(bad, criteria_sets=criteria, trust=trust).codes == ["encrypted_entry"]


def test_oversized_package_file(package, criteria, trust):
    verdict = verify_package(
        package, criteria_sets=criteria, trust=trust, limits=Limits(package_bytes=100)
    )
    assert verdict.codes == ["file_too_large"]  # by path: refused by forms.inbound, unread
    small = Limits(package_bytes=100)
    assert verify_package(package.read_bytes(), limits=small).codes == ["too_large"]


def test_missing_file_is_a_clear_reason(tmp_path, criteria, trust):
    verdict = verify_package(tmp_path / "không có.dtipkg", criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["file_unreadable"] and verdict.reasons[0].message


@pytest.mark.parametrize(
    "name", ["manifest.json", "evidence/1.1/a b.pdf", "evidence/", "signature/manifest.p7s"]
)
def test_safe_names_pass(name):
    check_name(name)


def test_directory_entries_are_tolerated(package, tmp_path, criteria, trust):
    with zipfile.ZipFile(package) as zin, zipfile.ZipFile(tmp_path / "d.dtipkg", "w") as zout:
        zout.writestr(zipfile.ZipInfo("evidence/"), b"")
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
    assert verify_package(tmp_path / "d.dtipkg", criteria_sets=criteria, trust=trust).ok


def test_verifier_leaves_no_temp_files(package, tmp_path, criteria, trust, monkeypatch):
    import tempfile

    spy = tmp_path / "tmp"
    spy.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spy))
    monkeypatch.setenv("TMPDIR", str(spy))
    assert verify_package(package, criteria_sets=criteria, trust=trust).ok
    assert os.listdir(spy) == []
