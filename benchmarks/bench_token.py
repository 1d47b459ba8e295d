"""Signing on a PKCS#11 token (SoftHSM2), and what certificate signatures cost the collector.

Run: ``.venv/bin/python benchmarks/bench_token.py [--units N]``. Makes a throwaway SoftHSM2
token (softhsm2 and opensc must be installed: ``sh tools/install-sysdeps.sh``) and prints:
login, package signing (RSA 2048 and EC P-256) and PDF signing times on the token; then the
sequential verification time of N packages (default 3,321, one per commune-level unit) signed
with a token certificate (CMS, path to the root, with and without a CRL) beside the same
number signed with Ed25519; the finalise signing on the token (the report PDF's PAdES signature,
then the package carrying it); and the collector's merge (``CollectorStore.merge``, as the window
and ``dti-desk merge`` run it) of N distinct CMS-signed packages beside N Ed25519 ones, the
registry holding a CRL for the CMS run (``--merge-units 0`` skips it). A real USB token signs far slower than SoftHSM2 (hundreds of ms
per RSA signature): the token numbers are the app's own overhead, not a token's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms import pdf_signature as ps  # noqa: E402
from forms.packages import token as tk  # noqa: E402
from forms.packages.build import build_package  # noqa: E402
from forms.packages.revocation import RevocationLists  # noqa: E402
from forms.packages.trust import TrustRegistry  # noqa: E402
from forms.packages.verify import criteria_index, verify_package  # noqa: E402
from tests.forms.packages import token_support  # noqa: E402
from tests.forms.packages.helpers import ed_signer, submission  # noqa: E402
from tests.forms.packages.test_token_pdf import tiny_pdf  # noqa: E402
from tests.forms.sample_sets import tiny_set  # noqa: E402


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1e3:.1f} ms (min {min(values) * 1e3:.1f}, n={len(values)})"


def _timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def _verify_all(path: Path, count: int, criteria, trust, revocation=None) -> float:
    data = path.read_bytes()  # as the collector calls it: bytes already in memory
    start = time.process_time()
    for _ in range(count):
        verdict = verify_package(
            data, criteria_sets=criteria, trust=trust, name=path.name, revocation=revocation
        )
    assert verdict.ok, verdict.reasons
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--merge-units", type=int, default=3321)
    args = parser.parse_args()
    print(
        f"cpu count: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="dti-token-bench-") as tmp:
        folder = Path(tmp)
        conf = token_support.write_conf(folder)
        os.environ["SOFTHSM2_CONF"] = str(conf)
        ca = token_support.make_test_ca(folder / "ca")
        token = token_support.make_token(folder / "token", ca, conf)
        module, pin = token.module, token.pin
        logins, _ = _timed(lambda: tk.list_tokens(module), 5)
        print(f"list tokens and certificates: {_ms(logins)}")
        out = folder / "out"
        for name, who in (("RSA 2048", ca.chairman), ("EC P-256", ca.organisation)):
            start = time.perf_counter()
            with tk.open_token(module, pin, cert_id=who.cka_id) as session:
                opened = time.perf_counter() - start
                signer = session.signer(who.cka_id)
                package, _ = _timed(lambda s=signer: build_package(submission(), s, out), 20)
                pdf, _ = _timed(lambda s=signer: ps.sign_pdf(tiny_pdf(), ps.token_pdf_signer(s)), 5)
            print(
                f"{name}: login {opened * 1e3:.1f} ms; package (build + CMS on the token) {_ms(package)}"
            )
            print(
                f"{name}: PDF (PAdES, visible stamp; the first includes the font set-up) {_ms(pdf)}"
            )

        criteria = criteria_index([tiny_set()])
        with tk.open_token(module, pin, cert_id=ca.chairman.cka_id) as session:
            cms_path = build_package(submission(), session.signer(ca.chairman.cka_id), out / "cms")
        cms_trust = TrustRegistry()
        cms_trust.add_certificate("25042", ca.chairman.certificate)
        cms_trust.add_anchor(ca.root)
        ed = ed_signer(1)
        ed_path = build_package(submission(), ed, out / "ed")
        ed_trust = TrustRegistry()
        ed_trust.add_key("25042", ed.public_raw)
        crls = RevocationLists.from_files([ca.files["crl.der"]])
        n = args.units
        ed_cpu = _verify_all(ed_path, n, criteria, ed_trust)
        cms_cpu = _verify_all(cms_path, n, criteria, cms_trust)
        crl_cpu = _verify_all(cms_path, n, criteria, cms_trust, crls)
        print(f"verify {n} Ed25519 packages: {ed_cpu:.2f} s CPU ({ed_cpu / n * 1e3:.2f} ms each)")
        print(
            f"verify {n} token (CMS, RSA 2048, chain to root) packages: {cms_cpu:.2f} s CPU ({cms_cpu / n * 1e3:.2f} ms each)"
        )
        print(f"  the same with a CRL: {crl_cpu:.2f} s CPU ({crl_cpu / n * 1e3:.2f} ms each)")
        _finalise_signing(token, out / "finalise")
        if args.merge_units:
            _merge(token, folder / "merge", args.merge_units)
    return 0


def _finalise_signing(token, out: Path) -> None:
    """What ``finalise --token`` adds to the app's own key: the report PDF PAdES-signed, then
    the package that carries it, in one logged-in session (the report printed beforehand)."""
    ca = token.ca
    report = tiny_pdf(12)  # the commune's report runs to about 12 pages
    with tk.open_token(token.module, token.pin, cert_id=ca.chairman.cka_id) as session:
        signer = session.signer(ca.chairman.cka_id)
        pdf_signer = ps.token_pdf_signer(signer)

        def both() -> Path:
            signed = ps.sign_pdf(report, pdf_signer)
            return build_package(submission(report=signed), signer, out)

        times, _ = _timed(both, 10)
        print(f"finalise on the token (RSA 2048): PDF signed + package signed {_ms(times)}")

        org = session.signer(ca.organisation.cka_id)
        org_pdf = ps.token_pdf_signer(org)

        def twice() -> Path:
            signed = ps.sign_pdf(report, pdf_signer)
            signed = ps.sign_pdf(signed, org_pdf, ps.ORGANISATION_BOX)
            return build_package(submission(report=signed), signer, out, organisation=org)

        two, path = _timed(twice, 10)
    print(
        "finalise with two signatures (chairman RSA 2048 + organisation EC P-256, one token):"
        f" both PDF signatures + both package signatures {_ms(two)}"
    )
    criteria = criteria_index([tiny_set()])
    trust = TrustRegistry()
    trust.add_certificate("25042", ca.chairman.certificate)
    trust.add_certificate("25042", ca.organisation.certificate)
    trust.add_anchor(ca.root)
    assert isinstance(path, Path)
    n = 300
    cpu = _verify_all(path, n, criteria, trust)
    print(f"verify {n} two-signature packages: {cpu:.2f} s CPU ({cpu / n * 1e3:.2f} ms each)")


def _merge(token, folder: Path, n: int) -> None:
    from local_db.collector import CollectorStore

    ca = token.ca
    ed = ed_signer(2)
    units = [f"{10000 + i:05d}" for i in range(n)]
    cms_trust, ed_trust = TrustRegistry(), TrustRegistry()
    cms_trust.add_anchor(ca.root)
    cms_trust.add_crl(ca.crl)
    for unit in units:
        cms_trust.add_certificate(unit, ca.chairman.certificate)
        ed_trust.add_key(unit, ed.public_raw)
    start = time.perf_counter()
    with tk.open_token(token.module, token.pin, cert_id=ca.chairman.cka_id) as session:
        signer = session.signer(ca.chairman.cka_id)
        cms = [build_package(submission(unit_code=u), signer, folder / "cms") for u in units]
    built = time.perf_counter() - start
    eds = [build_package(submission(unit_code=u), ed, folder / "ed") for u in units]
    print(f"built {n} CMS packages on the token in {built:.1f} s")
    for name, paths, trust in (("Ed25519", eds, ed_trust), ("CMS (token, CRL in the registry)", cms, cms_trust)):  # fmt: skip
        with CollectorStore(folder / f"{name[:3]}.sqlite") as store:
            start = time.perf_counter()
            summary = store.merge(paths, trust, [tiny_set()])
            elapsed = time.perf_counter() - start
        assert summary.accepted == n, summary
        print(f"merge {n} {name} packages: {elapsed:.1f} s ({elapsed / n * 1e3:.2f} ms each)")


if __name__ == "__main__":
    raise SystemExit(main())
