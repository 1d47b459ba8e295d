"""The shape of a review body: every field present, of its type, within its range, and shown
names free of control characters. Checked before anything reads the body
(``forms.review.verify``), so later checks can index it without guarding each step.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from forms.i18n import _
from forms.packages import format as fmt
from forms.problems import Problem
from forms.review.model import APPLICABILITY_VERSION, ItemStatus
from forms.text import misleading_char

# what ``forms.packages.manifest.decimal_text`` writes for points: no sign, exponent, leading or
# trailing zeros ("20", "6.5", "0.3333"); anything else is another spelling of a number (or a
# huge exponent that later arithmetic would choke on), and the body is signed as written
_POINTS = re.compile(r"^(0|[1-9][0-9]{0,5})(\.[0-9]{0,39}[1-9])?$")
# writers use a UUID; ids name rows and files, so nothing that could be read as a path
_REVIEW_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# years a DTI self-assessment, its criteria set, a signature or a deadline can have; a review
# dated 9999 would otherwise stay "the newest" of its submission forever (hole 12a)
YEARS = (2000, 2100)
REVISIONS = (1, 9999)


class ShapeError(Exception):
    """A body field missing, of the wrong type (``review_invalid``) or out of range."""

    def __init__(self, where: str, allowed: tuple[int, int] | None = None, value: Any = None):
        self.where = where
        self.allowed = allowed  # (low, high) when the value is well formed but out of range
        self.value = value


def _get(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    path = f"{where}.{key}" if where else key
    if not isinstance(obj, dict) or key not in obj:
        raise ShapeError(path)
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ShapeError(path)
    return value


def _in_range(value: int, allowed: tuple[int, int], where: str) -> None:
    if not allowed[0] <= value <= allowed[1]:
        raise ShapeError(where, allowed, value)


def _int_in(obj: Any, key: str, allowed: tuple[int, int], where: str) -> None:
    _in_range(_get(obj, key, int, where), allowed, f"{where}.{key}")


def _created_at(body: dict[str, Any]) -> datetime:
    if not _REVIEW_ID.match(_get(body, "review_id", str, "")):
        raise ShapeError("review_id")
    try:
        created = datetime.strptime(
            _get(body, "created_at", str, ""), "%Y-%m-%dT%H:%M:%SZ"
        ).replace(tzinfo=UTC)
    except ValueError:
        raise ShapeError("created_at") from None
    _in_range(created.year, YEARS, "created_at")
    return created


def _submission(body: dict[str, Any]) -> None:
    sub = _get(body, "submission", dict, "")
    for key in ("submission_id", "manifest_sha256"):
        _get(sub, key, str, "submission")
    if not fmt.SHA256_HEX.fullmatch(sub["manifest_sha256"]):
        raise ShapeError("submission.manifest_sha256")
    unit = _get(sub, "unit", dict, "submission")
    _get(unit, "code", str, "submission.unit")
    if misleading_char(_get(unit, "name", str, "submission.unit")) is not None:
        raise ShapeError("submission.unit.name")
    _int_in(sub, "year", YEARS, "submission")
    _int_in(sub, "revision", REVISIONS, "submission")
    cset = _get(sub, "criteria_set", dict, "submission")
    for key in ("set_id", "version", "content_hash"):
        _get(cset, key, str, "submission.criteria_set")
    if not fmt.SHA256_HEX.fullmatch(cset["content_hash"]):
        raise ShapeError("submission.criteria_set.content_hash")
    _int_in(cset, "year", YEARS, "submission.criteria_set")


def _reviewer(body: dict[str, Any]) -> None:
    reviewer = _get(body, "reviewer", dict, "")
    for key in ("name", "position", "organisation", "fingerprint"):
        # a control or bidi-override character would show the commune another name
        if misleading_char(_get(reviewer, key, str, "reviewer")) is not None:
            raise ShapeError(f"reviewer.{key}")


def _deadline(body: dict[str, Any]) -> None:
    if "deadline" not in body:  # present, null when no explanation is asked
        raise ShapeError("deadline")
    deadline = body["deadline"]
    if deadline is None:
        return
    if not isinstance(deadline, str):
        raise ShapeError("deadline")
    try:
        due = date.fromisoformat(deadline)
    except ValueError:
        raise ShapeError("deadline") from None
    if deadline != due.isoformat():  # "20260215" is ISO too, but not how it is written
        raise ShapeError("deadline")
    _in_range(due.year, YEARS, "deadline")


def _items(body: dict[str, Any]) -> None:
    statuses = {s.value for s in ItemStatus}
    for code, entry in _get(body, "items", dict, "").items():
        where = f"items.{code}"
        for key in ("self_points", "verified_points"):
            if not _POINTS.match(_get(entry, key, str, where)):
                raise ShapeError(f"{where}.{key}")
        if _get(entry, "status", str, where) not in statuses:
            raise ShapeError(f"{where}.status")
        _get(entry, "comment", str, where)
        for key in ("self_met", "met"):  # 0-point targets only (forms.review.model.ReviewItem)
            if key in entry and not isinstance(entry[key], bool):
                raise ShapeError(f"{where}.{key}")


def _applicability(body: dict[str, Any]) -> None:
    """Version 2 records the unit's applicability, version 1 never does (``BODY_VERSIONS``)."""
    if body.get("format_version") != APPLICABILITY_VERSION:
        if "applicability" in body:
            raise ShapeError("applicability")
        return
    app = _get(body, "applicability", dict, "")
    if misleading_char(_get(app, "unit_kind", str, "applicability")) is not None:
        raise ShapeError("applicability.unit_kind")
    for code, reason in _get(app, "marks", dict, "applicability").items():
        if not isinstance(reason, str) or misleading_char(reason) is not None:
            raise ShapeError(f"applicability.marks.{code}")
    overturned = _get(app, "overturned", list, "applicability")
    if not all(isinstance(c, str) and c in app["marks"] for c in overturned):
        raise ShapeError("applicability.overturned")


def check_shape(body: dict[str, Any]) -> datetime:
    """Raise ``ShapeError`` for the first field (in the order a reader meets them) missing, of
    the wrong type or out of range; returns created_at."""
    created = _created_at(body)
    _submission(body)
    _reviewer(body)
    _deadline(body)
    _get(body, "message", str, "")
    _items(body)
    _applicability(body)
    summary = _get(body, "summary", dict, "")
    _get(summary, "self", dict, "summary")
    _get(summary, "verified", dict, "summary")
    return created


def shape_problem(exc: ShapeError) -> Problem:
    if exc.allowed is not None:
        return Problem(
            "value_out_of_range",
            _(
                "Tệp thẩm định: trường {field} có giá trị {value}, ngoài khoảng cho phép {low} đến {high}",
                field=exc.where,
                value=str(exc.value),
                low=exc.allowed[0],
                high=exc.allowed[1],
            ),
            exc.where,
        )
    return Problem(
        "review_invalid",
        _("Tệp thẩm định thiếu hoặc sai trường {field}", field=exc.where),
        exc.where,
    )
