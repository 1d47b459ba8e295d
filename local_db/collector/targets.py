"""Which pass/fail targets each current submission met: what a set classing on targets ranks by.

The stored row keeps the signed points, not "met": a target worth 0 points scores 0 met or
not, so the number of targets met is worked out from the signed answers, read from the
stored package (only its manifest: on SQLite the blob is read in place, not loaded whole,
since a package holds its evidence files). Sets without targets never get here.

With an issued review, a target worth points is met when its *verified* points reach the
maximum (the reviewer overturns it by its points); a target worth 0 has no points to
overturn, so the review records its met / not met beside them (``local_db.review.items``),
and a review from before that record leaves it to the answers.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any, NamedTuple

from forms.applicability import UnitFacts, not_applicable
from forms.criteria import CriteriaSet, Indicator
from forms.packages import format as pkgfmt
from forms.packages.answer_check import check_answers
from forms.packages.zipsafe import SafeZip
from forms.ranking import UnitResult
from forms.scoring import is_met


class _BlobFile:
    """A stored blob as the seekable file ``SafeZip`` reads: ``sqlite3.Blob.seek`` returns None
    where a file returns the new position."""

    def __init__(self, blob: sqlite3.Blob) -> None:
        self._blob = blob

    def seek(self, offset: int, whence: int = 0) -> int:
        self._blob.seek(offset, whence)
        return self._blob.tell()

    def tell(self) -> int:
        return self._blob.tell()

    def seekable(self) -> bool:  # zipfile asks
        return True

    def read(self, length: int = -1) -> bytes:
        return self._blob.read(length)


def _manifest_bytes(conn: sqlite3.Connection, file_sha256: str) -> bytes:
    if isinstance(conn, sqlite3.Connection):
        row = conn.execute("SELECT rowid FROM blobs WHERE sha256=?", (file_sha256,)).fetchone()
        blob = conn.blobopen("blobs", "data", int(row[0]), readonly=True)
        with blob, SafeZip(_BlobFile(blob)) as zf:  # type: ignore[arg-type]  # read in place
            return zf.read(pkgfmt.MANIFEST_NAME, pkgfmt.MAX_MANIFEST_BYTES)
    (data,) = conn.execute("SELECT data FROM blobs WHERE sha256=?", (file_sha256,)).fetchone()
    with SafeZip(bytes(data)) as zf:
        return zf.read(pkgfmt.MANIFEST_NAME, pkgfmt.MAX_MANIFEST_BYTES)


class Answered(NamedTuple):
    """One unit's current submission: what its signed answers meet, among what applies."""

    manifest_sha256: str
    met: frozenset[str]  # the codes of the targets its answers meet
    applies: frozenset[str]  # the codes of the targets that apply to the unit


def answered_targets(conn: sqlite3.Connection, year: int, cs: CriteriaSet) -> dict[str, Answered]:
    """Per unit: ``Answered`` for its current submission of ``year`` under ``cs``; {} for a
    set without targets."""
    if not cs.targets():
        return {}
    rows = conn.execute(
        "SELECT s.unit_code, s.manifest_sha256, s.file_sha256 FROM current c JOIN submissions s "
        "USING(manifest_sha256) WHERE c.year=? AND c.status='current' AND s.criteria_hash=?",
        (year, cs.content_hash),
    ).fetchall()
    out: dict[str, Answered] = {}
    for unit, manifest_sha, file_sha in rows:
        raw = _manifest_bytes(conn, file_sha)
        if hashlib.sha256(raw).hexdigest() != manifest_sha:  # verified when merged: damaged
            raise ValueError(f"stored package of {manifest_sha[:12]} does not match its manifest")
        manifest = json.loads(raw.decode("utf-8"))
        answers = _answers(manifest, cs)
        gone = _overturned(conn, str(manifest_sha))
        applies = _applicable(cs, manifest, gone)
        out[str(unit)] = Answered(
            str(manifest_sha),
            frozenset(t.code for t in applies if is_met(t, answers)),
            frozenset(t.code for t in applies),
        )
    return out


def _overturned(conn: sqlite3.Connection, manifest_sha256: str) -> frozenset[str]:
    """The marks the reviewer overturned, once the review is issued (they apply again)."""
    from local_db.review.overturns import issued_overturns

    return frozenset(issued_overturns(conn, manifest_sha256))


def _applicable(
    cs: CriteriaSet, manifest: Mapping[str, Any], overturned: frozenset[str] = frozenset()
) -> list[Indicator]:
    """The targets that apply to the package's unit (its kind and code, its marks but those
    the issued review overturned), as ``score`` counts them: only these can be met."""
    unit = manifest.get("unit") or {}
    marks = manifest.get("not_applicable") or {}
    kept = (
        {c: r for c, r in marks.items() if c not in overturned}
        if isinstance(marks, Mapping)
        else {}
    )
    facts = UnitFacts(str(unit.get("kind") or ""), str(unit.get("code") or ""))
    na = not_applicable(cs, facts, kept)
    return [t for t in cs.targets() if t.code not in na.indicators]


def _answers(manifest: Mapping[str, Any], cs: CriteriaSet) -> dict[str, Mapping[str, Any]]:
    answers, _problems = check_answers(cs, manifest.get("answers") or {})
    return answers


def reviewed_targets(
    cs: CriteriaSet,
    answered: Answered,
    verified_points: Mapping[str, Decimal],
    flags: Mapping[str, bool],
) -> int:
    """The targets met under a review, among those that apply to the unit: by the verified
    points where the target has points; a 0-point target as the reviewer recorded it
    (``flags``), else by the answers."""
    return sum(
        1
        for t in cs.targets()
        if t.code in answered.applies
        and (verified_points.get(t.code, Decimal(0)) >= t.max_points if t.max_points > 0
            else flags.get(t.code, t.code in answered.met))
    )  # fmt: skip


def with_targets(
    conn: sqlite3.Connection, year: int, cs: CriteriaSet, results: list[UnitResult]
) -> list[UnitResult]:
    """``results`` of ``year`` under ``cs`` with ``targets_met`` filled (unchanged for a set
    without targets): reviewed units by ``reviewed_targets``, the others by their answers."""
    if not cs.targets():
        return results
    from local_db.review.standing import verified_item_points, verified_target_flags

    answered = answered_targets(conn, year, cs)
    verified = verified_item_points(conn, year, cs.content_hash)
    flags = verified_target_flags(conn, year, cs.content_hash)
    out = []
    for r in results:
        found = answered.get(r.unit_code, Answered("", frozenset(), frozenset()))
        points = verified.get(r.unit_code)
        n = (
            len(found.met)
            if points is None
            else reviewed_targets(cs, found, points, flags.get(r.unit_code, {}))
        )
        out.append(replace(r, targets_met=n))
    return out
