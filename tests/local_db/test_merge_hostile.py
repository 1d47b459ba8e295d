"""Issue 12, hostile input, the merge's share: one package cannot stop a merge (hole 2b), files
from the inbox are never read past their limit (hole 4), bundle manifests are canonical JSON
(hole 8), and evidence is extracted only as the type that was checked (hole 1)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from forms.canonical import canonical_bytes
from forms.packages.build import EvidenceFile, Submission, build_package
from forms.packages.format import MANIFEST_NAME, SIGNATURE_ED25519
from forms.packages.signing import Ed25519Signer
from local_db.collector import dump, merge_paths, open_collector
from local_db.collector.bundles import export_bundle
from local_db.collector.verification import check_package
from local_db.review import collector as rc
from local_db.review.schema import ReviewError
from tests.local_db.collector_support import CS, FIXED, Units, answers, clock, sid_uuid

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<html><script>new ActiveXObject('WScript.Shell').Run('calc')</script></html>"


def _codes(rejection) -> list[str]:
    return [r.code for r in rejection.reasons]


def _rezip(path: Path, entries: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries.items():
            zout.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    path.write_bytes(buffer.getvalue())


def hostile_package(
    out: Path,
    signer: Ed25519Signer,
    code: str,
    *,
    edit=None,
    evidence: tuple[tuple[str, bytes], ...] = (),
) -> Path:
    """What a commune holding a trusted key can sign: a package built normally, then its
    manifest edited (``edit(manifest)``) and its evidence replaced by (signed name, content)
    pairs, re-signed and re-zipped. No builder check stands in the way."""
    sub = Submission(
        unit_code=code, unit_name=f"Xã {code}", year=2025, criteria_set=CS, answers=answers(2),
        revision=1, submission_id=sid_uuid(f"{code}-hostile"), officer_name="Nguyễn Văn An",
        officer_position="Công chức", created_at=FIXED,
        evidence=tuple(EvidenceFile("1.1", f"placeholder-{i}.pdf", content=PDF) for i, _e in enumerate(evidence)),
    )  # fmt: skip
    work = out / f"tmp-{code}"
    path = build_package(sub, signer, work)
    with zipfile.ZipFile(path) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(entries[MANIFEST_NAME])
    for item, (name, content) in zip(manifest["evidence"], evidence, strict=True):
        sha = hashlib.sha256(content).hexdigest()
        del entries[item["path"]]  # format 2 names a content by its hash: the name follows it
        entry = f"evidence/{sha}.{item['path'].rsplit('.', 1)[1]}"
        item.update(original_name=name, sha256=sha, size=len(content), path=entry)
        entries[entry] = content
    if edit is not None:
        edit(manifest)
    raw = canonical_bytes(manifest)
    entries[MANIFEST_NAME] = raw
    entries[SIGNATURE_ED25519] = signer.sign(raw).data
    target = out / f"{code}_hostile.dtipkg"
    _rezip(target, entries)
    path.unlink()
    work.rmdir()
    return target


def _poison_trigger(conn: sqlite3.Connection, unit: str) -> None:
    """A real storage failure for one unit's package, whatever the verifier says of it."""
    conn.execute(
        f"CREATE TRIGGER poison BEFORE INSERT ON submissions WHEN NEW.unit_code = '{unit}' "
        "BEGIN SELECT RAISE(ABORT, 'poison'); END"
    )


# --- hole 2b: one package stops every merge -----------------------------------------------


def test_hole2b_storage_failure_quarantines_one_package_and_the_merge_goes_on(tmp_path):
    """Attack: a package whose storing fails (here a real SQLite abort on its row) made
    merge_paths raise, and every re-run raised again: nothing after it was ever merged."""
    u = Units(5, seed=21)
    inbox = tmp_path / "inbox"
    paths = [u.package(inbox, code, sid=f"S{i}") for i, code in enumerate(u.codes)]
    conn = open_collector(tmp_path / "c.sqlite")
    _poison_trigger(conn, u.codes[2])
    for attempt in range(2):  # a re-run must not die again either
        summary = merge_paths(conn, [inbox], u.trust, [CS], clock=clock)
        assert summary.accepted == (4 if attempt == 0 else 0)
        assert summary.duplicates == (0 if attempt == 0 else 4)
        [rejection] = summary.rejected
        assert rejection.file == paths[2].name
        assert _codes(rejection) == ["quarantined"]
        message = rejection.reasons[0].message
        assert paths[2].name in message and "IntegrityError" in message
        assert "Traceback" not in message
    rows = dump(conn)
    assert {r[3] for r in rows["submissions"]} == set(u.codes) - {u.codes[2]}
    [quarantined] = rows["quarantine"]
    assert json.loads(quarantined[1])[0]["code"] == "quarantined" and quarantined[2] == u.codes[2]


def test_hole2b_disk_full_still_stops_the_merge(tmp_path):
    """Guard: an environment error (here a real SQLITE_FULL) is not the package's fault: the
    merge stops instead of quarantining every package after it as 'poison'."""
    u = Units(3, seed=22)
    inbox = tmp_path / "inbox"
    for i, code in enumerate(u.codes):  # scans of 20 kB: more than the free pages hold
        scan = PDF + random.Random(i).randbytes(20_000)
        hostile_package(inbox, u.signers[code], code, evidence=(("scan.pdf", scan),))
    conn = open_collector(tmp_path / "c.sqlite")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
    with pytest.raises(sqlite3.OperationalError, match="full"):
        merge_paths(conn, [inbox], u.trust, [CS], clock=clock, workers=0)
    conn.execute("PRAGMA max_page_count = 1000000")
    assert dump(conn)["quarantine"] == [] and dump(conn)["submissions"] == []
    summary = merge_paths(conn, [inbox], u.trust, [CS], clock=clock, workers=0)
    assert summary.accepted == 3 and summary.rejected == []


@pytest.mark.parametrize(
    "field, value", [("revision", 10**30), ("year", 2**63)], ids=["revision", "year"]
)
def test_hole2b_out_of_range_number_does_not_stop_the_merge(
    tmp_path, collector_target, field, value
):
    """Attack: a signed manifest with revision 10**30 (or year 2**63) passed `package verify`
    and then merge died with OverflowError, again on every re-run. Rejected at verification
    or quarantined at storing: either way the others are merged."""
    u = Units(3, seed=23)
    inbox = tmp_path / "inbox"
    for i, code in enumerate(u.codes[1:]):
        u.package(inbox, code, sid=f"S{i}")
    bad = hostile_package(
        inbox, u.signers[u.codes[0]], u.codes[0], edit=lambda m: m.__setitem__(field, value)
    )
    conn = open_collector(collector_target)
    for _attempt in range(2):
        summary = merge_paths(conn, [inbox], u.trust, [CS], clock=clock)
        [rejection] = summary.rejected
        assert rejection.file == bad.name and rejection.reasons
    assert len(dump(conn)["submissions"]) == 2


def test_a_nul_character_in_a_signed_name_does_not_stop_the_merge(tmp_path, collector_target):
    """PostgreSQL's text holds no NUL character (SQLite's does): a signed manifest carrying one
    is refused by the verifier (``manifest_text``) before either engine sees it, so both keep
    the same quarantine row and merge the others, on every re-run."""
    u = Units(3, seed=29)
    inbox = tmp_path / "inbox"
    for i, code in enumerate(u.codes[1:]):
        u.package(inbox, code, sid=f"S{i}")
    bad = hostile_package(
        inbox, u.signers[u.codes[0]], u.codes[0],
        edit=lambda m: m["officer"].__setitem__("name", "Nguyễn\x00Văn An"),
    )  # fmt: skip
    conn = open_collector(collector_target)
    for _attempt in range(2):
        summary = merge_paths(conn, [inbox], u.trust, [CS], clock=clock)
        [rejection] = summary.rejected
        assert rejection.file == bad.name
        assert [r.code for r in rejection.reasons] == ["manifest_text"]
    assert (len(dump(conn)["submissions"]), len(dump(conn)["quarantine"])) == (2, 1)


@pytest.fixture(scope="module")
def demo_3321(tmp_path_factory):
    from forms.packages.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo3321"), units=3321, seed=12, evidence=0)


@pytest.mark.slow
def test_hole2b_poison_among_3321_packages_via_the_cli(tmp_path, demo_3321):
    """Proof: one package that cannot be stored among a province's 3,321: `dti-desk merge
    --json` accepts the 3,320 others, quarantines it with its reason, exits 1, no traceback."""
    folder = demo_3321.packages[0].parent
    poison = demo_3321.packages[1660]
    with zipfile.ZipFile(poison) as zf:
        unit = json.loads(zf.read(MANIFEST_NAME))["unit"]["code"]
    db = tmp_path / "c.sqlite"
    conn = open_collector(db)
    _poison_trigger(conn, unit)
    conn.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "desktop.cli", "merge", "--db", str(db), str(folder),
            "--trust", str(demo_3321.trust), "--json"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert result["accepted"] == 3320
    [rejection] = result["rejected"]
    assert rejection["file"] == poison.name
    assert [r["code"] for r in rejection["reasons"]] == ["quarantined"]
    assert poison.name in rejection["reasons"][0]["message"]


# --- hole 4: reading before checking the size ------------------------------------------------

_RSS_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    # a safety net for the run before the fix: fail with MemoryError, not by eating the machine
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, resource.RLIM_INFINITY))
    from forms.packages.trust import TrustRegistry
    from local_db.collector import merge_paths, open_collector
    from forms.packages import parallel
    from local_db.collector import pool
    from tests.local_db.collector_support import CS, clock

    inbox, trust, db = Path(sys.argv[1]), TrustRegistry.load(sys.argv[2]), sys.argv[3]
    conn = open_collector(db)
    summary = merge_paths(conn, [inbox], trust, [CS], clock=clock, workers=0)
    parallel.set_worker_state(trust, {CS.content_hash: CS})
    chunk = pool.verify_chunk([(str(inbox / "huge.dtipkg"), None)])
    with open("/proc/self/status") as status:
        hwm = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) // 1024
    print(json.dumps({"summary": summary.to_json(), "chunk": repr(chunk), "hwm_mb": hwm}))
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM (Linux)")
def test_hole4_sparse_4gb_package_is_rejected_unread_and_the_rest_merged(tmp_path):
    """Attack: a 4 GB sparse file named like a package in the inbox: the merge read it whole
    into memory (4.2 GB RSS) before its 512 MiB check. Now its size is checked first."""
    u = Units(3, seed=24)
    inbox = tmp_path / "inbox"
    for i, code in enumerate(u.codes):
        u.package(inbox, code, sid=f"S{i}")
    huge = inbox / "huge.dtipkg"
    with open(huge, "wb") as handle:
        os.truncate(handle.fileno(), 4 * 1024**3)
    u.trust.save(tmp_path / "trust.json")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-c", _RSS_CHILD, str(inbox), str(tmp_path / "trust.json"),
            str(tmp_path / "c.sqlite")]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["summary"]["accepted"] == 3
    [rejection] = result["summary"]["rejected"]
    assert rejection["file"] == "huge.dtipkg"
    assert [r["code"] for r in rejection["reasons"]] == ["file_too_large"]
    assert "huge.dtipkg" in rejection["reasons"][0]["message"]
    assert result["chunk"] == "[None]"  # a worker does not read it either
    assert result["hwm_mb"] < 500


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_hole4_fifo_named_like_a_package_or_bundle_is_rejected_not_read(tmp_path):
    """Attack: a FIFO named x.dtipkg / x.dtibundle given to merge: reading it would wait for a
    writer forever. It is refused with its own reason code, never opened for a blocking read."""
    u = Units(1, seed=25)
    inbox = tmp_path / "inbox"
    u.package(inbox, u.codes[0], sid="S0")
    fifo, fifo_bundle = tmp_path / "x.dtipkg", tmp_path / "x.dtibundle"
    os.mkfifo(fifo)
    os.mkfifo(fifo_bundle)
    os.mkfifo(inbox / "in-folder.dtipkg")  # in a folder scan: skipped
    conn = open_collector(tmp_path / "c.sqlite")
    summary = merge_paths(conn, [inbox, fifo, fifo_bundle], u.trust, [CS], clock=clock)
    assert summary.accepted == 1
    assert [(r.file, _codes(r)) for r in summary.rejected] == [("x.dtipkg", ["not_regular_file"])]
    assert [(r.file, _codes(r)) for r in summary.bundles_rejected] == [
        ("x.dtibundle", ["not_regular_file"])
    ]


# --- hole 8: bundle manifests are canonical JSON ---------------------------------------------

COLLECTOR = Ed25519Signer(
    __import__(
        "cryptography.hazmat.primitives.asymmetric.ed25519", fromlist=["x"]
    ).Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
)


@pytest.fixture
def bundle_world(tmp_path):
    u = Units(2, seed=26)
    u.trust.add_key("cum-01", COLLECTOR.public_raw, "Cụm Đoan Hùng")
    inbox = tmp_path / "inbox"
    for i, code in enumerate(u.codes):
        u.package(inbox, code, sid=f"S{i}")
    collector = open_collector(tmp_path / "collector.sqlite")
    merge_paths(collector, [inbox], u.trust, [CS], clock=clock)
    bundle = tmp_path / "cum-01.dtibundle"
    export_bundle(collector, bundle, COLLECTOR, year=2025, collector_name="Cụm Đoan Hùng",
                  collector_unit="cum-01", now=FIXED)  # fmt: skip
    collector.close()
    return u, bundle


def _resigned_bundle(bundle: Path, raw: bytes) -> None:
    """A trusted collector signing whatever bytes it likes as bundle.json."""
    with zipfile.ZipFile(bundle) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    entries["bundle.json"] = raw
    entries["signature/bundle.ed25519.json"] = COLLECTOR.sign(raw).data
    _rezip(bundle, entries)


def test_hole8_exported_bundle_manifest_is_the_one_canonical_form(bundle_world):
    _u, bundle = bundle_world
    with zipfile.ZipFile(bundle) as zf:
        raw = zf.read("bundle.json")
    assert canonical_bytes(json.loads(raw)) == raw


def test_hole8_bundle_manifest_with_duplicate_keys_is_rejected(bundle_world, tmp_path):
    """Attack: a signed bundle.json with a key twice ("packages": [] first, the real list
    second): json.loads kept the last silently, so a human reading the first saw another
    listing than the merge used."""
    u, bundle = bundle_world
    with zipfile.ZipFile(bundle) as zf:
        raw = zf.read("bundle.json")
    _resigned_bundle(bundle, b'{"packages":[],' + raw[1:])
    summary = merge_paths(
        open_collector(tmp_path / "p.sqlite"), [bundle], u.trust, [CS], clock=clock
    )
    assert summary.accepted == 0
    [rejection] = summary.bundles_rejected
    assert _codes(rejection) == ["bundle_manifest_duplicate_key"]
    assert (
        "bundle.json" in rejection.reasons[0].message and "packages" in rejection.reasons[0].message
    )


def test_hole8_bundle_manifest_not_in_canonical_form_is_rejected(bundle_world, tmp_path):
    """Attack: a signed bundle.json pretty-printed (or with its keys reordered): the same
    content in other bytes, so two files could carry one signed listing."""
    u, bundle = bundle_world
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("bundle.json"))
    _resigned_bundle(bundle, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    summary = merge_paths(
        open_collector(tmp_path / "p.sqlite"), [bundle], u.trust, [CS], clock=clock
    )
    assert summary.accepted == 0
    [rejection] = summary.bundles_rejected
    assert _codes(rejection) == ["bundle_manifest_not_canonical"]


# --- hole 1: extraction names files by the checked type ------------------------------------


def _merged_anyway(tmp_path: Path, evidence: tuple[tuple[str, bytes], ...]):
    """A hostile package stored in a collector database as if verification had passed (a
    database merged before the verifier knew the allow-list): extraction is the last door."""
    u = Units(1, seed=27)
    package = hostile_package(tmp_path / "in", u.signers[u.codes[0]], u.codes[0], evidence=evidence)
    conn = open_collector(tmp_path / "c.sqlite")

    def trusting(path, trust, criteria):
        return replace(check_package(path, trust, criteria), ok=True, reasons=())

    summary = merge_paths(conn, [package], u.trust, [CS], clock=clock, verifier=trusting)
    assert summary.accepted == 1
    sha = conn.execute("SELECT manifest_sha256 FROM submissions").fetchone()[0]
    return conn, sha, rc.load_submission(conn, sha).evidence


@pytest.mark.parametrize(
    "name, content",
    [
        ("Biên bản họp.pdf      .hta", HTML),  # an HTML application on Windows
        ("x.pdf.exe", PDF),  # a real PDF, but Windows would run it
        ("Báo cáo.pdf", HTML),  # allowed name, content not a PDF
        ("Tờ trình.docx", PDF),  # allowed name, content of another type
    ],
    ids=["hta", "exe", "html-as-pdf", "pdf-as-docx"],
)
def test_hole1_evidence_outside_the_allow_list_is_not_extracted(tmp_path, name, content):
    """Attack: a signed evidence name like `Biên bản họp.pdf      .hta` was extracted under its
    own extension (slugged), and the reviewer's "open" handed it to Windows to run."""
    conn, sha, [entry] = _merged_anyway(tmp_path, ((name, content),))
    with pytest.raises(ReviewError) as err:
        rc.extract_evidence(conn, sha, entry.path, tmp_path / "open")
    assert name in str(err.value)
    assert not (tmp_path / "open").exists() or not list((tmp_path / "open").iterdir())


@pytest.mark.parametrize(
    "name, expected",
    [("Biên bản họp.pdf", "Bien-ban-hop.pdf"), ("Quyết định.PDF  .", "Quyet-dinh.pdf")],
)
def test_hole1_allowed_evidence_is_extracted_with_the_checked_types_extension(
    tmp_path, name, expected
):
    conn, sha, [entry] = _merged_anyway(tmp_path, ((name, PDF),))
    out = rc.extract_evidence(conn, sha, entry.path, tmp_path / "open")
    assert out.name == f"{sha[:8]}-{expected}" and out.read_bytes() == PDF
