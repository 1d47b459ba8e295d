"""What a package's zip may hold: safe entry names and sizes within ``Limits``; the error
(``ZipProblem``) every zip check raises. Used by ``forms.packages.zipsafe`` and the checks of
its records (``forms.packages.zip_records``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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


_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fail(code: str, message: str, where: str = "") -> ZipProblem:
    return ZipProblem(Problem(code, message, where))


def not_a_zip(error: str) -> ZipProblem:
    return fail("zip_invalid", _("Tệp không phải gói zip hợp lệ: {error}", error=error))


def damaged(name: str, error: str) -> ZipProblem:
    return fail("zip_invalid", _("Mục {name} bị hỏng: {error}", name=name, error=error), name)


def too_large(name: str) -> ZipProblem:
    return fail("too_large", _("Mục {name} giải nén ra quá lớn (nghi bom zip)", name=name), name)


def too_many_entries(limits: Limits) -> ZipProblem:
    return fail(
        "too_many_entries", _("Gói có quá nhiều mục (tối đa {limit})", limit=limits.entries)
    )


def check_sizes(limits: Limits, name: str, produced: int, compressed: int, total: int) -> None:
    """Raise for an entry (``produced`` bytes of ``compressed``, ``total`` for all entries so
    far) beyond the limits or compressed suspiciously well (a zip bomb)."""
    if produced > limits.entry_bytes or total > limits.total_bytes:
        raise too_large(name)
    if produced > limits.ratio_floor and produced > limits.ratio * max(compressed, 1):
        raise fail(
            "compression_ratio",
            _("Mục {name} có tỷ lệ nén bất thường (nghi bom zip)", name=name),
            name,
        )


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
        raise fail("unsafe_path", _("Tên mục không an toàn trong gói: {name}", name=name), name)
