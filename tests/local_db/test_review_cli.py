"""`dti-desk review list|set|export|verify|import` end to end, with real keys and files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from forms.criteria_json import dump_json
from forms.packages import keys
from forms.packages.trust import ROLE_REVIEW, TrustRegistry
from tests.local_db.review_support import CS, UNIT, first_assessment, make_world, submit


def keys_signer_public(tmp: Path) -> bytes:
    """The officer key of the support world (seed 1), as the province's trust list holds it."""
    from tests.local_db.review_support import signer

    return signer(1).public_raw


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector_target: str):
    """On either engine: the collector's database a SQLite file or a PostgreSQL database."""
    world = make_world(tmp_path, collector_target)
    first = first_assessment(world)
    submit(world, first, "out1")
    world.close()  # the commands open the databases themselves
    criteria = tmp_path / "tiny.json"
    dump_json(CS, criteria)
    public = keys.create_key(tmp_path / "rkeys", "mat-khau", "Sở KH&CN")
    monkeypatch.setenv("DTI_PASSPHRASE", "mat-khau")
    monkeypatch.setenv("DTI_OFFICER", "Cán bộ dòng lệnh")  # the writer named in the audit
    reviewers = TrustRegistry()
    reviewers.add_key(UNIT, public.public_key, roles=(ROLE_REVIEW,))
    reviewers.save(tmp_path / "reviewers.json")
    (tmp_path / "reviews").mkdir()
    target = [
        "--db",
        collector_target,
        "--unit",
        UNIT,
        "--year",
        2025,
        "--criteria",
        criteria,
    ]
    return tmp_path, target, criteria


def test_review_from_the_command_line(setup, capsys) -> None:
    tmp, target, criteria = setup
    code, out, _ = run(
        capsys,
        "review",
        "set",
        *target,
        "--indicator",
        "1.1",
        "--points",
        "10",
        "--comment",
        "Chỉ 2 biên bản",
        "--name",
        "Trần Văn Bình",
    )
    assert code == 0 and "10" in out and "Điều chỉnh điểm" in out
    code, _, err = run(capsys, "review", "set", *target, "--indicator", "1.1", "--points", "25")
    assert code == 1 and "0 đến 20" in err
    code, _, _ = run(
        capsys,
        "review",
        "set",
        *target,
        "--indicator",
        "1.2",
        "--status",
        "explanation_requested",
        "--comment",
        "Bổ sung danh sách",
    )
    assert code == 0
    # no deadline yet: refused, nothing written
    code, _, err = run(
        capsys, "review", "export", *target, "-o", tmp / "reviews", "--key-dir", tmp / "rkeys"
    )
    assert code == 1 and "hạn giải trình" in err and not list((tmp / "reviews").iterdir())
    code, out, _ = run(
        capsys,
        "review",
        "export",
        *target,
        "--deadline",
        "2026-02-15",
        "-o",
        tmp / "reviews",
        "--key-dir",
        tmp / "rkeys",
    )
    assert code == 0
    [file] = list((tmp / "reviews").iterdir())
    assert file.suffix == ".dtireview"
    # an issued review is frozen; exporting again rewrites the same bytes
    code, _, err = run(capsys, "review", "set", *target, "--indicator", "1.1", "--points", "5")
    assert code == 1 and "đã phát hành" in err
    before = file.read_bytes()
    assert run(capsys, "review", "export", *target, "-o", tmp / "reviews")[0] == 0
    assert file.read_bytes() == before

    code, out, _ = run(capsys, "review", "list", "--db", target[1], "--year", 2025, "--json")
    [row] = json.loads(out)
    assert row["review"] == "issued" and row["verification"] == "explanation_pending"
    assert row["self_total"] == "60" and row["verified_total"] == "50"

    code, out, _ = run(
        capsys,
        "review",
        "verify",
        file,
        "--reviewers",
        tmp / "reviewers.json",
        "--criteria",
        criteria,
        "--json",
    )
    verdict = json.loads(out)
    assert (
        code == 0
        and verdict["ok"]
        and verdict["flagged"] == ["1.2"]
        and verdict["adjusted"] == ["1.1"]
    )

    tampered = tmp / "tampered.dtireview"
    tampered.write_bytes(
        before.replace("Bổ sung danh sách".encode(), "Bổ sung danh sách!".encode())
    )
    code, out, _ = run(
        capsys,
        "review",
        "verify",
        tampered,
        "--reviewers",
        tmp / "reviewers.json",
        "--criteria",
        criteria,
    )
    assert code == 1 and "[signature_invalid]" in out
    empty = tmp / "empty.json"
    TrustRegistry().save(empty)
    code, out, _ = run(
        capsys, "review", "verify", file, "--reviewers", empty, "--criteria", criteria
    )
    assert code == 1 and "[reviewer_unknown]" in out

    # the province receives the review issued by the collector: it counts in its ranking
    province = tmp / "province.sqlite"
    package = next((tmp / "out1").glob("*.dtipkg"))
    trust_file = tmp / "trust.json"
    officers = TrustRegistry()
    officers.add_key(UNIT, keys_signer_public(tmp))
    officers.save(trust_file)
    assert (
        run(
            capsys,
            "merge",
            "--db",
            province,
            package,
            "--trust",
            trust_file,
            "--criteria",
            criteria,
        )[0]
        == 0
    )
    code, out, _ = run(
        capsys,
        "review",
        "receive",
        "--db",
        province,
        file,
        tampered,
        tmp / "nope.dtireview",
        "--reviewers",
        tmp / "reviewers.json",
        "--criteria",
        criteria,
        "--json",
    )
    assert code == 1
    assert [r["outcome"] for r in json.loads(out)] == ["stored", "rejected", "rejected"]
    code, out, _ = run(capsys, "review", "list", "--db", province, "--year", 2025, "--json")
    assert json.loads(out)[0]["verified_total"] == "50"
    # its ranking uses the verified points and says which units are self-assessed only
    code, out, _ = run(
        capsys,
        "export",
        "ranking",
        "--db",
        province,
        "--year",
        2025,
        "--criteria",
        criteria,
        "-o",
        tmp / "bang.csv",
    )
    assert (
        code == 0
        and "Xếp hạng theo điểm thẩm định cho 1 đơn vị; 0 đơn vị chỉ có điểm tự đánh giá" in out
    )
    assert "Xã Hòa Bình,20.00,22.00,8.00,50.00,Tốt" in (tmp / "bang.csv").read_text(
        encoding="utf-8-sig"
    )

    # on the commune's computer the set is known from its own database, without --criteria
    code, out, _ = run(
        capsys,
        "--data-dir",
        tmp / "commune",
        "review",
        "verify",
        file,
        "--reviewers",
        tmp / "reviewers.json",
    )
    assert code == 0, out

    # the commune imports it (its data folder knows the tiny set from its own assessment)
    code, _, err = run(
        capsys,
        "--data-dir",
        tmp / "commune",
        "review",
        "import",
        tampered,
        "--reviewers",
        tmp / "reviewers.json",
    )
    assert code == 1 and "[signature_invalid]" in err
    code, out, _ = run(
        capsys,
        "--data-dir",
        tmp / "commune",
        "review",
        "import",
        file,
        "--reviewers",
        tmp / "reviewers.json",
    )
    assert code == 0 and "1.2: Bổ sung danh sách" in out and "15/02/2026" in out


def test_bad_input_gives_clear_messages(setup, capsys) -> None:
    tmp, target, _criteria = setup
    code, _, err = run(
        capsys,
        "review",
        "set",
        "--db",
        target[1],
        "--unit",
        "99999",
        "--year",
        2025,
        "--indicator",
        "1.1",
    )
    assert code == 1 and "99999" in err
    # dd/mm/yyyy as people write it, ISO too; anything else names the option (a usage error)
    assert run(capsys, "review", "set", *target, "--deadline", "15/02/2026")[0] == 0
    assert run(capsys, "review", "set", *target, "--deadline", "2026-02-15")[0] == 0
    with pytest.raises(SystemExit) as stopped:
        run(capsys, "review", "set", *target, "--deadline", "31/02/2026")
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "--deadline" in err and "31/02/2026" in err
    code, _, err = run(capsys, "review", "set", *target, "--indicator", "9.9", "--points", "1")
    assert code == 1 and "9.9" in err
    code, _, err = run(
        capsys, "review", "verify", tmp / "missing.dtireview", "--reviewers", tmp / "reviewers.json"
    )
    assert code == 1
    code, _, err = run(
        capsys, "--data-dir", tmp / "commune", "review", "import", tmp / "missing.dtireview"
    )
    assert code == 1 and "missing.dtireview" in err
    assert run(capsys, "review")[0] == 2


@pytest.mark.parametrize("command", ["list", "set"])
def test_a_missing_database_is_refused_not_created(tmp_path, capsys, command):
    """Regression (issue 14): `review list --db typo.sqlite` made an empty database and listed
    nothing; it now says the database is not there and leaves no file behind."""
    missing = tmp_path / "khong-co.sqlite"
    argv = ["review", command, "--db", missing, "--year", "2025"]
    if command == "set":
        argv += ["--unit", "25001", "--indicator", "1.1", "--points", "1"]
    code, out, err = run(capsys, *argv)
    assert code == 1 and "Không có cơ sở dữ liệu tổng hợp" in err and str(missing) in err
    assert not missing.exists() and list(tmp_path.iterdir()) == []
    code, out, _err = run(capsys, "review", "list", "--db", missing, "--year", "2025", "--json")
    assert code == 1 and json.loads(out)["code"] == "db_missing"
    assert not missing.exists()


def test_review_commands_name_the_officer_and_refuse_stale_edits(
    setup, capsys, monkeypatch: pytest.MonkeyPatch, collector_target: str
) -> None:
    from local_db.collector import open_collector
    from local_db.review import collector as rc
    from tests.local_db.review_support import current_sha

    _tmp, target, _criteria = setup
    monkeypatch.delenv("DTI_OFFICER")
    code, _out, err = run(capsys, "review", "set", *target, "--indicator", "1.1", "--points", "5")
    assert code == 1 and "--officer" in err and "DTI_OFFICER" in err
    code, _out, err = run(
        capsys, "review", "set", *target, "--officer", "Lan\x07", "--indicator", "1.1"
    )
    assert code == 1 and "ký tự điều khiển" in err
    code, out, _err = run(capsys, "review", "set", *target, "--officer", "Trần Văn Bình",
                          "--indicator", "1.1", "--points", "10", "--based-on", "1")  # fmt: skip
    assert code == 0 and "phiên bản 2" in out
    # an edit based on version 1 again: refused, naming who changed it
    code, _out, err = run(capsys, "review", "set", *target, "--officer", "Nguyễn Thị Lan",
                          "--indicator", "1.1", "--points", "5", "--based-on", "1")  # fmt: skip
    assert (
        code == 1
        and "[stale_edit]" in err
        and "Trần Văn Bình" in err
        and "phiên bản hiện tại: 2" in err
    )
    monkeypatch.setenv("DTI_OFFICER", "Nguyễn Thị Lan")
    code, _out, _err = run(capsys, "review", "set", *target, "--indicator", "1.1", "--points", "5")
    assert code == 0
    conn = open_collector(collector_target)
    try:
        rows = rc.audit_rows(conn, current_sha(conn) + "/1.1")
    finally:
        conn.close()
    assert [(r.version, r.officer, r.after["points"]) for r in rows] == [
        (2, "Trần Văn Bình", "10"), (3, "Nguyễn Thị Lan", "5"),
    ]  # fmt: skip


def test_review_help_documents_the_officer(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["review", "set", "--help"])
    out = capsys.readouterr().out
    assert "--officer" in out and "DTI_OFFICER" in out and "--based-on" in out
