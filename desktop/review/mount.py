"""Where the review screens live in the two main windows, in one place.

The commune's main window gets a "Thẩm định" tab (``add_review_tab``); the collector's window
opens a reviewer tab for a received submission (``open_review_for_file``, e.g. on a double
click in the inbox). Signing asks for the key's passphrase and a folder; both questions are
attributes of ``ReviewSigning`` so tests answer them without dialogs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from desktop.review.commune import CommuneReviewPanel
from desktop.review.reviewer import ReviewerScreen
from desktop.tasks import TaskRunner
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.review.model import Reviewer


def add_review_tab(
    window: Any,
    db: Any,
    assessment_id: int,
    cs: CriteriaSet,
    runner: TaskRunner,
    in_place_of: QWidget | None = None,
) -> CommuneReviewPanel:
    """Add the commune's review tab to ``window.tabs`` (a QTabWidget), or put it where the
    ``in_place_of`` placeholder tab is (the tab built on first opening)."""
    panel = CommuneReviewPanel(db, assessment_id, cs, runner, window)
    tabs = window.tabs
    index = tabs.indexOf(in_place_of) if in_place_of is not None else -1
    if index < 0:
        tabs.addTab(panel, _("Thẩm định"))
    else:
        was_current = tabs.currentIndex() == index
        tabs.blockSignals(True)
        tabs.removeTab(index)
        tabs.insertTab(index, panel, _("Thẩm định"))
        tabs.blockSignals(False)
        if was_current:
            tabs.setCurrentIndex(index)
        in_place_of.deleteLater()  # type: ignore[union-attr]
    window.review_panel = panel
    return panel


def ask_passphrase(parent: QWidget | None) -> str | None:
    dialog = QDialog(parent)
    dialog.setWindowTitle(_("Ký phiếu thẩm định"))
    edit = QLineEdit(dialog)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(_("Mật khẩu khóa ký:"), dialog))
    layout.addWidget(edit)
    layout.addWidget(buttons)
    return edit.text() if dialog.exec() else None


def ask_folder(parent: QWidget | None) -> str:
    return QFileDialog.getExistingDirectory(parent, _("Chọn thư mục lưu phiếu thẩm định"))


class ReviewSigning:
    """Turns a screen's ``issue_requested`` into a signed file: passphrase, key, folder."""

    def __init__(self, keys_dir: Path, parent: QWidget | None = None) -> None:
        self.keys_dir = Path(keys_dir)
        self.parent = parent
        self.ask_passphrase: Callable[[QWidget | None], str | None] = ask_passphrase
        self.ask_folder: Callable[[QWidget | None], str] = ask_folder
        self.report: Callable[[bool, str], None] = self._message_box

    def _message_box(self, ok: bool, text: str) -> None:
        (QMessageBox.information if ok else QMessageBox.warning)(self.parent, _("Thẩm định"), text)

    def attach(self, screen: ReviewerScreen) -> None:
        screen.issue_requested.connect(lambda: self.sign(screen))
        screen.issued.connect(
            lambda path: self.report(
                True, _("Đã ký và ghi phiếu thẩm định: {path}", path=str(path))
            )
        )
        screen.failed.connect(lambda text: self.report(False, text))

    def sign(self, screen: ReviewerScreen) -> None:
        from desktop.key_unlock import load_signer_busy
        from forms.packages import keys

        passphrase = self.ask_passphrase(self.parent)
        if passphrase is None:
            return
        try:
            signer = load_signer_busy(self.parent, self.keys_dir, passphrase)
        except keys.KeyFileError:
            self.report(False, _("Sai mật khẩu khóa ký (hoặc tệp khóa bị hỏng). Hãy thử lại."))
            return
        folder = self.ask_folder(self.parent)
        if folder:
            screen.issue(signer, Path(folder))


def open_review_for_file(
    window: Any,
    file_sha256: str,
    *,
    reviewer: Reviewer | None = None,
    keys_dir: Path | None = None,
    criteria_sets: Sequence[CriteriaSet] | None = None,
) -> ReviewerScreen | None:
    """Open the reviewer's tab for the submission received as ``file_sha256`` in ``window``.

    ``window`` has ``session`` (the collector's ``CollectorSession``), ``tabs``, ``keys_dir``
    and ``criteria_sets`` (the collector window). Returns None for a rejected file.
    """
    ref = window.session.store.submission_for_file(file_sha256)
    if ref is None:
        return None
    sha, unit = ref.manifest_sha256, ref.unit_code
    sets = {cs.content_hash: cs for cs in (criteria_sets or window.criteria_sets)}
    cs = sets.get(ref.criteria_hash)
    if cs is None:
        return None
    for index in range(window.tabs.count()):  # already open: show it
        widget = window.tabs.widget(index)
        if isinstance(widget, ReviewerScreen) and widget.sha == sha:
            window.tabs.setCurrentIndex(index)
            return widget
    if keys_dir is None:  # the window's own data folder, never the default one (--data-dir)
        keys_dir = window.keys_dir
    screen = ReviewerScreen(window.session, sha, cs, reviewer or Reviewer(""), window,
                            trust=getattr(window, "trust", None))  # fmt: skip
    signing = ReviewSigning(keys_dir, window)
    signing.attach(screen)
    screen.signing = signing
    window.tabs.addTab(screen, _("Thẩm định {unit}", unit=unit))
    window.tabs.setCurrentWidget(screen)
    return screen


def open_review_at(window: Any, index: Any) -> ReviewerScreen | None:
    """The collector window's inbox: open the reviewer's tab for the row at ``index`` (proxy)."""
    if not index.isValid():
        return None
    row = window.inbox_proxy.mapToSource(index).row()
    return open_review_for_file(window, window.inbox_model.rows[row].file_sha256)
