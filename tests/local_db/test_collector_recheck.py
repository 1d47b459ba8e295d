"""Packages rejected as signer_unknown, checked again once the trust list knows the signer (issue 14)."""

from __future__ import annotations

from forms.packages.trust import TrustRegistry
from local_db.collector import CollectorStore
from tests.local_db.collector_support import CS, Units


def _partial_trust(u: Units, known: int) -> TrustRegistry:
    trust = TrustRegistry()
    for code in u.codes[:known]:
        trust.add_key(code, u.signers[code].public_raw)
    return trust


def test_rejected_for_an_unknown_signer_are_accepted_after_the_trust_list_grows(tmp_path):
    u = Units(5, seed=7)
    folder = tmp_path / "nhan"
    files = [u.package(folder / "sub", code, sid=f"R{i}") for i, code in enumerate(u.codes)]
    with CollectorStore(tmp_path / "c.sqlite") as store:
        summary = store.merge([folder], _partial_trust(u, 2), [CS], workers=0)
        assert (summary.accepted, len(summary.rejected)) == (2, 3)
        rejected = store.rejected_unknown_signer()
        assert [r.file_name for r in rejected] == sorted(f.name for f in files[2:])
        assert all(r.path == str(f.resolve()) for r, f in zip(rejected, files[2:], strict=True))

        files[4].unlink()  # moved away since: said, not re-merged
        # still not known: nothing accepted, the rows stay
        again = store.recheck_rejected(_partial_trust(u, 2), [CS])
        assert (again.checked, again.accepted, again.missing) == (3, 0, [files[4].name])
        assert again.still_rejected == 2

        done = store.recheck_rejected(u.trust, [CS])
        assert (done.checked, done.accepted, done.missing) == (3, 2, [files[4].name])
        assert [r.file_name for r in store.rejected_unknown_signer()] == [files[4].name]
        assert len(store.ranking_for_year(2025, [CS]).rows) == 4


def test_a_changed_file_is_not_taken_for_the_rejected_one(tmp_path):
    u = Units(2, seed=8)
    folder = tmp_path / "nhan"
    path = u.package(folder, u.codes[1], sid="C1")
    with CollectorStore(tmp_path / "c.sqlite") as store:
        store.merge([path], _partial_trust(u, 1), [CS], workers=0)
        other = u.package(tmp_path / "khac", u.codes[1], level=4, sid="C1")
        path.write_bytes(other.read_bytes())  # same name, other bytes
        out = store.recheck_rejected(u.trust, [CS])
        assert (out.checked, out.accepted, out.missing) == (1, 0, [path.name])
        assert store.current_submissions(2025) == []


def test_packages_inside_a_bundle_are_checked_again_from_the_bundle(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from forms.packages.signing import Ed25519Signer
    from forms.packages.trust import ROLE_BUNDLE

    forwarder = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    u = Units(3, seed=10)
    u.trust.add_key("cum-01", forwarder.public_raw, "Cụm 1", roles=(ROLE_BUNDLE,))
    inbox = tmp_path / "inbox"
    for i, code in enumerate(u.codes):
        u.package(inbox, code, sid=f"B{i}")
    bundle = tmp_path / "chuyen" / "cum-01.dtibundle"
    bundle.parent.mkdir()
    with CollectorStore(tmp_path / "cum.sqlite") as collector:
        collector.merge([inbox], u.trust, [CS], workers=0)
        assert collector.export_bundle(bundle, forwarder, year=2025, collector_name="Cụm 1") == 3
    province_trust = _partial_trust(u, 1)
    province_trust.add_key("cum-01", forwarder.public_raw, "Cụm 1", roles=(ROLE_BUNDLE,))
    with CollectorStore(tmp_path / "tinh.sqlite") as store:
        summary = store.merge([bundle.parent], province_trust, [CS], workers=0)
        assert (summary.accepted, len(summary.rejected)) == (1, 2)
        rejected = store.rejected_unknown_signer()
        assert len(rejected) == 2 and {r.path for r in rejected} == {str(bundle.resolve())}
        out = store.recheck_rejected(u.trust, [CS])
        assert (out.checked, out.accepted, out.missing) == (2, 2, [])
        assert len(store.current_submissions(2025)) == 3
