"""The merge's vocabulary, shared by merging, bundles and verification (so that none of them
imports another for its types): the file kinds of an inbox, what a verification says of a
package, why a file was rejected, and what a merge did.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from forms.bundles import format as bundle_format
from forms.criteria import CriteriaSet
from forms.packages import format as pkg_format
from forms.problems import Problem

PACKAGE_SUFFIX = pkg_format.EXTENSION
BUNDLE_SUFFIX = bundle_format.EXTENSION

Progress = Callable[[int, int], None]
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Reason:
    code: str
    message: str

    @classmethod
    def of(cls, problem: Problem) -> Reason:
        """A problem found by ``forms`` (its place is in its message already)."""
        return cls(problem.code, problem.message)

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Checked:
    """What the collector needs from a package's verification."""

    ok: bool
    reasons: tuple[Reason, ...]
    manifest: Mapping[str, Any] | None  # parsed, when it could be read
    manifest_sha256: str = ""
    signer_kind: str = ""
    signer_fingerprint: str = ""
    signer_key_id: str = ""
    signer_subject: str = ""


Verifier = Callable[[Path, Any, Mapping[str, CriteriaSet]], Checked]


@dataclass(frozen=True)
class Rejection:
    file: str
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "reasons": [r.to_json() for r in self.reasons]}


@dataclass
class MergeSummary:
    files: int = 0  # package files looked at (inside bundles too)
    accepted: int = 0  # new verified packages stored
    duplicates: int = 0  # already in the database (same file, or same signed manifest)
    superseded: int = 0  # submissions that became history during this merge
    conflicts: int = 0  # unit-years left in conflict among those this merge touched
    rejected: list[Rejection] = field(default_factory=list)
    bundles: int = 0
    bundles_rejected: list[Rejection] = field(default_factory=list)
    verified_in_workers: int = 0  # of the new packages, how many worker processes verified

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "superseded": self.superseded,
            "conflicts": self.conflicts,
            "rejected": [r.to_json() for r in self.rejected],
            "bundles": self.bundles,
            "bundles_rejected": [r.to_json() for r in self.bundles_rejected],
            "verified_in_workers": self.verified_in_workers,
        }
