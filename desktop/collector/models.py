"""Table models of collector mode: the inbox of received packages and the ranking.

Both hold plain row objects from ``local_db.collector.reports`` and answer ``SORT_ROLE`` with a
sortable key (numbers as numbers, names by Vietnamese collation), so a ``QSortFilterProxyModel``
sorts them correctly; ``InboxFilter`` adds accent-insensitive search and a status filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop.format import format_points, matches
from desktop.qt import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from forms.i18n import _
from forms.ranking import RankedRow, Ranking
from forms.vi_collate import sort_string
from local_db.collector.reports import InboxRow

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


def status_text(status: str) -> str:
    texts = {
        "current": _("Hiện hành"),
        "superseded": _("Đã bị thay thế"),
        "conflict": _("Mâu thuẫn"),
        "passed_over": _("Không chọn"),
        "rejected": _("Bị từ chối"),
    }
    return texts.get(status, status)


class InboxModel(QAbstractTableModel):
    COLUMNS = ("unit", "group", "year", "revision", "status", "signer", "received", "file")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[InboxRow] = []

    def set_rows(self, rows: Sequence[InboxRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation != Qt.Orientation.Horizontal
            or role != Qt.ItemDataRole.DisplayRole
            or not 0 <= section < len(self.COLUMNS)
        ):
            return None
        titles = (
            _("Đơn vị"),
            _("Nhóm"),
            _("Năm"),
            _("Lần nộp"),
            _("Trạng thái"),
            _("Người ký"),
            _("Nhận lúc"),
            _("Tệp"),
        )
        return titles[section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "unit":
                return f"{row.unit_code} {row.unit_name}".strip()
            if column == "group":
                return row.group
            if column == "year":
                return "" if row.year is None else str(row.year)
            if column == "revision":
                return "" if row.revision is None else str(row.revision)
            if column == "status":
                text = status_text(row.status)
                return f"{text}: {row.reasons[0]}" if row.reasons else text
            if column == "signer":
                return row.signer + (f" ← {row.forwarded_by}" if row.forwarded_by else "")
            if column == "received":
                return row.received_at.replace("T", " ")[:19]
            return row.file_name
        if role == Qt.ItemDataRole.ToolTipRole and column == "status" and row.reasons:
            return "\n".join(row.reasons)
        if role == SORT_ROLE:
            if column in ("year", "revision"):
                return -1 if getattr(row, column) is None else int(getattr(row, column))
            if column == "unit":
                return sort_string(row.unit_name) + row.unit_code
            if column == "group":
                return sort_string(row.group)
            return str(self.data(index, Qt.ItemDataRole.DisplayRole))
        return None


class InboxFilter(QSortFilterProxyModel):
    """Accent-insensitive text search over every column, plus one status (or all)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.status = ""
        self.setSortRole(SORT_ROLE)

    # begin/endFilterChange replace invalidateFilter (deprecated since Qt 6.10)
    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.text = text
        self.endFilterChange()

    def set_status(self, status: str) -> None:
        self.beginFilterChange()
        self.status = status
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, InboxModel) or not 0 <= source_row < len(model.rows):
            return True
        row = model.rows[source_row]
        if self.status and row.status != self.status:
            return False
        return not self.text or matches(
            self.text,
            row.unit_code,
            row.unit_name,
            row.group,
            row.file_name,
            row.signer,
            status_text(row.status),
        )


class RankingModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.ranking: Ranking | None = None
        self.rows: list[RankedRow] = []
        self.pillars: list[tuple[str, str]] = []

    def set_ranking(self, ranking: Ranking | None) -> None:
        self.beginResetModel()
        self.ranking = ranking
        self.rows = list(ranking.rows) if ranking else []
        self.pillars = [(p.code, p.name) for p in ranking.criteria.pillars] if ranking else []
        self.endResetModel()

    def _columns(self) -> list[str]:
        return [
            "rank",
            "group_rank",
            "group",
            "unit",
            *[f"p:{c}" for c, _n in self.pillars],
            "total",
            "class",
            "change",
        ]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        columns = self._columns()
        if (
            orientation != Qt.Orientation.Horizontal
            or role != Qt.ItemDataRole.DisplayRole
            or not 0 <= section < len(columns)
        ):
            return None
        column = columns[section]
        if column.startswith("p:"):
            return dict(self.pillars)[column[2:]]
        titles = {
            "rank": _("Hạng"), "group_rank": _("Hạng trong nhóm"), "group": _("Nhóm"), "unit": _("Đơn vị"),
            "total": _("Tổng điểm"), "class": _("Xếp loại"), "change": _("So với năm trước"),
        }  # fmt: skip
        return titles[column]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = self._columns()[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column in ("rank", "group_rank"):
                value = getattr(row, column)
                return "-" if value is None else str(value)
            if column == "group":
                return row.group
            if column == "unit":
                return row.name
            if column.startswith("p:"):
                return format_points(row.pillars[column[2:]])
            if column == "total":
                return format_points(row.total)
            if column == "class":
                return row.classification
            change = row.rank_change
            if change is None:
                return ""
            return (
                _("lên {n} bậc", n=change)
                if change > 0
                else (_("xuống {n} bậc", n=-change) if change < 0 else _("giữ nguyên"))
            )
        if role == SORT_ROLE:
            if column in ("rank", "group_rank"):
                value = getattr(row, column)
                return 1_000_000 if value is None else value
            if column.startswith("p:"):
                return float(row.pillars[column[2:]])
            if column == "total":
                return float(row.total)
            if column == "change":
                return -1_000_000 if row.rank_change is None else row.rank_change
            return sort_string(str(self.data(index, Qt.ItemDataRole.DisplayRole)))
        if role == Qt.ItemDataRole.TextAlignmentRole and (
            column.startswith("p:") or column in ("total", "rank", "group_rank")
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
