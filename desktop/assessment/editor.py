"""The assessment editor: the tree (with filter and find) beside the open indicator's page."""

from __future__ import annotations

from typing import cast

from desktop import settings as opts
from desktop.assessment.checks import Status
from desktop.assessment.page import IndicatorPage
from desktop.assessment.session import AssessmentSession
from desktop.assessment.tree_model import CODE_ROLE, AssessmentTreeModel, TreeFilter
from desktop.qt import (
    QAbstractItemView,
    QCheckBox,
    QFont,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QModelIndex,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    Qt,
    QTreeView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.i18n import _


class AssessmentEditor(QWidget):
    current_changed = Signal(str)

    def __init__(
        self,
        session: AssessmentSession,
        runner: TaskRunner,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.settings = settings
        self.model = AssessmentTreeModel(session, self)
        self.proxy = TreeFilter(self)
        self.proxy.setSourceModel(self.model)
        self._pages: dict[str, QScrollArea] = {}
        self._stale: set[str] = set()  # built pages whose inputs may show old values
        self.current_code = ""
        left = self._build_tree_side()
        self._build_page_stack()
        self._build_splitter(left)

        self.tree.selectionModel().currentChanged.connect(self._tree_current_changed)
        self.find_edit.textChanged.connect(self._filter_changed)
        self.only_unfinished.toggled.connect(self._unfinished_toggled)
        session.changed.connect(self._session_changed)
        setTabOrder = QWidget.setTabOrder
        setTabOrder(self.find_edit, self.only_unfinished)
        setTabOrder(self.only_unfinished, self.tree)

    def _build_tree_side(self) -> QWidget:
        """Find, the unfinished-only filter and the tree of indicators."""
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.find_edit = QLineEdit(left)
        self.find_edit.setPlaceholderText(_("Tìm theo mã hoặc tên (Ctrl+F)"))
        self.find_edit.setClearButtonEnabled(True)
        self.only_unfinished = QCheckBox(_("Chỉ hiện chỉ tiêu chưa hoàn thành"), left)
        self.tree = QTreeView(left)
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._fix_points_column()
        self.tree.expandAll()
        self.empty_filter = QLabel(_("Không có chỉ tiêu nào khớp."), left)
        self.empty_filter.setVisible(False)
        left_layout.addWidget(self.find_edit)
        left_layout.addWidget(self.only_unfinished)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.empty_filter)
        return left

    def _fix_points_column(self) -> None:
        """The points column sized once for the widest text it can show (``00,00/20``), not to
        its contents: ResizeToContents made it, and the names beside it, jump as points
        changed from ``0/20`` to ``12,5/20`` under the officer's typing."""
        header = self.tree.header()
        metrics = self.tree.fontMetrics()
        texts = [
            *self.model.widest_points_texts(),
            self.model.headerData(1, Qt.Orientation.Horizontal),
        ]
        width = max(metrics.horizontalAdvance(text) for text in texts)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, width + metrics.averageCharWidth() * 3)

    def _build_page_stack(self) -> None:
        self.right = QWidget(self)
        # the pillar of the open indicator, always in view whatever the tree's scroll
        self.heading = QLabel(self.right)
        self.heading.setObjectName("pillarHeading")
        self.heading.setWordWrap(True)
        font = QFont(self.heading.font())
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setVisible(False)
        em = self.heading.fontMetrics().averageCharWidth()
        self.heading.setContentsMargins(em, em // 2, em, 0)  # in line with the page's text
        self.stack = QStackedWidget(self.right)
        placeholder = QLabel(_("Chọn một chỉ tiêu ở danh sách bên trái."), self.stack)
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(placeholder)
        layout = QVBoxLayout(self.right)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.stack, 1)

    def _build_splitter(self, left: QWidget) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        em = self.fontMetrics().averageCharWidth()
        self.splitter.setSizes([em * 60, em * 100])  # room for "5.3.2 Tỷ lệ ..." in the tree
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    # --- pages ----------------------------------------------------------------------

    def page(self, code: str) -> IndicatorPage:
        area = self._pages.get(code)
        if area is None:
            page = IndicatorPage(
                self.session, self.session.cs.indicator(code), self.runner, self.settings
            )
            page.open_indicator.connect(self.open)
            area = QScrollArea(self.stack)
            area.setWidgetResizable(True)
            area.setFrameShape(QScrollArea.Shape.NoFrame)
            area.setWidget(page)
            self.stack.addWidget(area)
            self._pages[code] = area
        return cast(IndicatorPage, area.widget())

    def current_page(self) -> IndicatorPage | None:
        return self.page(self.current_code) if self.current_code else None

    def open(self, code: str) -> None:
        """Show ``code``'s page and select it in the tree (clearing a filter hiding it)."""
        if code == self.current_code:
            return
        previous = self.current_page()
        if previous is not None:
            previous.flush()
        page = self.page(code)
        # values are re-read only when they changed while the page was hidden: re-setting
        # every input on each visit costs a relayout (see benchmarks/bench_gui.py)
        page.refresh(load_values=code in self._stale)
        self._stale.discard(code)
        self.current_code = code
        self.proxy.pin(code)
        self.stack.setCurrentWidget(self._pages[code])
        self.heading.setText(self.model.heading_of(code))
        self.heading.setVisible(bool(self.heading.text()))
        index = self.proxy.mapFromSource(self.model.index_of(code))
        if not index.isValid() and (self.find_edit.text() or self.only_unfinished.isChecked()):
            self.find_edit.clear()
            self.only_unfinished.setChecked(False)
            index = self.proxy.mapFromSource(self.model.index_of(code))
        if index.isValid() and self.tree.currentIndex() != index:
            self.tree.blockSignals(True)
            self.tree.setCurrentIndex(index)
            self.tree.blockSignals(False)
        if index.isValid():
            self.scroll_to(index)
        if self.settings is not None:
            # written at once, not only on close: after a crash (or kill -9) the app reopens
            # on the indicator being edited
            self.settings.set(opts.LAST_INDICATOR, code)
            self.settings.sync()
        self.current_changed.emit(code)

    def scroll_to(self, index: QModelIndex) -> None:
        """Show ``index`` in the tree, and its pillar's row above it when both fit: the
        officer sees which pillar "2.3" belongs to without scrolling up."""
        self.tree.scrollTo(index)
        pillar = index
        while pillar.parent().isValid():
            pillar = pillar.parent()
        if pillar == index:
            return
        top, row = self.tree.visualRect(pillar), self.tree.visualRect(index)
        if top.top() < 0 and row.bottom() - top.top() < self.tree.viewport().height():
            self.tree.scrollTo(pillar, QAbstractItemView.ScrollHint.PositionAtTop)

    def reload_pages(self) -> None:
        """After a status change (signed, reopened): every built page re-reads values and locks."""
        for code in self._pages:
            self.page(code).refresh(load_values=True)
        self._stale.clear()

    def flush(self) -> None:
        page = self.current_page()
        if page is not None:
            page.flush()

    def _tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        code = current.data(CODE_ROLE)
        if code:
            self.open(code)

    def _session_changed(self, code: str) -> None:
        page = self.current_page()
        if page is not None and code in (page.code, *[c.code for c in page.indicator.children]):
            page.refresh()
        elif code in self._pages:
            self._stale.add(code)

    # --- filter and find ------------------------------------------------------------

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_query(text)
        self.tree.expandAll()
        self.empty_filter.setVisible(self.proxy.rowCount() == 0)
        if text:
            first = self._first_visible_leaf()
            if first:
                self.open(first)

    def _unfinished_toggled(self, on: bool) -> None:
        self.proxy.set_only_unfinished(on)
        self.tree.expandAll()
        self.empty_filter.setVisible(self.proxy.rowCount() == 0)

    def _first_visible_leaf(self) -> str:
        def walk(parent: QModelIndex) -> str:
            for row in range(self.proxy.rowCount(parent)):
                idx = self.proxy.index(row, 0, parent)
                code = idx.data(CODE_ROLE)
                if code and self.proxy.rowCount(idx) == 0:
                    return code
                found = walk(idx)
                if found:
                    return found
            return ""

        return walk(QModelIndex())

    def focus_find(self) -> None:
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    # --- navigation -----------------------------------------------------------------

    def _leaves(self) -> list[str]:
        return [ind.code for ind in self.session.cs.leaves()]

    def go_next(self, step: int = 1) -> None:
        leaves = self._leaves()
        if not leaves:
            return
        if self.current_code in leaves:
            i = (leaves.index(self.current_code) + step) % len(leaves)
        else:
            i = 0 if step > 0 else len(leaves) - 1
        self.open(leaves[i])
        self._focus_page()

    def go_previous(self) -> None:
        self.go_next(-1)

    def go_next_unfinished(self) -> bool:
        leaves = self._leaves()
        start = leaves.index(self.current_code) + 1 if self.current_code in leaves else 0
        for code in leaves[start:] + leaves[:start]:
            if self.session.status(self.session.cs.indicator(code)) is not Status.COMPLETE:
                self.open(code)
                self._focus_page()
                return True
        return False

    def _focus_page(self) -> None:
        page = self.current_page()
        if page is not None:
            page.focus_first()
