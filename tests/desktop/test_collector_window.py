"""Collector mode: drop a folder of packages, the inbox fills with progress, rank, export."""

from __future__ import annotations

import openpyxl
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from desktop.collector.models import InboxFilter, InboxModel, RankingModel
from desktop.collector.window import CollectorWindow
from desktop.qt import QDropEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from desktop.tasks import TaskRunner
from forms.packages.signing import Ed25519Signer
from forms.results_check import check_workbook
from local_db.collector.reports import InboxRow, inbox_rows, ranking_for_year
from tests.local_db.collector_support import CS, Units


@pytest.fixture
def inbox(tmp_path):
    u = Units(12, seed=4)
    folder = tmp_path / "nhan"
    for i, code in enumerate(u.codes):
        u.package(folder, code, level=i % 5, sid=f"P{i}")
    u.package(folder, u.codes[0], level=4, sid="P0-bad", signer=u.signers[u.codes[1]])  # wrong key
    return u, folder


def _drop(window, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    return event


def test_drop_a_folder_then_rank_and_export(qtbot, tmp_path, inbox):
    u, folder = inbox
    window = CollectorWindow(tmp_path / "c.sqlite", u.trust, [CS], TaskRunner(), year=2025)
    qtbot.addWidget(window)
    window.store.set_units(
        [(c, f"Xã {c}", "xã", "Cụm A" if i < 6 else "Cụm B") for i, c in enumerate(u.codes)],
    )
    window.show()
    seen: list[int] = []
    window.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(window.merged, timeout=30000) as blocker:
        event = _drop(window, [folder])
        assert event.isAccepted() and window.progress.isVisible()
    summary = blocker.args[0]
    assert (summary.accepted, len(summary.rejected)) == (12, 1)
    assert seen and seen[-1] == 13 and not window.progress.isVisible()
    assert window.inbox_model.rowCount() == 13
    assert "12 nhận mới" in window.status_label.text()

    # filter: accent-insensitive search and status
    window.status_filter.setCurrentIndex(window.status_filter.findData("rejected"))
    assert window.inbox_proxy.rowCount() == 1
    status = window.inbox_proxy.index(0, 4).data()
    assert status.startswith("Bị từ chối") and "không được ký cho đơn vị" in status
    window.status_filter.setCurrentIndex(0)
    window.search.setText("xa 10003")
    assert window.inbox_proxy.rowCount() == 1

    # the ranking tab: the rejected package is not there, totals and classes are
    window.tabs.setCurrentIndex(1)
    assert window.ranking_model.rowCount() == 12
    assert sum(window.chart.classes.values()) == 12 and sum(n for _l, n in window.chart.bins) == 12
    window.ranking_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert window.ranking_proxy.index(0, 0).data() == "1"

    # mark the first unit "not ranked": it moves after the ranked ones, with "-"
    first = window.ranking_proxy.index(0, 3).data()
    window.ranking_view.selectRow(0)
    asked: list[object] = []

    def answer(dialog) -> bool:  # the officer's name, asked at the session's first write
        asked.append(dialog)
        dialog.name.setText("  Lê Văn Hùng ")
        return True

    window.exec_dialog = answer
    window.not_ranked_button.click()  # the session's changed: read again on a worker thread
    qtbot.waitUntil(lambda: window.ranking_model.rows[-1].rank is None, timeout=10000)
    last = window.ranking_model.rows[-1]
    assert (last.name, last.rank, last.classification) == (first, None, "-")
    assert sum(window.chart.classes.values()) == 11
    (mark,) = window.store.audit_rows("unit/")
    assert mark.officer == "Lê Văn Hùng" and mark.after == {"not_ranked": True}
    window.ranking_view.selectRow(0)
    window.not_ranked_button.click()
    assert len(asked) == 1 and window.session.officer == "Lê Văn Hùng"  # once per session

    target = tmp_path / "xep-hang.xlsx"
    window.ask_save_path = lambda *_a: str(target)
    window.exec_dialog = lambda dialog: True  # the export options as they come (overall)
    with qtbot.waitSignal(window.exported):
        window.export_ranking_button.click()
    assert check_workbook(target, CS.bands).errors == []
    # title, blank line, header; the 12 units; blank line, the criteria-set footnote
    assert openpyxl.load_workbook(target).active.max_row == 3 + 12 + 2

    report = tmp_path / "tinh-trang.csv"
    window.ask_save_path = lambda *_a: str(report)
    with qtbot.waitSignal(window.exported):
        window.export_completeness_button.click()
    assert report.read_text(encoding="utf-8-sig").count("Đã có bài nộp hợp lệ") == 12

    signer = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    window.bundle_signer = lambda: signer
    window.collector_name = "Cụm A"
    bundle = tmp_path / "cum.dtibundle"
    window.ask_save_path = lambda *_a: str(bundle)
    with qtbot.waitSignal(window.exported):
        window.export_bundle_button.click()
    assert bundle.stat().st_size > 0


def test_models_pass_the_model_tester(qtmodeltester, tmp_path, inbox):
    from local_db.collector import merge_paths, open_collector

    u, folder = inbox
    conn = open_collector(tmp_path / "c.sqlite")
    merge_paths(conn, [folder], u.trust, [CS])
    model = InboxModel()
    model.set_rows(inbox_rows(conn))
    qtmodeltester.check(model)
    ranking = RankingModel()
    ranking.set_ranking(ranking_for_year(conn, 2025, [CS]))
    qtmodeltester.check(ranking)
    ranking.set_ranking(None)
    qtmodeltester.check(ranking)


def test_drag_enter_refuses_non_files(qtbot, tmp_path, inbox):
    from desktop.qt import QDragEnterEvent

    u, _folder = inbox
    window = CollectorWindow(
        tmp_path / "c.sqlite", u.trust, [CS], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.org/a.dtipkg")])
    event = QDragEnterEvent(
        QPoint(1, 1),  # QPoint: PySide6 before 6.12 takes no QPointF here
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(event)
    assert not event.isAccepted()
    assert "Chưa có bài nộp hợp lệ nào cho năm 2025" in window.ranking_note.text()
    assert not window.export_ranking_button.isEnabled()


def test_open_collector_window_signs_bundles_with_the_data_folder_key(
    qtbot, tmp_path, inbox, monkeypatch
):
    from desktop.collector import key_signer, open_collector_window
    from forms.packages import keys

    u, folder = inbox
    data = tmp_path / "data"
    u.trust.save(data / "trust.json")
    keys.create_key(data / "keys", "mật khẩu", "Cụm Đông")
    window = open_collector_window(data, TaskRunner(synchronous=True), extra_criteria=[CS])
    qtbot.addWidget(window)
    window.year_spin.setValue(2025)
    assert window.collector_name == "Cụm Đông"
    with qtbot.waitSignal(window.merged):
        window.merge([folder])
    assert window.ranking_model.rowCount() == 12
    window.bundle_signer = key_signer(window, data / "keys", ask=lambda _w: "mật khẩu")
    window.ask_save_path = lambda *_a: str(tmp_path / "b.dtibundle")
    with qtbot.waitSignal(window.exported):
        window.export_bundle_button.click()
    cancelled = key_signer(window, data / "keys", ask=lambda _w: None)
    assert cancelled() is None


def test_conflict_shown_then_settled_by_a_person(qtbot, tmp_path):
    u = Units(2, seed=6)
    folder = tmp_path / "nhan"
    u.package(folder, u.codes[0], level=1, sid="A")
    u.package(folder, u.codes[0], level=4, sid="B")  # the same revision again: a conflict
    u.package(folder, u.codes[1], level=2, sid="C")
    window = CollectorWindow(
        tmp_path / "c.sqlite", u.trust, [CS], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    window.merge([folder])
    assert [r.unit_code for r in window.ranking_model.rows] == [
        u.codes[1]
    ]  # neither silently chosen
    window.status_filter.setCurrentIndex(window.status_filter.findData("conflict"))
    assert window.inbox_proxy.rowCount() == 2
    window.inbox_view.selectRow(0)
    assert window.choose_button.isEnabled()
    chosen = window.inbox_model.rows[
        window.inbox_proxy.mapToSource(window.inbox_proxy.index(0, 0)).row()
    ]
    window.exec_dialog = lambda _dialog: False  # the officer's name not given: nothing chosen
    window.choose_button.click()
    assert "tên cán bộ" in window.status_label.text()
    assert [r.unit_code for r in window.ranking_model.rows] == [u.codes[1]]
    assert window.session.officer is None and not window.store.audit_rows("decision/")
    window.session.officer = "Lê Văn Hùng"
    window.choose_button.click()
    assert {r.unit_code for r in window.ranking_model.rows} == {u.codes[0], u.codes[1]}
    statuses = {r.file_name: r.status for r in window.inbox_model.rows if r.unit_code == u.codes[0]}
    assert statuses[chosen.file_name] == "current" and sorted(statuses.values()) == [
        "current",
        "passed_over",
    ]


def test_count_axis_ticks_are_whole_numbers():
    """Regression: a bar of 3 sat between ticks labelled 2 and 4 (fractional tick positions)."""
    from decimal import Decimal

    from desktop.collector.charts import count_axis_step, histogram

    assert [count_axis_step(n) for n in (1, 6, 7, 12, 13, 31, 700)] == [1, 1, 2, 2, 5, 10, 200]
    labels = [label for label, _n in histogram([Decimal(0), Decimal(1000)], Decimal(1000))]
    assert labels == ["0", "100", "200", "300", "400", "500", "600", "700", "800", "900"]


def test_a_failed_export_is_reported_not_raised(qtbot, tmp_path, monkeypatch):
    """Exports run off the GUI thread; a write that fails comes back as a message naming the file."""
    import threading

    import desktop.collector.window as window_module
    import local_db.collector.completeness_file as completeness_file

    threads: list[bool] = []
    real_write = completeness_file.write_completeness

    def spying_write(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real_write(*args, **kwargs)

    monkeypatch.setattr(completeness_file, "write_completeness", spying_write)

    window = CollectorWindow(tmp_path / "c.sqlite", None, [CS], TaskRunner(), year=2025)
    qtbot.addWidget(window)
    warnings: list[str] = []
    monkeypatch.setattr(
        window_module.QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text)
    )
    target = tmp_path / "khong-co-thu-muc" / "tinh-trang.xlsx"
    window.ask_save_path = lambda *_a: str(target)
    with qtbot.assertNotEmitted(window.exported, wait=200):
        window.export_completeness_button.click()
        qtbot.waitUntil(lambda: bool(warnings), timeout=10000)
    assert str(target) in warnings[0] and not target.exists()
    assert threads == [False]  # written on a worker thread, not the GUI thread


@pytest.mark.slow
def test_a_large_drop_verifies_in_worker_processes_from_the_merge_thread(
    qtbot, tmp_path, monkeypatch
):
    """Hundreds of packages: the merge thread starts worker processes (spawned from a
    non-GUI thread of a Qt application) and the window follows to the end."""
    import local_db.collector.merge as merge_module
    from forms.packages.demo import write_demo
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector.merge import POOL_MINIMUM

    monkeypatch.setattr(merge_module, "default_workers", lambda: 1)  # even on a 1-core machine
    n = POOL_MINIMUM + 20
    demo = write_demo(tmp_path / "nhan", units=n, seed=3, evidence=0)
    window = CollectorWindow(
        tmp_path / "c.sqlite", TrustRegistry.load(demo.trust), [reference_set()], TaskRunner(),
        year=2025,
    )  # fmt: skip
    qtbot.addWidget(window)
    window.show()
    seen: list[int] = []
    window.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(window.merged, timeout=120000) as blocker:
        _drop(window, [tmp_path / "nhan"])
    summary = blocker.args[0]
    assert (summary.accepted, summary.rejected) == (n, [])
    assert summary.verified_in_workers > 0
    assert seen[-1] == n and window.inbox_model.rowCount() == n


def _row(code: str, name: str, group: str = "Cụm 1") -> InboxRow:
    return InboxRow(f"sha-{code}", f"{code}.dtipkg", code, name, group, 2025, 1, "current", (),
                    "Lan", "2026-01-15T08:00:00+00:00", "")  # fmt: skip


def test_sorting_is_vietnamese_keeps_the_selection_and_survives_a_refresh(qtbot, qtmodeltester):
    """The models sort themselves (precomputed keys, see _SortedTable): Vietnamese order,
    both directions, the selected row stays selected, a refresh keeps the chosen order."""
    from desktop.qt import QTableView

    names = {"5": "Xã Đông Anh", "1": "Xã Ân Thi", "3": "Xã Ba Vì", "2": "Xã An Bình",
             "4": "Xã Dương Quang"}  # fmt: skip
    model = InboxModel()
    model.set_rows([_row(code, name) for code, name in names.items()])
    proxy = InboxFilter()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)

    def shown() -> list[str]:
        return [proxy.index(r, 0).data().split(" ", 1)[1] for r in range(proxy.rowCount())]

    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    expected = ["Xã An Bình", "Xã Ân Thi", "Xã Ba Vì", "Xã Dương Quang", "Xã Đông Anh"]
    assert shown() == expected
    assert proxy.sortColumn() == -1  # the model sorted, not the proxy (80,000 data() calls)
    assert [row.unit_code for row in model.rows] == ["2", "1", "3", "4", "5"]
    view.selectRow(2)  # Ba Vì
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert shown() == expected[::-1]
    selected = view.selectionModel().selectedRows()
    assert [proxy.index(i.row(), 0).data() for i in selected] == ["3 Xã Ba Vì"]
    # new rows arrive (a merge): still descending, filtering still works
    model.set_rows([_row(code, name) for code, name in {**names, "6": "Xã Bắc Sơn"}.items()])
    assert shown() == ["Xã Đông Anh", "Xã Dương Quang", "Xã Bắc Sơn", "Xã Ba Vì", "Xã Ân Thi",
                       "Xã An Bình"]  # fmt: skip
    proxy.set_text("dong")
    assert shown() == ["Xã Đông Anh"]
    qtmodeltester.check(model)


def test_after_a_merge_the_views_are_read_off_the_gui_thread(qtbot, tmp_path, inbox, monkeypatch):
    """A province's refresh reads ~3,321 rows and ranks them: done on the merge's worker
    thread, the GUI thread only swaps the rows in."""
    import threading

    import desktop.collector.window as window_module

    u, folder = inbox
    window = CollectorWindow(tmp_path / "c.sqlite", u.trust, [CS], TaskRunner(), year=2025)
    qtbot.addWidget(window)
    real_gather = window_module._gather
    threads: list[int] = []

    def gather(*args):
        threads.append(threading.get_ident())
        return real_gather(*args)

    monkeypatch.setattr(window_module, "_gather", gather)
    with qtbot.waitSignal(window.merged, timeout=30000):
        _drop(window, [folder])
    assert threads and threads[-1] != threading.get_ident()
    assert window.inbox_model.rowCount() == 13 and window.ranking_model.rowCount() == 12


def test_choosing_another_year_reads_it_off_the_gui_thread(qtbot, tmp_path, inbox, monkeypatch):
    import threading

    import desktop.collector.window as window_module
    from local_db.collector import merge_paths, open_collector

    u, folder = inbox
    conn = open_collector(tmp_path / "c.sqlite")
    merge_paths(conn, [folder], u.trust, [CS])
    conn.close()
    window = CollectorWindow(tmp_path / "c.sqlite", u.trust, [CS], TaskRunner(), year=2024)
    qtbot.addWidget(window)
    assert window.ranking_model.rowCount() == 0  # nothing for 2024
    real_gather = window_module._gather
    threads: list[int] = []

    def gather(*args):
        threads.append(threading.get_ident())
        return real_gather(*args)

    monkeypatch.setattr(window_module, "_gather", gather)
    window.year_spin.setValue(2025)
    qtbot.waitUntil(lambda: window.ranking_model.rowCount() == 12, timeout=10000)
    assert threads and all(t != threading.get_ident() for t in threads)
    assert "Năm 2025" in window.ranking_note.text()


def test_choosing_sends_the_decision_version_read_and_a_stale_one_is_refused(qtbot, tmp_path):
    """Another process decides the conflict after the window read it: the window's choice is
    refused naming that officer, the view re-reads, and choosing again (on the newer version)
    is accepted and audited with the session's officer (issue 18)."""
    from local_db.collector import open_collector
    from local_db.collector.decisions import decide

    u = Units(2, seed=6)
    folder = tmp_path / "nhan"
    u.package(folder, u.codes[0], level=1, sid="A")
    u.package(folder, u.codes[0], level=4, sid="B")  # a conflict
    window = CollectorWindow(
        tmp_path / "c.sqlite", u.trust, [CS], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    window.merge([folder])
    window.session.officer = "Lê Văn Hùng"
    window.status_filter.setCurrentIndex(window.status_filter.findData("conflict"))
    window.inbox_view.selectRow(0)
    shown = window.inbox_model.rows[
        window.inbox_proxy.mapToSource(window.inbox_proxy.index(0, 0)).row()
    ]
    assert shown.decision_version == 0
    other = open_collector(str(tmp_path / "c.sqlite"))  # another officer, another connection
    sha = other.execute(
        "SELECT manifest_sha256 FROM submissions WHERE unit_code=? ORDER BY manifest_sha256",
        (u.codes[0],),
    ).fetchall()
    decide(other, u.codes[0], 2025, sha[0][0], "Chọn", "2026-02-03T08:15:00+00:00",
           officer="Trần Văn Bình")  # fmt: skip
    other.close()
    window.choose_button.click()
    assert "Trần Văn Bình" in window.status_label.text()
    assert "03/02/2026" in window.status_label.text()
    assert [(r.version, r.officer) for r in window.store.audit_rows("decision/")] == [
        (1, "Trần Văn Bình")
    ]
    # the view re-read: the rows carry the newer version, and choosing again is accepted
    row = next(r for r in window.inbox_model.rows if r.file_sha256 == shown.file_sha256)
    assert row.decision_version == 1
    assert window.session.decide(row.file_sha256, "Chọn", based_on=row.decision_version)
    assert [(r.version, r.officer) for r in window.store.audit_rows("decision/")] == [
        (1, "Trần Văn Bình"),
        (2, "Lê Văn Hùng"),
    ]


def test_a_not_ranked_mark_sends_its_version_and_a_stale_one_is_refused(qtbot, tmp_path):
    """Another process marks a unit after the window read the ranking: the window's mark is
    refused naming that officer, the ranking re-reads with the newer version (issue 18)."""
    from local_db.collector import open_collector
    from local_db.collector.decisions import set_not_ranked

    u = Units(2, seed=6)
    folder = tmp_path / "nhan"
    u.package(folder, u.codes[0], level=1, sid="A")
    u.package(folder, u.codes[1], level=2, sid="C")
    window = CollectorWindow(
        tmp_path / "c.sqlite", u.trust, [CS], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    window.merge([folder])
    window.session.officer = "Lê Văn Hùng"
    window.tabs.setCurrentIndex(1)
    window.ranking_view.selectRow(0)
    row = window.ranking_model.rows[
        window.ranking_proxy.mapToSource(window.ranking_proxy.index(0, 0)).row()
    ]
    assert row.mark_version == 0 and not row.not_ranked
    other = open_collector(str(tmp_path / "c.sqlite"))
    set_not_ranked(other, row.unit_code, True, officer="Trần Văn Bình",
                   now="2026-02-03T08:15:00+00:00")  # fmt: skip
    set_not_ranked(other, row.unit_code, False, officer="Trần Văn Bình",
                   now="2026-02-03T08:16:00+00:00")  # fmt: skip
    other.close()
    window.not_ranked_button.click()  # on version 0: refused
    assert "Trần Văn Bình" in window.status_label.text()
    audit = window.store.audit_rows(f"unit/{row.unit_code}")
    assert [(r.version, r.officer) for r in audit] == [(1, "Trần Văn Bình"), (2, "Trần Văn Bình")]
    again = next(r for r in window.ranking_model.rows if r.unit_code == row.unit_code)
    assert again.mark_version == 2 and not again.not_ranked  # re-read
