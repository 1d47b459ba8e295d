"""The collector's store: the one door to a collector database (Anki's ``Collection``).

Every query and write the collector's window, its reviewer screen and the ``dti-desk``
collector commands make goes through a ``CollectorStore``; none of them holds a connection or
writes SQL. The store owns its connections, one per thread (SQLite's default
``check_same_thread`` holds: a connection is never used from two threads), opened from the same
path on a thread's first call, so a merge or a signing on a worker thread has its own.
``release_thread()`` closes the calling thread's connection (a worker calls it when its job is
done, so no file handle outlives the job).

Errors of the environment (disk full, read-only folder, locked by another program, disk
error, damaged file) become ``local_db.errors.StorageError`` with the storage layer's
Vietnamese sentence, as on the commune side; anything else is a bug and propagates.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from forms.criteria import CriteriaSet
from forms.packages.signing import Signer
from forms.ranking import Ranking
from forms.results_table import ResultsTable
from forms.review.model import Review, Reviewer, ReviewItem
from local_db.collector import db_url, decisions, pg, recheck, reports
from local_db.collector.kinds import MergeSummary
from local_db.collector.published import ImportedTable, import_published
from local_db.collector.schema import connect
from local_db.errors import translate_errors
from local_db.review import collector as rc

T = TypeVar("T")
Progress = Callable[[int, int], None]


class CollectorStore:
    """A collector database at ``path`` (a SQLite file or a ``postgresql://`` URL); opening it creates it (or raises
    ``CollectorSchemaError`` for one written by a newer dti-desk, ``StorageError`` for the
    environment). Close it with ``close()`` (or ``with``)."""

    def __init__(self, path: Path | str) -> None:
        # a SQLite file, or a ``postgresql://`` URL (``local_db.collector.pg``)
        self.target: Path | str = str(path) if db_url.is_url(path) else Path(path)
        self.path = Path(path) if isinstance(self.target, Path) else None
        self._local = threading.local()
        self._closed = False
        # the server processes of this store's PostgreSQL connections, every one opened so far:
        # the change feed leaves their writes to the session, which announced them already
        self.backend_pids: set[int] = set()
        self.conn  # noqa: B018 - opened now, so a bad file is said at once, not at the first read

    # --- connections -------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """The calling thread's connection (opened on its first use). For ``local_db`` code
        that takes a connection; the GUI and the command line call the methods below."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and isinstance(conn, pg.PgConnection) and conn.broken:
            conn = self._local.conn = None  # the server went away: a new connection, once back
        if conn is None:
            if self._closed:
                raise RuntimeError(f"collector store {self.name} is closed")
            with translate_errors():
                conn = connect(self.target)
            if isinstance(conn, pg.PgConnection):
                self.backend_pids.add(conn.backend_pid)
            self._local.conn = conn
        return conn

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def url(self) -> str | None:
        """The ``postgresql://`` URL (with its password, if given: never to be shown), or None
        for a SQLite file."""
        return None if isinstance(self.target, Path) else self.target

    def data_version(self) -> int | None:
        """SQLite's ``PRAGMA data_version`` on the calling thread's connection: it changes when
        another connection commits (the window polls it); None on PostgreSQL (its feed is
        ``feed.Listener``)."""
        if self.url is not None:
            return None
        with translate_errors():
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    @property
    def name(self) -> str:
        """What to call this database in a message: its path, or its URL without the password."""
        return str(self.target) if isinstance(self.target, Path) else db_url.masked(self.target)

    def release_thread(self) -> None:
        """Close the calling thread's connection, if it opened one (the next call opens again)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            conn.close()

    def close(self) -> None:
        """Close this thread's connection and open no more; a worker's is closed by its
        ``release_thread`` (or with its thread)."""
        self.release_thread()
        self._closed = True

    def __enter__(self) -> CollectorStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with translate_errors():
            return fn(self.conn, *args, **kwargs)

    # --- inbox, ranking, completeness ----------------------------------------------------

    def inbox_rows(self) -> list[reports.InboxRow]:
        return self._run(reports.inbox_rows)

    def ranking_for_year(
        self,
        year: int,
        criteria: Mapping[str, CriteriaSet] | Iterable[CriteriaSet],
        wanted: str | None = None,
    ) -> Ranking:
        return self._run(reports.ranking_for_year, year, criteria, wanted)

    def completeness(self, year: int) -> list[reports.CompletenessRow]:
        return self._run(reports.completeness, year)

    def chain(self, manifest_sha256: str) -> dict[str, Any]:
        return self._run(reports.chain, manifest_sha256)

    def submission_for_file(self, file_sha256: str) -> reports.SubmissionRef | None:
        return self._run(reports.submission_for_file, file_sha256)

    def submission(self, manifest_sha256: str) -> reports.SubmissionRef | None:
        return self._run(reports.submission, manifest_sha256)

    def current_of(self, unit: str, year: int) -> tuple[str, str] | None:
        return self._run(reports.current_of, unit, year)

    def current_submissions(self, year: int) -> list[reports.CurrentSubmission]:
        return self._run(reports.current_submissions, year)

    # --- merging, units, decisions ---------------------------------------------------------

    def merge(
        self,
        paths: Iterable[Path | str],
        trust: Any,
        criteria_sets: Iterable[CriteriaSet] | Mapping[str, CriteriaSet],
        progress: Progress | None = None,
        *,
        workers: int | None = None,
    ) -> MergeSummary:
        from local_db.collector.merge import merge_paths

        paths = list(paths)
        summary = self._run(merge_paths, paths, trust, criteria_sets, progress, workers=workers)
        # where the rejected files are, so that they can be checked again (``recheck``)
        self._run(recheck.remember_sources, paths, summary)
        return summary

    def rejected_unknown_signer(self) -> list[recheck.RejectedFile]:
        """Packages rejected because the trust list did not know their signer."""
        return self._run(recheck.rejected_unknown_signer)

    def recheck_rejected(
        self,
        trust: Any,
        criteria_sets: Iterable[CriteriaSet] | Mapping[str, CriteriaSet],
        progress: Progress | None = None,
    ) -> recheck.RecheckSummary:
        """Merge again, with ``trust``, the packages rejected as ``signer_unknown`` (from where
        they were merged); names the files no longer there."""
        return self._run(recheck.recheck, trust, criteria_sets, progress)

    def set_units(self, units: Iterable[tuple[str, str, str, str]]) -> int:
        return self._run(reports.set_units, units)

    def import_units_file(self, path: Path | str) -> int:
        from local_db.collector.units_file import import_units_file

        return self._run(import_units_file, Path(path))

    def import_published(self, year: int, tables: Sequence[ResultsTable]) -> ImportedTable:
        return self._run(import_published, year, tables)

    def set_not_ranked(self, code: str, flag: bool, **kw: Any) -> int:
        """``officer``, ``based_on`` (the mark's version read): ``decisions.set_not_ranked``."""
        return self._run(decisions.set_not_ranked, code, flag, **kw)

    def decide(
        self, unit: str, year: int, manifest_sha256: str, note: str, now: str, **kw: Any
    ) -> int:
        """A person settles a conflict: ``manifest_sha256`` becomes current if it is a head
        (``officer``, ``based_on``: ``decisions.decide``); the decision's new version."""
        return self._run(decisions.decide, unit, year, manifest_sha256, note, now, **kw)

    def audit_rows(self, prefix: str = "") -> list[rc.AuditRow]:
        """The audit of reviews, decisions and marks (targets starting with ``prefix``)."""
        return self._run(rc.audit_rows, prefix)

    # --- exports ------------------------------------------------------------------------------

    def write_completeness(self, year: int, path: Path | str) -> None:
        from local_db.collector.completeness_file import write_completeness

        with translate_errors():
            write_completeness(reports.completeness(self.conn, year), path, year)

    def export_bundle(self, path: Path | str, signer: Signer, **options: Any) -> int:
        from local_db.collector.bundles import export_bundle

        return self._run(export_bundle, path, signer, **options)

    # --- reviews (local_db.review.collector) --------------------------------------------------

    def load_submission(self, manifest_sha256: str) -> rc.Received:
        return self._run(rc.load_submission, manifest_sha256)

    def changed_since_previous(self, manifest_sha256: str) -> set[str]:
        return self._run(rc.changed_since_previous, manifest_sha256)

    def extract_evidence(self, manifest_sha256: str, entry: str, dest_dir: Path) -> Path:
        return self._run(rc.extract_evidence, manifest_sha256, entry, dest_dir)

    def start_review(
        self, manifest_sha256: str, cs: CriteriaSet, reviewer: Reviewer, **kw: Any
    ) -> Review:
        return self._run(rc.start_review, manifest_sha256, cs, reviewer, **kw)

    def load_review(self, manifest_sha256: str) -> Review | None:
        return self._run(rc.load_review, manifest_sha256)

    def review_state(self, manifest_sha256: str) -> str | None:
        return self._run(rc.review_state, manifest_sha256)

    def review_versions(self, manifest_sha256: str) -> rc.ReviewVersions | None:
        return self._run(rc.review_versions, manifest_sha256)

    def load_item(self, manifest_sha256: str, code: str) -> tuple[ReviewItem, rc.Stamp] | None:
        return self._run(rc.load_item, manifest_sha256, code)

    def notes(self, manifest_sha256: str, code: str) -> list[rc.Note]:
        """Every entry of an indicator's comment (``rc.GENERAL``: the message), oldest first."""
        return self._run(rc.notes, manifest_sha256, code)

    # the commune's "không áp dụng" marks and the reviewer's overturns (issue 16)
    def not_applicable_marks(self, manifest_sha256: str) -> dict[str, str]:
        from local_db.review import overturns

        return self._run(overturns.marks, manifest_sha256)

    def overturned_marks(self, manifest_sha256: str) -> dict[str, str]:
        from local_db.review import overturns

        return self._run(overturns.overturned, manifest_sha256)

    def overturn_versions(self, manifest_sha256: str) -> dict[str, tuple[int, str, str]]:
        """code -> (version, officer, at) of each mark's overturn, to send as ``based_on``."""
        from local_db.review import overturns

        return self._run(overturns.versions, manifest_sha256)

    def set_overturned(self, manifest_sha256: str, code: str, overturn: bool, **kw: Any) -> int:
        from local_db.review import overturns

        return self._run(overturns.set_overturned, manifest_sha256, code, overturn, **kw)

    def set_item(self, manifest_sha256: str, cs: CriteriaSet, code: str, **kw: Any) -> ReviewItem:
        return self._run(rc.set_item, manifest_sha256, cs, code, **kw)

    def set_details(self, manifest_sha256: str, **kw: Any) -> None:
        self._run(rc.set_details, manifest_sha256, **kw)

    def issue(
        self,
        manifest_sha256: str,
        cs: CriteriaSet,
        signer: Signer,
        out_dir: Path | str,
        *,
        now: datetime | None = None,
        **kw: Any,
    ) -> Path:
        """``based_on`` (the draft's version read), ``officer``: ``rc.issue``."""
        return self._run(rc.issue, manifest_sha256, cs, signer, out_dir, now=now, **kw)

    def issued_file(self, manifest_sha256: str) -> tuple[str, bytes] | None:
        return self._run(rc.issued_file, manifest_sha256)

    def receive_file(
        self, path: Path | str, trust: Any, criteria: Mapping[str, CriteriaSet]
    ) -> rc.ReceivedReview:
        return self._run(rc.receive_file, path, trust, criteria)

    def verified_results(self, year: int) -> dict[str, rc.VerifiedTotals]:
        return self._run(rc.verified_results, year)

    def verification_states(self, year: int) -> dict[str, str]:
        return self._run(rc.verification_states, year)

    def verification_marks(self, year: int) -> dict[str, str]:
        """``verification_states``, or {} when this database holds no review at all (a
        collector that does not review sees no marker)."""
        from local_db.review.standing import verification_marks

        return self._run(verification_marks, year)
