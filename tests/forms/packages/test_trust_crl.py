"""CRLs imported into the province's trust file (issue 17): kept, replaced by newer ones, carried
to the verification workers, and used by every check given the registry (package verify, merge,
the collector's store) with no option; a stale one reported; a revoked signer refused."""

from __future__ import annotations

import json
import pickle

import pytest
from cryptography import x509

from desktop.cli import main
from forms.criteria_json import dump_json
from forms.packages import token as tk
from forms.packages.build import build_package
from forms.packages.trust import TrustError, TrustRegistry
from forms.packages.verify import verify_package
from local_db.collector import CollectorStore
from tests.forms.packages.helpers import submission
from tests.forms.sample_sets import tiny_set


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _crl(ca, name: str) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(ca.files[name].read_bytes())


def _signed_by(soft_token, who, out):
    with tk.open_token(soft_token.module, soft_token.pin, cert_id=who.cka_id,
                       serial=soft_token.serial) as session:  # fmt: skip
        return build_package(submission(), session.signer(who.cka_id), out)


@pytest.fixture(scope="module")
def packages(soft_token, tmp_path_factory):
    """The chairman's package and one signed by the certificate the CRL revoked."""
    folder = tmp_path_factory.mktemp("crl-packages")
    ca = soft_token.ca
    return (_signed_by(soft_token, ca.chairman, folder / "ok"),
            _signed_by(soft_token, ca.revoked, folder / "revoked"))  # fmt: skip


def _registry(ca, *crls) -> TrustRegistry:
    registry = TrustRegistry(crls=crls)
    for who in (ca.chairman, ca.revoked):
        registry.add_certificate("25042", who.certificate)
    registry.add_anchor(ca.root)
    return registry


def test_registry_keeps_the_newest_crl_of_each_issuer(soft_token, tmp_path):
    ca = soft_token.ca
    stale, current = _crl(ca, "stale.der"), _crl(ca, "crl.der")
    registry = _registry(ca)
    assert registry.revocation() is None and "crls" not in json.loads(registry.to_bytes())
    assert registry.add_crl(stale)
    assert registry.add_crl(current) and registry.crls == [current]  # newer replaces
    assert not registry.add_crl(stale) and not registry.add_crl(current)
    registry.save(tmp_path / "trust.json")
    again = TrustRegistry.load(tmp_path / "trust.json")
    assert again.crls == [current]
    assert pickle.loads(pickle.dumps(again)).crls == [current]  # to the merge's workers
    assert again.remove(ca.chairman.certificate.subject.rfc4514_string()) == 0
    assert again.crls == [current]
    # a damaged CRL in the file refuses the file, naming it
    body = json.loads(again.to_bytes())
    body["crls"] = ["-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"]
    with pytest.raises(TrustError) as bad:
        TrustRegistry.from_bytes(json.dumps(body).encode())
    assert bad.value.code == "trust_invalid" and bad.value.where == "crls[0]"


def test_registry_crls_used_with_no_option(soft_token, packages, criteria, tmp_path):
    ca = soft_token.ca
    ok, revoked = packages
    without = _registry(ca)
    assert verify_package(revoked, criteria_sets=criteria, trust=without).ok  # nothing known
    held = _registry(ca, _crl(ca, "crl.der"))
    verdict = verify_package(revoked, criteria_sets=criteria, trust=held)
    assert verdict.codes == ["certificate_revoked"]
    assert verify_package(ok, criteria_sets=criteria, trust=held).ok
    # the collector's store (the window merges through it) is given the registry only
    with CollectorStore(tmp_path / "c.sqlite") as store:
        summary = store.merge([ok, revoked], held, [tiny_set()], workers=1)
    assert summary.accepted == 1 and len(summary.rejected) == 1
    assert "certificate_revoked" in str(summary.rejected[0])


def test_import_crl_command(soft_token, packages, tmp_path, capsys):
    ca = soft_token.ca
    ok, revoked = packages
    trust = tmp_path / "trust.json"
    _registry(ca).save(trust)
    dump_json(tiny_set(), tmp_path / "tiny.json")
    code, out, err = run(capsys, "trust", "--registry", trust, "import-crl", ca.files["stale.der"])
    assert code == 0, err
    assert "1 chứng thư bị thu hồi" in out and "lần cập nhật tới 01/12/2025" in out
    assert "đã quá hạn cập nhật (01/12/2025)" in err  # stale: reported, kept
    # merge uses it with no option, and says it is stale
    code, out, err = run(capsys, "merge", "--db", tmp_path / "a.sqlite", ok, revoked,
                         "--trust", trust, "--criteria", tmp_path / "tiny.json", "--json")  # fmt: skip
    assert "quá hạn cập nhật" in err
    assert code == 1 and "certificate_revoked" in out
    # the current CRL (PEM) replaces it; an older one changes nothing; a non-CRL is refused
    code, out, err = run(capsys, "trust", "--registry", trust, "import-crl", ca.files["crl.pem"])
    assert code == 0 and "quá hạn" not in err
    code, out, _err = run(capsys, "trust", "--registry", trust, "import-crl", ca.files["stale.der"])
    assert code == 0 and "không thay đổi" in out
    code, _out, err = run(capsys, "trust", "--registry", trust, "import-crl", ca.files["root.pem"])
    assert code == 1 and "[crl_invalid]" in err
    code, out, _err = run(capsys, "trust", "--registry", trust, "list", "--json")
    [listed] = json.loads(out)["crls"]
    assert listed["revoked"] == 1 and "Test Root CA dti-desk" in listed["issuer"]
    # package verify reads the folder's registry: the revoked signer refused
    code, out, _err = run(capsys, "package", "verify", revoked, "--trust", trust,
                          "--criteria", tmp_path / "tiny.json")  # fmt: skip
    assert code == 1 and "[certificate_revoked]" in out
