"""The commune's journey from the command line (issue 15): `demo commune`, then `finalise`
writes the package and the PDF side by side, the package holds each evidence content once
and its report, and `package verify` in the same folder knows the commune's own key. Real
subprocesses, as a script or an office that batches would run them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from forms.packages.format import MANIFEST_NAME, REPORT_NAME

ROOT = Path(__file__).parents[2]
PASSPHRASE = "mật khẩu thử nghiệm"


def dti(*args: str, passphrase: str | None = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DTI_LANG": "vi"}
    env.pop("DTI_PASSPHRASE", None)
    env.pop("DTI_DATA_DIR", None)
    if passphrase is not None:
        env["DTI_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture(scope="module")
def commune(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("commune") / "data"
    made = dti("demo", "commune", "--data-dir", str(data))
    assert made.returncode == 0, made.stderr
    return data


def _remove_warned_evidence(data: Path) -> None:
    """Detach the evidence of one indicator that scores and only warns when it lacks it."""
    from forms.criteria import Severity
    from local_db import answers, assessments, criteria_store, evidence, profile
    from local_db.database import open_database

    db = open_database(data)
    try:
        unit = profile.get(db).unit_code
        row = assessments.list_for_unit(db, unit)[0]
        cs = criteria_store.load(db, row.criteria_hash)
        points = answers.points(db, row.id)
        for item in evidence.list_for(db, row.id):
            ind = cs.find(item.indicator_code)
            if ind.evidence.severity is Severity.WARNING and points.get(ind.code, 0) > 0:
                evidence.remove(db, item.id)
                return
        raise AssertionError("no indicator with warning-only evidence that scores")
    finally:
        db.close()


def test_finalise_from_demo_commune(commune, tmp_path):
    _remove_warned_evidence(commune)
    out = tmp_path / "nop"
    # a warning: listed, and the package is not written until it is acknowledged
    listed = dti("--data-dir", str(commune), "finalise", "-o", str(out), "--json")
    assert listed.returncode == 1
    result = json.loads(listed.stdout)
    assert result["errors"] == [] and [w["code"] for w in result["warnings"]] == [
        "evidence_missing"
    ]
    assert not out.exists() or not list(out.iterdir())
    # a wrong passphrase writes nothing
    wrong = dti("--data-dir", str(commune), "finalise", "-o", str(out), "--accept-warnings",
                passphrase="sai")  # fmt: skip
    assert wrong.returncode == 1 and "Sai mật khẩu" in wrong.stderr
    assert not out.exists() or not list(out.iterdir())

    done = dti(
        "--data-dir", str(commune), "finalise", "-o", str(out), "--accept-warnings", "--json"
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    package, report = Path(result["package"]), Path(result["report"])
    assert package.parent == report.parent == out
    assert sorted(p.name for p in out.iterdir()) == ["25001_2025_r1.dtipkg", "25001_2025_r1.pdf"]

    with zipfile.ZipFile(package) as zf:
        manifest = json.loads(zf.read(MANIFEST_NAME))
        stored = [n for n in zf.namelist() if n.startswith("evidence/")]
        inside = zf.read(REPORT_NAME)
    # each evidence content once, cited by several indicators
    cited = [e["path"] for e in manifest["evidence"]]
    assert sorted(set(cited)) == sorted(stored) and len(cited) > 2 * len(stored)
    assert len({e["sha256"] for e in manifest["evidence"]}) == len(stored)
    # the PDF beside the package is the one inside it, its hash signed
    assert inside == report.read_bytes() and inside.startswith(b"%PDF")
    assert manifest["report"]["sha256"] == hashlib.sha256(inside).hexdigest()
    text = subprocess.run(["pdftotext", str(report), "-"], capture_output=True, text=True).stdout
    # the signed report: no draft mark, its status signed, the unit's own words
    assert "Trạng thái: đã ký" in text and "BẢN NHÁP" not in text
    assert "UBND XÃ HIỀN QUAN" in text and "Độc lập - Tự do - Hạnh phúc" in text
    # the chairman who signs it, named under "CHỦ TỊCH", and carried in the package
    assert "Lê Quang Minh" in text and manifest["unit"]["chairman"] == "Lê Quang Minh"

    verified = dti("--data-dir", str(commune), "package", "verify", str(package))
    assert verified.returncode == 0, verified.stdout
    assert "chữ ký đúng, khóa của chính đơn vị này" in verified.stdout
    # elsewhere the signer is unknown, and the package is told apart from a forgery
    elsewhere = dti("--data-dir", str(tmp_path / "other"), "package", "verify", str(package))
    assert elsewhere.returncode == 1
    assert (
        "còn nguyên vẹn" in elsewhere.stdout
        and "chưa có trong danh sách tin cậy" in elsewhere.stdout
    )
    assert "KHÔNG hợp lệ" not in elsewhere.stdout

    # signed: read-only, a second finalise says so
    again = dti("--data-dir", str(commune), "finalise", "-o", str(out), "--accept-warnings")
    assert again.returncode == 1 and "đã ký" in again.stderr

    printed = dti("--data-dir", str(commune), "report", "-o", str(tmp_path / "bao-cao.pdf"))
    assert printed.returncode == 0, printed.stderr
    assert (tmp_path / "bao-cao.pdf").read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(tmp_path / "bao-cao.pdf"), "-"], capture_output=True,
                          text=True).stdout  # fmt: skip
    assert "Trạng thái: đã xuất gói" in text  # printed after signing: the assessment's status


def test_finalise_errors_block(tmp_path):
    """An assessment with nothing answered: errors are listed and nothing is written."""
    from forms.reference import reference_set
    from local_db import assessments, profile
    from local_db.database import open_database

    data = tmp_path / "data"
    db = open_database(data)
    try:
        profile.save(db, officer_name="Lê Văn Bình", unit_code="25002")
        assessments.create(db, "25002", reference_set().year, reference_set())
    finally:
        db.close()
    out = tmp_path / "nop"
    result = dti("--data-dir", str(data), "finalise", "-o", str(out))
    assert result.returncode == 1
    assert "Lỗi phải sửa trước khi hoàn tất:" in result.stdout and "lỗi phải sửa" in result.stderr
    assert not out.exists()


def test_finalise_without_assessment(tmp_path):
    result = dti("--data-dir", str(tmp_path / "empty"), "finalise", "-o", str(tmp_path / "nop"))
    assert result.returncode == 1 and "chưa có bản đánh giá" in result.stderr


def test_demo_commune_refuses_a_folder_with_a_key(commune):
    again = dti("demo", "commune", "--data-dir", str(commune))
    assert again.returncode == 1 and "đã có khóa ký" in again.stderr


def test_own_key_for_another_unit_is_not_this_units(commune, tmp_path):
    """The folder's key signing a package that claims another unit: intact, but not "this
    unit's own key" (the window's check trusts the key for its own unit only)."""
    from forms.criteria_json import dump_json
    from forms.packages import keys
    from forms.packages.build import build_package
    from tests.forms.packages.helpers import submission
    from tests.forms.sample_sets import tiny_set

    signer = keys.load_signer(commune / "keys", PASSPHRASE)
    dump_json(tiny_set(), tmp_path / "tiny.json")
    for unit, own in (("25001", True), ("25999", False)):
        package = build_package(submission(unit_code=unit), signer, tmp_path / unit)
        verified = dti("--data-dir", str(commune), "package", "verify", str(package),
                       "--criteria", str(tmp_path / "tiny.json"), "--json")  # fmt: skip
        result = json.loads(verified.stdout)
        assert (result["intact"], result["own_key"]) == (True, own)
        assert verified.returncode == (0 if own else 1)
