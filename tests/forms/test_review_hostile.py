"""Issue 12, hostile input, for ``.dtireview`` files (holes 4 and 8): what a reader of a review
file must refuse before it can hang, exhaust memory, or read one meaning where another was
signed. Each test names the hole it guards."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from forms.canonical import canonical_bytes
from forms.review.model import MAX_FILE_BYTES
from forms.review.verify import verify_review
from tests.forms.test_review import REVIEWER, SETS, a_review, resign, signed, trust

# --- hole 4: files that are not what they claim to be ------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_hole4_dev_zero_is_refused_without_reading() -> None:
    """`/dev/zero` has st_size 0 and never ends: the old reader stat-ed it, found 0 bytes, and
    read until MemoryError."""
    verdict = verify_review("/dev/zero", criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["not_regular_file"]
    assert "zero" in verdict.reasons[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_hole4_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """A FIFO in the inbox: the old reader opened it blocking and waited forever."""
    fifo = tmp_path / "cho.dtireview"
    os.mkfifo(fifo)
    verdict = verify_review(fifo, criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["not_regular_file"] and "cho.dtireview" in verdict.reasons[0].message


def test_hole4_oversized_sparse_file_is_refused_before_reading(tmp_path: Path) -> None:
    """A 4 GiB sparse file costs nothing on disk; it is refused on its size, not read."""
    big = tmp_path / "lon.dtireview"
    with open(big, "wb") as handle:
        os.truncate(handle.fileno(), 512 * MAX_FILE_BYTES)
    verdict = verify_review(big, criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["file_too_large"] and "lon.dtireview" in verdict.reasons[0].message


def test_hole4_a_folder_is_refused(tmp_path: Path) -> None:
    verdict = verify_review(tmp_path, criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["not_regular_file"]


# --- hole 8: one meaning per signed byte --------------------------------------------------------


def _envelope_text(data: bytes) -> str:
    return data.decode("utf-8")


def test_hole8_duplicate_key_in_the_envelope_is_rejected() -> None:
    """`json.loads` keeps the last of two equal keys: an envelope with a second "review" key
    would be read differently by another JSON reader than by ours."""
    text = _envelope_text(signed()).rstrip().removesuffix("}")
    forged = (text + ',\n "format": "dti-review-file"\n}\n').encode("utf-8")
    verdict = verify_review(forged, criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["duplicate_key"] and verdict.review is None


def _signed_body(raw: str) -> bytes:
    """An envelope around ``raw`` body text, properly signed by the trusted reviewer."""
    envelope = json.loads(signed())
    envelope["review"] = raw
    envelope["signature"] = base64.b64encode(REVIEWER.sign(raw.encode("utf-8")).data).decode()
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


def test_hole8_duplicate_key_in_the_signed_body_is_rejected() -> None:
    """A trusted signer's bytes with "message" twice: the signature is good, but a viewer showing
    the first value and our reader using the last would disagree on what was signed."""
    raw = json.loads(signed())["review"]
    forged = raw[:-1] + ',"message":"Điểm đã được duyệt, không cần giải trình"}'
    verdict = verify_review(_signed_body(forged), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["duplicate_key"] and verdict.review is None


def test_hole8_a_non_canonical_body_is_rejected() -> None:
    """The same content indented: another byte string with the same meaning; two files must
    never carry the same signed review."""
    body = json.loads(json.loads(signed())["review"])
    pretty = json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1)
    verdict = verify_review(_signed_body(pretty), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["review_not_canonical"]


def test_hole8_a_body_that_is_not_nfc_is_rejected() -> None:
    import unicodedata

    body = json.loads(json.loads(signed())["review"])
    body["reviewer"]["name"] = unicodedata.normalize("NFD", body["reviewer"]["name"])
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    verdict = verify_review(_signed_body(raw), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["review_not_canonical"]


def test_hole8_a_lone_surrogate_in_the_envelope_is_refused_without_crashing() -> None:
    """`"review": "\\ud800"` is valid JSON but no UTF-8: encoding it for the signature check
    raised UnicodeEncodeError out of the verifier."""
    envelope = json.loads(signed())
    envelope["review"] = "\ud800"
    verdict = verify_review(json.dumps(envelope).encode(), criteria_sets=SETS, trust=trust())
    assert not verdict.ok and "review_invalid" in verdict.codes


def test_the_verified_body_is_its_own_canonical_encoding() -> None:
    """What the verdict carries is read from exactly the bytes the signature covers."""
    verdict = verify_review(signed(), criteria_sets=SETS, trust=trust())
    assert verdict.ok and verdict.body_bytes is not None
    assert canonical_bytes(json.loads(verdict.body_bytes)) == verdict.body_bytes


# --- hole 8: every number and field in range ---------------------------------------------------


def _set(path: str, value):
    # an indicator code has dots of its own ("1.1"): the item's path is split around it
    head, sep, tail = path.partition("items.")
    keys = ["items", *tail.rsplit(".", 1)] if sep else head.split(".")

    def change(body):
        *parents, last = keys
        target = body
        for key in parents:
            target = target[key]
        target[last] = value

    return change


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        ("submission.year", -5, "value_out_of_range"),
        ("submission.year", 1999, "value_out_of_range"),
        ("submission.year", 2101, "value_out_of_range"),
        ("submission.revision", 0, "value_out_of_range"),
        ("submission.revision", 10000, "value_out_of_range"),
        ("submission.criteria_set.year", 99999, "value_out_of_range"),
        ("created_at", "9999-12-31T23:59:59Z", "value_out_of_range"),
        ("created_at", "1970-01-01T00:00:00Z", "value_out_of_range"),
        ("deadline", "0001-01-01", "value_out_of_range"),
        ("review_id", "", "review_invalid"),
        ("review_id", "../../x", "review_invalid"),
        ("submission.criteria_set.content_hash", "not a hash", "review_invalid"),
        # "^...$" let a trailing newline through: one hash, two spellings
        ("submission.criteria_set.content_hash", "a" * 64 + "\n", "review_invalid"),
        ("items.1.1.verified_points", "-0", "review_invalid"),
        ("items.1.1.verified_points", "+15", "review_invalid"),
        ("items.1.1.verified_points", "15.0", "review_invalid"),
        ("items.1.1.verified_points", "1E+1", "review_invalid"),
        ("items.1.1.verified_points", "1e999999999", "review_invalid"),
        ("items.1.1.self_points", "015", "review_invalid"),
    ],
)
def test_hole8_hostile_numbers_are_rejected_with_a_reason(path: str, value, code: str) -> None:
    """A trusted signer's software may still write impossible values: a year -5, revision 0,
    a review signed in 9999 (always "newest"), points as "-0", "1E+1" or a huge exponent.
    The old verifier accepted those that had the right JSON type."""
    verdict = verify_review(resign(signed(), _set(path, value)), criteria_sets=SETS, trust=trust())
    assert code in verdict.codes, verdict.codes
    assert verdict.reasons[0].where == path


@pytest.mark.parametrize(
    "path, value",
    [
        ("reviewer.name", "Trần Thị B\u202e"),  # RIGHT-TO-LEFT OVERRIDE reorders the display
        ("reviewer.organisation", "Sở KH&CN\x00"),
        ("submission.unit.name", "Xã A\tB"),
    ],
)
def test_names_with_control_or_bidi_characters_are_refused(path: str, value: str) -> None:
    """A reviewer's name holding a bidi override would show the commune another name than the
    one signed (as for packages: forms.text.misleading_char)."""
    verdict = verify_review(resign(signed(), _set(path, value)), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["review_invalid"]
    assert verdict.reasons[0].where == path


def test_hole8_points_within_zero_to_max_still_verify() -> None:
    review = a_review(**{"1.1": {"points": "7.5"}, "3.1": {"points": "0"}})
    assert verify_review(signed(review), criteria_sets=SETS, trust=trust()).ok


@pytest.mark.parametrize("kind", [[], {}])
def test_hole8_a_signature_kind_that_is_not_text_is_refused_without_crashing(kind) -> None:
    """`"signature_kind": []` made the verifier's dictionary lookup raise TypeError."""
    envelope = json.loads(signed())
    envelope["signature_kind"] = kind
    verdict = verify_review(json.dumps(envelope).encode(), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["review_invalid"]


@pytest.mark.parametrize("version", [True, 1.0])
def test_hole8_format_version_must_be_the_integer_one(version) -> None:
    """`true` and `1.0` compare equal to 1 in Python: another spelling of the format version
    slipped through in the envelope and in the signed body."""
    envelope = json.loads(signed())
    envelope["format_version"] = version
    verdict = verify_review(json.dumps(envelope).encode(), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["format_version"]
    body = resign(signed(), _set("format_version", version))
    assert verify_review(body, criteria_sets=SETS, trust=trust()).codes == ["not_a_review"]
