"""Distribution of totals (histogram) and classification counts, from a ranking."""

from __future__ import annotations

from decimal import Decimal

from desktop.qt import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHBoxLayout,
    QPainter,
    Qt,
    QValueAxis,
    QWidget,
)
from forms.i18n import _
from forms.ranking import Ranking

BINS = 10


def histogram(totals: list[Decimal], maximum: Decimal, bins: int = BINS) -> list[tuple[str, int]]:
    """Counts of totals in ``bins`` equal ranges of [0, maximum]; the last range includes the maximum."""
    width = maximum / bins if maximum > 0 else Decimal(1)
    counts = [0] * bins
    for total in totals:
        counts[min(int(total / width), bins - 1) if total > 0 else 0] += 1
    return [(f"{int(width * i)}–{int(width * (i + 1))}", n) for i, n in enumerate(counts)]


class DistributionChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        self.totals_chart = QChart()
        self.classes_chart = QChart()
        for chart in (self.totals_chart, self.classes_chart):
            chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
            chart.legend().setVisible(False)
            view = QChartView(chart, self)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(220)
            layout.addWidget(view)
        self.bins: list[tuple[str, int]] = []
        self.classes: dict[str, int] = {}

    def _bar(self, chart: QChart, title: str, items: list[tuple[str, int]]) -> None:
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        chart.setTitle(title)
        bar_set = QBarSet(title)
        for _label, count in items:
            bar_set.append(count)
        series = QBarSeries()
        series.append(bar_set)
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append([label for label, _n in items])
        y = QValueAxis()
        y.setRange(0, max([n for _l, n in items] + [1]))
        y.setLabelFormat("%d")
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)

    def show_ranking(self, ranking: Ranking | None) -> None:
        if ranking is None:
            self.bins, self.classes = [], {}
        else:
            self.bins = histogram([r.total for r in ranking.rows], ranking.criteria.total_points)
            self.classes = ranking.classification_counts()
        self._bar(self.totals_chart, _("Phân bố tổng điểm"), self.bins)
        self._bar(self.classes_chart, _("Số đơn vị theo xếp loại"), list(self.classes.items()))
