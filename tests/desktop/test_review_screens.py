"""The review screens: the reviewer sets points and comments; the commune sees the flags."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.collector.session import CollectorSession
from desktop.qt import QModelIndex, Qt
from desktop.review.commune import CommuneReviewPanel
from desktop.review.items_model import (
    COMMENT,
    EXPLANATION,
    FLAG_ROLE,
    FLAGGED_COLOUR,
    STATUS,
    VERIFIED,
    ReviewItemsModel,
)
from desktop.review.reviewer import ReviewerScreen
from desktop.tasks import TaskRunner
from forms.review.model import ItemStatus
from local_db.collector import CollectorStore
from local_db.review import collector as rc
from tests.local_db.review_support import (
    CS,
    PDF,
    REPORT_PDF,
    REVIEWER,
    current_sha,
    first_assessment,
    make_world,
    submit,
)


@pytest.fixture
def world(tmp_path: Path):
    w = make_world(tmp_path)
    first = first_assessment(w)
    submit(w, first, "out1")
    w.first = first  # type: ignore[attr-defined]
    yield w
    w.close()


@pytest.fixture
def collector_session(world):
    """The collector's session on the world's collector database (a synchronous runner)."""
    store = CollectorStore(world.tmp / "collector.sqlite")
    yield CollectorSession(store, TaskRunner(synchronous=True), officer="Trần Văn Bình")
    store.close()


@pytest.fixture
def screen(qtbot, world, collector_session, tmp_path):
    opened: list[Path] = []
    widget = ReviewerScreen(collector_session, current_sha(world.conn), CS, REVIEWER,
                            opener=opened.append, evidence_dir=tmp_path / "open")  # fmt: skip
    widget.opened = opened  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    return widget


def _cell(model: ReviewItemsModel, code: str, column: int, role=Qt.ItemDataRole.DisplayRole):
    return model.index(model.row_of(code), column).data(role)


def test_items_model_passes_modeltester(qtmodeltester, screen) -> None:
    qtmodeltester.check(screen.model)
    assert screen.model.rowCount(screen.model.index(0, 0)) == 0
    assert screen.model.data(QModelIndex()) is None


def test_reviewer_fields_keep_their_size_on_a_768_pixel_screen(qtbot, screen) -> None:
    # what is left of 1366x768 under the collector window's menu, tabs and status bar
    screen.resize(1366, 640)
    screen.show()
    qtbot.waitExposed(screen)
    screen.table.selectRow(0)
    for field in (screen.points, screen.status, screen.save_button):
        assert field.height() >= field.sizeHint().height(), field


def test_reviewer_points_are_rounded_as_the_set_publishes(screen) -> None:
    from decimal import Decimal

    from desktop.review.items_model import SELF, VERIFIED
    from forms.review.model import ReviewItem

    ind = CS.leaves()[0]
    third = Decimal(50) / 3  # a ratio's points: 16.666...
    item = ReviewItem(ind.code, third, third)
    assert screen.model._text(ind, item, SELF).startswith("16,67 / ")
    assert screen.model._text(ind, item, VERIFIED) == "16,67"


@pytest.mark.parametrize("pc_locale", ["C", "en_US", "vi_VN"])
@pytest.mark.parametrize("typed", ["10,5", "10.5"])
def test_reviewer_points_keep_the_decimal_whatever_the_pc_region(
    qtbot, world, collector_session, tmp_path, pc_locale, typed
) -> None:
    """Regression (issue 14): typing "10,5" in the verified points gave 10, with no message (the
    spin box followed the PC's regional settings)."""
    from desktop.qt import QLocale

    before = QLocale()
    QLocale.setDefault(QLocale(pc_locale))
    try:
        widget = ReviewerScreen(collector_session, current_sha(world.conn), CS, REVIEWER,
                                opener=lambda _p: None, evidence_dir=tmp_path / "open")  # fmt: skip
        qtbot.addWidget(widget)
        widget.select("1.1")
        widget.points.lineEdit().selectAll()
        qtbot.keyClick(widget.points.lineEdit(), Qt.Key.Key_Delete)
        qtbot.keyClicks(widget.points.lineEdit(), typed)
        qtbot.mouseClick(widget.save_button, Qt.MouseButton.LeftButton)
        stored = widget.store.load_review(widget.sha).items["1.1"]
        assert stored.verified_points == Decimal("10.5")
        assert widget.points.lineEdit().text() == "10,50"
    finally:
        QLocale.setDefault(before)


def test_reviewer_sets_points_and_comments(qtbot, screen) -> None:
    screen.select("1.1")
    assert (
        screen.points.maximum() == 20 and screen.points.value() == 20
    )  # defaults to self-assessed
    screen.points.setValue(10)
    qtbot.keyClicks(screen.comment, "Chi ")  # typed; QTest cannot type non-Latin-1 text
    screen.comment.insertPlainText("có 2 biên bản hợp lệ")
    with qtbot.waitSignal(screen.changed, check_params_cb=lambda code: code == "1.1"):
        qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    model = screen.model
    assert _cell(model, "1.1", VERIFIED) == "10"
    assert _cell(model, "1.1", STATUS) == "Điều chỉnh điểm"
    assert _cell(model, "1.1", COMMENT) == "Chi có 2 biên bản hợp lệ"
    stored = screen.store.load_review(screen.sha).items["1.1"]
    assert (stored.verified_points, stored.status, stored.comment) == (
        10,
        ItemStatus.ADJUSTED,
        "Chi có 2 biên bản hợp lệ",
    )

    # an explanation request, by choosing it in the status list
    screen.select("1.2")
    screen.status.setCurrentIndex(screen.status.findData(ItemStatus.EXPLAIN.value))
    screen.comment.insertPlainText("Bổ sung danh sách cuộc họp")
    assert screen.save_current()
    assert _cell(model, "1.2", 0, FLAG_ROLE) is True
    assert _cell(model, "1.2", VERIFIED, Qt.ItemDataRole.BackgroundRole).color() == FLAGGED_COLOUR

    # an explanation request without a comment is refused with a message
    screen.select("2.1")
    screen.status.setCurrentIndex(screen.status.findData(ItemStatus.EXPLAIN.value))
    assert screen.save_current()  # saved: the comment is only required when signing
    assert "2.1" in {i.code for i in screen.store.load_review(screen.sha).flagged}

    # choosing "accepted" puts the self-assessed points back
    screen.select("3.1")
    screen.points.setValue(2)
    screen.status.setCurrentIndex(screen.status.findData(ItemStatus.ACCEPTED.value))
    screen.status.activated.emit(screen.status.currentIndex())
    assert screen.points.value() == 8

    # the summary compares self and verified pillar by pillar: 60 -> 50
    summary = screen.summary.model
    total_row = summary.rowCount() - 1
    assert [summary.item(total_row, c).text() for c in range(5)] == [
        "Tổng điểm",
        "60",
        "60",
        "50",
        "-10",
    ]
    assert (
        "tự đánh giá: Tốt" in screen.summary.classification.text()
        and "thẩm định: Tốt" in screen.summary.classification.text()
    )
    assert "1 chỉ tiêu điều chỉnh, 2 chỉ tiêu yêu cầu giải trình" in screen.state.text()


def test_reviewer_opens_the_communes_pdf_report(qtbot, screen) -> None:
    """The collector has the report the chairman signed: it is inside the package (issue 15)."""
    assert screen.report_button.isEnabled()
    qtbot.mouseClick(screen.report_button, Qt.MouseButton.LeftButton)
    [opened] = screen.opened
    assert opened.read_bytes() == REPORT_PDF and opened.suffix == ".pdf"


def test_reviewer_opens_evidence_and_signs(qtbot, screen, world, tmp_path) -> None:
    screen.select("1.1")
    assert screen.evidence.count() == 1 and screen.open_button.isEnabled()
    qtbot.mouseClick(screen.open_button, Qt.MouseButton.LeftButton)
    [opened] = screen.opened
    assert opened.read_bytes() == PDF
    assert "Số cuộc họp: 4 cuộc họp" in screen.answer.text()

    screen.select("1.2")
    screen.status.setCurrentIndex(screen.status.findData(ItemStatus.EXPLAIN.value))
    screen.comment.insertPlainText("Giải trình")
    screen.save_current()
    out = tmp_path / "reviews"
    out.mkdir()
    with qtbot.waitSignal(screen.failed) as blocker:
        screen.issue(world.reviewer, out)
    assert "hạn giải trình" in blocker.args[0] and not list(out.iterdir())
    screen.deadline.setText("15/02/2026")
    with qtbot.waitSignal(screen.issued) as blocker:
        screen.issue(world.reviewer, out)
    assert blocker.args[0].parent == out and screen.read_only
    assert not screen.save_button.isEnabled() and not screen.points.isEnabled()
    assert (
        json.loads(json.loads(blocker.args[0].read_bytes())["review"])["deadline"] == "2026-02-15"
    )


def _issue(world, tmp_path) -> Path:
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER)
    rc.set_item(world.conn, sha, CS, "1.1", points=10, comment="Chỉ 2 biên bản")
    rc.set_item(
        world.conn, sha, CS, "1.2", status="explanation_requested", comment="Bổ sung danh sách"
    )
    rc.set_item(
        world.conn,
        sha,
        CS,
        "2.2.2",
        status="explanation_requested",
        comment="Thiếu danh sách máy tính",
    )
    rc.set_details(world.conn, sha, deadline="2026-02-15", message="Đề nghị giải trình đúng hạn")
    return rc.issue(world.conn, sha, CS, world.reviewer, tmp_path)


def test_commune_screen_shows_the_flags(qtbot, qtmodeltester, world, tmp_path) -> None:
    path = _issue(world, tmp_path)
    panel = CommuneReviewPanel(
        world.db, world.first, CS, TaskRunner(synchronous=True), today=lambda: date(2026, 2, 1)
    )
    qtbot.addWidget(panel)
    panel.resize(1100, 800)
    panel.show()  # clicks need laid-out buttons
    qtbot.waitExposed(panel)
    assert "Chưa có kết quả thẩm định" in panel.header.text() and panel.model is None

    tampered = tmp_path / "sua.dtireview"
    tampered.write_bytes(
        path.read_bytes().replace("Chỉ 2 biên bản".encode(), "Chỉ 3 biên bản".encode())
    )
    with qtbot.waitSignal(panel.failed):
        panel.import_file(tampered)
    assert panel.errors.isVisibleTo(panel) and "không khớp" in panel.errors.text()

    with qtbot.waitSignal(panel.imported):
        panel.import_file(path)
    assert not panel.errors.isVisibleTo(panel)
    model = panel.model
    assert model is not None
    qtmodeltester.check(model)
    assert (
        "2 chỉ tiêu cần giải trình hoặc bổ sung minh chứng: 1.2, 2.2.2" in panel.flags_label.text()
    )
    assert (
        "15/02/2026" in panel.header.text() and "Đề nghị giải trình đúng hạn" in panel.header.text()
    )
    flagged = {
        model.code_at(r) for r in range(model.rowCount()) if model.index(r, 0).data(FLAG_ROLE)
    }
    assert flagged == {"1.2", "2.2.2"}
    assert _cell(model, "2.2.2", COMMENT) == "Thiếu danh sách máy tính"
    assert _cell(model, "1.2", 0, Qt.ItemDataRole.BackgroundRole).color() == FLAGGED_COLOUR
    assert _cell(model, "2.1", 0, Qt.ItemDataRole.BackgroundRole) is None
    # the first flagged indicator is open, with the reviewer's comment beside it
    assert panel.code == "1.2" and "Bổ sung danh sách" in panel.reviewer_comment.text()

    panel.explanation.insertPlainText("Cả 4 cuộc họp do Chủ tịch chủ trì")
    assert panel.save_button.width() > 0  # regression: the explanation box came back 0 px wide
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert _cell(model, "1.2", EXPLANATION) == "Cả 4 cuộc họp do Chủ tịch chủ trì"
    panel.select("2.1")  # accepted: nothing to explain
    assert not panel.explanation.isEnabled() and not panel.save_button.isEnabled()
    # the summary shows what the review does to the totals
    assert "theo điểm thẩm định: Tốt" in panel.summary.classification.text()
    assert "quá hạn" not in panel.flags_label.text()
    late = CommuneReviewPanel(
        world.db, world.first, CS, TaskRunner(synchronous=True), today=lambda: date(2026, 2, 16)
    )
    qtbot.addWidget(late)
    assert (
        "Đã quá hạn giải trình (15/02/2026); còn thiếu giải trình: 2.2.2" in late.flags_label.text()
    )


def test_sign_button_asks_the_caller_for_key_and_folder(qtbot, screen) -> None:
    screen.deadline.setText("31/02/2026")
    with (
        qtbot.waitSignal(screen.failed) as refused,
        qtbot.assertNotEmitted(screen.issue_requested),
    ):
        qtbot.mouseClick(screen.issue_button, Qt.MouseButton.LeftButton)
    assert "15/01/2026" in refused.args[0]  # the format the field asks for, not yyyy-mm-dd
    screen.deadline.setText("28/02/2026")
    assert screen.reviewer_name.text() == "Trần Văn Bình"
    screen.reviewer_name.setText("Lê Thị Hoa")
    with qtbot.waitSignal(screen.issue_requested):
        qtbot.mouseClick(screen.issue_button, Qt.MouseButton.LeftButton)
    stored = screen.store.load_review(screen.sha)
    assert stored.deadline == "2026-02-28" and stored.reviewer.name == "Lê Thị Hoa"


def test_reviewer_tab_from_the_inbox_uses_the_windows_data_folder_keys(
    qtbot, world, tmp_path
) -> None:
    """Regression: opened from the inbox row, the tab signed with the *default* data folder's
    key (``resolve_data_dir(None) / "keys"``), ignoring ``--data-dir``."""
    from desktop.collector.window import CollectorWindow
    from desktop.review.mount import open_review_at
    from local_db.paths import resolve_data_dir

    window = CollectorWindow(
        tmp_path / "collector.sqlite", world.trust, [CS], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    window.session.officer = REVIEWER.name  # asked by the window's dialog otherwise
    screen = open_review_at(window, window.inbox_proxy.index(0, 0))
    assert screen is not None
    assert screen.signing.keys_dir == tmp_path / "keys"
    assert resolve_data_dir(None) / "keys" != tmp_path / "keys"


def test_collector_window_opens_a_reviewer_tab_and_signs(qtbot, world, tmp_path) -> None:
    from desktop.collector.window import CollectorWindow
    from desktop.review.mount import open_review_at, open_review_for_file
    from forms.packages import keys

    window = CollectorWindow(
        tmp_path / "collector.sqlite", world.trust, [CS], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    window.session.officer = REVIEWER.name  # asked by the window's dialog otherwise
    file_sha = world.conn.execute("SELECT file_sha256 FROM submissions").fetchone()[0]
    assert open_review_for_file(window, "00" * 32) is None  # not a merged submission
    keys.create_key(tmp_path / "keys", "mat-khau")
    screen = open_review_for_file(window, file_sha, reviewer=REVIEWER, keys_dir=tmp_path / "keys")
    assert screen is not None and window.tabs.currentWidget() is screen
    assert open_review_for_file(window, file_sha) is screen  # opened once
    assert open_review_at(window, window.inbox_proxy.index(0, 0)) is screen  # from the inbox row
    assert open_review_at(window, QModelIndex()) is None
    window.show()
    qtbot.waitExposed(window)
    reports: list[tuple[bool, str]] = []
    signing = screen.signing
    signing.report = lambda ok, text: reports.append((ok, text))
    signing.ask_folder = lambda _parent: str(tmp_path)
    signing.ask_passphrase = lambda _parent: "sai"
    qtbot.mouseClick(screen.issue_button, Qt.MouseButton.LeftButton)
    assert reports == [(False, "Sai mật khẩu khóa ký (hoặc tệp khóa bị hỏng). Hãy thử lại.")]
    signing.ask_passphrase = lambda _parent: "mat-khau"
    qtbot.mouseClick(screen.issue_button, Qt.MouseButton.LeftButton)
    assert reports[-1][0] and screen.read_only
    assert list(tmp_path.glob("*.dtireview"))
    window.close()


def test_commune_tab_is_added_to_the_main_window(qtbot, world) -> None:
    from desktop.qt import QTabWidget, QWidget
    from desktop.review.mount import add_review_tab

    holder = QWidget()
    qtbot.addWidget(holder)
    holder.tabs = QTabWidget(holder)  # type: ignore[attr-defined]
    panel = add_review_tab(holder, world.db, world.first, CS, TaskRunner(synchronous=True))
    assert (
        holder.tabs.count() == 1
        and holder.tabs.tabText(0) == "Thẩm định"
        and holder.review_panel is panel
    )


def test_resubmission_marks_what_changed(qtbot, world, collector_session, tmp_path) -> None:
    from desktop.review.items_model import CHANGED_ROLE, NAME
    from local_db import answers, assessments
    from local_db.review import commune

    commune.import_review(world.db, _issue(world, tmp_path))
    second = assessments.reopen(world.db, world.first)
    answers.set_value(world.db, second.id, "2.2.2", "pct", 80, points=5)
    submit(world, second.id, "out2")
    screen = ReviewerScreen(collector_session, current_sha(world.conn), CS, REVIEWER)
    qtbot.addWidget(screen)
    model = screen.model
    changed = {
        model.code_at(r) for r in range(model.rowCount()) if model.index(r, 0).data(CHANGED_ROLE)
    }
    assert changed == {"2.2.2"}
    assert "đã thay đổi so với lần nộp trước" in _cell(model, "2.2.2", NAME)
    assert _cell(model, "2.2.2", 0, Qt.ItemDataRole.FontRole).bold()
    screen.select("2.2.2")
    assert "đã thay đổi so với lần nộp trước" in screen.title.text()
    # the flag carried over from the first review waits for the reviewer's decision
    assert _cell(model, "2.2.2", 0, FLAG_ROLE) is True


def test_through_the_app_the_answer_carries_explanations_and_supersedes(qtbot, tmp_path) -> None:
    """Commune app: export r1 -> review -> import in the review tab, explain -> reopen, export r2."""
    import zipfile

    from desktop.settings import Settings
    from desktop.shell import Shell
    from forms.packages import keys
    from forms.packages.trust import ROLE_REVIEW, TrustRegistry
    from local_db import assessments, open_database, profile
    from local_db.collector import merge_paths, open_collector
    from local_db.review import commune
    from tests.local_db.collector_support import answers as level_answers
    from tests.local_db.review_support import signer

    def manifest(path: Path) -> dict:
        with zipfile.ZipFile(path) as zf:
            return json.loads(zf.read("manifest.json"))

    db = open_database(tmp_path / "data", user="Lan")
    conn = open_collector(tmp_path / "c.sqlite")
    try:
        runner = TaskRunner(synchronous=True)
        controller = Shell(db, Settings(tmp_path / "s.ini"), runner)
        profile.save(db, officer_name="Nguyễn Thị Lan", position="Công chức", unit_code="25001")
        keys.create_key(controller.keys_dir, "mat khau dai")
        assessments.create(db, "25001", CS.year, CS)
        qtbot.addWidget(controller.build_window())
        for code, values in level_answers(4).items():
            for key, value in values.items():
                controller.commune.session.set_value(code, key, value)

        def export(out: Path) -> Path:
            qtbot.addWidget(controller.commune.open_finalise(exec_dialog=False))
            with qtbot.waitSignal(controller.commune.exported) as exported:
                controller.commune.export("mat khau dai", out)
            return Path(exported.args[0])

        p1 = export(tmp_path / "r1")
        trust = TrustRegistry()
        trust.add_key("25001", keys.load_public(controller.keys_dir).public_key)
        merge_paths(conn, [p1], trust, [CS])
        sha = current_sha(conn)
        reviewer = signer(2)
        rc.start_review(conn, sha, CS, REVIEWER)
        rc.set_item(conn, sha, CS, "1.2", status="explanation_requested", comment="Bổ sung")
        rc.set_details(conn, sha, deadline="2026-02-15")
        review_file = rc.issue(conn, sha, CS, reviewer, tmp_path / "reviews")
        reviewers = TrustRegistry()
        reviewers.add_key("25001", reviewer.public_raw, roles=(ROLE_REVIEW,))
        reviewers.save(commune.reviewers_path(db))

        panel = controller.review_panel()
        with qtbot.waitSignal(panel.imported):
            panel.import_file(review_file)
        panel.explanation.setPlainText("Cả 4 cuộc họp do Chủ tịch chủ trì")
        assert panel.save_explanation()

        qtbot.addWidget(controller.commune.reopen())
        # revision 2's review tab shows the review it answers, with the explanation
        again = controller.review_panel()
        assert again is not panel and again.code == "1.2"
        assert again.explanation.toPlainText() == "Cả 4 cuộc họp do Chủ tịch chủ trì"
        p2 = export(tmp_path / "r2")
        m1, m2 = manifest(p1), manifest(p2)
        assert m2["supersedes"] == m1["submission_id"]
        assert m2["answers"]["1.2"]["note"] == "Cả 4 cuộc họp do Chủ tịch chủ trì"
        merge_paths(conn, [p2], trust, [CS])
        assert "Cả 4 cuộc họp" in rc.load_submission(conn, current_sha(conn)).notes["1.2"]
    finally:
        conn.close()
        db.close()
