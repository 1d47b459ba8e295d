"""Table columns that fit the window: a province's ranking on a 1366×768 office laptop.

``compact`` makes rows one line high (no word wrap, long names elided with "…"), so at least
25 rows show once the charts are collapsed. ``ColumnFitter`` measures each column once when
the table first has rows (what its content and header want, and how narrow it may go: its
content up to ~10 characters, the name column up to ~18) and shares the viewport's width
between them whenever it changes: columns get what they want when there is room, else each is
shrunk between its floor and its want in the same proportion, so the last columns ("Tổng
điểm", "Xếp loại") stay on screen without scrolling; a header that no longer fits is elided
(its tooltip keeps the whole title).
"""

from __future__ import annotations

from desktop.qt import QEvent, QHeaderView, QObject, Qt, QTableView

SAMPLED_ROWS = 50  # measuring is slow (~2 ms a row): a sample is enough


def compact(view: QTableView) -> None:
    """One line per row, names elided instead of wrapped."""
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    rows = view.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 6)
    view.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)


def share(wants: list[int], floors: list[int], available: int) -> list[int]:
    """Widths that fit ``available``: ``wants`` when they do, else each column shrunk between
    its floor and its want in one proportion; below the floors, in proportion to the floors."""
    total = sum(wants)
    if total <= available:
        return list(wants)
    low = sum(floors)
    if low >= available:
        scale = available / low if low else 0.0
        return [max(12, int(f * scale)) for f in floors]
    t = (available - low) / (total - low)
    return [int(f + (w - f) * t) for w, f in zip(wants, floors, strict=True)]


class ColumnFitter(QObject):
    """Keeps ``view``'s columns within its viewport (see the module's docstring)."""

    def __init__(self, view: QTableView, name_column: int) -> None:
        super().__init__(view)
        self.view = view
        self.name_column = name_column
        self.wants: list[int] = []
        self.floors: list[int] = []
        view.viewport().installEventFilter(self)
        view.horizontalHeader().setResizeContentsPrecision(SAMPLED_ROWS)

    @property
    def measured(self) -> bool:
        return bool(self.wants)

    def measure(self) -> None:
        """What each column wants (content and header) and may go down to; then fit."""
        view, header = self.view, self.view.horizontalHeader()
        model = view.model()
        if model is None or model.rowCount() == 0:
            return
        em = view.fontMetrics().horizontalAdvance("M")
        wants, floors = [], []
        for column in range(model.columnCount()):
            content = view.sizeHintForColumn(column)
            wants.append(max(content, header.sectionSizeHint(column)))
            cap = em * (18 if column == self.name_column else 10)
            floors.append(max(min(content, cap), em * 2))
        self.wants, self.floors = wants, floors
        self.fit()

    def fit(self) -> None:
        if not self.measured or len(self.wants) != self.view.horizontalHeader().count():
            return
        header = self.view.horizontalHeader()
        available = self.view.viewport().width() - 2
        for column, width in enumerate(share(self.wants, self.floors, available)):
            header.resizeSection(column, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and watched is self.view.viewport():
            self.fit()
        return False
