"""The tree of pillars and indicators: status icon, code + name, points / maximum.

The structure is the criteria set's (fixed while the session is open); statuses and points
are read from the session on demand, and ``refresh(code)`` announces the rows an edit can
change (the indicator, its parents, its pillar). ``TreeFilter`` adds "only unfinished" and an
accent-insensitive find on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktop.assessment.checks import Status, combine
from desktop.assessment.session import AssessmentSession
from desktop.format import format_points, matches
from desktop.icons import status_icon
from desktop.qt import (
    QAbstractItemModel,
    QBrush,
    QColor,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from forms.applicability import why_text
from forms.criteria import Indicator, Pillar
from forms.i18n import _
from forms.scoring import is_met, readers

_ROOT = QModelIndex()  # the invalid index, as a default argument (never mutated)
CODE_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3
GREY = "#8a8a8a"  # what does not apply to the unit


def status_text(status: Status) -> str:
    return {
        Status.EMPTY: _("chưa trả lời"),
        Status.INCOMPLETE: _("chưa đủ"),
        Status.ERRORS: _("có lỗi"),
        Status.EVIDENCE_MISSING: _("thiếu tài liệu kiểm chứng"),
        Status.COMPLETE: _("hoàn thành"),
    }[status]


@dataclass(eq=False)
class Node:
    kind: str  # "root", "pillar", "indicator"
    code: str
    name: str
    max_points: Decimal | None  # None for the root
    parent: Node | None
    row: int
    item: Pillar | Indicator | None = None
    children: list[Node] = field(default_factory=list)


def _build(session: AssessmentSession) -> tuple[Node, dict[str, Node]]:
    root = Node("root", "", "", None, None, 0)
    index: dict[str, Node] = {}

    def add_indicator(ind: Indicator, parent: Node) -> None:
        node = Node(
            "indicator", ind.code, ind.name, ind.max_points, parent, len(parent.children), ind
        )
        parent.children.append(node)
        index[ind.code] = node
        for child in ind.children:
            add_indicator(child, node)

    for pillar in session.cs.pillars:
        pnode = Node(
            "pillar", pillar.code, pillar.name, pillar.max_points, root, len(root.children), pillar
        )
        root.children.append(pnode)
        index[f"pillar:{pillar.code}"] = pnode
        for ind in pillar.indicators:
            add_indicator(ind, pnode)
    return root, index


class AssessmentTreeModel(QAbstractItemModel):
    COLUMNS = 2

    def __init__(self, session: AssessmentSession, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self._root, self._nodes = _build(session)
        self._readers = readers(session.cs)
        session.changed.connect(self.refresh)

    # --- structure ------------------------------------------------------------------

    def _node(self, index: QModelIndex | QPersistentModelIndex) -> Node:
        return index.internalPointer() if index.isValid() else self._root

    def index(
        self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        node = self._node(parent)
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: QModelIndex | QPersistentModelIndex = _ROOT):
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        parent = node.parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return self.COLUMNS

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (_("Chỉ tiêu"), _("Điểm"))[section] if 0 <= section < 2 else None
        return None

    # --- content --------------------------------------------------------------------

    def status_of(self, node: Node) -> Status:
        if node.kind == "pillar":
            assert isinstance(node.item, Pillar)
            return combine([self.session.status(ind) for ind in node.item.indicators])
        assert isinstance(node.item, Indicator)
        return self.session.status(node.item)

    def _points(self, node: Node) -> Decimal | None:
        sc = self.session.score()
        if node.kind == "pillar":
            return sc.pillars.get(node.code)
        return sc.indicators.get(node.code)

    def _maximum(self, node: Node) -> Decimal | None:
        """The maximum that applies to the unit (issue 16), or the set's."""
        sc = self.session.score()
        found = sc.applicable_pillars if node.kind == "pillar" else sc.applicable_indicators
        return found.get(node.code, node.max_points)

    def _not_applicable_tip(self, node: Node) -> str | None:
        why = self.session.score().not_applicable.get(node.code)
        if why is None:
            return None
        return why_text(self.session.cs, node.code, why, self.session.marks)

    def _points_text(self, node: Node) -> str:
        """ "7,5/10"; an unscored indicator or information block says so instead of "0/0",
        and a target says whether it is met."""
        item = node.item
        if isinstance(item, (Pillar, Indicator)) and item.unscored:
            return _("không tính điểm")
        if node.code in self.session.score().not_applicable:
            return _("không áp dụng")
        text = self.points_text(self._points(node), self._maximum(node))
        if isinstance(item, Indicator):
            met = is_met(item, self.session.answers)
            if met is not None:
                state = _("đạt") if met else _("chưa đạt")
                return state if item.max_points == 0 else f"{state} · {text}"
        return text

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return (
                    f"{node.code}. {node.name}"
                    if node.kind == "pillar"
                    else f"{node.code} {node.name}"
                )
            return self._points_text(node)
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return status_icon(self.status_of(node))
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._not_applicable_tip(node)
            return f"{node.code} {node.name} — {tip or status_text(self.status_of(node))}"
        if role == Qt.ItemDataRole.ForegroundRole and self._not_applicable_tip(node):
            return QBrush(QColor(GREY))  # greyed: nothing to answer, and why in the tip
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == CODE_ROLE:
            return node.code if node.kind == "indicator" else None
        if role == STATUS_ROLE:
            return self.status_of(node).value
        if role == SEARCH_ROLE:
            return f"{node.code} {node.name}"
        return None

    def points_text(self, points: Decimal | None, max_points: Decimal | None) -> str:
        """``12,5/20``: the points rounded as the set rounds them, so the column's width has a
        bound (a ratio's 13.3333… would otherwise widen it)."""
        rounding = self.session.cs.rounding
        return f"{format_points(points, rounding)}/{format_points(max_points, rounding)}"

    def widest_points_texts(self) -> list[str]:
        """For each maximum in the set, the widest points text its rows can show (points never
        exceed the maximum: its digits, and the set's decimals): the column is sized for these
        once, so it does not jump as the officer types (``00,00/20``)."""
        rounding = self.session.cs.rounding
        smallest = Decimal(1).scaleb(-rounding.decimals)  # 0.01: every decimal place shown
        texts = set()
        for node in self._nodes.values():
            if node.max_points is None:
                continue
            whole = format_points(node.max_points, rounding)
            longest = format_points(Decimal(int(node.max_points)) + smallest, rounding)
            digits = "".join("0" if ch.isdigit() else ch for ch in longest)
            texts.add(f"{digits}/{whole}")
        return sorted(texts)

    def heading_of(self, code: str) -> str:
        """``Trụ cột 2. Thể chế số`` for an indicator of pillar 2; a sub-indicator adds its
        parents (``… › 2.2 Ban hành văn bản``)."""
        node = self._nodes.get(code)
        chain: list[Node] = []
        while node is not None and node.kind != "root":
            chain.insert(0, node)
            node = node.parent
        if not chain or chain[0].kind != "pillar":
            return ""
        pillar, parents = chain[0], chain[1:-1]
        text = _("Trụ cột {code}. {name}", code=pillar.code, name=pillar.name)
        return " › ".join([text, *(f"{p.code} {p.name}" for p in parents)])

    # --- lookups and change ---------------------------------------------------------

    def index_of(self, code: str) -> QModelIndex:
        node = self._nodes.get(code)
        if node is None:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    def refresh(self, code: str) -> None:
        """The rows whose status or points an edit of ``code`` can change: its own and its
        parents', and those of the indicators whose rule reads one of its fields."""
        self._refresh_up(code)
        for reader in self._readers.get(code, ()):
            self._refresh_up(reader)

    def _refresh_up(self, code: str) -> None:
        node = self._nodes.get(code)
        while node is not None and node is not self._root:
            left = self.createIndex(node.row, 0, node)
            right = self.createIndex(node.row, self.COLUMNS - 1, node)
            self.dataChanged.emit(
                left, right, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole]
            )
            node = node.parent

    def refresh_all(self) -> None:
        self.beginResetModel()
        self.endResetModel()


class TreeFilter(QSortFilterProxyModel):
    """Only unfinished indicators and/or a find text; parents stay while a child matches."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._only_unfinished = False
        self._query = ""
        self._pinned = ""
        self.setRecursiveFilteringEnabled(True)

    def pin(self, code: str) -> None:
        """The open indicator stays listed under "only unfinished" once it is complete:
        a row must not vanish (and the page switch away) under the officer's typing."""
        if code == self._pinned:
            return
        if self._only_unfinished:
            self.beginFilterChange()
            self._pinned = code
            self.endFilterChange()
        else:
            self._pinned = code

    def set_only_unfinished(self, on: bool) -> None:
        # begin/endFilterChange replace invalidateFilter (deprecated since Qt 6.10)
        self.beginFilterChange()
        self._only_unfinished = on
        self.endFilterChange()

    def set_query(self, text: str) -> None:
        self.beginFilterChange()
        self._query = text.strip()
        self.endFilterChange()

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        if index.data(CODE_ROLE) is None:  # pillars show when a child shows (recursive filtering)
            return not self._only_unfinished and not self._query
        node: Node = index.internalPointer()
        if (
            self._only_unfinished
            and not node.children
            and node.code != self._pinned
            and index.data(STATUS_ROLE) == Status.COMPLETE.value
        ):
            return False
        if self._only_unfinished and node.children:
            return False  # a parent shows only through its unfinished children
        return not self._query or matches(self._query, index.data(SEARCH_ROLE) or "")
