"""Checking a package: safe zip, manifest, signature, files, scores, signer trust.

Each failure is its own ``Problem`` (stable ``code``, Vietnamese message naming the entry,
file or indicator). The verifier writes nothing to disk: entries are streamed, hashed and
parsed in memory within the limits of ``forms.packages.format``.

Speed matters (a collector merges thousands): the zip is opened once, evidence is hashed
while streaming, the manifest is parsed once, criteria sets are looked up by hash from a
dict built once per run, and the signature check is a single Ed25519 verification.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from forms.canonical import CanonicalError, parse_canonical
from forms.criteria import CriteriaSet
from forms.evidence_types import ALLOWED, checked_type, extension_of
from forms.i18n import N_, _
from forms.packages import format as fmt
from forms.packages.answer_check import check_answers
from forms.packages.chain import ChainError, check_chain
from forms.packages.manifest import scores_dict
from forms.packages.manifest_shape import ShapeError, check_shape
from forms.packages.signing import KIND_X509, SignatureError, SignerInfo, verify_signature
from forms.packages.trust import ROLE_SUBMISSION, TrustRegistry, wrong_role_message
from forms.packages.zipsafe import Limits, SafeZip, Source, ZipProblem
from forms.problems import Problem
from forms.scoring import score

CriteriaLookup = Mapping[str, CriteriaSet] | Callable[[str], CriteriaSet | None] | None

DEFAULT_LIMITS = Limits()


def criteria_index(sets: Iterable[CriteriaSet]) -> dict[str, CriteriaSet]:
    """``{content_hash: set}``, hashing each set once (hashing a 60-indicator set is not free)."""
    return {cs.content_hash: cs for cs in sets}


@dataclass
class Verdict:
    """The outcome for one package.

    ``unit``, ``year``, ``submission_id`` and ``manifest`` are filled as soon as the manifest
    parses, even when a later check fails (so a rejection can name the unit); they are
    *claims* until ``ok`` is true.
    """

    ok: bool
    path: str
    reasons: list[Problem] = field(default_factory=list)
    unit: str | None = None
    unit_name: str | None = None
    year: int | None = None
    submission_id: str | None = None
    signer: SignerInfo | None = None
    manifest: dict[str, Any] | None = None  # parsed, for the collector's merge
    manifest_bytes: bytes | None = None  # exactly as signed
    criteria_set: CriteriaSet | None = None

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.reasons]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "unit": self.unit,
            "year": self.year,
            "submission_id": self.submission_id,
            "signer": {
                "kind": self.signer.kind if self.signer else None,
                "fingerprint": self.signer.fingerprint if self.signer else None,
            },
            "reasons": [{"code": p.code, "message": p.message} for p in self.reasons],
        }


# --- the verifier -----------------------------------------------------------------------

_CANONICAL_CODES = {"duplicate_key": "manifest_duplicate_key", "not_nfc": "manifest_not_canonical"}
_CANONICAL_CODES["not_canonical"] = "manifest_not_canonical"


def _parse_manifest(raw: bytes, reasons: list[Problem]) -> dict[str, Any] | None:
    """The manifest if ``raw`` is canonical JSON of a DTI manifest; else a reason, and None.

    One meaning per signed byte (hole 8): ``json`` keeps the last of two equal keys while a
    viewer may show the first, and other formattings of the same content would make two
    files with the same signed claims."""
    try:
        manifest = parse_canonical(raw)
    except CanonicalError as exc:
        code = _CANONICAL_CODES.get(exc.reason, "manifest_invalid")
        if exc.reason == "duplicate_key":
            message = _("manifest.json có khóa {key} lặp lại", key=exc.detail)
        elif exc.reason == "not_nfc":
            message = _("manifest.json có văn bản không chuẩn hóa Unicode NFC")
        elif exc.reason == "not_canonical":
            message = _(
                "manifest.json không ở dạng chuẩn (JSON sắp xếp khóa, không khoảng trắng) như khi được ký"
            )
        else:
            message = _("manifest.json không đọc được: {error}", error=str(exc)[:200])
        reasons.append(Problem(code, message, fmt.MANIFEST_NAME))
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != fmt.FORMAT_NAME:
        reasons.append(
            Problem(
                "manifest_invalid",
                _("manifest.json không phải manifest của gói DTI"),
                fmt.MANIFEST_NAME,
            )
        )
        return None
    return manifest


def _check_evidence(zf: SafeZip, entry: str, item: dict[str, Any], reasons: list[Problem]) -> None:
    """Type (by both names, as Windows sees them), size, hash, then content (hole 1)."""
    kind = ALLOWED.get(extension_of(entry))
    named = ALLOWED.get(extension_of(item["original_name"]))
    if kind is None or named is None or named[1] != kind[1]:
        reasons.append(
            Problem(
                "evidence_type",
                _(
                    "Tệp minh chứng {entry} ({original}) có kiểu “{ext}” không được phép (chỉ nhận: {allowed})",
                    entry=entry,
                    original=item["original_name"],
                    ext=extension_of(item["original_name"] if kind else entry) or "?",
                    allowed=", ".join(sorted(ALLOWED)),
                ),
                entry,
            )
        )
        return  # not read at all: it could never be accepted
    data = zf.read(entry, zf.limits.entry_bytes)
    if len(data) != item["size"]:
        reasons.append(
            Problem(
                "file_size",
                _(
                    "Tệp {entry} có kích thước {size} byte, manifest ghi {expected}",
                    entry=entry,
                    size=len(data),
                    expected=item["size"],
                ),
                entry,
            )
        )
    elif hashlib.sha256(data).hexdigest() != item["sha256"]:
        reasons.append(
            Problem(
                "file_hash",
                _("Tệp {entry} đã bị thay đổi (mã băm sha256 không khớp)", entry=entry),
                entry,
            )
        )
    elif checked_type(entry, data) is None:
        reasons.append(
            Problem(
                "evidence_content",
                _(
                    "Nội dung tệp minh chứng {entry} ({original}) không phải tệp {ext} thật",
                    entry=entry,
                    original=item["original_name"],
                    ext=extension_of(entry),
                ),
                entry,
            )
        )


def verify_package(
    source: Source,
    *,
    criteria_sets: CriteriaLookup = None,
    trust: TrustRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
    name: str | None = None,
) -> Verdict:
    """Check one package: a path, its bytes, or a seekable binary file object.

    ``name`` is what messages and ``Verdict.path`` call it (default: the path; for bytes or
    a file object without a name, "gói"). Giving bytes the caller already holds (the
    collector hashes and stores them anyway) saves reading the file twice."""
    if name is None:
        if isinstance(source, str | os.PathLike):
            name = os.fspath(source)
        else:
            name = str(getattr(source, "name", "") or "gói")
    verdict = Verdict(ok=False, path=name)
    try:
        with SafeZip(source, limits) as zf:
            _verify_open(zf, verdict, criteria_sets, trust)
    except ZipProblem as exc:
        verdict.reasons.append(exc.problem)
    verdict.ok = not verdict.reasons
    return verdict


def lookup_criteria(criteria_sets: CriteriaLookup, content_hash: str) -> CriteriaSet | None:
    if criteria_sets is None:
        return None
    if callable(criteria_sets):
        return criteria_sets(content_hash)
    return criteria_sets.get(content_hash)


def _verify_open(  # noqa: C901, PLR0912
    zf: SafeZip, verdict: Verdict, criteria_sets: CriteriaLookup, trust: TrustRegistry | None
) -> None:
    reasons = verdict.reasons
    name = os.path.basename(verdict.path)
    if fmt.MANIFEST_NAME not in zf.files:
        reasons.append(
            Problem(
                "manifest_missing",
                _("Gói {name} không có manifest.json", name=name),
                fmt.MANIFEST_NAME,
            )
        )
        return
    raw = zf.read(fmt.MANIFEST_NAME, fmt.MAX_MANIFEST_BYTES)
    manifest = _parse_manifest(raw, reasons)
    if manifest is None:
        return
    version = manifest.get("format_version")
    if type(version) is not int or version != fmt.FORMAT_VERSION:  # True and 1.0 equal 1
        reasons.append(
            Problem(
                "format_version",
                _(
                    "Phiên bản định dạng gói {found} không được hỗ trợ (cần {expected})",
                    found=json.dumps(version)[:40],
                    expected=fmt.FORMAT_VERSION,
                ),
                fmt.MANIFEST_NAME,
            )
        )
        return
    try:
        created = check_shape(manifest)
    except ShapeError as exc:
        reasons.append(exc.problem())
        return
    verdict.manifest, verdict.manifest_bytes = manifest, raw
    verdict.unit, verdict.unit_name = manifest["unit"]["code"], manifest["unit"]["name"]
    verdict.year, verdict.submission_id = manifest["year"], manifest["submission_id"]

    # the signature first: without a valid one nothing below is worth any CPU (an inbox takes
    # files from anyone), so only the checks that read no entry run (hole 12c)
    signatures = [n for n in zf.files if n.startswith(fmt.SIGNATURE_DIR)]
    known = [n for n in signatures if n in fmt.SIGNATURE_NAMES]
    if not known:
        reasons.append(
            Problem(
                "signature_missing",
                _("Gói không có chữ ký (thư mục signature/)"),
                fmt.SIGNATURE_DIR,
            )
        )
    elif len(known) > 1:
        reasons.append(
            Problem("signature_invalid", _("Gói có nhiều hơn một chữ ký"), fmt.SIGNATURE_DIR)
        )
    else:
        try:
            verdict.signer = verify_signature(
                known[0], zf.read(known[0], fmt.MAX_SIGNATURE_BYTES), raw
            )
        except SignatureError:
            reasons.append(
                Problem(
                    "signature_invalid",
                    _("Chữ ký {entry} không khớp với manifest.json", entry=known[0]),
                    known[0],
                )
            )
    signed = verdict.signer is not None

    # files: every listed one present, of an allowed type, with its size and hash, and
    # nothing unlisted
    listed = {item["path"]: item for item in manifest["evidence"]}
    for entry, item in listed.items():
        if entry not in zf.files:
            reasons.append(
                Problem(
                    "file_missing",
                    _(
                        "Thiếu tệp minh chứng {entry} ({original})",
                        entry=entry,
                        original=item["original_name"],
                    ),
                    entry,
                )
            )
            continue
        if signed:
            _check_evidence(zf, entry, item, reasons)
    for entry in zf.files:
        if entry != fmt.MANIFEST_NAME and entry not in listed and entry not in known:
            reasons.append(
                Problem(
                    "unlisted_file",
                    _("Tệp {entry} không có trong manifest.json", entry=entry),
                    entry,
                )
            )
    if not signed:
        return

    _check_scores(manifest, verdict, criteria_sets)
    if verdict.signer is not None:
        _check_trust(verdict.signer, verdict.unit, created, trust, reasons)


def _check_claims(manifest: dict[str, Any], cs: CriteriaSet, reasons: list[Problem]) -> None:
    """What the package says about its set, bound to the set its content hash found (hole 3)."""
    claimed = manifest["criteria_set"]
    if (claimed["set_id"], claimed["version"], claimed["year"]) != (cs.set_id, cs.version, cs.year):
        reasons.append(
            Problem(
                "criteria_mismatch",
                _(
                    "manifest.json ghi bộ tiêu chí {claimed}, nhưng mã băm là của bộ {set}",
                    claimed=f"{claimed['set_id']} {claimed['year']} v{claimed['version']}",
                    set=cs.short_id,
                ),
                "criteria_set",
            )
        )
    if manifest["year"] != cs.year:
        reasons.append(
            Problem(
                "year_mismatch",
                _(
                    "Gói ghi năm đánh giá {year}, nhưng bộ tiêu chí {set} là của năm {set_year}",
                    year=manifest["year"],
                    set=cs.short_id,
                    set_year=cs.year,
                ),
                "year",
            )
        )


def _check_scores(  # noqa: C901, PLR0912
    manifest: dict[str, Any], verdict: Verdict, criteria_sets: CriteriaLookup
) -> None:
    reasons = verdict.reasons
    claimed_set = manifest["criteria_set"]
    cs = lookup_criteria(criteria_sets, claimed_set["content_hash"])
    if cs is None:
        reasons.append(
            Problem(
                "criteria_unknown",
                _(
                    "Bộ tiêu chí không xác định: {set_id} {year} v{version} (mã băm {hash})",
                    set_id=claimed_set["set_id"],
                    year=claimed_set["year"],
                    version=claimed_set["version"],
                    hash=claimed_set["content_hash"][:12],
                ),
                "criteria_set",
            )
        )
        return
    verdict.criteria_set = cs
    _check_claims(manifest, cs, reasons)
    answers, invalid = check_answers(cs, manifest["answers"])
    # one set difference in C instead of a lookup per indicator; messages in manifest order
    unknown = answers.keys() - cs._index.keys()
    for code in answers if unknown else ():
        if cs.find(code) is None:
            reasons.append(
                Problem(
                    "manifest_invalid",
                    _(
                        "Chỉ tiêu {code} không có trong bộ tiêu chí {set}",
                        code=code,
                        set=cs.short_id,
                    ),
                    code,
                )
            )
    for item in manifest["evidence"]:
        if cs.find(item["indicator"]) is None:
            reasons.append(
                Problem(
                    "manifest_invalid",
                    _(
                        "Chỉ tiêu {code} không có trong bộ tiêu chí {set}",
                        code=item["indicator"],
                        set=cs.short_id,
                    ),
                    item["path"],
                )
            )
    if invalid:
        reasons += invalid
        return  # scores from values of the wrong kind prove nothing (and 1e999999 overflowed)
    expected = scores_dict(score(cs, answers))
    claimed = manifest["scores"]
    if expected == claimed:
        return
    for group, label in (
        ("indicators", "indicator"),
        ("pillars", "pillar"),
        ("published_pillars", "pillar"),
    ):
        want, got = expected[group], claimed.get(group, {})
        for code in sorted(set(want) | set(got)):
            if want.get(code) != got.get(code):
                reasons.append(
                    Problem(
                        "score_mismatch",
                        _(
                            "Điểm {what} {code} ghi {claimed}, tính lại được {computed}",
                            what=_("chỉ tiêu") if label == "indicator" else _("trụ cột"),
                            code=code,
                            claimed=str(got.get(code)),
                            computed=str(want.get(code)),
                        ),
                        f"scores.{group}.{code}",
                    )
                )
    for key in ("total", "published_total", "classification"):
        if expected[key] != claimed.get(key):
            reasons.append(
                Problem(
                    "score_mismatch",
                    _(
                        "Tổng điểm/xếp loại ({field}) ghi {claimed}, tính lại được {computed}",
                        field=key,
                        claimed=str(claimed.get(key)),
                        computed=expected[key],
                    ),
                    f"scores.{key}",
                )
            )
    if not any(p.code == "score_mismatch" for p in reasons):  # extra keys in the claimed scores
        reasons.append(
            Problem("score_mismatch", _("Phần điểm trong manifest.json có mục lạ"), "scores")
        )


def _check_trust(
    signer: SignerInfo,
    unit: str | None,
    created: datetime,
    trust: TrustRegistry | None,
    reasons: list[Problem],
) -> None:
    standing = (trust or _NO_TRUST).standing(signer.key_id, ROLE_SUBMISSION, unit or "")
    if standing.verdict != "trusted":
        if standing.verdict == "unknown":
            reasons.append(
                Problem(
                    "signer_unknown",
                    _(
                        "Người ký không xác định: khóa {fingerprint} không có trong danh sách tin cậy",
                        fingerprint=signer.fingerprint,
                    ),
                    "signature",
                )
            )
        elif standing.verdict == "wrong_role":
            # trusted, but to review or bundle: a reviewer's key must never sign a package
            reasons.append(
                Problem(
                    "signer_wrong_role",
                    wrong_role_message(signer.fingerprint, ROLE_SUBMISSION),
                    "signature",
                )
            )
        else:
            reasons.append(
                Problem(
                    "signer_not_for_unit",
                    _(
                        "Khóa {fingerprint} không được ký cho đơn vị {unit} (chỉ cho: {units})",
                        fingerprint=signer.fingerprint,
                        unit=unit,
                        units=", ".join(sorted(standing.units)),
                    ),
                    "signature",
                )
            )
    reasons.extend(chain_problems(signer, trust, created))


_NO_TRUST = TrustRegistry()  # no registry given: every signer is unknown


def chain_problems(
    signer: SignerInfo, trust: TrustRegistry | None, created: datetime
) -> list[Problem]:
    """For a certificate signer: why its chain does not lead to a trusted anchor at ``created``."""
    if signer.kind != KIND_X509 or not signer.certificates:
        return []
    anchors = trust.anchor_certificates() if trust is not None else []
    try:
        check_chain(signer.certificates[0], list(signer.certificates[1:]), anchors, created)
    except ChainError as exc:
        return [certificate_problem(exc, created)]
    return []


# why a chain failed, by ChainError code; anything else: no path to a trusted root
_CERTIFICATE_MESSAGES = {
    "certificate_usage": N_(
        "Chứng thư số {subject} không được dùng để ký văn bản (giới hạn mục đích sử dụng khóa)"
    ),
    "certificate_purpose": N_(
        "Chứng thư số {subject} không được cấp để ký văn bản (mục đích sử dụng mở rộng chỉ cho việc khác, ví dụ máy chủ web)"
    ),
    "certificate_issuer": N_(
        "Chuỗi chứng thư số của {subject} có một chứng thư cấp trên không được phép cấp chứng thư (không phải CA hoặc thiếu quyền keyCertSign)"
    ),
    "certificate_path_length": N_(
        "Chuỗi chứng thư số của {subject} dài hơn giới hạn độ dài (pathLen) mà một CA cấp trên cho phép"
    ),
    "certificate_critical_extension": N_(
        "Chuỗi chứng thư số của {subject} có phần mở rộng bắt buộc (critical) không được hỗ trợ"
    ),
    "certificate_expired": N_("Chứng thư số {subject} không còn hiệu lực vào thời điểm ký {time}"),
}
_NO_TRUSTED_ROOT = N_("Chứng thư số {subject} không dẫn tới chứng thư gốc tin cậy nào")


def certificate_problem(exc: ChainError, created: datetime) -> Problem:
    """The reason a certificate chain failed, worded for the user (packages and reviews alike)."""
    template = _CERTIFICATE_MESSAGES.get(exc.code, _NO_TRUSTED_ROOT)
    message = _(template, subject=exc.subject, time=created.isoformat())
    return Problem(exc.code, message, "signature")


# --- many packages ----------------------------------------------------------------------

_worker_state: dict[str, Any] = {}


def _worker_init(criteria_sets: CriteriaLookup, trust: TrustRegistry | None) -> None:
    _worker_state["criteria"], _worker_state["trust"] = criteria_sets, trust


def _worker_verify(path: str) -> Verdict:
    verdict = verify_package(
        path, criteria_sets=_worker_state["criteria"], trust=_worker_state["trust"]
    )
    # Sent back lean: the criteria set is re-attached by hash in the parent (pickling it per
    # package would cost more than verifying), and certificate objects do not pickle.
    verdict.criteria_set = None
    verdict.manifest = None  # re-parsed from manifest_bytes in the parent: bytes pickle far faster than a dict tree
    if verdict.signer is not None:
        verdict.signer = replace(verdict.signer, certificates=())
    return verdict


def verify_many(
    paths: Iterable[str | os.PathLike[str]],
    *,
    criteria_sets: CriteriaLookup = None,
    trust: TrustRegistry | None = None,
    workers: int | None = None,
) -> list[Verdict]:
    """Verify many packages, in order, on ``workers`` processes (default: one per CPU).

    The criteria sets and registry are sent to each worker once; a callable lookup must be
    picklable (a module-level function). ``workers=1`` runs in this process.
    """
    items = [os.fspath(p) for p in paths]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(items) < 64:
        return [verify_package(p, criteria_sets=criteria_sets, trust=trust) for p in items]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        workers, initializer=_worker_init, initargs=(criteria_sets, trust)
    ) as pool:
        verdicts = list(
            pool.map(_worker_verify, items, chunksize=max(16, len(items) // (workers * 8)))
        )
    for verdict in verdicts:
        if verdict.manifest_bytes is not None:
            verdict.manifest = json.loads(verdict.manifest_bytes)
            verdict.criteria_set = lookup_criteria(
                criteria_sets, verdict.manifest["criteria_set"]["content_hash"]
            )
    return verdicts
