"""Collector / province mode: inbox, drag-and-drop merge with progress, ranking, chart, exports.

The window holds no database connection: it reaches the collector database through its
``CollectorSession`` (``desktop/collector/session.py``) over a ``CollectorStore``. A merge, a
received review and the exports run through the shared ``TaskRunner`` (off the GUI thread, on
the store's connection of that thread); every view re-reads when the session says ``changed``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop import settings as opts
from desktop.collector import exports
from desktop.collector.charts import DistributionChart
from desktop.collector.columns import ColumnFitter, compact
from desktop.collector.data_menu import DataMenu
from desktop.collector.host import AskSavePath, CollectorHost
from desktop.collector.live import LiveFeed
from desktop.collector.models import (
    InboxFilter,
    InboxModel,
    RankingModel,
    SortPassingProxy,
    status_text,
)
from desktop.collector.officer import officer_asker
from desktop.collector.session import ALL_YEARS, CollectorSession
from desktop.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDragEnterEvent,
    QDropEvent,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.problems import ProblemsError
from forms.ranking import Ranking
from local_db.collector import CollectorStore, MergeSummary
from local_db.collector.db_url import is_url
from local_db.collector.reports import InboxRow, completeness_counts
from local_db.paths import COLLECTOR_DB_FILE, KEYS_DIR, TRUST_FILE
from local_db.review.collector import ReviewError, StaleEdit

# asks for a file name to save to: (title, suggested name, filter) -> path or "" (tests replace it)
# shows an outcome to the person: (ok, text); ``dti-desk open`` passes a message box
Show = Callable[[bool, str], None]


@dataclass(frozen=True)
class _Views:
    """What the window shows, read from the database (on any thread, see ``_gather``)."""

    year: int
    inbox: list[InboxRow]
    inbox_keys: list[tuple[Any, ...]]
    ranking: Ranking | None
    ranking_keys: list[tuple[Any, ...]]
    note: str  # why there is no ranking
    counts: dict[str, int]
    marks: dict[str, str]  # unit: verified / explanation_pending / self_assessed; {} before reviews


def _gather(store: CollectorStore, year: int, criteria_sets: Sequence[CriteriaSet]) -> _Views:
    """Read everything the window shows for ``year``, with the keys its tables sort by. No
    widget: it runs on a worker thread, so the GUI thread only swaps rows in."""
    inbox = store.inbox_rows()
    try:
        ranking: Ranking | None = store.ranking_for_year(year, criteria_sets)
        note = ""
    except ProblemsError as exc:
        ranking = None
        note = "; ".join(p.message for p in exc.problems)
    marks = store.verification_marks(year) if ranking is not None else {}
    return _Views(
        year, inbox, InboxModel.sort_keys(inbox), ranking, RankingModel.sort_keys(ranking, marks),
        note, completeness_counts(store.completeness(year)), marks,
    )  # fmt: skip


class CollectorWindow(CollectorHost):
    BASE_TABS = 2  # the inbox and the ranking; reviewer screens open after them
    merged = Signal(object)  # MergeSummary, after the views are refreshed
    review_received = Signal(object)  # local_db.review.collector.ReceivedReview, views refreshed

    def __init__(
        self,
        db_path: Path | str,
        trust: Any,
        criteria_sets: Sequence[CriteriaSet],
        runner: TaskRunner | None = None,
        year: int | None = None,
        parent: QWidget | None = None,
        settings: Settings | None = None,
        data_dir: Path | None = None,
        store: CollectorStore | None = None,
    ) -> None:
        """``db_path``: the SQLite file, or a ``postgresql://`` URL (then ``data_dir`` names
        the data folder; the embedded file there stays ``db_path``); ``store``: already opened on it."""
        super().__init__(parent)
        url = str(db_path) if is_url(db_path) else None
        if data_dir is None:
            data_dir = Path.cwd() if url is not None else Path(db_path).parent
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / COLLECTOR_DB_FILE if url is not None else Path(db_path)
        # the collector's data folder holds its signing key and trust list beside its database
        self.keys_dir = self.data_dir / KEYS_DIR
        self.trust_path = self.data_dir / TRUST_FILE
        self.settings = settings  # None: nothing remembered (tests, screenshots)
        self.trust = trust
        self.criteria_sets = list(criteria_sets)
        self.runner = runner or TaskRunner()
        self.store = store if store is not None else CollectorStore(url or self.db_path)
        self.session = CollectorSession(self.store, self.runner, self)
        self.session.changed.connect(self._store_changed)
        # what to announce once the views show the change (``merged``, ``review_received``)
        self.after_show: list[Callable[[], None]] = []
        self.ranking: Ranking | None = None
        self.ask_save_path: AskSavePath = self._ask_save_path
        # shows a dialog and says whether it was accepted (tests fill it in instead)
        self.exec_dialog: Callable[[QDialog], bool] = lambda d: (
            d.exec() == QDialog.DialogCode.Accepted
        )
        # the officer's name, asked at the session's first write (tests set session.officer)
        self.session.ask_officer = officer_asker(self, lambda d: self.exec_dialog(d))
        self.setWindowTitle(_("DTI Desk: tổng hợp và xếp hạng"))
        self.setAcceptDrops(True)

        self.inbox_model = InboxModel(self)
        self.inbox_proxy = InboxFilter(self)
        self.inbox_proxy.setSourceModel(self.inbox_model)
        self.ranking_model = RankingModel(self)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_inbox(), _("Hộp thư"))
        self.tabs.addTab(self._build_ranking(), _("Xếp hạng"))
        self.setCentralWidget(self.tabs)
        self.data_menu = DataMenu(self)

        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.status_label = QLabel(self)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        # other officers' writes refresh the views too (LISTEN/NOTIFY, or SQLite's data_version)
        self.feed = LiveFeed(self.session, self)
        self.feed.status.connect(self.status_label.setText)
        self.feed.start()
        self.year_spin.blockSignals(True)  # read once, below, not also in the background
        self.year_spin.setValue(year or datetime.now(UTC).year - 1)
        self.year_spin.blockSignals(False)
        self.refresh()
        self.resize(1200, 760)

    # --- building ------------------------------------------------------------------------

    def _build_inbox(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        hint = QLabel(
            _(
                "Kéo thả gói nộp (.dtipkg), gói chuyển tiếp (.dtibundle) hoặc thư mục vào cửa sổ này để tổng hợp."
            ),
            page,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        bar = QHBoxLayout()
        self.search = QLineEdit(page)
        self.search.setPlaceholderText(_("Tìm (không cần dấu): đơn vị, nhóm, người ký, tệp"))
        self.search.textChanged.connect(self.inbox_proxy.set_text)
        self.status_filter = QComboBox(page)
        self.status_filter.addItem(_("Mọi trạng thái"), "")
        for status in ("current", "superseded", "conflict", "passed_over", "rejected"):
            self.status_filter.addItem(status_text(status), status)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.inbox_proxy.set_status(self.status_filter.currentData())
        )
        self.add_button = QPushButton(_("Thêm gói…"), page)
        self.add_button.clicked.connect(self._choose_files)
        self.choose_button = QPushButton(_("Chọn bài nộp này"), page)
        self.choose_button.setToolTip(
            _(
                "Khi một đơn vị có các bài nộp mâu thuẫn: dùng bài nộp được chọn làm bài nộp hiện hành"
            )
        )
        self.choose_button.setEnabled(False)
        self.choose_button.clicked.connect(self.choose_selected)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.status_filter)
        bar.addWidget(self.choose_button)
        bar.addWidget(self.add_button)
        layout.addLayout(bar)
        self.inbox_view = QTableView(page)
        self.inbox_view.setModel(self.inbox_proxy)
        self.inbox_view.setSortingEnabled(True)
        self.inbox_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # A→Z, Vietnamese order
        self.inbox_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.inbox_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.inbox_view.horizontalHeader().setStretchLastSection(True)
        compact(self.inbox_view)
        self.inbox_fitter = ColumnFitter(self.inbox_view, 0)
        self.inbox_view.selectionModel().selectionChanged.connect(
            lambda *_a: self._update_choose_button()
        )
        layout.addWidget(self.inbox_view, 1)
        return page

    def _selected_inbox_row(self) -> Any:
        rows = (
            self.inbox_view.selectionModel().selectedRows()
            if self.inbox_view.selectionModel()
            else []
        )
        if len(rows) != 1:
            return None
        return self.inbox_model.rows[self.inbox_proxy.mapToSource(rows[0]).row()]

    def _update_choose_button(self) -> None:
        row = self._selected_inbox_row()
        self.choose_button.setEnabled(row is not None and row.status in ("conflict", "passed_over"))

    def choose_selected(self) -> None:
        """A person settles a conflict: the selected submission becomes current (the views
        follow the session's ``changed``)."""
        row = self._selected_inbox_row()
        if row is None or row.status not in ("conflict", "passed_over"):
            return
        try:  # based on the decision's version read with the row shown
            if not self.session.decide(
                row.file_sha256, _("Chọn trên giao diện"), based_on=row.decision_version
            ):
                return
        except StaleEdit as exc:  # decided by someone else meanwhile: who, when; re-read
            self.session.external_change()
            self.status_label.setText(str(exc))
            return
        except ReviewError as exc:  # no officer named
            self.status_label.setText(str(exc))
            return
        self.status_label.setText(
            _(
                "Đã chọn bài nộp {file} làm bài nộp hiện hành của {unit}",
                file=row.file_name,
                unit=row.unit_code,
            )
        )

    def _build_ranking(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Năm"), page))
        self.year_spin = QSpinBox(page)
        self.year_spin.setRange(2000, 2100)
        self.year_spin.valueChanged.connect(lambda _v: self.reread())
        bar.addWidget(self.year_spin)
        self.ranking_note = QLabel(page)
        self.ranking_note.setWordWrap(True)
        bar.addWidget(self.ranking_note, 1)
        self.export_ranking_button = QPushButton(_("Xuất bảng xếp hạng…"), page)
        self.export_ranking_button.clicked.connect(self.export_ranking)
        self.export_completeness_button = QPushButton(_("Báo cáo tình trạng nộp…"), page)
        self.export_completeness_button.clicked.connect(self.export_completeness)
        self.export_bundle_button = QPushButton(_("Xuất gói chuyển tiếp…"), page)
        self.export_bundle_button.clicked.connect(self.export_bundle)
        self.not_ranked_button = QPushButton(_("Không xếp hạng / xếp hạng lại"), page)
        self.not_ranked_button.setToolTip(
            _("Đơn vị được chọn được liệt kê sau các đơn vị xếp hạng, không có hạng (dấu “-”)")
        )
        self.not_ranked_button.clicked.connect(self.toggle_not_ranked)
        bar.addWidget(self.not_ranked_button)
        self.charts_button = QPushButton(_("Biểu đồ"), page)
        self.charts_button.setCheckable(True)
        self.charts_button.setToolTip(_("Hiện hoặc ẩn biểu đồ dưới bảng xếp hạng"))
        bar.addWidget(self.charts_button)
        for button in (
            self.export_ranking_button,
            self.export_completeness_button,
            self.export_bundle_button,
        ):
            bar.addWidget(button)
        layout.addLayout(bar)
        splitter = self.ranking_splitter = QSplitter(Qt.Orientation.Vertical, page)
        self.ranking_view = QTableView(splitter)
        self.ranking_proxy = SortPassingProxy(self)
        self.ranking_proxy.setSourceModel(self.ranking_model)
        self.ranking_view.setModel(self.ranking_proxy)
        self.ranking_view.setSortingEnabled(True)
        self.ranking_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.ranking_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        compact(self.ranking_view)
        self.ranking_fitter = ColumnFitter(self.ranking_view, 3)
        self.chart = DistributionChart(splitter)
        splitter.addWidget(self.ranking_view)
        splitter.addWidget(self.chart)
        layout.addWidget(splitter, 1)
        shown = self.settings.get(opts.CHARTS_SHOWN) if self.settings is not None else True
        self.charts_button.setChecked(shown)
        self.chart.setVisible(shown)
        self.charts_button.toggled.connect(self.show_charts)
        return page

    def show_charts(self, shown: bool) -> None:
        """Charts below the ranking, or the whole height for rows; remembered."""
        self.chart.setVisible(shown)
        self.ranking_splitter.refresh()  # the rows take the height now, not at the next layout
        if self.charts_button.isChecked() != shown:
            self.charts_button.setChecked(shown)
        if self.settings is not None:
            self.settings.set(opts.CHARTS_SHOWN, shown)
            self.settings.sync()

    # --- reading ------------------------------------------------------------------------

    def refresh(self) -> None:
        self._show(_gather(self.store, self.year_spin.value(), self.criteria_sets))

    def _store_changed(self, year: int) -> None:
        """The session's ``changed``: read again when it touched the year shown."""
        if year in (ALL_YEARS, self.year_spin.value()):
            self.reread()
        else:  # another year: nothing shown changed
            self._announce()

    def _announce(self) -> None:
        announce, self.after_show = self.after_show, []
        for callback in announce:
            callback()

    def reread(self) -> None:
        """Read the chosen year again on a worker thread (another year chosen, a change the
        session announced: a province's 3,321 units take ~0.2 s to read and rank); shown if it
        is still the chosen year when it arrives."""
        store, year, sets = self.store, self.year_spin.value(), list(self.criteria_sets)

        def read(view: _Views) -> None:
            if view.year == self.year_spin.value():
                self._show(view)
                self._announce()

        def failed(exc: BaseException) -> None:
            self.ranking_note.setText(
                _("Không đọc được số liệu năm {year}: {error}", year=year, error=str(exc))
            )
            self._announce()

        self.session.read(lambda: _gather(store, year, sets), on_done=read, on_error=failed)

    def _show(self, view: _Views) -> None:
        """Put what ``_gather`` read into the tables, the chart and the note (GUI thread)."""
        self.inbox_model.set_rows(view.inbox, view.inbox_keys)
        self.ranking = view.ranking
        self.ranking_model.set_ranking(self.ranking, view.ranking_keys, view.marks)
        self.chart.show_ranking(self.ranking)
        self._fit_columns()
        counts = view.counts
        summary = _(
            "Năm {year}: {complete} đơn vị đã nộp hợp lệ, {missing} chưa nộp, {unverified} chưa xác minh được, {conflict} mâu thuẫn.",
            year=view.year, complete=counts["complete"], missing=counts["missing"], unverified=counts["unverified"], conflict=counts["conflict"],
        )  # fmt: skip
        self.ranking_note.setText(view.note or summary)
        has_ranking = self.ranking is not None
        self.export_ranking_button.setEnabled(has_ranking)
        self.export_bundle_button.setEnabled(has_ranking)

    def _fit_columns(self) -> None:
        """Measure a table's columns when it first has rows (or its columns changed: the
        verification column appears with the first review); a resize fits them again
        (``columns.ColumnFitter``)."""
        for fitter in (self.inbox_fitter, self.ranking_fitter):
            if len(fitter.wants) != fitter.view.horizontalHeader().count():
                fitter.measure()

    def toggle_not_ranked(self) -> None:
        """Flip the "not ranked" mark of the selected units (kept in the units table)."""
        rows = {
            self.ranking_proxy.mapToSource(i).row()
            for i in self.ranking_view.selectionModel().selectedRows()
        }
        units = [self.ranking_model.rows[row] for row in sorted(rows)]
        try:  # each based on the mark's version read with the ranking shown
            self.session.set_not_ranked(
                (unit.unit_code, not unit.not_ranked, unit.mark_version) for unit in units
            )
        except ReviewError as exc:  # no officer named; changed meanwhile (who, when): re-read
            self.status_label.setText(str(exc))

    # --- merging --------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if urls and all(u.isLocalFile() for u in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.merge(paths)

    def _choose_files(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(
            self, _("Chọn gói nộp hoặc gói chuyển tiếp"), "", _("Gói DTI (*.dtipkg *.dtibundle)")
        )
        if files:
            self.merge([Path(f) for f in files])

    def merge(self, paths: Sequence[Path]) -> None:
        """Merge ``paths`` off the GUI thread; the progress bar follows, the views refresh on
        the session's ``changed`` (read on a worker thread: ~0.15 s for 3,321 units), then
        ``merged`` is emitted."""
        self.progress.setRange(0, 0)  # busy until the first report gives the total
        self.progress.setVisible(True)
        self.add_button.setEnabled(False)
        self.status_label.setText(_("Đang tổng hợp…"))
        self.session.merge(
            list(paths), self.trust, list(self.criteria_sets), on_done=self._merged,
            on_error=self._merge_failed, on_progress=self.show_progress,
        )  # fmt: skip

    def show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _merged(self, summary: MergeSummary) -> None:
        """The merge is stored (the session's ``changed`` follows and the views re-read)."""
        self.progress.setVisible(False)
        self.add_button.setEnabled(True)
        self.status_label.setText(
            _(
                "Đã xem {files} gói: {accepted} nhận mới, {duplicates} trùng, {superseded} bị thay thế, {conflicts} đơn vị có bài nộp mâu thuẫn, {rejected} bị từ chối.",
                files=summary.files, accepted=summary.accepted, duplicates=summary.duplicates,
                superseded=summary.superseded, conflicts=summary.conflicts, rejected=len(summary.rejected) + len(summary.bundles_rejected),
            )
        )  # fmt: skip
        self.after_show.append(lambda: self.merged.emit(summary))

    def _merge_failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.add_button.setEnabled(True)
        self.status_label.setText(_("Tổng hợp không thành công: {error}", error=str(exc)))
        QMessageBox.warning(
            self, _("Tổng hợp"), _("Tổng hợp không thành công: {error}", error=str(exc))
        )

    # --- receiving a review -------------------------------------------------------------------

    def receive_review(
        self,
        path: Path,
        reviewers: Path,
        criteria: Mapping[str, CriteriaSet],
        show: Show | None = None,
    ) -> None:
        """Receive a review issued by another collector (``dti-desk open FILE.dtireview``).

        Loading the reviewers trust list, reading the file (from outside: it may be a FIFO or
        a huge file, which ``forms.inbound`` refuses), checking its signature and storing it
        all run off the GUI thread on the worker's own connection, like a merge; the outcome is
        shown on the GUI thread, and ``review_received`` follows once the views show it."""
        from local_db.review import collector as rc

        path, name = Path(path), Path(path).name

        def received(got: rc.ReceivedReview) -> None:
            self.not_busy()
            if got.outcome == "rejected":
                ok = False
                text = _("Không nhận được phiếu thẩm định {name}:", name=name) + "\n"
                text += "\n".join(f"• {p.message}" for p in got.reasons)
            else:
                ok, text = True, _("Đã nhận phiếu thẩm định {name}.", name=name)
            self.status_label.setText(text.replace("\n", " "))
            if show is not None:
                show(ok, text)
            if got.outcome == "stored":  # the session's ``changed`` follows: views re-read
                self.after_show.append(lambda: self.review_received.emit(got))
            else:
                self.review_received.emit(got)

        def failed(exc: BaseException) -> None:  # the trust list unreadable, the database
            self.not_busy()
            text = _("Không nhận được phiếu thẩm định {name}: {error}", name=name, error=str(exc))
            self.status_label.setText(text)
            if show is not None:
                show(False, text)

        self.progress.setRange(0, 0)  # busy: one file, no steps to count
        self.progress.setVisible(True)
        self.status_label.setText(_("Đang kiểm tra phiếu thẩm định {name}…", name=name))
        self.session.receive_review(path, reviewers, criteria, on_done=received, on_error=failed)

    def not_busy(self) -> None:
        if not self.runner.active:  # a merge still running keeps its progress bar
            self.progress.setVisible(False)

    # --- exporting --------------------------------------------------------------------------

    def _ask_save_path(self, title: str, suggested: str, file_filter: str) -> str:
        path, _chosen = QFileDialog.getSaveFileName(self, title, suggested, file_filter)
        return path

    def export_ranking(self) -> None:
        exports.export_ranking(self)

    def export_completeness(self) -> None:
        exports.export_completeness(self)

    def export_bundle(self) -> None:
        """Needs the collector's signing key: the application wires ``bundle_signer``."""
        exports.export_bundle(self)

    def switch_store(self, store: CollectorStore) -> None:
        """Work on ``store`` from now on (the connection setting): the views re-read through
        the session, the change feed follows the new database, the old one is closed."""
        self.feed.stop()
        while self.tabs.count() > self.BASE_TABS:  # reviewer screens read the old database
            screen = self.tabs.widget(self.BASE_TABS)
            self.tabs.removeTab(self.BASE_TABS)
            if screen is not None:
                screen.deleteLater()
        self.store = store
        self.session.replace_store(store).close()
        self.feed.start()
        self.status_label.setText(_("Đang dùng cơ sở dữ liệu {name}.", name=store.name))

    def closeEvent(self, event: Any) -> None:
        self.feed.stop()
        self.store.close()
        super().closeEvent(event)
