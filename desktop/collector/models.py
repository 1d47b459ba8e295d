"""Table models of collector mode: the inbox of received packages and the ranking.

Both hold plain row objects from ``local_db.collector.reports`` and sort themselves on keys
computed once per row (numbers as numbers, names by Vietnamese collation; ``_SortedTable``);
the proxies in front (``SortPassingProxy``, ``InboxFilter`` with accent-insensitive search and
a status filter) only filter and pass sorting on. ``SORT_ROLE`` still answers each key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from desktop.format import format_moment, format_points, matches
from desktop.qt import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from forms.criteria import Pillar
from forms.i18n import _
from forms.ranking import RankedRow, Ranking
from forms.vi_collate import sort_string, unit_sort_string
from local_db.collector.reports import InboxRow
from local_db.review.standing import (
    EXPLANATION_PENDING,
    SELF_ASSESSED,
    VERIFIED,
    verification_label,
)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
Index: TypeAlias = QModelIndex | QPersistentModelIndex


def mark_text(state: str) -> str:
    """A unit's verification, short enough for a ranking column (the tooltip says it whole)."""
    texts = {
        VERIFIED: _("✓ Đã thẩm định"),
        EXPLANATION_PENDING: _("Chờ giải trình"),
        SELF_ASSESSED: _("Tự đánh giá"),
    }
    return texts.get(state, state)


def status_text(status: str) -> str:
    texts = {
        "current": _("Hiện hành"),
        "superseded": _("Đã bị thay thế"),
        "conflict": _("Mâu thuẫn"),
        "passed_over": _("Không chọn"),
        "rejected": _("Bị từ chối"),
    }
    return texts.get(status, status)


class _SortedTable(QAbstractTableModel):
    """A table that sorts itself, in Python, on sort keys computed once per row.

    A ``QSortFilterProxyModel`` sorting 3,321 rows asks ``data()`` for two keys per comparison,
    ~80,000 calls from C++ into Python: 0.4 s of frozen window after a province's merge.
    Here ``sorted`` runs on the precomputed keys (milliseconds); the proxies in front only
    filter and pass ``sort`` on (``SortPassingProxy``)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []
        self._sort_keys: list[tuple[Any, ...]] = []
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder

    def _order(self) -> list[int]:
        """Row positions in the current sort order (stable: equal keys keep their order)."""
        positions = list(range(len(self.rows)))
        column = self._sort_column
        if column < 0 or not self._sort_keys or column >= len(self._sort_keys[0]):
            return positions
        keys = self._sort_keys
        return sorted(
            positions,
            key=lambda r: keys[r][column],
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )

    def _apply_order(self) -> list[int]:
        order = self._order()
        self.rows = [self.rows[r] for r in order]
        self._sort_keys = [self._sort_keys[r] for r in order]
        return order

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        moved_from = self._apply_order()
        new_row = {previous: now for now, previous in enumerate(moved_from)}
        self.changePersistentIndexList(old, [self.index(new_row[i.row()], i.column()) for i in old])
        self.layoutChanged.emit()

    def _reset(self, rows: Sequence[Any], keys: Sequence[tuple[Any, ...]]) -> None:
        """Replace every row (inside begin/endResetModel), sorted as the view last asked."""
        self.rows = list(rows)
        self._sort_keys = list(keys)
        self._apply_order()


class SortPassingProxy(QSortFilterProxyModel):
    """Filters only; sorting is the source model's (see ``_SortedTable``)."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, _SortedTable):
            source.sort(column, order)
        else:
            super().sort(column, order)


class InboxModel(_SortedTable):
    COLUMNS = ("unit", "group", "year", "revision", "status", "signer", "received", "file")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[InboxRow] = []

    def set_rows(
        self, rows: Sequence[InboxRow], keys: Sequence[tuple[Any, ...]] | None = None
    ) -> None:
        """Show ``rows``; ``keys`` are their ``sort_keys`` when computed already (off the GUI
        thread, for thousands of rows)."""
        self.beginResetModel()
        self._reset(rows, keys if keys is not None else self.sort_keys(rows))
        self.endResetModel()

    @classmethod
    def sort_keys(cls, rows: Sequence[InboxRow]) -> list[tuple[Any, ...]]:
        """Each row's key per column. No Qt: any thread may compute them."""
        out = []
        for row in rows:
            keys: list[Any] = []
            for column in cls.COLUMNS:
                if column in ("year", "revision"):
                    value = getattr(row, column)
                    keys.append(-1 if value is None else int(value))
                elif column == "unit":
                    keys.append(unit_sort_string(row.unit_name) + row.unit_code)
                elif column == "group":
                    keys.append(sort_string(row.group))
                else:
                    keys.append(cls._display(row, column))
            out.append(tuple(keys))
        return out

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

    @staticmethod
    def _display(row: InboxRow, column: str) -> str:
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
            return format_moment(row.received_at)
        return row.file_name

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role == SORT_ROLE:
            return self._sort_keys[index.row()][index.column()]
        row = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == "status" and row.reasons:
            return "\n".join(row.reasons)
        if role == Qt.ItemDataRole.ToolTipRole and column in ("unit", "file"):
            return self._display(row, column)  # an elided name, whole
        return None


class InboxFilter(SortPassingProxy):
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


class RankingModel(_SortedTable):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.ranking: Ranking | None = None
        self.rows: list[RankedRow] = []
        self.pillars: list[tuple[str, str]] = []
        self.marks: dict[str, str] = {}
        self._column_names: list[str] = []

    def set_ranking(
        self,
        ranking: Ranking | None,
        keys: Sequence[tuple[Any, ...]] | None = None,
        marks: Mapping[str, str] | None = None,
    ) -> None:
        """Show ``ranking``; ``keys`` are its ``sort_keys`` when computed already; ``marks``
        (unit code: verified / explanation_pending / self_assessed, from
        ``CollectorStore.verification_marks``) add the verification column once reviews exist."""
        self.beginResetModel()
        self.ranking = ranking
        self.marks = dict(marks or {})
        self.pillars = [(p.code, p.name) for p in _charted(ranking)]
        self._column_names = self.column_names(ranking, bool(self.marks))
        if keys is None:
            keys = self.sort_keys(ranking, self.marks)
        self._reset(ranking.rows if ranking else [], keys)
        self.endResetModel()

    @staticmethod
    def column_names(ranking: Ranking | None, marked: bool = False) -> list[str]:
        pillars = [p.code for p in _charted(ranking)]
        targets = ["targets"] if ranking is not None and ranking.criteria.targets() else []
        return ["rank", "group_rank", "group", "unit", *(["mark"] if marked else []),
                *[f"p:{c}" for c in pillars], "total", "class", *targets, "change"]  # fmt: skip

    @classmethod
    def sort_keys(
        cls, ranking: Ranking | None, marks: Mapping[str, str] | None = None
    ) -> list[tuple[Any, ...]]:
        """Each row's key per column. No Qt: any thread may compute them."""
        names = cls.column_names(ranking, bool(marks))
        rows = ranking.rows if ranking else []
        marks = marks or {}
        return [
            tuple(
                mark_text(marks.get(row.unit_code, SELF_ASSESSED))
                if column == "mark"
                else cls._sort_key(row, column)
                for column in names
            )
            for row in rows
        ]

    def _columns(self) -> list[str]:
        return self._column_names

    @classmethod
    def _sort_key(cls, row: RankedRow, column: str) -> Any:
        if column in ("rank", "group_rank"):
            value = getattr(row, column)
            return 1_000_000 if value is None else value
        if column.startswith("p:"):
            return float(row.pillars[column[2:]])
        if column == "total":
            return float(row.total)
        if column == "targets":
            return -1 if row.targets_met is None else row.targets_met
        if column == "change":
            return -1_000_000 if row.rank_change is None else row.rank_change
        return sort_string(str(cls._display(row, column)))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        columns = self._columns()
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole title of an elided header
            role = Qt.ItemDataRole.DisplayRole
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
            "mark": _("Thẩm định"), "total": _("Tổng điểm"), "class": _("Xếp loại"), "change": _("So với năm trước"),
            "targets": _("Chỉ tiêu đạt"),
        }  # fmt: skip
        return titles[column]

    @staticmethod
    def _display(row: RankedRow, column: str) -> str:
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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role == SORT_ROLE:
            return self._sort_keys[index.row()][index.column()]
        row = self.rows[index.row()]
        column = self._column_names[index.column()]
        if column == "mark" and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            state = self.marks.get(row.unit_code, SELF_ASSESSED)
            return (
                mark_text(state)
                if role == Qt.ItemDataRole.DisplayRole
                else verification_label(state)
            )
        if column == "targets" and role == Qt.ItemDataRole.DisplayRole:
            assert self.ranking is not None
            met = row.targets_met
            return "" if met is None else f"{met}/{len(self.ranking.criteria.targets())}"
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == "unit":
            return row.name
        if role == Qt.ItemDataRole.TextAlignmentRole and (
            column.startswith("p:") or column in ("total", "rank", "group_rank", "targets")
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _charted(ranking: Ranking | None) -> list[Pillar]:
    """The pillars with a column: an information block ("Thông tin chung") has no points."""
    return [p for p in ranking.criteria.pillars if not p.unscored] if ranking else []
