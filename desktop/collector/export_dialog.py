"""The ranking export's options, as ``dti-desk export ranking`` offers them.

The layout (overall: STT is the rank; grouped: by group, merged group cells), the lines above
the table (appendix, title, decision) and the rank column are ``forms.ranking_xlsx.Appendix``,
the same object the command line builds; the dialog only fills it in and remembers the last
answers in the window's settings (a province exports the same appendix many times).
"""

from __future__ import annotations

from desktop import settings as opts
from desktop.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)
from desktop.settings import Settings
from forms.i18n import _
from forms.ranking_xlsx import DEFAULT_GROUP_HEADER, GROUPED, OVERALL, Appendix, default_title


class ExportRankingDialog(QDialog):
    def __init__(self, year: int, settings: Settings | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(_("Xuất bảng xếp hạng"))
        form = QFormLayout(self)
        self.layout_choice = QComboBox(self)
        self.layout_choice.addItem(_("Toàn tỉnh theo tổng điểm (STT là thứ hạng)"), OVERALL)
        self.layout_choice.addItem(_("Theo từng nhóm (cột nhóm gộp ô)"), GROUPED)
        form.addRow(_("Cách trình bày"), self.layout_choice)
        self.group_header = QLineEdit(self)
        form.addRow(_("Tiêu đề cột nhóm"), self.group_header)
        self.appendix = QLineEdit(self)
        self.appendix.setPlaceholderText(_("ví dụ: PHỤ LỤC 3"))
        form.addRow(_("Dòng phụ lục"), self.appendix)
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(default_title(year))
        form.addRow(_("Tiêu đề bảng"), self.title)
        self.decision = QLineEdit(self)
        self.decision.setPlaceholderText(
            _("Kèm theo Quyết định số …/QĐ-UBND ngày … của UBND tỉnh …")
        )
        self.decision.setMinimumWidth(480)
        form.addRow(_("Dòng quyết định"), self.decision)
        self.rank_column = QCheckBox(_("Thêm cột “Xếp hạng” (thứ hạng toàn tỉnh)"), self)
        form.addRow("", self.rank_column)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._load()
        self.layout_choice.currentIndexChanged.connect(lambda _i: self._layout_changed())
        self._layout_changed()

    def _load(self) -> None:
        s = self.settings
        if s is None:
            self.group_header.setText(DEFAULT_GROUP_HEADER)
            return
        index = self.layout_choice.findData(s.get(opts.EXPORT_LAYOUT))
        self.layout_choice.setCurrentIndex(max(index, 0))
        self.group_header.setText(s.get(opts.EXPORT_GROUP_HEADER) or DEFAULT_GROUP_HEADER)
        self.appendix.setText(s.get(opts.EXPORT_APPENDIX))
        self.title.setText(s.get(opts.EXPORT_TITLE))
        self.decision.setText(s.get(opts.EXPORT_DECISION))
        self.rank_column.setChecked(s.get(opts.EXPORT_RANK_COLUMN))

    def _layout_changed(self) -> None:
        self.group_header.setEnabled(self.layout_choice.currentData() == GROUPED)

    def appendix_options(self) -> Appendix:
        """What the person chose, as the command line's options object."""
        return Appendix(
            layout=str(self.layout_choice.currentData()),
            appendix=self.appendix.text().strip(),
            title=self.title.text().strip(),
            decision=self.decision.text().strip(),
            rank_column=self.rank_column.isChecked(),
            group_header=self.group_header.text().strip() or DEFAULT_GROUP_HEADER,
        )

    def remember(self) -> None:
        """Keep the answers for the next export."""
        s = self.settings
        if s is None:
            return
        chosen = self.appendix_options()
        s.set(opts.EXPORT_LAYOUT, chosen.layout)
        s.set(opts.EXPORT_APPENDIX, chosen.appendix)
        s.set(opts.EXPORT_TITLE, chosen.title)
        s.set(opts.EXPORT_DECISION, chosen.decision)
        s.set(opts.EXPORT_RANK_COLUMN, chosen.rank_column)
        s.set(opts.EXPORT_GROUP_HEADER, chosen.group_header)
        s.sync()
