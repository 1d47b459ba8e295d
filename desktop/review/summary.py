"""Self-assessed vs verified, pillar by pillar, with the classification each total gives."""

from __future__ import annotations

from desktop.format import format_points
from desktop.qt import (
    QLabel,
    QStandardItem,
    QStandardItemModel,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.review.model import Review
from forms.review.scoring import Comparison, pillar_comparison, self_score, verified_score


def comparison_of(cs: CriteriaSet, review: Review) -> Comparison:
    return pillar_comparison(cs, self_score(cs, review), verified_score(cs, review))


class SummaryTable(QWidget):
    def __init__(self, cs: CriteriaSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cs = cs
        self.model = QStandardItemModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.classification = QLabel(self)
        self.classification.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(self.classification)

    def show_review(self, review: Review) -> Comparison:
        comparison = comparison_of(self.cs, review)
        self.model.clear()
        self.model.setHorizontalHeaderLabels(
            [_("Trụ cột"), _("Tối đa"), _("Tự đánh giá"), _("Thẩm định"), _("Chênh lệch")]
        )
        for line in (*comparison.pillars, comparison.total):
            name = f"{line.code}. {line.name}" if line.code else _("Tổng điểm")
            cells = [name, format_points(line.max_points), format_points(line.self_points),
                     format_points(line.verified_points), format_points(line.difference)]  # fmt: skip
            row = [QStandardItem(text) for text in cells]
            for cell in row[1:]:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.model.appendRow(row)
        self.view.resizeColumnsToContents()
        self.classification.setText(
            _("Xếp loại theo điểm tự đánh giá: {self_class}; theo điểm thẩm định: {verified_class}",
              self_class=comparison.self_classification, verified_class=comparison.verified_classification)
        )  # fmt: skip
        return comparison
