"""The printable report: every answer, its points and evidence, totals, and a signature block.

The HTML comes from a Jinja2 template, ``resources/report/report.html``, and is printed with
Qt's own PDF writer (QTextDocument + QPdfWriter), so no external tool is needed on an office PC.
Jinja2 rather than Qt: Qt has no templates (``QString.arg`` fills one string, not a document
with loops), and Jinja2's autoescape escapes every value by default, so a unit name or an
answer such as ``<script>`` or ``&`` can never become markup, where string concatenation
escaped only what each line remembered to. The template holds structure only: every word in
it comes translated from here (``_()``), where tests/test_i18n.py finds it.

``write_pdf`` is slow for a long set: callers run it through ``desktop.tasks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from desktop.assessment.fields import DOCREF_KEYS, docref_labels
from desktop.assessment.session import AssessmentSession
from desktop.format import format_date, format_number, format_points
from desktop.qt import QMarginsF, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from forms.criteria import FieldKind, Indicator
from forms.i18n import _
from forms.scoring import Score


@dataclass
class ReportInfo:
    unit_code: str
    unit_name: str
    officer_name: str = ""
    position: str = ""
    fingerprint: str = ""
    revision: int = 1
    status: str = ""


@cache
def _template() -> jinja2.Template:
    # Read through importlib.resources, as the criteria and catalogues are: the same call finds
    # the file in the source tree and in the frozen app (packaging/dti-desk.spec ships it).
    folder = resources.files("resources") / "report"
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (folder / name).read_text(encoding="utf-8")),
        autoescape=True,  # every answer, name and file name is hostile text
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the report, not prints ""
    )
    return env.get_template("report.html")


def answer_text(indicator: Indicator, key: str, value: Any) -> str:
    """A stored answer value as the officer would read it on paper."""
    if value is None or value == "" or value == {}:
        return "—"
    f = indicator.field(key)
    kind = f.kind if f else None
    if kind is FieldKind.BOOL or isinstance(value, bool):
        return _("Có") if value is True else _("Không") if value is False else str(value)
    if kind is FieldKind.CHOICE:
        choice = next((c for c in indicator.rule.choices if c.key == value), None)
        return choice.label if choice else str(value)
    if kind is FieldKind.DATE:
        return format_date(value)
    if kind is FieldKind.DOCREF and isinstance(value, dict):
        labels = docref_labels()
        parts = [
            f"{labels[k]}: {format_date(value[k]) if k == 'date' else value[k]}"
            for k in DOCREF_KEYS
            if value.get(k)
        ]
        return "; ".join(parts)
    if kind in (FieldKind.COUNT, FieldKind.PERCENT, FieldKind.NUMBER):
        text = format_number(value)
        return f"{text} {f.unit}".strip() if f and f.unit else text
    return str(value)


def _intro(session: AssessmentSession, info: ReportInfo, today: date) -> list[str]:
    cs = session.cs
    return [
        _("Đơn vị: {name} (mã {code})", name=info.unit_name, code=info.unit_code),
        _(
            "Bộ tiêu chí: {title}, năm {year}, phiên bản {version}",
            title=cs.title,
            year=cs.year,
            version=cs.version,
        ),
        _("Mã nhận diện bộ tiêu chí (sha256): {hash}", hash=cs.content_hash),
        _(
            "Lần sửa đổi: {revision}. Trạng thái: {status}. Ngày lập: {date}",
            revision=info.revision,
            status=info.status or "—",
            date=format_date(today),
        ),
        _(
            "Cán bộ đầu mối: {name}, {position}",
            name=info.officer_name or "—",
            position=info.position or "—",
        ),
    ]


def _labels(session: AssessmentSession, info: ReportInfo, classification: str) -> dict[str, str]:
    return {
        "title": _("BÁO CÁO TỰ ĐÁNH GIÁ CHUYỂN ĐỔI SỐ NĂM {year}", year=session.year),
        "summary": _("Tổng hợp"),
        "pillar": _("Trụ cột"),
        "points": _("Điểm"),
        "max": _("Tối đa"),
        "total": _("Tổng điểm"),
        "classification": _("Xếp loại dự kiến: {label}", label=classification),
        "details": _("Chi tiết từng chỉ tiêu"),
        "code": _("Mã"),
        "indicator": _("Chỉ tiêu"),
        "answer": _("Trả lời"),
        "evidence": _("Tài liệu kiểm chứng"),
        "no_evidence": _("Không có tài liệu đính kèm."),
        "file": _("Tệp"),
        "document": _("Văn bản"),
        "sha256": _("Mã băm sha256"),
        "confirm": _("Xác nhận"),
        "key": _(
            "Khóa ký số của cán bộ đầu mối (mã nhận diện): {fingerprint}",
            fingerprint=info.fingerprint or "—",
        ),
        "preparer": _("NGƯỜI LẬP"),
        "sign_name": _("(Ký, ghi rõ họ tên)"),
        "place_date": _("……, ngày …… tháng …… năm ……"),
        "chairman": _("CHỦ TỊCH UBND"),
        "sign_seal": _("(Ký tên, đóng dấu)"),
    }


def _details(session: AssessmentSession, sc: Score) -> list[dict[str, Any]]:
    groups = []
    for pillar in session.cs.pillars:
        rows = []
        for ind in pillar.walk():
            answers = session.answers.get(ind.code, {})
            note = session.notes.get(ind.code, "")
            rows.append(
                {
                    "code": ind.code,
                    "name": ind.name,
                    "answers": [
                        (f.label, answer_text(ind, f.key, answers.get(f.key))) for f in ind.fields
                    ],
                    "note": _("Ghi chú: {note}", note=note) if note else "",
                    "points": format_points(sc.indicators.get(ind.code)),
                    "max": format_points(ind.max_points),
                }
            )
        groups.append({"code": pillar.code, "name": pillar.name, "rows": rows})
    return groups


def _evidence(session: AssessmentSession) -> list[dict[str, str]]:
    return [
        {
            "code": item.code,
            "name": item.name,
            "meta": "; ".join(
                (format_date(item.meta[k]) if k == "date" else item.meta[k])
                for k in DOCREF_KEYS
                if item.meta.get(k)
            ),
            "sha256": item.sha256,
        }
        for code in (i.code for i in session.cs.indicators())
        for item in session.evidence.get(code, [])
    ]


def report_html(session: AssessmentSession, info: ReportInfo, today: date | None = None) -> str:
    cs = session.cs
    sc = session.score()
    decimals = cs.rounding.decimals
    return _template().render(
        t=_labels(session, info, sc.classification),
        intro=_intro(session, info, today or date.today()),
        summary=[
            {
                "code": pillar.code,
                "name": pillar.name,
                "points": format_number(sc.published_pillars[pillar.code], decimals),
                "max": format_points(pillar.max_points),
            }
            for pillar in cs.pillars
        ],
        total={
            "points": format_number(sc.published_total, decimals),
            "max": format_points(cs.total_points),
        },
        details=_details(session, sc),
        evidence=_evidence(session),
        officer=info.officer_name,
    )


def write_pdf(html_text: str, path: Path, title: str = "") -> Path:
    """Print ``html_text`` to an A4 PDF at ``path`` (written beside, then renamed: no half files)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setTitle(title)
    writer.setCreator("dti-desk")
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    doc = QTextDocument()
    doc.setHtml(html_text)
    doc.print_(writer)
    del writer  # closes the file
    tmp.replace(path)
    return path
