"""Qt Charts, behind a door of its own: importing it costs about 80 ms, which the main window
must not pay before its first paint. Only modules that draw charts import it; everything else
about Qt still comes through ``desktop.qt``.
"""

from PySide6.QtCharts import (  # noqa: F401
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QValueAxis,
)

import desktop.qt  # noqa: F401  (first: it applies the PySide6 workarounds)
