"""The printable report: an administrative document (Decree 30/2020/NĐ-CP) the chairman signs.

Issuer and motto, place and date, the title, every answer with its points, the totals, the
recipients and the signature block; the evidence files and their sha256 in an annex. The HTML
comes from a Jinja2 template, ``resources/report/report.html``; ``desktop.finalise.report_pdf``
prints it with Qt's own PDF writer, so no external tool is needed on an office PC.

Jinja2 rather than Qt: Qt has no templates (``QString.arg`` fills one string, not a document
with loops), and Jinja2's autoescape escapes every value by default, so a unit name or an
answer such as ``<script>`` or ``&`` can never become markup, where string concatenation
escaped only what each line remembered to. The template holds structure only: every word in
it comes translated from here (``_()``), where tests/test_i18n.py finds it.

Points, one rule: every point figure (indicator, pillar, total, maximum) is shown rounded by
the set's rounding rule to the set's decimals (``7,50 / 10,00``, ``708,00 / 1.000,00``), so
figures side by side always look alike. Answers (counts, percentages) are not points and keep
their own digits.

``write_pdf`` is slow for a long set: callers run it through ``desktop.tasks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import jinja2

from desktop.assessment.fields import DOCREF_KEYS, docref_labels
from desktop.assessment.session import AssessmentSession
from desktop.finalise.report_pdf import DRAFT_MARK, write_pdf
from desktop.format import format_date, format_long_date, format_number
from forms.applicability import why_text
from forms.criteria import CriteriaSet, FieldKind, Indicator, NotApplicablePolicy
from forms.i18n import _
from forms.scoring import Score, cross_reads, is_met, round_points
from forms.text import fold, nfc
from local_db.assessments import status_label
from local_db.models import Status
from local_db.units import KINDS

__all__ = ["ReportInfo", "answer_text", "report_html", "write_pdf"]

# A package is no longer a draft once signed (exporting keeps the signature).
_SIGNED = (Status.SIGNED.value, Status.EXPORTED.value)


@dataclass
class ReportInfo:
    unit_code: str
    unit_name: str
    officer_name: str = ""
    position: str = ""
    fingerprint: str = ""
    revision: int = 1
    status: str = ""  # the assessment's status, its value ("signed") or its label ("đã ký")
    chairman_name: str = ""  # empty: the signing space stays, with no name under it
    draft: bool | None = None  # None: a draft until the status says signed
    phone: str = ""  # the officer's, as the collector calls back
    email: str = ""

    def is_draft(self) -> bool:
        if self.draft is not None:
            return self.draft
        signed = {*_SIGNED, *(status_label(s) for s in _SIGNED)}
        return self.status not in signed


def split_unit_name(name: str) -> tuple[str, str]:
    """``"Xã Hiền Quan"`` -> ``("xã", "Hiền Quan")``; ``"Đặc khu Côn Đảo"`` -> ``("đặc khu",
    "Côn Đảo")``; a name without its kind word -> ``("", name)``."""
    words = name.split()
    folded = fold(name).split()
    for key, kind in KINDS.items():
        size = len(key.split())
        if folded[:size] == key.split() and len(words) > size:
            return kind, " ".join(words[size:])
    return "", " ".join(words)


def issuer(name: str) -> str:
    """The issuing body as the top left of the document names it: ``"UBND XÃ HIỀN QUAN"``."""
    return nfc(_("UBND {unit}", unit=" ".join(name.split())).upper())


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


def _points(cs: CriteriaSet, value: Decimal | None) -> str:
    """The one rule for point figures (module docstring): the set's rounding and decimals."""
    if value is None:
        return "—"
    return format_number(round_points(Decimal(value), cs.rounding), cs.rounding.decimals)


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


def _heading(session: AssessmentSession, info: ReportInfo, today: date) -> dict[str, str]:
    kind, place = split_unit_name(info.unit_name)
    return {
        "issuer": issuer(info.unit_name),
        "number": _("Số: …/BC-UBND"),
        "nation": _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        "motto": _("Độc lập - Tự do - Hạnh phúc"),
        "place_date": _("{place}, {date}", place=place, date=format_long_date(today)),
        "kind": _("BÁO CÁO"),
        "title": _("Kết quả tự đánh giá Chỉ số chuyển đổi số năm {year}", year=session.year),
        "opening": _(
            "Ủy ban nhân dân {unit} báo cáo kết quả tự đánh giá Chỉ số chuyển đổi số năm {year} "
            "theo {title} (phiên bản {version}) như sau:",
            unit=f"{kind} {place}".strip(),
            year=session.year,
            title=session.cs.title,
            version=session.cs.version,
        ),
    }


def _general(info: ReportInfo) -> list[str]:
    contact = [
        _("Điện thoại: {phone}", phone=info.phone) if info.phone else "",
        _("Thư điện tử: {email}", email=info.email) if info.email else "",
    ]
    return [
        _("Đơn vị: {name} (mã {code})", name=info.unit_name, code=info.unit_code),
        _(
            "Cán bộ đầu mối: {name}, {position}",
            name=info.officer_name or "—",
            position=info.position or "—",
        )
        + "".join(f". {part}" for part in contact if part),
        _(
            "Lần sửa đổi: {revision}. Trạng thái: {status}.",
            revision=info.revision,
            status=info.status or "—",
        ),
        _(
            "Khóa ký số của cán bộ đầu mối (mã nhận diện): {fingerprint}",
            fingerprint=info.fingerprint or "—",
        ),
    ]


def _labels(classification: str, targets_met: int = 0, targets_total: int = 0) -> dict[str, str]:
    # a set with pass/fail targets says how many were met: what a set classing on them classes by
    targets = (
        _("Số chỉ tiêu đạt: {met}/{total}", met=targets_met, total=targets_total)
        if targets_total
        else ""
    )
    return {
        "targets": targets,
        "general": _("I. THÔNG TIN CHUNG"),
        "summary": _("II. KẾT QUẢ TỔNG HỢP"),
        "details": _("III. KẾT QUẢ CHI TIẾT TỪNG CHỈ TIÊU"),
        "pillar": _("Trụ cột"),
        "points": _("Điểm"),
        "max": _("Tối đa"),
        "total": _("Tổng điểm"),
        "classification": _("Xếp loại dự kiến: {label}", label=classification),
        "code": _("Mã"),
        "indicator": _("Chỉ tiêu"),
        "answer": _("Trả lời"),
        "unscored": _("Không tính điểm"),
        "closing": _(
            "Trên đây là báo cáo kết quả tự đánh giá; chi tiết tài liệu kiểm chứng tại Phụ lục kèm theo."
        ),  # fmt: skip
    }


def _signatures(info: ReportInfo) -> dict[str, Any]:
    return {
        "recipients": _("Nơi nhận:"),
        "recipient_lines": [_("- Sở Khoa học và Công nghệ tỉnh;"), _("- Lưu: VT.")],
        "preparer": _("NGƯỜI LẬP BIỂU"),
        "officer": info.officer_name,
        "on_behalf": _("TM. ỦY BAN NHÂN DÂN"),
        "chairman_title": _("CHỦ TỊCH"),
        "chairman": info.chairman_name,
    }


def _shown(session: AssessmentSession, ind: Indicator, sc: Score) -> str:
    """ "7,50 / 10,00"; an unscored indicator says so (collected, shown, not scored), and a
    target says whether it is met (alone when it is worth no points)."""
    if ind.unscored:
        return _("Không tính điểm")
    cs = session.cs
    why = sc.not_applicable.get(ind.code)
    if why is not None:  # issue 16: the commune's reason, or the set's rule
        return why_text(cs, ind.code, why, session.marks)
    maximum = sc.applicable_indicators.get(ind.code, ind.max_points)
    text = f"{_points(cs, sc.indicators.get(ind.code))} / {_points(cs, maximum)}"
    met = is_met(ind, session.answers)
    if met is None:
        return text
    state = _("Đạt") if met else _("Chưa đạt")
    return state if ind.max_points == 0 else f"{state} · {text}"


def _details(session: AssessmentSession, sc: Score) -> list[dict[str, Any]]:
    cs = session.cs
    groups = []
    for pillar in cs.pillars:
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
                    ]
                    + _read_elsewhere(session, ind),
                    "note": _("Ghi chú: {note}", note=note) if note else "",
                    "shown": _shown(session, ind, sc),
                }
            )
        groups.append({"code": pillar.code, "name": pillar.name, "rows": rows})
    return groups


def _read_elsewhere(session: AssessmentSession, ind: Indicator) -> list[tuple[str, str]]:
    """The fields of other indicators the rule reads (a ratio over the officials an information
    block counts), so the row shows both sides of its ratio: "Số cán bộ (1.1): 20 người"."""
    out = []
    for _key, code, key in cross_reads(ind):
        other = session.cs.indicator(code)
        field = other.field(key)
        if field is not None:
            value = session.answers.get(code, {}).get(key)
            out.append((f"{field.label} ({code})", answer_text(other, key, value)))
    return out


def _annex(session: AssessmentSession, info: ReportInfo, today: date) -> dict[str, Any]:
    cs = session.cs
    items = [
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
        for code in (i.code for i in cs.indicators())
        for item in session.evidence.get(code, [])
    ]
    return {
        "title": _("PHỤ LỤC"),
        "subtitle": _("Danh mục tài liệu kiểm chứng"),
        "attached": _(
            "(Kèm theo Báo cáo số …/BC-UBND ngày {date} của {issuer})",
            date=format_date(today),
            issuer=issuer(info.unit_name),
        ),
        "criteria": _(
            "Bộ tiêu chí: {title}, năm {year}, phiên bản {version}",
            title=cs.title,
            year=cs.year,
            version=cs.version,
        ),
        "criteria_hash": _("Mã nhận diện bộ tiêu chí (sha256): {hash}", hash=cs.content_hash),
        "number": _("STT"),
        "code": _("Mã chỉ tiêu"),
        "file": _("Tệp"),
        "document": _("Văn bản"),
        "sha256": _("Mã băm sha256"),
        "none": _("Không có tài liệu đính kèm."),
        "rows": items,
    }


def _total(cs: CriteriaSet, sc: Score) -> dict[str, str]:
    """The total row and, for a set with applicability (issue 16), how it was reached."""
    points, full = _points(cs, sc.published_total), _points(cs, cs.total_points)
    if sc.applicable_max is None or cs.not_applicable is None:
        return {"points": points, "max": full, "note": ""}
    applicable = _points(cs, sc.applicable_max)
    if cs.not_applicable is NotApplicablePolicy.RESCALE:
        note = _(
            "Tổng điểm quy đổi về thang {full} điểm: đạt {raw} trên {applicable} điểm áp dụng cho đơn vị.",
            full=full,
            raw=_points(cs, sc.total),
            applicable=applicable,
        )
        return {"points": points, "max": full, "note": note}
    note = _(
        "Điểm tối đa áp dụng cho đơn vị: {applicable} trên {full} điểm.",
        applicable=applicable,
        full=full,
    )
    return {"points": points, "max": applicable, "note": note}


def report_html(session: AssessmentSession, info: ReportInfo, today: date | None = None) -> str:
    """The report as HTML for ``write_pdf``; a draft carries ``DRAFT_MARK`` (a comment, which
    no escaped value can forge), and ``write_pdf`` then marks every page "BẢN NHÁP"."""
    cs = session.cs
    sc = session.score()
    today = today or date.today()
    text = _template().render(
        head=_heading(session, info, today),
        general=_general(info),
        t=_labels(sc.classification, sc.targets_met, sc.targets_total),
        summary=[
            {
                "code": pillar.code,
                "name": pillar.name,
                "points": _points(cs, sc.published_pillars[pillar.code]),
                "max": _points(cs, sc.applicable_pillars.get(pillar.code, pillar.max_points)),
                "unscored": pillar.unscored,
                "na": _("Không áp dụng") if pillar.code in sc.not_applicable else "",
            }
            for pillar in cs.pillars
        ],
        total=_total(cs, sc),
        details=_details(session, sc),
        sign=_signatures(info),
        annex=_annex(session, info, today),
    )
    return DRAFT_MARK + text if info.is_draft() else text
