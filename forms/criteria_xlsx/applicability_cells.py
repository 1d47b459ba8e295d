"""The applicability cells of the pillar and indicator sheets (issue 16): "Áp dụng cho" lists
unit kinds (``xã, phường``), "Đơn vị áp dụng" unit codes (``00004; 00007``), "Cho phép không
áp dụng" is yes/no. Kinds are matched without accents or case ("phuong" is phường); a word
that is no kind is kept as written, so the checks name it and its row."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from forms.applicability import UNIT_KINDS
from forms.criteria import AppliesTo, Indicator, Pillar
from forms.text import fold

_KIND_BY_FOLD = {fold(k): k for k in UNIT_KINDS}
_LIST_SEPARATORS = re.compile(r"[,;\n]+")
_CODE_SEPARATORS = re.compile(r"[,;\s]+")


def applies_to(values: Mapping[str, Any]) -> AppliesTo | None:
    """The ``AppliesTo`` of a row's cells, or None when both cells are empty."""
    kinds_text = str(values.get("applies_to.kinds") or "")
    units_text = str(values.get("applies_to.units") or "")
    if not kinds_text.strip() and not units_text.strip():
        return None
    kinds = tuple(
        _KIND_BY_FOLD.get(fold(k), " ".join(k.split()))
        for k in _LIST_SEPARATORS.split(kinds_text)
        if k.strip()
    )
    units = tuple(u for u in _CODE_SEPARATORS.split(units_text) if u)
    return AppliesTo(kinds=kinds, units=units)


def cells(part: Indicator | Pillar) -> list[Any]:
    """The three cells of a row, as ``applies_to`` reads them back."""
    rule = part.applies_to
    return [
        ", ".join(rule.kinds) if rule is not None and rule.kinds else None,
        ", ".join(rule.units) if rule is not None and rule.units else None,
        "Có" if part.may_be_not_applicable else None,
    ]
