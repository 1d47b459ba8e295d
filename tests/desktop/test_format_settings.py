"""Display formats (dd/mm/yyyy, decimal comma) and typed settings with defaults."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from desktop import settings as opts
from desktop.format import format_date, format_number, matches, parse_date, plain_number_for_typing
from desktop.settings import Settings
from forms.i18n import set_language
from forms.values import to_decimal


def test_dates():
    assert format_date("2025-03-07") == "07/03/2025"
    assert format_date(date(2025, 12, 1)) == "01/12/2025"
    assert format_date("không phải ngày") == "không phải ngày"
    assert parse_date("7/3/2025") == date(2025, 3, 7)
    assert parse_date("2025-03-07") == date(2025, 3, 7)
    assert parse_date("31/02/2025") is None


def test_moments_are_shown_day_first_in_local_time():
    """Issue 14: people read "11/11/2025 10:47", not "2025-11-11T03:47:53Z"."""
    from datetime import UTC, datetime, timedelta, timezone

    from desktop.format import format_moment

    hanoi = timezone(timedelta(hours=7))
    assert format_moment("2025-11-11T03:47:53Z", hanoi) == "11/11/2025 10:47"
    assert format_moment("2025-12-31T20:05:00+00:00", hanoi) == "01/01/2026 03:05"
    assert format_moment(datetime(2026, 12, 3, 7, 5, tzinfo=UTC), hanoi) == "03/12/2026 14:05"
    assert format_moment("2026-12-03 07:05:33", hanoi) == "03/12/2026 14:05"  # naive = UTC
    assert format_moment("hôm qua", hanoi) == "hôm qua"
    assert format_moment(None) == ""


def test_numbers_vietnamese_and_english():
    assert format_number(Decimal("1234.5")) == "1.234,5"
    assert format_number("1000") == "1.000"
    assert format_number(Decimal("650"), 2) == "650,00"
    set_language("en")
    assert format_number(Decimal("1234.5")) == "1,234.5"


@given(st.dates(min_value=date(1900, 1, 1)))
def test_date_round_trip(d):
    assert parse_date(format_date(d)) == d


@given(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False))
def test_typed_number_round_trip(value):
    assert to_decimal(plain_number_for_typing(value)) == value


def test_accent_insensitive_matching():
    assert matches("hoa binh", "Hòa Bình")
    assert matches("dong", "Đồng Lạc")
    assert matches("5.3 an toan", "5.3", "An toàn thông tin")
    assert not matches("hoa son", "Hòa Bình")
    # words match at word starts: "an toan" is not inside "Ban ... kiện toàn"
    assert matches("an toan", "5.1 An toàn hệ thống")
    assert not matches("an toan", "2.7.1 Quyết định kiện toàn Tổ giúp việc Ban Chỉ đạo")


def test_settings_defaults_and_round_trip(tmp_path):
    s = Settings(tmp_path / "s.ini")
    assert s.get(opts.LANGUAGE) == "vi"
    assert s.get(opts.ONLY_UNFINISHED) is False
    s.set(opts.LANGUAGE, "en")
    s.set(opts.ONLY_UNFINISHED, True)
    s.sync()
    again = Settings(tmp_path / "s.ini")
    assert again.get(opts.LANGUAGE) == "en"
    assert again.get(opts.ONLY_UNFINISHED) is True


def test_window_geometry_is_remembered(qtbot, session, runner, tmp_path):
    from desktop.main_window import MainWindow

    settings = Settings(tmp_path / "g.ini")
    first = MainWindow(session, runner, settings)
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 520)  # inside the offscreen 800x600 screen
    first.close()
    second = MainWindow(session, runner, Settings(tmp_path / "g.ini"))
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (700, 520)


def test_qt_standard_words_follow_the_language(qtbot, qapp):
    from desktop.i18n import install_qt_translator
    from desktop.qt import QLineEdit, QMessageBox

    install_qt_translator(qapp)
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "t",
        "x",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
    )
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Yes).text() == "&Có"
    assert box.button(QMessageBox.StandardButton.No).text() == "&Không"
    edit = QLineEdit()
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    assert any(a.text().startswith("&Sao chép") for a in menu.actions())
    menu.deleteLater()
    set_language("en")
    box_en = QMessageBox(QMessageBox.Icon.Question, "t", "x", QMessageBox.StandardButton.Yes)
    qtbot.addWidget(box_en)
    assert box_en.button(QMessageBox.StandardButton.Yes).text() == "&Yes"


def test_the_file_dialog_qt_draws_speaks_vietnamese(qtbot, qapp):
    """Regression (issue 14): Qt's own file dialog (Linux, no portal) said "Look in", "File
    name", "Files of type" and "Open" beside our "Hủy"."""
    from desktop.i18n import install_qt_translator
    from desktop.qt import QAction, QFileDialog, QLabel, QPushButton
    from forms.i18n import set_language

    install_qt_translator(qapp)
    set_language("vi")
    dialog = QFileDialog(None, "Chọn gói", "", "Gói nộp (*.dtipkg)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    qtbot.addWidget(dialog)
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert {"&Tìm trong:", "Tên &tệp:", "&Loại tệp:"} <= labels
    buttons = {button.text() for button in dialog.findChildren(QPushButton)}
    assert "&Mở" in buttons and "Hủy" in buttons
    assert not labels & {"&Look in:", "File &name:", "Files of &type:"}
    actions = {action.text() for action in dialog.findChildren(QAction)}
    assert {"Hiện Kích thước", "Đổi &tên", "&Xóa", "Thư mục &mới"} <= actions
    from desktop.qt import QCoreApplication

    assert QCoreApplication.translate("QAbstractFileIconProvider", "Folder") == "Thư mục"
