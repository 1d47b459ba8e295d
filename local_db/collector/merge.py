"""Merging received packages and bundles into the collector database.

Each package is verified (``forms.packages.verify``) and stored all or nothing (``atomic``: a
savepoint inside a batch of ``BATCH`` packages that share one commit): its original bytes, its
submission row, its file row, and the recomputed current submission of its unit and year
(``resolve``). A failure anywhere rolls the whole package back. Rejected packages go to the
quarantine table with their reasons and never into ``submissions``, so they can never be ranked.

Idempotent and order-independent by construction: rows are keyed by content hashes, names
keep the smallest one seen, and the current submission is a function of the *set* of verified
submissions (see ``resolve``), not of arrival order.

During a merge the connection runs with ``synchronous=NORMAL`` (in WAL mode each commit is then
atomic but not fsync'ed); the merge ends with one ``synchronous=FULL`` commit, which makes every
earlier commit durable. A power cut mid-merge can lose the last packages merged, never half of
one, and merging the same files again completes the job.

The parts: finding and reading files ``inbox``, a bundle's own layer ``bundles``
(``forms.bundles``), verifying on worker processes ``pool`` (``forms.packages.parallel``),
the rows written ``rows``, transactions and batches ``txn``. This module runs them.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forms.bundles.verify import InnerPackage
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.packages.parallel import CHUNK, POOL_MINIMUM
from local_db.collector import applicability, bundles, rows
from local_db.collector.inbox import BundleReaders, Item, expand_paths, read_package, split_known
from local_db.collector.kinds import (
    BUNDLE_SUFFIX,
    Checked,
    Clock,
    MergeSummary,
    Progress,
    Reason,
    Rejection,
    Verifier,
)
from local_db.collector.pool import Ahead, default_workers, verified_in_parallel
from local_db.collector.rows import refresh_unit_year
from local_db.collector.txn import atomic, batches, is_environment_error
from local_db.collector.txn import iso as _iso
from local_db.collector.verification import default_verifier

log = logging.getLogger("local_db")

BATCH = 256  # packages per commit (each one still all or nothing, see ``atomic``)

__all__ = [
    "BATCH",
    "CHUNK",
    "POOL_MINIMUM",
    "MergeSummary",
    "Reason",
    "Rejection",
    "default_verifier",
    "default_workers",
    "expand_paths",
    "is_environment_error",
    "merge_paths",
    "refresh_unit_year",
]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Merger:
    """One merge: what it has stored so far (``summary``, the unit-years it touched)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        trust: Any,
        criteria: Mapping[str, CriteriaSet],
        verifier: Verifier,
        clock: Clock,
    ):
        self.conn = conn
        self.trust = trust
        self.criteria = criteria
        self.verifier = verifier
        self.clock = clock
        self.summary = MergeSummary()
        self.touched: set[tuple[str, int]] = set()
        self.readers = BundleReaders()
        # decisions are a person's, made between merges: read once, not once per package
        self.has_decisions = rows.has_decisions(conn)

    def bundle(self, path: Path) -> list[InnerPackage]:
        """Check a bundle's own layer and record it; its inner packages (none if rejected)."""
        self.summary.bundles += 1
        check = bundles.read_bundle(self.conn, path, self.trust, self.clock)
        if not check.ok:
            reasons = tuple(map(Reason.of, check.problems))
            self.summary.bundles_rejected.append(Rejection(path.name, reasons))
        return check.inner

    def item(self, item: Item, ahead: Ahead) -> None:
        """Merge a loose package or a bundle's inner package, with its verification when a
        worker did it (``ahead``: used only if it is of these very bytes)."""
        name = item.name
        data = read_package(item) if isinstance(item, Path) else self.readers.read(item)
        if isinstance(data, Reason):
            self.summary.rejected.append(Rejection(name, (data,)))
            return
        checked = ahead[1] if ahead and ahead[0] == hashlib.sha256(data).hexdigest() else None
        self.summary.verified_in_workers += checked is not None
        if isinstance(item, Path):
            self.package(item, data, name, checked=checked)
            return
        pre = tuple(map(Reason.of, item.mismatch(data)))
        if self.verifier is default_verifier or checked is not None:
            # verified from the bytes in memory: no temporary file at all
            self.package(Path(name), data, name, item.bundle_sha256, pre, checked)
            return
        # another verifier (tests, benchmarks) reads a path
        with tempfile.TemporaryDirectory(prefix="dti-bundle-") as tmp:
            inner = Path(tmp) / f"{hashlib.sha256(item.entry.encode()).hexdigest()[:16]}.dtipkg"
            inner.write_bytes(data)
            self.package(inner, data, name, item.bundle_sha256, pre)

    def package(
        self,
        path: Path,
        data: bytes,
        name: str,
        bundle: str = "",
        pre_reasons: Sequence[Reason] = (),
        checked: Checked | None = None,
    ) -> None:
        self.summary.files += 1
        sha = hashlib.sha256(data).hexdigest()
        known = rows.received(self.conn, sha)
        if known is not None and known[0] is not None:
            if pre_reasons:
                # these bytes are already accepted (they came another way); this route is the problem
                self.summary.rejected.append(Rejection(name, tuple(pre_reasons)))
                return
            # the same bytes again: nothing to verify
            rows.received_again(self.conn, sha, name, bundle, known[1])
            self.summary.duplicates += 1
            self.touched.add(known[2] or rows.unit_year_of(self.conn, known[0]))
            return
        try:
            if checked is None:
                checked = self._verify(path, data)
            self._store(
                data, sha, name, bundle, pre_reasons, checked, was_quarantined=known is not None
            )
        except Exception as exc:
            if is_environment_error(exc):
                raise
            self._quarantine(data, sha, name, bundle, exc, checked)

    def _quarantine(
        self,
        data: bytes,
        sha: str,
        name: str,
        bundle: str,
        exc: Exception,
        checked: Checked | None,
    ) -> None:
        """One package could not be verified or stored: its savepoint is rolled back (see
        ``atomic``); record it as rejected with the error and go on with the others."""
        error = f"{type(exc).__name__}: {str(exc)[:200]}"
        # one line for the user's terminal (no traceback); the traceback for whoever debugs
        log.warning("package %s quarantined: %s", name, error)
        log.debug("package %s could not be stored", name, exc_info=exc)
        reason = Reason(
            "quarantined",
            _(
                "Gói {name} được cách ly: lỗi bất ngờ khi lưu ({error}). Các gói khác vẫn được tổng hợp; hãy gửi gói này cho bộ phận kỹ thuật.",
                name=name,
                error=error,
            ),
        )
        manifest = checked.manifest if checked is not None else None
        kept = Checked(False, (reason,), rows.quarantine_fields(manifest))
        try:
            rows.store_rejected(self.conn, data, sha, name, kept, _iso(self.clock()), bundle)
        except Exception as again:
            if is_environment_error(again):
                raise
            log.warning("package %s: the quarantine row was not stored either: %s", name, again)
        self.summary.rejected.append(Rejection(name, (reason,)))

    def _verify(self, path: Path, data: bytes) -> Checked:
        if self.verifier is default_verifier:
            return default_verifier(path, self.trust, self.criteria, data)
        return self.verifier(path, self.trust, self.criteria)

    def _store(
        self,
        data: bytes,
        sha: str,
        name: str,
        bundle: str,
        pre_reasons: Sequence[Reason],
        checked: Checked,
        *,
        was_quarantined: bool,
    ) -> None:
        if pre_reasons:
            checked = Checked(
                False,
                tuple(pre_reasons) + checked.reasons,
                checked.manifest,
                checked.manifest_sha256,
            )
        if checked.ok:
            # the units list's kind of the unit against the one the package was scored for
            mismatch = applicability.kind_reasons(self.conn, checked.manifest)
            if mismatch:
                checked = Checked(False, mismatch, checked.manifest, checked.manifest_sha256)
        now = _iso(self.clock())
        if not checked.ok:
            rows.store_rejected(self.conn, data, sha, name, checked, now, bundle)
            self.summary.rejected.append(Rejection(name, checked.reasons))
            return
        outcome, newly, unit_year = rows.store_accepted(
            self.conn, data, sha, name, checked, now, bundle,
            was_quarantined=was_quarantined, has_decisions=self.has_decisions,
        )  # fmt: skip
        self.touched.add(unit_year)
        self.summary.superseded += newly
        if outcome == "accepted":
            self.summary.accepted += 1
        else:
            self.summary.duplicates += 1

    def finish(self) -> MergeSummary:
        if self.touched:
            self.summary.conflicts = rows.conflicts_among(self.conn, self.touched)
        return self.summary


def _stream(
    db: sqlite3.Connection,
    loose: list[Path],
    inner: list[InnerPackage],
    merger: _Merger,
    workers: int,
) -> Iterable[tuple[Item, Ahead]]:
    """Every item to merge once, with its verification when a worker process did it.

    Worker processes help from ``POOL_MINIMUM`` new packages on (files already accepted need
    no verification: only the new ones go to the pool), with the packages verifier only."""
    items: list[Item] = [*loose, *inner]
    plain = ((item, None) for item in items)
    if merger.verifier is not default_verifier or workers < 1 or len(items) < POOL_MINIMUM:
        return plain
    fresh, seen = split_known(loose, inner, rows.accepted_files(db))
    if len(fresh) < POOL_MINIMUM:
        return plain
    return itertools.chain(
        ((item, None) for item in seen),
        verified_in_parallel(
            fresh, merger.trust, merger.criteria, workers=workers, chunk=CHUNK, minimum=POOL_MINIMUM
        ),
    )


def merge_paths(
    db: sqlite3.Connection,
    paths: Iterable[Path | str],
    trust: Any,
    criteria_sets: Iterable[CriteriaSet] | Mapping[str, CriteriaSet],
    progress: Progress | None = None,
    *,
    clock: Clock = _utc_now,
    verifier: Verifier = default_verifier,
    workers: int | None = None,
) -> MergeSummary:
    """Merge package and bundle files (or folders of them) into the collector database ``db``.

    Bundles are checked first (their own layer: signature, listing, a readable zip) and their
    inner packages join the loose ones. Verification (the costly part: zip reading, hashing,
    signature, re-scoring) is shared between this process and ``workers`` worker processes
    (default: ``default_workers()``) when there are at least ``POOL_MINIMUM`` new packages;
    storing stays on this thread, each package all or nothing, ``BATCH`` packages per commit.
    Progress counts packages, loose and inner, after the bundles' own check.
    """
    workers = default_workers() if workers is None else workers
    criteria = (
        dict(criteria_sets)
        if isinstance(criteria_sets, Mapping)
        else {cs.content_hash: cs for cs in criteria_sets}
    )
    files, problems = expand_paths(paths)
    merger = _Merger(db, trust, criteria, verifier, clock)
    for problem in problems:
        merger.summary.rejected.append(Rejection(problem.message, (problem,)))
    loose = [p for p in files if p.suffix.lower() != BUNDLE_SUFFIX]
    rejected_before = len(merger.summary.rejected)
    try:
        with batches(db, BATCH) as batch:
            inner = [
                package
                for path in files
                if path.suffix.lower() == BUNDLE_SUFFIX
                for package in merger.bundle(path)
            ]
            total = len(loose) + len(inner)
            for done, (item, ahead) in enumerate(_stream(db, loose, inner, merger, workers), 1):
                merger.item(item, ahead)
                batch.one_more()
                if progress is not None:
                    progress(done, total)
    finally:
        merger.readers.close()
    # one fsync'ed commit makes every NORMAL commit before it durable (the WAL is one file)
    with atomic(db):
        rows.note_last_merge(db, _iso(clock()))
    # packages are stored in whatever order verification finished: list rejections by name
    merger.summary.rejected[rejected_before:] = sorted(
        merger.summary.rejected[rejected_before:], key=lambda r: r.file
    )
    return merger.finish()
