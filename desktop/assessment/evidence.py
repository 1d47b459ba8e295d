"""The evidence list of one indicator: attach (button or drag-and-drop), open, remove, metadata.

Attaching hashes and copies the file, which can take seconds for a scanned PDF on an old
office PC, so it runs through ``desktop.tasks`` and the list grows when the store is done.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
from pathlib import Path

from desktop import settings as opts
from desktop.assessment.fields import DOCREF_KEYS, docref_labels
from desktop.assessment.session import AssessmentSession, EvidenceItem, SaveError
from desktop.evidence_opener import Opener, open_evidence_file, system_open
from desktop.format import format_date, format_number, parse_date
from desktop.qt import (
    QDragEnterEvent,
    QDropEvent,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.tasks import TaskRunner
from forms.atomic import atomic_write
from forms.i18n import _

ITEM_ROLE = Qt.ItemDataRole.UserRole + 10


def viewing_copy(item: EvidenceItem, root: Path | None = None) -> Path:
    """A copy of the stored file under its original name in a temporary folder, read-only."""
    folder = (root or Path(tempfile.gettempdir()) / "dti-desk-xem") / item.sha256[:16]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(item.name).name
    if not target.is_file() or target.stat().st_size != item.size:
        with open(item.path, "rb") as source, atomic_write(target, mode=stat.S_IREAD) as out:
            shutil.copyfileobj(source, out, 1 << 20)
    return target


def describe_size(size: int) -> str:
    if size >= 1024 * 1024:
        return _("{n} MB", n=format_number(round(size / (1024 * 1024), 1)))
    if size >= 1024:
        return _("{n} KB", n=format_number(round(size / 1024)))
    return _("{n} byte", n=size)


class EvidenceList(QWidget):
    attached = Signal(object)  # EvidenceItem, after the store has it
    failed = Signal(str)

    def __init__(
        self,
        session: AssessmentSession,
        code: str,
        runner: TaskRunner,
        settings=None,
        parent=None,
        *,
        opener: Opener = system_open,
    ) -> None:
        super().__init__(parent)
        self.opener = opener  # tests pass a recorder: nothing reaches the system
        self.session = session
        self.code = code
        self.runner = runner
        self.settings = settings
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget(self)
        self.list.setAlternatingRowColors(True)
        lines = self.fontMetrics().height()
        self.list.setMinimumHeight(lines * 4)
        self.list.setMaximumHeight(lines * 8)
        self.hint = QLabel(
            _(
                "Kéo thả tệp vào đây hoặc bấm “Đính kèm…”. Tệp được sao lưu vào kho dữ liệu của ứng dụng."
            ),
            self,
        )
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)
        buttons = QHBoxLayout()
        self.attach_button = QPushButton(_("Đính kèm…"), self)
        self.open_button = QPushButton(_("Mở"), self)
        self.remove_button = QPushButton(_("Gỡ bỏ"), self)
        for b in (self.attach_button, self.open_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addWidget(self.list)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)

        # document metadata of the selected file
        self.meta_box = QWidget(self)
        form = QFormLayout(self.meta_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.meta_edits: dict[str, QLineEdit] = {}
        for key in DOCREF_KEYS:
            edit = QLineEdit(self.meta_box)
            if key == "date":
                edit.setPlaceholderText(_("dd/mm/yyyy"))
            edit.editingFinished.connect(self._save_meta)
            form.addRow(docref_labels()[key], edit)
            self.meta_edits[key] = edit
        layout.addWidget(self.meta_box)

        self.attach_button.clicked.connect(self.choose_files)
        self.open_button.clicked.connect(self.open_selected)
        # a lambda: clicked(bool) would arrive as confirm=False and skip the question
        self.remove_button.clicked.connect(lambda _checked=False: self.remove_selected())
        self.list.currentItemChanged.connect(self._selection_changed)
        self.list.itemActivated.connect(lambda _item: self.open_selected())
        session.evidence_changed.connect(self._maybe_reload)
        self.reload()

    # --- view -----------------------------------------------------------------------

    def items(self) -> list[EvidenceItem]:
        return list(self.session.evidence.get(self.code, []))

    def _maybe_reload(self, code: str) -> None:
        if code == self.code:
            self.reload()

    def reload(self) -> None:
        current = self.selected()
        self.list.clear()
        for item in self.items():
            row = QListWidgetItem(
                f"{item.name}  ({describe_size(item.size)}, sha256 {item.sha256[:12]}…)"
            )
            row.setData(ITEM_ROLE, item)
            row.setToolTip(item.sha256)
            self.list.addItem(row)
            if current is not None and item.id == current.id:
                self.list.setCurrentItem(row)
        self._selection_changed()

    def selected(self) -> EvidenceItem | None:
        row = self.list.currentItem()
        return row.data(ITEM_ROLE) if row is not None else None

    def _selection_changed(self, *_args) -> None:
        item = self.selected()
        read_only = self.session.read_only
        self.open_button.setEnabled(item is not None)
        self.remove_button.setEnabled(item is not None and not read_only)
        self.attach_button.setEnabled(not read_only)
        self.setAcceptDrops(not read_only)
        self.meta_box.setVisible(item is not None)
        for key, edit in self.meta_edits.items():
            text = (item.meta.get(key, "") if item else "") or ""
            edit.setText(format_date(text) if key == "date" and text else text)
            edit.setReadOnly(read_only)

    # --- actions --------------------------------------------------------------------

    def choose_files(self) -> None:
        start = self.settings.get(opts.LAST_EVIDENCE_DIR) if self.settings else ""
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Chọn tài liệu kiểm chứng"),
            start,
            _(
                "Tài liệu (*.pdf *.docx *.doc *.xlsx *.xls *.odt *.ods *.jpg *.jpeg *.png *.zip);;Mọi tệp (*)"
            ),
        )
        if paths and self.settings:
            self.settings.set(opts.LAST_EVIDENCE_DIR, str(Path(paths[0]).parent))
        for path in paths:
            self.attach_file(path)

    def attach_file(self, path: str, meta: dict[str, str] | None = None) -> None:
        """Hash and store ``path`` off the GUI thread; the list updates when it is stored."""
        if self.session.read_only:
            return
        store = self.session.store
        code = self.code
        self.runner.run(
            lambda: store.attach(code, path, meta or {}),
            on_done=self._stored,
            on_error=lambda exc: self._failed(path, exc),
        )

    def _stored(self, item: EvidenceItem) -> None:
        self.session.attach_stored(item)
        self.attached.emit(item)

    def _failed(self, path: str, exc: BaseException) -> None:
        if not isinstance(exc, SaveError):
            raise exc
        message = (
            str(exc)
            if exc.whole
            else _("Không đính kèm được “{name}”: {reason}", name=Path(path).name, reason=str(exc))
        )
        self.failed.emit(message)
        if self.isVisible():
            QMessageBox.warning(self, _("Tài liệu kiểm chứng"), message)

    def open_selected(self) -> None:
        """Open a read-only copy named like the original: the store names files by their hash,
        without an extension, and Windows would not know which program opens them."""
        item = self.selected()
        if item is None or not item.path:
            return
        self.runner.run(
            lambda: viewing_copy(item),
            self._open_copy,
            lambda exc: self._failed(
                item.name, exc if isinstance(exc, SaveError) else SaveError(str(exc))
            ),
        )

    def _open_copy(self, path: Path) -> None:
        problem = open_evidence_file(path, self.opener)
        if problem is not None:
            self.failed.emit(problem)
            if self.isVisible():
                QMessageBox.warning(self, _("Tài liệu kiểm chứng"), problem)

    def remove_selected(self, confirm: bool = True) -> None:
        item = self.selected()
        if item is None or self.session.read_only:
            return
        if confirm and self.isVisible():
            answer = QMessageBox.question(
                self,
                _("Gỡ tài liệu"),
                _("Gỡ “{name}” khỏi chỉ tiêu {code}?", name=item.name, code=self.code),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.session.remove_evidence(item)

    def _save_meta(self) -> None:
        item = self.selected()
        if item is None or self.session.read_only:
            return
        meta = {}
        for key, edit in self.meta_edits.items():
            text = edit.text().strip()
            if key == "date" and text:
                parsed = parse_date(text)
                text = parsed.isoformat() if parsed else text
            meta[key] = text
        if meta != {k: item.meta.get(k, "") or "" for k in DOCREF_KEYS}:
            self.session.update_evidence(item, meta)

    # --- drag and drop --------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and not self.session.read_only:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls() and not self.session.read_only:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        for path in paths:
            if Path(path).is_file():
                self.attach_file(path)
        event.acceptProposedAction()
