"""The reviewer's screen: one received submission, read-only, with the reviewer's fields.

Left, every indicator (self-assessed and verified points, status, comment). Right, the
selected indicator: the commune's answer and note, its evidence files (open them), and the
reviewer's verified points, status and comment. Below, self vs verified pillar by pillar
with the classification each gives, the deadline for explanations, and "sign and export".
Edits go to the collector database through the ``CollectorSession`` (its store); signing and
opening evidence run on the task runner, on the store's connection of the worker's thread. The
screen re-reads its review when the session says ``changed`` for its year.

Several reviewers at once: each save names the version the screen read; when another officer
saved the indicator meanwhile, the save is refused with who and when, the screen shows the
newer value, and the officer either re-applies their change on top of it or keeps the newer.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from desktop.collector.session import ALL_YEARS, CollectorSession
from desktop.evidence_opener import Opener, open_evidence_file, system_open
from desktop.format import format_date, format_moment, format_points, parse_date
from desktop.number_input import DecimalSpinBox
from desktop.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.review.answers import describe_answer
from desktop.review.items_model import ReviewItemsModel
from desktop.review.not_applicable import NotApplicablePanel
from desktop.review.signatures import SignatureVerdicts
from desktop.review.summary import SummaryTable
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.packages.signing import Signer
from forms.problems import ProblemsError
from forms.review.model import ItemStatus, Review, Reviewer, status_label
from local_db.errors import StorageError
from local_db.review import collector as rc

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


def contact_text(manifest: Mapping[str, Any]) -> str:
    """How to reach the commune about its submission, from the signed manifest: the officer's
    phone and e-mail and the chairman, when the package carries them (since issue 15)."""
    officer, unit = manifest.get("officer") or {}, manifest.get("unit") or {}
    parts = [
        _("điện thoại {phone}", phone=officer["phone"]) if officer.get("phone") else "",
        _("thư điện tử {email}", email=officer["email"]) if officer.get("email") else "",
        _("Chủ tịch UBND {name}", name=unit["chairman"]) if unit.get("chairman") else "",
    ]
    shown = [part for part in parts if part]
    return ("; " + "; ".join(shown)) if shown else ""


class ReviewerScreen(QWidget):
    changed = Signal(str)  # indicator code saved
    issued = Signal(object)  # Path of the .dtireview
    issue_requested = Signal()  # "sign and export" pressed: the caller asks for key and folder
    failed = Signal(str)  # a message for the user

    def __init__(
        self,
        session: CollectorSession,
        manifest_sha256: str,
        cs: CriteriaSet,
        reviewer: Reviewer,
        parent: QWidget | None = None,
        *,
        opener: Opener = system_open,
        evidence_dir: Path | None = None,
        trust: Any = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.store = session.store
        self.sha = manifest_sha256
        self.cs = cs
        self.opener = opener
        self.signing: Any = None  # the review's signing panel, attached by desktop.review.mount
        # opened files must outlive this screen (a PDF viewer keeps them open), so a fixed
        # folder under the system temp folder rather than one removed on close
        self.evidence_dir = evidence_dir or Path(tempfile.gettempdir()) / "dti-desk-evidence"
        self.received = self.store.load_submission(manifest_sha256)
        self.year = int(self.received.manifest["year"])
        self.review: Review = self.store.start_review(
            manifest_sha256, cs, reviewer, officer=session.officer or ""
        )
        self.versions: rc.ReviewVersions | None = None
        # the officer's refused change (code, points, status, comment, met), to re-apply on request
        self.pending: tuple[str, Any, Any, str, bool] | None = None
        self.code = ""
        self.changed_codes = self.store.changed_since_previous(manifest_sha256)
        self._build()
        self.model.set_changed(self.changed_codes)
        self._reload()
        self._fill_details()
        self.select(self.model.code_at(0))
        session.changed.connect(self._store_changed)
        # the report PDF's signature, against the anchors and CRLs the package was checked with
        self.signatures.check(session, manifest_sha256, self.received, trust, self.evidence_dir)

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        m = self.received.manifest
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.header.setText(
            _("{unit} — {name}, năm {year}, lần {revision}; người nộp {officer} ({position}), ký lúc {created}",
              unit=m["unit"]["code"], name=m["unit"]["name"], year=m["year"], revision=m["revision"],
              officer=m["officer"]["name"], position=m["officer"]["position"], created=format_moment(m["created_at"]))
            + contact_text(m)
        )  # fmt: skip
        self.signatures = SignatureVerdicts(self)
        self.model = ReviewItemsModel(self.cs, self.review, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._row_selected(current.row())
        )
        detail = self._build_detail()
        self.summary = SummaryTable(self.cs, self)
        bottom, row = self._build_bottom()

        # the reviewer's fields keep their size on a 768-pixel screen: the detail scrolls
        # instead of squeezing them, and the pillar summary gives way first
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(detail)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        upright = QSplitter(Qt.Orientation.Vertical, self)
        upright.addWidget(split)
        upright.addWidget(self.summary)
        upright.setStretchFactor(0, 3)
        upright.setStretchFactor(1, 1)
        upright.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.signatures)
        # the commune's "không áp dụng" marks, each with its reason and an overturn (issue 16)
        self.not_applicable = NotApplicablePanel(
            self.store, self.sha, self.cs, self, officer=self.session.require_officer
        )
        self.not_applicable.changed.connect(self.changed)
        layout.addWidget(self.not_applicable)
        layout.addWidget(upright, 1)
        layout.addLayout(bottom)
        layout.addLayout(row)

    def _build_evidence(self, detail: QWidget) -> None:
        """The indicator's evidence files, the button opening one, and the one opening the report."""
        self.evidence = QListWidget(detail)
        self.evidence.setMinimumHeight(48)
        self.evidence.setMaximumHeight(110)  # a few files; the reviewer's fields stay in view
        self.evidence.itemActivated.connect(lambda item: self.open_evidence(item.data(ENTRY_ROLE)))
        self.open_button = QPushButton(_("Mở tệp minh chứng"), detail)
        self.open_button.clicked.connect(self._open_selected)
        self.report_button = self._report_button(detail)

    def _report_button(self, parent: QWidget) -> QPushButton:
        """Opens the report the commune's chairman signed, inside its package (format 2)."""
        button = QPushButton(_("Mở báo cáo PDF của đơn vị"), parent)
        report = self.received.report
        button.setEnabled(report is not None)
        if report is not None:
            button.clicked.connect(lambda: self.open_evidence(report.path))
        else:
            button.setToolTip(_("Gói này được lập trước khi báo cáo PDF được đưa vào gói."))
        return button

    def _build_detail(self) -> QWidget:
        """The selected indicator: the commune's answer, note and evidence, the reviewer's fields."""
        detail = QWidget(self)
        self.title = QLabel(detail)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.answer = QLabel(detail)
        self.answer.setWordWrap(True)
        self.answer.setTextFormat(Qt.TextFormat.PlainText)
        self.note = QLabel(detail)
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self._build_evidence(detail)
        self.points = DecimalSpinBox(detail)  # "10,5" and "10.5" alike, whatever the PC's region
        self.points.setDecimals(2)
        self.points.setSingleStep(1)
        # a 0-point target: no points to change, so the reviewer says met or not here
        self.met = QCheckBox(_("Đạt chỉ tiêu (theo thẩm định)"), detail)
        self.status = QComboBox(detail)
        for status in ItemStatus:
            self.status.addItem(status_label(status), status.value)
        self.status.activated.connect(self._status_chosen)
        self.comment = QPlainTextEdit(detail)
        self.comment.setPlaceholderText(_("Nhận xét gửi xã (bắt buộc khi yêu cầu giải trình)"))
        self.comment.setMaximumHeight(90)
        self.save_button = QPushButton(_("Lưu chỉ tiêu này"), detail)
        self.save_button.clicked.connect(self.save_current)
        self.message = QLabel(detail)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        conflict = self._build_conflict(detail)

        box = QGroupBox(_("Thẩm định"), detail)
        form = QFormLayout(box)
        form.addRow(_("Điểm thẩm định"), self.points)
        form.addRow(self.met)
        form.addRow(_("Trạng thái"), self.status)
        form.addRow(_("Nhận xét"), self.comment)
        form.addRow(self.save_button)
        form.addRow(self.message)
        form.addRow(conflict)
        side = QVBoxLayout(detail)
        side.addWidget(self.title)
        side.addWidget(QLabel(_("Trả lời của xã:"), detail))
        side.addWidget(self.answer)
        side.addWidget(self.note)
        side.addWidget(QLabel(_("Tài liệu kiểm chứng:"), detail))
        side.addWidget(self.evidence)
        side.addWidget(self.open_button)
        side.addWidget(self.report_button)
        side.addWidget(box)
        side.addStretch(1)
        return detail

    def _build_conflict(self, detail: QWidget) -> QHBoxLayout:
        """Shown when a save was refused because another officer saved first."""
        self.reapply_button = QPushButton(_("Áp dụng lại thay đổi của tôi"), detail)
        self.reapply_button.clicked.connect(self.reapply)
        self.keep_button = QPushButton(_("Giữ giá trị mới"), detail)
        self.keep_button.clicked.connect(self.keep_newer)
        conflict = QHBoxLayout()
        conflict.addWidget(self.reapply_button)
        conflict.addWidget(self.keep_button)
        self._show_conflict(False)
        return conflict

    def _build_bottom(self) -> tuple[QFormLayout, QHBoxLayout]:
        """Who reviews, the deadline, the general message; the state and "sign and export"."""
        self.reviewer_name = QLineEdit(self)
        self.reviewer_position = QLineEdit(self)
        self.reviewer_org = QLineEdit(self)
        self.deadline = QLineEdit(self)
        self.deadline.setPlaceholderText(_("dd/mm/yyyy"))
        self.general = QLineEdit(self)
        self.general.setPlaceholderText(_("Ý kiến chung gửi xã"))
        self.issue_button = QPushButton(_("Ký và xuất phiếu thẩm định…"), self)
        self.issue_button.clicked.connect(self._issue_pressed)
        self.state = QLabel(self)
        bottom = QFormLayout()
        who = QHBoxLayout()
        for edit, hint in (
            (self.reviewer_name, _("Họ tên")),
            (self.reviewer_position, _("Chức vụ")),
            (self.reviewer_org, _("Cơ quan")),
        ):
            edit.setPlaceholderText(hint)
            who.addWidget(edit)
        bottom.addRow(_("Người thẩm định"), who)
        bottom.addRow(_("Hạn giải trình"), self.deadline)
        bottom.addRow(_("Ý kiến chung"), self.general)
        row = QHBoxLayout()
        row.addWidget(self.state, 1)
        row.addWidget(self.issue_button)
        return bottom, row

    # --- state --------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return self.store.review_state(self.sha) == rc.ISSUED

    def _store_changed(self, year: int) -> None:
        """The session's ``changed``: a save here, a signing, a review received for this year."""
        if year in (ALL_YEARS, self.year):
            self._reload()

    def _fill_details(self) -> None:
        """The reviewer's, deadline and message fields from the stored review (at opening and
        after signing: not on every change, which would drop what is being typed)."""
        review = self.review
        self.deadline.setText(format_date(review.deadline) if review.deadline else "")
        self.general.setText(review.message)
        self.reviewer_name.setText(review.reviewer.name)
        self.reviewer_position.setText(review.reviewer.position)
        self.reviewer_org.setText(review.reviewer.organisation)

    def _reload(self) -> None:
        """The table, the summary and the state from the stored review."""
        review = self.store.load_review(self.sha)
        assert review is not None
        self.review = review
        self.versions = self.store.review_versions(self.sha)
        self.model.set_review(review)
        self.summary.show_review(review)
        read_only = self.read_only
        self._set_editable(not read_only)
        flagged, adjusted = len(review.flagged), len(review.adjusted)
        state = _("Đã phát hành (chỉ đọc)") if read_only else _("Bản nháp")
        self.state.setText(
            _(
                "{state}: {adjusted} chỉ tiêu điều chỉnh, {flagged} chỉ tiêu yêu cầu giải trình",
                state=state,
                adjusted=adjusted,
                flagged=flagged,
            )
        )

    def _set_editable(self, on: bool) -> None:
        editable = (self.points, self.met, self.status, self.comment, self.save_button, self.deadline, self.general,
                    self.issue_button, self.reviewer_name, self.reviewer_position, self.reviewer_org)  # fmt: skip
        for widget in editable:
            widget.setEnabled(on)

    def select(self, code: str) -> None:
        self.table.selectRow(self.model.row_of(code))
        self._show(code)

    def _row_selected(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self._show(self.model.code_at(row))

    def _show(self, code: str) -> None:
        self.code = code
        ind = self.cs.indicator(code)
        item = self.review.items[code]
        title = (
            f"{ind.code}. {ind.name} ({_('tối đa {max} điểm', max=format_points(ind.max_points))})"
        )
        if code in self.changed_codes:
            title += "\n" + _("Trả lời, ghi chú hoặc minh chứng đã thay đổi so với lần nộp trước.")
        self.title.setText(title)
        values = self.received.answers.get(code, {})
        self.answer.setText("\n".join(describe_answer(ind, values)) or _("(chưa trả lời)"))
        self.answer.setText(
            self.answer.text()
            + "\n"
            + _("Điểm tự đánh giá: {points}", points=format_points(item.self_points))
        )
        note = self.received.notes.get(code, "")
        self.note.setText(_("Ghi chú / giải trình của xã: {note}", note=note) if note else "")
        self.note.setVisible(bool(note))
        self.evidence.clear()
        for entry in self.received.evidence_for(code):
            doc = entry.document
            label = entry.original_name + (f" — {doc.get('number')}" if doc.get("number") else "")
            widget_item = QListWidgetItem(label, self.evidence)
            widget_item.setData(ENTRY_ROLE, entry.path)
        if self.evidence.count():
            self.evidence.setCurrentRow(0)
        self.open_button.setEnabled(self.evidence.count() > 0)
        self.points.setRange(0, float(ind.max_points))
        self.points.setValue(float(item.verified_points))
        self.met.setVisible(item.self_met is not None)
        self.met.setChecked(bool(item.met))
        self.status.setCurrentIndex(self.status.findData(item.status.value))
        self.comment.setPlainText(item.comment)
        self.message.clear()
        self._show_conflict(self.pending is not None and self.pending[0] == code)

    # --- edits --------------------------------------------------------------------------

    def _status_chosen(self, index: int) -> None:
        if self.status.itemData(index) == ItemStatus.ACCEPTED.value:
            # accepting means the self-assessed points stand
            self.points.setValue(float(self.review.items[self.code].self_points))
            self.met.setChecked(bool(self.review.items[self.code].self_met))

    def save_current(self) -> bool:
        """Save points, status and comment of the shown indicator; False (message shown) if refused."""
        if not self.code or self.read_only:
            return False
        wanted = self.status.currentData()
        code, points, comment = self.code, self.points.decimal_value(), self.comment.toPlainText()
        stamp = self.versions.items.get(code) if self.versions else None
        try:
            self.session.save_item(
                self.sha, self.cs, code, points=points,
                met=self.met.isChecked() if self.review.items[code].self_met is not None else None,
                status=ItemStatus.EXPLAIN if wanted == ItemStatus.EXPLAIN.value else None,
                comment=comment, based_on=stamp.version if stamp else None,
            )  # fmt: skip
        except rc.StaleEdit as exc:
            # another officer saved it meanwhile: show theirs, keep ours to re-apply
            self.pending = (code, points, wanted, comment, self.met.isChecked())
            self._reload()
            self._show(code)
            self.message.setText(str(exc))
            return False
        except ProblemsError as exc:
            self.message.setText("\n".join(p.message for p in exc.problems))
            return False
        except (rc.ReviewError, StorageError) as exc:
            self.message.setText(str(exc))
            return False
        self.pending = None
        self._show(code)  # the table and summary followed the session's changed
        self.changed.emit(code)
        return True

    def _show_conflict(self, on: bool) -> None:
        self.reapply_button.setVisible(on)
        self.keep_button.setVisible(on)

    def reapply(self) -> bool:
        """Save the refused change again, on top of the newer version now shown."""
        if self.pending is None:
            return False
        code, points, wanted, comment, met = self.pending
        if code != self.code:
            self.select(code)
        self.points.setValue(float(points))
        self.status.setCurrentIndex(self.status.findData(wanted))
        self.comment.setPlainText(comment)
        self.met.setChecked(met)
        return self.save_current()

    def keep_newer(self) -> None:
        """Drop the refused change: the newer value stays."""
        self.pending = None
        self._show_conflict(False)
        self.message.clear()

    def save_details(self) -> bool:
        text = self.deadline.text().strip()
        deadline = None
        if text:
            parsed = parse_date(text)
            if parsed is None:
                self.failed.emit(
                    _(
                        "Hạn giải trình {value} không phải ngày hợp lệ (ngày/tháng/năm, ví dụ 15/01/2026)",
                        value=text,
                    )
                )
                return False
            deadline = parsed.isoformat()
        who = Reviewer(
            self.reviewer_name.text().strip(),
            self.reviewer_position.text().strip(),
            self.reviewer_org.text().strip(),
        )
        based_on = self.versions.details.version if self.versions else None
        try:
            self.session.save_details(
                self.sha, deadline=deadline, message=self.general.text(), reviewer=who,
                based_on=based_on,
            )  # fmt: skip
        except rc.StaleEdit as exc:  # saved by someone else meanwhile: theirs is shown
            self._reload()
            self._fill_details()
            self.failed.emit(str(exc))
            return False
        except (rc.ReviewError, StorageError) as exc:
            self.failed.emit(str(exc))
            return False
        return True

    def _issue_pressed(self) -> None:
        if self.save_details():
            self.issue_requested.emit()

    # --- evidence -----------------------------------------------------------------------

    def _open_selected(self) -> None:
        item = self.evidence.currentItem()
        if item is not None:
            self.open_evidence(item.data(ENTRY_ROLE))

    def open_evidence(self, entry: str) -> None:
        def done(path: Path) -> None:
            # the extracted file is checked again as it is on disk: the one door to the system
            problem = open_evidence_file(path, self.opener)
            if problem is not None:
                self.failed.emit(problem)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, rc.ReviewError | OSError | StorageError):
                raise exc
            self.failed.emit(str(exc))

        store, sha, folder = self.store, self.sha, self.evidence_dir
        self.session.read(lambda: store.extract_evidence(sha, entry, folder), done, failed)

    # --- signing ------------------------------------------------------------------------

    def issue(self, signer: Signer, out_dir: Path) -> None:
        """Sign and write the review on a worker (the store's connection of that thread);
        ``issued`` or ``failed`` follows. The table follows the session's ``changed``."""
        if self.read_only or not self.save_details():
            return

        def done(path: Path) -> None:
            self._fill_details()
            self._show(self.code)
            self.issued.emit(path)

        def failed(exc: BaseException) -> None:
            self._reload()  # editable again
            if isinstance(exc, ProblemsError):
                self.failed.emit("\n".join(p.message for p in exc.problems))
            elif isinstance(exc, OSError | rc.ReviewError | StorageError):
                self.failed.emit(str(exc))
            else:
                raise exc

        # no edits while the review is being signed: they would not be in the signed file
        self._set_editable(False)
        draft = self.versions.draft if self.versions else None
        self.session.issue(self.sha, self.cs, signer, Path(out_dir), done, failed, based_on=draft)
