"""Building a signed package from one submission, written atomically (temp file + rename)."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import forms
from forms.applicability import UnitFacts, in_use, mark_problems
from forms.atomic import atomic_write
from forms.criteria import CriteriaSet
from forms.evidence_types import ALLOWED, HEAD_BYTES, content_matches, extension_of
from forms.i18n import _
from forms.packages.contents import (
    PROBE_BYTES,
    Content,
    EvidenceFile,
    chunks,
    compression_for,
    group_contents,
)
from forms.packages.format import (
    MANIFEST_NAME,
    MAX_ENTRIES,
    MAX_ENTRY_BYTES,
    MAX_REPORT_BYTES,
    MAX_TOTAL_BYTES,
    PROVINCE_DATA_NAME,
    REPORT_NAME,
    ROLE_CHAIRMAN,
    ROLE_ORGANISATION,
    SIGNATURE_ORGANISATION,
    ZIP_DATE_TIME,
    package_file_name,
)
from forms.packages.manifest import (
    build_manifest,
    criteria_dict,
    manifest_bytes,
    nfc_value,
    scores_dict,
)
from forms.packages.signing import KIND_X509, Signer
from forms.problems import Problem, ProblemsError
from forms.scoring import score
from forms.text import misleading_char


@dataclass(frozen=True)
class Submission:
    unit_code: str
    unit_name: str
    year: int
    criteria_set: CriteriaSet
    answers: Mapping[str, Mapping[str, Any]]
    notes: Mapping[str, str] = field(default_factory=dict)
    evidence: Sequence[EvidenceFile] = ()
    revision: int = 1
    submission_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    supersedes: str | None = None
    officer_name: str = ""
    officer_position: str = ""
    officer_phone: str = ""
    officer_email: str = ""
    chairman_name: str = ""  # the unit's chairman, who signs the report
    app_version: str = forms.__version__
    created_at: datetime | None = None  # default: now (the signer's clock; a claim only)
    criteria_hash: str | None = None  # the set's content hash if the caller already has it
    report: bytes | None = None  # the PDF report, as printed: stored as report.pdf, hash signed
    # the province's signed .dtidata whose values the answers carry (issue 16): stored as
    # province-data.dtidata, its hash signed (format 3)
    province_data: bytes | None = None
    # applicability (issue 16): the unit's kind, written only for a set that uses
    # applicability, and the commune's "không áp dụng" marks (code -> reason), only when any
    unit_kind: str = ""
    not_applicable: Mapping[str, str] = field(default_factory=dict)


def _zipinfo(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_DATE_TIME)
    info.compress_type = compress
    info.create_system = 3  # unix: the mode bits below are then meaningful
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    return info


def _text_problems(sub: Submission) -> list[Problem]:
    """Names shown to people, free of characters the verifier refuses."""
    problems: list[Problem] = []
    shown = {
        "unit.code": sub.unit_code,
        "unit.name": sub.unit_name,
        "officer.name": sub.officer_name,
        "officer.position": sub.officer_position,
        "officer.phone": sub.officer_phone,
        "officer.email": sub.officer_email,
        "unit.chairman": sub.chairman_name,
        **{f"evidence.{e.original_name}": e.original_name for e in sub.evidence},
    }
    for where, text in shown.items():
        char = misleading_char(text)
        if char is not None:  # the verifier refuses it: say so before signing
            problems.append(
                Problem(
                    "manifest_text",
                    _(
                        "“{text}” chứa ký tự không hiển thị được ({char}): hãy sửa lại trước khi ký",
                        text=text.encode("unicode_escape").decode("ascii")[:80],
                        char=char,
                    ),
                    where,
                )
            )
    return problems


def _check(sub: Submission) -> None:
    cs = sub.criteria_set
    problems = _text_problems(sub)
    if sub.not_applicable:  # what the verifier would refuse, said before signing
        problems += mark_problems(cs, nfc_value(dict(sub.not_applicable)))
    sizes: dict[object, int] = {}  # by file or bytes: a content cited twice is stored once
    for code in sorted({*sub.answers, *sub.notes}):
        if cs.find(code) is None:
            problems.append(
                Problem(
                    "unknown_indicator",
                    _(
                        "Chỉ tiêu {code} không có trong bộ tiêu chí {set}",
                        code=code,
                        set=cs.short_id,
                    ),
                    code,
                )
            )
    for item in sub.evidence:
        if cs.find(item.indicator) is None:
            problems.append(
                Problem(
                    "unknown_indicator",
                    _(
                        "Chỉ tiêu {code} không có trong bộ tiêu chí {set}",
                        code=item.indicator,
                        set=cs.short_id,
                    ),
                    item.original_name,
                )
            )
        if item.content is None and (item.source is None or not Path(item.source).is_file()):
            problems.append(
                Problem(
                    "evidence_missing",
                    _(
                        "Không tìm thấy tệp minh chứng {name} (chỉ tiêu {code})",
                        name=item.original_name,
                        code=item.indicator,
                    ),
                    str(item.source or ""),
                )
            )
            continue
        problem = _type_problem(item)
        if problem is not None:
            problems.append(problem)
        size = (
            len(item.content)
            if item.content is not None
            else Path(item.source or "").stat().st_size
        )
        sizes[item.source if item.content is None else item.content] = size
        if size > MAX_ENTRY_BYTES:
            # the verifier would refuse it: say so now rather than send an unusable package
            problems.append(
                Problem(
                    "evidence_too_large",
                    _(
                        "Tệp minh chứng {name} quá lớn ({size} MB, tối đa {limit} MB)",
                        name=item.original_name,
                        size=size // 2**20,
                        limit=MAX_ENTRY_BYTES // 2**20,
                    ),
                    item.original_name,
                )
            )
    total = sum(sizes.values())
    if total > MAX_TOTAL_BYTES or len(sizes) > MAX_ENTRIES - 3:
        problems.append(
            Problem(
                "evidence_too_large",
                _(
                    "Tổng minh chứng vượt giới hạn của gói ({count} tệp, {size} MB)",
                    count=len(sizes),
                    size=total // 2**20,
                ),
                "evidence",
            )
        )
    report = _report_problem(sub.report)
    if report is not None:
        problems.append(report)
    if problems:
        raise ProblemsError(problems)


def _report_problem(report: bytes | None) -> Problem | None:
    if report is None:
        return None
    if not report.startswith(b"%PDF-") or len(report) > MAX_REPORT_BYTES:
        return Problem(
            "report_invalid",
            _("Báo cáo PDF kèm gói không hợp lệ hoặc quá lớn (tối đa {limit} MB)",
              limit=MAX_REPORT_BYTES // 2**20),
            REPORT_NAME,
        )  # fmt: skip
    return None


def _type_problem(item: EvidenceFile) -> Problem | None:
    """The verifier accepts only allow-listed evidence, by name and by content: say so now
    rather than send a package every collector rejects (normally the storage refused the file
    when it was attached)."""
    extension = extension_of(item.original_name)
    if extension not in ALLOWED:
        return Problem(
            "evidence_type",
            _(
                "Tệp minh chứng {name} có kiểu “{ext}” không được phép (chỉ nhận: {allowed})",
                name=item.original_name,
                ext=extension or "?",
                allowed=", ".join(sorted(ALLOWED)),
            ),
            item.original_name,
        )
    opener: io.BytesIO | Path  # what zipfile can open, for the zip-based types
    if item.content is not None:
        head, opener = item.content[:HEAD_BYTES], io.BytesIO(item.content)
    else:
        source = Path(item.source or "")
        with open(source, "rb") as handle:
            head, opener = handle.read(HEAD_BYTES), source
    if content_matches(extension, head, opener):
        return None
    return Problem(
        "evidence_content",
        _(
            "Nội dung tệp minh chứng {name} không phải tệp {ext} thật (có thể đã bị đổi đuôi)",
            name=item.original_name,
            ext=extension,
        ),
        item.original_name,
    )


def build_package(
    submission: Submission,
    signer: Signer,
    out_dir: Path | str,
    *,
    durable: bool = True,
    organisation: Signer | None = None,
) -> Path:
    """Write ``<unit>_<year>_r<revision>.dtipkg`` into ``out_dir`` and return its path.

    ``durable=False`` skips the fsync (bulk demo data, where a lost file is simply redone).
    ``organisation``: a certificate signer whose signature goes beside ``signer``'s (the
    chairman's), over the same manifest, which names both keys with their roles.

    Raises ``ProblemsError`` for unusable input (unknown indicator, missing evidence file);
    nothing is left behind then, nor when writing fails half-way.
    """
    _check(submission)
    _check_organisation(signer, organisation)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / package_file_name(submission.unit_code, submission.year, submission.revision)
    # durable: the package must survive a pulled USB stick
    with atomic_write(target, durable=durable) as raw:
        _write_zip(raw, submission, signer, organisation)
    return target


def _check_organisation(signer: Signer, organisation: Signer | None) -> None:
    if organisation is None:
        return
    if organisation.kind != KIND_X509:
        message = _("Chữ ký của cơ quan phải là chứng thư số (USB token hoặc tệp .p12)")
    elif organisation.key_id == signer.key_id:
        message = _("Chữ ký của cơ quan phải bằng chứng thư số khác với chứng thư của Chủ tịch")
    else:
        return
    raise ProblemsError([Problem("organisation_signer_invalid", message, "organisation")])


def _write_content(zf: zipfile.ZipFile, content: Content) -> None:
    """One entry, streamed from the first attachment that cites it; a file that changed since
    it was hashed (another program writing it) is refused rather than signed wrongly."""
    digest = hashlib.sha256()
    with zf.open(_zipinfo(content.entry, content.compress), "w") as dest:
        for chunk in chunks(content.cited_by[0]):
            digest.update(chunk)
            dest.write(chunk)
    if digest.hexdigest() != content.sha256:
        name = content.cited_by[0].original_name
        raise ProblemsError(
            [
                Problem(
                    "evidence_changed",
                    _("Tệp minh chứng {name} thay đổi trong lúc đóng gói: hãy ký lại", name=name),
                    name,
                )
            ]
        )


def _write_zip(
    raw: Any, submission: Submission, signer: Signer, organisation: Signer | None = None
) -> None:
    cs = submission.criteria_set
    created = (submission.created_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    answers: dict[str, Any] = {}
    for code in sorted({*submission.answers, *submission.notes}):
        answers[code] = {
            "values": nfc_value(dict(submission.answers.get(code, {}) or {})),
            "note": submission.notes.get(code, ""),
        }
    kind = submission.unit_kind if in_use(cs) else ""
    marks = nfc_value(dict(submission.not_applicable))
    result = score(
        cs,
        {code: entry["values"] for code, entry in answers.items()},
        unit=UnitFacts(kind, submission.unit_code),
        marks=marks,
    )
    with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
        contents, cites = group_contents(submission.evidence)
        for content in contents:
            _write_content(zf, content)
        evidence = [
            {
                "path": content.entry,
                "sha256": content.sha256,
                "size": content.size,
                "original_name": item.original_name,
                "indicator": item.indicator,
                "document": dict(item.document),
            }
            for item, content in zip(submission.evidence, cites, strict=True)
        ]
        report = None
        if submission.report is not None:
            data = submission.report
            zf.writestr(
                _zipinfo(REPORT_NAME, compression_for("pdf", data[:PROBE_BYTES], len(data))), data
            )
            report = {
                "path": REPORT_NAME,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
        province = None
        if submission.province_data is not None:
            data = submission.province_data
            zf.writestr(_zipinfo(PROVINCE_DATA_NAME, zipfile.ZIP_DEFLATED), data)
            province = {
                "path": PROVINCE_DATA_NAME,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
        manifest = build_manifest(
            unit_code=submission.unit_code,
            unit_name=submission.unit_name,
            year=submission.year,
            criteria=criteria_dict(cs, submission.criteria_hash or cs.content_hash),
            revision=submission.revision,
            submission_id=submission.submission_id,
            supersedes=submission.supersedes,
            created_at=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            officer_name=submission.officer_name,
            officer_position=submission.officer_position,
            officer_phone=submission.officer_phone,
            officer_email=submission.officer_email,
            chairman_name=submission.chairman_name,
            unit_kind=kind,
            not_applicable=marks,
            app_version=submission.app_version,
            answers=answers,
            scores=scores_dict(result),
            evidence=evidence,
            report=report,
            signers=None
            if organisation is None
            else [
                {"role": ROLE_CHAIRMAN, "key_id": signer.key_id},
                {"role": ROLE_ORGANISATION, "key_id": organisation.key_id},
            ],
            province_data=province,
        )
        data = manifest_bytes(manifest)
        zf.writestr(_zipinfo(MANIFEST_NAME, zipfile.ZIP_DEFLATED), data)
        blob = signer.sign(data)
        zf.writestr(_zipinfo(blob.entry_name, zipfile.ZIP_STORED), blob.data)
        if organisation is not None:
            second = organisation.sign(data)
            zf.writestr(_zipinfo(SIGNATURE_ORGANISATION, zipfile.ZIP_STORED), second.data)
