"""Checking a published ranking table: totals, classifications, order and duplicates.

Published tables show every value rounded, so the checks never compare rounded numbers
exactly; they ask whether *some* set of unrounded values could have produced what is shown.

Tolerance rule (docs/results-check.md has a worked example). Let ``n`` be the number of pillar
columns, ``dp`` the most decimals shown by any pillar cell of the table, ``dt`` the most
decimals shown by any total cell, and ``half(d) = 0.5 x 10^-d``. Each shown pillar is within
``half(dp)`` of its unrounded value and the shown total within ``half(dt)`` of the unrounded
sum, so

    |total - sum(pillars)| <= n x half(dp) + half(dt)      (+ 1e-9 against float noise)

is explained by rounding (``total_rounding``, a note, when not zero); more is ``total_mismatch``.
The classification is judged on every total the rounding allows, ``[total - half(dt),
total + half(dt)]``: the label is fine if the bands give it for the whole interval,
``classification_borderline`` (note) for part of it, ``classification_mismatch`` for none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from forms.criteria import Band, ClassifyOn
from forms.i18n import N_, _, language
from forms.results_table import (
    NOT_RANKED,
    ResultsTable,
    TableReadError,
    TableRow,
    name_key,
    no_cyclic_gc,
    norm,
    read_tables,
)

EPSILON = Decimal("1e-9")
ERROR, NOTE = "error", "note"

# The order findings of one row are listed in: what is broken before what follows from it.
KINDS = (
    "bad_file",
    "bad_value",
    "duplicate_unit",
    "total_mismatch",
    "total_rounding",
    "classification_mismatch",
    "classification_borderline",
    "rank_order",
)


# What each kind is, for the summary (``results check --summary``)
KIND_NAMES = {
    "bad_file": N_("tệp không đọc được"),
    "bad_value": N_("ô trống hoặc sai"),
    "duplicate_unit": N_("đơn vị trùng"),
    "total_mismatch": N_("tổng điểm lệch quá mức làm tròn"),
    "total_rounding": N_("tổng điểm lệch do làm tròn"),
    "classification_mismatch": N_("xếp loại sai"),
    "classification_borderline": N_("xếp loại đúng tùy chiều làm tròn"),
    "rank_order": N_("sai thứ tự xếp hạng"),
}
# Notes that say the same of many rows: past GROUP_AFTER of them, reported as one line naming
# the rows, not one per row (a commune table with whole-number pillars has one for a unit in
# three: 1,091 lines for 3,321 units buried the errors)
GROUPED_NOTES = ("total_rounding",)
GROUP_AFTER = 5


@dataclass(frozen=True)
class Finding:
    stt: int | None
    unit: str
    kind: str  # one of KINDS
    severity: str  # "error" or "note"
    message: str  # in the user's language, names the cell or row
    where: str = ""  # "'Phụ lục 3'!J12" (a cell) or "'Phụ lục 3'!12" style row reference

    def to_json(self) -> dict[str, Any]:
        return {
            "stt": self.stt,
            "unit": self.unit,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class CheckResult:
    rows: int  # unit rows read, over every table of the workbook
    findings: list[Finding] = field(default_factory=list)
    tables: list[ResultsTable] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == NOTE]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "findings": [f.to_json() for f in self.findings]}

    def counts(self) -> dict[str, int]:
        """Findings by kind, in the order of ``KINDS``; kinds not found left out."""
        found = {kind: 0 for kind in KINDS}
        for finding in self.findings:
            found[finding.kind] += 1
        return {kind: n for kind, n in found.items() if n}

    def grouped_notes(self) -> dict[str, list[Finding]]:
        """Notes of a ``GROUPED_NOTES`` kind, by kind, where there are more than ``GROUP_AFTER``
        of it: the ones to report as one line per kind."""
        groups: dict[str, list[Finding]] = {}
        for finding in self.findings:
            if finding.kind in GROUPED_NOTES:
                groups.setdefault(finding.kind, []).append(finding)
        return {kind: found for kind, found in groups.items() if len(found) > GROUP_AFTER}

    def summary_json(self) -> dict[str, Any]:
        """The summary: counts by kind, every error, how many notes."""
        return {
            "rows": self.rows,
            "counts": self.counts(),
            "errors": [f.to_json() for f in self.errors],
            "notes": len(self.notes),
        }


class BandsError(Exception):
    """A ``--bands`` file that cannot be used; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- bands ------------------------------------------------------------------------------------


def default_bands() -> tuple[Band, ...]:
    """The reference criteria set's bands (imported lazily: loading the set is not free)."""
    from forms.reference import reference_set

    return tuple(reference_set().bands)


def _sorted_bands(bands: Iterable[Band]) -> tuple[Band, ...]:
    return tuple(sorted(bands, key=lambda b: b.minimum, reverse=True))


def load_bands(path: str | Path) -> tuple[Band, ...]:
    """Bands from a criteria set (json/xlsx) or a list ``[{"minimum": 800, "label": "Tốt"}]``."""
    path = Path(path)
    if not path.is_file():
        raise BandsError(_("Không tìm thấy tệp mức xếp loại “{file}”.", file=str(path)))
    if path.suffix.casefold() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))  # Notepad writes a BOM
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BandsError(
                _(
                    "Tệp mức xếp loại “{file}” không phải JSON hợp lệ: {reason}",
                    file=path.name,
                    reason=str(exc),
                )
            ) from exc
        if isinstance(data, list):
            return _bands_from_list(data, path.name)
        if isinstance(data, dict) and "pillars" not in data and isinstance(data.get("bands"), list):
            return _bands_from_list(data["bands"], path.name)
    return _bands_from_criteria(path)


def _bands_from_list(items: list[Any], file: str) -> tuple[Band, ...]:
    bands: list[Band] = []
    for i, item in enumerate(items, start=1):
        minimum = item.get("minimum") if isinstance(item, dict) else None
        label = item.get("label") if isinstance(item, dict) else None
        try:
            value = Decimal(str(minimum).replace(",", ".")) if minimum is not None else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or isinstance(minimum, bool):
            raise BandsError(
                _(
                    "Tệp mức xếp loại “{file}”, mức thứ {index}: “minimum” phải là một số.",
                    file=file,
                    index=i,
                )
            )
        if not isinstance(label, str) or not label.strip():
            raise BandsError(
                _("Tệp mức xếp loại “{file}”, mức thứ {index}: thiếu “label”.", file=file, index=i)
            )
        bands.append(Band(minimum=value, label=" ".join(label.split())))
    if not bands:
        raise BandsError(_("Tệp mức xếp loại “{file}” không có mức nào.", file=file))
    return _sorted_bands(bands)


def _bands_from_criteria(path: Path) -> tuple[Band, ...]:
    try:
        from forms.criteria_io import load_criteria  # json or xlsx; imported only when asked
    except ImportError:  # pragma: no cover - until the workbook reader lands: json sets only
        from forms.criteria_json import load_json as load_criteria

    try:
        criteria = load_criteria(path)
    except Exception as exc:  # a broken set raises ProblemsError; a foreign file, anything
        problems = getattr(exc, "problems", None)
        detail = "; ".join(str(p) for p in problems[:3]) if problems else type(exc).__name__
        raise BandsError(
            _(
                "Không đọc được mức xếp loại từ bộ tiêu chí “{file}”: {reason}",
                file=path.name,
                reason=detail,
            )
        ) from exc
    if not criteria.bands:
        raise BandsError(_("Tệp mức xếp loại “{file}” không có mức nào.", file=path.name))
    return _sorted_bands(criteria.bands)


def labels_between(low: Decimal, high: Decimal, bands: Sequence[Band]) -> list[str]:
    """Every label the bands give to some total in ``[low, high]``, highest band first."""
    ordered = _sorted_bands(bands)

    def classify(total: Decimal) -> str:
        return next((b.label for b in ordered if total >= b.minimum), ordered[-1].label)

    # classify is a step function: the labels met in [low, high] are those at both ends and
    # those of the bands whose minimum falls inside.
    points = [high, *(b.minimum for b in ordered if low < b.minimum <= high), low]
    labels: list[str] = []
    for point in points:
        label = classify(point)
        if norm(label) not in {norm(x) for x in labels}:
            labels.append(label)
    return labels


# --- formatting -------------------------------------------------------------------------------


def half_unit(decimals: int) -> Decimal:
    return Decimal(5).scaleb(-decimals - 1)


def tolerance(n_pillars: int, pillar_decimals: int, total_decimals: int) -> Decimal:
    """How far a shown total may lie from the sum of the shown pillars through rounding alone."""
    return n_pillars * half_unit(pillar_decimals) + half_unit(total_decimals)


def fmt(value: Decimal) -> str:
    """A number as people write it: no trailing zeros, decimal comma in Vietnamese."""
    text = format(value.normalize(), "f") if value != 0 else "0"
    return text.replace(".", ",") if language() == "vi" else text


# --- the checks -------------------------------------------------------------------------------


def _finding(row: TableRow, kind: str, severity: str, message: str, where: str) -> Finding:
    return Finding(
        stt=row.stt, unit=row.name, kind=kind, severity=severity, message=message, where=where
    )


def _bad_values(table: ResultsTable, row: TableRow) -> list[Finding]:
    found: list[Finding] = []
    if not row.name:
        found.append(
            _finding(
                row,
                "bad_value",
                ERROR,
                _(
                    "Ô {cell} (cột “{column}”) trống: thiếu tên đơn vị.",
                    cell=row.name_where,
                    column=table.name_header,
                ),
                row.name_where,
            )
        )
    for number in (*row.pillars, row.total):
        if (
            row.not_ranked
            and number.problem in ("empty", "not_number")
            and (not number.shown or number.shown in NOT_RANKED)
        ):
            continue  # a unit left out of the ranking may be listed without scores ("-")
        if number.problem == "empty":
            message = _("Ô {cell} (cột “{column}”) trống.", cell=number.where, column=number.column)
        elif number.problem == "not_number":
            message = _(
                "Ô {cell} (cột “{column}”): “{value}” không phải là số.",
                cell=number.where,
                column=number.column,
                value=number.shown,
            )
        elif number.problem == "negative":
            message = _(
                "Ô {cell} (cột “{column}”): điểm âm ({value}).",
                cell=number.where,
                column=number.column,
                value=fmt(number.value) if number.value is not None else number.shown,
            )
        elif number.problem == "formula":
            message = _(
                "Ô {cell} (cột “{column}”) chứa công thức {formula} nhưng không có giá trị đã tính; mở tệp bằng Excel rồi lưu lại.",
                cell=number.where,
                column=number.column,
                formula=number.shown,
            )
        else:
            continue
        found.append(_finding(row, "bad_value", ERROR, message, number.where))
    if table.label_header and not row.label:
        found.append(
            _finding(
                row,
                "bad_value",
                ERROR,
                _(
                    "Ô {cell} (cột “{column}”) trống: thiếu xếp loại (ghi “-” nếu không xếp loại).",
                    cell=row.label_where,
                    column=table.label_header,
                ),
                row.label_where,
            )
        )
    return found


def _total(row: TableRow, limit: Decimal) -> list[Finding]:
    if not row.total.usable or not all(p.usable for p in row.pillars) or not row.pillars:
        return []
    total = row.total.value
    assert total is not None  # usable
    pillar_sum = sum((p.value for p in row.pillars if p.value is not None), Decimal(0))
    diff = total - pillar_sum
    if diff == 0:
        return []
    fields = {
        "cell": row.total.where,
        "total": fmt(total),
        "sum": fmt(pillar_sum),
        "diff": fmt(abs(diff)),
        "tolerance": fmt(limit),
    }
    if abs(diff) <= limit + EPSILON:
        message = _(
            "Tổng điểm {total} (ô {cell}) lệch {diff} so với tổng các trụ cột {sum}: do làm tròn (cho phép tới {tolerance}).",
            **fields,
        )
        return [_finding(row, "total_rounding", NOTE, message, row.total.where)]
    message = _(
        "Tổng điểm {total} (ô {cell}) lệch {diff} so với tổng các trụ cột {sum}: quá mức làm tròn có thể giải thích ({tolerance}).",
        **fields,
    )
    return [_finding(row, "total_mismatch", ERROR, message, row.total.where)]


def _classification(
    row: TableRow, bands: Sequence[Band], h: Decimal, on_targets: bool = False
) -> list[Finding]:
    if not row.label or row.not_ranked or not bands:
        return []
    wanted = norm(row.label)
    if on_targets and wanted in {norm(b.label) for b in bands}:
        return _classified_on_targets(row, bands)
    if wanted not in {norm(b.label) for b in bands}:  # wrong whatever the total
        message = _(
            "Xếp loại “{label}” (ô {cell}) không phải một mức của bảng xếp loại ({labels}).",
            label=row.label,
            cell=row.label_where,
            labels=", ".join(b.label for b in _sorted_bands(bands)),
        )
        return [_finding(row, "classification_mismatch", ERROR, message, row.label_where)]
    if not row.total.usable:
        return []
    total = row.total.value
    assert total is not None
    low, high = total - h, total + h
    possible = labels_between(low, high, bands)
    fields = {
        "label": row.label,
        "cell": row.label_where,
        "total": fmt(total),
        "low": fmt(low),
        "high": fmt(high),
        "labels": " / ".join(possible),
    }
    if wanted not in {norm(x) for x in possible}:
        message = _(
            "Xếp loại “{label}” (ô {cell}) không khớp tổng điểm {total}: theo các mức xếp loại phải là “{labels}”.",
            **fields,
        )
        return [_finding(row, "classification_mismatch", ERROR, message, row.label_where)]
    if len(possible) > 1:
        message = _(
            "Xếp loại “{label}” (ô {cell}) chỉ đúng nếu làm tròn theo một chiều: tổng điểm {total} đã làm tròn, tổng thực nằm trong [{low}; {high}] và có thể là “{labels}”.",
            **fields,
        )
        return [_finding(row, "classification_borderline", NOTE, message, row.label_where)]
    return []


def _classified_on_targets(row: TableRow, bands: Sequence[Band]) -> list[Finding]:
    """Bands on the number of targets met (``classify_on: targets``): the label must be the
    one the "Chỉ tiêu đạt" column's count earns; a table without that column is not judged."""
    if row.targets is None:
        return []
    found = next((b.label for b in _sorted_bands(bands) if row.targets >= b.minimum), "")
    if norm(found) == norm(row.label):
        return []
    message = _(
        "Xếp loại “{label}” (ô {cell}) không khớp số chỉ tiêu đạt {count}: theo các mức xếp loại phải là “{expected}”.",
        label=row.label,
        cell=row.label_where,
        count=row.targets,
        expected=found,
    )
    return [_finding(row, "classification_mismatch", ERROR, message, row.label_where)]


def bands_on_targets(path: str | Path) -> bool:
    """Whether the ``--bands`` file is a criteria set classing units on the targets met."""
    if Path(path).suffix.lower() not in (".json", ".xlsx"):
        return False
    try:
        from forms.criteria_io import load_criteria

        return load_criteria(path).classify_on is ClassifyOn.TARGETS
    except Exception:  # a list of bands, or a set load_bands has reported already
        return False


def _rank_order(table: ResultsTable) -> list[tuple[TableRow, Finding]]:
    found: list[tuple[TableRow, Finding]] = []
    above: dict[str, TableRow] = {}  # group key -> the last ranked row of that group
    for row in table.rows:
        if row.not_ranked or not row.total.usable:
            continue
        key = norm(row.group)
        previous = above.get(key)
        above[key] = row
        if previous is None or previous.total.value is None or row.total.value is None:
            continue
        if row.total.value > previous.total.value:
            fields = {
                "total": fmt(row.total.value),
                "cell": row.total.where,
                "above": fmt(previous.total.value),
                "line": previous.line,
                "group": row.group,
            }
            if row.group:
                message = _(
                    "Sai thứ tự xếp hạng: tổng điểm {total} (ô {cell}) cao hơn dòng {line} ở trên ({above}) trong nhóm “{group}”.",
                    **fields,
                )
            else:
                message = _(
                    "Sai thứ tự xếp hạng: tổng điểm {total} (ô {cell}) cao hơn dòng {line} ở trên ({above}).",
                    **fields,
                )
            found.append((row, _finding(row, "rank_order", ERROR, message, row.total.where)))
    return found


def _duplicates(table: ResultsTable) -> list[tuple[TableRow, Finding]]:
    found: list[tuple[TableRow, Finding]] = []
    seen: dict[tuple[str, str], TableRow] = {}
    for row in table.rows:
        if not row.name:
            continue
        key = (name_key(row.group), name_key(row.name))
        first = seen.setdefault(key, row)
        if first is row:
            continue
        if row.group:
            message = _(
                "Đơn vị “{unit}” (ô {cell}) lặp lại: đã có ở dòng {line} trong nhóm “{group}”.",
                unit=row.name,
                cell=row.name_where,
                line=first.line,
                group=row.group,
            )
        else:
            message = _(
                "Đơn vị “{unit}” (ô {cell}) lặp lại: đã có ở dòng {line}.",
                unit=row.name,
                cell=row.name_where,
                line=first.line,
            )
        found.append((row, _finding(row, "duplicate_unit", ERROR, message, row.name_where)))
    return found


def check_table(
    table: ResultsTable, bands: Sequence[Band], on_targets: bool = False
) -> list[Finding]:
    """Every finding for one table, in row order (within a row: the order of ``KINDS``)."""
    limit = tolerance(len(table.pillar_headers), table.pillar_decimals, table.total_decimals)
    h = half_unit(table.total_decimals)
    per_row: dict[int, list[Finding]] = {row.line: [] for row in table.rows}
    for row in table.rows:
        per_row[row.line] += _bad_values(table, row)
        per_row[row.line] += _total(row, limit)
        if table.label_header:
            per_row[row.line] += _classification(row, bands, h, on_targets)
    for row, finding in (*_duplicates(table), *_rank_order(table)):
        per_row[row.line].append(finding)
    order = {kind: i for i, kind in enumerate(KINDS)}
    return [
        finding
        for line in sorted(per_row)
        for finding in sorted(per_row[line], key=lambda f: order[f.kind])
    ]


def check_tables(
    tables: Sequence[ResultsTable], bands: Sequence[Band], on_targets: bool = False
) -> CheckResult:
    with no_cyclic_gc():  # one finding per row on a large table: see no_cyclic_gc
        findings = [f for table in tables for f in check_table(table, bands, on_targets)]
    return CheckResult(
        rows=sum(len(t.rows) for t in tables), findings=findings, tables=list(tables)
    )


def bad_file(message: str, where: str = "") -> CheckResult:
    return CheckResult(
        rows=0,
        findings=[
            Finding(
                stt=None, unit="", kind="bad_file", severity=ERROR, message=message, where=where
            )
        ],
    )


def check_workbook(
    path: str | Path,
    bands: Sequence[Band] | None = None,
    sheet: str | None = None,
    on_targets: bool = False,
) -> CheckResult:
    """Read every ranking table of an .xlsx workbook and check it; never raises on bad input.

    ``bands`` default to the reference criteria set's. A file that cannot be read at all gives
    a result with no rows and one ``bad_file`` finding.
    """
    try:
        tables = read_tables(path, sheet=sheet)
    except TableReadError as exc:
        return bad_file(exc.message, str(path))
    return check_tables(tables, default_bands() if bands is None else bands, on_targets)
