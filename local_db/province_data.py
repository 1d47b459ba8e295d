"""The commune's province-supplied values (issue 16): the signed ``.dtidata`` files it imported,
and their values written into its draft assessments.

A file is kept as received, one per criteria set and year, in ``<data dir>/province-data/``
(``<set hash 16>_<year>.dtidata``, written atomically): the package carries exactly these
bytes, so the collector checks the same file the commune used. On import the signature is
checked against the province keys the commune trusts (``reviewers.json``, role
``province_data``); the file must be for a criteria set this machine knows and hold the
commune's unit. A newer file (``issued_at``) for the same set and year replaces the older
one; an older one is refused. The values then go into every draft assessment of that set,
year and unit (``apply``), as answers the officer cannot edit (``forms.criteria.Field.
province_supplied``), so validation, scoring, the report and the package read them as any
other answer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from forms.atomic import write_bytes_atomic
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.packages.trust import TrustError, TrustRegistry
from forms.problems import Problem
from forms.province_data.model import MAX_FILE_BYTES, ProvinceData, supplied_fields
from forms.province_data.verify import DataVerdict, verify_data
from forms.scoring import indicator_points
from local_db import answers, assessments, criteria_store, profile
from local_db.errors import NotFound, StorageError
from local_db.models import Assessment, Status
from local_db.paths import PROVINCE_DATA_DIR, REVIEWERS_FILE

if TYPE_CHECKING:
    from forms.packages.build import Submission
    from local_db.database import Database


class DataRejected(StorageError):
    """The file failed verification or does not fit this commune; ``problems`` say why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))


@dataclass
class Imported:
    data: ProvinceData
    path: Path
    replaced: ProvinceData | None  # the older file this one replaced
    unchanged: bool  # the same file was imported before
    applied: list[int] = field(default_factory=list)  # draft assessments given the values

    def message(self) -> str:
        if self.unchanged:
            return _("Tệp dữ liệu tỉnh này đã được nhập trước đó; không có gì thay đổi")
        text = _("Đã nhập dữ liệu tỉnh cung cấp của {issuer} (ngày phát hành {issued}) cho bộ tiêu chí {set} năm {year}", issuer=self.data.issuer, issued=self.data.issued_day, set=self.data.set_id, year=self.data.year)  # fmt: skip
        if self.replaced is not None:
            text += "; " + _("thay cho tệp phát hành ngày {issued}", issued=self.replaced.issued_day)  # fmt: skip
        return text


def data_dir_path(data_dir: str | os.PathLike[str], set_hash: str, year: int) -> Path:
    return Path(data_dir) / PROVINCE_DATA_DIR / f"{set_hash[:16]}_{int(year)}.dtidata"


def trust_of(db: Database) -> TrustRegistry:
    return TrustRegistry.load(Path(db.data_dir) / REVIEWERS_FILE)


def _lookup(db: Database) -> Any:
    def lookup(content_hash: str) -> CriteriaSet | None:
        try:
            return criteria_store.load(db, content_hash)
        except NotFound:
            return None

    return lookup


def commune_units(db: Database) -> set[str]:
    """The unit codes this machine assesses: its profile's and its assessments'."""
    found = profile.get(db)
    units = {found.unit_code} if found is not None and found.unit_code else set()
    with db.read() as session:
        units |= {a.unit_code for a in session.exec(select(Assessment)).all()}
    return units


def stored(db: Database, set_hash: str, year: int, trust: TrustRegistry | None = None) -> DataVerdict | None:  # fmt: skip
    """The stored file for the set and year, checked again (None: none imported)."""
    path = data_dir_path(db.data_dir, set_hash, year)
    if not path.is_file():
        return None
    return verify_data(path, criteria_sets=_lookup(db), trust=trust or trust_of(db), expected=(set_hash, year))  # fmt: skip


def import_file(db: Database, source: str | os.PathLike[str] | bytes, trust: TrustRegistry | None = None) -> Imported:  # fmt: skip
    """Verify and keep a ``.dtidata`` file, then give its values to the matching drafts;
    ``DataRejected`` if it fails or does not fit this commune."""
    try:
        raw = source if isinstance(source, bytes) else read_inbound(source, MAX_FILE_BYTES)
    except InboundRejected as exc:
        raise DataRejected([exc.problem]) from None
    trust = trust or trust_of(db)
    verdict = verify_data(raw, criteria_sets=_lookup(db), trust=trust)
    if not verdict.ok or verdict.data is None:
        raise DataRejected(verdict.reasons)
    data = verdict.data
    units = commune_units(db)
    if units and not units & set(data.units):
        message = _("Tệp dữ liệu tỉnh không có giá trị cho đơn vị {units} của máy này (tệp cho bộ đơn vị khác)", units=", ".join(sorted(units)))  # fmt: skip
        raise DataRejected([Problem("unit_missing", message, "units")])
    path = data_dir_path(db.data_dir, data.set_hash, data.year)
    old = stored(db, data.set_hash, data.year, trust)
    replaced = old.data if old is not None and old.data is not None else None
    if old is not None and old.raw == raw:
        return Imported(data, path, None, True, apply_all(db, data))
    if replaced is not None and replaced.issued_at > data.issued_at:
        message = _("Máy này đã có tệp dữ liệu tỉnh mới hơn (phát hành {newer}) cho bộ tiêu chí và năm này; tệp phát hành {older} không được nhập", newer=replaced.issued_day, older=data.issued_day)  # fmt: skip
        raise DataRejected([Problem("older_file", message, "issued_at")])
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, raw)
    return Imported(data, path, replaced, False, apply_all(db, data))


def _drafts(db: Database, data: ProvinceData) -> list[Assessment]:
    with db.read() as session:
        rows = session.exec(
            select(Assessment).where(
                Assessment.criteria_hash == data.set_hash,
                Assessment.year == data.year,
                Assessment.status == Status.DRAFT.value,
            )
        ).all()
    return [a for a in rows if a.unit_code in data.units]


def apply_all(db: Database, data: ProvinceData) -> list[int]:
    applied = []
    for row in _drafts(db, data):
        assert row.id is not None
        if _apply(db, row, data):
            applied.append(row.id)
    return applied


def _apply(db: Database, row: Assessment, data: ProvinceData | None) -> bool:
    """Write the unit's supplied values (or clear them, when the file has none) into a draft."""
    assert row.id is not None
    cs = criteria_store.load(db, row.criteria_hash)
    wanted = data.answers_for(row.unit_code) if data is not None else {}
    current = answers.get_all(db, row.id)
    changes: dict[str, dict[str, Any]] = {}
    for code, key in supplied_fields(cs):
        value = wanted.get(code, {}).get(key)
        if current.get(code, {}).get(key) != value:
            changes.setdefault(code, {})[key] = value
    if not changes:
        return False
    merged = {code: dict(values) for code, values in current.items()}
    for code, values in changes.items():
        merged.setdefault(code, {}).update(values)
    points = {code: indicator_points(cs.indicator(code), merged, cs) for code in changes}
    answers.set_many(db, row.id, changes, points, user=_("dữ liệu tỉnh"))
    return True


def apply(db: Database, assessment_id: int) -> bool:
    """Bring a draft's supplied values in line with the stored file (True: something changed).
    Called when an assessment is opened, so a draft created after the import gets them too."""
    row = assessments.get(db, assessment_id)
    if not row.editable:
        return False
    cs = criteria_store.load(db, row.criteria_hash)
    if not supplied_fields(cs):
        return False
    try:
        verdict = stored(db, row.criteria_hash, row.year)
    except TrustError:  # the trust list is unreadable: leave the values as they are
        return False
    if verdict is not None and not verdict.ok:  # e.g. the key is no longer trusted: the
        return False  # values stay, and the package (which needs a good file) is refused
    return _apply(db, row, verdict.data if verdict is not None else None)


def file_for(db: Database, set_hash: str, year: int) -> bytes | None:
    """The stored file's bytes (what a package carries), when it still verifies."""
    verdict = stored(db, set_hash, year)
    return verdict.raw if verdict is not None and verdict.ok else None


def with_file(db: Database, submission: Submission) -> Submission:
    """``submission`` carrying the stored file its province-supplied answers come from (the
    package records its hash and the collector checks the same bytes); unchanged for a set
    without supplied fields. ``DataRejected`` when answers need a file that no longer verifies."""
    cs = submission.criteria_set
    if not supplied_fields(cs):
        return submission
    verdict = stored(db, cs.content_hash, submission.year)
    if verdict is None or not verdict.ok:
        reasons = verdict.reasons if verdict is not None else []
        message = _("Chưa có tệp dữ liệu tỉnh hợp lệ cho bộ tiêu chí {set} năm {year}: hãy nhập tệp .dtidata trước khi ký", set=cs.set_id, year=submission.year)  # fmt: skip
        raise DataRejected([Problem("province_data_missing", message, "province_data"), *reasons])
    return replace(submission, province_data=verdict.raw)


def sources(db: Database, assessment_id: int) -> dict[str, str]:
    """``{"code/field": where the value comes from}`` for an assessment's supplied values, as
    the stored file says (its source, the issuing office and the issue date); empty without one."""
    row = assessments.get(db, assessment_id)
    try:
        verdict = stored(db, row.criteria_hash, row.year)
    except TrustError:
        return {}
    if verdict is None or verdict.data is None or not verdict.ok:
        return {}
    data = verdict.data
    return {
        f"{code}/{key}": _(
            "{source} ({issuer}, phát hành {date})",
            source=s.source,
            issuer=data.issuer,
            date=data.issued_day,
        )  # fmt: skip
        for code, values in data.for_unit(row.unit_code).items()
        for key, s in values.items()
    }
