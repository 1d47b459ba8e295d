"""The reviewer's view of the commune's "không áp dụng" marks (issue 16): each marked
indicator with the commune's reason, and a box to overturn the mark (the indicator then
applies and scores the points the reviewer verifies on the usual item editor). Shown only
when the submission has marks; writes go through the collector store."""

from __future__ import annotations

from typing import Any

from desktop.qt import QCheckBox, QGroupBox, QLabel, QVBoxLayout, QWidget, Signal
from forms.criteria import CriteriaSet
from forms.i18n import _
from local_db.errors import StorageError
from local_db.review.schema import ReviewError


class NotApplicablePanel(QGroupBox):
    changed = Signal(str)  # the code whose mark was overturned or accepted again

    def __init__(
        self, store: Any, manifest_sha256: str, cs: CriteriaSet, parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Xã đánh dấu không áp dụng"), parent)
        self.store, self.sha, self.cs = store, manifest_sha256, cs
        self.marks = store.not_applicable_marks(manifest_sha256)
        gone = store.overturned_marks(manifest_sha256)
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
        self.setVisible(bool(self.marks))

    def _toggled(self, code: str, on: bool) -> None:
        try:
            self.store.set_overturned(self.sha, code, on)
        except (ReviewError, StorageError) as exc:
            box = self.boxes[code]
            box.blockSignals(True)
            box.setChecked(not on)
            box.blockSignals(False)
            self.message.setText(str(exc))
            self.message.setVisible(True)
            return
        self.message.setVisible(False)
        self.changed.emit(code)
