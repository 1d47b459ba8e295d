"""Qt's own words (standard buttons, the edit context menu) in the officer's language.

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
