"""Points per pillar against the pillar's maximum, with last year's points beside them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from desktop.assessment.session import AssessmentSession
from desktop.format import format_points
from desktop.qt import (
    QColor,
    QLabel,
    QPainter,
    Qt,
    QVBoxLayout,
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


class OverviewChart(QWidget):
    def __init__(
        self,
        session: AssessmentSession,
        previous_pillars: Mapping[str, Decimal] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.previous = previous_pillars or {}
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.view = QChartView(self.chart, self)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        layout.addWidget(self.view, 1)
        self.refresh()

    def values(self) -> list[tuple[str, Decimal, Decimal, Decimal | None]]:
        """(label, points, maximum, last year's points or None) per pillar."""
        sc = self.session.score()
        out = []
        for pillar in self.session.cs.pillars:
            if pillar.unscored:
                continue  # an information block has no points to chart
            prev = self.previous.get(pillar.code)
            out.append(
                (
                    pillar.code,
                    sc.pillars[pillar.code],
                    pillar.max_points,
                    Decimal(str(prev)) if prev is not None else None,
                )
            )
        return out

    def refresh(self) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        rows = self.values()
        current = QBarSet(_("Điểm năm {year}", year=self.session.year))
        current.setColor(QColor("#1e88e5"))
        maximum = QBarSet(_("Điểm tối đa"))
        maximum.setColor(QColor("#cfd8dc"))
        series = QBarSeries()
        sets = [maximum, current]
        previous = None
        if self.previous:
            previous = QBarSet(_("Điểm năm {year}", year=self.session.year - 1))
            previous.setColor(QColor("#9e9e9e"))
            sets.insert(1, previous)
        for _code, points, pillar_max, prev in rows:
            current.append(float(points))
            maximum.append(float(pillar_max))
            if previous is not None:
                previous.append(float(prev) if prev is not None else 0.0)
        for s in sets:
            series.append(s)
        self.chart.addSeries(series)
        categories = [_("Trụ cột {code}", code=code) for code, *_rest in rows]
        axis_x = QBarCategoryAxis()
        axis_x.append(categories)
        self.chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        axis_y = QValueAxis()
        top = max((float(r[2]) for r in rows), default=1.0)
        axis_y.setRange(0, top * 1.15)
        axis_y.setLabelFormat("%d")
        axis_y.applyNiceNumbers()
        axis_y.setTitleText(_("Điểm"))
        self.chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)
        self.chart.setTitle(_("Điểm theo trụ cột"))
        self.summary.setText("\n".join(self.summary_lines(rows)))

    def summary_lines(self, rows: list[tuple[str, Decimal, Decimal, Decimal | None]]) -> list[str]:
        """The total, the targets met (a set with targets) and each charted pillar, with the
        set's rounding (an information block is not charted, so not listed either)."""
        cs = self.session.cs
        sc = self.session.score()
        lines = [
            _(
                "Tổng điểm: {points}/{max}",
                points=format_points(sc.published_total, cs.rounding),
                max=format_points(cs.total_points),
            )
            + " · "
            + _("Xếp loại dự kiến: {label}", label=sc.classification)
        ]
        if sc.targets_total:
            lines.append(
                _("Chỉ tiêu đạt: {met}/{total}", met=sc.targets_met, total=sc.targets_total)
            )
        names = {p.code: p.name for p in cs.pillars}
        for code, points, pillar_max, prev in rows:
            line = _("{code}. {name}: {points}/{max}", code=code, name=names[code],
                     points=format_points(points, cs.rounding), max=format_points(pillar_max))  # fmt: skip
            if prev is not None:
                line += " " + _("(năm trước: {points})", points=format_points(prev, cs.rounding))
            lines.append(line)
        return lines
