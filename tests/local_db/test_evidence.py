"""Evidence files: dedup, NFC names, allow-list by extension and content, nothing half-stored."""

from __future__ import annotations

import errno
import io
import os
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest

from local_db import EvidenceRejected, StorageError, answers, audit, evidence, open_database
from local_db import evidence_store as store_module
from local_db.database import Database
from local_db.evidence import EvidenceMeta
from local_db.models import Assessment

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
ODS = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
ZIP = _zip({"scan.png": PNG})


def _file(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def _store_files(db: Database) -> list[Path]:
    return (
        sorted(p for p in db.evidence_dir.rglob("*") if p.is_file())
        if db.evidence_dir.exists()
        else []
    )


def _assert_nothing_stored(db: Database, draft: Assessment) -> None:
    assert _store_files(db) == []
    assert evidence.list(db, draft.id) == []
    assert audit.entries(db, draft.id, "evidence") == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("Quyết định.pdf", PDF),
        ("ảnh chụp.png", PNG),
        ("ảnh.JPG", JPG),
        ("ảnh.jpeg", JPG),
        ("báo cáo.doc", OLE),
        ("số liệu.xls", OLE),
        ("báo cáo.docx", DOCX),
        ("số liệu.xlsx", XLSX),
        ("văn bản.odt", ODT),
        ("bảng.ods", ODS),
        ("hồ sơ.zip", ZIP),
    ],
)
def test_allowed_types_are_stored_by_content(
    db: Database, draft: Assessment, tmp_path: Path, name: str, data: bytes
) -> None:
    link = evidence.attach(db, draft.id, "1.1", _file(tmp_path / "in", name, data))
    stored = evidence.open_path(db, link.id)
    assert stored.read_bytes() == data
    assert stored.parent.name == link.blob_sha256[:2] and stored.name == link.blob_sha256


def test_same_file_twice_is_stored_once(db: Database, draft: Assessment, tmp_path: Path) -> None:
    first = evidence.attach(db, draft.id, "1.1", _file(tmp_path / "a", "Biên bản họp.pdf", PDF))
    second = evidence.attach(db, draft.id, "1.2", _file(tmp_path / "b", "ban sao.pdf", PDF))
    assert first.blob_sha256 == second.blob_sha256
    assert len(_store_files(db)) == 1
    assert [a.indicator_code for a in evidence.list(db, draft.id)] == ["1.1", "1.2"]
    # removing one link keeps the file for the other; removing the last deletes it
    evidence.remove(db, first.id)
    assert len(_store_files(db)) == 1
    evidence.remove(db, second.id)
    assert _store_files(db) == []
    assert [e.new_value is None for e in audit.entries(db, draft.id, "evidence")] == [
        False,
        False,
        True,
        True,
    ]


def test_a_name_typed_in_nfd_finds_the_nfc_one(
    db: Database, draft: Assessment, tmp_path: Path
) -> None:
    nfd_name = unicodedata.normalize("NFD", "Quyết định 15.pdf")
    link = evidence.attach(db, draft.id, "1.1", _file(tmp_path, nfd_name, PDF))
    assert link.original_name == unicodedata.normalize("NFC", nfd_name)
    assert [a.id for a in evidence.find_by_name(db, draft.id, nfd_name)] == [link.id]
    assert [a.id for a in evidence.find_by_name(db, draft.id, "Quyết định 15.pdf")] == [link.id]


def test_metadata_is_kept_and_editable(db: Database, draft: Assessment, tmp_path: Path) -> None:
    meta = EvidenceMeta(
        number="12/QĐ-UBND", date="2025-03-04", issuer="UBND xã", summary="Kiện toàn Ban chỉ đạo"
    )
    link = evidence.attach(db, draft.id, "1.1", _file(tmp_path, "qd.pdf", PDF), meta)
    assert (link.doc_number, link.doc_date, link.issuer, link.summary) == (
        "12/QĐ-UBND", "2025-03-04", "UBND xã", "Kiện toàn Ban chỉ đạo")  # fmt: skip
    evidence.update_meta(db, link.id, EvidenceMeta(number="13/QĐ-UBND"))
    assert evidence.list(db, draft.id, "1.1")[0].doc_number == "13/QĐ-UBND"
    loaded = answers.load(db, draft.id)
    assert [a.id for a in loaded.attachments["1.1"]] == [link.id]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.exe", b"MZ" + b"\x00" * 40, "loại tệp không được phép"),
        ("không đuôi", PDF, "loại tệp không được phép"),
        ("giả.pdf", b"MZ" + b"\x00" * 40, "không phải tệp pdf thật"),
        ("ảnh.png", JPG, "không phải tệp png thật"),
        ("báo cáo.docx", XLSX, "không phải tệp docx thật"),
        ("báo cáo.docx", ZIP, "không phải tệp docx thật"),
        ("bảng.ods", ODT, "không phải tệp ods thật"),
        ("hỏng.xlsx", b"PK\x03\x04garbage", "không phải tệp xlsx thật"),
        ("rỗng.pdf", b"", "tệp rỗng"),
        ("CON.pdf", PDF, "tên dành riêng của Windows"),
        ("com1.PDF", PDF, "tên dành riêng của Windows"),
        ("nul", PDF, "tên dành riêng của Windows"),
        ("báo cáo?.pdf", PDF, "ký tự không dùng được trên Windows: ?"),
        ("a:b.pdf", PDF, "ký tự không dùng được trên Windows: :"),
        ('tờ "trình".pdf', PDF, 'ký tự không dùng được trên Windows: "'),
        ("a|b.pdf", PDF, "ký tự không dùng được trên Windows: |"),
        ("tab\there.pdf", PDF, "U+0009"),
        ("cuối.pdf.", PDF, "kết thúc bằng dấu chấm"),
        ("cuối.pdf ", PDF, "kết thúc bằng dấu chấm hoặc khoảng trắng"),
    ],
)
def test_bad_files_are_refused_with_a_message_naming_the_file(
    db: Database, draft: Assessment, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = _file(tmp_path / "in", name, data)
    with pytest.raises(EvidenceRejected, match=re.escape(message)) as caught:
        evidence.attach(db, draft.id, "1.1", path)
    assert caught.value.file_name == unicodedata.normalize("NFC", name)
    assert unicodedata.normalize("NFC", name) in str(caught.value)
    _assert_nothing_stored(db, draft)


def test_too_large_file_is_refused(data_dir: Path, tmp_path: Path) -> None:
    from local_db import assessments
    from tests.forms.sample_sets import tiny_set

    with open_database(data_dir, evidence_limit=1024) as db:
        draft = assessments.create(db, "08001", 2025, tiny_set())
        big = _file(tmp_path, "bản scan.pdf", PDF + b"0" * 2048)
        with pytest.raises(EvidenceRejected, match="bản scan.pdf: tệp nặng .* vượt giới hạn"):
            evidence.attach(db, draft.id, "1.1", big)
        _assert_nothing_stored(db, draft)
        small = _file(tmp_path, "nhỏ.pdf", PDF)
        assert evidence.attach(db, draft.id, "1.1", small).original_name == "nhỏ.pdf"


def test_default_limit_is_50_megabytes(db: Database) -> None:
    assert db.evidence_limit == 50 * 1024 * 1024


def test_missing_and_unreadable_files(
    db: Database, draft: Assessment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(EvidenceRejected, match="không có.pdf: không tìm thấy tệp"):
        evidence.attach(db, draft.id, "1.1", tmp_path / "không có.pdf")
    (tmp_path / "thư mục.pdf").mkdir()
    with pytest.raises(EvidenceRejected, match="thư mục.pdf"):
        evidence.attach(db, draft.id, "1.1", tmp_path / "thư mục.pdf")
    locked = _file(tmp_path, "bị khóa.pdf", PDF)
    real_open = open

    def no_read(file, *args, **kwargs):  # antivirus or permissions holding the file
        if str(file) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", no_read)
    with pytest.raises(EvidenceRejected, match="Không đọc được tệp bị khóa.pdf"):
        evidence.attach(db, draft.id, "1.1", locked)
    monkeypatch.undo()
    _assert_nothing_stored(db, draft)


def test_full_disk_leaves_nothing_half_stored(
    db: Database, draft: Assessment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, "Biên bản.pdf", PDF * 1000)
    real_write = os.write
    calls = []

    def disk_full(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(
            fd, data[: len(data) // 2]
        )  # a partial write first, then the disk is full

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", disk_full)
        with pytest.raises(StorageError, match="Biên bản.pdf.*Ổ đĩa đã đầy"):
            evidence.attach(db, draft.id, "1.1", path)
    _assert_nothing_stored(db, draft)
    assert not any(p.name.startswith(".tmp-") for p in db.evidence_dir.rglob("*"))


def test_read_only_store_gives_a_clear_message(
    db: Database, draft: Assessment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, "Biên bản.pdf", PDF)
    real_open = os.open

    def read_only(file, flags, *args):  # tests run as root, so chmod would not stop a write
        if str(file).startswith(str(db.evidence_dir)) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system", str(file))
        return real_open(file, flags, *args)

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", read_only)
        with pytest.raises(StorageError, match="Biên bản.pdf.*chỉ đọc"):
            evidence.attach(db, draft.id, "1.1", path)
    _assert_nothing_stored(db, draft)


def test_a_failed_commit_removes_the_file_it_just_stored(
    db: Database, draft: Assessment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, "Biên bản.pdf", PDF)

    def audit_fails(*args, **kwargs):
        raise StorageError("Ổ đĩa đã đầy: không lưu được. Hãy giải phóng dung lượng rồi thử lại.")

    with monkeypatch.context() as patch:
        patch.setattr(audit, "log", audit_fails)
        with pytest.raises(StorageError):
            evidence.attach(db, draft.id, "1.1", path)
    _assert_nothing_stored(db, draft)
    # and the same file attached later works normally
    assert evidence.attach(db, draft.id, "1.1", path).original_name == "Biên bản.pdf"


def test_a_failed_commit_keeps_a_file_other_attachments_use(
    db: Database, draft: Assessment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = evidence.attach(db, draft.id, "1.1", _file(tmp_path / "a", "a.pdf", PDF))
    with monkeypatch.context() as patch:
        patch.setattr(audit, "log", lambda *a, **k: (_ for _ in ()).throw(StorageError("x")))
        with pytest.raises(StorageError):
            evidence.attach(db, draft.id, "1.2", _file(tmp_path / "b", "b.pdf", PDF))
    assert evidence.open_path(db, kept.id).read_bytes() == PDF


def test_crash_leftovers_are_swept_at_the_next_open(data_dir: Path, tmp_path: Path) -> None:
    from local_db import assessments
    from tests.forms.sample_sets import tiny_set

    with open_database(data_dir) as db:
        draft = assessments.create(db, "08001", 2025, tiny_set())
        link = evidence.attach(db, draft.id, "1.1", _file(tmp_path, "giữ.pdf", PDF))
    # what a power cut between "file stored" and "row committed" leaves behind:
    orphan = store_module.blob_path(data_dir / "evidence", "ab" + "0" * 62)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(PNG)
    temp = data_dir / "evidence" / ".tmp-123"
    temp.write_bytes(b"half a file")
    with open_database(data_dir) as db:
        assert not orphan.exists() and not temp.exists()
        assert evidence.open_path(db, link.id).read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "ok"),
    [("Báo cáo 2025.pdf", True), ("a.b.c.pdf", True), ("CONSOLE.pdf", True), ("LPT9.txt", False),
     ("aux", False), ("x*y.pdf", False), ("", False), ("..", False), ("a" * 256, False)],
)  # fmt: skip
def test_windows_name_rules(name: str, ok: bool) -> None:
    assert (store_module.windows_name_problem(name) is None) == ok
