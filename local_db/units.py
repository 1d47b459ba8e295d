"""Administrative units (communes, wards, special zones) imported from the province's list.

Since 1 July 2025 the units are xã, phường and đặc khu, with no district above them. No list
can be fetched (the app works offline): the province's list arrives as xlsx or CSV with a
header row, and a sample (``resources/units/``, illustrative codes) lets one try the app.
Import is all-or-nothing: a list with an error in any row changes nothing, and every problem names the file and the row. Units are
never deleted by an import (assessments refer to them), except the sample's own units that
nothing refers to, once a real list comes in; a changed name is updated.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.problems import Level, Problem
from forms.text import fold, nfc
from forms.vi_collate import name_proper
from local_db import audit
from local_db.database import Change, record_change
from local_db.models import Assessment, Profile, Unit, now_utc

if TYPE_CHECKING:
    from local_db.database import Database

KINDS = {"xa": "xã", "phuong": "phường", "dac khu": "đặc khu"}
# Accepted header spellings, compared folded (accents and case ignored).
HEADERS = {
    "code": {"ma", "ma don vi", "ma dvhc", "ma xa", "code"},
    "name": {"ten", "ten don vi", "ten dvhc", "ten xa", "name"},
    "kind": {"loai", "loai don vi", "cap", "kind"},
    "group": {"nhom", "huyen cu", "khu vuc", "cum", "nhom (huyen cu)", "group"},
    "province": {"tinh", "tinh/thanh pho", "province"},
}
REQUIRED = ("code", "name", "kind")
MAX_LIST_BYTES = 32 * 2**20  # a province's list is ~50 kB; Vietnam's 3,321 units ~300 kB
_CODE = re.compile(r"^[0-9A-Za-z._-]{1,20}$")


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    samples_removed: int = 0  # units of the shipped sample dropped when the real list came

    @property
    def ok(self) -> bool:
        return not any(p.level == Level.ERROR for p in self.problems)


@dataclass(frozen=True)
class UnitRow:
    line: int
    code: str
    name: str
    kind: str
    group: str
    province: str


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def refused(rejected: InboundRejected, where: str) -> Problem:
    """A units list ``forms.inbound`` would not read, with a ``units.`` code like the others."""
    code = rejected.problem.code
    code = "unreadable" if code == "file_unreadable" else code
    return Problem(f"units.{code}", rejected.problem.message, where)


def _read_rows(path: Path) -> list[list[str]]:
    """All rows of the first sheet (xlsx) or of the CSV, as text; raises ValueError with a message."""
    suffix = path.suffix.casefold()
    if suffix not in {".xlsx", ".xlsm", ".csv"}:
        raise ValueError(_("chỉ nhận tệp .xlsx hoặc .csv"))
    # one read of a regular file of bounded size (a FIFO or /dev/zero is refused, not waited on)
    raw = read_inbound(path, MAX_LIST_BYTES)
    if suffix in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a broken file
            raise ValueError(
                _("không đọc được tệp Excel ({detail})", detail=str(error) or type(error).__name__)
            ) from error
        try:
            sheet = workbook.worksheets[0]
            return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(_("tệp CSV không ở mã UTF-8; hãy lưu lại với mã UTF-8")) from error
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [
        [_cell_text(v) for v in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]


def parse(path: Path) -> tuple[list[UnitRow], list[Problem]]:  # noqa: C901, PLR0912
    """The units in ``path`` and the problems found (row numbers as the user sees them)."""
    where_file = path.name
    try:
        rows = _read_rows(path)
    except InboundRejected as rejected:
        return [], [refused(rejected, where_file)]
    except (OSError, ValueError) as error:
        detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return [], [
            Problem(
                "units.unreadable",
                _("Không đọc được danh sách đơn vị: {detail}.", detail=detail),
                where_file,
            )
        ]
    header_index = next((i for i, row in enumerate(rows) if any(row)), None)
    if header_index is None:
        return [], [Problem("units.empty", _("Tệp không có dữ liệu."), where_file)]
    columns: dict[str, int] = {}
    for position, title in enumerate(rows[header_index]):
        for key, spellings in HEADERS.items():
            if fold(title) in spellings and key not in columns:
                columns[key] = position
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        names = {"code": _("Mã"), "name": _("Tên"), "kind": _("Loại")}
        return [], [
            Problem(
                "units.header",
                _(
                    "Thiếu cột {columns} ở dòng tiêu đề (dòng {line}).",
                    columns=", ".join(names[m] for m in missing),
                    line=header_index + 1,
                ),
                where_file,
            )
        ]
    problems: list[Problem] = []
    units: list[UnitRow] = []
    seen: dict[str, int] = {}

    def cell(row: list[str], key: str) -> str:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else ""

    for index in range(header_index + 1, len(rows)):
        row, line = rows[index], index + 1
        if not any(row):
            continue
        where = _("{file}, dòng {line}", file=where_file, line=line)
        code, name, kind_text = (
            cell(row, "code"),
            " ".join(cell(row, "name").split()),
            cell(row, "kind"),
        )
        kind = KINDS.get(fold(kind_text))
        if not code:
            problems.append(Problem("units.code_missing", _("Thiếu mã đơn vị."), where))
        elif not _CODE.match(code):
            problems.append(
                Problem(
                    "units.code_invalid", _("Mã đơn vị không hợp lệ: {code}.", code=code), where
                )
            )
        elif code in seen:
            problems.append(
                Problem(
                    "units.duplicate",
                    _("Mã {code} trùng với dòng {other}.", code=code, other=seen[code]),
                    where,
                )
            )
        else:
            seen[code] = line
        if not name:
            problems.append(Problem("units.name_missing", _("Thiếu tên đơn vị."), where))
        if kind is None:
            problems.append(
                Problem(
                    "units.kind_invalid",
                    _(
                        'Loại đơn vị không hợp lệ: "{kind}" (chỉ nhận: xã, phường, đặc khu).',
                        kind=kind_text,
                    ),
                    where,
                )
            )
        units.append(
            UnitRow(
                line,
                code,
                name,
                kind or "",
                " ".join(cell(row, "group").split()),
                " ".join(cell(row, "province").split()),
            )
        )
    if not units and not problems:
        problems.append(Problem("units.empty", _("Tệp không có dữ liệu."), where_file))
    return units, problems


def import_units(db: Database, path: Path, user: str | None = None) -> ImportReport:
    """Import (add or update) the units in ``path``; nothing is written if any row has an error."""
    path = Path(path)
    rows, problems = parse(path)
    report = ImportReport(problems=problems)
    if not report.ok:
        return report
    who = db.user if user is None else user
    at = now_utc()
    with db.write() as session:
        existing = {u.code: u for u in session.exec(select(Unit)).all()}
        for r in rows:
            values = {
                "name": r.name,
                "name_folded": fold(r.name),
                "kind": r.kind,
                "group_name": r.group,
                "province": r.province,
            }
            unit = existing.get(r.code)
            if unit is None:
                session.add(Unit(code=r.code, updated_at=at, **values))
                report.added += 1
            elif any(getattr(unit, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(unit, k, v)
                unit.updated_at = at
                session.add(unit)
                report.updated += 1
            else:
                report.unchanged += 1
        if Path(path).resolve() != sample_path().resolve():
            report.samples_removed = _drop_sample_units(session, existing, {r.code for r in rows})
        audit.log(session, at=at, who=who, entity="units_import", key=nfc(path.name), old=None,
                  new=audit.encode({"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
                                   "samples_removed": report.samples_removed}))  # fmt: skip
        record_change(session, Change("units"))
    report.written = True
    return report


SAMPLE_FILE = "phu_tho_sample.csv"


def sample_path() -> Path:
    """The shipped sample list (Phú Thọ's communes and wards, two special zones, made-up codes)."""
    return Path(str(resources.files("resources") / "units" / SAMPLE_FILE))


def import_sample(db: Database) -> ImportReport:
    return import_units(db, sample_path())


def _sample_codes() -> frozenset[str]:
    rows, _problems = parse(sample_path())
    return frozenset(r.code for r in rows)


def _drop_sample_units(session: Any, existing: dict[str, Unit], imported: set[str]) -> int:
    """Once a real list is imported, the sample's units (same code and name as shipped) that
    no assessment or profile refers to are removed: tried-out units must not sit among the
    province's real ones, where an officer could pick one. Referenced ones stay (storage never
    drops a unit an assessment names)."""
    sample = {row.code: row.name for row in parse(sample_path())[0]}
    referenced = set(session.exec(select(Assessment.unit_code)).all())
    referenced |= {p.unit_code for p in session.exec(select(Profile)).all()}
    removed = 0
    for code, unit in existing.items():
        if sample.get(code) == unit.name and code not in imported and code not in referenced:
            session.delete(unit)
            removed += 1
    return removed


def list_source(db: Database) -> str:
    """Where the units list came from: ``"none"`` (no list yet), ``"sample"`` (only units of the
    shipped sample) or ``"province"`` (a list that was imported from a file)."""
    with db.read() as session:
        codes = set(session.exec(select(Unit.code)).all())
    if not codes:
        return "none"
    return "sample" if codes <= _sample_codes() else "province"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(db: Database, text: str = "", limit: int = 50) -> list[Unit]:
    """Units whose name contains ``text`` ignoring accents and case, or whose code starts with it."""
    key = fold(text)
    with db.read() as session:
        query = select(Unit)
        if key:
            pattern = f"%{_like_escape(key)}%"
            query = query.where(
                col(Unit.name_folded).like(pattern, escape="\\")
                | col(Unit.code).startswith(text.strip(), autoescape=True)
            )
        found = list(session.exec(query.order_by(col(Unit.name_folded), col(Unit.code))).all())
    if key:
        # Best matches first: the name proper (after "xã"/"phường") starts with what was
        # typed, then a word of it does, then the rest: "hoa" -> "Xã Hòa Bình", "Xã Thanh Hòa".
        code_text = text.strip()

        def rank(unit: Unit) -> int:
            if unit.code.startswith(code_text):
                return 0
            if fold(name_proper(unit.name)).startswith(key):
                return 0
            return 1 if f" {key}" in f" {unit.name_folded}" else 2

        found.sort(key=rank)  # stable: keeps the name order within a rank
    return found[:limit] if limit else found


def get(db: Database, code: str) -> Unit | None:
    with db.read() as session:
        return session.get(Unit, code)


def all_units(db: Database) -> list[Unit]:
    with db.read() as session:
        return list(
            session.exec(select(Unit).order_by(col(Unit.group_name), col(Unit.name_folded))).all()
        )


def groups(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(
            {u.group_name for u in session.exec(select(Unit)).all() if u.group_name}, key=fold
        )
