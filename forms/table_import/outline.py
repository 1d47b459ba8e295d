"""From table rows to pillars, indicators and sub-indicators.

Published tables number their rows in one of two ways: Roman numerals for the pillars with
the indicators numbered 1, 2, 3 … (sometimes on across pillars) and sub-indicators 1.1, 1.2;
or dotted numbers all the way (1 / 1.1 / 1.1.2). Both become the app's codes (pillar "1",
indicator "1.2", sub-indicator "1.2.1") by position under their parent, and the code as
printed is kept beside it so a person can compare. A row that fits neither is kept, flagged,
with its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from forms.criteria import RuleKind
from forms.i18n import _
from forms.table_import.phrasing import Reading, plain, read_method
from forms.table_import.source import TableRow, is_numbering_row
from forms.text import fold

_ROMAN = re.compile(r"^[IVXLC]+$")
_DOTTED = re.compile(r"^\d+(?:\.\d+)*$")
_POINTS = re.compile(r"^(?P<n>\d{1,3}(?:\.\d{3})+|\d+(?:[.,]\d+)?)\s*(?:điểm)?$", re.IGNORECASE)


@dataclass
class DraftIndicator:
    code: str
    source_code: str
    row: TableRow
    max_points: Decimal | None
    reading: Reading
    children: list[DraftIndicator] = field(default_factory=list)
    problem: str = ""  # a reason found here (no maximum, a code out of place)

    @property
    def reason(self) -> str:
        if self.problem:
            return self.problem
        return "" if self.children else self.reading.reason

    @property
    def needs_author(self) -> bool:
        return bool(self.reason) or (not self.children and self.reading.rule is None)


@dataclass
class DraftPillar:
    code: str
    source_code: str
    row: TableRow
    max_points: Decimal | None
    indicators: list[DraftIndicator] = field(default_factory=list)

    @property
    def reason(self) -> str:
        if self.max_points is None:
            return _("không đọc được điểm tối đa “{text}”", text=self.row.max_text)
        if self.max_points == 0 and not self._information_block():
            return _("trụ cột 0 điểm: khối thông tin không tính điểm?")
        return ""

    def _information_block(self) -> bool:
        """Every indicator is read as unscored: the block "Thông tin chung", 0 points."""
        leaves = [i for i in self.indicators if not i.children]
        return (
            bool(self.indicators)
            and len(leaves) == len(self.indicators)
            and all(
                i.reading.rule is not None and i.reading.rule.kind is RuleKind.INFO for i in leaves
            )
        )


@dataclass
class Outline:
    pillars: list[DraftPillar] = field(default_factory=list)
    unplaced: list[tuple[TableRow, str]] = field(default_factory=list)
    stated_total: Decimal | None = None

    def indicators(self) -> list[DraftIndicator]:
        out: list[DraftIndicator] = []
        for pillar in self.pillars:
            for ind in pillar.indicators:
                out.append(ind)
                out.extend(ind.children)
        return out


def points(text: str) -> Decimal | None:
    """ "20", "7,5", "20 điểm", "1.000" (a thousands dot): the maximum in a points cell."""
    m = _POINTS.match(text.strip())
    if m is None:
        return None
    number = m.group("n")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number):
        number = number.replace(".", "")
    return plain(Decimal(number.replace(",", ".")))


def _code(text: str) -> str:
    return text.strip().rstrip(".").strip()


def _is_total(row: TableRow) -> bool:
    return not _code(row.code) and fold(row.name).startswith("tong")


def _kept(rows: list[TableRow]) -> list[TableRow]:
    """The rows that say something: no numbering row, a row without a code added to the
    row above it (Word tables split one indicator's method over several rows)."""
    kept: list[TableRow] = []
    for row in rows:
        if is_numbering_row(row) or not any((row.code, row.name, row.max_text, row.method)):
            continue
        if not _code(row.code) and not _is_total(row) and kept and row.method and not row.name:
            above = kept[-1]
            kept[-1] = TableRow(
                above.where,
                above.code,
                above.name,
                above.max_text,
                "\n".join(t for t in (above.method, row.method) if t),
                "\n".join(t for t in (above.evidence, row.evidence) if t),
                above.source or row.source,
                above.verifier or row.verifier,
            )
            continue
        kept.append(row)
    return kept


def _indicator(code: str, row: TableRow) -> DraftIndicator:
    maximum = points(row.max_text)
    reading = read_method(row.method, row.name, maximum or Decimal(0))
    problem = (
        "" if maximum is not None else _("không đọc được điểm tối đa “{text}”", text=row.max_text)
    )
    return DraftIndicator(code, _code(row.code), row, maximum, reading, problem=problem)


class _Builder:
    def __init__(self) -> None:
        self.outline = Outline()

    def pillar(self, row: TableRow) -> None:
        code = str(len(self.outline.pillars) + 1)
        self.outline.pillars.append(DraftPillar(code, _code(row.code), row, points(row.max_text)))

    def indicator(self, row: TableRow) -> None:
        if not self.outline.pillars:
            self.outline.unplaced.append((row, _("chỉ tiêu đứng trước mọi trụ cột")))
            return
        pillar = self.outline.pillars[-1]
        pillar.indicators.append(_indicator(f"{pillar.code}.{len(pillar.indicators) + 1}", row))

    def child(self, row: TableRow, parent_number: str) -> None:
        pillar = self.outline.pillars[-1] if self.outline.pillars else None
        parent = next(
            (
                i
                for i in reversed(pillar.indicators)
                if i.source_code.split(".")[-1] == parent_number
            )
            if pillar
            else iter(()),
            None,
        )
        if parent is None:
            self.outline.unplaced.append(
                (row, _("chỉ tiêu con {code} không có chỉ tiêu cha", code=_code(row.code)))
            )
            return
        parent.children.append(_indicator(f"{parent.code}.{len(parent.children) + 1}", row))


def outline(rows: list[TableRow]) -> Outline:
    """The table's tree; every row that could not be placed is in ``unplaced`` with why."""
    rows = _kept(rows)
    roman = any(_ROMAN.match(_code(r.code)) for r in rows)
    build = _Builder()
    for row in rows:
        code = _code(row.code)
        if _is_total(row):
            build.outline.stated_total = points(row.max_text)
        elif roman and _ROMAN.match(code):
            build.pillar(row)
        elif _DOTTED.match(code):
            depth = code.count(".") + (1 if roman else 0)
            if depth == 0:
                build.pillar(row)
            elif depth == 1:
                build.indicator(row)
            elif depth == 2:
                build.child(row, code.split(".")[-2])
            else:
                build.outline.unplaced.append(
                    (
                        row,
                        _("mã {code} sâu quá ba cấp (trụ cột, chỉ tiêu, chỉ tiêu con)", code=code),
                    )
                )
        else:
            build.outline.unplaced.append((row, _("không đọc được mã “{code}”", code=code)))
    return build.outline
