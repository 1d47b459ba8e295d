"""Qt's own words (standard buttons, the edit menu, the file dialog) in the officer's language.

PySide6 ships no Vietnamese Qt catalogue (no ``qtbase_vi.qm``), so a message box would say
"Yes"/"No" and a text field's right-click menu "Copy"/"Paste". This translator answers Qt's
lookups from ``forms.i18n._`` instead, so these words follow the same language switch as the
rest of the window and their English lives in ``resources/i18n/en/gui.json`` like every string.
"""

from __future__ import annotations

from functools import cache

from desktop.qt import QCoreApplication, QTranslator
from forms.i18n import N_, _


@cache
def _table() -> dict[tuple[str, str], str]:
    # (Qt context, Qt's English source) -> our text, looked up through _() at call time
    return {
        ("QPlatformTheme", "OK"): N_("OK"),
        ("QPlatformTheme", "Cancel"): N_("Hủy"),
        ("QPlatformTheme", "Close"): N_("Đóng"),
        ("QPlatformTheme", "&Yes"): N_("&Có"),
        ("QPlatformTheme", "&No"): N_("&Không"),
        ("QPlatformTheme", "Yes to &All"): N_("Có với &tất cả"),
        ("QPlatformTheme", "N&o to All"): N_("K&hông với tất cả"),
        ("QPlatformTheme", "Save"): N_("Lưu"),
        ("QPlatformTheme", "Save All"): N_("Lưu tất cả"),
        ("QPlatformTheme", "Open"): N_("Mở"),
        ("QPlatformTheme", "Apply"): N_("Áp dụng"),
        ("QPlatformTheme", "Reset"): N_("Đặt lại"),
        ("QPlatformTheme", "Help"): N_("Trợ giúp"),
        ("QPlatformTheme", "Discard"): N_("Bỏ"),
        ("QPlatformTheme", "Don't Save"): N_("Không lưu"),
        ("QPlatformTheme", "Close without Saving"): N_("Đóng không lưu"),
        ("QPlatformTheme", "Abort"): N_("Hủy bỏ"),
        ("QPlatformTheme", "Retry"): N_("Thử lại"),
        ("QPlatformTheme", "Ignore"): N_("Bỏ qua"),
        ("QPlatformTheme", "Restore Defaults"): N_("Khôi phục mặc định"),
        ("QWidgetTextControl", "&Undo"): N_("&Hoàn tác"),
        ("QWidgetTextControl", "&Redo"): N_("&Làm lại"),
        ("QWidgetTextControl", "Cu&t"): N_("Cắ&t"),
        ("QWidgetTextControl", "&Copy"): N_("&Sao chép"),
        ("QWidgetTextControl", "&Paste"): N_("&Dán"),
        ("QWidgetTextControl", "Delete"): N_("Xóa"),
        ("QWidgetTextControl", "Select All"): N_("Chọn tất cả"),
        ("QLineEdit", "&Undo"): N_("&Hoàn tác"),
        ("QLineEdit", "&Redo"): N_("&Làm lại"),
        ("QLineEdit", "Cu&t"): N_("Cắ&t"),
        ("QLineEdit", "&Copy"): N_("&Sao chép"),
        ("QLineEdit", "&Paste"): N_("&Dán"),
        ("QLineEdit", "Delete"): N_("Xóa"),
        ("QLineEdit", "Select All"): N_("Chọn tất cả"),
        # the file dialog Qt draws itself (Linux without a desktop portal), wizards, spin boxes
        ("QFileDialog", "Look in:"): N_("Tìm trong:"),
        ("QFileDialog", "&Look in:"): N_("&Tìm trong:"),
        ("QFileDialog", "Files of &type:"): N_("&Loại tệp:"),
        ("QFileDialog", "Show "): N_("Hiện "),
        ("QFileDialog", "File &name:"): N_("Tên &tệp:"),
        ("QFileDialog", "Files of type:"): N_("Loại tệp:"),
        ("QFileDialog", "&Open"): N_("&Mở"),
        ("QFileDialog", "&Save"): N_("&Lưu"),
        ("QFileDialog", "&Choose"): N_("&Chọn"),
        ("QFileDialog", "Open"): N_("Mở"),
        ("QFileDialog", "Save As"): N_("Lưu thành"),
        ("QFileDialog", "Back"): N_("Quay lại"),
        ("QFileDialog", "Go back"): N_("Quay lại"),
        ("QFileDialog", "Forward"): N_("Tiến tới"),
        ("QFileDialog", "Go forward"): N_("Tiến tới"),
        ("QFileDialog", "Parent Directory"): N_("Thư mục cha"),
        ("QFileDialog", "Go to the parent directory"): N_("Lên thư mục cha"),
        ("QFileDialog", "Create New Folder"): N_("Tạo thư mục mới"),
        ("QFileDialog", "Create a New Folder"): N_("Tạo thư mục mới"),
        ("QFileDialog", "New Folder"): N_("Thư mục mới"),
        ("QFileDialog", "&New Folder"): N_("Thư mục &mới"),
        ("QFileDialog", "List View"): N_("Dạng danh sách"),
        ("QFileDialog", "Detail View"): N_("Dạng chi tiết"),
        ("QFileDialog", "Change to list view mode"): N_("Chuyển sang dạng danh sách"),
        ("QFileDialog", "Change to detail view mode"): N_("Chuyển sang dạng chi tiết"),
        ("QFileDialog", "Directory:"): N_("Thư mục:"),
        ("QFileDialog", "Directories"): N_("Các thư mục"),
        ("QFileDialog", "Find Directory"): N_("Chọn thư mục"),
        ("QFileDialog", "&Delete"): N_("&Xóa"),
        ("QFileDialog", "Delete"): N_("Xóa"),
        ("QFileDialog", "&Rename"): N_("Đổi &tên"),
        ("QFileDialog", "Remove"): N_("Bỏ khỏi danh sách"),
        ("QFileDialog", "Show &hidden files"): N_("Hiện tệp ẩ&n"),
        ("QFileDialog", "All Files (*)"): N_("Mọi tệp (*)"),
        ("QFileDialog", "All files (*)"): N_("Mọi tệp (*)"),
        ("QFileDialog", "Recent Places"): N_("Nơi mở gần đây"),
        ("QFileDialog", "My Computer"): N_("Máy tính"),
        ("QFileDialog", "Sidebar"): N_("Thanh bên"),
        ("QFileDialog", "List of places and bookmarks"): N_("Danh sách nơi thường dùng"),
        ("QFileDialog", "File"): N_("Tệp"),
        ("QFileDialog", "Files"): N_("Các tệp"),
        ("QFileDialog", "Folder"): N_("Thư mục"),
        ("QFileDialog", "File Folder"): N_("Thư mục tệp"),
        ("QFileDialog", "%1 File"): N_("Tệp %1"),
        ("QFileDialog", "Drive"): N_("Ổ đĩa"),
        ("QFileDialog", "Unknown"): N_("Không rõ"),
        ("QFileDialog", "Shortcut"): N_("Lối tắt"),
        ("QFileDialog", "%1 already exists.\nDo you want to replace it?"): N_(
            "%1 đã có.\nCó thay thế tệp này không?"
        ),
        ("QFileDialog", "%1\nFile not found.\nPlease verify the correct file name was given."): N_(
            "%1\nKhông tìm thấy tệp.\nHãy kiểm tra lại tên tệp."
        ),
        (
            "QFileDialog",
            "%1\nDirectory not found.\nPlease verify the correct directory name was given.",
        ): N_("%1\nKhông tìm thấy thư mục.\nHãy kiểm tra lại tên thư mục."),
        ("QFileDialog", "Are you sure you want to delete '%1'?"): N_(
            "Có chắc muốn xóa “%1” không?"
        ),
        ("QFileDialog", "'%1' is write protected.\nDo you want to delete it anyway?"): N_(
            "“%1” đang được chống ghi.\nVẫn xóa?"
        ),
        ("QFileDialog", "Could not delete directory."): N_("Không xóa được thư mục."),
        ("QAbstractFileIconProvider", "Folder"): N_("Thư mục"),
        ("QAbstractFileIconProvider", "File"): N_("Tệp"),
        ("QAbstractFileIconProvider", "Drive"): N_("Ổ đĩa"),
        ("QAbstractFileIconProvider", "%1 File"): N_("Tệp %1"),
        ("QFileSystemModel", "Name"): N_("Tên"),
        ("QFileSystemModel", "Size"): N_("Kích thước"),
        ("QFileSystemModel", "Type"): N_("Loại"),
        ("QFileSystemModel", "Kind"): N_("Loại"),
        ("QFileSystemModel", "Date Modified"): N_("Ngày sửa"),
        ("QFileSystemModel", "Computer"): N_("Máy tính"),
        ("QFileSystemModel", "My Computer"): N_("Máy tính"),
        ("QFileSystemModel", "Invalid filename"): N_("Tên tệp không hợp lệ"),
        (
            "QFileSystemModel",
            '<b>The name "%1" cannot be used.</b><p>Try using another name, with fewer characters or no punctuation marks.',
        ): N_(
            "<b>Không dùng được tên “%1”.</b><p>Hãy đặt tên khác, ngắn hơn hoặc không có dấu câu."
        ),
        ("QMessageBox", "Show Details..."): N_("Xem chi tiết…"),
        ("QMessageBox", "Hide Details..."): N_("Ẩn chi tiết…"),
        ("QProgressDialog", "Cancel"): N_("Hủy"),
        ("QWizard", "&Next >"): N_("&Tiếp >"),
        ("QWizard", "&Next"): N_("&Tiếp"),
        ("QWizard", "< &Back"): N_("< &Quay lại"),
        ("QWizard", "Go Back"): N_("Quay lại"),
        ("QWizard", "&Finish"): N_("&Hoàn tất"),
        ("QWizard", "Done"): N_("Xong"),
        ("QWizard", "Continue"): N_("Tiếp tục"),
        ("QWizard", "Commit"): N_("Xác nhận"),
        ("QWizard", "Cancel"): N_("Hủy"),
        ("QWizard", "Help"): N_("Trợ giúp"),
        ("QWizard", "&Help"): N_("&Trợ giúp"),
        ("QAbstractSpinBox", "&Select All"): N_("Chọn &tất cả"),
        ("QAbstractSpinBox", "&Step up"): N_("&Tăng"),
        ("QAbstractSpinBox", "Step &down"): N_("&Giảm"),
        ("QInputDialog", "Enter a value:"): N_("Nhập giá trị:"),
    }


class QtWordsTranslator(QTranslator):
    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        ours = _table().get((context, source))
        # None becomes a null QString ("not translated here"); "" would be taken as a real,
        # empty translation and blank every other Qt text (PDF page numbers went missing)
        return _(ours) if ours is not None else None  # type: ignore[return-value]

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False


_installed: QtWordsTranslator | None = None


def install_qt_translator(app: QCoreApplication) -> QtWordsTranslator:
    """Install once per application; Qt then asks it for every built-in word."""
    global _installed
    if _installed is None:
        _installed = QtWordsTranslator(app)
        app.installTranslator(_installed)
    return _installed
