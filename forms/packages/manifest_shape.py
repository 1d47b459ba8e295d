"""The shape of a package manifest: every field present, of its type, within its range, and
shown names free of control characters. Checked before anything else reads the manifest
(``forms.packages.verify``), so later checks can index it without guarding each step.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from forms.evidence_types import EXTENSION_FOR_TYPE
from forms.i18n import _
from forms.packages import format as fmt
from forms.packages.zipsafe import ZipProblem, check_name
from forms.problems import Problem
from forms.text import misleading_char
from forms.validation import DOCREF_PARTS

# how build.py writes submission ids: str(uuid.uuid4()), lower-case hex in 8-4-4-4-12
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class ShapeError(Exception):
    """A field missing or of the wrong type (``manifest_invalid``), or a number outside its
    range (``manifest_range``)."""

    def __init__(self, where: str, code: str = "manifest_invalid") -> None:
        self.where = where
        self.code = code

    def problem(self) -> Problem:
        if self.code == "manifest_range":
            message = _(
                "manifest.json có trường {field} nằm ngoài khoảng cho phép", field=self.where
            )
        elif self.code == "manifest_text":
            message = _(
                "manifest.json có trường {field} chứa ký tự điều khiển hoặc ký tự đảo chiều văn bản (có thể làm tên hiển thị sai)",
                field=self.where,
            )
        else:
            message = _("manifest.json thiếu hoặc sai trường {field}", field=self.where)
        return Problem(self.code, message, self.where)


def _plain_text(obj: dict[str, Any], key: str, where: str) -> None:
    """A name shown to people (unit, officer, file) holds no control or bidi character."""
    if misleading_char(obj[key]) is not None:
        raise ShapeError(f"{where}.{key}", "manifest_text")


def _optional_text(obj: dict[str, Any], key: str, where: str) -> None:
    """A name or contact added later (a chairman, a phone number): absent in older packages,
    text without control characters when present."""
    if key in obj:
        _get(obj, key, str, where)
        _plain_text(obj, key, where)


def _in_range(obj: dict[str, Any], key: str, low: int, high: int, where: str) -> int:
    value: int = _get(obj, key, int, where)
    if not low <= value <= high:
        raise ShapeError(f"{where}.{key}" if where else key, "manifest_range")
    return value


def _get(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise ShapeError(f"{where}.{key}" if where else key)
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ShapeError(f"{where}.{key}" if where else key)
    return value


_ONLY_STR = {str}
# format 2 names a content by the extension its type is written with ("jpg", not "jpeg")
_CONTENT_EXTENSIONS = frozenset(EXTENSION_FOR_TYPE.values())
_DOCUMENT_KEYS = frozenset(DOCREF_PARTS)


def _str_map(obj: Any, where: str) -> dict[str, str]:
    # exact types: the object comes from json.loads, which makes no subclasses; the set of
    # value types is built in C (this runs over every indicator of every package)
    if not isinstance(obj, dict) or not set(map(type, obj.values())) <= _ONLY_STR:
        raise ShapeError(where)
    return obj


# exactly what build.py writes (strftime("%Y-%m-%dT%H:%M:%SZ")): ASCII digits only, since
# \d and int() also take "２０２５" and "٢٠٢٥"
_CREATED_AT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


def _created_at(text: str) -> datetime:
    """``YYYY-MM-DDTHH:MM:SSZ`` in the year range; raises ``ShapeError``."""
    found = _CREATED_AT.fullmatch(text)
    if found is None:
        raise ShapeError("created_at")
    year, month, day, hour, minute, second = map(int, found.groups())
    if not fmt.MIN_YEAR <= year <= fmt.MAX_YEAR:
        raise ShapeError("created_at", "manifest_range")
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # 2025-02-30
        raise ShapeError("created_at") from None


def _unit(m: dict[str, Any]) -> None:
    unit = _get(m, "unit", dict, "")
    if not _get(unit, "code", str, "unit"):
        raise ShapeError("unit.code")
    _get(unit, "name", str, "unit")
    _plain_text(unit, "code", "unit")
    _plain_text(unit, "name", "unit")
    _optional_text(unit, "chairman", "unit")
    _optional_text(unit, "kind", "unit")  # a set with applicability (issue 16)


def _criteria_set(m: dict[str, Any]) -> None:
    cset = _get(m, "criteria_set", dict, "")
    for key in ("set_id", "version", "content_hash"):
        _get(cset, key, str, "criteria_set")
    _in_range(cset, "year", fmt.MIN_YEAR, fmt.MAX_YEAR, "criteria_set")
    if not fmt.SHA256_HEX.fullmatch(cset["content_hash"]):
        raise ShapeError("criteria_set.content_hash")


def _submission_ids(m: dict[str, Any]) -> None:
    submission_id = _get(m, "submission_id", str, "")
    if not _UUID.fullmatch(submission_id):
        raise ShapeError("submission_id")
    supersedes = m.get("supersedes", "")
    if supersedes is not None and (
        type(supersedes) is not str
        or not _UUID.fullmatch(supersedes)
        or supersedes == submission_id
    ):
        raise ShapeError("supersedes")


def _officer(m: dict[str, Any]) -> None:
    officer = _get(m, "officer", dict, "")
    _get(officer, "name", str, "officer")
    _get(officer, "position", str, "officer")
    _plain_text(officer, "name", "officer")
    _plain_text(officer, "position", "officer")
    for key in ("phone", "email"):
        _optional_text(officer, key, "officer")


def _scores(m: dict[str, Any]) -> None:
    scores = _get(m, "scores", dict, "")
    for key in ("indicators", "pillars", "published_pillars"):
        _str_map(_get(scores, key, dict, "scores"), f"scores.{key}")
    for key in ("total", "published_total", "classification"):
        _get(scores, key, str, "scores")
    if "not_applicable" in scores:  # a set with applicability (issue 16)
        _str_map(scores["not_applicable"], "scores.not_applicable")


def _evidence_item(item: Any, where: str, paths: dict[str, int], version: int) -> None:
    """One attachment. Format 1: a path of its own. Format 2: the content's one name,
    ``evidence/<its sha256>.<the extension of its type>``, shared by every attachment citing
    that content (and so of one size)."""
    path = _get(item, "path", str, where)
    if not path.startswith(fmt.EVIDENCE_DIR) or (version == 1 and path in paths):
        raise ShapeError(f"{where}.path")
    try:
        check_name(path)
    except ZipProblem:
        raise ShapeError(f"{where}.path") from None
    sha256 = _get(item, "sha256", str, where)
    if not fmt.SHA256_HEX.fullmatch(sha256):
        raise ShapeError(f"{where}.sha256")
    size = _in_range(item, "size", 1, fmt.MAX_ENTRY_BYTES, where)
    if version >= 2:
        named = fmt.CONTENT_ENTRY.fullmatch(path)
        if named is None or named[1] != sha256 or named[2] not in _CONTENT_EXTENSIONS:
            raise ShapeError(f"{where}.path")
        if paths.get(path, size) != size:
            raise ShapeError(f"{where}.size")
    paths[path] = size
    _get(item, "original_name", str, where)
    _plain_text(item, "original_name", where)
    _get(item, "indicator", str, where)
    document = _str_map(_get(item, "document", dict, where), f"{where}.document")
    if not document.keys() <= _DOCUMENT_KEYS:
        raise ShapeError(f"{where}.document")


def _report(m: dict[str, Any]) -> None:
    """Format 2: ``report`` is null or ``{"path": "report.pdf", "sha256", "size"}``."""
    if "report" not in m:
        raise ShapeError("report")
    report = m["report"]
    if report is None:
        return
    if not isinstance(report, dict) or set(report) != {"path", "sha256", "size"}:
        raise ShapeError("report")
    if _get(report, "path", str, "report") != fmt.REPORT_NAME:
        raise ShapeError("report.path")
    if not fmt.SHA256_HEX.fullmatch(_get(report, "sha256", str, "report")):
        raise ShapeError("report.sha256")
    _in_range(report, "size", 1, fmt.MAX_REPORT_BYTES, "report")


_ROLES = [fmt.ROLE_CHAIRMAN, fmt.ROLE_ORGANISATION]


def _signers(m: dict[str, Any]) -> None:
    """Two signatures (absent in every package with one): ``[{"role": "chairman", "key_id"},
    {"role": "organisation", "key_id"}]`` in that order, two different keys."""
    if "signers" not in m:
        return
    signers = _get(m, "signers", list, "")
    if len(signers) != len(_ROLES):
        raise ShapeError("signers")
    for index, (item, role) in enumerate(zip(signers, _ROLES, strict=True)):
        where = f"signers[{index}]"
        if not isinstance(item, dict) or set(item) != {"role", "key_id"}:
            raise ShapeError(where)
        if _get(item, "role", str, where) != role:
            raise ShapeError(f"{where}.role")
        if not fmt.SHA256_HEX.fullmatch(_get(item, "key_id", str, where)):
            raise ShapeError(f"{where}.key_id")
    if signers[0]["key_id"] == signers[1]["key_id"]:
        raise ShapeError("signers[1].key_id")


def _province_data(m: dict[str, Any]) -> None:
    """Format 3: ``province_data`` is ``{"path": "province-data.dtidata", "sha256", "size"}``."""
    found = m.get("province_data")
    if not isinstance(found, dict) or set(found) != {"path", "sha256", "size"}:
        raise ShapeError("province_data")
    if _get(found, "path", str, "province_data") != fmt.PROVINCE_DATA_NAME:
        raise ShapeError("province_data.path")
    if not fmt.SHA256_HEX.fullmatch(_get(found, "sha256", str, "province_data")):
        raise ShapeError("province_data.sha256")
    _in_range(found, "size", 1, fmt.MAX_PROVINCE_DATA_BYTES, "province_data")


def check_shape(m: dict[str, Any]) -> datetime:
    """Raise ``ShapeError(where)`` if a field is missing or of the wrong type; returns created_at.

    Fields in the order a reader meets them; the first wrong one is the one reported."""
    _unit(m)
    _in_range(m, "year", fmt.MIN_YEAR, fmt.MAX_YEAR, "")
    _criteria_set(m)
    _in_range(m, "revision", 1, fmt.MAX_REVISION, "")
    _submission_ids(m)
    created = _created_at(_get(m, "created_at", str, ""))
    _officer(m)
    _get(m, "app_version", str, "")
    _get(m, "answers", dict, "")  # its entries: answer_check, in the one loop over them
    _scores(m)
    if "not_applicable" in m:  # the commune's marks: code -> reason (checked by the set)
        _str_map(m["not_applicable"], "not_applicable")
    version = m["format_version"]  # one of fmt.FORMAT_VERSIONS: checked before the shape
    paths: dict[str, int] = {}
    for index, item in enumerate(_get(m, "evidence", list, "")):
        _evidence_item(item, f"evidence[{index}]", paths, version)
    if version >= 2:
        _report(m)
    _signers(m)
    if version >= 3:
        _province_data(m)
    elif "province_data" in m:  # a version 2 reader would not look at it: never silently
        raise ShapeError("province_data")
    return created
