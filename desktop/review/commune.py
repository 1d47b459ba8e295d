"""The commune's review screen: import a review file, see the reviewer's comments beside each
indicator with the flagged ones highlighted, and write an explanation per flagged indicator.

The explanations travel in the next revision's package (``local_db.review.commune``); this
screen only stores them. Importing runs on the task runner (it verifies a signature).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from desktop.format import format_date
from desktop.qt import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.review.items_model import ReviewItemsModel
from desktop.review.summary import SummaryTable
from desktop.tasks import TaskRunner
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.review.model import ItemStatus, status_label
from local_db import StorageError
from local_db.review import commune


class CommuneReviewPanel(QWidget):
    imported = Signal(object)  # ImportedReview
    failed = Signal(str)

    def __init__(
        self,
        db: Any,
        assessment_id: int,
        cs: CriteriaSet,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.today = today
        self.db = db
        self.assessment_id = assessment_id
        self.cs = cs
        self.runner = runner
        self.current: commune.ImportedReview | None = None
        self.code = ""
        self.model: ReviewItemsModel | None = None
        self._build()
        self.reload()

    def _build(self) -> None:
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.flags_label = QLabel(self)
        self.flags_label.setWordWrap(True)
        self.import_button = QPushButton(_("Nhập tệp thẩm định…"), self)
        self.import_button.clicked.connect(self._choose_file)
        self.errors = QLabel(self)
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet("color: #c62828;")
        self.errors.setVisible(False)
        self.table = QTableView(self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)

        box = QGroupBox(_("Giải trình"), self)
        self.item_title = QLabel(box)
        self.item_title.setWordWrap(True)
        self.reviewer_comment = QLabel(box)
        self.reviewer_comment.setWordWrap(True)
        self.reviewer_comment.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation = QPlainTextEdit(box)
        self.explanation.setPlaceholderText(
            _("Giải trình của xã cho chỉ tiêu này; bổ sung tài liệu kiểm chứng ở trang chỉ tiêu")
        )
        self.save_button = QPushButton(_("Lưu giải trình"), box)
        self.save_button.clicked.connect(self.save_explanation)
        self.message = QLabel(box)
        self.message.setWordWrap(True)
        inner = QVBoxLayout(box)
        for widget in (
            self.item_title,
            self.reviewer_comment,
            self.explanation,
            self.save_button,
            self.message,
        ):
            inner.addWidget(widget)

        self.summary = SummaryTable(self.cs, self)
        self.split = split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.flags_label)
        layout.addWidget(self.errors)
        layout.addWidget(split, 3)
        layout.addWidget(self.summary, 2)

    # --- showing ------------------------------------------------------------------------

    def reload(self) -> None:
        self.current = commune.review_to_show(self.db, self.assessment_id)
        has = self.current is not None
        # hide the splitter as a whole: a child hidden inside it would come back 0 pixels wide
        for widget in (self.split, self.summary, self.flags_label):
            widget.setVisible(has)
        if self.current is None:
            self.header.setText(
                _(
                    "Chưa có kết quả thẩm định cho bản đánh giá này. Khi nhận được tệp .dtireview, hãy nhập tại đây."
                )
            )
            return
        review = self.current.review
        self.header.setText(
            _("Kết quả thẩm định bài nộp lần {revision} của {name} ({position}, {organisation}), ký lúc {created}, khóa {fingerprint}. Hạn giải trình: {deadline}.",
              revision=review.submission.revision, name=review.reviewer.name, position=review.reviewer.position,
              organisation=review.reviewer.organisation, created=review.created_at, fingerprint=self.current.signer_fingerprint,
              deadline=format_date(review.deadline) if review.deadline else _("không có"))
            + (("\n" + review.message) if review.message else "")
        )  # fmt: skip
        flagged = review.flagged
        self.flags_label.setText(
            _("{flagged} chỉ tiêu cần giải trình hoặc bổ sung minh chứng: {codes}. {adjusted} chỉ tiêu bị điều chỉnh điểm.",
              flagged=len(flagged), codes=", ".join(i.code for i in flagged) or "-", adjusted=len(review.adjusted))
        )  # fmt: skip
        self.flags_label.setStyleSheet("font-weight: bold; color: #9a5b00;" if flagged else "")
        missing = commune.missing_explanations(self.db, review.review_id)
        if review.deadline and missing and date.fromisoformat(review.deadline) < self.today():
            self.flags_label.setText(
                self.flags_label.text() + "\n"
                + _("Đã quá hạn giải trình ({deadline}); còn thiếu giải trình: {codes}",
                    deadline=format_date(review.deadline), codes=", ".join(missing))
            )  # fmt: skip
            self.flags_label.setStyleSheet("font-weight: bold; color: #c62828;")
        self.model = ReviewItemsModel(self.cs, review, explanations=True, parent=self)
        self.model.set_explanations(commune.explanations(self.db, review.review_id))
        self.table.setModel(self.model)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._row_selected(current.row())
        )
        self.summary.show_review(review)
        first = flagged[0].code if flagged else self.model.code_at(0)
        self.select(first)

    def select(self, code: str) -> None:
        assert self.model is not None
        self.table.selectRow(self.model.row_of(code))
        self._show(code)

    def _row_selected(self, row: int) -> None:
        if self.model is not None and 0 <= row < self.model.rowCount():
            self._show(self.model.code_at(row))

    def _show(self, code: str) -> None:
        assert self.current is not None and self.model is not None
        self.code = code
        ind = self.cs.indicator(code)
        item = self.current.review.items[code]
        self.item_title.setText(f"{ind.code}. {ind.name} — {status_label(item.status)}")
        self.reviewer_comment.setText(
            _("Nhận xét của người thẩm định: {comment}", comment=item.comment)
            if item.comment
            else ""
        )
        self.explanation.setPlainText(self.model.explanations.get(code, ""))
        can_explain = item.status is not ItemStatus.ACCEPTED
        self.explanation.setEnabled(can_explain)
        self.save_button.setEnabled(can_explain)
        self.message.clear()

    # --- explaining ---------------------------------------------------------------------

    def save_explanation(self) -> bool:
        if self.current is None or not self.code:
            return False
        try:
            commune.set_explanation(
                self.db, self.current.review.review_id, self.code, self.explanation.toPlainText()
            )
        except StorageError as exc:
            self.message.setText(str(exc))
            return False
        assert self.model is not None
        self.model.set_explanations(commune.explanations(self.db, self.current.review.review_id))
        self.message.setText(_("Đã lưu giải trình chỉ tiêu {code}.", code=self.code))
        return True

    # --- importing ----------------------------------------------------------------------

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Nhập tệp thẩm định"), "", _("Tệp thẩm định (*.dtireview)")
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Read, verify and store ``path`` on the task runner (``commune.import_review`` reads
        it through ``forms.inbound``: a FIFO or a huge file is refused with a reason, never
        waited on); the button is off until the outcome is shown on the GUI thread."""

        def done(result: commune.ImportedReview) -> None:
            self.import_button.setEnabled(True)
            self.errors.setVisible(False)
            self.reload()
            self.imported.emit(result)

        def failed(exc: BaseException) -> None:
            self.import_button.setEnabled(True)
            if isinstance(exc, commune.ReviewRejected):
                text = (
                    _("Không nhập được tệp thẩm định {name}:", name=path.name)
                    + "\n"
                    + "\n".join(f"• {p.message}" for p in exc.problems)
                )
            elif isinstance(exc, StorageError | OSError):
                text = _("Không nhập được tệp thẩm định {name}:", name=path.name) + "\n" + str(exc)
            else:
                raise exc
            self.errors.setText(text)
            self.errors.setVisible(True)
            self.failed.emit(text)

        self.import_button.setEnabled(False)  # one import at a time; the window stays live
        self.runner.run(lambda: commune.import_review(self.db, path), done, failed)
