"""The printable report: every answer, its points and evidence, totals, and a signature block.

Built as HTML (escaped) and printed with Qt's own PDF writer (QTextDocument + QPdfWriter), so
no external tool is needed on an office PC. ``write_pdf`` is slow for a long set: callers run
it through ``desktop.tasks``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from desktop.assessment.fields import DOCREF_KEYS, docref_labels
from desktop.assessment.session import AssessmentSession
from desktop.format import format_date, format_number, format_points
from desktop.qt import QMarginsF, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from forms.criteria import FieldKind, Indicator
from forms.i18n import _


@dataclass
class ReportInfo:
    unit_code: str
    unit_name: str
    officer_name: str = ""
    position: str = ""
    fingerprint: str = ""
    revision: int = 1
    status: str = ""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


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


def report_html(session: AssessmentSession, info: ReportInfo, today: date | None = None) -> str:
    cs = session.cs
    sc = session.score()
    today = today or date.today()
    out: list[str] = [
        "<html><head><meta charset='utf-8'><style>"
        "body{font-family:'DejaVu Sans','Segoe UI',Arial,sans-serif;font-size:9pt}"
        "h1{font-size:15pt;margin:0}h2{font-size:12pt;margin-top:14pt}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #777;padding:3px;vertical-align:top}"
        "th{background:#e8eef4}.r{text-align:right}.small{font-size:8pt;color:#333}"
        "</style></head><body>",
        f"<h1>{_e(_('BÁO CÁO TỰ ĐÁNH GIÁ CHUYỂN ĐỔI SỐ NĂM {year}', year=session.year))}</h1>",
        "<p>",
        _e(_("Đơn vị: {name} (mã {code})", name=info.unit_name, code=info.unit_code)) + "<br>",
        _e(
            _(
                "Bộ tiêu chí: {title}, năm {year}, phiên bản {version}",
                title=cs.title,
                year=cs.year,
                version=cs.version,
            )
        )
        + "<br>",
        _e(_("Mã nhận diện bộ tiêu chí (sha256): {hash}", hash=cs.content_hash)) + "<br>",
        _e(
            _(
                "Lần sửa đổi: {revision}. Trạng thái: {status}. Ngày lập: {date}",
                revision=info.revision,
                status=info.status or "—",
                date=format_date(today),
            )
        )
        + "<br>",
        _e(
            _(
                "Cán bộ đầu mối: {name}, {position}",
                name=info.officer_name or "—",
                position=info.position or "—",
            )
        ),
        "</p>",
        f"<h2>{_e(_('Tổng hợp'))}</h2>",
        "<table width='100%' cellspacing='0'><tr>"
        f"<th>{_e(_('Trụ cột'))}</th><th>{_e(_('Điểm'))}</th><th>{_e(_('Tối đa'))}</th></tr>",
    ]
    for pillar in cs.pillars:
        out.append(
            f"<tr><td>{_e(pillar.code)}. {_e(pillar.name)}</td>"
            f"<td class='r'>{_e(format_number(sc.published_pillars[pillar.code], cs.rounding.decimals))}</td>"
            f"<td class='r'>{_e(format_points(pillar.max_points))}</td></tr>"
        )
    out.append(
        f"<tr><th>{_e(_('Tổng điểm'))}</th><th class='r'>{_e(format_number(sc.published_total, cs.rounding.decimals))}</th>"
        f"<th class='r'>{_e(format_points(cs.total_points))}</th></tr></table>"
    )
    out.append(f"<p><b>{_e(_('Xếp loại dự kiến: {label}', label=sc.classification))}</b></p>")

    out.append(f"<h2>{_e(_('Chi tiết từng chỉ tiêu'))}</h2>")
    out.append(
        "<table width='100%' cellspacing='0'><tr>"
        f"<th>{_e(_('Mã'))}</th><th>{_e(_('Chỉ tiêu'))}</th><th>{_e(_('Trả lời'))}</th>"
        f"<th>{_e(_('Điểm'))}</th></tr>"
    )
    for pillar in cs.pillars:
        out.append(
            f"<tr><th colspan='4' style='text-align:left'>{_e(pillar.code)}. {_e(pillar.name)}</th></tr>"
        )
        for ind in pillar.walk():
            answers = session.answers.get(ind.code, {})
            lines = [
                f"{_e(f.label)}: {_e(answer_text(ind, f.key, answers.get(f.key)))}"
                for f in ind.fields
            ]
            note = session.notes.get(ind.code, "")
            if note:
                lines.append(f"<i>{_e(_('Ghi chú: {note}', note=note))}</i>")
            out.append(
                f"<tr><td>{_e(ind.code)}</td><td>{_e(ind.name)}</td><td>{'<br>'.join(lines)}</td>"
                f"<td class='r'>{_e(format_points(sc.indicators.get(ind.code)))}/{_e(format_points(ind.max_points))}</td></tr>"
            )
    out.append("</table>")

    out.append(f"<h2>{_e(_('Tài liệu kiểm chứng'))}</h2>")
    items = [
        item
        for code in (i.code for i in cs.indicators())
        for item in session.evidence.get(code, [])
    ]
    if not items:
        out.append(f"<p>{_e(_('Không có tài liệu đính kèm.'))}</p>")
    else:
        out.append(
            "<table width='100%' cellspacing='0'><tr>"
            f"<th>{_e(_('Mã'))}</th><th>{_e(_('Tệp'))}</th><th>{_e(_('Văn bản'))}</th><th>{_e(_('Mã băm sha256'))}</th></tr>"
        )
        for item in items:
            meta = "; ".join(
                (format_date(item.meta[k]) if k == "date" else item.meta[k])
                for k in DOCREF_KEYS
                if item.meta.get(k)
            )
            out.append(
                f"<tr><td>{_e(item.code)}</td><td>{_e(item.name)}</td><td>{_e(meta)}</td>"
                f"<td class='small'>{_e(item.sha256)}</td></tr>"
            )
        out.append("</table>")

    out.append(f"<h2>{_e(_('Xác nhận'))}</h2>")
    out.append(
        "<p>"
        + _e(
            _(
                "Khóa ký số của cán bộ đầu mối (mã nhận diện): {fingerprint}",
                fingerprint=info.fingerprint or "—",
            )
        )
        + "</p>"
    )
    out.append(
        # QTextDocument honours the width attribute, not a CSS width, on tables
        "<br><table width='100%' cellspacing='0' style='border:none'><tr>"
        f"<td width='50%' style='border:none;text-align:center'>&nbsp;<br><b>{_e(_('NGƯỜI LẬP'))}</b><br>"
        f"<i>{_e(_('(Ký, ghi rõ họ tên)'))}</i><br><br><br><br>{_e(info.officer_name)}</td>"
        f"<td width='50%' style='border:none;text-align:center'>{_e(_('……, ngày …… tháng …… năm ……'))}<br>"
        f"<b>{_e(_('CHỦ TỊCH UBND'))}</b><br><i>{_e(_('(Ký tên, đóng dấu)'))}</i><br><br><br><br></td>"
        "</tr></table>"
    )
    out.append("</body></html>")
    return "".join(out)


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
