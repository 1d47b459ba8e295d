"""The wizard's unit page: find the commune, ward or special zone, and say where the list is from.

No official list can be fetched (the app works offline, and no public source of the post-July
2025 units is shipped), so the page says so plainly: the province's list is imported from the
file the province sends, and a sample list (illustrative codes) is offered for trying the app.
While only the sample is in, the page keeps saying so, so nobody submits for a made-up code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop.qt import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWizardPage,
)
from desktop.tasks import TaskRunner
from forms.i18n import _

if TYPE_CHECKING:
    from local_db.database import Database
    from local_db.models import Unit
    from local_db.units import ImportReport

UNIT_ROLE = Qt.ItemDataRole.UserRole + 20
_SAMPLE_STYLE = "color: #8a4b00;"  # the sample is a caution, not an error


class UnitPage(QWizardPage):
    def __init__(self, db: Database, runner: TaskRunner, current: str = "") -> None:
        super().__init__()
        self.db = db
        self.runner = runner
        self.setTitle(_("Đơn vị báo cáo"))
        self.setSubTitle(
            _("Chọn xã, phường hoặc đặc khu mà anh/chị tự đánh giá. Gõ không dấu cũng tìm được.")
        )
        layout = QVBoxLayout(self)
        # no list yet: where one comes from (shown instead of the empty list)
        self.empty = QLabel(
            _(
                "Chưa có danh sách đơn vị. Chương trình làm việc không cần Internet nên không tự "
                "tải danh sách về được: danh sách chính thức (xã, phường, đặc khu từ ngày "
                "01/07/2025) là tệp do tỉnh gửi (.xlsx hoặc .csv), hãy bấm “Nhập danh sách của "
                "tỉnh…”. Chỉ muốn dùng thử? Bấm “Dùng danh sách mẫu” (mã đơn vị trong mẫu chỉ để "
                "minh họa)."
            ),
            self,
        )
        self.empty.setWordWrap(True)
        self.source = QLabel(self)  # where the list in use came from
        self.source.setWordWrap(True)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Tìm theo tên hoặc mã, ví dụ: hoa binh"))
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.import_button = QPushButton(_("Nhập danh sách của tỉnh…"), self)
        self.sample_button = QPushButton(_("Dùng danh sách mẫu (để dùng thử)"), self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.empty)
        layout.addWidget(self.source)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addWidget(self.sample_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(0)  # takes the room only while the list is hidden (no list yet)
        self.search.textChanged.connect(self.refresh)
        self.list.currentItemChanged.connect(lambda *_a: self.completeChanged.emit())
        self.import_button.clicked.connect(self.choose_import)
        self.sample_button.clicked.connect(self.use_sample)
        self._current = current
        self.refresh()

    def units(self, text: str) -> list[Unit]:
        from local_db import units

        return list(units.search(self.db, text, limit=200))

    def refresh(self, *_args) -> None:
        found = self.units(self.search.text())
        self.list.clear()
        for unit in found:
            label = f"{unit.name} ({unit.code})" + (
                f" — {unit.group_name}" if unit.group_name else ""
            )
            item = QListWidgetItem(label)
            item.setData(UNIT_ROLE, (unit.code, unit.name))
            self.list.addItem(item)
            if unit.code == self._current:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count() == 1:
            self.list.setCurrentRow(0)
        self._show_source()
        self.completeChanged.emit()

    def _show_source(self) -> None:
        from local_db import units

        source = units.list_source(self.db)
        self.empty.setVisible(source == "none")
        self.search.setVisible(source != "none")
        self.list.setVisible(source != "none")
        # the sample is offered until the province's list is in; never mixed into a real list
        self.sample_button.setVisible(source == "none")
        self.source.setVisible(source != "none")
        if source == "sample":
            self.source.setText(
                _(
                    "Đang dùng danh sách mẫu để dùng thử (mã đơn vị chỉ để minh họa, không phải "
                    "mã chính thức). Trước khi nộp thật, hãy nhập danh sách do tỉnh gửi."
                )
            )
            self.source.setStyleSheet(_SAMPLE_STYLE)
        else:
            self.source.setText(_("Danh sách đơn vị nhập từ tệp của tỉnh."))
            self.source.setStyleSheet("")

    def choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Chọn tệp danh sách đơn vị"), "", _("Danh sách đơn vị (*.xlsx *.csv)")
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        from local_db import units

        self.message.setText(_("Đang nhập danh sách…"))
        self.runner.run(
            lambda: units.import_units(self.db, Path(path)), self._imported, self._import_failed
        )

    def use_sample(self) -> None:
        from local_db import units

        self.message.setText(_("Đang nhập danh sách…"))
        self.runner.run(lambda: units.import_sample(self.db), self._imported, self._import_failed)

    def _imported(self, report: ImportReport) -> None:
        if report.problems and not report.written:
            lines = [str(p) for p in report.problems[:10]]
            self.message.setText(_("Không nhập được danh sách:") + "\n" + "\n".join(lines))
        else:
            text = _("Đã nhập {n} đơn vị.", n=report.added + report.updated + report.unchanged)
            if report.samples_removed:
                text += " " + _("Đã bỏ {n} đơn vị của danh sách mẫu.", n=report.samples_removed)
            self.message.setText(text)
        self.refresh()

    def _import_failed(self, exc: BaseException) -> None:
        self.message.setText(_("Không nhập được danh sách: {reason}", reason=str(exc)))

    def chosen(self) -> tuple[str, str] | None:
        item = self.list.currentItem()
        return item.data(UNIT_ROLE) if item is not None else None

    def isComplete(self) -> bool:
        return self.chosen() is not None
