"""What checking a package gives back (``Verdict``), and how the checks find criteria sets."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.criteria import CriteriaSet
from forms.packages.signing import SignerInfo
from forms.problems import Problem

CriteriaLookup = Mapping[str, CriteriaSet] | Callable[[str], CriteriaSet | None] | None
# the reasons that say only "this signer is not in the trust list (for this unit)"; and, for a
# package carrying the province's data file, "nor is the province's key" (a commune keeps that
# key in reviewers.json, not in the trust list its own package is checked with)
TRUST_LIST_CODES = frozenset(
    {
        "signer_unknown",
        "signer_not_for_unit",
        "organisation_signer_unknown",
        "organisation_signer_not_for_unit",
        "province_data_province_key_unknown",
    }
)


def criteria_index(sets: Iterable[CriteriaSet]) -> dict[str, CriteriaSet]:
    """``{content_hash: set}``, hashing each set once (hashing a 60-indicator set is not free)."""
    return {cs.content_hash: cs for cs in sets}


def lookup_criteria(criteria_sets: CriteriaLookup, content_hash: str) -> CriteriaSet | None:
    if criteria_sets is None:
        return None
    if callable(criteria_sets):
        return criteria_sets(content_hash)
    return criteria_sets.get(content_hash)


@dataclass
class Verdict:
    """The outcome for one package.

    ``unit``, ``year``, ``submission_id`` and ``manifest`` are filled as soon as the manifest
    parses, even when a later check fails (so a rejection can name the unit); they are
    *claims* until ``ok`` is true.
    """

    ok: bool
    path: str
    reasons: list[Problem] = field(default_factory=list)
    unit: str | None = None
    unit_name: str | None = None
    year: int | None = None
    submission_id: str | None = None
    signer: SignerInfo | None = None
    # the organisation's signer, when the package is signed twice (chairman + organisation)
    organisation: SignerInfo | None = None
    manifest: dict[str, Any] | None = None  # parsed, for the collector's merge
    manifest_bytes: bytes | None = None  # exactly as signed
    criteria_set: CriteriaSet | None = None
    # the report PDF's own verdict (forms.packages.report_check), when it was asked for
    report: Any = None

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.reasons]

    @property
    def intact(self) -> bool:
        """Signature and content are sound (every check passed but, perhaps, the signer's
        place in the trust list): a commune's own package on its own machine, or one from a
        signer the collector has not listed yet, is not a forgery, and is told apart from one."""
        return self.signer is not None and set(self.codes) <= TRUST_LIST_CODES

    def signed_by(self, key_id: str) -> bool:
        """Intact and signed with the key ``key_id`` (e.g. this data folder's own key)."""
        return self.intact and self.signer is not None and self.signer.key_id == key_id

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "unit": self.unit,
            "year": self.year,
            "submission_id": self.submission_id,
            "signer": {
                "kind": self.signer.kind if self.signer else None,
                "fingerprint": self.signer.fingerprint if self.signer else None,
            },
            **(
                {}
                if self.organisation is None
                else {
                    "organisation": {
                        "kind": self.organisation.kind,
                        "fingerprint": self.organisation.fingerprint,
                        "subject": self.organisation.subject,
                    }
                }
            ),
            "reasons": [{"code": p.code, "message": p.message} for p in self.reasons],
        }
