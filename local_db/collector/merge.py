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
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
import pickle
import sqlite3
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound, sha256_inbound
from forms.packages.format import MAX_PACKAGE_BYTES
from local_db.collector.kinds import (
    BUNDLE_SUFFIX,
    PACKAGE_SUFFIX,
    Checked,
    Clock,
    MergeSummary,
    Progress,
    Reason,
    Rejection,
    Verifier,
)
from local_db.collector.resolve import Node, Resolution, resolve
from local_db.collector.txn import atomic
from local_db.collector.txn import iso as _iso

log = logging.getLogger("local_db")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _packages_under(folder: Path) -> list[Path]:
    """Package and bundle files anywhere under ``folder``, sorted by path.

    ``os.scandir`` rather than ``Path.rglob`` + ``is_file``: the directory listing already
    says what is a regular file (no ``stat`` per entry; a FIFO named like a package, which
    would block reading, is still left out), and a folder of thousands of packages took
    0.1 s to list the other way. Symbolic links to folders are not followed (no loops)."""
    found: list[tuple[tuple[str, ...], str]] = []
    pending: list[tuple[tuple[str, ...], str]] = [((), str(folder))]
    while pending:
        parts, top = pending.pop()
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue  # an unreadable subfolder: its files cannot be merged anyway
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(((*parts, entry.name), entry.path))
            elif (
                os.path.splitext(entry.name)[1].lower() in (PACKAGE_SUFFIX, BUNDLE_SUFFIX)
                and entry.is_file()
            ):
                found.append(((*parts, entry.name), entry.path))
    found.sort()
    return [Path(full) for _parts, full in found]


def expand_paths(paths: Iterable[Path | str]) -> tuple[list[Path], list[Reason]]:
    """Files named, and packages/bundles inside folders (recursively), sorted; plus problems."""
    found: list[Path] = []
    problems: list[Reason] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(_packages_under(path))
        elif path.exists():
            # a regular file, or a FIFO/device named on the command line: the readers
            # (``forms.inbound``) refuse the latter with its own reason, without blocking
            found.append(path)
        else:
            problems.append(
                Reason("not_found", _("Không tìm thấy tệp hoặc thư mục {path}", path=str(path)))
            )
    unique = list(dict.fromkeys(found))
    return unique, problems


# --- storing one package -----------------------------------------------------------------


def _unit_year_rows(
    conn: sqlite3.Connection, unit: str, year: int
) -> tuple[list[Node], dict[str, str]]:
    rows = conn.execute(
        "SELECT manifest_sha256, submission_id, revision, supersedes, state FROM submissions WHERE unit_code=? AND year=?",
        (unit, year),
    ).fetchall()
    return [Node(r[0], r[1], int(r[2]), r[3]) for r in rows], {r[0]: r[4] for r in rows}


def _chosen(conn: sqlite3.Connection, unit: str, year: int) -> str | None:
    row = conn.execute(
        "SELECT manifest_sha256 FROM decisions WHERE unit_code=? AND year=?", (unit, year)
    ).fetchone()
    return row[0] if row else None


def _apply(
    conn: sqlite3.Connection, unit: str, year: int, before: dict[str, str], result: Resolution
) -> int:
    """Write a resolution: changed states, conflict rows, the current pointer. Returns newly superseded."""
    newly_superseded = 0
    for key, state in result.states.items():
        old = before.get(key)
        if old is not None and old != state:
            conn.execute("UPDATE submissions SET state=? WHERE manifest_sha256=?", (state, key))
        if state == "superseded" and old != "superseded":
            newly_superseded += 1
    if result.conflict or "conflict" in before.values():
        conn.execute("DELETE FROM conflicts WHERE unit_code=? AND year=?", (unit, year))
        conn.executemany(
            "INSERT INTO conflicts(unit_code, year, manifest_sha256) VALUES (?,?,?)",
            [(unit, year, k) for k in result.conflict],
        )
    conn.execute(
        "INSERT INTO current(unit_code, year, manifest_sha256, status) VALUES (?,?,?,?) "
        "ON CONFLICT(unit_code, year) DO UPDATE SET manifest_sha256=excluded.manifest_sha256, status=excluded.status",
        (unit, year, result.current, "current" if result.current is not None else "conflict"),
    )
    return newly_superseded


def refresh_unit_year(conn: sqlite3.Connection, unit: str, year: int) -> tuple[int, bool]:
    """Recompute states and the current pointer of one unit and year (inside a transaction).

    Returns (how many submissions newly became superseded, whether the unit-year is in conflict).
    """
    nodes, before = _unit_year_rows(conn, unit, year)
    if not nodes:
        return 0, False
    result = resolve(nodes, _chosen(conn, unit, year))
    return _apply(conn, unit, year, before, result), result.current is None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _store_accepted(
    conn: sqlite3.Connection,
    data: bytes,
    sha: str,
    name: str,
    checked: Checked,
    now: str,
    bundle: str,
    was_quarantined: bool = False,
    has_decisions: bool = True,
) -> tuple[str, int, tuple[str, int]]:
    """One transaction. Returns ("accepted"|"duplicate", newly superseded, (unit, year))."""
    m = checked.manifest or {}
    unit = _text((m.get("unit") or {}).get("code"))
    year = int(m.get("year") or 0)
    with atomic(conn):
        conn.execute("INSERT OR IGNORE INTO blobs(sha256, data) VALUES (?, ?)", (sha, data))
        existing = conn.execute(
            "SELECT file_sha256 FROM submissions WHERE manifest_sha256=?",
            (checked.manifest_sha256,),
        ).fetchone()
        outcome = "duplicate"
        newly = 0
        if existing is None:
            # resolve first, so the new row is written once with its final state
            nodes, before = _unit_year_rows(conn, unit, year)
            new = Node(
                checked.manifest_sha256,
                _text(m.get("submission_id")),
                int(m.get("revision") or 0),
                m.get("supersedes") or None,
            )
            result = resolve([*nodes, new], _chosen(conn, unit, year) if has_decisions else None)
            scores = m.get("scores") or {}
            criteria = m.get("criteria_set") or {}
            officer = m.get("officer") or {}
            conn.execute(
                "INSERT INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    checked.manifest_sha256, sha, _text(m.get("submission_id")), unit,
                    _text((m.get("unit") or {}).get("name")), year, int(m.get("revision") or 0),
                    m.get("supersedes") or None, _text(criteria.get("content_hash")),
                    _text(criteria.get("set_id")), _text(criteria.get("version")),
                    checked.signer_kind, checked.signer_fingerprint, checked.signer_key_id,
                    checked.signer_subject, _text(officer.get("name")), _text(officer.get("position")),
                    _text(m.get("created_at")),
                    json.dumps(scores.get("pillars") or {}, sort_keys=True, ensure_ascii=False),
                    _text(scores.get("total")), _text(scores.get("classification")), now,
                    result.states[new.key],
                ),
            )  # fmt: skip
            newly = _apply(conn, unit, year, before, result)
            outcome = "accepted"
        elif existing[0] > sha:  # the same signed manifest in other bytes: keep the smallest hash
            conn.execute(
                "UPDATE submissions SET file_sha256=? WHERE manifest_sha256=?",
                (sha, checked.manifest_sha256),
            )
        conn.execute(
            "INSERT INTO received_files(file_sha256, file_name, size, received_at, manifest_sha256) VALUES (?,?,?,?,?) "
            "ON CONFLICT(file_sha256) DO UPDATE SET manifest_sha256=excluded.manifest_sha256, "
            "file_name=min(file_name, excluded.file_name)",
            (sha, name, len(data), now, checked.manifest_sha256),
        )
        if was_quarantined:
            conn.execute("DELETE FROM quarantine WHERE file_sha256=?", (sha,))
        if bundle:
            conn.execute("INSERT OR IGNORE INTO forwardings VALUES (?, ?)", (sha, bundle))
    return outcome, newly, (unit, year)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# SQLite result codes (primary, ``sqlite_errorcode & 0xFF``) that a package's *values* can
# cause: a value too big, a constraint or trigger refusing it, a type mismatch. Every other
# SQLite error (busy, locked, read-only, I/O, full, corrupt, no memory, a damaged schema...)
# describes the database or the machine and would hit every package after it.
_PACKAGE_SQLITE_CODES = frozenset({18, 19, 20})  # SQLITE_TOOBIG, _CONSTRAINT, _MISMATCH


def is_environment_error(exc: BaseException) -> bool:
    """True if ``exc``, raised while storing one package, is not that package's fault.

    Those stop the merge (the user frees disk space, closes the other program, and merges
    again); anything else (``OverflowError`` binding 10**30, ``TypeError``, ``KeyError``, a
    constraint) quarantines that one package and the merge goes on."""
    if isinstance(exc, OSError | MemoryError):
        return True
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:
            # raised by the sqlite3 module itself: a value it cannot bind is the package's
            return not isinstance(exc, sqlite3.InterfaceError | sqlite3.ProgrammingError)
        return code & 0xFF not in _PACKAGE_SQLITE_CODES
    return False


def _quarantine_fields(manifest: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a quarantine row keeps of a manifest that could not be stored: plain text, a
    year SQLite can hold (see ``_store_rejected``), nothing that might fail again."""
    m = manifest or {}
    unit = m.get("unit")
    code = unit.get("code") if isinstance(unit, dict) else None
    out: dict[str, Any] = {"unit": {"code": code}} if isinstance(code, str) else {}
    if isinstance(m.get("submission_id"), str):
        out["submission_id"] = m["submission_id"]
    if isinstance(m.get("year"), int):
        out["year"] = m["year"]
    return out


def _store_rejected(
    conn: sqlite3.Connection,
    data: bytes,
    sha: str,
    name: str,
    checked: Checked,
    now: str,
    bundle: str,
) -> None:
    m = checked.manifest or {}
    unit: dict[str, Any] = m["unit"] if isinstance(m.get("unit"), dict) else {}
    year = m.get("year") if isinstance(m.get("year"), int) else None
    if year is not None and not _INT64_MIN <= year <= _INT64_MAX:
        year = None  # a hostile 2**63 would stop storing the very rejection
    reasons = json.dumps([r.to_json() for r in checked.reasons], ensure_ascii=False, sort_keys=True)
    with atomic(conn):
        conn.execute(
            "INSERT INTO received_files(file_sha256, file_name, size, received_at, manifest_sha256) VALUES (?,?,?,?,NULL) "
            "ON CONFLICT(file_sha256) DO UPDATE SET file_name=min(file_name, excluded.file_name)",
            (sha, name, len(data), now),
        )
        conn.execute(
            "INSERT INTO quarantine(file_sha256, reasons_json, unit_code, year, submission_id, via_bundle) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(file_sha256) DO UPDATE SET reasons_json=excluded.reasons_json, "
            "via_bundle=min(via_bundle, excluded.via_bundle)",
            (sha, reasons, _text(unit.get("code")), year, _text(m.get("submission_id")), bundle),
        )


class _Merger:
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
        # decisions are a person's, made between merges: read once, not once per package
        self.has_decisions = (
            conn.execute("SELECT EXISTS(SELECT 1 FROM decisions)").fetchone()[0] == 1
        )

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
        known = self.conn.execute(
            "SELECT f.manifest_sha256, f.file_name FROM received_files f WHERE f.file_sha256=?",
            (sha,),
        ).fetchone()
        if known is not None and known[0] is not None and pre_reasons:
            # these bytes are already accepted (they came another way); this route is the problem
            self.summary.rejected.append(Rejection(name, tuple(pre_reasons)))
            return
        if known is not None and known[0] is not None:
            # the same bytes again: nothing to verify; only remember a new forwarding or a smaller name
            if bundle or name < known[1]:
                with atomic(self.conn):
                    self.conn.execute(
                        "UPDATE received_files SET file_name=? WHERE file_sha256=? AND file_name>?",
                        (name, sha, name),
                    )
                    if bundle:
                        self.conn.execute(
                            "INSERT OR IGNORE INTO forwardings VALUES (?, ?)", (sha, bundle)
                        )
            self.summary.duplicates += 1
            unit_year = self.conn.execute(
                "SELECT unit_code, year FROM submissions WHERE manifest_sha256=?", (known[0],)
            ).fetchone()
            self.touched.add((unit_year[0], int(unit_year[1])))
            return
        try:
            if checked is None:
                checked = self._verify(path, data)
            self._store(data, sha, name, bundle, pre_reasons, checked, known)
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
        kept = Checked(False, (reason,), _quarantine_fields(manifest))
        try:
            _store_rejected(self.conn, data, sha, name, kept, _iso(self.clock()), bundle)
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
        known: Any,
    ) -> None:
        if pre_reasons:
            checked = Checked(
                False,
                tuple(pre_reasons) + checked.reasons,
                checked.manifest,
                checked.manifest_sha256,
            )
        now = _iso(self.clock())
        if checked.ok:
            outcome, newly, unit_year = _store_accepted(
                self.conn,
                data,
                sha,
                name,
                checked,
                now,
                bundle,
                was_quarantined=known is not None,
                has_decisions=self.has_decisions,
            )
            self.touched.add(unit_year)
            self.summary.superseded += newly
            if outcome == "accepted":
                self.summary.accepted += 1
            else:
                self.summary.duplicates += 1
        else:
            _store_rejected(self.conn, data, sha, name, checked, now, bundle)
            self.summary.rejected.append(Rejection(name, checked.reasons))

    def finish(self) -> MergeSummary:
        if self.touched:
            marks = ",".join("(?,?)" for _ in self.touched)
            args = [v for pair in sorted(self.touched) for v in pair]
            self.summary.conflicts = int(
                self.conn.execute(
                    f"SELECT count(*) FROM current WHERE status='conflict' AND (unit_code, year) IN (VALUES {marks})",  # noqa: S608
                    args,
                ).fetchone()[0]
            )
        return self.summary


def default_verifier(
    path: Path, trust: Any, criteria: Mapping[str, CriteriaSet], data: bytes | None = None
) -> Checked:
    """The packages verifier; given ``data`` (the bytes already read and hashed), the file
    is not read again (``path`` then only names it)."""
    from local_db.collector.verification import check_package

    return check_package(path, trust, criteria, data)


# --- verification in worker processes ------------------------------------------------------

# below this many new packages, starting worker processes costs more than it saves
POOL_MINIMUM = 400
CHUNK = 32  # packages per task: amortises inter-process overhead, keeps the pipeline short
BATCH = 256  # packages per commit (each one still all or nothing, see ``atomic``)
# the manifest fields storing reads (``_store_accepted``/``_store_rejected``); a worker sends
# back only these: pickling whole manifests (answers, evidence, every score) cost more than
# the verification the worker saved
_STORED_FIELDS = ("unit", "year", "submission_id", "revision", "supersedes", "criteria_set",
                  "officer", "created_at")  # fmt: skip
_STORED_SCORES = ("pillars", "total", "classification")
_worker_state: dict[str, Any] = {}


def default_workers() -> int:
    """Worker processes for a large merge: one per spare core (this process verifies too), at
    most 4, since beyond that storing, which only this process does, is the bottleneck."""
    return max(0, min((os.cpu_count() or 1) - 1, 4))


def _write_worker_state(trust: Any, criteria: Mapping[str, CriteriaSet]) -> str:
    """The trust registry and criteria sets, pickled into a temporary file for the workers.

    Passed as the pool's initializer arguments instead, a province's registry (~700 kB) is
    written down a pipe while spawning, and the merging process waits until the new worker
    has started Python and reads it (~0.1 s when it should be verifying)."""
    handle, name = tempfile.mkstemp(prefix="dti-merge-", suffix=".pickle")
    with os.fdopen(handle, "wb") as out:
        pickle.dump((trust, list(criteria.values())), out, protocol=pickle.HIGHEST_PROTOCOL)
    return name


def _init_worker(state_file: str) -> None:
    # the file is this process's own temporary file, written just before (never user input)
    with open(state_file, "rb") as handle:
        trust, criteria = pickle.load(handle)  # noqa: S301
    _worker_state["trust"] = trust
    _worker_state["criteria"] = {cs.content_hash: cs for cs in criteria}


def _slim(manifest: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if manifest is None:
        return None
    out = {key: manifest[key] for key in _STORED_FIELDS if key in manifest}
    scores = manifest.get("scores")
    if isinstance(scores, dict):
        out["scores"] = {key: scores[key] for key in _STORED_SCORES if key in scores}
    return out


def _verify_chunk(items: list[tuple[str, str | None]]) -> list[tuple[str, Checked] | None]:
    """Verify (file, None) loose packages and (bundle, entry) inner packages, named as the
    merging process names them, so a rejection reads the same whoever verified it."""
    from forms.packages.zipsafe import ZipProblem
    from local_db.collector import bundles

    out: list[tuple[str, Checked] | None] = []
    opened: tuple[str, Any] | None = None
    try:
        for file, entry in items:
            try:
                if entry is None:
                    path, data = Path(file), read_inbound(file, MAX_PACKAGE_BYTES)
                else:
                    if opened is None or opened[0] != file:
                        if opened is not None:
                            opened[1].close()
                        opened = (file, bundles.open_bundle(Path(file)))
                    path = Path(entry.rsplit("/", 1)[-1])
                    data = opened[1].read(entry, bundles.LIMITS.entry_bytes)
            except (OSError, ZipProblem, InboundRejected):
                out.append(None)  # the merging process reports it
                continue
            trust, criteria = _worker_state["trust"], _worker_state["criteria"]
            checked = default_verifier(path, trust, criteria, data)
            out.append(
                (
                    hashlib.sha256(data).hexdigest(),
                    replace(checked, manifest=_slim(checked.manifest)),
                )
            )
    finally:
        if opened is not None:
            opened[1].close()
    return out


Ahead = tuple[str, Checked] | None
Item = Any  # a loose package's Path, or a bundles.InnerPackage


def _work(item: Item) -> tuple[str, str | None]:
    """What a worker is sent for an item: (file, None) or (bundle file, entry)."""
    return (str(item), None) if isinstance(item, Path) else (str(item.bundle), item.entry)


def _verified_in_parallel(
    items: list[Item], trust: Any, criteria: Mapping[str, CriteriaSet], workers: int
) -> Iterator[tuple[Item, Ahead]]:
    """Every path once, with (sha256, verification) when a worker process verified it, or
    None when this process is to verify it.

    The workers take chunks from the front of the list; whenever no finished chunk is
    waiting, this process takes one from the back and verifies it itself. So no core idles
    while the workers start (spawning one costs a few hundred milliseconds), and on two
    cores this process shares the verifying with one worker besides storing everything. The
    order of storing does not matter (see ``resolve``). A worker that fails (killed, out of
    memory, refused by an antivirus) costs nothing but time: its chunks are verified here.
    """
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    chunks = deque(items[i : i + CHUNK] for i in range(0, len(items), CHUNK))
    # spawn, not fork: forking a process with Qt and SQLite threads is unsafe (and Windows spawns)
    context = multiprocessing.get_context("spawn")
    state_file = _write_worker_state(trust, criteria)
    try:
        pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(state_file,)
        )
    except OSError:
        pool = None
    window: deque[tuple[list[Item], Future[list[Ahead]]]] = deque()
    try:
        while chunks or window:
            while pool is not None and chunks and len(window) < 2 * workers + 1:
                chunk = chunks.popleft()
                try:
                    window.append((chunk, pool.submit(_verify_chunk, [_work(i) for i in chunk])))
                except RuntimeError:  # the pool broke: this process does the rest
                    chunks.appendleft(chunk)
                    pool = None
            if not chunks and len(window) > 1 and not window[0][1].done():
                # the end: rather than wait for chunks a worker has not started, take them back
                chunk, future = window[-1]
                if future.cancel():
                    window.pop()
                    yield from ((p, None) for p in chunk)
                    continue
            if window and (window[0][1].done() or not chunks):
                chunk, future = window.popleft()
                try:
                    results = future.result()
                except Exception as exc:  # noqa: BLE001 - any worker failure: verify here instead
                    log.warning("verification worker failed (%s); verifying here instead", exc)
                    results = [None] * len(chunk)
                yield from zip(chunk, results, strict=True)
            else:
                yield from ((p, None) for p in chunks.pop())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        with contextlib.suppress(OSError):
            os.remove(state_file)


def _open_batch(db: sqlite3.Connection) -> None:
    if not db.in_transaction:
        db.execute("BEGIN IMMEDIATE")


def _commit_batch(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        db.execute("COMMIT")


class _BundleReaders:
    """Open bundles for reading inner packages again, a few at a time (file handles are few
    on Windows; items of one bundle mostly come together)."""

    KEEP = 4

    def __init__(self) -> None:
        self._open: dict[Path, Any] = {}

    def get(self, path: Path) -> Any:
        from local_db.collector import bundles

        zf = self._open.pop(path, None)
        if zf is None:
            zf = bundles.open_bundle(path)
            if len(self._open) >= self.KEEP:
                oldest = next(iter(self._open))
                self._open.pop(oldest).close()
        self._open[path] = zf  # most recently used last
        return zf

    def close(self) -> None:
        for zf in self._open.values():
            zf.close()
        self._open.clear()


def store_inner(merger: _Merger, zf: Any, package: Any, ahead: Ahead) -> None:
    """Merge one inner package of a bundle (a ``bundles.InnerPackage``) read from ``zf`` (a
    callable returning it: opening the bundle again may fail too), with its verification when
    a worker did it (``ahead``), like a loose package."""
    from forms.packages.zipsafe import ZipProblem
    from local_db.collector import bundles

    try:
        data = bundles.read_inner(zf() if callable(zf) else zf, package)
    except (OSError, ZipProblem, InboundRejected) as exc:
        error = exc.strerror or str(exc) if isinstance(exc, OSError) else exc.problem.message
        reason = Reason(
            "unreadable", _("Không đọc được tệp {name}: {error}", name=package.name, error=error)
        )
        merger.summary.rejected.append(Rejection(package.name, (reason,)))
        return
    pre = package.mismatch(data)
    checked = (
        ahead[1] if ahead is not None and ahead[0] == hashlib.sha256(data).hexdigest() else None
    )
    merger.summary.verified_in_workers += checked is not None
    if merger.verifier is default_verifier or checked is not None:
        # verified from the bytes in memory: no temporary file at all
        merger.package(
            Path(package.name), data, package.name, bundle=package.bundle_sha256,
            pre_reasons=pre, checked=checked,
        )  # fmt: skip
        return
    # another verifier (tests, benchmarks) reads a path
    with tempfile.TemporaryDirectory(prefix="dti-bundle-") as tmp:
        inner = Path(tmp) / f"{hashlib.sha256(package.entry.encode()).hexdigest()[:16]}.dtipkg"
        inner.write_bytes(data)
        merger.package(inner, data, package.name, bundle=package.bundle_sha256, pre_reasons=pre)


def merge_paths(  # noqa: C901, PLR0912, PLR0915
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
    from local_db.collector import bundles

    criteria = (
        dict(criteria_sets)
        if isinstance(criteria_sets, Mapping)
        else {cs.content_hash: cs for cs in criteria_sets}
    )
    files, problems = expand_paths(paths)
    merger = _Merger(db, trust, criteria, verifier, clock)
    for problem in problems:
        merger.summary.rejected.append(Rejection(problem.message, (problem,)))
    db.execute("PRAGMA synchronous = NORMAL")
    loose = [p for p in files if p.suffix.lower() != BUNDLE_SUFFIX]
    bundle_files = [p for p in files if p.suffix.lower() == BUNDLE_SUFFIX]
    rejected_before = len(merger.summary.rejected)
    readers = _BundleReaders()
    try:
        _open_batch(db)
        inner: list[Any] = []
        for path in bundle_files:
            inner.extend(bundles.read_bundle(merger, path))
        total = len(loose) + len(inner)
        stream: Iterable[tuple[Item, Ahead]] = ((item, None) for item in [*loose, *inner])
        if verifier is default_verifier and workers >= 1 and total >= POOL_MINIMUM:
            # files already accepted need no verification: only the new ones go to the pool
            known = {
                r[0]
                for r in db.execute(
                    "SELECT file_sha256 FROM received_files WHERE manifest_sha256 IS NOT NULL"
                )
            }
            fresh: list[Item] = [*loose, *inner] if not known else []
            seen: list[Item] = []
            for item in loose if known else ():
                try:
                    (seen if sha256_inbound(item, MAX_PACKAGE_BYTES) in known else fresh).append(
                        item
                    )
                except (OSError, InboundRejected):
                    seen.append(item)  # reported when read below
            if known:
                for package in inner:
                    (seen if package.listed_sha256 in known else fresh).append(package)
            if len(fresh) >= POOL_MINIMUM:
                stream = itertools.chain(
                    ((item, None) for item in seen),
                    _verified_in_parallel(fresh, trust, criteria, workers),
                )
        in_batch = 0
        for done, (item, ahead) in enumerate(stream, start=1):
            if isinstance(item, Path):
                _store_loose(merger, item, ahead)
            else:
                store_inner(merger, lambda b=item.bundle: readers.get(b), item, ahead)
            in_batch += 1
            if in_batch >= BATCH:
                _commit_batch(db)
                _open_batch(db)
                in_batch = 0
            if progress is not None:
                progress(done, total)
    except BaseException:
        # the failing package was rolled back to its savepoint; what was merged before it is
        # committed (a new merge of the same files completes the job). Restore full durability
        # without masking the error.
        with contextlib.suppress(sqlite3.Error):
            _commit_batch(db)
        with contextlib.suppress(sqlite3.Error):
            db.execute("PRAGMA synchronous = FULL")
        raise
    finally:
        readers.close()
    _commit_batch(db)
    db.execute("PRAGMA synchronous = FULL")
    # one fsync'ed commit makes every NORMAL commit before it durable (the WAL is one file)
    db.execute("BEGIN IMMEDIATE")
    db.execute(
        "INSERT INTO meta(key, value) VALUES ('last_merge', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (_iso(clock()),),
    )
    db.execute("COMMIT")
    # packages are stored in whatever order verification finished: list rejections by name
    merger.summary.rejected[rejected_before:] = sorted(
        merger.summary.rejected[rejected_before:], key=lambda r: r.file
    )
    return merger.finish()


def _store_loose(merger: _Merger, path: Path, ahead: Ahead) -> None:
    try:
        # the size checked before reading: a 4 GB sparse file or a FIFO costs nothing
        data = read_inbound(path, MAX_PACKAGE_BYTES)
    except InboundRejected as exc:
        rejected = Reason(exc.problem.code, exc.problem.message)
        merger.summary.rejected.append(Rejection(path.name, (rejected,)))
        return
    except OSError as exc:  # a read failing half-way (a damaged disk, a USB stick pulled)
        reason = Reason(
            "unreadable",
            _("Không đọc được tệp {name}: {error}", name=path.name, error=exc.strerror or str(exc)),
        )
        merger.summary.rejected.append(Rejection(path.name, (reason,)))
        return
    if ahead is not None and ahead[0] != hashlib.sha256(data).hexdigest():
        ahead = None  # the file changed since the worker read it: verify these bytes
    merger.summary.verified_in_workers += ahead is not None
    merger.package(path, data, path.name, checked=ahead[1] if ahead else None)
