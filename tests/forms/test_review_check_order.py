"""The order a review file's checks run in (the order of precedence of its reasons), and the
checks a review passes before it may be signed. A reorder changes these lists on purpose."""

from __future__ import annotations

from forms.review import sign
from forms.review import verify as review_verify
from forms.review.verify import verify_review
from tests.forms.test_review import signed


def test_review_file_checks_in_order():
    assert [check.__name__ for check in review_verify.REVIEW_CHECKS] == [
        "file_read",
        "envelope_json",
        "envelope_version",
        "envelope_fields",
        "signature",  # a failure is noted and the body still read, so the file is named
        "body_canonical",
        "body_shape",
        "signer_fingerprint",
        "reviewer_trust",
        "points",
        "expected_submission",
    ]


def test_checks_before_signing_in_order():
    assert [check.__name__ for check in sign.REVIEW_CHECKS] == [
        "_criteria_matches",
        "_items",
        "_items_missing",
        "_deadline",
        "_reviewer_named",
    ]


def test_the_reviewer_is_checked_before_the_points():
    # nothing trusted, no criteria set known: both reasons, the reviewer's first
    verdict = verify_review(signed(), criteria_sets={}, trust=None)
    assert verdict.codes == ["reviewer_unknown", "criteria_unknown"]
