"""Distribution of totals (histogram) and classification counts, from a ranking."""

from __future__ import annotations

from decimal import Decimal

from desktop.qt import (
    QHBoxLayout,
    QPainter,
    Qt,
    QWidget,
)
from desktop.qt_charts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QValueAxis,
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
    # Only the lower bound in the label: "0–100" … "900–1000" were cut to "10…" on a laptop.
    return [(f"{int(width * i)}", n) for i, n in enumerate(counts)]


def count_axis_step(top: int) -> int:
    """A whole-number tick step giving at most ~6 ticks: counts are units, never fractions."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if top <= step * 6:
            return step
    return max(1, top // 6)


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

    def _bar(
        self, chart: QChart, title: str, items: list[tuple[str, int]], axis_title: str = ""
    ) -> None:
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
        if axis_title:
            x.setTitleText(axis_title)
        y = QValueAxis()
        top = max([n for _l, n in items] + [1])
        step = count_axis_step(top)
        # ticks on whole numbers, else a bar of 3 sits between labels "2" and "4" (read as ~2.6)
        y.setRange(0, step * -(-top // step))
        y.setTickType(QValueAxis.TickType.TicksDynamic)
        y.setTickAnchor(0)
        y.setTickInterval(step)
        y.setLabelFormat("%d")
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)

    @staticmethod
    def _bin_width(ranking: Ranking | None) -> int:
        return int(ranking.criteria.total_points / BINS) if ranking is not None else 100

    def show_ranking(self, ranking: Ranking | None) -> None:
        if ranking is None:
            self.bins, self.classes = [], {}
        else:
            self.bins = histogram([r.total for r in ranking.rows], ranking.criteria.total_points)
            self.classes = ranking.classification_counts()
        self._bar(
            self.totals_chart,
            _("Phân bố tổng điểm"),
            self.bins,
            _("Tổng điểm từ mức (mỗi cột một khoảng {width} điểm)", width=self._bin_width(ranking)),
        )
        self._bar(self.classes_chart, _("Số đơn vị theo xếp loại"), list(self.classes.items()))
