"""Issue 12, "Hostile input": a commune holding a trusted key signs whatever manifest it likes.

Every test here forges a package the way such a commune can (edit the manifest, re-sign it with
the real key, re-zip) and checks the verifier rejects it with its own reason code, or, for the
fuzzing at the end, never raises and never accepts a changed meaning.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.packages.build import EvidenceFile, build_package
from forms.packages.demo import write_demo
from forms.packages.format import MANIFEST_NAME, SIGNATURE_ED25519
from forms.packages.manifest import manifest_bytes, scores_dict
from forms.packages.trust import TrustRegistry
from forms.packages.verify import criteria_index, verify_package
from forms.reference import reference_set
from forms.scoring import score
from tests.forms.packages.helpers import PDF_ENTRY, PNG_ENTRY, content_entry, submission
from tests.forms.sample_sets import tiny_set

PDF, PNG = PDF_ENTRY, PNG_ENTRY


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _manifest(path: Path) -> dict[str, Any]:
    return json.loads(_entries(path)[MANIFEST_NAME])


def _rescored(manifest: dict[str, Any]) -> None:
    """Make the claimed scores agree with the (edited) answers, as a forger would."""
    answers = {code: entry["values"] for code, entry in manifest["answers"].items()}
    manifest["scores"] = scores_dict(score(tiny_set(), answers))


def _forge(
    package: Path,
    signer: Any,
    out: Path,
    manifest: dict[str, Any] | None = None,
    *,
    raw: bytes | None = None,
    files: dict[str, bytes | None] | None = None,
) -> Path:
    """A package with ``manifest`` (or the exact bytes ``raw``) signed by ``signer``, evidence
    entries replaced, renamed or dropped (``files``), zipped anew."""
    entries = _entries(package)
    data = raw if raw is not None else manifest_bytes(manifest or {})
    entries[MANIFEST_NAME] = data
    entries[SIGNATURE_ED25519] = signer.sign(data).data
    for name, content in (files or {}).items():
        if content is None:
            entries.pop(name, None)
        else:
            entries[name] = content
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return out


def _evidence(manifest: dict[str, Any], path: str) -> dict[str, Any]:
    return next(item for item in manifest["evidence"] if item["path"] == path)


def _move(manifest: dict[str, Any], old: str, new: str, content: bytes) -> dict[str, bytes | None]:
    item = _evidence(manifest, old)
    item.update(path=new, size=len(content), sha256=hashlib.sha256(content).hexdigest())
    return {old: None, new: content}


def _codes(path: Path, criteria, trust) -> list[str]:
    verdict = verify_package(path, criteria_sets=criteria, trust=trust)
    assert verdict.ok == (not verdict.reasons)
    return sorted(set(verdict.codes))


# --- hole 1: evidence that runs code on the reviewer's PC ------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_hole1_signed_hta_behind_pdf_name_and_spaces_is_rejected(
    package, tmp_path, criteria, trust, signer, version
):
    """A signed ``Biên bản họp.pdf      .hta``: Windows runs it as an HTML application.
    Format 1 names entries freely, so the type check refuses it; format 2 names an entry by
    its content's type, so an ``.hta`` entry is not even a well-formed manifest."""
    manifest = _manifest(package)
    content = b"<html><script>new ActiveXObject('WScript.Shell').Run('calc')</script></html>"
    entry = (
        "evidence/1.1/001-Bien-ban-hop.pdf-.hta" if version == 1 else content_entry(content, "hta")
    )
    files = _move(manifest, PDF, entry, content)
    _evidence(manifest, entry)["original_name"] = "Biên bản họp.pdf      .hta"
    if version == 1:
        manifest["format_version"] = 1
        del manifest["report"]
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest, files=files)
    verdict = verify_package(forged, criteria_sets=criteria, trust=trust)
    if version == 2:
        assert (
            verdict.codes == ["manifest_invalid"]
            and "evidence[0].path" in verdict.reasons[0].message
        )
        return
    assert sorted(set(verdict.codes)) == ["evidence_type"]
    assert "hta" in verdict.reasons[0].message and "001-Bien-ban-hop" in verdict.reasons[0].message


@pytest.mark.parametrize(
    "original",
    ["Biên bản.hta", "Biên bản.pdf.hta. . .", "Biên bản.pdf.HTA  ", "Biên bản", "Biên bản.png"],
)
def test_hole1_original_name_with_another_extension_is_rejected(
    package, tmp_path, criteria, trust, signer, original
):
    """The entry is a real PDF under a .pdf path, but the name the reviewer saves it as is not
    (trailing dots and spaces are dropped by Windows, so ``x.hta. .`` is an .hta)."""
    manifest = _manifest(package)
    _evidence(manifest, PDF)["original_name"] = original
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    assert _codes(forged, criteria, trust) == ["evidence_type"]


def test_hole1_html_content_under_pdf_name_is_rejected(package, tmp_path, criteria, trust, signer):
    """Extension allowed, bytes not what it says: a viewer sniffing content would run HTML."""
    manifest = _manifest(package)
    content = b"<html><body onload='alert(1)'></body></html>"
    entry = content_entry(content, "pdf")  # format 2: the name follows the content
    forged = _forge(
        package, signer, tmp_path / "t.dtipkg", manifest, files=_move(manifest, PDF, entry, content)
    )
    verdict = verify_package(forged, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["evidence_content"] and entry in verdict.reasons[0].message


def test_v2_content_swapped_under_its_name_is_not_a_manifest(
    package, tmp_path, criteria, trust, signer
):
    """Format 2 names a content by its sha256: a signed manifest whose hash and name disagree
    is refused before anything is read."""
    manifest = _manifest(package)
    content = b"%PDF-1.4 another plan"
    _evidence(manifest, PDF).update(size=len(content), sha256=hashlib.sha256(content).hexdigest())
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest, files={PDF: content})
    verdict = verify_package(forged, criteria_sets=criteria, trust=trust)
    assert (
        verdict.codes == ["manifest_invalid"] and "evidence[0].path" in verdict.reasons[0].message
    )


def test_hole1_renamed_zip_is_not_a_docx(package, tmp_path, criteria, trust, signer):
    """A .docx is a zip, but not every zip is a .docx."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("payload.hta", b"<script></script>")
    manifest = _manifest(package)
    new = content_entry(buffer.getvalue(), "docx")
    files = _move(manifest, PDF, new, buffer.getvalue())
    _evidence(manifest, new)["original_name"] = "Biên bản.docx"
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest, files=files)
    assert _codes(forged, criteria, trust) == ["evidence_content"]


def test_hole1_document_metadata_must_be_text(package, tmp_path, criteria, trust, signer):
    """The evidence's document reference is shown to reviewers: text fields only."""
    manifest = _manifest(package)
    _evidence(manifest, PDF)["document"] = {"number": ["12"], "script": "x"}
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    assert _codes(forged, criteria, trust) == ["manifest_invalid"]


def test_builder_refuses_evidence_the_verifier_would_refuse(tmp_path, signer):
    """Say it when building rather than send a package every collector rejects."""
    from forms.problems import ProblemsError

    bad = submission(
        evidence=(
            EvidenceFile("1.1", "Biên bản họp.pdf      .hta", content=b"%PDF-1.4 x"),
            EvidenceFile("1.1", "ảnh.png", content=b"GIF89a not a png"),
        )
    )
    with pytest.raises(ProblemsError) as err:
        build_package(bad, signer, tmp_path)
    assert [p.code for p in err.value.problems] == ["evidence_type", "evidence_content"]
    assert list(tmp_path.iterdir()) == []


# --- hole 2a: numbers the merge cannot store ------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (lambda m: m.update(revision=10**30), "revision"),
        (lambda m: m.update(revision=0), "revision"),
        (lambda m: m.update(revision=-2), "revision"),
        (lambda m: m.update(revision=10_000), "revision"),
        (lambda m: m.update(year=2**63), "year"),
        (lambda m: m.update(year=1999), "year"),
        (lambda m: m.update(year=2101), "year"),
        (lambda m: m["criteria_set"].update(year=10**30), "criteria_set.year"),
        (lambda m: m["evidence"][0].update(size=10**30), "evidence[0].size"),
        (lambda m: m["evidence"][0].update(size=0), "evidence[0].size"),
    ],
)
def test_hole2a_out_of_range_numbers_are_rejected(
    package, tmp_path, criteria, trust, signer, damage, where
):
    """``revision`` 10**30 or ``year`` >= 2**63 passed verification, then the merge died with
    OverflowError storing it in SQLite."""
    manifest = _manifest(package)
    damage(manifest)
    verdict = verify_package(
        _forge(package, signer, tmp_path / "t.dtipkg", manifest),
        criteria_sets=criteria,
        trust=trust,
    )
    assert verdict.codes == ["manifest_range"] and where in verdict.reasons[0].message


@pytest.mark.parametrize("version", [True, 1.0])
def test_hole2a_format_version_must_be_the_integer(
    package, tmp_path, criteria, trust, signer, version
):
    """``true`` and ``1.0`` equal 1 in Python; only the integer 1 is format version 1."""
    manifest = _manifest(package)
    manifest["format_version"] = version
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    assert _codes(forged, criteria, trust) == ["format_version"]


def test_hole2a_ratio_answer_overflowing_decimal_does_not_crash(
    package, tmp_path, criteria, trust, signer
):
    """``a = "1e999999"``, ``b = "1e-999999"`` made scoring raise decimal.Overflow: the verifier
    (and the merge calling it) crashed on a signed package."""
    manifest = _manifest(package)
    manifest["answers"]["1.2"]["values"] = {"a": "1e999999", "b": "1e-999999"}
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    verdict = verify_package(forged, criteria_sets=criteria, trust=trust)
    assert set(verdict.codes) == {"answer_invalid"} and "1.2" in verdict.reasons[0].message


# --- hole 3: claims not bound to the criteria set --------------------------------------------


def test_hole3_package_year_must_be_the_set_year(package, tmp_path, criteria, trust, signer):
    """A 2026 package scored with the 2025 set would be ranked among 2026 results."""
    manifest = _manifest(package)
    manifest["year"] = 2026
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    assert _codes(forged, criteria, trust) == ["year_mismatch"]


@pytest.mark.parametrize(
    ("key", "value"), [("set_id", "dti-xa-2026"), ("version", "9"), ("year", 2026)]
)
def test_hole3_claimed_set_identity_must_match_the_set_found_by_hash(
    package, tmp_path, criteria, trust, signer, key, value
):
    """The set_id/version/year a package claims were stored unchecked when the hash matched."""
    manifest = _manifest(package)
    manifest["criteria_set"][key] = value
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    verdict = verify_package(forged, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["criteria_mismatch"] and str(value) in verdict.reasons[0].message


@pytest.mark.parametrize(
    "created",
    [
        "２０２５-11-20T08:30:00Z",  # fullwidth digits: \d matches them
        "٢٠٢٥-11-20T08:30:00Z",  # Arabic-Indic digits
        "0001-11-20T08:30:00Z",
        "9999-11-20T08:30:00Z",
        "2025-1-20T08:30:00Z",
        "2025-11-20T08:30:00+07:00",
        "2025-02-30T08:30:00Z",
    ],
)
def test_hole3_created_at_strict_ascii_and_sane_year(
    package, tmp_path, criteria, trust, signer, created
):
    """created_at accepted non-ASCII digits and years 0001/9999 (certificate validity is
    judged at this time)."""
    manifest = _manifest(package)
    manifest["created_at"] = created
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    codes = _codes(forged, criteria, trust)
    assert codes in (["manifest_invalid"], ["manifest_range"])


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("submission_id", "../../x"),
        ("submission_id", "7B0A4C2E-52C4-4F5E-9A43-6C3A0F3D9A10"),
        ("supersedes", "ngày hôm qua"),
        ("supersedes", "7b0a4c2e-52c4-4f5e-9a43-6c3a0f3d9a10"),  # itself
    ],
)
def test_hole3_submission_ids_are_uuids(package, tmp_path, criteria, trust, signer, key, value):
    """submission_id and supersedes are what the collector chains revisions by."""
    manifest = _manifest(package)
    manifest[key] = value
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    assert _codes(forged, criteria, trust) == ["manifest_invalid"]


# --- hole 8: one meaning per signed byte -----------------------------------------------------


def test_hole8_duplicate_key_in_signed_manifest_is_rejected(
    package, tmp_path, criteria, trust, signer
):
    """``{"revision":1,...,"revision":9}``: a JSON viewer shows one value, Python keeps the other."""
    raw = manifest_bytes(_manifest(package))
    forged_raw = raw.replace(b'"revision":2', b'"revision":2,"revision":7', 1)
    forged = _forge(package, signer, tmp_path / "t.dtipkg", raw=forged_raw)
    verdict = verify_package(forged, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["manifest_duplicate_key"] and "revision" in verdict.reasons[0].message


@pytest.mark.parametrize(
    "reformat",
    [
        lambda m: json.dumps(m, ensure_ascii=False, sort_keys=True, indent=1).encode(),
        lambda m: json.dumps(m, ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode(),
        lambda m: json.dumps(m, ensure_ascii=False, separators=(",", ":")).encode(),
        lambda m: manifest_bytes(m).replace(b'"revision":2', b'"revision":2.00'),
    ],
)
def test_hole8_non_canonical_signed_manifest_is_rejected(
    package, tmp_path, criteria, trust, signer, reformat
):
    """Same content, other bytes: two files must never carry the same signed claims."""
    manifest = dict(reversed(list(_manifest(package).items())))
    forged = _forge(package, signer, tmp_path / "t.dtipkg", raw=reformat(manifest))
    assert _codes(forged, criteria, trust) == ["manifest_not_canonical"]


def test_hole8_nfd_text_is_rejected(package, tmp_path, criteria, trust, signer):
    """ "Xã Hùng Lô" in NFD looks the same and sorts, compares and hashes differently."""
    manifest = _manifest(package)
    manifest["unit"]["name"] = unicodedata.normalize("NFD", manifest["unit"]["name"])
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    assert _codes(forged, criteria, trust) == ["manifest_not_canonical"]


@pytest.mark.parametrize(
    ("code", "values"),
    [
        ("1.1", {"count": [3]}),  # a list where a number belongs, scores 0 like "no answer"
        ("1.1", {"count": {"n": 3}}),
        ("1.1", {"count": -1}),
        ("1.1", {"count": 2.5}),
        ("1.1", {"count": True}),
        ("1.1", {"count": 3, "extra": "x"}),  # unknown field
        ("2.1", {"choice": "president"}),
        ("2.2.1", {"yes": "maybe"}),
        ("2.2.2", {"pct": "150"}),
        ("3.1", {"points": "99"}),  # above the maximum: clamped when scored
        ("1.2", {"a": 10**400, "b": 1}),
        ("2.2", {"x": 1}),  # a parent indicator has no fields of its own
    ],
)
def test_hole8_answer_values_must_fit_their_field(
    package, tmp_path, criteria, trust, signer, code, values
):
    """A value that is not of its field's type was accepted whenever the score it gives matched
    the claimed one (the forger simply claims that score)."""
    manifest = _manifest(package)
    manifest["answers"][code] = {"values": values, "note": ""}
    _rescored(manifest)
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    verdict = verify_package(forged, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["answer_invalid"]
    assert code in verdict.reasons[0].message


def test_empty_answers_are_still_accepted(package, tmp_path, criteria, trust, signer):
    """An officer may leave a field blank (None or empty text): that is no answer, not a lie."""
    manifest = _manifest(package)
    manifest["answers"]["1.1"]["values"] = {"count": None}
    manifest["answers"]["2.2.2"]["values"] = {"pct": ""}
    _rescored(manifest)
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    assert verify_package(forged, criteria_sets=criteria, trust=trust).ok


# --- hole 12c: no CPU for unsigned junk --------------------------------------------------------


def test_hole12c_unsigned_package_is_not_hashed_or_scored(package, tmp_path, criteria, trust):
    """Evidence was hashed and answers scored before the signature was known to be bad: anyone
    dropping files in the inbox made the collector inflate and hash them."""
    manifest = _manifest(package)
    manifest["scores"]["total"] = "999"
    entries = _entries(package)
    entries[MANIFEST_NAME] = manifest_bytes(manifest)  # the old signature no longer matches
    entries[PDF] = b"%PDF-1.4 forged content of another size"
    out = tmp_path / "t.dtipkg"
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    assert _codes(out, criteria, trust) == ["signature_invalid"]


def test_hole12c_unsigned_package_still_reports_cheap_structure(package, tmp_path, criteria, trust):
    entries = _entries(package)
    del entries[SIGNATURE_ED25519], entries[PNG]
    entries["evidence/9.9/extra.pdf"] = b"%PDF-1.4"
    out = tmp_path / "t.dtipkg"
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    assert _codes(out, criteria, trust) == ["file_missing", "signature_missing", "unlisted_file"]


# --- what the builder writes, the verifier accepts ----------------------------------------------


def test_every_built_package_verifies(tmp_path, signer, criteria, trust):
    """The writer and the stricter reader agree: NFD input, odd but valid values, all kinds."""
    variants = [
        submission(),
        submission(unit_name=unicodedata.normalize("NFD", "Xã Hùng Lô"), revision=9999),
        submission(
            answers={
                "1.1": {"count": 0},
                "1.2": {"a": "0", "b": 0},
                "2.1": {"choice": "none"},
                "2.2.1": {"yes": False},
                "2.2.2": {"pct": 100},
                "3.1": {"points": Decimal("8")},
            },
            supersedes="00000000-0000-4000-8000-000000000000",
            notes={"2.2": "ghi chú cha", "1.1": unicodedata.normalize("NFD", "Họp")},
        ),
        submission(answers={}, notes={}, evidence=()),
    ]
    for index, sub in enumerate(variants):
        path = build_package(sub, signer, tmp_path / str(index))
        verdict = verify_package(path, criteria_sets=criteria, trust=trust)
        assert verdict.reasons == [], index


def test_demo_packages_verify(tmp_path):
    result = write_demo(tmp_path, units=4, seed=3)
    trust = TrustRegistry.load(result.trust)
    sets = criteria_index([reference_set()])
    for path in result.packages:
        assert verify_package(path, criteria_sets=sets, trust=trust).reasons == []


# --- fuzzing: a re-signed manifest never passes with a changed meaning -----------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70).map(lambda n: n * 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        ["", "3", "٣", "３", "1e999999", "-0", "Xa\u0300", "2025-02-30", "chair", "NaN", "\ufeff"]
    ),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
# where a value is put: a path of keys from the manifest's top
_PLACES = [
    ("year",),
    ("revision",),
    ("format_version",),
    ("submission_id",),
    ("supersedes",),
    ("created_at",),
    ("app_version",),
    ("unit", "code"),
    ("unit", "name"),
    ("criteria_set", "year"),
    ("criteria_set", "set_id"),
    ("criteria_set", "version"),
    ("answers", "1.1", "values", "count"),
    ("answers", "1.2", "values", "a"),
    ("answers", "1.2", "values", "b"),
    ("answers", "2.1", "values", "choice"),
    ("answers", "2.2.1", "values", "yes"),
    ("answers", "2.2.2", "values", "pct"),
    ("answers", "3.1", "values", "points"),
    ("answers", "3.1", "values", "other"),
    ("answers", "1.1", "note"),
    ("answers", "9.9"),
    ("evidence", 0, "size"),
    ("evidence", 0, "original_name"),
    ("evidence", 0, "document"),
    ("evidence", 1, "indicator"),
    ("officer", "name"),
    ("scores", "total"),
]


@pytest.fixture(scope="module")
def fuzz_base(tmp_path_factory):
    from tests.forms.packages.helpers import ed_signer

    signer = ed_signer(1)
    registry = TrustRegistry()
    registry.add_key("25042", signer.public_raw)
    path = build_package(submission(), signer, tmp_path_factory.mktemp("fuzz"))
    return path, signer, registry, _manifest(path)


def _put(manifest: dict[str, Any], place: tuple[Any, ...], value: Any) -> None:
    target: Any = manifest
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(st.tuples(st.sampled_from(_PLACES), _values), min_size=1, max_size=3),
    rescore=st.booleans(),
)
def test_fuzzed_manifest_values_never_crash_or_pass_changed(fuzz_base, criteria, changes, rescore):
    """Re-signed with the real key: either rejected with reason codes, or accepted only with a
    meaning an honest build could have produced (the valid answers scored as claimed)."""
    package, signer, registry, original = fuzz_base
    manifest = copy.deepcopy(original)
    for place, value in changes:
        _put(manifest, place, value)
    if rescore:
        with contextlib.suppress(Exception):  # the forger's own tools may choke; no matter
            _rescored(manifest)
    try:
        raw = manifest_bytes(manifest)
    except (TypeError, ValueError):
        return  # not JSON at all (a forger cannot sign what does not encode)
    data = io.BytesIO()
    entries = _entries(package)
    entries[MANIFEST_NAME] = raw
    entries[SIGNATURE_ED25519] = signer.sign(raw).data
    with zipfile.ZipFile(data, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    verdict = verify_package(data.getvalue(), criteria_sets=criteria, trust=registry)  # no raise
    assert verdict.ok == (not verdict.reasons)
    assert all(p.code and p.message for p in verdict.reasons)
    if verdict.ok:
        # accepted: then it must be a manifest the builder could have written for these answers
        accepted = json.loads(raw)
        assert accepted == json.loads(manifest_bytes(accepted))
        answers = {code: entry["values"] for code, entry in accepted["answers"].items()}
        assert accepted["scores"] == scores_dict(score(tiny_set(), answers))
        assert accepted["year"] == accepted["criteria_set"]["year"] == 2025
        assert 1 <= accepted["revision"] <= 9999
        rebuilt = build_package(
            submission(
                answers=answers,
                notes={code: entry["note"] for code, entry in accepted["answers"].items()},
                unit_code=accepted["unit"]["code"],
                unit_name=accepted["unit"]["name"],
                revision=accepted["revision"],
                submission_id=accepted["submission_id"],
                supersedes=accepted["supersedes"],
                officer_name=accepted["officer"]["name"],
                officer_position=accepted["officer"]["position"],
                app_version=accepted["app_version"],
            ),
            signer,
            Path(package).parent / "rebuilt",
        )
        honest = _manifest(rebuilt)
        for key in ("answers", "scores", "unit", "revision", "submission_id", "supersedes"):
            assert honest[key] == accepted[key], key


def test_hole8_lone_surrogate_escape_is_rejected_without_crashing(
    package, tmp_path, criteria, trust, signer
):
    """``"\\ud800"`` is valid JSON but no text: re-encoding it raised UnicodeEncodeError in
    parse_canonical, and json.loads alone accepted it as the unit's name."""
    raw = manifest_bytes(_manifest(package)).replace("Xã Hùng Lô".encode(), b"X\\ud800", 1)
    forged = _forge(package, signer, tmp_path / "t.dtipkg", raw=raw)
    assert _codes(forged, criteria, trust) == ["manifest_not_canonical"]


# --- names that display as something else --------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        (("unit", "name"), "Xã A\tB"),  # a tab broke the exported table (seen in hole 5's work)
        (("unit", "name"), "Xã Hiền Quan\u202e"),  # RIGHT-TO-LEFT OVERRIDE: reorders the display
        (("unit", "code"), "25042\x00"),
        (("officer", "name"), "Nguyễn Văn An\u2066"),
        (("officer", "position"), "Chủ tịch\x85"),
    ],
)
def test_names_with_control_or_bidi_characters_are_rejected(
    package, tmp_path, criteria, trust, signer, field, value
):
    """A trusted commune could sign a unit or officer name holding a control or bidi-override
    character: the collector window, the ranking and the report would show something other
    than the bytes signed."""
    manifest = _manifest(package)
    manifest[field[0]][field[1]] = value
    forged = _forge(package, signer, tmp_path / "t.dtipkg", manifest)
    verdict = verify_package(forged, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["manifest_text"]
    assert verdict.reasons[0].where == ".".join(field)


def test_builder_refuses_names_the_verifier_would_refuse(tmp_path, signer):
    from forms.problems import ProblemsError

    with pytest.raises(ProblemsError) as err:
        build_package(submission(unit_name="Xã A\tB"), signer, tmp_path)
    assert [(p.code, p.where) for p in err.value.problems] == [("manifest_text", "unit.name")]
    assert list(tmp_path.iterdir()) == []
