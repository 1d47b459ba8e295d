"""Checking a package: safe zip, manifest, signature, files, scores, signer trust.

Each failure is its own ``Problem`` (stable ``code``, Vietnamese message naming the entry,
file or indicator). The verifier writes nothing to disk: entries are streamed, hashed and
parsed in memory within the limits of ``forms.packages.format``.

The checks, one job each and in their order of precedence, are
``forms.packages.package_checks.PACKAGE_CHECKS``; this module opens the zip (``SafeZip``
checks its layout, names and sizes first) and runs them.

Speed matters (a collector merges thousands): the zip is opened once, evidence is hashed
while streaming, the manifest is parsed once, criteria sets are looked up by hash from a
dict built once per run, and the signature check is a single Ed25519 verification.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from forms.packages import parallel
from forms.packages.package_checks import PACKAGE_CHECKS
from forms.packages.package_run import PackageRun, run_checks
from forms.packages.parallel import worker_state
from forms.packages.signer_trust import certificate_problem, chain_problems
from forms.packages.trust import TrustRegistry
from forms.packages.verdict import CriteriaLookup, Verdict, criteria_index, lookup_criteria
from forms.packages.zipsafe import Limits, SafeZip, Source, ZipProblem

if TYPE_CHECKING:
    from forms.packages.report_check import ReportVerdict
    from forms.packages.revocation import RevocationLists

__all__ = [
    "DEFAULT_LIMITS",
    "CriteriaLookup",
    "Verdict",
    "certificate_problem",
    "chain_problems",
    "criteria_index",
    "lookup_criteria",
    "verify_many",
    "verify_package",
]

DEFAULT_LIMITS = Limits()


def verify_package(
    source: Source,
    *,
    criteria_sets: CriteriaLookup = None,
    trust: TrustRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
    name: str | None = None,
    revocation: RevocationLists | None = None,
    report: bool = False,
) -> Verdict:
    """Check one package: a path, its bytes, or a seekable binary file object.

    ``name`` is what messages and ``Verdict.path`` call it (default: the path; for bytes or
    a file object without a name, "gói"). Giving bytes the caller already holds (the
    collector hashes and stores them anyway) saves reading the file twice. ``revocation``:
    CRLs a certificate signer's path is checked against (``forms.packages.revocation``).
    ``report``: also give the report PDF's own verdict (``Verdict.report``,
    ``forms.packages.report_check``), against the same anchors and CRLs, when the package is
    intact and lists one."""
    if name is None:
        if isinstance(source, str | os.PathLike):
            name = os.fspath(source)
        else:
            name = str(getattr(source, "name", "") or "gói")
    verdict = Verdict(ok=False, path=name)
    revocation = with_registry_crls(revocation, trust)
    try:
        with SafeZip(source, limits) as zf:
            run_checks(PACKAGE_CHECKS, PackageRun(zf, verdict, criteria_sets, trust, revocation))
            if report and verdict.intact and verdict.manifest is not None:
                verdict.report = _report_verdict(zf, verdict.manifest, trust, revocation)
    except ZipProblem as exc:
        verdict.reasons.append(exc.problem)
    verdict.ok = not verdict.reasons
    return verdict


def with_registry_crls(
    revocation: RevocationLists | None, trust: TrustRegistry | None
) -> RevocationLists | None:
    """The CRLs to check against: those given, and those imported into the registry (so a
    merge and the collector window use the province's CRLs with no option)."""
    held = trust.crls if trust is not None else []
    if not held:
        return revocation
    if revocation is None:
        return trust.revocation() if trust is not None else None
    extra = [c for c in held if c not in revocation.crls]
    return replace(revocation, crls=(*revocation.crls, *extra)) if extra else revocation


def _report_verdict(
    zf: SafeZip,
    manifest: dict,
    trust: TrustRegistry | None,
    revocation: RevocationLists | None,
) -> ReportVerdict | None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from forms.packages.report_check import check_report_in

    anchors = trust.anchor_certificates() if trust is not None else []
    # revocation already holds the registry's CRLs (with_registry_crls)
    crls = [c.public_bytes(Encoding.DER) for c in revocation.crls] if revocation else []
    return check_report_in(zf, manifest, anchors, crls)


# --- many packages ----------------------------------------------------------------------

# the pool pays off sooner than in a merge: nothing but verifying happens here
VERIFY_MANY_MINIMUM = 64


def _verify_chunk(paths: list[str]) -> list[Verdict | None]:
    """A worker's task (``forms.packages.parallel``): verify these packages, sent back lean.

    The criteria set is re-attached by hash in the caller (pickling it per package would cost
    more than verifying), the manifest is re-parsed there from ``manifest_bytes`` (bytes
    pickle far faster than a dict tree), and certificate objects do not pickle."""
    state = worker_state()
    out: list[Verdict | None] = []
    for path in paths:
        verdict = verify_package(path, criteria_sets=state.criteria, trust=state.trust)
        verdict.criteria_set = None
        verdict.manifest = None
        if verdict.signer is not None:
            verdict.signer = replace(verdict.signer, certificates=())
        out.append(verdict)
    return out


def verify_many(
    paths: Iterable[str | os.PathLike[str]],
    *,
    criteria_sets: CriteriaLookup = None,
    trust: TrustRegistry | None = None,
    workers: int | None = None,
) -> list[Verdict]:
    """Verify many packages, in order, on ``workers`` processes (default: one per CPU), this
    one included.

    The criteria sets and registry are sent to each worker once; a callable lookup must be
    picklable (a module-level function). ``workers=1`` runs in this process.
    """
    items = [os.fspath(p) for p in paths]
    workers = workers or os.cpu_count() or 1

    def finish(path: str, lean: Verdict | None) -> Verdict:
        if lean is None:  # this process's share, or a worker's that failed
            return verify_package(path, criteria_sets=criteria_sets, trust=trust)
        if lean.manifest_bytes is not None:
            lean.manifest = json.loads(lean.manifest_bytes)
            lean.criteria_set = lookup_criteria(
                criteria_sets, lean.manifest["criteria_set"]["content_hash"]
            )
        return lean

    return parallel.in_input_order(
        items, _verify_chunk, finish, trust=trust, criteria=criteria_sets,
        workers=workers - 1, minimum=VERIFY_MANY_MINIMUM,
    )  # fmt: skip
