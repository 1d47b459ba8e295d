"""Hole 6 (issue 12): trust entries are checked on load, and a key may sign only what its
roles say. Every test here names the attack it guards against."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import pickle
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from forms.canonical import canonical_bytes
from forms.packages.build import build_package
from forms.packages.signing import full_key_id, short_fingerprint, spki_der
from forms.packages.trust import (
    ANY_UNIT,
    MAX_TRUST_BYTES,
    ROLE_BUNDLE,
    ROLE_REVIEW,
    ROLE_SUBMISSION,
    TrustError,
    TrustRegistry,
)
from forms.packages.verify import verify_package
from forms.review.verify import verify_review
from tests.forms.packages.helpers import ed_signer, make_ca, make_leaf, submission
from tests.forms.test_review import REVIEWER, SETS, UNIT, signed

A, B, PROVINCE = ed_signer(1), ed_signer(2), ed_signer(7)


def _entry(signer=A, unit: str = "25042", **changes) -> dict:
    entry = {
        "unit": unit,
        "kind": "ed25519",
        "key_id": signer.key_id,
        "fingerprint": signer.fingerprint,
        "public": base64.b64encode(signer.public_raw).decode("ascii"),
        "label": "Xã Hùng Lô",
    }
    entry.update(changes)
    return entry


def _file(*entries: dict, version: int = 1, **extra) -> bytes:
    body = {"format": "dti-trust-registry", "version": version, "entries": list(entries)}
    body.update({"anchors": []}, **extra)
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _refused(data: bytes, code: str) -> TrustError:
    with pytest.raises(TrustError) as caught:
        TrustRegistry.from_bytes(data)
    assert caught.value.code == code, str(caught.value)
    return caught.value


# --- entries checked on load ---------------------------------------------------------------


def test_hole6_key_id_not_the_hash_of_the_key_is_refused():
    """Attack: an entry carries A's public key but B's key_id, so B's signatures are trusted
    for the unit while anyone comparing the key sees A."""
    error = _refused(_file(_entry(key_id=B.key_id)), "trust_entry_mismatch")
    assert "25042" in str(error) and error.where == "entries[0].key_id"  # index and unit named


def test_hole6_fingerprint_of_b_with_the_key_of_a_is_refused():
    """Attack: the fingerprint read over the phone is B's while the key trusted is A's."""
    _refused(_file(_entry(fingerprint=B.fingerprint)), "trust_entry_mismatch")


def test_hole6_certificate_entry_with_another_keys_ids_is_refused():
    """The same for an X.509 entry: the certificate's key decides, not the ids written next
    to it."""
    ca, ca_key = make_ca()
    leaf, _key = make_leaf(ca, ca_key)
    pem = leaf.public_bytes(serialization.Encoding.PEM).decode("ascii")
    good = _entry(kind="x509", public=pem, key_id=full_key_id(spki_der(leaf)))
    good["fingerprint"] = short_fingerprint(spki_der(leaf))
    assert TrustRegistry.from_bytes(_file(good)).units_for(good["key_id"]) == {"25042"}
    _refused(_file(dict(good, key_id=A.key_id)), "trust_entry_mismatch")
    _refused(_file(dict(good, fingerprint=A.fingerprint)), "trust_entry_mismatch")


@pytest.mark.parametrize("unit", [25042, None, ["25042"], "", "  "])
def test_hole6_unit_not_a_string_code_is_refused(unit):
    """Attack: ``"unit": 25042`` (a number) or an empty unit was turned into some string by
    ``str()`` on load, so the entry meant something nobody wrote."""
    _refused(_file(_entry(unit=unit)), "trust_entry_invalid")


@pytest.mark.parametrize(
    "key_id", ["z" * 64, hashlib.sha256(A.public_raw).hexdigest().upper(), "ab" * 31, 7]
)
def test_hole6_key_id_not_lowercase_hex_of_64_digits_is_refused(key_id):
    """Only 64 characters were checked: any text of that length was a key id."""
    _refused(_file(_entry(key_id=key_id)), "trust_entry_invalid")


def test_hole6_duplicate_keys_in_the_trust_json_are_refused():
    """Attack: an entry with ``"unit"`` twice; a human (or another JSON reader) sees the first
    unit, ``json.loads`` kept the last one."""
    text = (
        _file(_entry(unit="25099"))
        .decode()
        .replace('"unit": "25099"', '"unit": "25042", "unit": "25099"')
    )
    _refused(text.encode(), "trust_invalid")


def test_hole6_unknown_entry_fields_are_refused_not_ignored():
    """A field this version does not know may be a restriction a newer one wrote (an expiry,
    a revocation): ignoring it would widen trust silently."""
    error = _refused(_file(_entry(expires="2026-01-01")), "trust_entry_invalid")
    assert "expires" in str(error)
    _refused(_file(_entry(), revoked=[A.key_id]), "trust_invalid")


@pytest.mark.parametrize("roles", [[], ["admin"], "submission", [ROLE_REVIEW, ROLE_REVIEW]])
def test_hole6_roles_must_be_known_and_listed_once(roles):
    _refused(_file(_entry(roles=roles), version=2), "trust_entry_invalid")


def test_a_checked_file_round_trips_with_its_roles(tmp_path):
    registry = TrustRegistry()
    registry.add_key("25042", A.public_raw, "Xã Hùng Lô")
    registry.add_key("cum-01", B.public_raw, "Cụm", roles=(ROLE_BUNDLE,))
    registry.add_key(ANY_UNIT, REVIEWER.public_raw, "Sở", roles=(ROLE_REVIEW,))
    registry.save(tmp_path / "trust.json")
    again = TrustRegistry.load(tmp_path / "trust.json")
    assert sorted(again.entries, key=repr) == sorted(registry.entries, key=repr)
    assert again.units_for(B.key_id, ROLE_BUNDLE) == {"cum-01"}
    assert again.units_for(B.key_id, ROLE_SUBMISSION) == set()
    assert again.units_for(A.key_id) == {"25042"}  # any role


def test_roles_travel_to_worker_processes():
    registry = TrustRegistry()
    registry.add_key("25042", A.public_raw, roles=(ROLE_SUBMISSION, ROLE_REVIEW))
    again = pickle.loads(pickle.dumps(registry))
    assert again.entries == registry.entries
    assert again.units_for(A.key_id, ROLE_REVIEW) == {"25042"}


def test_adding_a_role_to_a_trusted_key_extends_its_entry():
    registry = TrustRegistry()
    registry.add_key("cum-01", A.public_raw)
    registry.add_key("cum-01", A.public_raw, roles=(ROLE_BUNDLE,))
    assert [e.roles for e in registry.entries] == [(ROLE_BUNDLE, ROLE_SUBMISSION)]


# --- files without roles (written before roles existed) ----------------------------------


def test_old_trust_file_entries_may_sign_submissions_only(tmp_path):
    (tmp_path / "trust.json").write_bytes(_file(_entry()))
    legacy = TrustRegistry.load(tmp_path / "trust.json")
    assert legacy.units_for(A.key_id, ROLE_SUBMISSION) == {"25042"}
    assert legacy.units_for(A.key_id, ROLE_REVIEW) == set()
    assert legacy.units_for(A.key_id, ROLE_BUNDLE) == set()


def test_old_reviewers_file_entries_keep_reviewing(tmp_path):
    """``reviewers.json`` only ever held reviewer keys; an old one keeps working."""
    (tmp_path / "reviewers.json").write_bytes(_file(_entry(REVIEWER, UNIT)))
    reviewers = TrustRegistry.load(tmp_path / "reviewers.json")
    assert verify_review(signed(), criteria_sets=SETS, trust=reviewers).ok
    (tmp_path / "other.json").write_bytes(_file(_entry(REVIEWER, ANY_UNIT)))
    assert TrustRegistry.load(tmp_path / "other.json").units_for(REVIEWER.key_id, ROLE_REVIEW)


# --- roles checked by verification --------------------------------------------------------


def test_hole6_a_communes_key_given_as_the_reviewers_list_does_not_validate_a_review():
    """Attack: the package registry (officer keys, trusted per unit) is given as the reviewers'
    list; the commune's own key then "reviewed" its own submission."""
    packages_registry = TrustRegistry()
    packages_registry.add_key(UNIT, REVIEWER.public_raw, "Xã Hùng Lô")  # a submission key
    verdict = verify_review(signed(), criteria_sets=SETS, trust=packages_registry)
    assert verdict.codes == ["signer_wrong_role"]
    assert REVIEWER.fingerprint in verdict.reasons[0].message
    assert "review" in verdict.reasons[0].message


def test_hole6_an_old_trust_json_given_as_the_reviewers_list_does_not_validate_a_review(tmp_path):
    (tmp_path / "trust.json").write_bytes(_file(_entry(REVIEWER, UNIT)))
    verdict = verify_review(
        signed(), criteria_sets=SETS, trust=TrustRegistry.load(tmp_path / "trust.json")
    )
    assert verdict.codes == ["signer_wrong_role"]


def test_hole6_a_reviewers_key_does_not_validate_a_package(tmp_path, signer, criteria):
    """A reviewer's key trusted for the unit must not be able to sign the unit's package."""
    package = build_package(submission(), signer, tmp_path / "out")
    reviewers = TrustRegistry()
    reviewers.add_key("25042", signer.public_raw, roles=(ROLE_REVIEW,))
    verdict = verify_package(package, criteria_sets=criteria, trust=reviewers)
    assert verdict.codes == ["signer_wrong_role"]
    assert signer.fingerprint in verdict.reasons[0].message
    assert "submission" in verdict.reasons[0].message
    both = TrustRegistry()
    both.add_key("25042", signer.public_raw, roles=(ROLE_REVIEW, ROLE_SUBMISSION))
    assert verify_package(package, criteria_sets=criteria, trust=both).ok


def test_hole6_a_communes_key_does_not_sign_a_bundle(tmp_path):
    """Attack: a commune's (submission) key signs a bundle and the province takes it as a
    collector's chain of custody."""
    from local_db.collector import merge_paths, open_collector
    from local_db.collector.bundles import export_bundle
    from tests.local_db.collector_support import CS, FIXED, Units, clock

    u = Units(2, seed=5)
    commune = u.signers[u.codes[0]]
    for i, code in enumerate(u.codes):
        u.package(tmp_path / "inbox", code, level=i, sid=f"S{i}")
    collector = open_collector(tmp_path / "collector.sqlite")
    merge_paths(collector, [tmp_path / "inbox"], u.trust, [CS], clock=clock)
    bundle = tmp_path / "b.dtibundle"
    export_bundle(collector, bundle, commune, year=2025, collector_name="Cụm", now=FIXED)
    summary = merge_paths(
        open_collector(tmp_path / "p1.sqlite"), [bundle], u.trust, [CS], clock=clock
    )
    reasons = summary.bundles_rejected[0].reasons
    assert [r.code for r in reasons] == ["bundle_signer_wrong_role"]
    assert commune.fingerprint in reasons[0].message and "bundle" in reasons[0].message
    u.trust.add_key(u.codes[0], commune.public_raw, roles=(ROLE_BUNDLE,))
    summary = merge_paths(
        open_collector(tmp_path / "p2.sqlite"), [bundle], u.trust, [CS], clock=clock
    )
    assert summary.bundles_rejected == [] and summary.accepted == 2


# --- signed exports must be canonical -----------------------------------------------------


def _export(registry_text: bytes, signer=PROVINCE) -> bytes:
    body = {
        "format": "dti-trust-export",
        "exported_at": "2026-01-15T08:00:00+07:00",
        "registry": registry_text.decode("utf-8"),
        "signature_kind": signer.kind,
        "signature": base64.b64encode(signer.sign(registry_text).data).decode("ascii"),
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def test_hole6_non_canonical_signed_trust_export_is_refused():
    """Attack: signed registry bytes with a duplicate key (or any second spelling of the same
    content): what a person checks with a JSON viewer is not what the app imports."""
    province = ed_signer(7)
    body = json.loads(_file(_entry(roles=[ROLE_SUBMISSION]), version=2))
    canonical = canonical_bytes(body)
    registry, _signer = TrustRegistry.import_signed(_export(canonical), province.fingerprint)
    assert registry.units_for(A.key_id, ROLE_SUBMISSION) == {"25042"}
    spaced = json.dumps(body, indent=1, sort_keys=True).encode()
    twice = canonical.replace(b'"unit":"25042"', b'"unit":"25099","unit":"25042"')
    for text in (spaced, twice):
        with pytest.raises(TrustError) as caught:
            TrustRegistry.import_signed(_export(text), province.fingerprint)
        assert caught.value.code == "trust_export_invalid"


def test_exports_made_here_are_canonical_and_import_with_their_roles():
    registry = TrustRegistry()
    registry.add_key("cum-01", B.public_raw, roles=(ROLE_BUNDLE,))
    exported = registry.export_signed(ed_signer(7))
    text = json.loads(exported)["registry"].encode("utf-8")
    assert canonical_bytes(json.loads(text)) == text
    incoming, _signer = TrustRegistry.import_signed(exported, ed_signer(7).fingerprint)
    assert incoming.entries == registry.entries


# --- trust files are files from outside ---------------------------------------------------


def test_hole6_oversized_trust_file_is_refused_before_reading(tmp_path):
    """A trust list is small; a huge (here sparse) file is refused by its size."""
    path = tmp_path / "trust.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_TRUST_BYTES + 1)
    with pytest.raises(TrustError) as caught:
        TrustRegistry.load(path)
    assert caught.value.code == "file_too_large" and "trust.json" in str(caught.value)


@contextlib.contextmanager
def fifo_with_a_writer(path: Path) -> Iterator[Path]:
    """A FIFO at ``path`` and a thread that writes ``{}`` into it once someone reads: the old
    code (a blocking open) then ends with a parse error instead of hanging the test run."""
    os.mkfifo(path)
    done = threading.Event()

    def write() -> None:  # non-blocking opens, so the thread always ends when told to
        while not done.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: nobody is reading yet
                done.wait(0.01)
                continue
            try:
                os.write(fd, b"{}")
            except OSError:
                pass  # the reader looked and left: what should happen
            finally:
                os.close(fd)
            return

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield path
    finally:
        done.set()
        writer.join()


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")


@needs_fifo
def test_hole6_fifo_as_trust_file_is_refused_without_waiting(tmp_path):
    """A FIFO dropped where the trust list should be: opening it for reading used to wait for
    a writer (a hung collector)."""
    with fifo_with_a_writer(tmp_path / "trust.json") as path, pytest.raises(TrustError) as caught:
        TrustRegistry.load(path)
    assert caught.value.code == "not_regular_file"


def test_missing_trust_file_is_still_an_empty_registry(tmp_path):
    assert TrustRegistry.load(tmp_path / "none.json").entries == []
    assert TrustRegistry.load(Path(tmp_path / "none.json")).anchors == []


def test_standing_is_the_one_decision_every_verifier_words():
    """Packages, reviews and bundles ask the registry the same question (issue 13: the check
    was written three times, each slightly differently)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def raw():
        return (
            ed25519.Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )

    registry = TrustRegistry()
    commune = registry.add_key("25042", raw(), roles=(ROLE_SUBMISSION,))
    reviewer = registry.add_key(ANY_UNIT, raw(), roles=(ROLE_REVIEW,))
    verdict = lambda entry, role, unit=None: registry.standing(entry.key_id, role, unit).verdict  # noqa: E731
    assert verdict(commune, ROLE_SUBMISSION, "25042") == "trusted"
    assert verdict(commune, ROLE_SUBMISSION, "25043") == "not_for_unit"
    assert verdict(commune, ROLE_REVIEW, "25042") == "wrong_role"
    assert verdict(commune, ROLE_BUNDLE) == "wrong_role"
    assert verdict(reviewer, ROLE_REVIEW, "25043") == "trusted"  # "*": every unit
    assert verdict(reviewer, ROLE_SUBMISSION, "25043") == "wrong_role"
    assert registry.standing("0" * 64, ROLE_SUBMISSION, "25042").verdict == "unknown"
