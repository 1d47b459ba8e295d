"""Random damage to a valid package never crashes the verifier and never passes changed content."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.packages.build import build_package
from forms.packages.signing import Pkcs12Signer
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from tests.forms.packages.helpers import ed_signer, make_ca, make_leaf, submission


def _contents(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


@pytest.fixture(scope="module", params=["ed25519", "x509"])
def valid(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    registry = TrustRegistry()
    if request.param == "ed25519":
        signer = ed_signer(1)
        registry.add_key("25042", signer.public_raw)
    else:
        ca, ca_key = make_ca()
        leaf, key = make_leaf(ca, ca_key)
        signer = Pkcs12Signer(leaf, key, [ca])
        registry.add_certificate("25042", leaf)
        registry.add_anchor(ca)
    path = build_package(submission(), signer, folder)
    return path.read_bytes(), registry, folder


_settings = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(data: bytes, original: bytes, registry, folder, criteria) -> None:
    path = folder / "damaged.dtipkg"
    path.write_bytes(data)
    verdict = verify_package(path, criteria_sets=criteria, trust=registry)  # must not raise
    assert isinstance(verdict.ok, bool)
    assert verdict.ok == (not verdict.reasons)
    if verdict.ok:
        assert _contents(data) == _contents(original)


@_settings
@given(
    flips=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=4
    )
)
def test_byte_flips(valid, criteria, flips):
    original, registry, folder = valid
    data = bytearray(original)
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    _check(bytes(data), original, registry, folder, criteria)


@_settings
@given(cut=st.floats(0, 1, exclude_max=True))
def test_truncations(valid, criteria, cut):
    original, registry, folder = valid
    _check(original[: int(cut * len(original))], original, registry, folder, criteria)


@_settings
@given(
    flips=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=3
    ),
    cut=st.floats(0, 1),
)
def test_signature_file_damage(valid, criteria, flips, cut):
    """Damage aimed at the signature file (the DER/JSON parsers), re-zipped so the zip stays valid."""
    original, registry, folder = valid
    contents = _contents(original)
    (name,) = [n for n in contents if n.startswith("signature/")]
    blob = bytearray(contents[name])
    for where, mask in flips:
        blob[int(where * len(blob))] ^= mask
    blob = blob[: max(1, int(cut * len(blob)))] if cut < 1 else blob
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for entry, data in contents.items():
            zf.writestr(entry, bytes(blob) if entry == name else data)
    path = folder / "damaged-signature.dtipkg"
    path.write_bytes(buffer.getvalue())
    verdict = verify_package(path, criteria_sets=criteria, trust=registry)  # must not raise
    assert verdict.ok == (not verdict.reasons)
    assert set(verdict.codes) <= {
        "signature_invalid",
        "signer_unknown",
        "certificate_chain",
        "certificate_expired",
        # a flipped bit inside a certificate (certificates are not covered by the signature)
        # can change what it allows before it breaks the CA's signature over it
        "certificate_usage",
        "certificate_purpose",
        "certificate_issuer",
        "certificate_path_length",
        "certificate_critical_extension",
        "signer_not_for_unit",
    }
