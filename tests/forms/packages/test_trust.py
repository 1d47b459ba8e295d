from __future__ import annotations

import json

import pytest

from forms.packages.trust import TrustError, TrustRegistry
from tests.forms.packages.helpers import ed_signer, make_ca, make_leaf


def test_add_lookup_remove():
    a, b = ed_signer(1), ed_signer(2)
    registry = TrustRegistry()
    registry.add_key("25042", a.public_raw)
    registry.add_key("25043", a.public_raw)
    registry.add_key("25043", b.public_raw)
    registry.add_key("25043", b.public_raw)  # twice: kept once
    assert registry.units_for(a.key_id) == {"25042", "25043"}
    assert len(registry.entries) == 3
    assert registry.remove(a.fingerprint.lower().replace(" ", ""), unit="25043") == 1
    assert registry.units_for(a.key_id) == {"25042"}
    assert registry.remove(b.fingerprint) == 1
    assert registry.units_for(b.key_id) == set()
    assert registry.remove("FFFF") == 0


def _registry_with_anchor():
    ca, ca_key = make_ca()
    leaf, _ = make_leaf(ca, ca_key)
    registry = TrustRegistry()
    registry.add_key("25042", ed_signer(1).public_raw, "Xã Hùng Lô")
    registry.add_certificate("25043", leaf)
    registry.add_anchor(ca)
    return registry, ca


def test_save_load_round_trip(tmp_path):
    registry, ca = _registry_with_anchor()
    path = tmp_path / "trust.json"
    registry.save(path)
    again = TrustRegistry.load(path)
    assert again.entries == registry.entries
    assert again.anchor_certificates() == [ca]
    assert again.to_bytes() == registry.to_bytes()
    assert TrustRegistry.load(tmp_path / "none.json").entries == []


def test_pickles_for_worker_processes_with_its_anchors():
    """The collector's verification workers receive the registry pickled; certificates,
    which do not pickle themselves, travel as DER and come back equal."""
    import pickle

    registry, ca = _registry_with_anchor()
    again = pickle.loads(pickle.dumps(registry))
    assert again.entries == registry.entries
    assert again.anchor_certificates() == [ca]
    assert again.units_for(ed_signer(1).key_id) == {"25042"}
    assert again.to_bytes() == registry.to_bytes()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"[]",
        b'{"format": "other"}',
        b'{"format": "dti-trust-registry", "entries": [{"unit": "1"}]}',
        b"\xff",
    ],
)
def test_damaged_registry(data):
    with pytest.raises(TrustError):
        TrustRegistry.from_bytes(data)


def test_signed_export_import():
    province = ed_signer(7)
    registry = TrustRegistry()
    registry.add_key("25042", ed_signer(1).public_raw)
    exported = registry.export_signed(province)
    incoming, signer = TrustRegistry.import_signed(exported, province.fingerprint)
    assert signer.fingerprint == province.fingerprint
    assert incoming.entries == registry.entries


def test_signed_export_rejects_wrong_signer_and_tampering():
    province = ed_signer(7)
    registry = TrustRegistry()
    registry.add_key("25042", ed_signer(1).public_raw)
    exported = registry.export_signed(province)
    with pytest.raises(TrustError):
        TrustRegistry.import_signed(exported, ed_signer(8).fingerprint)
    body = json.loads(exported)
    body["registry"] = body["registry"].replace("25042", "25099")
    with pytest.raises(TrustError):
        TrustRegistry.import_signed(json.dumps(body).encode(), province.fingerprint)
    with pytest.raises(TrustError):
        TrustRegistry.import_signed(b"{}", province.fingerprint)


def test_merge_counts_only_new():
    one, two = TrustRegistry(), TrustRegistry()
    one.add_key("1", ed_signer(1).public_raw)
    two.add_key("1", ed_signer(1).public_raw)
    two.add_key("2", ed_signer(2).public_raw)
    assert one.merge(two) == 1 and len(one.entries) == 2
