"""Building a signed package from one submission, written atomically (temp file + rename)."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import forms
from forms.atomic import atomic_write
from forms.criteria import CriteriaSet
from forms.evidence_types import ALLOWED, HEAD_BYTES, content_matches, extension_of
from forms.i18n import _
from forms.packages.format import (
    CHUNK,
    EVIDENCE_DIR,
    MANIFEST_NAME,
    MAX_ENTRIES,
    MAX_ENTRY_BYTES,
    MAX_TOTAL_BYTES,
    ZIP_DATE_TIME,
    ascii_slug,
    package_file_name,
)
from forms.packages.manifest import (
    build_manifest,
    criteria_dict,
    manifest_bytes,
    nfc_value,
    scores_dict,
)
from forms.packages.signing import Signer
from forms.problems import Problem, ProblemsError
from forms.scoring import score
from forms.text import misleading_char

# Already-compressed formats are stored as they are: deflating them again costs time for nothing.
_STORED_SUFFIXES = {
    ".pdf",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".zip",
    ".docx",
    ".xlsx",
    ".pptx",
    ".odt",
    ".ods",
    ".mp4",
    ".7z",
    ".rar",
    ".heic",
}


@dataclass(frozen=True)
class EvidenceFile:
    """One evidence document: a file on disk (``source``) or bytes in memory (``content``)."""

    indicator: str
    original_name: str
    source: Path | None = None
    content: bytes | None = None
    document: Mapping[str, Any] = field(default_factory=dict)  # number, date, issuer, summary


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


def _zipinfo(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_DATE_TIME)
    info.compress_type = compress
    info.create_system = 3  # unix: the mode bits below are then meaningful
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    return info


def _chunks(item: EvidenceFile) -> Iterator[bytes]:
    if item.content is not None:
        yield item.content
        return
    assert item.source is not None
    with open(item.source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _check(sub: Submission) -> None:
    cs = sub.criteria_set
    problems: list[Problem] = []
    total = 0
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
        total += size
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
    if total > MAX_TOTAL_BYTES or len(sub.evidence) > MAX_ENTRIES - 2:
        problems.append(
            Problem(
                "evidence_too_large",
                _(
                    "Tổng minh chứng vượt giới hạn của gói ({count} tệp, {size} MB)",
                    count=len(sub.evidence),
                    size=total // 2**20,
                ),
                "evidence",
            )
        )
    if problems:
        raise ProblemsError(problems)


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


def _entry_name(index: int, item: EvidenceFile) -> str:
    """``evidence/<indicator>/<nnn>-<ASCII name>``, ending in the checked extension even when
    the ASCII form of the name loses it ("图片.png" would become "png")."""
    name = ascii_slug(item.original_name)
    extension = extension_of(item.original_name)
    if extension_of(name) != extension:
        stem = ascii_slug(item.original_name.rstrip(" .")[: -len(extension) - 1], limit=50)
        name = f"{stem}.{extension}"
    return f"{EVIDENCE_DIR}{ascii_slug(item.indicator, limit=20)}/{index:03d}-{name}"


def build_package(
    submission: Submission, signer: Signer, out_dir: Path | str, *, durable: bool = True
) -> Path:
    """Write ``<unit>_<year>_r<revision>.dtipkg`` into ``out_dir`` and return its path.

    ``durable=False`` skips the fsync (bulk demo data, where a lost file is simply redone).

    Raises ``ProblemsError`` for unusable input (unknown indicator, missing evidence file);
    nothing is left behind then, nor when writing fails half-way.
    """
    _check(submission)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / package_file_name(submission.unit_code, submission.year, submission.revision)
    # durable: the package must survive a pulled USB stick
    with atomic_write(target, durable=durable) as raw:
        _write_zip(raw, submission, signer)
    return target


def _write_zip(raw: Any, submission: Submission, signer: Signer) -> None:
    cs = submission.criteria_set
    created = (submission.created_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    answers: dict[str, Any] = {}
    for code in sorted({*submission.answers, *submission.notes}):
        answers[code] = {
            "values": nfc_value(dict(submission.answers.get(code, {}) or {})),
            "note": submission.notes.get(code, ""),
        }
    result = score(cs, {code: entry["values"] for code, entry in answers.items()})
    with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
        evidence: list[dict[str, Any]] = []
        for index, item in enumerate(submission.evidence, start=1):
            name = _entry_name(index, item)
            suffix = Path(item.original_name).suffix.lower()
            compress = zipfile.ZIP_STORED if suffix in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED
            digest, size = hashlib.sha256(), 0
            with zf.open(_zipinfo(name, compress), "w") as dest:
                for chunk in _chunks(item):
                    digest.update(chunk)
                    size += len(chunk)
                    dest.write(chunk)
            evidence.append(
                {
                    "path": name,
                    "sha256": digest.hexdigest(),
                    "size": size,
                    "original_name": item.original_name,
                    "indicator": item.indicator,
                    "document": dict(item.document),
                }
            )
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
            app_version=submission.app_version,
            answers=answers,
            scores=scores_dict(result),
            evidence=evidence,
        )
        data = manifest_bytes(manifest)
        zf.writestr(_zipinfo(MANIFEST_NAME, zipfile.ZIP_DEFLATED), data)
        blob = signer.sign(data)
        zf.writestr(_zipinfo(blob.entry_name, zipfile.ZIP_STORED), blob.data)
