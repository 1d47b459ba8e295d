"""Constants of the ``.dtipkg`` format: names inside the zip, limits, file naming.

The spec lives in ``docs/package-format.md``; change both together.
"""

from __future__ import annotations

import re
import unicodedata

FORMAT_NAME = "dti-package"
# 2 (issue 15): each evidence content stored once, named by its sha256, and the PDF report
# inside. 1: one entry per attachment. A verifier takes every version it lists here.
FORMAT_VERSION = 2
# 3 (issue 16): as 2, and the province's signed data file (.dtidata) whose values the answers
# carry, stored as ``province-data.dtidata`` with its hash in the manifest. Written only by a
# package that uses province-supplied values: every other package stays a version 2 one.
PROVINCE_DATA_VERSION = 3
FORMAT_VERSIONS = (1, 2, 3)
EXTENSION = ".dtipkg"

MANIFEST_NAME = "manifest.json"
EVIDENCE_DIR = "evidence/"
SIGNATURE_DIR = "signature/"
# version 2: the report the chairman signed, as printed (its sha256 is in the manifest)
REPORT_NAME = "report.pdf"
MAX_REPORT_BYTES = 64 * 1024 * 1024
# version 3: the province's data file, as received (forms.province_data.model.MAX_FILE_BYTES)
PROVINCE_DATA_NAME = "province-data.dtidata"
MAX_PROVINCE_DATA_BYTES = 16 * 1024 * 1024
# version 2: evidence entries are ``evidence/<sha256>.<extension>``, the extension the one
# ``forms.evidence_types.EXTENSION_FOR_TYPE`` gives the content's checked type
CONTENT_ENTRY = re.compile(r"evidence/([0-9a-f]{64})\.([a-z0-9]{1,8})")
# One signature file per package; its name says how to read it.
SIGNATURE_ED25519 = "signature/manifest.ed25519.json"
SIGNATURE_CMS = "signature/manifest.p7s"  # DER CMS SignedData, detached, with the certificate
SIGNATURE_NAMES = {SIGNATURE_ED25519: "ed25519", SIGNATURE_CMS: "x509"}
# The organisation's signature beside the chairman's (Decree 30/2020/NĐ-CP): a second detached
# CMS over the same manifest.json bytes, present only when the manifest's ``signers`` names it
# (docs/signatures.md, "Two signatures")
SIGNATURE_ORGANISATION = "signature/organisation.p7s"
ROLE_CHAIRMAN = "chairman"
ROLE_ORGANISATION = "organisation"

# Limits the verifier enforces while reading (zip bombs, hostile archives). A real package
# holds a manifest, one signature and a few dozen scanned documents.
MAX_PACKAGE_BYTES = 512 * 1024 * 1024  # the zip file itself
MAX_ENTRIES = 2_000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # decompressed, all entries together
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # decompressed, one entry
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_SIGNATURE_BYTES = 256 * 1024
MAX_RATIO = 200  # decompressed / compressed, per entry ...
RATIO_FLOOR = 1024 * 1024  # ... checked only once an entry has produced this many bytes
MAX_NAME_LENGTH = 255

CHUNK = 64 * 1024

# Ranges of the numbers a manifest may carry; the verifier rejects anything outside them
# (``manifest_range``), so nothing downstream (SQLite's 64-bit integers, datetime, Decimal
# arithmetic) ever meets a number it cannot hold. Years: the DTI index dates from 2022 and a
# criteria set is made per year; 2000..2100 leaves room for back-filled and future data while
# keeping every year a four-digit one that datetime, file names and SQLite take as they are.
MIN_YEAR = 2000
MAX_YEAR = 2100
MAX_REVISION = 9999  # an assessment re-opened more often than this is a forgery, not a commune
# Answer values: a count, percentage or amount beyond 10**12, or finer than 10**-12, is no
# real answer, and bounding them keeps a ratio's division far inside Decimal's exponent range.
MAX_ANSWER_NUMBER = 10**12
MIN_ANSWER_EXPONENT = -12

# Fixed zip timestamp: the zip bytes then depend only on the content (reproducible packages).
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

# a sha256 as every signed file writes it: 64 lower-case hex digits, nothing else (use
# fullmatch: "$" would let a trailing newline through)
SHA256_HEX = re.compile(r"[0-9a-f]{64}")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def ascii_slug(text: str, *, limit: int = 60) -> str:
    """A file-name-safe ASCII form of ``text`` ("Biên bản họp.pdf" -> "Bien-ban-hop.pdf")."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _UNSAFE.sub("-", text).strip("-.")
    if len(text) > limit:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 8:
            text = stem[: limit - len(ext) - 1].rstrip("-.") + "." + ext
        else:
            text = text[:limit].rstrip("-.")
    return text or "file"


def package_file_name(unit_code: str, year: int, revision: int) -> str:
    """``<unit>_<year>_r<revision>.dtipkg``, e.g. ``25042_2025_r3.dtipkg``."""
    return f"{ascii_slug(unit_code, limit=40)}_{int(year)}_r{int(revision)}{EXTENSION}"
