""" "Dùng lại câu trả lời năm trước": last year's answers and evidence offered for this year.

The dialog lists what ``forms.carry_forward`` matched, by pillar and indicator: each of last
year's values and files with a checkbox, none ticked; what cannot be carried (a changed
field, a value typed this year, a date of last year where this year's is asked) is shown
greyed with the reason, never silently dropped. "Chọn tất cả" ticks every offered item at
the officer's request (one click instead of ninety), still nothing before it. The dialog
only asks: ``apply_requested(fields, files)`` carries the ticked offers to the controller,
which writes them off the GUI thread and calls ``show_result``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.format import format_date
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from forms.carry_forward import CarryPlan, EvidenceOffer, FieldOffer
from forms.i18n import _
from forms.text import short_list

if TYPE_CHECKING:
    from forms.criteria import CriteriaSet
    from local_db.carry import CarryResult

Offer = FieldOffer | EvidenceOffer


def value_text(plan: CarryPlan, cs: CriteriaSet, offer: FieldOffer) -> str:
    """Last year's value as the officer reads it (dd/mm/yyyy, decimal comma, choice label),
    by last year's field when the plan has last year's set (its kind may have changed)."""
    from desktop.finalise.report import answer_text

    old = plan.from_set.find(offer.from_code) if plan.from_set is not None else None
    if old is not None and old.field(offer.from_field) is not None:
        return answer_text(old, offer.from_field, offer.value)
    ind = cs.find(offer.to_code)
    return answer_text(ind, offer.to_field, offer.value) if ind is not None else str(offer.value)


def evidence_text(offer: EvidenceOffer) -> str:
    ref = offer.ref
    parts = [
        _("số {number}", number=ref.number) if ref.number else "",
        _("ngày {date}", date=format_date(ref.date)) if ref.date else "",
        ref.issuer,
    ]
    return ", ".join(p for p in parts if p)


def _tickable(item: QTreeWidgetItem) -> bool:
    return bool(item.flags() & Qt.ItemFlag.ItemIsUserCheckable)


class CarryDialog(QDialog):
    apply_requested = Signal(object, object)  # list[FieldOffer], list[EvidenceOffer]

    def __init__(self, plan: CarryPlan, cs: CriteriaSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("carryDialog")
        self.plan = plan
        self.cs = cs
        self.setWindowTitle(_("Dùng lại câu trả lời năm {year}", year=plan.from_year))
        self.items: list[tuple[QTreeWidgetItem, Offer]] = []
        intro = QLabel(
            _(
                "Bản đánh giá năm {old} có {n} câu trả lời và tệp minh chứng dùng lại được cho năm {new}. "
                "Đánh dấu từng mục muốn dùng lại: chỉ các mục đã đánh dấu được chép sang, mỗi mục được ghi vào nhật ký; "
                "câu trả lời đã nhập năm nay không bao giờ bị ghi đè.",
                old=plan.from_year,
                new=plan.to_year,
                n=plan.offered_count(),
            ),
            self,
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(
            [_("Chỉ tiêu / mục"), _("Năm {year}", year=plan.from_year), _("Ghi chú")]
        )
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 380)
        self.tree.setColumnWidth(1, 220)
        self._fill()
        self.tree.expandAll()
        self.tree.itemChanged.connect(lambda *_args: self._update_buttons())
        self.status = QLabel("", self)
        self.status.setObjectName("carryStatus")
        self.status.setWordWrap(True)
        self.select_all_button = QPushButton(_("Chọn tất cả"), self)
        self.select_all_button.clicked.connect(lambda: self.set_all(True))
        self.clear_button = QPushButton(_("Bỏ chọn tất cả"), self)
        self.clear_button.clicked.connect(lambda: self.set_all(False))
        buttons = QDialogButtonBox(self)
        self.apply_button = buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(_("Đóng"))
        self.apply_button.clicked.connect(self._apply)
        self.close_button.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.select_all_button)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self.resize(900, 600)
        self._update_buttons()

    # --- the list --------------------------------------------------------------------

    def _fill(self) -> None:
        pillars: dict[str, QTreeWidgetItem] = {}
        indicators: dict[str, QTreeWidgetItem] = {}
        fields: dict[str, list[FieldOffer]] = {}
        for offer in self.plan.fields:
            fields.setdefault(offer.to_code, []).append(offer)
        files: dict[str, list[EvidenceOffer]] = {}
        for file_offer in self.plan.evidence:
            files.setdefault(file_offer.to_code, []).append(file_offer)
        for code in self.plan.codes():
            pillar = self.cs.pillar_of(code)
            if pillar.code not in pillars:
                top = QTreeWidgetItem(
                    [_("Trụ cột {code}. {name}", code=pillar.code, name=pillar.name)]
                )
                self.tree.addTopLevelItem(top)
                pillars[pillar.code] = top
            ind = self.cs.indicator(code)
            node = QTreeWidgetItem([f"{ind.code} {ind.name}"])
            pillars[pillar.code].addChild(node)
            indicators[code] = node
            for offer in fields.get(code, []):
                self._add(node, offer, *self._field_texts(offer))
            for file_offer in files.get(code, []):
                self._add(
                    node,
                    file_offer,
                    _("Minh chứng: {name}", name=file_offer.ref.name),
                    evidence_text(file_offer),
                    self._file_note(file_offer),
                )

    def _field_texts(self, offer: FieldOffer) -> tuple[str, str, str]:
        fld = self.cs.indicator(offer.to_code).field(offer.to_field)
        label = fld.label if fld is not None else offer.to_field
        notes = [offer.blocked] if offer.blocked else [w.message for w in offer.warnings]
        if offer.mapped:
            notes.append(_("từ {code}/{key} năm trước", code=offer.from_code, key=offer.from_field))
        return label, value_text(self.plan, self.cs, offer), "; ".join(notes)

    def _file_note(self, offer: EvidenceOffer) -> str:
        if offer.blocked:
            return offer.blocked
        if offer.from_code != offer.to_code:
            return _("từ chỉ tiêu {code} năm trước", code=offer.from_code)
        return ""

    def _add(
        self, parent: QTreeWidgetItem, offer: Offer, label: str, value: str, note: str
    ) -> None:
        item = QTreeWidgetItem([label, value, note])
        item.setToolTip(1, value)  # a document reference is longer than its column
        item.setToolTip(2, note)
        if isinstance(offer, EvidenceOffer):
            item.setToolTip(0, _("cùng tệp đã lưu, không sao chép thêm"))
        if offer.offered:
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)  # nothing ticked for the officer
            if isinstance(offer, FieldOffer) and offer.warnings:
                item.setIcon(
                    2, self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                )
        else:
            item.setFlags(Qt.ItemFlag.NoItemFlags)  # shown with the reason, cannot be ticked
        parent.addChild(item)
        self.items.append((item, offer))

    # --- what the officer ticked -----------------------------------------------------

    def offered_items(self) -> list[QTreeWidgetItem]:
        """The items that can be ticked now (offered, and not carried already)."""
        return [item for item, _offer in self.items if _tickable(item)]

    def set_all(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for item in self.offered_items():
            item.setCheckState(0, state)

    def checked(self) -> tuple[list[FieldOffer], list[EvidenceOffer]]:
        ticked = [
            offer
            for item, offer in self.items
            if _tickable(item) and item.checkState(0) == Qt.CheckState.Checked
        ]
        return (
            [o for o in ticked if isinstance(o, FieldOffer)],
            [o for o in ticked if isinstance(o, EvidenceOffer)],
        )

    def _update_buttons(self) -> None:
        fields, files = self.checked()
        count = len(fields) + len(files)
        self.apply_button.setText(_("Dùng lại {n} mục đã chọn", n=count))
        self.apply_button.setEnabled(count > 0)
        offered = bool(self.offered_items())
        self.select_all_button.setEnabled(offered)
        self.clear_button.setEnabled(offered)

    def _apply(self) -> None:
        fields, files = self.checked()
        if fields or files:
            self.set_busy(True)
            self.apply_requested.emit(fields, files)

    # --- the controller's answers ----------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        for widget in (self.apply_button, self.select_all_button, self.clear_button, self.tree):
            widget.setEnabled(not busy)
        if busy:
            self.status.setText(_("Đang chép các mục đã chọn…"))
        else:
            self._update_buttons()

    def show_result(self, result: CarryResult) -> None:
        """After the write: what was carried and what was skipped (typed meanwhile, …)."""
        text = _(
            "Đã dùng lại {fields} câu trả lời và {files} tệp minh chứng từ năm {year}.",
            fields=result.fields,
            files=result.evidence,
            year=self.plan.from_year,
        )
        if result.skipped:
            text += " " + _(
                "Không chép {n} mục: {items}",
                n=len(result.skipped),
                items=short_list([f"{where} ({why})" for where, why in result.skipped], 5),
            )
        self.status.setText(text)
        for item, _offer in self.items:  # done: these are in this year's assessment now
            if _tickable(item) and item.checkState(0) == Qt.CheckState.Checked:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.set_busy(False)

    def show_error(self, message: str) -> None:
        self.status.setText(_("Không chép được: {error}", error=message))
        self.set_busy(False)
