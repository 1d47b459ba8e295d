"""What an evidence file may be: the one allow-list, by extension *and* content.

The commune's storage applies it when a file is attached, the verifier applies it to every
evidence entry of a package from outside, and extraction names files by the type checked
here, never by the name someone signed (a signed ``Biên bản họp.pdf      .hta`` is an HTML
application on Windows). Nothing outside this list is ever handed to the operating system to
open.

Names are judged the way Windows would see them: NFC, then trailing spaces and dots removed
(Windows drops them when it opens a file), then the last extension, case-folded.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from typing import IO

from forms.packages.format import ascii_slug

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (doc, xls)
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
# extension -> (accepted leading bytes, what kind of file it is)
ALLOWED: dict[str, tuple[tuple[bytes, ...], str]] = {
    "pdf": ((b"%PDF-",), "pdf"),
    "doc": ((OLE2,), "doc"),
    "xls": ((OLE2,), "xls"),
    "docx": (ZIP, "docx"),
    "xlsx": (ZIP, "xlsx"),
    "odt": (ZIP, "odt"),
    "ods": (ZIP, "ods"),
    "zip": (ZIP, "zip"),
    "jpg": ((b"\xff\xd8\xff",), "jpeg"),
    "jpeg": ((b"\xff\xd8\xff",), "jpeg"),
    "png": ((b"\x89PNG\r\n\x1a\n",), "png"),
}
# the extension a file of each checked type is given when it is written out
EXTENSION_FOR_TYPE = {kind: ext for ext, (_m, kind) in ALLOWED.items() if ext != "jpeg"}
# Office Open XML and OpenDocument files are zips; this tells a renamed .zip from the real thing.
_ZIP_MARKERS = {"docx": "word/", "xlsx": "xl/"}
_ODF_MIME = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
HEAD_BYTES = 16


def windows_name(name: str) -> str:
    """``name`` as Windows would open it: NFC, trailing spaces and dots dropped."""
    return unicodedata.normalize("NFC", name).rstrip(" .")


def extension_of(name: str) -> str:
    """The case-folded last extension Windows would act on ("" when there is none)."""
    seen = windows_name(name)
    base = seen.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base.rsplit(".", 1)[-1].casefold() if "." in base else ""


def _zip_matches(extension: str, archive: zipfile.ZipFile) -> bool:
    names = archive.namelist()
    if extension in _ZIP_MARKERS:
        return any(n.startswith(_ZIP_MARKERS[extension]) for n in names)
    if "mimetype" not in names or archive.getinfo("mimetype").file_size > 200:
        return False
    return archive.read("mimetype").decode("ascii", "replace").strip() == _ODF_MIME[extension]


def content_matches(
    extension: str, head: bytes, opener: str | os.PathLike[str] | IO[bytes]
) -> bool:
    """True if content starting with ``head`` really is an ``extension`` file.

    ``opener`` is what ``zipfile.ZipFile`` can open (a path, or a binary file object); it is
    read only for the zip-based types, whose leading bytes alone say nothing."""
    if extension not in ALLOWED:
        return False
    magics, _kind = ALLOWED[extension]
    if not head.startswith(magics):
        return False
    if extension in _ZIP_MARKERS or extension in _ODF_MIME:
        try:
            with zipfile.ZipFile(opener) as archive:
                return _zip_matches(extension, archive)
        except (
            zipfile.BadZipFile,
            OSError,
            KeyError,
            RuntimeError,
            NotImplementedError,
            ValueError,
        ):
            return False
    return True


def checked_type(name: str, content: bytes | memoryview) -> str | None:
    """The file type (``ALLOWED``'s second field) of in-memory ``content`` named ``name``, or
    None if the name's extension is not allowed or the content is not of that type."""
    extension = extension_of(name)
    if extension not in ALLOWED:
        return None
    data = bytes(content) if isinstance(content, memoryview) else content
    if not content_matches(extension, data[:HEAD_BYTES], io.BytesIO(data)):
        return None
    return ALLOWED[extension][1]


def safe_extension(file_type: str) -> str:
    """The extension a file of checked type ``file_type`` is written out with."""
    return EXTENSION_FOR_TYPE[file_type]


# what looks like an extension at the end of a stem: a few letters or digits, no spaces
_TRAILING_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def written_name(original_name: str, file_type: str) -> str:
    """The name a file of checked type ``file_type`` is written out under:
    ``<ASCII stem>.<safe_extension(file_type)>``, the stem being ``original_name`` without its
    extension(s) ("Biên bản họp.pdf      .hta" -> "Bien-ban-hop"), so no extension anyone
    signed ever reaches the file system."""
    stem = windows_name(original_name).rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    while (shorter := _TRAILING_EXTENSION.sub("", stem).rstrip(" .")) != stem:
        stem = shorter
    return f"{ascii_slug(stem, limit=60)}.{safe_extension(file_type)}"
