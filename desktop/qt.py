"""The one door to Qt: every GUI module imports Qt names from here, never from PySide6.

A Qt upgrade, a shim or a workaround then touches this file only. (Qt Charts has a door of
its own, ``desktop.qt_charts``, so that start-up does not import it.)
"""

from PySide6.QtCore import (  # noqa: F401
    QAbstractItemModel,
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QDate,
    QElapsedTimer,
    QEvent,
    QEventLoop,
    QItemSelectionModel,
    QLibraryInfo,
    QLocale,
    QMarginsF,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRectF,
    QRunnable,
    QSettings,
    QSize,
    QSizeF,
    QSortFilterProxyModel,
    QStandardPaths,
    Qt,
    QThreadPool,
    QTimer,
    QTranslator,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (  # noqa: F401
    QAction,
    QActionGroup,
    QBrush,
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QPen,
    QPixmap,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextOption,
    QTextTable,
    QValidator,
)
from PySide6.QtWidgets import (  # noqa: F401
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QStyle,
    QTableView,
    QTabWidget,
    QTextEdit,
    QToolBar,
    QToolButton,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)


# --- workaround: PySide6 6.12.0 Signal.emit() drops a reference to True ----------------------
# ``SignalInstance.emit()`` returns ``True`` without taking a new reference, so every emit from
# Python lowers True's reference count by one; after a few thousand emits (one session of
# typing) CPython aborts with "bool_dealloc: deallocating True or False". Detected at import
# (so a fixed PySide6 turns this off by itself) and neutralised by giving True the huge
# reference count CPython >= 3.12 gives immortal objects. Minimal reproduction: emit any
# Signal 1000 times and watch ``sys.getrefcount(True)`` fall.
def _emit_drops_true_reference() -> bool:
    import sys

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.ping.emit()
    return sys.getrefcount(True) <= before - 8


def _make_true_immortal() -> None:
    import ctypes
    import sys

    if sys.getrefcount(True) < (1 << 32):
        ctypes.c_ssize_t.from_address(id(True)).value += 1 << 40


EMIT_REFCOUNT_WORKAROUND = _emit_drops_true_reference()
if EMIT_REFCOUNT_WORKAROUND:
    _make_true_immortal()
