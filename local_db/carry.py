"""Carrying last year's answers and evidence into this year's assessment (issue 16).

``plan`` reads both assessments and asks ``forms.carry_forward.match`` what may be offered;
it writes nothing. ``apply`` writes only the offers the officer confirmed, all in one
transaction: each value with an audit row saying where it came from and who confirmed it
(entity ``carry``), each evidence link to the same stored file (the store is addressed by
content, so no byte is copied) with its own audit row. A field that has a value by then
(typed meanwhile) is skipped, never overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from forms.carry_forward import CarryPlan, EvidenceOffer, EvidenceRef, FieldOffer, match
from forms.i18n import _
from forms.scoring import score
from local_db import answers, assessments, audit, criteria_store, evidence, evidence_store
from local_db.database import Change, record_change
from local_db.models import Answer, Assessment, Attachment, EvidenceBlob, now_utc

if TYPE_CHECKING:
    from datetime import datetime

    from forms.criteria import CriteriaSet
    from local_db.database import Database


@dataclass
class CarryResult:
    fields: int = 0  # values written
    evidence: int = 0  # files linked
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (code/key or file, why)


def previous(db: Database, assessment_id: int) -> Assessment | None:
    """The unit's newest revision of the latest year before this assessment's, if any."""
    with db.read() as session:
        row = assessments.fetch(session, assessment_id)
        return session.exec(
            select(Assessment)
            .where(Assessment.unit_code == row.unit_code, Assessment.year < row.year)
            .order_by(col(Assessment.year).desc(), col(Assessment.revision).desc())
        ).first()


def _refs(db: Database, assessment_id: int) -> dict[str, list[EvidenceRef]]:
    out: dict[str, list[EvidenceRef]] = {}
    for att in evidence.list_for(db, assessment_id):
        assert att.id is not None
        out.setdefault(att.indicator_code, []).append(
            EvidenceRef(
                att.id,
                att.original_name,
                att.blob_sha256,
                att.doc_number,
                att.doc_date,
                att.issuer,
                att.summary,
            )  # fmt: skip
        )
    return out


def plan(db: Database, assessment_id: int) -> CarryPlan | None:
    """What last year's assessment offers this one (None when there is no earlier year)."""
    before = previous(db, assessment_id)
    if before is None or before.id is None:
        return None
    now = assessments.get(db, assessment_id)
    old_cs = criteria_store.load(db, before.criteria_hash)
    new_cs = criteria_store.load(db, now.criteria_hash)
    attached: dict[str, set[str]] = {}
    for att in evidence.list_for(db, assessment_id):
        attached.setdefault(att.indicator_code, set()).add(att.blob_sha256)
    return match(
        old_cs, answers.get_all(db, before.id), _refs(db, before.id),
        new_cs, answers.get_all(db, assessment_id), attached,
        from_year=before.year, to_year=now.year,
    )  # fmt: skip


def _note(year: int, who: str) -> str:
    return _("chuyển từ năm {year}, đã xác nhận bởi {who}", year=year, who=who)


def _write_field(
    session: Session, row: Assessment, offer: FieldOffer, year: int, who: str, at: datetime
) -> str:
    """Insert one carried value; the reason it was skipped, or ""."""
    assert row.id is not None
    if not offer.offered:
        return offer.blocked
    existing = session.exec(
        select(Answer).where(
            Answer.assessment_id == row.id,
            Answer.indicator_code == offer.to_code,
            Answer.field_key == offer.to_field,
        )  # fmt: skip
    ).first()
    if existing is not None:
        return _("năm nay đã có câu trả lời (giữ nguyên)")
    value_json = audit.encode(offer.value)
    session.add(Answer(assessment_id=row.id, indicator_code=offer.to_code, field_key=offer.to_field,
                       value_json=value_json, updated_by=who, updated_at=at))  # fmt: skip
    audit.log(session, at=at, who=who, entity="carry", key=offer.key, old=None,
              new=audit.encode({"value": offer.value, "from": f"{year}/{offer.from_code}/{offer.from_field}",
                                "note": _note(year, who)}),
              assessment_id=row.id)  # fmt: skip
    return ""


def _link(
    db: Database,
    session: Session,
    row: Assessment,
    offer: EvidenceOffer,
    year: int,
    who: str,
    at: datetime,
) -> str:
    """Link one of last year's files to this year's indicator; the reason it was not, or ""."""
    if not offer.offered:
        return offer.blocked
    ref = offer.ref
    already = session.exec(
        select(Attachment).where(
            Attachment.assessment_id == row.id,
            Attachment.indicator_code == offer.to_code,
            Attachment.blob_sha256 == ref.sha256,
        )  # fmt: skip
    ).first()
    if already is not None:
        return _("tệp này năm nay đã được đính kèm")
    stored = evidence_store.blob_path(db.evidence_dir, ref.sha256)
    if session.get(EvidenceBlob, ref.sha256) is None or not stored.is_file():
        return _("thiếu tệp trong kho minh chứng (hãy chạy: dti-desk db check)")
    assert row.id is not None
    session.add(Attachment(assessment_id=row.id, indicator_code=offer.to_code, blob_sha256=ref.sha256,
                           original_name=ref.name, doc_number=ref.number, doc_date=ref.date, issuer=ref.issuer,
                           summary=ref.summary, added_by=who, added_at=at))  # fmt: skip
    audit.log(session, at=at, who=who, entity="carry", key=f"{offer.to_code}/{ref.name}", old=None,
              new=audit.encode({"sha256": ref.sha256, "name": ref.name, "from": f"{year}/{offer.from_code}",
                                "note": _note(year, who)}),
              assessment_id=row.id)  # fmt: skip
    return ""


def _rescore(session: Session, row: Assessment, cs: CriteriaSet) -> None:
    """The stored points of every indicator, as this year's set scores the answers now (a
    carried count changes its indicator's points, and a ratio reading it elsewhere)."""
    assert row.id is not None
    stored = answers.answers_in(session, row.id)
    scored = score(cs, stored).indicators
    for answer in session.exec(select(Answer).where(Answer.assessment_id == row.id)).all():
        points = scored.get(answer.indicator_code)
        text = None if points is None else format(points.normalize(), "f")
        if text is not None and answer.points != text:
            answer.points = text
            session.add(answer)


def apply(
    db: Database,
    assessment_id: int,
    fields: Sequence[FieldOffer],
    files: Sequence[EvidenceOffer] = (),
    *,
    from_year: int,
    user: str | None = None,
) -> CarryResult:
    """Write the confirmed offers in one transaction (all or nothing); returns what was written
    and what was skipped with why. Raises ``ReadOnlyAssessment`` unless it is a draft."""
    who = db.user if user is None else user
    at = now_utc()
    result = CarryResult()
    cs = criteria_store.load(db, assessments.get(db, assessment_id).criteria_hash)
    with evidence.store_lock(), db.write() as session:
        row = assessments.editable(session, assessment_id)
        for offer in fields:
            why = _write_field(session, row, offer, from_year, who, at)
            if why:
                result.skipped.append((offer.key, why))
            else:
                result.fields += 1
        for file_offer in files:
            why = _link(db, session, row, file_offer, from_year, who, at)
            if why:
                result.skipped.append((f"{file_offer.to_code}/{file_offer.ref.name}", why))
            else:
                result.evidence += 1
        if result.fields or result.evidence:
            session.flush()
            _rescore(session, row, cs)
            assessments.touch(session, row, at)
            record_change(session, Change("answer", "*", assessment_id))
            record_change(session, Change("evidence", "*", assessment_id))
    return result
