"""The verifier's fast paths give exactly what the slow ones gave (issues 5 and 6).

- ``verify_package`` on bytes or a file object = on the path;
- a small entry inflated in one call (``SafeZip._one_shot``) = streamed through zipfile, and
  a damaged one is still ``zip_invalid``;
- ``score`` (flat plan, leaf memo) = the recursive ``_points`` walk, to the Decimal's exponent,
  on first and memoised calls alike.
"""

from __future__ import annotations

import io
import struct
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.packages import zipsafe
from forms.packages.verify import verify_package
from forms.packages.zipsafe import SafeZip
from forms.scoring import CONTEXT, _points, clamp, score
from tests.forms.test_scoring_properties import CS as REFERENCE
from tests.forms.test_scoring_properties import answers as reference_answers


def _same(a, b) -> None:
    assert (a.ok, a.codes, a.unit, a.year, a.submission_id) == (
        b.ok,
        b.codes,
        b.unit,
        b.year,
        b.submission_id,
    )
    assert a.manifest == b.manifest and a.manifest_bytes == b.manifest_bytes
    assert a.signer == b.signer and a.criteria_set is b.criteria_set


def test_bytes_and_file_object_verify_like_the_path(package: Path, criteria, trust) -> None:
    by_path = verify_package(package, criteria_sets=criteria, trust=trust)
    assert by_path.ok, by_path.codes
    data = package.read_bytes()
    by_bytes = verify_package(data, criteria_sets=criteria, trust=trust, name=str(package))
    _same(by_bytes, by_path)
    assert by_bytes.path == str(package)
    with open(package, "rb") as handle:
        _same(verify_package(handle, criteria_sets=criteria, trust=trust), by_path)
        assert not handle.closed  # the caller's file stays the caller's
    assert verify_package(bytearray(data), criteria_sets=criteria, trust=trust).path == "gói"


def test_tampered_bytes_are_rejected_like_the_file(
    package: Path, tmp_path: Path, criteria, trust
) -> None:
    data = bytearray(package.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", data, 26)  # the first entry's local header
    data[30 + name_len + extra_len + 5] ^= 0xFF  # one byte of its content
    bad = tmp_path / "bad.dtipkg"
    bad.write_bytes(bytes(data))
    from_file = verify_package(bad, criteria_sets=criteria, trust=trust)
    from_bytes = verify_package(bytes(data), criteria_sets=criteria, trust=trust)
    assert not from_file.ok and from_file.codes == from_bytes.codes


def test_one_shot_entries_equal_streamed_ones(package: Path, monkeypatch) -> None:
    with SafeZip(package) as zf:
        fast = {name: (zf.read(name, 1 << 24), zf.digest(name)) for name in zf.files}
    monkeypatch.setattr(zipsafe, "_ONE_SHOT_BYTES", -1)  # everything through zipfile
    with SafeZip(package) as zf:
        slow = {name: (zf.read(name, 1 << 24), zf.digest(name)) for name in zf.files}
    assert fast == slow and len(fast) >= 3


# the local header is checked against the directory when the zip is opened (hole 9): a
# header that differs is header_mismatch, a first header that is not one zip_prepended_data
@pytest.mark.parametrize(
    "what, code",
    [
        ("crc", "zip_invalid"),
        ("local name", "header_mismatch"),
        ("local magic", "zip_prepended_data"),
    ],
)
def test_one_shot_still_catches_damage(package: Path, criteria, trust, what, code) -> None:
    data = bytearray(package.read_bytes())
    at = data.find(b"PK\x01\x02")  # first central-directory record: evidence or manifest
    name_len = struct.unpack_from("<H", data, at + 28)[0]
    name = bytes(data[at + 46 : at + 46 + name_len])
    local = struct.unpack_from("<L", data, at + 42)[0]
    if what == "crc":  # in the directory and the local header alike: the content check fails
        struct.pack_into("<L", data, at + 16, struct.unpack_from("<L", data, at + 16)[0] ^ 1)
        struct.pack_into("<L", data, local + 14, struct.unpack_from("<L", data, at + 16)[0])
    elif what == "local name":
        data[local + 30] ^= 0x01  # the name in the local header no longer matches
    else:
        data[local] = ord("X")
    verdict = verify_package(bytes(data), criteria_sets=criteria, trust=trust)
    assert code in verdict.codes, (name, verdict.codes)


def test_one_shot_never_inflates_past_the_limits(tmp_path: Path) -> None:
    """A header may pass the checks and the limits then tighten (as in the hostile tests)."""
    import zipfile

    path = tmp_path / "zeros.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("evidence/a.txt", __import__("random").Random(1).randbytes(3 << 20))
    with SafeZip(path.read_bytes()) as zf:
        zf.limits = zipsafe.Limits(entry_bytes=1 << 20)
        with pytest.raises(zipsafe.ZipProblem) as err:
            zf.digest("evidence/a.txt")
    assert err.value.problem.code == "too_large"


def _reference_score(cs, given):
    """The recursive walk ``score`` used before the flat plan."""
    from decimal import localcontext

    with localcontext(CONTEXT):
        out: dict[str, Decimal] = {}
        pillars = {}
        for pillar in cs.pillars:
            subtotal = Decimal(0)
            for top in pillar.indicators:
                subtotal += _points(top, given, out)
            pillars[pillar.code] = clamp(subtotal, pillar.max_points)
    return out, pillars


def _texts(d: dict[str, Decimal]) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in d.items()]  # order and exponent, not just numeric equality


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reference_answers(), st.integers(1, 3))
def test_plan_scores_bit_identical_to_the_recursive_walk(given_answers, repeats):
    out, pillars = _reference_score(REFERENCE, given_answers)
    for _ in range(repeats):  # the first call fills the memo, the next ones read it
        result = score(REFERENCE, given_answers)
        assert _texts(result.indicators) == _texts(out)
        assert _texts(result.pillars) == _texts(pillars)
        assert str(result.total) == str(sum(pillars.values(), Decimal(0)))


def test_memo_keeps_equal_but_different_values_apart():
    """1 and True, "1" and 1, 0.0 and -0.0 are equal or alike in Python; scores must not mix them."""
    leaf = next(i for i in REFERENCE.leaves() if i.rule.kind.value in ("count_tiers", "direct"))
    field = leaf.rule.field
    for value in (True, 1, "1", 1.0, -0.0, 0.0, "1,5", Decimal("1.50"), None):
        given = {leaf.code: {field: value}}
        out, _p = _reference_score(REFERENCE, given)
        for _ in range(2):
            assert str(score(REFERENCE, given).indicators[leaf.code]) == str(out[leaf.code]), value


def test_file_object_without_name_and_io_bytes(package: Path, criteria, trust) -> None:
    verdict = verify_package(io.BytesIO(package.read_bytes()), criteria_sets=criteria, trust=trust)
    assert verdict.ok and verdict.path == "gói"
