"""forms.evidence_types: one allow-list for attaching, verifying and opening (hole 1)."""

import io
import zipfile

import pytest

from forms.evidence_types import checked_type, extension_of, safe_extension

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTA = b"<html><script>new ActiveXObject('WScript.Shell').Run('calc')</script></html>"


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Biên bản họp.pdf      .hta", "hta"),  # the attack: Windows runs .hta
        ("Biên bản họp.hta      ", "hta"),  # trailing spaces dropped by Windows
        ("bao-cao.pdf. . .", "pdf"),
        ("BAO CAO.PDF", "pdf"),
        ("evidence/1.1/001-bao-cao.docx", "docx"),
        ("no-extension", ""),
    ],
)
def test_extension_as_windows_sees_it(name, expected):
    assert extension_of(name) == expected


def test_hole1_a_name_hiding_hta_behind_spaces_is_not_allowed_whatever_the_content():
    assert checked_type("Biên bản họp.pdf      .hta", HTA) is None
    assert checked_type("Biên bản họp.pdf      .hta", PDF) is None


def test_content_must_match_the_extension():
    assert checked_type("bien-ban.pdf", PDF) == "pdf"
    assert checked_type("bien-ban.pdf", HTA) is None  # renamed HTML
    assert checked_type("bao-cao.docx", _docx()) == "docx"
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as zf:
        zf.writestr("a.txt", "x")
    assert checked_type("bao-cao.docx", plain_zip.getvalue()) is None  # a zip renamed .docx
    assert checked_type("bao-cao.docx", b"PK\x03\x04 broken") is None


def test_written_out_with_the_checked_type_extension():
    assert safe_extension(checked_type("anh.JPEG", b"\xff\xd8\xff\xe0rest")) == "jpg"
    assert safe_extension("pdf") == "pdf"
