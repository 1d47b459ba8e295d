"""A commune's answer to one indicator as read-only text lines, for the review screens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.format import format_date, format_number
from forms.criteria import FieldKind, Indicator
from forms.i18n import _


def describe_answer(ind: Indicator, values: Mapping[str, Any]) -> list[str]:
    """``["Số cuộc họp: 4 cuộc họp", ...]``; an unanswered field says so."""
    lines = []
    for field in ind.fields:
        value = values.get(field.key)
        if value is None or value == "":
            text = _("(chưa trả lời)")
        elif field.kind is FieldKind.BOOL:
            text = (
                _("Có")
                if value is True or str(value).lower() in ("true", "1", "yes", "có")
                else _("Không")
            )
        elif field.kind is FieldKind.CHOICE:
            text = next((c.label for c in ind.rule.choices if c.key == value), str(value))
        elif field.kind is FieldKind.DATE:
            text = format_date(str(value))
        elif field.kind in (FieldKind.COUNT, FieldKind.PERCENT, FieldKind.NUMBER):
            text = format_number(value)
            if field.unit:
                text = f"{text} {field.unit}"
        elif field.kind is FieldKind.DOCREF and isinstance(value, Mapping):
            parts = [str(value.get(k) or "") for k in ("number", "issuer", "summary")]
            date = format_date(str(value.get("date") or ""))
            text = "; ".join(p for p in (*parts[:1], date, *parts[1:]) if p)
        else:
            text = str(value)
        lines.append(f"{field.label}: {text}")
    return lines
