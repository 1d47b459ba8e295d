"""The collector window worked without a terminal (issue 14): the units and trust lists from
the menu, rejected packages checked again, the ranking on a 1366×768 laptop with the
verification marker, the export options of the command line, one number locale."""

from __future__ import annotations

import json

import openpyxl
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from desktop import settings as opts
from desktop.collector.window import CollectorWindow
from desktop.qt import QApplication, QDoubleSpinBox, QLocale, Qt
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.packages.signing import Ed25519Signer
from forms.packages.trust import TrustRegistry
from forms.vi_collate import unit_sort_key
from tests.local_db.collector_support import CS, Units

LONG_NAME = "Xã " + " ".join(["Thượng Nguyên Hồng Phong Bắc Sơn"] * 4)


def _partial_trust(u: Units, known: int) -> TrustRegistry:
    trust = TrustRegistry()
    for code in u.codes[:known]:
        trust.add_key(code, u.signers[code].public_raw)
    return trust


def test_units_and_trust_lists_from_the_menu_then_rejected_packages_rechecked(qtbot, tmp_path):
    u = Units(4, seed=5)
    folder = tmp_path / "nhan"
    for i, code in enumerate(u.codes):
        u.package(folder, code, level=i, sid=f"M{i}")
    data = tmp_path / "data"
    data.mkdir()
    window = CollectorWindow(data / "c.sqlite", _partial_trust(u, 2), [CS], TaskRunner(), 2025)
    qtbot.addWidget(window)
    warnings: list[tuple[str, str]] = []
    window.data_menu.warn = lambda title, text: warnings.append((title, text))
    with qtbot.waitSignal(window.merged, timeout=30000) as merged:
        window.merge([folder])
    assert len(merged.args[0].rejected) == 2 and window.ranking_model.rowCount() == 2
    titles = [a.text() for a in window.data_menu.menu.actions()]
    assert titles == ["Nạp danh sách đơn vị…", "Nạp danh sách tin cậy…",
                      "Kiểm tra lại các gói bị từ chối", "", "Kết nối cơ sở dữ liệu…"]  # fmt: skip

    # the units list, csv (the reader of `merge --units`): names and groups follow
    units = tmp_path / "don-vi.csv"
    rows = [f"{c},Xã Số {i},xã,Cụm {i % 2 + 1}" for i, c in enumerate(u.codes)]
    units.write_text("Mã,Tên,Loại,Nhóm\n" + "\n".join(rows) + "\n", encoding="utf-8")
    window.data_menu.ask_open_path = lambda *_a: str(units)
    with qtbot.waitSignal(window.data_menu.units_loaded, timeout=10000) as loaded:
        window.data_menu.units_action.trigger()
    assert loaded.args == [4] and "Đã nạp 4 đơn vị từ don-vi.csv" in window.status_label.text()
    assert {r.group for r in window.inbox_model.rows} == {"Cụm 1", "Cụm 2"}
    assert {r.group for r in window.ranking_model.rows} == {"Cụm 1", "Cụm 2"}

    # a bad list: refused, naming the file and the row; nothing changed
    bad = tmp_path / "sai.json"
    bad.write_text(json.dumps([{"name": "không có mã"}]), encoding="utf-8")
    window.data_menu.ask_open_path = lambda *_a: str(bad)
    window.data_menu.units_action.trigger()
    qtbot.waitUntil(lambda: bool(warnings), timeout=10000)
    assert "sai.json" in warnings[-1][1] and "Không nạp được" in window.status_label.text()

    # not a trust list: refused with the reason, the window's list and the file untouched
    before = window.trust
    window.data_menu.ask_open_path = lambda *_a: str(bad)
    window.data_menu.trust_action.trigger()
    qtbot.waitUntil(lambda: len(warnings) == 2, timeout=10000)
    assert "sai.json" in warnings[-1][1] and "không phải danh sách tin cậy" in warnings[-1][1]
    assert window.trust is before and not (data / "trust.json").exists()

    # the trust list: added to the data folder's trust.json, used at once
    full = tmp_path / "trust-moi.json"
    u.trust.save(full)
    window.data_menu.ask_open_path = lambda *_a: str(full)
    with qtbot.waitSignal(window.data_menu.trust_loaded, timeout=10000) as trusted:
        window.data_menu.trust_action.trigger()
    assert trusted.args == [2]
    assert len(TrustRegistry.load(data / "trust.json").entries) == 4
    assert window.trust.units_for(u.signers[u.codes[3]].key_id) == {u.codes[3]}
    assert "2 gói bị từ chối vì người ký không xác định" in window.status_label.text()

    # re-check the rejected: off the GUI thread, with progress; both accepted now
    seen: list[int] = []
    window.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(window.data_menu.rechecked, timeout=30000) as rechecked:
        window.data_menu.recheck_action.trigger()
    summary = rechecked.args[0]
    assert (summary.checked, summary.accepted, summary.missing) == (2, 2, [])
    assert seen and not window.progress.isVisible() and window.data_menu.recheck_action.isEnabled()
    assert "2 nay được nhận, 0 vẫn bị từ chối" in window.status_label.text()
    assert window.ranking_model.rowCount() == 4
    assert [r.status for r in window.inbox_model.rows].count("rejected") == 0

    # nothing left to re-check
    with qtbot.waitSignal(window.data_menu.rechecked, timeout=30000):
        window.data_menu.recheck_action.trigger()
    assert window.status_label.text() == "Không có gói nào bị từ chối vì người ký không xác định."


def test_recheck_names_the_files_no_longer_there(qtbot, tmp_path):
    u = Units(3, seed=6)
    folder = tmp_path / "nhan"
    paths = [u.package(folder, code, sid=f"N{i}") for i, code in enumerate(u.codes)]
    window = CollectorWindow(
        tmp_path / "c.sqlite", _partial_trust(u, 1), [CS], TaskRunner(synchronous=True), 2025
    )
    qtbot.addWidget(window)
    window.merge([folder])
    paths[2].unlink()
    window.trust = u.trust
    with qtbot.waitSignal(window.data_menu.rechecked) as rechecked:
        window.data_menu.recheck()
    assert (rechecked.args[0].accepted, rechecked.args[0].missing) == (1, [paths[2].name])
    text = window.status_label.text()
    assert "1 nay được nhận, 0 vẫn bị từ chối" in text and paths[2].name in text


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from forms.packages.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), units=30, evidence=1, year=2025)


def _province(qtbot, tmp_path, demo, settings=None) -> CollectorWindow:
    from forms.reference import reference_set

    tmp_path.mkdir(parents=True, exist_ok=True)
    window = CollectorWindow(
        tmp_path / "c.sqlite", TrustRegistry.load(demo.trust), [reference_set()],
        TaskRunner(synchronous=True), 2025, settings=settings,
    )  # fmt: skip
    qtbot.addWidget(window)
    units = [(x.code, x.name, x.kind, x.group) for x in demo.units]
    units[5] = (units[5][0], LONG_NAME, units[5][2], units[5][3])
    window.store.set_units(units)
    window.merge(demo.packages)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window


def _column(model, title: str) -> int:
    for column in range(model.columnCount()):
        if model.headerData(column, Qt.Orientation.Horizontal) == title:
            return column
    raise AssertionError(title)


def _visible_rows(view) -> int:
    QApplication.processEvents()
    last = view.rowAt(view.viewport().height() - 1)
    return (last if last >= 0 else view.model().rowCount() - 1) - view.rowAt(0) + 1


def test_ranking_fits_a_laptop_and_the_charts_collapse(qtbot, tmp_path, demo):
    settings = Settings(tmp_path / "settings.ini")
    window = _province(qtbot, tmp_path, demo, settings)
    window.tabs.setCurrentIndex(1)
    QApplication.processEvents()
    view = window.ranking_view
    assert window.ranking_model.rowCount() == 30
    for title in ("Tổng điểm", "Xếp loại"):
        rect = view.visualRect(window.ranking_proxy.index(0, _column(window.ranking_model, title)))
        assert view.viewport().rect().contains(rect), title  # seen whole, without scrolling
    assert view.horizontalScrollBar().maximum() == 0

    assert window.chart.isVisible() and _visible_rows(view) < 25
    window.charts_button.click()
    assert not window.chart.isVisible() and _visible_rows(view) >= 25
    assert Settings(tmp_path / "settings.ini").get(opts.CHARTS_SHOWN) is False
    again = _province(qtbot, tmp_path / "b", demo, settings)
    assert not again.chart.isVisibleTo(again) and not again.charts_button.isChecked()

    # no marker before reviews; one column once a review is issued
    assert "Thẩm định" not in [
        window.ranking_model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(window.ranking_model.columnCount())
    ]
    _issue_one_review(window, tmp_path)
    window.refresh()
    mark = _column(window.ranking_model, "Thẩm định")
    marks = [window.ranking_model.index(r, mark).data() for r in range(30)]
    assert marks.count("✓ Đã thẩm định") == 1 and marks.count("Tự đánh giá") == 29
    QApplication.processEvents()
    for title in ("Tổng điểm", "Xếp loại"):
        rect = view.visualRect(window.ranking_proxy.index(0, _column(window.ranking_model, title)))
        assert view.viewport().rect().contains(rect), title


def _issue_one_review(window, tmp_path) -> None:
    from forms.reference import reference_set
    from forms.review.model import Reviewer

    sha = window.store.current_submissions(2025)[0].manifest_sha256
    cs = reference_set()
    window.store.start_review(sha, cs, Reviewer("Trần Văn Bình", "Chuyên viên", "Sở KH&CN"))
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    window.store.issue(sha, cs, Ed25519Signer(key), tmp_path / "reviews")


def test_inbox_opens_a_to_z_with_long_names_elided(qtbot, tmp_path, demo):
    window = _province(qtbot, tmp_path, demo)
    view = window.inbox_view
    names = [r.unit_name for r in window.inbox_model.rows]
    # by the name proper: "Xã An Tường" before "Phường Hải Bình" (the kind word is not sorted on)
    assert names == sorted(names, key=unit_sort_key)
    assert names != sorted(names, key=unit_sort_key)[::-1]
    header = view.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        0,
        Qt.SortOrder.AscendingOrder,
    )
    assert not view.wordWrap() and view.textElideMode() == Qt.TextElideMode.ElideRight
    assert view.rowHeight(0) < 2 * view.fontMetrics().height()  # one line a row
    # the ranking names units as the units list does: the long name is elided, not wrapped
    ranking, model = window.ranking_view, window.ranking_model
    assert not ranking.wordWrap() and ranking.textElideMode() == Qt.TextElideMode.ElideRight
    row = [r.name for r in model.rows].index(LONG_NAME)
    index = window.ranking_proxy.index(row, _column(model, "Đơn vị"))
    assert ranking.rowHeight(row) == ranking.rowHeight(0) < 2 * ranking.fontMetrics().height()
    assert ranking.columnWidth(index.column()) < ranking.fontMetrics().horizontalAdvance(LONG_NAME)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == LONG_NAME  # whole, on hover


def test_export_dialog_offers_the_command_line_options_and_remembers_them(qtbot, tmp_path):
    u = Units(6, seed=9)
    folder = tmp_path / "nhan"
    for i, code in enumerate(u.codes):
        u.package(folder, code, level=i % 5, sid=f"E{i}")
    settings = Settings(tmp_path / "settings.ini")
    window = CollectorWindow(
        tmp_path / "c.sqlite", u.trust, [CS], TaskRunner(synchronous=True), 2025, settings=settings
    )
    qtbot.addWidget(window)
    window.store.set_units([(c, f"Xã {c}", "xã", f"Cụm {i % 2}") for i, c in enumerate(u.codes)])
    window.merge([folder])
    decision = "Kèm theo Quyết định số 10/QĐ-UBND ngày 03/01/2026 của UBND tỉnh Phú Thọ"

    def fill(dialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.layout_choice.setCurrentIndex(dialog.layout_choice.findData("grouped"))
        assert dialog.group_header.isEnabled()
        dialog.appendix.setText("PHỤ LỤC 3")
        dialog.decision.setText(decision)
        dialog.title.setText("KẾT QUẢ XẾP HẠNG CHUYỂN ĐỔI SỐ CẤP XÃ")
        dialog.rank_column.setChecked(True)
        return True

    target = tmp_path / "xep-hang.xlsx"
    window.ask_save_path = lambda *_a: str(target)
    window.exec_dialog = fill
    with qtbot.waitSignal(window.exported):
        window.export_ranking_button.click()
    sheet = openpyxl.load_workbook(target).active
    cells = [str(c.value) for row in sheet.iter_rows(max_row=8) for c in row if c.value]
    assert "PHỤ LỤC 3" in cells and f"({decision})" in cells
    assert "KẾT QUẢ XẾP HẠNG CHUYỂN ĐỔI SỐ CẤP XÃ" in cells
    assert "Xếp hạng" in cells and "Khu vực" in cells  # rank column, grouped layout

    seen: dict[str, object] = {}

    def look(dialog) -> bool:
        qtbot.addWidget(dialog)
        chosen = dialog.appendix_options()
        seen.update(layout=chosen.layout, appendix=chosen.appendix, rank=chosen.rank_column)
        return False  # cancelled: nothing asked, nothing written

    window.exec_dialog = look
    window.ask_save_path = lambda *_a: pytest.fail("asked where to save after a cancel")
    window.export_ranking_button.click()
    assert seen == {"layout": "grouped", "appendix": "PHỤ LỤC 3", "rank": True}


def test_number_boxes_follow_the_language_switch(qtbot, db, settings, runner):
    from pathlib import Path

    from desktop.app import open_app
    from desktop.number_input import DecimalSpinBox, apply_number_locale
    from desktop.shell import Shell
    from forms.i18n import set_language
    from forms.packages import keys
    from local_db import profile

    profile.save(db, officer_name="Trần Văn Bình", position="Chuyên viên")
    settings.set(opts.MODE, "collector")
    settings.set(opts.ORGANISATION, "Phòng VH-XH khu vực 3")
    keys.create_key(Path(db.data_dir) / "keys", "mật khẩu dài", "Phòng VH-XH khu vực 3")
    controller = Shell(db, settings, runner)
    window = open_app(controller, lambda _wizard: False)
    qtbot.addWidget(window)
    try:
        for code, mark, typed in (("en", ".", "10.5"), ("vi", ",", "10,5")):
            QLocale.setDefault(QLocale.c())  # whatever the PC says
            controller._collector_language(code)
            qtbot.addWidget(controller.collector_window)
            assert QLocale().decimalPoint() == mark
            plain = QDoubleSpinBox()
            qtbot.addWidget(plain)
            assert plain.locale().decimalPoint() == mark
            box = DecimalSpinBox()
            qtbot.addWidget(box)
            box.setDecimals(2)
            box.lineEdit().selectAll()
            qtbot.keyClicks(box.lineEdit(), typed)
            box.interpretText()
            assert box.value() == 10.5 and box.text() == f"10{mark}50"
    finally:
        set_language("vi")
        apply_number_locale("vi")
