"""Phone numbers and e-mail addresses the wizard accepts (issue 15: neither was checked)."""

from __future__ import annotations

import pytest

from forms.contact import email_problem, phone_digits, phone_problem


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("0216 3852 123", "02163852123"),  # a commune office's fixed line
        ("+84 216 3852 123", "02163852123"),
        ("  0389-123-456 ", "0389123456"),
    ],
)
def test_vietnamese_numbers_are_accepted(typed, digits):
    assert phone_digits(typed) == digits
    assert phone_problem(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "091234567",  # a digit missing
        "09123456789",  # one too many for a mobile
        "912345678",  # no leading 0
        "+8412345678",  # +84 with a digit missing
        "+1 912 345 678",
        "0912 345 67a",
        "０９１２３４５６７８",  # full-width digits
        "0912/345/678",
        "số máy 0912345678",
    ],
)
def test_other_numbers_are_refused_with_the_expected_form(typed):
    assert phone_digits(typed) is None
    message = phone_problem(typed)
    assert message is not None and "10 chữ số" in message and typed.strip() in message


@pytest.mark.parametrize(
    "typed", ["", "   ", "a@b.vn", "vanhoa.xahienquan@caobang.gov.vn", "Nguyen_Van-A+dti@gmail.com"]
)
def test_good_or_empty_addresses_pass(typed):
    assert email_problem(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "vanhoa",
        "vanhoa@",
        "@caobang.gov.vn",
        "van hoa@caobang.gov.vn",
        "vanhoa@@caobang.gov.vn",
        "vanhoa@caobang",
        "vanhoa@caobang..gov.vn",
        ".vanhoa@caobang.gov.vn",
        "vanhoa.@caobang.gov.vn",
        "vănhoá@caobang.gov.vn",
        "a@" + "b" * 250 + ".vn",
    ],
)
def test_malformed_addresses_are_refused(typed):
    message = email_problem(typed)
    assert message is not None and "thư điện tử" in message


@pytest.mark.parametrize(
    ("where", "value", "code"),
    [
        (("officer", "phone"), "0912\u202e345678", "manifest_text"),
        (("officer", "email"), 12345, "manifest_invalid"),
        (("unit", "chairman"), "Hoàng\x00Văn Minh", "manifest_text"),
        (("unit", "chairman"), ["Hoàng Văn Minh"], "manifest_invalid"),
    ],
)
def test_the_verifier_holds_the_added_contact_fields_to_plain_text(where, value, code):
    """Absent in older packages (still verified: the committed fixtures), plain text when there."""
    from forms.packages.manifest_shape import ShapeError, check_shape

    manifest = _minimal_manifest()
    check_shape(manifest)  # the fields absent: fine
    manifest[where[0]][where[1]] = value
    with pytest.raises(ShapeError) as raised:
        check_shape(manifest)
    assert raised.value.code == code and raised.value.where == ".".join(where)


def _minimal_manifest() -> dict:
    from forms.packages.manifest import build_manifest

    return build_manifest(
        unit_code="25001",
        unit_name="Xã Hòa Bình",
        year=2025,
        criteria={"set_id": "tiny", "year": 2025, "version": "1", "content_hash": "a" * 64},
        revision=1,
        submission_id="12345678-1234-1234-1234-123456789abc",
        supersedes=None,
        created_at="2025-12-01T08:00:00Z",
        officer_name="Lan",
        officer_position="CB",
        app_version="1",
        answers={},
        scores={
            "indicators": {},
            "pillars": {},
            "published_pillars": {},
            "total": "0",
            "published_total": "0",
            "classification": "",
        },
        evidence=[],
    )


def test_a_manifest_without_contact_fields_is_what_it_was():
    manifest = _minimal_manifest()
    assert manifest["officer"] == {"name": "Lan", "position": "CB"}
    assert manifest["unit"] == {"code": "25001", "name": "Xã Hòa Bình"}
