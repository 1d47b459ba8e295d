"""The .dtireview format: building, signing, verifying; tampered, untrusted and impossible
reviews are rejected with their reason codes."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.i18n import set_language
from forms.packages.signing import Pkcs12Signer
from forms.packages.trust import ANY_UNIT, ROLE_REVIEW, TrustRegistry
from forms.problems import ProblemsError
from forms.review.edit import checked_points, edit_item, new_review
from forms.review.model import (
    ItemStatus,
    Review,
    ReviewedSubmission,
    Reviewer,
    ReviewItem,
    body_bytes,
)
from forms.review.scoring import pillar_comparison, reviewable, self_score, verified_score
from forms.review.sign import check_review, review_file_name, sign_review, write_review_file
from forms.review.verify import verify_review
from forms.scoring import score
from tests.forms.packages.helpers import ed_signer, make_ca, make_leaf
from tests.forms.sample_sets import tiny_set

CS = tiny_set()
SETS = {CS.content_hash: CS}
UNIT = "25042"
ANSWERS = {
    "1.1": {"count": 3},
    "1.2": {"a": 2, "b": 4},
    "2.1": {"choice": "vice"},
    "2.2.1": {"yes": True},
    "2.2.2": {"pct": 95},
    "3.1": {"points": "6.5"},
}
REVIEWER = ed_signer(7)


def manifest(answers=ANSWERS) -> dict:
    result = score(CS, answers)
    return {
        "submission_id": "sub-1",
        "unit": {"code": UNIT, "name": "Xã Hùng Lô"},
        "year": 2025,
        "revision": 1,
        "criteria_set": {
            "set_id": CS.set_id,
            "year": CS.year,
            "version": CS.version,
            "content_hash": CS.content_hash,
        },
        "scores": {"indicators": {c: str(v) for c, v in result.indicators.items()}},
    }


def a_review(**item_changes) -> Review:
    review = new_review(
        manifest(),
        "ab" * 32,
        CS,
        Reviewer("Trần Văn Bình", "Chuyên viên", "Sở KH&CN"),
        review_id="r-1",
        created_at="2026-01-20T09:00:00Z",
    )
    items = dict(review.items)
    for code, change in item_changes.items():
        items[code] = edit_item(CS, items[code], **change)
    flagged = any(i.status is ItemStatus.EXPLAIN for i in items.values())
    return replace(review, items=items, deadline="2026-02-15" if flagged else None)


def trust(unit: str = UNIT) -> TrustRegistry:
    registry = TrustRegistry()
    registry.add_key(unit, REVIEWER.public_raw, "Sở KH&CN", roles=(ROLE_REVIEW,))
    return registry


def signed(review: Review | None = None, signer=REVIEWER) -> bytes:
    return sign_review(review or a_review(), CS, signer)


def resign(data: bytes, change, signer=REVIEWER) -> bytes:
    """What a foreign tool could produce: a body changed, then properly signed."""
    envelope = json.loads(data)
    body = json.loads(envelope["review"])
    change(body)
    raw = body_bytes(body)
    envelope["review"] = raw.decode("utf-8")
    envelope["signature"] = base64.b64encode(signer.sign(raw).data).decode("ascii")
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


# --- building ------------------------------------------------------------------------------


def test_new_review_accepts_every_reviewable_indicator_at_its_self_assessed_points() -> None:
    review = a_review()
    assert (
        set(review.items)
        == {i.code for i in reviewable(CS)}
        == {"1.1", "1.2", "2.1", "2.2.1", "2.2.2", "3.1"}
    )
    assert review.items["1.1"].self_points == D(15) and review.items["1.2"].self_points == D(5)
    assert all(i.status is ItemStatus.ACCEPTED for i in review.items.values())
    assert verified_score(CS, review) == score(CS, ANSWERS) == self_score(CS, review)


@pytest.mark.parametrize(
    ("change", "status", "verified"),
    [
        ({"points": "10"}, ItemStatus.ADJUSTED, D(10)),
        ({"points": "15"}, ItemStatus.ACCEPTED, D(15)),  # back to the self-assessed points
        ({"points": "7,5"}, ItemStatus.ADJUSTED, D("7.5")),  # a decimal comma, as officers type it
        (
            {"status": "explanation_requested", "comment": "Bổ sung biên bản"},
            ItemStatus.EXPLAIN,
            D(15),
        ),
        ({"status": ItemStatus.EXPLAIN, "points": 0, "comment": "x"}, ItemStatus.EXPLAIN, D(0)),
        ({"points": 20}, ItemStatus.ADJUSTED, D(20)),  # the maximum itself is allowed
    ],
)
def test_status_follows_the_points_unless_an_explanation_is_asked(change, status, verified) -> None:
    item = edit_item(CS, a_review().items["1.1"], **change)
    assert (item.status, item.verified_points) == (status, verified)


def test_accepting_puts_the_self_assessed_points_back() -> None:
    item = edit_item(CS, a_review().items["1.1"], points=5)
    assert edit_item(CS, item, status="accepted").verified_points == D(15)


@pytest.mark.parametrize("points", ["-1", "20.01", "21", "abc", "", "NaN", "Infinity", True, None])
def test_points_outside_zero_to_max_are_refused(points) -> None:
    if points is None:
        with pytest.raises(ProblemsError) as error:
            checked_points(CS, "1.1", points)
    else:
        with pytest.raises(ProblemsError) as error:
            edit_item(CS, a_review().items["1.1"], points=points)
    assert [p.code for p in error.value.problems] == ["points_out_of_range"]
    assert "1.1" in error.value.problems[0].message and "20" in error.value.problems[0].message


def test_signing_refuses_an_unfit_review_and_names_each_problem() -> None:
    review = a_review()
    items = dict(review.items)
    items["1.1"] = replace(items["1.1"], verified_points=D(25), status=ItemStatus.ADJUSTED)
    items["1.2"] = replace(items["1.2"], status=ItemStatus.EXPLAIN, comment="")
    items["2.1"] = replace(items["2.1"], verified_points=D(10))  # accepted with other points
    del items["3.1"]
    items["9.9"] = ReviewItem("9.9", D(0), D(0))
    bad = replace(review, items=items, reviewer=Reviewer(""))
    with pytest.raises(ProblemsError) as error:
        sign_review(bad, CS, REVIEWER)
    codes = sorted(p.code for p in error.value.problems)
    assert codes == sorted(
        [
            "points_out_of_range",
            "comment_missing",
            "status_mismatch",
            "item_missing",
            "unknown_indicator",
            "deadline_missing",
            "reviewer_missing",
        ]
    )


def test_check_review_accepts_a_sound_review() -> None:
    assert check_review(CS, a_review(**{"1.1": {"points": 5}})) == []


# --- verifying -------------------------------------------------------------------------------


def test_a_signed_review_verifies_and_reads_back_exactly(tmp_path: Path) -> None:
    review = a_review(
        **{
            "1.1": {"points": 5, "comment": "Chỉ 1 biên bản"},
            "1.2": {"status": "explanation_requested", "comment": "Giải trình"},
        }
    )
    path = write_review_file(signed(review), tmp_path / review_file_name(review))
    assert path.name == "25042_2025_r1_review-r-1.dtireview"
    verdict = verify_review(path, criteria_sets=SETS, trust=trust())
    assert verdict.ok, verdict.reasons
    assert verdict.review == replace(review, fingerprint=REVIEWER.fingerprint)
    assert verdict.signer is not None and verdict.signer.fingerprint == REVIEWER.fingerprint
    assert verdict.to_json()["flagged"] == ["1.2"] and verdict.to_json()["adjusted"] == ["1.1"]
    assert not list(tmp_path.glob("*.part"))


def test_a_wildcard_reviewer_may_review_any_unit() -> None:
    assert verify_review(signed(), criteria_sets=SETS, trust=trust(ANY_UNIT)).ok


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (
            lambda t: t.replace('"verified_points":"15"', '"verified_points":"20"', 1),
            "signature_invalid",
        ),
        (lambda t: t.replace('"comment":""', '"comment":"x"', 1), "signature_invalid"),
        (lambda t: t.replace("Trần Văn Bình", "Trần Văn Bính"), "signature_invalid"),
    ],
)
def test_a_tampered_body_is_rejected(tamper, code) -> None:
    envelope = json.loads(signed())
    changed = tamper(envelope["review"])
    assert changed != envelope["review"]
    envelope["review"] = changed
    verdict = verify_review(json.dumps(envelope).encode(), criteria_sets=SETS, trust=trust())
    assert not verdict.ok and code in verdict.codes


def test_a_flipped_signature_byte_is_rejected() -> None:
    envelope = json.loads(signed())
    raw = bytearray(base64.b64decode(envelope["signature"]))
    raw[-1] ^= 1
    envelope["signature"] = base64.b64encode(bytes(raw)).decode()
    verdict = verify_review(json.dumps(envelope).encode(), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["signature_invalid"]


def test_untrusted_reviewers_are_rejected_with_reasons() -> None:
    stranger = ed_signer(8)
    verdict = verify_review(signed(signer=stranger), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["reviewer_unknown"]
    assert stranger.fingerprint in verdict.reasons[0].message
    assert verify_review(signed(), criteria_sets=SETS, trust=None).codes == ["reviewer_unknown"]
    other_unit = verify_review(signed(), criteria_sets=SETS, trust=trust("99999"))
    assert (
        other_unit.codes == ["reviewer_not_for_unit"] and "99999" in other_unit.reasons[0].message
    )


def test_english_reasons_when_the_language_is_english() -> None:
    set_language("en")
    verdict = verify_review(signed(signer=ed_signer(8)), criteria_sets=SETS, trust=trust())
    assert verdict.reasons[0].message.startswith("Unknown reviewer")


def test_a_signed_review_with_impossible_points_is_still_refused() -> None:
    def raise_points(body):
        body["items"]["1.1"]["verified_points"] = "99"
        body["items"]["1.1"]["status"] = "adjusted"

    verdict = verify_review(resign(signed(), raise_points), criteria_sets=SETS, trust=trust())
    assert "points_out_of_range" in verdict.codes and "summary_mismatch" in verdict.codes


def test_totals_that_do_not_add_up_are_refused() -> None:
    def inflate(body):
        body["summary"]["verified"]["total"] = "60"

    assert verify_review(resign(signed(), inflate), criteria_sets=SETS, trust=trust()).codes == [
        "summary_mismatch"
    ]


def test_a_fingerprint_claim_that_is_not_the_signer_is_refused() -> None:
    def claim(body):
        body["reviewer"]["fingerprint"] = "0000 0000 0000 0000"

    assert verify_review(resign(signed(), claim), criteria_sets=SETS, trust=trust()).codes == [
        "signature_invalid"
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "not_a_review"),
        (b"PK\x03\x04 not json", "not_a_review"),
        (b'{"format": "dti-trust-export"}', "not_a_review"),
        (b'{"format": "dti-review-file", "format_version": 2}', "format_version"),
        (b'{"format": "dti-review-file", "format_version": 1, "review": 3}', "review_invalid"),
        (
            b'{"format": "dti-review-file", "format_version": 1, "review": "{}", "signature_kind": "ed25519", "signature": "!!"}',
            "signature_invalid",
        ),
        (b'{"format": "dti-review-file", "format_version": NaN}', "not_a_review"),
    ],
)
def test_garbage_is_rejected_without_crashing(data: bytes, code: str) -> None:
    verdict = verify_review(data, criteria_sets=SETS, trust=trust())
    assert not verdict.ok and verdict.codes[0] == code


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda b: b["items"]["1.1"].update(status="maybe"), "items.1.1.status"),
        (lambda b: b["items"]["1.1"].update(verified_points="lots"), "items.1.1.verified_points"),
        (lambda b: b["items"]["1.1"].update(verified_points="7,5"), "items.1.1.verified_points"),
        (lambda b: b["items"]["1.1"].update(self_points="NaN"), "items.1.1.self_points"),
        (lambda b: b.update(deadline="15/02/2026"), "deadline"),
        (lambda b: b["submission"].update(year="2025"), "submission.year"),
        (lambda b: b["submission"].update(manifest_sha256="xyz"), "submission.manifest_sha256"),
        (lambda b: b.pop("summary"), "summary"),
        # regression: a missing deadline key (not null) crashed the reader with KeyError
        (lambda b: b.pop("deadline"), "deadline"),
    ],
)
def test_a_malformed_body_names_its_field(change, where) -> None:
    verdict = verify_review(resign(signed(), change), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["review_invalid"] and verdict.reasons[0].where == where


def test_unknown_criteria_set_and_wrong_submission_are_reported() -> None:
    assert verify_review(signed(), criteria_sets={}, trust=trust()).codes == ["criteria_unknown"]
    other = ReviewedSubmission("sub-2", UNIT, "", 2025, 2, "", "", 0, "", "")
    assert verify_review(signed(), criteria_sets=SETS, trust=trust(), expected=other).codes == [
        "submission_mismatch"
    ]
    same = ReviewedSubmission("sub-1", UNIT, "", 2025, 1, "ab" * 32, "", 0, "", "")
    assert verify_review(signed(), criteria_sets=SETS, trust=trust(), expected=same).ok


def test_missing_and_oversized_files(tmp_path: Path) -> None:
    assert verify_review(tmp_path / "nope.dtireview", criteria_sets=SETS).codes == [
        "file_unreadable"
    ]
    big = tmp_path / "big.dtireview"
    with open(big, "wb") as handle:
        handle.truncate(9 * 1024 * 1024)
    # the code of forms.inbound, the one reader of files from outside (was "too_large")
    assert verify_review(big, criteria_sets=SETS).codes == ["file_too_large"]


def test_certificate_signed_reviews_need_a_trusted_chain() -> None:
    ca, ca_key = make_ca()
    cert, key = make_leaf(ca, ca_key, "Sở KH&CN Phú Thọ")
    signer = Pkcs12Signer(cert, key, [ca])
    registry = TrustRegistry()
    registry.add_certificate(UNIT, cert, roles=(ROLE_REVIEW,))
    review = a_review()
    no_anchor = verify_review(signed(review, signer), criteria_sets=SETS, trust=registry)
    assert no_anchor.codes == ["certificate_chain"]
    registry.add_anchor(ca)
    assert verify_review(signed(review, signer), criteria_sets=SETS, trust=registry).ok


def test_certificate_not_for_signing_is_named_so_in_reviews() -> None:
    """Regression: review verification called a usage-restricted certificate "no trusted root"
    (its copy of the packages' chain messages lacked the ``certificate_usage`` case)."""
    ca, ca_key = make_ca()
    cert, key = make_leaf(ca, ca_key, "Sở KH&CN Phú Thọ", signing=False)
    registry = TrustRegistry()
    registry.add_certificate(UNIT, cert, roles=(ROLE_REVIEW,))
    registry.add_anchor(ca)
    verdict = verify_review(
        signed(a_review(), Pkcs12Signer(cert, key, [ca])), criteria_sets=SETS, trust=registry
    )
    assert verdict.codes == ["certificate_usage"]
    assert "không được dùng để ký" in verdict.reasons[0].message


# --- totals ----------------------------------------------------------------------------------


def test_pillar_comparison_gives_both_classifications() -> None:
    review = a_review(**{"1.1": {"points": 0}, "2.1": {"points": 0}, "3.1": {"points": 0}})
    comparison = pillar_comparison(CS, self_score(CS, review), verified_score(CS, review))
    assert [(p.code, p.self_points, p.verified_points) for p in comparison.pillars] == [
        ("1", D("20.00"), D("5.00")),
        ("2", D("17.00"), D("12.00")),
        ("3", D("6.50"), D("0.00")),
    ]
    assert comparison.total.self_points == D("43.50") and comparison.total.difference == D("-26.50")
    assert (comparison.self_classification, comparison.verified_classification) == (
        "Khá",
        "Trung bình",
    )


_answers = st.fixed_dictionaries(
    {
        "1.1": st.fixed_dictionaries({"count": st.integers(0, 6)}),
        "1.2": st.fixed_dictionaries({"a": st.integers(0, 5), "b": st.integers(0, 5)}),
        "2.1": st.fixed_dictionaries({"choice": st.sampled_from(["chair", "vice", "none"])}),
        "2.2.1": st.fixed_dictionaries({"yes": st.booleans()}),
        "2.2.2": st.fixed_dictionaries({"pct": st.integers(0, 100)}),
        "3.1": st.fixed_dictionaries({"points": st.decimals(0, 8, places=2).map(str)}),
    }
)


@settings(max_examples=60, deadline=None)
@given(_answers)
def test_accepting_everything_reproduces_the_self_assessed_score(answers) -> None:
    review = new_review(manifest(answers), "ab" * 32, CS, Reviewer("A"))
    assert verified_score(CS, review) == score(CS, answers)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from([i.code for i in reviewable(CS)]), st.decimals(0, 20, places=2))
)
def test_verified_totals_stay_within_the_maxima_and_never_exceed_the_sum_of_items(changes) -> None:
    review = a_review()
    items = dict(review.items)
    for code, points in changes.items():
        cap = CS.indicator(code).max_points
        items[code] = edit_item(CS, items[code], points=min(points, cap))
    result = verified_score(CS, replace(review, items=items))
    for pillar in CS.pillars:
        assert D(0) <= result.pillars[pillar.code] <= pillar.max_points
    assert result.total <= sum((i.verified_points for i in items.values()), D(0))


_SIGNED = signed(
    a_review(
        **{
            "1.1": {"points": 5},
            "1.2": {"status": "explanation_requested", "comment": "Giải trình"},
        }
    )
)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(_SIGNED) - 1), st.integers(1, 255))
def test_any_changed_byte_is_caught_or_harmless(position: int, xor: int) -> None:
    """Never a crash; a changed file either fails or reads back exactly the signed review."""
    data = bytearray(_SIGNED)
    data[position] ^= xor
    verdict = verify_review(bytes(data), criteria_sets=SETS, trust=trust())
    original = verify_review(_SIGNED, criteria_sets=SETS, trust=trust()).review
    assert not verdict.ok or verdict.review == original


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))


_BODY = json.loads(json.loads(_SIGNED)["review"])
_BODY_PATHS = [p for p in _paths(_BODY) if p]
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 10**6)
    | st.text(max_size=8)
    | st.sampled_from(["1.5", "7,5", "NaN", "2026-13-01", "-1"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_BODY_PATHS), _json_values, st.booleans())
def test_any_signed_body_shape_is_read_without_crashing(path, value, delete) -> None:
    """A trusted signer's software may still write anything: never an exception, only reasons."""

    def change(body):
        target = body
        for key in path[:-1]:
            target = target[key]
        if delete:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    verdict = verify_review(resign(_SIGNED, change), criteria_sets=SETS, trust=trust())
    assert verdict.ok or verdict.reasons
