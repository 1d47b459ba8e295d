"""The shape of a ``.dtidata`` body: every field present, of its type and range, before any
later check indexes it. A failure is a ``ShapeError`` naming the field (``data_invalid``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from forms.packages import format as fmt
from forms.text import misleading_char

# unit codes name rows and files: letters, digits and a few separators
UNIT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
VALUE_KEY = re.compile(r"[0-9A-Za-z.]{1,40}/[a-z0-9_]{1,64}")
MAX_SOURCE = 500


class ShapeError(Exception):
    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(where)


def _get(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    path = f"{where}.{key}" if where else key
    if not isinstance(obj, dict) or key not in obj:
        raise ShapeError(path)
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ShapeError(path)
    return value


def _exact(obj: dict[str, Any], keys: set[str], where: str) -> None:
    """No field this version does not know: it may be a restriction a newer one wrote."""
    extra = sorted(set(obj) - keys)
    if extra:
        raise ShapeError(f"{where}.{extra[0]}" if where else extra[0])


def _year(value: int, where: str) -> None:
    if not fmt.MIN_YEAR <= value <= fmt.MAX_YEAR:
        raise ShapeError(where)


def _value(entry: Any, where: str) -> None:
    if not isinstance(entry, dict):
        raise ShapeError(where)
    _exact(entry, {"value", "source"}, where)
    value = _get(entry, "value", (bool, int, str), where)
    if isinstance(value, str) and len(value) > 40:
        raise ShapeError(f"{where}.value")
    source = _get(entry, "source", str, where)
    if len(source) > MAX_SOURCE or misleading_char(source) is not None:
        raise ShapeError(f"{where}.source")


def _units(body: dict[str, Any]) -> None:
    units = _get(body, "units", dict, "")
    for unit, values in units.items():
        where = f"units.{unit[:40]}"
        if not UNIT_CODE.fullmatch(unit) or not isinstance(values, dict):
            raise ShapeError(where)
        for key, entry in values.items():
            if not VALUE_KEY.fullmatch(key):
                raise ShapeError(f"{where}.{key[:80]}")
            _value(entry, f"{where}.{key}")


def check_shape(body: dict[str, Any]) -> datetime:
    """Raise ``ShapeError`` unless ``body`` has the shape a builder writes; the issue time."""
    _exact(body, {"format", "format_version", "criteria_set", "year", "issued_at", "issuer", "units"}, "")  # fmt: skip
    cs = _get(body, "criteria_set", dict, "")
    _exact(cs, {"set_id", "year", "version", "content_hash"}, "criteria_set")
    _get(cs, "set_id", str, "criteria_set")
    _get(cs, "version", str, "criteria_set")
    if not fmt.SHA256_HEX.fullmatch(_get(cs, "content_hash", str, "criteria_set")):
        raise ShapeError("criteria_set.content_hash")
    _year(_get(cs, "year", int, "criteria_set"), "criteria_set.year")
    _year(_get(body, "year", int, ""), "year")
    issuer = _get(body, "issuer", dict, "")
    _exact(issuer, {"name", "fingerprint"}, "issuer")
    if misleading_char(_get(issuer, "name", str, "issuer")) is not None:
        raise ShapeError("issuer.name")
    _get(issuer, "fingerprint", str, "issuer")
    try:
        issued = datetime.strptime(_get(body, "issued_at", str, ""), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ShapeError("issued_at") from None
    _year(issued.year, "issued_at")
    _units(body)
    return issued.replace(tzinfo=UTC)
