"""The collector window's "Dữ liệu" menu: what only the command line could do before.

- "Nạp danh sách đơn vị…": the province's list (xlsx, csv or the demo's json), read by the
  same reader as ``dti-desk merge --units`` (``CollectorStore.import_units_file``);
- "Nạp danh sách tin cậy…": a trust registry file (``TrustRegistry.load``, as the ``trust``
  commands read it), added to the data folder's ``trust.json`` (``local_db.paths.TRUST_FILE``,
  where the command line keeps it) and used at once by the window and its next merges;
- "Kiểm tra lại các gói bị từ chối": the packages rejected as ``signer_unknown`` merged again
  with the current trust list (``CollectorStore.recheck_rejected``), with progress.

Reading and writing run off the GUI thread through the window's session; a failure is shown
with the window's ``warn`` (a message box; tests record it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.collector.host import CollectorHost
from desktop.qt import QAction, QFileDialog, QMessageBox, QObject, Signal
from forms.i18n import _
from forms.problems import ProblemsError
from local_db.collector.recheck import RecheckSummary

# asks for a file to open: (title, filter) -> path or "" (tests replace it)
AskOpenPath = Callable[[str, str], str]
Warn = Callable[[str, str], None]  # (title, text)
SHOWN_NAMES = 5  # missing files named in the status line; the rest counted


def _problems_text(exc: BaseException, limit: int = 20) -> str:
    if isinstance(exc, ProblemsError):
        lines = [str(p) for p in exc.problems]
        more = len(lines) - limit
        text = "\n".join(lines[:limit])
        return text + ("\n" + _("… và {count} lỗi khác", count=more) if more > 0 else "")
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return shown + (" " + _("và {count} tệp khác", count=more) if more > 0 else "")


class DataMenu(QObject):
    units_loaded = Signal(int)  # units read, once the views show them
    trust_loaded = Signal(int)  # entries added; the window's trust is the new list
    rechecked = Signal(object)  # RecheckSummary, once the views show it

    def __init__(self, window: CollectorHost) -> None:
        super().__init__(window)
        self.window = window
        self.ask_open_path: AskOpenPath = self._ask_open_path
        self.warn: Warn = self._warn
        menu = window.menuBar().addMenu(_("&Dữ liệu"))
        self.units_action = QAction(_("Nạp danh sách đơn vị…"), window)
        self.units_action.triggered.connect(lambda _checked=False: self.load_units())
        self.trust_action = QAction(_("Nạp danh sách tin cậy…"), window)
        self.trust_action.triggered.connect(lambda _checked=False: self.load_trust())
        self.recheck_action = QAction(_("Kiểm tra lại các gói bị từ chối"), window)
        self.recheck_action.setToolTip(
            _("Kiểm tra lại các gói bị từ chối vì người ký không có trong danh sách tin cậy")
        )
        self.recheck_action.triggered.connect(lambda _checked=False: self.recheck())
        for action in (self.units_action, self.trust_action, self.recheck_action):
            menu.addAction(action)
        menu.addSeparator()
        self.connect_action = QAction(_("Kết nối cơ sở dữ liệu…"), window)
        self.connect_action.setToolTip(
            _("Tệp SQLite trong thư mục dữ liệu hoặc máy chủ PostgreSQL")
        )
        self.connect_action.triggered.connect(lambda _checked=False: self.choose_database())
        menu.addAction(self.connect_action)
        self.menu = menu

    def choose_database(self) -> None:
        if self.window.runner.active:
            self.warn(_("Kết nối cơ sở dữ liệu"), _("Hãy đợi việc đang chạy xong rồi đổi cơ sở dữ liệu."))  # fmt: skip
            return
        from desktop.collector.connection import choose_database

        choose_database(self.window)

    def _warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)

    def _ask_open_path(self, title: str, file_filter: str) -> str:
        path, _chosen = QFileDialog.getOpenFileName(self.window, title, "", file_filter)
        return path

    def _status(self, text: str) -> None:
        self.window.status_label.setText(text)

    def after_show(self, announce: Callable[[], None]) -> None:
        self.window.after_show.append(announce)

    # --- the units list ---------------------------------------------------------------------

    def load_units(self, path: str | None = None) -> None:
        title = _("Nạp danh sách đơn vị")
        path = path or self.ask_open_path(
            title, _("Danh sách đơn vị (*.xlsx *.csv *.json);;Mọi tệp (*)")
        )
        if not path:
            return
        name = Path(path).name

        def done(count: int) -> None:
            self._status(_("Đã nạp {count} đơn vị từ {name}", count=count, name=name))
            self.after_show(lambda: self.units_loaded.emit(count))

        def failed(exc: BaseException) -> None:
            text = _("Không nạp được danh sách đơn vị {name}:", name=name)
            self._status(text + " " + _problems_text(exc, 1))
            self.warn(title, text + "\n" + _problems_text(exc))

        self._status(_("Đang nạp danh sách đơn vị {name}…", name=name))
        self.window.session.import_units(Path(path), on_done=done, on_error=failed)

    # --- the trust list ---------------------------------------------------------------------

    def load_trust(self, path: str | None = None) -> None:
        title = _("Nạp danh sách tin cậy")
        path = path or self.ask_open_path(title, _("Danh sách tin cậy (*.json);;Mọi tệp (*)"))
        if not path:
            return
        source, target, current = Path(path), self.window.trust_path, self.window.trust
        store = self.window.store

        def work() -> tuple[Any, int, int]:
            from forms.packages.trust import TrustError, TrustRegistry

            if not source.is_file():
                raise TrustError(_("Không tìm thấy tệp {path}", path=str(source)))
            incoming = TrustRegistry.load(source)
            registry = TrustRegistry.load(target)  # as the command line may have left it
            if isinstance(current, TrustRegistry):
                registry.merge(current)  # nothing this window trusts is dropped
            added = registry.merge(incoming)
            registry.save(target)
            return registry, added, len(store.rejected_unknown_signer())

        def done(result: tuple[Any, int, int]) -> None:
            registry, added, waiting = result
            self.window.trust = registry  # the next merge and re-check use it
            text = _(
                "Đã nạp danh sách tin cậy {name}: thêm {added} mục.", name=source.name, added=added
            )
            if waiting:
                text += " " + _(
                    "{count} gói bị từ chối vì người ký không xác định: chọn “Kiểm tra lại các gói bị từ chối” trong trình đơn Dữ liệu.",
                    count=waiting,
                )
            self._status(text)
            self.trust_loaded.emit(added)

        def failed(exc: BaseException) -> None:
            text = _("Không nạp được danh sách tin cậy {name}:", name=source.name)
            self._status(text + " " + _problems_text(exc))
            self.warn(title, text + "\n" + _problems_text(exc))

        self._status(_("Đang nạp danh sách tin cậy {name}…", name=source.name))
        self.window.session.read(work, on_done=done, on_error=failed)

    # --- re-checking rejected packages --------------------------------------------------------

    def recheck(self) -> None:
        window = self.window
        window.progress.setRange(0, 0)
        window.progress.setVisible(True)
        self.recheck_action.setEnabled(False)
        self._status(_("Đang kiểm tra lại các gói bị từ chối…"))

        def done(summary: RecheckSummary) -> None:
            window.not_busy()
            self.recheck_action.setEnabled(True)
            self._status(self.summary_text(summary))
            self.after_show(lambda: self.rechecked.emit(summary))

        def failed(exc: BaseException) -> None:
            window.not_busy()
            self.recheck_action.setEnabled(True)
            text = _("Kiểm tra lại không thành công: {error}", error=_problems_text(exc))
            self._status(text)
            self.warn(_("Kiểm tra lại các gói bị từ chối"), text)

        window.session.recheck_rejected(
            window.trust, list(window.criteria_sets), on_done=done, on_error=failed,
            on_progress=window.show_progress,
        )  # fmt: skip

    @staticmethod
    def summary_text(summary: RecheckSummary) -> str:
        if summary.checked == 0:
            return _("Không có gói nào bị từ chối vì người ký không xác định.")
        text = _(
            "Đã kiểm tra lại {checked} gói bị từ chối vì người ký không xác định: {accepted} nay được nhận, {still} vẫn bị từ chối.",
            checked=summary.checked, accepted=summary.accepted, still=summary.still_rejected,
        )  # fmt: skip
        if summary.missing:
            text += " " + _(
                "Không còn tìm thấy {count} tệp ở nơi đã tổng hợp (hãy kéo thả lại): {names}",
                count=len(summary.missing),
                names=_names(summary.missing),
            )
        return text
