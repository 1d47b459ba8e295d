"""What the collector and the province read back: inbox, ranking, completeness, year-over-year.

Only *current* submissions are ranked; quarantined (rejected) packages are never in
``submissions`` at all, so they cannot reach a ranking by any path.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from forms.criteria import CriteriaSet, NotApplicablePolicy
from forms.i18n import _
from forms.problems import Problem, ProblemsError
from forms.ranking import PreviousResult, Ranking, UnitResult, rank
from forms.scoring import rescaled
from forms.vi_collate import sort_key, unit_sort_key
from local_db.collector.decisions import decide, set_not_ranked  # noqa: F401 - their old home

# --- units --------------------------------------------------------------------------------


def set_units(conn: sqlite3.Connection, units: Iterable[tuple[str, str, str, str]]) -> int:
    """Add or update units (code, name, kind, group) in one transaction; keeps not-ranked flags."""
    rows = [tuple(unicodedata.normalize("NFC", str(v)).strip() for v in u) for u in units]
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "INSERT INTO units(code, name, kind, group_name) VALUES (?,?,?,?) ON CONFLICT(code) DO UPDATE SET "
            "name=excluded.name, kind=excluded.kind, group_name=excluded.group_name",
            rows,
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(rows)


# --- inbox --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    file_sha256: str
    file_name: str
    unit_code: str
    unit_name: str
    group: str
    year: int | None
    revision: int | None
    status: str  # current | superseded | conflict | passed_over | rejected
    reasons: tuple[str, ...]
    signer: str
    received_at: str
    forwarded_by: str  # collector name(s) of the bundle(s) it came in
    # the version of its unit and year's conflict decision (0: none yet), read with the row
    # for "choose this one" to send as ``based_on`` (issue 18)
    decision_version: int = 0


def inbox_rows(conn: sqlite3.Connection) -> list[InboxRow]:
    """Every received file with its status, newest first."""
    forwarded: dict[str, list[str]] = {}
    for sha, name in conn.execute(
        "SELECT f.file_sha256, b.collector_name FROM forwardings f JOIN bundles b USING(bundle_sha256) ORDER BY 2"
    ):
        forwarded.setdefault(sha, []).append(name)
    out: list[InboxRow] = []
    query = """
        SELECT r.file_sha256, r.file_name, r.received_at,
               COALESCE(s.unit_code, q.unit_code, ''), COALESCE(s.unit_name, u.name, ''),
               COALESCE(u.group_name, ''), COALESCE(s.year, q.year), s.revision,
               COALESCE(s.state, 'rejected'), q.reasons_json, s.signer_fingerprint, s.officer_name,
               COALESCE(d.version, 0)
        FROM received_files r
        LEFT JOIN submissions s ON s.manifest_sha256 = r.manifest_sha256
        LEFT JOIN quarantine q ON q.file_sha256 = r.file_sha256
        LEFT JOIN units u ON u.code = COALESCE(s.unit_code, q.unit_code)
        LEFT JOIN decisions d ON d.unit_code = s.unit_code AND d.year = s.year
        ORDER BY r.received_at DESC, r.file_name
    """
    for row in conn.execute(query):
        (
            sha,
            name,
            received,
            unit,
            unit_name,
            group,
            year,
            revision,
            state,
            reasons_json,
            fp,
            officer,
            decision_version,
        ) = row
        reasons = tuple(r["message"] for r in json.loads(reasons_json)) if reasons_json else ()
        signer = f"{officer} ({fp})" if fp else ""
        out.append(
            InboxRow(
                sha,
                name,
                unit,
                unit_name,
                group,
                year,
                revision,
                state,
                reasons,
                signer,
                received,
                ", ".join(forwarded.get(sha, [])),
                int(decision_version),
            )
        )
    return out


# --- ranking --------------------------------------------------------------------------------


def current_criteria(conn: sqlite3.Connection, year: int) -> dict[str, int]:
    """Criteria-set hashes used by the current submissions of ``year``, with their counts."""
    rows = conn.execute(
        "SELECT s.criteria_hash, count(*) FROM current c JOIN submissions s USING(manifest_sha256) "
        "WHERE c.year=? AND c.status='current' GROUP BY 1 ORDER BY 2 DESC, 1",
        (year,),
    ).fetchall()
    return {h: int(n) for h, n in rows}


def results_for_year(
    conn: sqlite3.Connection, year: int, criteria_hash: str, cs: CriteriaSet | None = None
) -> list[UnitResult]:
    """The current submissions' results under one set, verified points where reviewed; with
    ``cs``, the targets each met too (``local_db.collector.targets``: what a set classing on
    targets ranks by; without it ``targets_met`` stays None)."""
    query = """
        SELECT s.unit_code, COALESCE(u.name, s.unit_name), COALESCE(u.group_name, ''),
               s.pillars_json, s.total, COALESCE(u.not_ranked, 0), COALESCE(u.mark_version, 0)
        FROM current c JOIN submissions s USING(manifest_sha256)
        LEFT JOIN units u ON u.code = s.unit_code
        WHERE c.year=? AND c.status='current' AND s.criteria_hash=?
        ORDER BY s.unit_code
    """
    out = []
    for code, name, group, pillars_json, total, not_ranked, mark in conn.execute(
        query, (year, criteria_hash)
    ):
        pillars = {k: Decimal(v) for k, v in json.loads(pillars_json).items()}
        out.append(
            UnitResult(code, name, group, pillars, Decimal(total), bool(not_ranked),
                       mark_version=int(mark))
        )  # fmt: skip
    # review (local_db/review): verified points where an issued review of the current submission
    # exists; the other units keep their self-assessed points
    from local_db.review.standing import apply_verified

    verified = apply_verified(conn, year, criteria_hash, out)
    if cs is None:
        return verified
    from local_db.collector.targets import with_targets

    return with_targets(conn, year, cs, verified)


def pick_criteria(
    conn: sqlite3.Connection,
    year: int,
    criteria: Mapping[str, CriteriaSet],
    wanted: str | None = None,
) -> CriteriaSet:
    used = current_criteria(conn, year)
    if not used:
        raise ProblemsError(
            [Problem("no_submissions", _("Chưa có bài nộp hợp lệ nào cho năm {year}", year=year))]
        )
    if wanted:
        matches = [h for h in used if h.startswith(wanted)]
        if len(matches) != 1:
            raise ProblemsError(
                [
                    Problem(
                        "criteria_unknown",
                        _(
                            "Không có bài nộp năm {year} theo bộ tiêu chí {hash}",
                            year=year,
                            hash=wanted,
                        ),
                    )
                ]
            )
        chosen = matches[0]
    elif len(used) > 1:
        listing = ", ".join(f"{h[:12]} ({n})" for h, n in used.items())
        raise ProblemsError(
            [
                Problem(
                    "criteria_mixed",
                    _(
                        "Năm {year} có bài nộp theo nhiều bộ tiêu chí: {sets}. Hãy chọn một bằng --set",
                        year=year,
                        sets=listing,
                    ),
                )
            ]
        )
    else:
        chosen = next(iter(used))
    if chosen not in criteria:
        raise ProblemsError(
            [Problem("criteria_unknown", _("Không tìm thấy bộ tiêu chí {hash}", hash=chosen[:12]))]
        )
    return criteria[chosen]


def previous_results(
    conn: sqlite3.Connection, year: int, criteria: Mapping[str, CriteriaSet]
) -> dict[str, PreviousResult]:
    """The unit standings of ``year``: merged submissions if any, else an imported published table."""
    used = current_criteria(conn, year)
    if used:
        hash_ = next(iter(used))
        if hash_ in criteria:
            cs = criteria[hash_]
            ranking = rank(cs, results_for_year(conn, year, hash_, cs), year=year)
            return {r.unit_code: PreviousResult(r.rank, r.total) for r in ranking.rows}
    out: dict[str, PreviousResult] = {}
    for code, total, rank_ in conn.execute(
        "SELECT unit_code, total, rank FROM published_results WHERE year=? AND unit_code != ''",
        (year,),
    ):
        out[code] = PreviousResult(rank_, Decimal(total))
    return out


def ranking_for_year(
    conn: sqlite3.Connection,
    year: int,
    criteria: Mapping[str, CriteriaSet] | Iterable[CriteriaSet],
    wanted: str | None = None,
) -> Ranking:
    index = (
        dict(criteria)
        if isinstance(criteria, Mapping)
        else {cs.content_hash: cs for cs in criteria}
    )
    cs = pick_criteria(conn, year, index, wanted)
    previous = previous_results(conn, year - 1, index)
    results = results_for_year(conn, year, cs.content_hash, cs)
    if cs.not_applicable is not None:
        results = _with_applicability(conn, year, cs, results)
    return rank(cs, results, year=year, previous=previous)


def _with_applicability(
    conn: sqlite3.Connection, year: int, cs: CriteriaSet, results: list[UnitResult]
) -> list[UnitResult]:
    """Each unit's applicable maximum (issue 16), and under ``rescale`` the total on the full
    scale its package published, for the ranking to compare by the set's policy."""
    from local_db.collector import applicability
    from local_db.review.overturns import applicable_max

    found = applicability.by_unit(conn, year, cs.content_hash)
    out = []
    for r in results:
        if r.unit_code not in found:
            out.append(r)
            continue
        # the package's maximum, or more where an issued review overturned a mark
        maximum = applicable_max(conn, cs, r.unit_code, found[r.unit_code])
        total = r.total if r.total is not None else sum(r.pillars.values(), Decimal(0))
        if cs.not_applicable is NotApplicablePolicy.RESCALE:
            # as the package scaled it (the same for verified points a review put there)
            total = rescaled(total, cs.total_points, maximum)
        out.append(replace(r, applicable_max=maximum, total=total))
    return out


# --- completeness --------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletenessRow:
    unit_code: str
    name: str
    group: str
    status: str  # complete | missing | unverified | conflict
    detail: str


STATUS_LABELS = {
    "complete": "Đã có bài nộp hợp lệ",
    "missing": "Chưa nộp",
    "unverified": "Chỉ có gói chưa xác minh được",
    "conflict": "Có bài nộp mâu thuẫn",
}


def status_label(status: str) -> str:
    labels = {
        "complete": _("Đã có bài nộp hợp lệ"),
        "missing": _("Chưa nộp"),
        "unverified": _("Chỉ có gói chưa xác minh được"),
        "conflict": _("Có bài nộp mâu thuẫn"),
    }
    return labels[status]


def completeness(conn: sqlite3.Connection, year: int) -> list[CompletenessRow]:
    """Every unit of the units list (and any unit that sent something) with its state for ``year``."""
    units: dict[str, tuple[str, str]] = {
        c: (n, g) for c, n, g in conn.execute("SELECT code, name, group_name FROM units")
    }
    state = dict(
        conn.execute("SELECT unit_code, status FROM current WHERE year=?", (year,)).fetchall()
    )
    rejected: dict[str, list[str]] = {}
    for code, reasons_json in conn.execute(
        "SELECT unit_code, reasons_json FROM quarantine WHERE year=? AND unit_code != ''", (year,)
    ):
        rejected.setdefault(code, []).extend(r["message"] for r in json.loads(reasons_json))
    for code, name in conn.execute(
        "SELECT DISTINCT unit_code, unit_name FROM submissions WHERE year=?", (year,)
    ):
        units.setdefault(code, (name, ""))
    for code in rejected:
        units.setdefault(code, ("", ""))
    # review (local_db/review): "reviewed" / "self-assessed only" as the detail of complete units;
    # empty when this database holds no review, so the report is then as before
    from local_db.review.standing import verification_details

    verified = verification_details(conn, year)
    rows = []
    for code, (name, group) in units.items():
        if state.get(code) == "current":
            status, detail = "complete", verified.get(code, "")
        elif state.get(code) == "conflict":
            status, detail = "conflict", ""
        elif code in rejected:
            status, detail = "unverified", "; ".join(dict.fromkeys(rejected[code]))
        else:
            status, detail = "missing", ""
        rows.append(CompletenessRow(code, name, group, status, detail))
    rows.sort(key=lambda r: (sort_key(r.group), unit_sort_key(r.name), r.unit_code))
    return rows


def completeness_counts(rows: Iterable[CompletenessRow]) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for r in rows:
        counts[r.status] += 1
    return counts


def chain(conn: sqlite3.Connection, manifest_sha256: str) -> dict[str, Any]:
    """Who signed a submission, which collectors forwarded it, when it was received."""
    row = conn.execute(
        "SELECT submission_id, unit_code, year, revision, officer_name, officer_position, signer_kind, "
        "signer_fingerprint, created_at, received_at, file_sha256 FROM submissions WHERE manifest_sha256=?",
        (manifest_sha256,),
    ).fetchone()
    if row is None:
        return {}
    keys = [
        "submission_id",
        "unit",
        "year",
        "revision",
        "officer",
        "position",
        "signer_kind",
        "signer",
        "signed_at",
        "received_at",
    ]
    out: dict[str, Any] = dict(zip(keys, row[:10], strict=True))
    out["forwarded"] = [
        {
            "collector": name,
            "unit": unit,
            "signer": fp,
            "bundled_at": created,
            "received_at": received,
        }
        for name, unit, fp, created, received in conn.execute(
            "SELECT b.collector_name, b.collector_unit, b.signer_fingerprint, b.created_at, b.received_at "
            "FROM forwardings f JOIN bundles b USING(bundle_sha256) JOIN received_files r ON r.file_sha256=f.file_sha256 "
            "WHERE r.manifest_sha256=? ORDER BY b.created_at",
            (manifest_sha256,),
        )
    ]
    return out


# --- single submissions (what the reviewer's screen and `dti-desk review` look up) ------------


@dataclass(frozen=True)
class SubmissionRef:
    """Where a received submission stands: its signed manifest, criteria set, unit and year."""

    manifest_sha256: str
    criteria_hash: str
    unit_code: str
    year: int


_SUBMISSION_BY = {
    "file": "SELECT manifest_sha256, criteria_hash, unit_code, year FROM submissions WHERE file_sha256=?",
    "manifest": "SELECT manifest_sha256, criteria_hash, unit_code, year FROM submissions WHERE manifest_sha256=?",
}


def _submission_ref(conn: sqlite3.Connection, by: str, value: str) -> SubmissionRef | None:
    row = conn.execute(_SUBMISSION_BY[by], (value,)).fetchone()
    return (
        None if row is None else SubmissionRef(str(row[0]), str(row[1]), str(row[2]), int(row[3]))
    )


def submission_for_file(conn: sqlite3.Connection, file_sha256: str) -> SubmissionRef | None:
    """The submission received as the file ``file_sha256``; None for a rejected file."""
    return _submission_ref(conn, "file", file_sha256)


def submission(conn: sqlite3.Connection, manifest_sha256: str) -> SubmissionRef | None:
    return _submission_ref(conn, "manifest", manifest_sha256)


def current_of(conn: sqlite3.Connection, unit: str, year: int) -> tuple[str, str] | None:
    """(manifest sha256, status) of the unit's year in ``current``: status current or conflict."""
    row = conn.execute(
        "SELECT manifest_sha256, status FROM current WHERE unit_code=? AND year=?", (unit, year)
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


@dataclass(frozen=True)
class CurrentSubmission:
    unit_code: str
    unit_name: str
    revision: int
    total: str
    manifest_sha256: str
    criteria_hash: str = ""  # which set scored it: how its points are rounded for people


def current_submissions(conn: sqlite3.Connection, year: int) -> list[CurrentSubmission]:
    """The current (not conflicting) submissions of ``year``, by unit code."""
    query = (
        "SELECT s.unit_code, s.unit_name, s.revision, s.total, s.manifest_sha256, s.criteria_hash FROM current c "
        "JOIN submissions s USING(manifest_sha256) WHERE c.year=? AND c.status='current' ORDER BY s.unit_code"
    )
    return [CurrentSubmission(*row) for row in conn.execute(query, (year,))]
