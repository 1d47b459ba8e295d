"""The one place the collector calls the packages engineer's verifier (``forms.packages.verify``).

It turns a ``Verdict`` into the few facts the collector stores, and hashes the exact signed
manifest bytes: a submission's identity in the collector database is that hash, so the same
signed manifest re-zipped into other bytes is recognised as the same submission.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.packages.verify import verify_package
from local_db.collector.kinds import Checked, Reason


def check_package(
    path: Path, trust: Any, criteria: Mapping[str, CriteriaSet], data: bytes | None = None
) -> Checked:
    """Verify the package at ``path``, or its ``data`` when the caller has read it already
    (then ``path`` only names it in messages: nothing is read twice or written anywhere)."""
    verdict = verify_package(
        path if data is None else data, criteria_sets=criteria, trust=trust, name=str(path)
    )
    signer = verdict.signer
    return Checked(
        ok=verdict.ok,
        reasons=tuple(Reason(p.code, p.message) for p in verdict.reasons),
        manifest=verdict.manifest,
        manifest_sha256=hashlib.sha256(verdict.manifest_bytes).hexdigest()
        if verdict.manifest_bytes
        else "",
        signer_kind=signer.kind if signer else "",
        signer_fingerprint=signer.fingerprint if signer else "",
        signer_key_id=signer.key_id if signer else "",
        signer_subject=signer.subject if signer else "",
    )


def default_verifier(
    path: Path, trust: Any, criteria: Mapping[str, CriteriaSet], data: bytes | None = None
) -> Checked:
    """The packages verifier (a ``Verifier``); given ``data`` (the bytes already read and
    hashed), the file is not read again (``path`` then only names it)."""
    return check_package(path, trust, criteria, data)
