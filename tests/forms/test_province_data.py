"""The ``.dtidata`` format (issue 16): a signed file of province-supplied values round-trips,
and every way it can be wrong is refused with its reason code."""

from __future__ import annotations

import base64
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.canonical import canonical_bytes
from forms.criteria import CriteriaSet
from forms.criteria_checks import check_set
from forms.criteria_json import dumps, from_dict
from forms.packages.trust import ROLE_REVIEW, TrustRegistry
from forms.problems import ProblemsError
from forms.province_data.model import Supplied
from forms.province_data.sign import new_data, sign_data
from forms.province_data.verify import verify_data
from tests.forms.packages.helpers import ed_signer
from tests.forms.sample_sets import tiny_set
from tests.province_data_helpers import (
    province_signer,
    province_trust,
    signed_data,
    supplied_set,
    with_supplied,
)

CS = supplied_set()
SETS = {CS.content_hash: CS}
TRUST = province_trust()
UNITS = {"25042": {"1.2/b": 12}, "25043": {"1.2/b": 0}}


def check(raw: bytes, **kw):
    kw.setdefault("criteria_sets", SETS)
    kw.setdefault("trust", TRUST)
    return verify_data(raw, **kw)


def resign(envelope: dict, body: dict | bytes, signer=None) -> bytes:
    """An envelope around ``body`` (re-encoded canonically if a dict), signed afresh."""
    raw = body if isinstance(body, bytes) else canonical_bytes(body)
    blob = (signer or province_signer()).sign(raw)
    out = dict(envelope, data=raw.decode("utf-8"), signature=base64.b64encode(blob.data).decode())
    return json.dumps(out, ensure_ascii=False).encode("utf-8")


def parts(raw: bytes) -> tuple[dict, dict]:
    envelope = json.loads(raw)
    return envelope, json.loads(envelope["data"])


def test_round_trip():
    verdict = check(signed_data(CS, UNITS), expected=(CS.content_hash, 2025))
    assert verdict.ok, verdict.reasons
    data = verdict.data
    assert data is not None and data.set_hash == CS.content_hash and data.year == 2025
    assert data.answers_for("25042") == {"1.2": {"b": 12}}
    assert data.for_unit("25043")["1.2"]["b"].source.startswith("Hệ thống")
    assert data.fingerprint == province_signer().fingerprint
    assert len(verdict.sha256) == 64


def test_criteria_field_round_trips_and_absent_keeps_hash():
    assert from_dict(json.loads(dumps(CS))).content_hash == CS.content_hash
    assert CS.content_hash != tiny_set().content_hash
    assert '"supplied_by"' not in dumps(tiny_set())  # absent: today's meaning and hash
    assert check_set(CS) == []


@pytest.mark.parametrize(
    ("by", "source", "code"),
    [("tinh", "Sở", "supplied_by_invalid"), ("province", "", "supplied_source_missing")],
)
def test_criteria_checks_on_supplied(by, source, code):
    data = json.loads(dumps(CS))
    fld = data["pillars"][0]["indicators"][1]["fields"][1]
    fld["supplied_by"], fld["supplied_source"] = by, source
    with pytest.raises(ProblemsError) as info:
        from_dict(data)
    assert code in [p.code for p in info.value.problems]


def test_supplied_on_a_choice_is_refused():
    cs = with_supplied(tiny_set(), "2.1", "choice")
    assert "supplied_kind" in [p.code for p in check_set(cs)]


def test_tampered_value_fails_signature():
    envelope, body = parts(signed_data(CS, UNITS))
    body["units"]["25042"]["1.2/b"]["value"] = 99
    envelope["data"] = canonical_bytes(body).decode()
    assert "signature_invalid" in check(json.dumps(envelope).encode()).codes


def test_untrusted_key():
    raw = signed_data(CS, UNITS, signer=ed_signer(3))
    assert "province_key_unknown" in check(raw).codes
    assert "province_key_unknown" in check(raw, trust=None).codes


def test_a_reviewer_key_is_not_a_data_key():
    signer = ed_signer(3)
    trust = TrustRegistry()
    trust.add_key("*", signer.public_raw, roles=(ROLE_REVIEW,))
    assert "signer_wrong_role" in check(signed_data(CS, UNITS, signer=signer), trust=trust).codes


def test_a_key_for_one_unit_is_not_the_province():
    signer = province_signer()
    trust = TrustRegistry()
    trust.add_key("25042", signer.public_raw, roles=("province_data",))
    assert "province_key_not_for_unit" in check(signed_data(CS, UNITS), trust=trust).codes


def test_wrong_set_and_year():
    raw = signed_data(CS, UNITS)
    assert check(raw, expected=("0" * 64, 2025)).codes == ["wrong_set"]
    assert check(raw, expected=(CS.content_hash, 2026)).codes == ["wrong_year"]
    assert check(raw, criteria_sets={}).codes == ["criteria_unknown"]


def _forged(mutate) -> bytes:
    envelope, body = parts(signed_data(CS, UNITS))
    mutate(body)
    return resign(envelope, body)


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (
            lambda b: b["units"]["25042"].update({"9.9/x": {"value": 1, "source": "s"}}),
            "unknown_indicator",
        ),  # fmt: skip
        (
            lambda b: b["units"]["25042"].update({"1.2/zz": {"value": 1, "source": "s"}}),
            "unknown_field",
        ),  # fmt: skip
        (
            lambda b: b["units"]["25042"].update({"1.2/a": {"value": 1, "source": "s"}}),
            "not_supplied_field",
        ),  # fmt: skip
        (lambda b: b["units"]["25042"]["1.2/b"].update(value=-3), "value_invalid"),
        (lambda b: b["units"]["25042"]["1.2/b"].update(value="mười"), "value_invalid"),
        (lambda b: b["units"]["25042"]["1.2/b"].update(extra=1), "data_invalid"),
        (lambda b: b["units"]["25042"]["1.2/b"].update(value=[1]), "data_invalid"),
        (lambda b: b.update(year="2025"), "data_invalid"),
        (lambda b: b.update(issued_at="yesterday"), "data_invalid"),
        (lambda b: b.update(more=1), "data_invalid"),
    ],
)
def test_signed_but_impossible(mutate, code):
    assert code in check(_forged(mutate)).codes


def test_value_invalid_names_unit_indicator_field():
    verdict = check(_forged(lambda b: b["units"]["25042"]["1.2/b"].update(value=-3)))
    problem = next(p for p in verdict.reasons if p.code == "value_invalid")
    assert problem.where == "units.25042.1.2/b" and "25042" in problem.message


def test_nfd_body_is_not_canonical():
    envelope, body = parts(signed_data(CS, UNITS))
    body["units"]["25042"]["1.2/b"]["source"] = unicodedata.normalize("NFD", "Sở Nội vụ")
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert check(resign(envelope, raw)).codes == ["not_canonical"]


def test_duplicate_keys():
    raw = signed_data(CS, UNITS).replace(b'"format"', b'"format": "x", "format"', 1)
    assert check(raw).codes == ["duplicate_key"]
    envelope, _body = parts(signed_data(CS, UNITS))
    body_raw = canonical_bytes(_body).replace(b'{"1.2/b"', b'{"1.2/b":{"source":"s","value":1},"1.2/b"', 1)  # fmt: skip
    assert check(resign(envelope, body_raw)).codes == ["duplicate_key"]


def test_too_large_and_not_a_file(tmp_path):
    from forms.province_data.model import MAX_FILE_BYTES

    assert check(b" " * (MAX_FILE_BYTES + 1)).codes == ["file_too_large"]
    assert check(b"[]").codes == ["not_province_data"]
    big = tmp_path / "big.dtidata"
    big.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    assert check(big).codes == ["file_too_large"]
    assert check(tmp_path).codes == ["not_regular_file"]


def test_format_version_and_fields():
    envelope, _body = parts(signed_data(CS, UNITS))
    assert check(json.dumps(dict(envelope, format_version=2)).encode()).codes == ["format_version"]
    assert check(json.dumps(dict(envelope, format_version=True)).encode()).codes == ["format_version"]  # fmt: skip
    assert check(json.dumps(dict(envelope, signature_kind=[1])).encode()).codes == ["data_invalid"]


def test_builder_refuses_unfit_data():
    bad = {"25042": {"1.2/a": Supplied(1, "s"), "1.2/b": Supplied("x", "s")}}
    with pytest.raises(ProblemsError) as info:
        sign_data(new_data(CS, "Sở", bad), CS, province_signer())
    assert sorted(p.code for p in info.value.problems) == ["not_supplied_field", "value_invalid"]
    other: CriteriaSet = tiny_set()
    with pytest.raises(ProblemsError) as info:
        sign_data(new_data(other, "Sở", {}), CS, province_signer())
    assert [p.code for p in info.value.problems] == ["wrong_set"]


def test_workbook_column_round_trips(tmp_path):
    import openpyxl

    from forms.criteria_xlsx import dump_xlsx, read_xlsx

    path = tmp_path / "set.xlsx"
    dump_xlsx(CS, path)
    sheet = openpyxl.load_workbook(path)["Trường nhập"]
    headers = [c.value for c in sheet[1]]
    assert "Giá trị do tỉnh cung cấp" in headers
    cs, problems = read_xlsx(path)
    assert problems == [] and cs is not None and cs.content_hash == CS.content_hash
    assert cs.indicator("1.2").field("b").supplied_source.startswith("Hệ thống")


RAW = signed_data(CS, UNITS)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=len(RAW) - 1), st.integers(min_value=1, max_value=255))
def test_a_changed_byte_never_passes_unnoticed(position, delta):
    changed = bytearray(RAW)
    changed[position] = (changed[position] + delta) % 256
    verdict = check(bytes(changed))  # never raises
    if verdict.ok:  # only a change the JSON reading undoes (envelope spacing, an escape)
        assert verdict.data is not None and verdict.data.units == check(RAW).data.units
