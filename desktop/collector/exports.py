"""The window's exports: the ranking table (with the command line's appendix options), the
completeness report and a signed bundle. Each asks where to save (``window.ask_save_path``),
then writes off the GUI thread through the window's session; success goes to the status line
and ``window.exported``, failure to a message box.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.collector.host import CollectorHost
from desktop.qt import QMessageBox
from forms.i18n import _


def _export(
    window: CollectorHost,
    title: str,
    suggested: str,
    file_filter: str,
    write: Callable[[str], Any],
    done_message: Callable[[Any, str], str],
    suffixes: tuple[str, ...] = (),
) -> None:
    """Ask where to save, then run ``write(path)`` off the GUI thread (the store's
    connection of the worker's thread); report success in the status bar and failure in a message box.

    A large ranking workbook or a bundle of a hundred packages takes seconds; the window
    must stay responsive meanwhile (the same rule as merging)."""
    path = window.ask_save_path(title, suggested, file_filter)
    if not path:
        return
    if suffixes and Path(path).suffix.lower() not in suffixes:
        path += suffixes[0]

    def failed(exc: BaseException) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        QMessageBox.warning(
            window, title, _("Không ghi được {path}: {error}", path=path, error=reason)
        )

    def finished(result: Any) -> None:
        window.status_label.setText(done_message(result, path))
        window.exported.emit(path)

    window.status_label.setText(_("Đang ghi {path}…", path=path))
    window.session.read(lambda: write(path), on_done=finished, on_error=failed)


def export_ranking(window: CollectorHost) -> None:
    """The options of ``dti-desk export ranking`` (layout, appendix lines, rank column)
    in a small dialog, remembered; then where to save."""
    ranking = window.ranking
    if ranking is None:
        return
    from desktop.collector.export_dialog import ExportRankingDialog
    from forms.ranking_xlsx import write_table

    dialog = ExportRankingDialog(ranking.year, window.settings, window)
    try:
        if not window.exec_dialog(dialog):
            return
        dialog.remember()
        appendix = dialog.appendix_options()
    finally:
        dialog.deleteLater()
    _export(
        window,
        _("Xuất bảng xếp hạng"),
        f"xep-hang-{ranking.year}.xlsx",
        _("Bảng tính (*.xlsx);;CSV (*.csv)"),
        lambda path: write_table(ranking, path, appendix),
        lambda _result, path: _(
            "Đã ghi bảng xếp hạng {count} đơn vị vào {path}", count=len(ranking.rows), path=path
        ),
        suffixes=(".xlsx", ".csv"),
    )


def export_completeness(window: CollectorHost) -> None:
    year, store = window.year_spin.value(), window.store
    _export(
        window,
        _("Báo cáo tình trạng nộp"),
        f"tinh-trang-nop-{year}.xlsx",
        _("Bảng tính (*.xlsx);;CSV (*.csv)"),
        lambda path: store.write_completeness(year, path),
        lambda _result, path: _("Đã ghi báo cáo tình trạng nộp vào {path}", path=path),
        suffixes=(".xlsx", ".csv"),
    )


def export_bundle(window: CollectorHost) -> None:
    """Needs the collector's signing key: the application wires ``bundle_signer``."""
    signer = window.bundle_signer() if window.bundle_signer else None
    if signer is None:
        return
    year, name, store = window.year_spin.value(), window.collector_name, window.store
    _export(
        window,
        _("Xuất gói chuyển tiếp"),
        f"chuyen-tiep-{year}.dtibundle",
        _("Gói chuyển tiếp (*.dtibundle)"),
        lambda path: store.export_bundle(path, signer, year=year, collector_name=name),
        lambda count, path: _(
            "Đã ghi {count} gói vào gói chuyển tiếp {path}", count=count, path=path
        ),
    )
