"""First run: mode, unit, officer, criteria set, signing key. Short pages, each checked before "Tiếp".

The first page asks who works on this machine: a commune officer (fills the self-assessment:
every page) or a collector / province officer (merges, reviews, ranks: no unit of its own, but
the officer's name and organisation, which bundles and reviews carry, the criteria set packages
are checked and ranked by, and the signing key, which signs bundles and reviews).

The wizard only collects and checks; ``result_data()`` hands what was chosen to the shell
(``desktop.shell``), which writes the profile and creates the assessment (one place owns storage).
The signing key is the exception: it is created on its page, so the fingerprint can be
shown (and read over the phone to the collector) before the wizard closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.format import format_points
from desktop.qt import (
    QFileDialog,
    QFont,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from desktop.settings import COLLECTOR, COMMUNE, Settings
from desktop.setup.signing_page import SigningPage
from desktop.setup.unit_page import UnitPage  # noqa: F401  (tests and callers import it from here)
from desktop.tasks import TaskRunner
from forms.contact import email_problem, phone_problem
from forms.criteria import ClassifyOn, CriteriaSet
from forms.i18n import _

if TYPE_CHECKING:
    from desktop.finalise.token_panel import TokenChoice
    from local_db.database import Database
    from local_db.models import Profile

MIN_PASSPHRASE = 8


@dataclass
class SetupResult:
    unit_code: str
    unit_name: str
    officer_name: str
    position: str
    phone: str
    email: str
    criteria_set: CriteriaSet
    fingerprint: str
    mode: str = COMMUNE
    organisation: str = ""  # collector mode: who forwards bundles and signs reviews
    chairman_name: str = ""  # commune mode: the chairman who signs the report
    token: TokenChoice | None = None  # commune mode: sign on this USB token certificate


# page ids (QWizard.setPage): the collector skips the unit and the signing choice
MODE_PAGE, UNIT_PAGE, OFFICER_PAGE, CRITERIA_PAGE, KEY_PAGE, SIGNING_PAGE = range(6)


def _translate_buttons(wizard: QWizard) -> None:
    # PySide6 ships no Vietnamese Qt translation (qtbase_vi.qm), so name the buttons ourselves
    wizard.setButtonText(QWizard.WizardButton.NextButton, _("Tiếp >"))
    wizard.setButtonText(QWizard.WizardButton.BackButton, _("< Quay lại"))
    wizard.setButtonText(QWizard.WizardButton.FinishButton, _("Bắt đầu"))
    wizard.setButtonText(QWizard.WizardButton.CancelButton, _("Hủy"))


class ModePage(QWizardPage):
    def __init__(self, mode: str = COMMUNE) -> None:
        super().__init__()
        self.setTitle(_("Công việc trên máy này"))
        self.setSubTitle(_("Chọn một chế độ. Có thể đổi lại sau trong Cài đặt."))
        layout = QVBoxLayout(self)
        self.commune = QRadioButton(_("Cán bộ xã, phường, đặc khu: tự đánh giá và nộp gói"), self)
        commune_help = QLabel(
            _("Điền bản tự đánh giá theo từng chỉ tiêu, đính kèm minh chứng, ký và xuất gói nộp; nhận kết quả thẩm định và giải trình."),
            self,
        )  # fmt: skip
        self.collector = QRadioButton(_("Cán bộ tổng hợp (khu vực, tỉnh): tổng hợp, thẩm định, xếp hạng"), self)  # fmt: skip
        collector_help = QLabel(
            _("Nhận gói nộp của các xã, tổng hợp, thẩm định, xếp hạng, xuất bảng biểu và gói chuyển tiếp lên tỉnh."),
            self,
        )  # fmt: skip
        for label in (commune_help, collector_help):
            label.setWordWrap(True)
            label.setIndent(self.fontMetrics().averageCharWidth() * 4)
        layout.addWidget(self.commune)
        layout.addWidget(commune_help)
        layout.addSpacing(self.fontMetrics().height())
        layout.addWidget(self.collector)
        layout.addWidget(collector_help)
        layout.addStretch(1)
        (self.collector if mode == COLLECTOR else self.commune).setChecked(True)

    def mode(self) -> str:
        return COLLECTOR if self.collector.isChecked() else COMMUNE

    def nextId(self) -> int:
        return OFFICER_PAGE if self.mode() == COLLECTOR else UNIT_PAGE


class OfficerPage(QWizardPage):
    def __init__(
        self,
        profile: Profile | None = None,
        organisation: str = "",
        mode: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self._mode: Callable[[], str] = mode or (lambda: COMMUNE)
        self.setTitle(_("Cán bộ đầu mối"))
        outer = QVBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form)
        self.name = QLineEdit(self)
        self.position = QLineEdit(self)
        self.organisation = QLineEdit(self)
        self.organisation.setPlaceholderText(_("ví dụ: Phòng Văn hóa - Xã hội khu vực 3"))
        self.organisation.setText(organisation)
        self.phone = QLineEdit(self)
        self.phone.setPlaceholderText(_("ví dụ: 0912 345 678"))
        self.email = QLineEdit(self)
        self.email.setPlaceholderText(_("ví dụ: vanhoa.xahienquan@caobang.gov.vn"))
        self.chairman = QLineEdit(self)
        self.chairman.setPlaceholderText(_("ký báo cáo: TM. Ủy ban nhân dân, Chủ tịch"))
        self.contact_message = QLabel(self)  # why the phone or e-mail is refused
        self.contact_message.setWordWrap(True)
        self.contact_message.setStyleSheet("color: #c62828;")
        self.contact_message.setVisible(False)
        form.addRow(_("Họ và tên"), self.name)
        form.addRow(_("Chức vụ"), self.position)
        self.organisation_label = QLabel(_("Cơ quan, đơn vị tổng hợp"), self)
        form.addRow(self.organisation_label, self.organisation)
        form.addRow(_("Điện thoại (không bắt buộc)"), self.phone)
        form.addRow(_("Thư điện tử (không bắt buộc)"), self.email)
        self.chairman_label = QLabel(_("Họ tên Chủ tịch UBND (không bắt buộc)"), self)
        form.addRow(self.chairman_label, self.chairman)
        # below the form, not a row of it: a form row measures a wrapped label too short
        outer.addWidget(self.contact_message)
        outer.addStretch(1)
        if profile is not None:
            self.name.setText(profile.officer_name)
            self.position.setText(profile.position)
            self.phone.setText(profile.phone)
            self.email.setText(profile.email)
            self.chairman.setText(profile.chairman_name)
        for edit in (self.name, self.position, self.organisation, self.phone, self.email):
            edit.textChanged.connect(lambda *_a: self.completeChanged.emit())
        self.phone.textChanged.connect(self._show_contact_problems)
        self.email.textChanged.connect(self._show_contact_problems)
        self.initializePage()
        self._show_contact_problems()

    def collector(self) -> bool:
        return self._mode() == COLLECTOR

    def initializePage(self) -> None:
        collector = self.collector()
        if collector:
            self.position.setPlaceholderText(_("ví dụ: Chuyên viên"))
            self.setSubTitle(_("Người tổng hợp và thẩm định. Tên và cơ quan được ghi vào gói chuyển tiếp và phiếu thẩm định."))  # fmt: skip
        else:
            self.position.setPlaceholderText(_("ví dụ: Công chức Văn hóa - Xã hội"))
            self.setSubTitle(
                _("Người điền bản tự đánh giá. Thông tin này được ghi vào gói nộp và báo cáo.")
            )
        self.organisation.setVisible(collector)
        self.organisation_label.setVisible(collector)
        self.chairman.setVisible(not collector)
        self.chairman_label.setVisible(not collector)
        self.completeChanged.emit()

    def contact_problems(self) -> list[str]:
        """Why the phone number or e-mail address cannot go into a package (empty: they can)."""
        found = (phone_problem(self.phone.text()), email_problem(self.email.text()))
        return [message for message in found if message is not None]

    def _show_contact_problems(self, *_args: object) -> None:
        problems = self.contact_problems()
        self.contact_message.setText("\n".join(problems))
        self.contact_message.setVisible(bool(problems))

    def isComplete(self) -> bool:
        filled = bool(self.name.text().strip() and self.position.text().strip())
        if self.contact_problems():
            return False
        return filled and (not self.collector() or bool(self.organisation.text().strip()))


class CriteriaPage(QWizardPage):
    def __init__(self, runner: TaskRunner, reference: CriteriaSet | None) -> None:
        super().__init__()
        self.runner = runner
        self.reference = reference
        self.loaded: CriteriaSet | None = None
        self.setTitle(_("Bộ tiêu chí"))
        self.setSubTitle(
            _("Dùng bộ tiêu chí tham khảo đi kèm, hoặc tải tệp bộ tiêu chí chính thức của tỉnh.")
        )
        layout = QVBoxLayout(self)
        self.use_reference = QRadioButton(_("Bộ tiêu chí tham khảo đi kèm phần mềm"), self)
        self.use_file = QRadioButton(_("Tệp của tỉnh (.xlsx hoặc .json)"), self)
        self.file_button = QPushButton(_("Chọn tệp…"), self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.use_reference)
        row = QHBoxLayout()
        row.addWidget(self.use_file)
        row.addWidget(self.file_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.summary, 1)
        self.use_reference.setChecked(reference is not None)
        self.use_reference.setEnabled(reference is not None)
        self.use_reference.toggled.connect(self._changed)
        self.use_file.toggled.connect(self._changed)
        self.file_button.clicked.connect(self.choose_file)
        self._changed()

    def chosen(self) -> CriteriaSet | None:
        return self.reference if self.use_reference.isChecked() else self.loaded

    def _changed(self, *_args) -> None:
        cs = self.chosen()
        if cs is not None:
            self.summary.setStyleSheet("")
            self.summary.setText(describe_set(cs))
        elif self.use_file.isChecked():
            self.summary.setText(_("Chưa chọn tệp."))
        self.completeChanged.emit()

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Chọn tệp bộ tiêu chí"), "", _("Bộ tiêu chí (*.xlsx *.json)")
        )
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        from forms.criteria_io import load_criteria

        self.use_file.setChecked(True)
        self.summary.setText(_("Đang đọc {name}…", name=Path(path).name))
        self.runner.run(lambda: load_criteria(Path(path)), self._loaded, self._failed)

    def _loaded(self, cs: CriteriaSet) -> None:
        self.loaded = cs
        self._changed()

    def _failed(self, exc: BaseException) -> None:
        from forms.problems import ProblemsError

        self.loaded = None
        if isinstance(exc, ProblemsError):
            lines = [str(p) for p in exc.problems[:15]]
            more = len(exc.problems) - len(lines)
            text = (
                _("Tệp có {n} lỗi, chưa dùng được:", n=len(exc.problems)) + "\n" + "\n".join(lines)
            )
            if more > 0:
                text += "\n" + _("… và {n} lỗi khác.", n=more)
        else:
            text = _("Không đọc được tệp: {reason}", reason=str(exc))
        self.summary.setStyleSheet("color: #c62828;")
        self.summary.setText(text)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.chosen() is not None


def describe_set(cs: CriteriaSet) -> str:
    lines = [
        cs.title,
        _(
            "Năm {year}, phiên bản {version}; {pillars} trụ cột, {indicators} chỉ tiêu; tổng {points} điểm.",
            year=cs.year,
            version=cs.version,
            pillars=sum(1 for p in cs.pillars if not p.unscored),
            indicators=len(cs.leaves()),
            points=format_points(cs.total_points),
        ),  # fmt: skip
        _("Mã nhận diện: {hash}", hash=cs.content_hash[:16]),
    ]
    blocks = [p.name for p in cs.pillars if p.unscored]
    if blocks:
        lines.insert(2, _("Không tính điểm: {blocks}.", blocks=", ".join(blocks)))
    if cs.classify_on is ClassifyOn.TARGETS:
        lines.insert(2, _("Xếp loại theo số chỉ tiêu đạt (trong {n} chỉ tiêu đạt/không đạt).",
                          n=len(cs.targets())))  # fmt: skip
    if cs.reference:
        lines.append(_("Đây là bộ tham khảo: khi tỉnh ban hành bộ chính thức, hãy tải bộ đó vào."))
    return "\n".join(lines)


class KeyPage(QWizardPage):
    def __init__(
        self,
        keys_dir: Path,
        runner: TaskRunner,
        officer_name: Callable[[], str] | None = None,
        mode: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self.keys_dir = keys_dir
        self.runner = runner
        self._officer_name = officer_name
        self._mode: Callable[[], str] = mode or (lambda: COMMUNE)
        self._existing = False
        self.fingerprint = ""
        self.setTitle(_("Khóa ký số"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.pass1 = QLineEdit(self)
        self.pass1.setEchoMode(QLineEdit.EchoMode.Password)
        self.pass2 = QLineEdit(self)
        self.pass2.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Mật khẩu"), self.pass1)
        form.addRow(_("Nhập lại mật khẩu"), self.pass2)
        layout.addLayout(form)
        self.create_button = QPushButton(_("Tạo khóa"), self)
        row = QHBoxLayout()
        row.addWidget(self.create_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.fingerprint_label = QLabel(self)
        font = QFont(self.fingerprint_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.fingerprint_label.setFont(font)
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.fingerprint_label)
        layout.addStretch(1)
        self.pass1.textChanged.connect(self._check)
        self.pass2.textChanged.connect(self._check)
        self.create_button.clicked.connect(self.create_key)
        self._load_existing()
        self._check()
        self.initializePage()

    def initializePage(self) -> None:
        if self._mode() == COLLECTOR:
            self.setSubTitle(_("Khóa ký gói chuyển tiếp và phiếu thẩm định. Mật khẩu bảo vệ khóa: quên là không ai khôi phục được."))  # fmt: skip
        else:
            self.setSubTitle(_("Khóa dùng để ký gói nộp. Mật khẩu bảo vệ khóa: không ai khôi phục được nếu quên, hãy ghi nhớ cẩn thận."))  # fmt: skip
        if self.fingerprint:
            self._show_key(self.fingerprint, self._existing)

    def nextId(self) -> int:
        return -1 if self._mode() == COLLECTOR else SIGNING_PAGE

    def _load_existing(self) -> None:
        from forms.packages import keys

        if keys.key_exists(self.keys_dir):
            try:
                public = keys.load_public(self.keys_dir)
            except keys.KeyFileError:
                return
            self._show_key(public.fingerprint, existing=True)

    def _show_key(self, fingerprint: str, existing: bool = False) -> None:
        self.fingerprint = fingerprint
        self._existing = existing
        for w in (self.pass1, self.pass2, self.create_button):
            w.setEnabled(False)
        self.message.setStyleSheet("")
        if self._mode() == COLLECTOR:
            self.message.setText(
                _("Máy này đã có khóa ký. Mã nhận diện khóa (báo cho cấp tỉnh và các xã để thêm vào danh sách tin cậy):")
                if existing
                else _("Đã tạo khóa. Mã nhận diện khóa (báo cho cấp tỉnh và các xã để thêm vào danh sách tin cậy):")
            )  # fmt: skip
        else:
            self.message.setText(
                _(
                    "Máy này đã có khóa ký. Mã nhận diện khóa (đọc cho cán bộ tổng hợp qua điện thoại):"
                )
                if existing
                else _("Đã tạo khóa. Mã nhận diện khóa (đọc cho cán bộ tổng hợp qua điện thoại):")
            )
        self.fingerprint_label.setText(fingerprint)
        self.completeChanged.emit()

    def problem(self) -> str:
        a, b = self.pass1.text(), self.pass2.text()
        if not a:
            return ""
        if len(a) < MIN_PASSPHRASE:
            return _("Mật khẩu cần ít nhất {n} ký tự.", n=MIN_PASSPHRASE)
        if b and a != b:
            return _("Hai mật khẩu chưa giống nhau.")
        if not b:
            return _("Hãy nhập lại mật khẩu lần hai.")
        return ""

    def _check(self, *_args) -> None:
        if self.fingerprint:
            return
        problem = self.problem()
        self.message.setStyleSheet("color: #c62828;" if problem else "")
        self.message.setText(problem)
        self.create_button.setEnabled(bool(self.pass1.text()) and not problem)

    def create_key(self) -> None:
        from forms.packages import keys

        if self.problem() or not self.pass1.text():
            return
        passphrase = self.pass1.text()
        name = self._officer_name() if self._officer_name is not None else ""
        self.create_button.setEnabled(False)
        self.message.setText(_("Đang tạo khóa…"))
        self.runner.run(
            lambda: keys.create_key(self.keys_dir, passphrase, name),
            lambda public: self._show_key(public.fingerprint),
            lambda exc: self.message.setText(_("Không tạo được khóa: {reason}", reason=str(exc))),
        )

    def isComplete(self) -> bool:
        return bool(self.fingerprint)


class SetupWizard(QWizard):
    def __init__(
        self,
        db: Database,
        keys_dir: Path,
        runner: TaskRunner,
        reference: CriteriaSet | None,
        profile: Profile | None = None,
        parent: QWidget | None = None,
        *,
        mode: str = COMMUNE,
        organisation: str = "",
        settings: Settings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Thiết lập DTI Desk"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        _translate_buttons(self)
        self.mode_page = ModePage(mode)
        self.unit_page = UnitPage(db, runner, profile.unit_code if profile else "")
        self.officer_page = OfficerPage(profile, organisation, self.mode)
        self.criteria_page = CriteriaPage(runner, reference)
        self.key_page = KeyPage(keys_dir, runner, self._key_name, self.mode)
        self.signing_page = SigningPage(runner, settings)
        for page_id, page in (
            (MODE_PAGE, self.mode_page),
            (UNIT_PAGE, self.unit_page),
            (OFFICER_PAGE, self.officer_page),
            (CRITERIA_PAGE, self.criteria_page),
            (KEY_PAGE, self.key_page),
            (SIGNING_PAGE, self.signing_page),
        ):
            self.setPage(page_id, page)
        self.setStartId(MODE_PAGE)
        self.resize(self.fontMetrics().averageCharWidth() * 120, self.fontMetrics().height() * 34)

    def mode(self) -> str:
        return self.mode_page.mode()

    def _key_name(self) -> str:
        # the public key file names its holder: the organisation for a collector (bundles show
        # it as the forwarder), the officer for a commune
        if self.mode() == COLLECTOR and self.officer_page.organisation.text().strip():
            return self.officer_page.organisation.text().strip()
        return self.officer_page.name.text().strip()

    def result_data(self) -> SetupResult:
        mode = self.mode()
        officer = self.officer_page
        common: dict[str, Any] = dict(
            officer_name=officer.name.text().strip(),
            position=officer.position.text().strip(),
            phone=officer.phone.text().strip(),
            email=officer.email.text().strip(),
            fingerprint=self.key_page.fingerprint,
            mode=mode,
        )
        cs = self.criteria_page.chosen()
        assert cs is not None
        if mode == COLLECTOR:
            return SetupResult(unit_code="", unit_name="", criteria_set=cs,
                               organisation=officer.organisation.text().strip(), **common)  # fmt: skip
        unit = self.unit_page.chosen()
        assert unit is not None
        return SetupResult(unit_code=unit[0], unit_name=unit[1], criteria_set=cs,
                           chairman_name=officer.chairman.text().strip(),
                           token=self.signing_page.chosen(), **common)  # fmt: skip
