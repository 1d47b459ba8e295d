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
from typing import Any

from forms.packages.package_checks import PACKAGE_CHECKS, PackageRun, run_checks
from forms.packages.signer_trust import certificate_problem, chain_problems
from forms.packages.trust import TrustRegistry
from forms.packages.verdict import CriteriaLookup, Verdict, criteria_index, lookup_criteria
from forms.packages.zipsafe import Limits, SafeZip, Source, ZipProblem

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
) -> Verdict:
    """Check one package: a path, its bytes, or a seekable binary file object.

    ``name`` is what messages and ``Verdict.path`` call it (default: the path; for bytes or
    a file object without a name, "gói"). Giving bytes the caller already holds (the
    collector hashes and stores them anyway) saves reading the file twice."""
    if name is None:
        if isinstance(source, str | os.PathLike):
            name = os.fspath(source)
        else:
            name = str(getattr(source, "name", "") or "gói")
    verdict = Verdict(ok=False, path=name)
    try:
        with SafeZip(source, limits) as zf:
            run_checks(PACKAGE_CHECKS, PackageRun(zf, verdict, criteria_sets, trust))
    except ZipProblem as exc:
        verdict.reasons.append(exc.problem)
    verdict.ok = not verdict.reasons
    return verdict


# --- many packages ----------------------------------------------------------------------

_worker_state: dict[str, Any] = {}


def _worker_init(criteria_sets: CriteriaLookup, trust: TrustRegistry | None) -> None:
    _worker_state["criteria"], _worker_state["trust"] = criteria_sets, trust


def _worker_verify(path: str) -> Verdict:
    verdict = verify_package(
        path, criteria_sets=_worker_state["criteria"], trust=_worker_state["trust"]
    )
    # Sent back lean: the criteria set is re-attached by hash in the parent (pickling it per
    # package would cost more than verifying), and certificate objects do not pickle.
    verdict.criteria_set = None
    verdict.manifest = None  # re-parsed from manifest_bytes in the parent: bytes pickle far faster than a dict tree
    if verdict.signer is not None:
        verdict.signer = replace(verdict.signer, certificates=())
    return verdict


def verify_many(
    paths: Iterable[str | os.PathLike[str]],
    *,
    criteria_sets: CriteriaLookup = None,
    trust: TrustRegistry | None = None,
    workers: int | None = None,
) -> list[Verdict]:
    """Verify many packages, in order, on ``workers`` processes (default: one per CPU).

    The criteria sets and registry are sent to each worker once; a callable lookup must be
    picklable (a module-level function). ``workers=1`` runs in this process.
    """
    items = [os.fspath(p) for p in paths]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(items) < 64:
        return [verify_package(p, criteria_sets=criteria_sets, trust=trust) for p in items]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        workers, initializer=_worker_init, initargs=(criteria_sets, trust)
    ) as pool:
        verdicts = list(
            pool.map(_worker_verify, items, chunksize=max(16, len(items) // (workers * 8)))
        )
    for verdict in verdicts:
        if verdict.manifest_bytes is not None:
            verdict.manifest = json.loads(verdict.manifest_bytes)
            verdict.criteria_set = lookup_criteria(
                criteria_sets, verdict.manifest["criteria_set"]["content_hash"]
            )
    return verdicts
