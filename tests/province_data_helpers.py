"""Test helpers for province-supplied values (issue 16): make any set's field province-supplied,
sign a matching ``.dtidata``, and a trust list that trusts the province's key.

    cs = supplied_set()                      # tiny set, 1.2's denominator "b" from the province
    cs = with_supplied(my_set, "4.1", "den") # or any set, any field
    raw = signed_data(cs, {"25042": {"1.2/b": 4}})
    trust = province_trust()                 # the key signed_data uses, role province_data, "*"
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from forms.criteria import SUPPLIED_BY_PROVINCE, CriteriaSet, Indicator, Pillar
from forms.packages.signing import Ed25519Signer
from forms.packages.trust import ANY_UNIT, ROLE_PROVINCE_DATA, TrustRegistry
from forms.province_data.model import Supplied
from forms.province_data.sign import new_data, sign_data
from tests.forms.packages.helpers import ed_signer
from tests.forms.sample_sets import tiny_set

PROVINCE_SEED = 41
SOURCE = "Hệ thống quản lý văn bản và điều hành của tỉnh"


def province_signer(seed: int = PROVINCE_SEED) -> Ed25519Signer:
    return ed_signer(seed)


def province_trust(signer: Ed25519Signer | None = None) -> TrustRegistry:
    signer = signer or province_signer()
    trust = TrustRegistry()
    trust.add_key(ANY_UNIT, signer.public_raw, "Sở KH&CN", roles=(ROLE_PROVINCE_DATA,))
    return trust


def _mark(ind: Indicator, code: str, key: str, source: str) -> Indicator:
    if ind.code == code:
        fields = tuple(
            replace(f, supplied_by=SUPPLIED_BY_PROVINCE, supplied_source=source)
            if f.key == key
            else f
            for f in ind.fields
        )
        if fields == ind.fields:
            raise KeyError(f"{code}/{key}")
        return replace(ind, fields=fields)
    return replace(ind, children=tuple(_mark(c, code, key, source) for c in ind.children))


def with_supplied(cs: CriteriaSet, code: str, key: str, source: str = SOURCE) -> CriteriaSet:
    """``cs`` with field ``key`` of indicator ``code`` province-supplied (a new content hash)."""
    cs.indicator(code)  # KeyError for an unknown code
    pillars = tuple(
        Pillar(
            p.code, p.name, p.max_points, tuple(_mark(i, code, key, source) for i in p.indicators)
        )
        for p in cs.pillars
    )
    return replace(cs, pillars=pillars)


def supplied_set() -> CriteriaSet:
    """The tiny set with 1.2's denominator ("Tổng số cuộc họp", ``b``) supplied by the province."""
    return with_supplied(tiny_set(), "1.2", "b")


def signed_data(
    cs: CriteriaSet,
    units: dict[str, dict[str, Any]],
    signer: Ed25519Signer | None = None,
    issued_at: str = "2026-01-15T08:00:00Z",
    source: str = SOURCE,
) -> bytes:
    """A signed ``.dtidata`` for ``cs``: ``units = {unit: {"code/field": raw value}}``."""
    supplied = {
        unit: {k: Supplied(v, source) for k, v in values.items()} for unit, values in units.items()
    }
    data = new_data(cs, "Sở Khoa học và Công nghệ", supplied, issued_at)
    return sign_data(data, cs, signer or province_signer())
