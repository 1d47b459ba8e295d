"""A collector database on PostgreSQL: checking it and backing it up (``dti-desk db``).

``check(url)`` connects without creating anything, reads the schema version (a ``meta`` row),
counts the rows of every table and runs the integrity queries the collector schema calls for:
rows pointing at what is not there (the foreign keys PostgreSQL holds, and the links it does
not: a decision, a review), a current submission that is not of its unit and year, the change
feed's triggers.

``backup(url, out)`` runs ``pg_dump -Fc`` (on PATH, or in Debian's
``/usr/lib/postgresql/N/bin``, the newest first) into a temporary file beside ``out``, renamed
only when ``pg_dump`` succeeded: nothing half-written is left. The password goes to ``pg_dump``
in its environment (``PGPASSWORD``), never on its command line, and no message shows it.
Restoring is ``pg_restore`` (docs/collector.md).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from forms.i18n import N_, _
from forms.problems import Level, Problem
from local_db.collector import feed
from local_db.collector.db_url import masked
from local_db.collector.schema import DUMP_TABLES, SCHEMA_VERSION

BIN_DIRS = "/usr/lib/postgresql/*/bin"  # Debian: one folder per major version
DUMP_TIMEOUT = 6 * 3600  # seconds: a province's database is a few GB at most
STDERR_LIMIT = 4000  # characters of pg_dump's complaint kept for the message

# (code, query counting the bad rows, sentence); the tables of reviews only when they exist
INTEGRITY: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("orphan.submission_blob",
     "SELECT count(*) FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = s.file_sha256)",
     N_("bài nộp không còn tệp gói gốc"), ()),
    ("orphan.received_submission",
     "SELECT count(*) FROM received_files r WHERE r.manifest_sha256 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.manifest_sha256 = r.manifest_sha256)",
     N_("tệp đã nhận trỏ tới bài nộp không có"), ()),
    ("orphan.quarantine_file",
     "SELECT count(*) FROM quarantine q WHERE NOT EXISTS (SELECT 1 FROM received_files r WHERE r.file_sha256 = q.file_sha256)",
     N_("gói bị từ chối không có trong danh sách tệp đã nhận"), ()),
    ("orphan.forwarding_bundle",
     "SELECT count(*) FROM forwardings f WHERE NOT EXISTS (SELECT 1 FROM bundles b WHERE b.bundle_sha256 = f.bundle_sha256)",
     N_("chuyển tiếp trỏ tới gói chuyển tiếp không có"), ()),
    ("orphan.current_submission",
     "SELECT count(*) FROM current c WHERE c.manifest_sha256 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.manifest_sha256 = c.manifest_sha256)",
     N_("bài nộp hiện hành không có"), ()),
    ("current.wrong_unit",
     "SELECT count(*) FROM current c JOIN submissions s ON s.manifest_sha256 = c.manifest_sha256 WHERE s.unit_code <> c.unit_code OR s.year <> c.year",
     N_("bài nộp hiện hành không phải của đơn vị và năm đó"), ()),
    ("current.status",
     "SELECT count(*) FROM current WHERE (status = 'current') <> (manifest_sha256 IS NOT NULL)",
     N_("trạng thái hiện hành không khớp bài nộp"), ()),
    ("orphan.conflict_submission",
     "SELECT count(*) FROM conflicts k WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.manifest_sha256 = k.manifest_sha256)",
     N_("bài nộp mâu thuẫn không có"), ()),
    ("orphan.decision_submission",
     "SELECT count(*) FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.manifest_sha256 = d.manifest_sha256)",
     N_("quyết định chọn bài nộp không có"), ()),
    ("orphan.review_submission",
     "SELECT count(*) FROM reviews r WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.manifest_sha256 = r.manifest_sha256)",
     N_("phiếu thẩm định của bài nộp không có"), ("reviews",)),
    ("orphan.review_item",
     "SELECT count(*) FROM review_items i WHERE NOT EXISTS (SELECT 1 FROM reviews r WHERE r.manifest_sha256 = i.manifest_sha256)",
     N_("dòng thẩm định không thuộc phiếu nào"), ("reviews", "review_items")),
]  # fmt: skip


class PgAdminError(Exception):
    """``str()`` is the Vietnamese sentence; ``code`` the reason for ``--json`` readers."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class PgCheckReport:
    database: str  # the URL without its password
    ok: bool = True
    version: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, level: Level = Level.ERROR) -> None:
        self.problems.append(Problem(code, message, self.database, level))
        if level == Level.ERROR:
            self.ok = False


def _connect(url: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        from local_db.collector.pg import unreachable

        raise PgAdminError("db_unreachable", str(unreachable(url, exc))) from None


def check(url: str) -> PgCheckReport:
    """The database at ``url``, looked at read-only (see the module's docstring)."""
    report = PgCheckReport(masked(url))
    with _connect(url) as conn:
        if conn.execute("SELECT to_regclass('meta') IS NULL").fetchone()[0]:
            report.add("db.not_collector", _("Đây không phải cơ sở dữ liệu tổng hợp của dti-desk (không có bảng meta)."))  # fmt: skip
            return report
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        report.version = int(row[0]) if row is not None and str(row[0]).isdigit() else 0
        if report.version > SCHEMA_VERSION:
            report.add("db.newer", _("Cấu trúc dữ liệu phiên bản {found}, mới hơn phiên bản {known} mà dti-desk này biết: hãy cập nhật dti-desk.", found=report.version, known=SCHEMA_VERSION))  # fmt: skip
            return report
        if report.version < 1:
            report.add("db.no_version", _("Không đọc được phiên bản cấu trúc dữ liệu."))
            return report
        present = {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        for table in (*DUMP_TABLES, "reviews", "review_items"):
            if table in present:
                sql = f"SELECT count(*) FROM {table}"  # noqa: S608 - fixed names
                report.counts[table] = int(conn.execute(sql).fetchone()[0])
            elif table in DUMP_TABLES:
                report.add("db.table_missing", _("Thiếu bảng {table}.", table=table))
        for code, sql, words, needs in INTEGRITY:
            if not set(needs) <= present or not _tables_of(sql) <= present:
                continue
            bad = int(conn.execute(sql).fetchone()[0])
            if bad:
                report.add(code, _("{count} dòng: {what}.", count=bad, what=_(words)))
        missing = [r[0] for r in conn.execute(feed.MISSING_SQL, (list(feed.FEED_TABLES),))]
        if missing:
            report.add("feed.missing", _("Bảng {tables} chưa báo thay đổi cho các cửa sổ đang mở; lần mở cơ sở dữ liệu tới sẽ bổ sung.", tables=", ".join(missing)), Level.NOTE)  # fmt: skip
    return report


def _tables_of(sql: str) -> set[str]:
    words = sql.replace("(", " ").split()
    return {words[i + 1] for i, w in enumerate(words[:-1]) if w in ("FROM", "JOIN")}


# --- backup ---------------------------------------------------------------------------------


def find_pg_dump() -> Path | None:
    """``pg_dump`` on PATH, else the newest of Debian's PostgreSQL folders."""
    found = shutil.which("pg_dump")
    if found:
        return Path(found)
    candidates = sorted(glob.glob(os.path.join(BIN_DIRS, "pg_dump")), key=_major, reverse=True)
    return Path(candidates[0]) if candidates else None


def _major(path: str) -> int:
    name = Path(path).parent.parent.name
    return int(name) if name.isdigit() else 0


def without_password(url: str) -> tuple[str, str | None]:
    """``url`` with no password in it (for a command line) and the password it held."""
    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password is not None else None
    netloc = parts.netloc
    if password is not None:
        user, _sep, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() == "password":
            password = value
        else:
            query.append((key, value))
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="/"), "")), password


def backup(url: str, out: Path) -> Path:
    """``pg_dump -Fc`` of ``url`` into ``out``, whole or not at all (``PgAdminError``)."""
    from forms.atomic import atomic_write

    program = find_pg_dump()
    if program is None:
        raise PgAdminError("pg_dump_missing", _("Không tìm thấy chương trình pg_dump (trên PATH hoặc trong {dirs}). Hãy cài gói postgresql-client phù hợp với phiên bản máy chủ.", dirs=BIN_DIRS))  # fmt: skip
    out = Path(out)
    if out.is_dir() or not out.parent.is_dir():
        raise PgAdminError("bad_output", _("Không ghi được vào {path}: cần một tệp trong thư mục đã có.", path=str(out)))  # fmt: skip
    plain, password = without_password(url)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    try:
        with atomic_write(out, mode=0o600) as handle:  # a dump holds every submission: private
            done = subprocess.run(
                [str(program), "--format=custom", "--no-password", f"--dbname={plain}"],
                stdout=handle, stderr=subprocess.PIPE, env=env, timeout=DUMP_TIMEOUT,
                check=False,
            )  # fmt: skip
            if done.returncode != 0:
                detail = done.stderr.decode("utf-8", "replace")[-STDERR_LIMIT:].strip()
                for secret in (password, quote(password or "")):
                    detail = detail.replace(secret, "***") if secret else detail
                raise PgAdminError("pg_dump_failed", _("pg_dump không sao lưu được {db} (mã {code}): {detail}", db=masked(url), code=done.returncode, detail=detail.replace(url, masked(url))))  # fmt: skip
    except OSError as exc:
        raise PgAdminError("write_failed", _("Không ghi được {path}: {error}", path=str(out), error=exc.strerror or str(exc))) from None  # fmt: skip
    except subprocess.TimeoutExpired:
        raise PgAdminError("pg_dump_failed", _("pg_dump chạy quá lâu, đã dừng.")) from None
    return out
