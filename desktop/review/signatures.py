"""The two signature verdicts on the reviewer's screen: the package's and the report PDF's.

A submission is in the collector's database only once its package passed verification at
merge (signature, files, scores, signer in the trust list), so its verdict is known. The report
PDF's own signature (PAdES, the chairman's on the token) is checked when the screen opens, on a
worker (``CollectorSession.read``): the PDF taken out of the stored package (hash checked), then
``forms.packages.report_check`` against the same trust anchors and CRLs as the package.

A package signed twice (the chairman and the organisation, Decree 30/2020/NĐ-CP) says so in
its manifest's ``signers``; both signatures were checked at merge, and each of the PDF's
signatures gets a line of its own, named by its field (the chairman's, the organisation's).
"""

from __future__ import annotations

from typing import Any

from desktop.qt import QLabel, QWidget
from forms.i18n import _
from local_db.errors import StorageError
from local_db.review import collector as rc


class SignatureVerdicts(QLabel):
    """ "Chữ ký số của gói: …" and "Báo cáo PDF: …", in plain Vietnamese."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.package_text = _("Chữ ký số của gói: hợp lệ (đã kiểm tra khi nhận gói).")
        self.report_text = ""
        self.report_verdict: Any = None  # forms.packages.report_check.ReportVerdict, once known

    def _show(self) -> None:
        self.setText(self.package_text + "\n" + self.report_text)

    def check(self, session: Any, sha: str, received: Any, trust: Any, folder: Any) -> None:
        """Check the report PDF of ``received`` off the GUI thread and show both verdicts."""
        from forms.packages.report_check import check_report_pdf, listed_report, trust_material

        if received.manifest.get("signers"):
            self.package_text = _("Chữ ký số của gói: hợp lệ, có cả chữ ký của Chủ tịch và của cơ quan (đã kiểm tra khi nhận gói).")  # fmt: skip
        listed = listed_report(received.manifest)
        if listed is None or received.report is None:
            self.report_text = _("Báo cáo PDF: gói này không có báo cáo PDF (gói lập trước khi báo cáo được đưa vào gói).")  # fmt: skip
            self._show()
            return
        self.report_text = _("Báo cáo PDF: đang kiểm tra chữ ký số…")
        self._show()
        anchors, crls = trust_material(trust)
        store, entry = session.store, received.report.path

        def work() -> Any:
            path = store.extract_evidence(sha, entry, folder)
            return check_report_pdf(path.read_bytes(), listed, anchors, crls)

        def done(verdict: Any) -> None:
            self.report_verdict = verdict
            lines = [_("Báo cáo PDF: {verdict}", verdict=verdict.message)]
            if len(verdict.signatures) > 1:
                lines += [_signature_line(s) for s in verdict.signatures]
            self.report_text = "\n".join(lines)
            self._show()

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, rc.ReviewError | OSError | StorageError):
                raise exc
            self.report_text = _("Báo cáo PDF: không kiểm tra được ({error})", error=str(exc))
            self._show()

        session.read(work, done, failed)


def _signature_line(verdict: Any) -> str:
    """One PDF signature's verdict, named by its field (``forms.pdf_signature``)."""
    from forms import pdf_signature as ps

    who = {
        ps.CHAIRMAN_FIELD: _("Chữ ký của Chủ tịch"),
        ps.ORGANISATION_FIELD: _("Chữ ký của cơ quan"),
    }.get(verdict.field, verdict.field)
    state = _("hợp lệ") if verdict.ok else _("KHÔNG hợp lệ")
    return f"  • {who}: {state} ({verdict.message})"
