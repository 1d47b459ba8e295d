"""The reviewer's view of the commune's "không áp dụng" marks (issue 16): each marked
indicator with the commune's reason, and a box to overturn the mark (the indicator then
applies and scores the points the reviewer verifies on the usual item editor). Shown only
when the submission has marks; writes go through the collector store.

Several reviewers (issue 18): each change sends the version of the mark the panel read and
the session's officer; when another officer changed it meanwhile the refusal (who, when) is
shown, the box shows the newer value, and the officer re-applies their change or keeps it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop.qt import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from forms.criteria import CriteriaSet
from forms.i18n import _
from local_db.errors import StorageError
from local_db.review.schema import ReviewError
from local_db.review.versions import StaleEdit


class NotApplicablePanel(QGroupBox):
    changed = Signal(str)  # the code whose mark was overturned or accepted again

    def __init__(
        self,
        store: Any,
        manifest_sha256: str,
        cs: CriteriaSet,
        parent: QWidget | None = None,
        *,
        officer: Callable[[], str] = str,
    ) -> None:
        super().__init__(_("Xã đánh dấu không áp dụng"), parent)
        self.store, self.sha, self.cs = store, manifest_sha256, cs
        self.officer = officer  # the session's officer, asked at the first write
        self.marks = store.not_applicable_marks(manifest_sha256)
        gone = store.overturned_marks(manifest_sha256)
        # the version of each mark read with it, sent as ``based_on``
        self.versions = {c: v[0] for c, v in store.overturn_versions(manifest_sha256).items()}
        self.pending: tuple[str, bool] | None = None  # a refused change, to re-apply
        layout = QVBoxLayout(self)
        self.boxes: dict[str, QCheckBox] = {}
        for code, reason in sorted(self.marks.items()):
            found = cs.find(code)
            name = found.name if found is not None else ""
            label = QLabel(
                _("{code} {name} — lý do: {reason}", code=code, name=name, reason=reason)
            )
            label.setWordWrap(True)
            box = QCheckBox(_("Không chấp nhận: chỉ tiêu được tính điểm"), self)
            box.setChecked(code in gone)
            box.toggled.connect(lambda on, c=code: self._toggled(c, on))
            layout.addWidget(label)
            layout.addWidget(box)
            self.boxes[code] = box
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.reapply_button = QPushButton(_("Áp dụng lại thay đổi của tôi"), self)
        self.reapply_button.clicked.connect(self.reapply)
        self.keep_button = QPushButton(_("Giữ giá trị mới"), self)
        self.keep_button.clicked.connect(self.keep_newer)
        row.addWidget(self.reapply_button)
        row.addWidget(self.keep_button)
        row.addStretch(1)
        layout.addLayout(row)
        self._show_conflict(False)
        self.setVisible(bool(self.marks))

    def _set_box(self, code: str, on: bool) -> None:
        box = self.boxes[code]
        box.blockSignals(True)
        box.setChecked(on)
        box.blockSignals(False)

    def _show_conflict(self, on: bool) -> None:
        self.reapply_button.setVisible(on)
        self.keep_button.setVisible(on)

    def _toggled(self, code: str, on: bool) -> None:
        try:
            self.versions[code] = self.store.set_overturned(
                self.sha, code, on, officer=self.officer(), based_on=self.versions.get(code)
            )
        except StaleEdit as exc:  # another officer changed it meanwhile: theirs is shown
            self.pending = (code, on)
            self.versions[code] = exc.version
            self._set_box(code, bool(exc.current["overturned"]))
            self.message.setText(str(exc))
            self.message.setVisible(True)
            self._show_conflict(True)
            return
        except (ReviewError, StorageError) as exc:
            self._set_box(code, not on)
            self.message.setText(str(exc))
            self.message.setVisible(True)
            return
        self.pending = None
        self._show_conflict(False)
        self.message.setVisible(False)
        self.changed.emit(code)

    def reapply(self) -> None:
        """Make the refused change again, based on the newer version now shown."""
        if self.pending is None:
            return
        code, on = self.pending
        self._set_box(code, on)
        self._toggled(code, on)

    def keep_newer(self) -> None:
        """Drop the refused change: the newer value stays."""
        self.pending = None
        self._show_conflict(False)
        self.message.setVisible(False)
