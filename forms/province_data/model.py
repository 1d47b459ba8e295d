"""Province-supplied values as data: the signed ``.dtidata`` file's body (issue 16).

Values the commune does not type (a ratio's denominator "the documents the province
required", a rate a provincial system measures) come from the province, per year and
criteria set, for every unit: ``units[unit_code]["<indicator>/<field>"] = {"value", "source"}``.
Values are raw answers as the package manifest writes them (an int for a count, a decimal
string for a percentage or an amount, true/false), so the package's answers can be compared
with them byte for byte. The body is canonical JSON (``forms.canonical``) and signed whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms.canonical import canonical_bytes
from forms.criteria import CriteriaSet
from forms.packages.manifest import criteria_dict, nfc_value

BODY_FORMAT = "dti-province-data"
FILE_FORMAT = "dti-province-data-file"
FORMAT_VERSION = 1
EXTENSION = ".dtidata"
# A province of 3,321 units with ten supplied values each, with their sources, is ~2 MB;
# 16 MiB bounds what a reader holds (the file, the body text and the parsed body).
MAX_FILE_BYTES = 16 * 1024 * 1024


def value_key(code: str, key: str) -> str:
    """``"<indicator>/<field>"``, the key of one value in a unit's map."""
    return f"{code}/{key}"


def split_key(text: str) -> tuple[str, str]:
    code, _sep, key = text.partition("/")
    return code, key


@dataclass(frozen=True)
class Supplied:
    value: Any  # raw, as in a manifest's answers
    source: str


@dataclass(frozen=True)
class ProvinceData:
    set_id: str
    set_version: str
    set_hash: str
    year: int
    issued_at: str  # YYYY-MM-DDTHH:MM:SSZ
    issuer: str  # the office that issued it, e.g. "Sở Khoa học và Công nghệ tỉnh X"
    fingerprint: str  # the signing key's, written in the body
    units: dict[str, dict[str, Supplied]]

    @property
    def issued_day(self) -> str:
        """The issue date as people read it, dd/mm/yyyy (``issued_at`` is checked ISO)."""
        d = self.issued_at
        return f"{d[8:10]}/{d[5:7]}/{d[0:4]}"

    def for_unit(self, unit_code: str) -> dict[str, dict[str, Supplied]]:
        """The unit's values grouped by indicator: ``{code: {field: Supplied}}``."""
        grouped: dict[str, dict[str, Supplied]] = {}
        for text, supplied in self.units.get(unit_code, {}).items():
            code, key = split_key(text)
            grouped.setdefault(code, {})[key] = supplied
        return grouped

    def answers_for(self, unit_code: str) -> dict[str, dict[str, Any]]:
        """The unit's values as answers: ``{code: {field: raw value}}``."""
        return {
            code: {key: s.value for key, s in values.items()}
            for code, values in self.for_unit(unit_code).items()
        }


def body_dict(data: ProvinceData) -> dict[str, Any]:
    body = {
        "format": BODY_FORMAT,
        "format_version": FORMAT_VERSION,
        "criteria_set": {
            "set_id": data.set_id,
            "year": data.year,
            "version": data.set_version,
            "content_hash": data.set_hash,
        },
        "year": data.year,
        "issued_at": data.issued_at,
        "issuer": {"name": data.issuer, "fingerprint": data.fingerprint},
        "units": {
            unit: {k: {"value": s.value, "source": s.source} for k, s in values.items()}
            for unit, values in data.units.items()
        },
    }
    return dict(nfc_value(body))


def body_bytes(body: dict[str, Any]) -> bytes:
    return canonical_bytes(body)


def data_from_body(body: dict[str, Any]) -> ProvinceData:
    """The data of a body whose shape was checked (``forms.province_data.verify``)."""
    cs = body["criteria_set"]
    return ProvinceData(
        set_id=cs["set_id"],
        set_version=cs["version"],
        set_hash=cs["content_hash"],
        year=body["year"],
        issued_at=body["issued_at"],
        issuer=body["issuer"]["name"],
        fingerprint=body["issuer"]["fingerprint"],
        units={
            unit: {k: Supplied(v["value"], v["source"]) for k, v in values.items()}
            for unit, values in body["units"].items()
        },
    )


def for_set(cs: CriteriaSet) -> dict[str, Any]:
    return criteria_dict(cs, cs.content_hash)


def supplied_fields(cs: CriteriaSet) -> list[tuple[str, str]]:
    """(indicator code, field key) of every province-supplied field, in document order."""
    return [(ind.code, f.key) for ind in cs.leaves() for f in ind.fields if f.province_supplied]
