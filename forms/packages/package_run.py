"""What the checks of one opened package share (``PackageRun``) and how they are run in order;
the checks themselves are in ``package_checks`` and ``organisation_checks``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from forms.criteria import CriteriaSet
from forms.packages.answer_check import check_answers
from forms.packages.trust import TrustRegistry
from forms.packages.verdict import CriteriaLookup, Verdict
from forms.packages.zipsafe import SafeZip
from forms.problems import Problem

if TYPE_CHECKING:
    from forms.packages.revocation import RevocationLists


class PackageRun:
    """What the checks of one package share: the open zip, the verdict they fill, the
    lookups they were given, and what an earlier check found for a later one."""

    def __init__(
        self,
        zf: SafeZip,
        verdict: Verdict,
        criteria_sets: CriteriaLookup,
        trust: TrustRegistry | None,
        revocation: RevocationLists | None = None,
    ) -> None:
        self.zf, self.verdict, self.reasons = zf, verdict, verdict.reasons
        self.criteria_sets, self.trust = criteria_sets, trust
        self.revocation = revocation  # the CRLs to check a certificate signer's path against
        self.raw = b""  # manifest.json, exactly as signed
        self.manifest: dict[str, Any] = {}
        self.created = datetime.min  # the manifest's created_at, once its shape is checked
        self.signatures: list[str] = []  # the known signature entries present
        self.cs: CriteriaSet | None = None
        self._answers: tuple[dict[str, Mapping[str, Any]], list[Problem]] | None = None
        self.province_raw: bytes | None = None  # format 3: the province's data file, as signed

    @property
    def criteria(self) -> CriteriaSet:
        assert self.cs is not None, "criteria checks run after criteria_known"
        return self.cs

    def answers(self) -> tuple[dict[str, Mapping[str, Any]], list[Problem]]:
        """The answers to score and the problems with them (``check_answers``), worked out once
        for the checks that need them."""
        if self._answers is None:
            self._answers = check_answers(self.criteria, self.manifest["answers"])
        return self._answers


Check = Callable[[PackageRun], bool]


def run_checks(checks: Sequence[Check], run: PackageRun) -> bool:
    """Run ``checks`` in order until one says stop; False if one did."""
    return all(check(run) for check in checks)
