"""Trying a PostgreSQL server before the collector window uses it (the connection setting).

``server_url`` makes the libpq URL of the setting's fields (a host name, or a socket folder
given as ``?host=/dir``); ``fields_of`` reads them back. ``probe(url)`` connects without creating
anything and says, in a ``Verdict``, what the window's person needs to know: unreachable, a
password needed or wrong, no such database, a database that is not dti-desk's (the schema can
be created: ``create_schema``), one made by a newer dti-desk, or ready. The password is in the
URL only in memory: a verdict's message shows the URL masked (``db_url.masked``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from forms.i18n import _
from local_db.collector.db_url import masked
from local_db.collector.schema import SCHEMA_VERSION

DEFAULT_PORT = 5432
OK, NOT_COLLECTOR, NEWER = "ok", "not_collector", "newer"
UNREACHABLE, PASSWORD_NEEDED, PASSWORD_WRONG, NO_DATABASE = (
    "unreachable", "password_needed", "password_wrong", "no_database",
)  # fmt: skip
PASSWORD_CODES = (PASSWORD_NEEDED, PASSWORD_WRONG)


@dataclass(frozen=True)
class Verdict:
    code: str
    message: str
    version: int = 0

    @property
    def ok(self) -> bool:
        return self.code == OK


@dataclass(frozen=True)
class ServerFields:
    host: str = ""  # a host name or address, or a socket folder ("/run/postgresql")
    port: int = DEFAULT_PORT
    database: str = ""
    user: str = ""


def server_url(fields: ServerFields, password: str = "") -> str:
    """The libpq URL of ``fields`` (with ``password`` when given: keep it in memory only)."""
    user = quote(fields.user, safe="")
    database = quote(fields.database, safe="")
    query: list[tuple[str, str]] = []
    host = fields.host.strip()
    if host.startswith("/") or (len(host) > 2 and host[1] == ":" and host[2] in "\\/"):
        query.append(("host", host))  # a socket folder: not a name in the authority
        authority = f"{user}@"
    else:
        authority = f"{user}@{quote(host, safe='.:[]')}"
    query.append(("port", str(fields.port)))
    if password:
        query.append(("password", password))
    return f"postgresql://{authority}/{database}?{urlencode(query, safe='/')}"


def fields_of(url: str) -> ServerFields:
    """The setting's fields of a URL ``server_url`` made (or one typed by hand); empty
    fields for one that cannot be read (a settings file edited by hand)."""
    try:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        host = query.get("host") or unquote(parts.hostname or "")
        try:
            port = int(query.get("port") or parts.port or DEFAULT_PORT)
        except ValueError:
            port = DEFAULT_PORT
        user, database = unquote(parts.username or ""), unquote(parts.path.lstrip("/"))
    except ValueError:
        return ServerFields()
    return ServerFields(host, port if 0 < port < 65536 else DEFAULT_PORT, database, user)


def without_password(url: str) -> str:
    """``url`` as the settings keep it: no password in the authority nor in the query."""
    return server_url(fields_of(url))


def _classify(exc: Any) -> str:
    text = str(exc).lower()
    state = getattr(exc, "sqlstate", None)
    if "no password supplied" in text:
        return PASSWORD_NEEDED
    if state == "28P01" or "password authentication failed" in text:
        return PASSWORD_WRONG
    if state == "3D000" or ("database" in text and "does not exist" in text):
        return NO_DATABASE
    return UNREACHABLE


def _failure(code: str, url: str, exc: BaseException) -> Verdict:
    name = masked(url)
    if code == PASSWORD_NEEDED:
        return Verdict(code, _("Máy chủ {name} cần mật khẩu: hãy nhập mật khẩu rồi thử lại.", name=name))  # fmt: skip
    if code == PASSWORD_WRONG:
        return Verdict(code, _("Sai tên người dùng hoặc mật khẩu cho {name}.", name=name))
    if code == NO_DATABASE:
        return Verdict(code, _("Máy chủ không có cơ sở dữ liệu này ({name}): hãy kiểm tra tên, hoặc nhờ người quản trị tạo nó.", name=name))  # fmt: skip
    detail = str(exc).strip().replace(url, name).splitlines()
    return Verdict(code, _("Không kết nối được máy chủ {name}: {detail}. Hãy kiểm tra địa chỉ, cổng và mạng.", name=name, detail=detail[0] if detail else ""))  # fmt: skip


def probe(url: str) -> Verdict:
    """Connect to ``url``, create nothing, and say what was found (see the module)."""
    import psycopg

    try:
        conn: Any = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        return _failure(_classify(exc), url, exc)
    name = masked(url)
    try:
        with conn:
            if conn.execute("SELECT to_regclass('meta') IS NULL").fetchone()[0]:
                tables = int(
                    conn.execute(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                    ).fetchone()[0]
                )
                return Verdict(NOT_COLLECTOR, _("Đã kết nối {name}, nhưng đây chưa phải cơ sở dữ liệu của dti-desk ({count} bảng khác). Có thể tạo cấu trúc dữ liệu của dti-desk trong đó.", name=name, count=tables))  # fmt: skip
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except psycopg.Error as exc:
        return _failure(UNREACHABLE, url, exc)
    version = int(row[0]) if row is not None and str(row[0]).isdigit() else 0
    if version > SCHEMA_VERSION:
        return Verdict(NEWER, _("Cơ sở dữ liệu {name} do phiên bản dti-desk mới hơn tạo ra (cấu trúc {found}, phiên bản này biết {known}): hãy cập nhật dti-desk.", name=name, found=version, known=SCHEMA_VERSION), version)  # fmt: skip
    return Verdict(OK, _("Kết nối được: {name} là cơ sở dữ liệu tổng hợp của dti-desk (cấu trúc phiên bản {version}).", name=name, version=version), version)  # fmt: skip


def create_schema(url: str) -> None:
    """Create the collector's tables in the database at ``url`` (as the first opening does)."""
    from local_db.collector.store import CollectorStore

    CollectorStore(url).close()
