"""The checks of one opened package, as a list of named steps run in order.

Each check does one job, adds its ``Problem`` s to the verdict and says whether the next may
run (``False``: the package is refused with what was found so far). The order is the order
of precedence, pinned by ``tests/forms/packages/test_check_order.py``: what reads no entry
comes first, the signature before anything costs CPU (an inbox takes files from anyone), and
nothing below ``signed`` runs for a package whose signature did not verify (hole 12c).

The zip itself (layout, names, sizes) is checked on opening, by ``SafeZip``; a ``ZipProblem``
raised while a check reads an entry ends the run (``forms.packages.verify``).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from forms.canonical import CanonicalError, parse_canonical
from forms.criteria import CriteriaSet
from forms.evidence_types import ALLOWED, checked_type, extension_of
from forms.i18n import N_, _
from forms.packages import format as fmt
from forms.packages.applicability_check import applicability_valid, marks, unit_facts
from forms.packages.manifest import scores_dict
from forms.packages.manifest_shape import ShapeError, check_shape
from forms.packages.organisation_checks import (
    organisation_required,
    organisation_signature,
    organisation_trust,
)
from forms.packages.package_run import Check, PackageRun, run_checks
from forms.packages.province_check import province_file, province_values
from forms.packages.signer_trust import TrustWording, signer_problems
from forms.packages.signing import SignatureError, verify_signature
from forms.packages.trust import ROLE_SUBMISSION
from forms.packages.verdict import lookup_criteria
from forms.packages.zipsafe import SafeZip
from forms.problems import Problem
from forms.scoring import score

# --- the manifest ---------------------------------------------------------------------------


def manifest_present(run: PackageRun) -> bool:
    if fmt.MANIFEST_NAME in run.zf.files:
        return True
    run.reasons.append(
        Problem(
            "manifest_missing",
            _("Gói {name} không có manifest.json", name=os.path.basename(run.verdict.path)),
            fmt.MANIFEST_NAME,
        )
    )
    return False


_CANONICAL_CODES = {"duplicate_key": "manifest_duplicate_key", "not_nfc": "manifest_not_canonical"}
_CANONICAL_CODES["not_canonical"] = "manifest_not_canonical"


def _canonical_problem(exc: CanonicalError) -> Problem:
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
    return Problem(code, message, fmt.MANIFEST_NAME)


def manifest_canonical(run: PackageRun) -> bool:
    """Canonical JSON of a DTI manifest. One meaning per signed byte (hole 8): ``json`` keeps
    the last of two equal keys while a viewer may show the first, and other formattings of
    the same content would make two files with the same signed claims."""
    run.raw = run.zf.read(fmt.MANIFEST_NAME, fmt.MAX_MANIFEST_BYTES)
    try:
        manifest = parse_canonical(run.raw)
    except CanonicalError as exc:
        run.reasons.append(_canonical_problem(exc))
        return False
    if not isinstance(manifest, dict) or manifest.get("format") != fmt.FORMAT_NAME:
        run.reasons.append(
            Problem(
                "manifest_invalid",
                _("manifest.json không phải manifest của gói DTI"),
                fmt.MANIFEST_NAME,
            )
        )
        return False
    run.manifest = manifest
    return True


def format_version(run: PackageRun) -> bool:
    version = run.manifest.get("format_version")
    if type(version) is int and version in fmt.FORMAT_VERSIONS:  # True and 1.0 equal 1
        return True
    run.reasons.append(
        Problem(
            "format_version",
            _(
                "Phiên bản định dạng gói {found} không được hỗ trợ (cần {expected})",
                found=json.dumps(version)[:40],
                expected=" hoặc ".join(map(str, fmt.FORMAT_VERSIONS)),
            ),
            fmt.MANIFEST_NAME,
        )
    )
    return False


def manifest_shape(run: PackageRun) -> bool:
    """Every field of its type and range (``check_shape``); then the verdict names the claims."""
    manifest, verdict = run.manifest, run.verdict
    try:
        run.created = check_shape(manifest)
    except ShapeError as exc:
        run.reasons.append(exc.problem())
        return False
    verdict.manifest, verdict.manifest_bytes = manifest, run.raw
    verdict.unit, verdict.unit_name = manifest["unit"]["code"], manifest["unit"]["name"]
    verdict.year, verdict.submission_id = manifest["year"], manifest["submission_id"]
    return True


# --- the signature and the files ------------------------------------------------------------


def signature(run: PackageRun) -> bool:
    """Exactly one known signature entry, matching manifest.json. A failure is noted and the
    files are still listed (what is missing or extra helps the sender); ``signed`` stops."""
    zf = run.zf
    run.signatures = known = [
        n for n in zf.files if n.startswith(fmt.SIGNATURE_DIR) and n in fmt.SIGNATURE_NAMES
    ]
    if not known:
        run.reasons.append(
            Problem(
                "signature_missing",
                _("Gói không có chữ ký (thư mục signature/)"),
                fmt.SIGNATURE_DIR,
            )
        )
    elif len(known) > 1:
        run.reasons.append(
            Problem("signature_invalid", _("Gói có nhiều hơn một chữ ký"), fmt.SIGNATURE_DIR)
        )
    else:
        try:
            run.verdict.signer = verify_signature(
                known[0], zf.read(known[0], fmt.MAX_SIGNATURE_BYTES), run.raw
            )
        except SignatureError:
            run.reasons.append(
                Problem(
                    "signature_invalid",
                    _("Chữ ký {entry} không khớp với manifest.json", entry=known[0]),
                    known[0],
                )
            )
    return True


def _type_problem(entry: str, item: dict[str, Any], kind: object) -> Problem:
    return Problem(
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


def _content_problem(entry: str, item: dict[str, Any], data: bytes) -> Problem | None:
    """Size, hash, then content: the first that is wrong."""
    if len(data) != item["size"]:
        return Problem(
            "file_size",
            _(
                "Tệp {entry} có kích thước {size} byte, manifest ghi {expected}",
                entry=entry,
                size=len(data),
                expected=item["size"],
            ),
            entry,
        )
    if hashlib.sha256(data).hexdigest() != item["sha256"]:
        return Problem(
            "file_hash",
            _("Tệp {entry} đã bị thay đổi (mã băm sha256 không khớp)", entry=entry),
            entry,
        )
    if checked_type(entry, data) is None:
        return Problem(
            "evidence_content",
            _(
                "Nội dung tệp minh chứng {entry} ({original}) không phải tệp {ext} thật",
                entry=entry,
                original=item["original_name"],
                ext=extension_of(entry),
            ),
            entry,
        )
    return None


def _missing(entry: str, original: str) -> Problem:
    return Problem(
        "file_missing",
        _("Thiếu tệp minh chứng {entry} ({original})", entry=entry, original=original),
        entry,
    )


def evidence_files(run: PackageRun) -> bool:
    """Every listed file present; when signed, of an allowed type, its size and hash, real.

    Each entry is read once however many attachments cite it (format 2 stores a content once;
    format 1's paths are all different), and each citation is checked against it."""
    zf, signed = run.zf, run.verdict.signer is not None
    cited: dict[str, list[dict[str, Any]]] = {}
    for item in run.manifest["evidence"]:
        cited.setdefault(item["path"], []).append(item)
    for entry, items in cited.items():
        if entry not in zf.files:
            run.reasons.append(_missing(entry, items[0]["original_name"]))
        elif signed:
            run.reasons += _citation_problems(zf, entry, items)
    return True


def _citation_problems(zf: SafeZip, entry: str, items: list[dict[str, Any]]) -> list[Problem]:
    """The problems of the attachments citing ``entry`` (read once, only if one could pass)."""
    data: bytes | None = None
    found: list[Problem] = []
    for item in items:
        kind = ALLOWED.get(extension_of(entry))
        named = ALLOWED.get(extension_of(item["original_name"]))
        if kind is None or named is None or named[1] != kind[1]:
            found.append(_type_problem(entry, item, kind))  # never accepted: not worth reading
            continue
        if data is None:
            data = zf.read(entry, zf.limits.entry_bytes)
        problem = _content_problem(entry, item, data)
        if problem is not None:
            found.append(problem)
    return found


def report_file(run: PackageRun) -> bool:
    """Format 2: the PDF report the manifest lists is there, and when signed, its size, hash
    and content are the signed ones."""
    report = run.manifest.get("report") if run.manifest["format_version"] >= 2 else None
    if report is None:
        return True
    entry = report["path"]
    if entry not in run.zf.files:
        run.reasons.append(
            Problem("report_missing", _("Gói thiếu báo cáo PDF {entry}", entry=entry), entry)
        )
    elif run.verdict.signer is not None:
        item = {**report, "original_name": entry}
        problem = _content_problem(entry, item, run.zf.read(entry, fmt.MAX_REPORT_BYTES))
        if problem is not None:
            run.reasons.append(problem)
    return True


def unlisted_files(run: PackageRun) -> bool:
    """Nothing in the zip that manifest.json does not list (or is not the signature)."""
    listed = {item["path"] for item in run.manifest["evidence"]}
    if run.manifest["format_version"] >= 2 and run.manifest.get("report") is not None:
        listed.add(run.manifest["report"]["path"])
    if run.manifest["format_version"] >= fmt.PROVINCE_DATA_VERSION:
        listed.add(run.manifest["province_data"]["path"])
    for entry in run.zf.files:
        if entry != fmt.MANIFEST_NAME and entry not in listed and entry not in run.signatures:
            run.reasons.append(
                Problem(
                    "unlisted_file",
                    _("Tệp {entry} không có trong manifest.json", entry=entry),
                    entry,
                )
            )
    return True


def signed(run: PackageRun) -> bool:
    """A gate, not a check: what follows costs CPU and is worth it only for a signed package."""
    return run.verdict.signer is not None


# --- the criteria set and the scores --------------------------------------------------------


def criteria_known(run: PackageRun) -> bool:
    claimed = run.manifest["criteria_set"]
    run.cs = lookup_criteria(run.criteria_sets, claimed["content_hash"])
    if run.cs is not None:
        run.verdict.criteria_set = run.cs
        return True
    run.reasons.append(
        Problem(
            "criteria_unknown",
            _(
                "Bộ tiêu chí không xác định: {set_id} {year} v{version} (mã băm {hash})",
                set_id=claimed["set_id"],
                year=claimed["year"],
                version=claimed["version"],
                hash=claimed["content_hash"][:12],
            ),
            "criteria_set",
        )
    )
    return False


def criteria_claims(run: PackageRun) -> bool:
    """What the package says about its set, bound to the set its content hash found (hole 3)."""
    manifest, cs = run.manifest, run.criteria
    claimed = manifest["criteria_set"]
    if (claimed["set_id"], claimed["version"], claimed["year"]) != (cs.set_id, cs.version, cs.year):
        run.reasons.append(
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
        run.reasons.append(
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
    return True


def _unknown_indicator(code: str, cs: CriteriaSet, where: str) -> Problem:
    return Problem(
        "manifest_invalid",
        _("Chỉ tiêu {code} không có trong bộ tiêu chí {set}", code=code, set=cs.short_id),
        where,
    )


def indicators_known(run: PackageRun) -> bool:
    """Every answered indicator and every file's indicator is one of the set's."""
    cs = run.criteria
    answers, _invalid = run.answers()
    # one set difference in C instead of a lookup per indicator; messages in manifest order
    unknown = answers.keys() - cs._index.keys()
    for code in answers if unknown else ():
        if cs.find(code) is None:
            run.reasons.append(_unknown_indicator(code, cs, code))
    for item in run.manifest["evidence"]:
        if cs.find(item["indicator"]) is None:
            run.reasons.append(_unknown_indicator(item["indicator"], cs, item["path"]))
    return True


def answers_valid(run: PackageRun) -> bool:
    """Each answer of its rule's kind; scores from values of the wrong kind prove nothing (and
    1e999999 overflowed), so a wrong one stops the criteria checks."""
    _answers, invalid = run.answers()
    run.reasons += invalid
    return not invalid


_SCORE_GROUPS = (
    ("indicators", "indicator"),
    ("pillars", "pillar"),
    ("published_pillars", "pillar"),
)


def _group_mismatches(expected: dict[str, Any], claimed: dict[str, Any]) -> list[Problem]:
    found = []
    for group, label in _SCORE_GROUPS:
        want, got = expected[group], claimed.get(group, {})
        for code in sorted(set(want) | set(got)):
            if want.get(code) != got.get(code):
                found.append(
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
    return found


def _total_mismatches(expected: dict[str, Any], claimed: dict[str, Any]) -> list[Problem]:
    return [
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
        for key in ("total", "published_total", "classification")
        if expected[key] != claimed.get(key)
    ]


def scores_match(run: PackageRun) -> bool:
    """The claimed scores are the ones the answers give, every one of them."""
    answers, _invalid = run.answers()
    manifest = run.manifest
    expected = scores_dict(
        score(run.criteria, answers, unit=unit_facts(manifest), marks=marks(manifest))
    )
    claimed = run.manifest["scores"]
    if expected == claimed:
        return True
    found = _group_mismatches(expected, claimed) + _total_mismatches(expected, claimed)
    if not found:  # extra keys in the claimed scores
        found.append(
            Problem("score_mismatch", _("Phần điểm trong manifest.json có mục lạ"), "scores")
        )
    run.reasons += found
    return False


# in order; the first that fails ends these, not the package's checks (trust is still checked)
CRITERIA_CHECKS: tuple[Check, ...] = (
    criteria_known,
    criteria_claims,
    indicators_known,
    answers_valid,
    province_values,
    applicability_valid,
    scores_match,
)


def criteria(run: PackageRun) -> bool:
    """The checks against the criteria set (``CRITERIA_CHECKS``)."""
    run_checks(CRITERIA_CHECKS, run)
    return True


# --- the signer -----------------------------------------------------------------------------


_WORDING = TrustWording(
    unknown=(
        "signer_unknown",
        N_("Người ký không xác định: khóa {fingerprint} không có trong danh sách tin cậy"),
    ),
    not_for_unit=(
        "signer_not_for_unit",
        N_("Khóa {fingerprint} không được ký cho đơn vị {unit} (chỉ cho: {units})"),
    ),
)


def signer_trust(run: PackageRun) -> bool:
    """The key may sign submissions for the unit (a reviewer's or collector's key must never
    sign a package), and a certificate's chain leads to an anchor."""
    signer, unit = run.verdict.signer, run.verdict.unit or ""
    assert signer is not None, "signer_trust runs after signed"
    run.reasons += signer_problems(
        signer, ROLE_SUBMISSION, unit, run.trust, run.created, _WORDING, run.revocation
    )
    return True


PACKAGE_CHECKS: tuple[Check, ...] = (
    manifest_present,
    manifest_canonical,
    format_version,
    manifest_shape,
    signature,
    organisation_signature,
    evidence_files,
    report_file,
    province_file,
    unlisted_files,
    signed,
    criteria,
    organisation_required,
    signer_trust,
    organisation_trust,
)
