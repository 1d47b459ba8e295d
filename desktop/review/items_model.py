"""The indicators of a review as a table: code, name, self-assessed, verified, status, comment.

Shared by the reviewer's screen (editable through its detail panel, never in the cells) and
the commune's screen (read-only, with the commune's explanation as an extra column). Flagged
rows (explanation requested) and adjusted rows are tinted so they stand out in a long set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.format import format_points
from desktop.qt import (
    QAbstractTableModel,
    QBrush,
    QColor,
    QFont,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.review.model import ItemStatus, Review, ReviewItem, status_label
from forms.review.scoring import reviewable

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
FLAG_ROLE = Qt.ItemDataRole.UserRole + 2  # True when the reviewer asks for an explanation
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3  # the ItemStatus value
CHANGED_ROLE = Qt.ItemDataRole.UserRole + 4  # True when changed since the superseded submission

FLAGGED_COLOUR = QColor(255, 224, 178)  # light orange: needs the commune's answer
ADJUSTED_COLOUR = QColor(255, 249, 196)  # light yellow: points changed

CODE, NAME, SELF, VERIFIED, STATUS, COMMENT, EXPLANATION = range(7)


class ReviewItemsModel(QAbstractTableModel):
    def __init__(
        self, cs: CriteriaSet, review: Review, *, explanations: bool = False, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.cs = cs
        self.review = review
        self._indicators = reviewable(cs)
        self._rows = {ind.code: row for row, ind in enumerate(self._indicators)}
        self._with_explanations = explanations
        self.explanations: dict[str, str] = {}
        self.changed: set[str] = set()

    # --- updates ----------------------------------------------------------------------

    def set_review(self, review: Review) -> None:
        """Same set, new values: one dataChanged for the whole table."""
        self.review = review
        self._all_changed()

    def set_explanations(self, explanations: Mapping[str, str]) -> None:
        self.explanations = dict(explanations)
        self._all_changed()

    def set_changed(self, codes: set[str]) -> None:
        """Indicators changed since the submission this one supersedes (marked in the name)."""
        self.changed = set(codes)
        self._all_changed()

    def _all_changed(self) -> None:
        if self._indicators:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._indicators) - 1, self.columnCount() - 1)
            )

    def row_of(self, code: str) -> int:
        return self._rows[code]

    def code_at(self, row: int) -> str:
        return self._indicators[row].code

    # --- the model --------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._indicators)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else (7 if self._with_explanations else 6)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        names = [
            _("Mã"),
            _("Chỉ tiêu"),
            _("Tự đánh giá"),
            _("Thẩm định"),
            _("Trạng thái"),
            _("Nhận xét"),
            _("Giải trình của xã"),
        ]
        return names[section] if 0 <= section < len(names) else None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._indicators)):
            return None
        ind = self._indicators[index.row()]
        item = self.review.items.get(ind.code)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(ind, item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                (self._text(ind, item, column) or None)
                if column in (COMMENT, EXPLANATION)
                else None
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return int(right) if column in (SELF, VERIFIED) else None
        return self._decoration(ind, item, role)

    def _decoration(self, ind: Any, item: ReviewItem | None, role: int) -> Any:
        """The row's own roles (code, flag, status, changed) and how it looks (bold, tint)."""
        changed = ind.code in self.changed
        values = {
            CODE_ROLE: lambda: ind.code,
            FLAG_ROLE: lambda: bool(item and item.flagged),
            STATUS_ROLE: lambda: item.status.value if item else None,
            CHANGED_ROLE: lambda: changed,
            Qt.ItemDataRole.FontRole: lambda: _bold() if changed else None,
            Qt.ItemDataRole.BackgroundRole: lambda: _tint(item),
        }
        value = values.get(role)
        return None if value is None else value()

    def _text(self, ind: Any, item: ReviewItem | None, column: int) -> Any:
        if column == CODE:
            return ind.code
        if column == NAME:
            # words, not a symbol: some Windows fonts lack the glyphs
            return (
                f"{ind.name} ({_('đã thay đổi so với lần nộp trước')})"
                if ind.code in self.changed
                else ind.name
            )
        if item is None:
            return ""
        rounding = self.cs.rounding
        if item.self_met is not None and column in (SELF, VERIFIED):
            # a 0-point target: met or not is all there is to show (and to overturn)
            met = item.self_met if column == SELF else item.met
            return _("Đạt") if met else _("Chưa đạt")
        texts = {
            # rounded as the set publishes points: 16,67, not 16,666666666
            SELF: lambda: (
                f"{format_points(item.self_points, rounding)} / {format_points(ind.max_points)}"
            ),
            VERIFIED: lambda: format_points(item.verified_points, rounding),
            STATUS: lambda: status_label(item.status),
            COMMENT: lambda: item.comment,
            EXPLANATION: lambda: self.explanations.get(ind.code, ""),
        }
        text = texts.get(column)
        return None if text is None else text()


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def _tint(item: ReviewItem | None) -> QBrush | None:
    """Flagged rows light orange, adjusted rows light yellow, the rest as the view draws them."""
    if item is None:
        return None
    colour = {ItemStatus.EXPLAIN: FLAGGED_COLOUR, ItemStatus.ADJUSTED: ADJUSTED_COLOUR}.get(
        item.status
    )
    return None if colour is None else QBrush(colour)
