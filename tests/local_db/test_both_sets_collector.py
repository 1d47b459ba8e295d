"""The collector's outputs over both criteria sets (issue 16): packages built, verified and
merged, the ranking (classed on points, or on the targets met), the exported appendix read back
with openpyxl, and ``dti-desk results check`` on it; targets met under a review."""

from __future__ import annotations

import json
from decimal import Decimal

import openpyxl
import pytest

from desktop.cli import main
from forms.criteria import ClassifyOn
from forms.criteria_json import dump_json
from forms.packages.verify import verify_package
from forms.ranking_xlsx import HEADER_TARGETS
from forms.scoring import score
from local_db.collector.reports import ranking_for_year
from local_db.collector.schema import connect
from tests.both_sets import (
    BLOCK_COUNT,
    answers_for,
    province_file,
    second_set,
    targets_met_for,
    trust_province,
)
from tests.local_db.collector_support import Units

LEVELS = (4, 3, 2, 1, 0)  # unit i answers at LEVELS[i]


@pytest.fixture
def merged(tmp_path, both_sets, capsys):
    """Five units' packages of ``both_sets`` merged through ``dti-desk merge``."""
    return _merge(tmp_path, both_sets, capsys)


@pytest.fixture
def merged_targets(tmp_path, capsys):
    """As ``merged``, for the second set only: the one of the two that classes on targets."""
    return _merge(tmp_path, second_set(), capsys)


def _merge(tmp_path, cs, capsys):
    units = Units(len(LEVELS), seed=7)
    out = tmp_path / "packages"
    data = province_file(cs, units.codes)
    for code, level in zip(units.codes, LEVELS, strict=True):
        units.package(out, code, criteria_set=cs, given=answers_for(cs, level), province_data=data)
    trust = tmp_path / "trust.json"
    trust_province(units.trust).save(trust)
    criteria = tmp_path / "set.json"
    dump_json(cs, criteria)
    db = tmp_path / "c.sqlite"
    args = ["merge", "--db", db, out, "--trust", trust, "--criteria", criteria, "--json"]
    assert main([str(a) for a in args]) == 0, capsys.readouterr()
    capsys.readouterr()
    return cs, units, db, criteria


def test_every_package_verifies_and_rescores(tmp_path, both_sets):
    cs = both_sets
    units = Units(1, seed=3)
    data = province_file(cs, units.codes)
    path = units.package(
        tmp_path, units.codes[0], criteria_set=cs, given=answers_for(cs, 3), province_data=data
    )
    verdict = verify_package(
        path, criteria_sets={cs.content_hash: cs}, trust=trust_province(units.trust)
    )
    assert verdict.ok, verdict.codes
    expected = score(cs, answers_for(cs, 3))
    assert verdict.manifest["scores"]["published_total"] == str(expected.published_total)
    assert set(verdict.manifest["scores"]["pillars"]) == {p.code for p in cs.pillars}
    # a set with province-supplied figures: format 3, carrying the file; otherwise format 2
    assert verdict.manifest["format_version"] == (2 if data is None else 3)


def _second_set_package(tmp_path, units, data, given):
    cs = second_set()
    path = units.package(tmp_path, units.codes[0], criteria_set=cs, given=given, province_data=data)
    return verify_package(path, criteria_sets={cs.content_hash: cs}, trust=units.trust)


def test_the_ratios_divide_by_the_figures_of_the_province_file(tmp_path):
    """8.2 (households with a payment account) divides by the province's households, 9.1 by
    its population: the same numerators over other supplied figures score other points, and
    a package whose answers differ from the file is refused."""
    cs = second_set()
    units = Units(1, seed=11)
    trust_province(units.trust)
    code = units.codes[0]
    given = answers_for(cs, 2)  # 200 of 400: half of 8.2's and 9.1's 30 points
    same = _second_set_package(tmp_path / "a", units, province_file(cs, [code]), given)
    assert same.ok, same.codes
    assert same.manifest["scores"]["indicators"]["8.2"] == "15"
    assert same.manifest["scores"]["indicators"]["9.1"] == "15"
    # the province counts 250 households and 500 people: 200/250 and 200/500
    data = province_file(cs, [code], so_ho=250, dan_so=500)
    given["1.1"] = {**given["1.1"], "so_ho": 250, "dan_so": 500}
    other = _second_set_package(tmp_path / "b", units, data, given)
    assert other.ok, other.codes
    assert other.manifest["scores"]["indicators"]["8.2"] == "24"  # 30 x 0.8
    assert other.manifest["scores"]["indicators"]["9.1"] == "12"  # 30 x 0.4
    total = Decimal(other.manifest["scores"]["published_total"])
    assert total == score(cs, given).published_total
    assert total == Decimal(same.manifest["scores"]["published_total"]) + 9 - 3
    # the commune answering its own household count over the file's is refused, and so is a
    # package without the file
    given["1.1"]["so_ho"] = BLOCK_COUNT
    assert _second_set_package(tmp_path / "c", units, data, given).codes == [
        "province_value_mismatch"
    ]
    assert (
        _second_set_package(tmp_path / "d", units, None, given).codes
        == ["province_data_missing"] * 2
    )  # one per supplied field


def test_ranking_classes_every_unit_by_the_sets_rule(merged):
    cs, units, db, _criteria = merged
    conn = connect(db)
    ranking = ranking_for_year(conn, 2025, [cs])
    conn.close()
    assert [r.unit_code for r in ranking.rows] == units.codes  # levels fall, so do totals
    for row, level in zip(ranking.rows, LEVELS, strict=True):
        expected = score(cs, answers_for(cs, level))
        assert row.classification == expected.classification
        assert row.targets_met == (targets_met_for(cs, level) if cs.targets() else None)
    if cs.classify_on is ClassifyOn.TARGETS:  # 6, 5, 4, 3, 2 of 6 targets met
        assert [r.classification for r in ranking.rows] == [
            "Xuất sắc", "Xuất sắc", "Đạt", "Đạt", "Chưa đạt"
        ]  # fmt: skip


def _table(path):
    ws = openpyxl.load_workbook(path).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    top = next(i for i, r in enumerate(rows) if r[0] == "STT")
    body = [r for r in rows[top + 1 :] if isinstance(r[0], int)]
    return ws, rows[top], body


def test_the_exported_appendix_has_every_unit_and_passes_results_check(merged, tmp_path, capsys):
    cs, units, db, criteria = merged
    target = tmp_path / "phu-luc.xlsx"
    args = ["export", "ranking", "--db", db, "--year", "2025", "-o", target, "--criteria", criteria]
    assert main([str(a) for a in args]) == 0, capsys.readouterr()
    capsys.readouterr()
    ws, head, body = _table(target)
    scored = [p for p in cs.pillars if not p.unscored]
    # the information block has no column; every scored group has one
    assert head[2 : 2 + len(scored)] == [p.name for p in scored]
    assert "Thông tin chung" not in head
    names = {f"Xã {code}" for code in units.codes}
    assert {r[1] for r in body} == names
    label_col = head.index("Xếp loại")
    for r, level in zip(body, LEVELS, strict=True):
        assert r[label_col] == score(cs, answers_for(cs, level)).classification
    if cs.targets():
        col = head.index(HEADER_TARGETS)
        n = len(cs.targets())
        assert [r[col] for r in body] == [f"{targets_met_for(cs, lv)}/{n}" for lv in LEVELS]
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(col + 1)].width >= 10
    else:
        assert HEADER_TARGETS not in head
    code = main(["results", "check", str(target), "--bands", str(criteria), "--summary", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert (code, data["rows"], data["errors"]) == (0, len(LEVELS), []), data["errors"][:2]


def _reviewed_unit(tmp_path):
    """One unit of the second set, all six targets met, merged and opened for review."""
    from forms.review.model import Reviewer
    from local_db.collector.store import CollectorStore
    from local_db.review import collector as rc

    cs = second_set()
    units = Units(1, seed=9)
    code = units.codes[0]
    path = units.package(
        tmp_path / "p", code, criteria_set=cs, given=answers_for(cs, 4),
        province_data=province_file(cs, [code]),
    )  # fmt: skip
    store = CollectorStore(tmp_path / "c.sqlite")
    store.merge([path], trust_province(units.trust), {cs.content_hash: cs})
    conn = store.conn
    sha = conn.execute("SELECT manifest_sha256 FROM submissions").fetchone()[0]
    rc.start_review(conn, sha, cs, Reviewer("Trần Văn Bình", "Chuyên viên", "Sở KH&CN"))
    return cs, units, code, conn, sha


def test_a_reviewed_zero_point_target_that_is_met_counts(tmp_path):
    """Regression (issue 16): under a review, a 0-point target scores 0 whether met or not, so
    the verified points alone counted it as not met and the unit fell a band."""
    from forms.review.scoring import verified_score
    from forms.review.verify import verify_review
    from local_db.review import collector as rc

    cs, units, code, conn, sha = _reviewed_unit(tmp_path)
    review = rc.load_review(conn, sha)
    assert (review.items["9.2"].self_met, review.items["9.2"].met) == (True, True)
    assert review.items["8.1"].self_met is None  # a target with points: its points say it
    assert verified_score(cs, review).targets_met == 6
    # the reviewer overturns one target worth points (8.1: 30 -> 0), accepts the rest
    rc.set_item(conn, sha, cs, "8.1", points=Decimal(0), comment="Số liệu ngân hàng thấp hơn")
    issued = rc.issue(conn, sha, cs, units.signers[code], tmp_path / "out")
    row = ranking_for_year(conn, 2025, [cs]).rows[0]
    assert row.targets_met == 5 and row.classification == "Xuất sắc"  # 4.3 and 9.2 still met
    # the signed file says the same, and verifies on its own
    from forms.packages.trust import ROLE_REVIEW, TrustRegistry

    trust = TrustRegistry()
    trust.add_key(code, units.signers[code].public_raw, roles=(ROLE_REVIEW,))
    verdict = verify_review(issued.read_bytes(), criteria_sets={cs.content_hash: cs}, trust=trust)
    assert "summary_mismatch" not in [p.code for p in verdict.reasons]
    assert verdict.review.items["9.2"].met is True


def test_a_reviewer_overturns_a_zero_point_target(tmp_path):
    """A 0-point target has no points to take away: the reviewer's "not met" is recorded beside
    them, makes the item adjusted, and classes the unit on what the reviewer found."""
    from forms.review.scoring import self_score, verified_score
    from local_db.review import collector as rc

    cs, units, code, conn, sha = _reviewed_unit(tmp_path)
    for target in ("9.2", "4.3", "8.1"):  # 6 -> 3 met: "Đạt"
        kwargs = {"met": False} if target != "8.1" else {"points": Decimal(0)}
        rc.set_item(conn, sha, cs, target, comment="Không đúng thực tế", **kwargs)
    review = rc.load_review(conn, sha)
    assert review.items["9.2"].status.value == "adjusted"
    assert (verified_score(cs, review).targets_met, self_score(cs, review).targets_met) == (3, 6)
    assert verified_score(cs, review).classification == "Đạt"
    rc.set_item(conn, sha, cs, "4.3", status="accepted")  # accepting puts the answers' word back
    assert rc.load_review(conn, sha).items["4.3"].met is True
    rc.issue(conn, sha, cs, units.signers[code], tmp_path / "out")
    row = ranking_for_year(conn, 2025, [cs]).rows[0]
    assert (row.targets_met, row.classification) == (4, "Đạt")


def test_results_check_judges_a_targets_set_on_the_targets_met(merged_targets, tmp_path, capsys):
    """A set classing on targets: the label follows the "Chỉ tiêu đạt" column, not the total."""
    cs, _units, db, criteria = merged_targets
    assert cs.classify_on is ClassifyOn.TARGETS
    target = tmp_path / "phu-luc.xlsx"
    args = ["export", "ranking", "--db", db, "--year", "2025", "-o", target, "--criteria", criteria]
    assert main([str(a) for a in args]) == 0
    wb = openpyxl.load_workbook(target)
    ws = wb.active
    head_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "STT")
    label = [c.value for c in ws[head_row]].index("Xếp loại") + 1
    ws.cell(head_row + 1, label).value = "Đạt"  # 6/6 met: "Xuất sắc"
    wb.save(target)
    capsys.readouterr()
    code = main(["results", "check", str(target), "--bands", str(criteria), "--json"])
    found = json.loads(capsys.readouterr().out)["findings"]
    assert code == 1
    assert [(f["kind"], f["stt"]) for f in found] == [("classification_mismatch", 1)]
    assert "số chỉ tiêu đạt 6" in found[0]["message"]


def test_targets_are_counted_from_a_package_read_in_place(tmp_path):
    """A package above SafeZip's in-memory size (4 MB) is read from the stored blob in place,
    only its manifest: regression, zipfile asked the blob for ``seekable``."""
    import os

    from forms.packages.build import Submission, build_package
    from forms.packages.contents import EvidenceFile
    from forms.packages.zipsafe import IN_MEMORY_BYTES
    from local_db.collector import merge_paths, open_collector
    from local_db.collector.targets import answered_targets
    from tests.local_db.collector_support import FIXED, sid_uuid

    cs = second_set()
    units = Units(1, seed=4)
    code = units.codes[0]
    big = b"%PDF-1.4\n" + os.urandom(IN_MEMORY_BYTES + 1024)
    sub = Submission(
        unit_code=code, unit_name="Xã Hiền Quan", year=2025, criteria_set=cs,
        answers=answers_for(cs, 2), submission_id=sid_uuid(code), created_at=FIXED,
        evidence=(EvidenceFile("2.2", "bien-ban.pdf", content=big),),
        province_data=province_file(cs, [code]), unit_kind="xã",
    )  # fmt: skip
    path = build_package(sub, units.signers[code], tmp_path / "p")
    assert path.stat().st_size > IN_MEMORY_BYTES
    conn = open_collector(tmp_path / "c.sqlite")
    merge_paths(conn, [path], trust_province(units.trust), [cs])
    found = answered_targets(conn, 2025, cs)
    assert len(found[code][1]) == targets_met_for(cs, 2)


def test_a_special_zone_and_a_commune_of_the_second_set_rank_by_its_rescale_rule(tmp_path):
    """The second set's 4.1 (fibre to every household) is not asked of a đặc khu; the set
    rescales: the same answers give the đặc khu its points out of 470, brought back to 500,
    and the xã its points out of 500. Both verify, merge, rank and class by that rule."""
    from forms.applicability import UnitFacts
    from forms.criteria import NotApplicablePolicy
    from local_db.collector import CollectorStore

    cs = second_set()
    assert cs.not_applicable is NotApplicablePolicy.RESCALE
    units = Units(2, seed=11)
    commune, zone = units.codes
    given = answers_for(cs, 3)
    out = tmp_path / "p"
    paths = [
        units.package(out, code, criteria_set=cs, given=given, unit_kind=kind,
                      province_data=province_file(cs, [code]))
        for code, kind in ((commune, "xã"), (zone, "đặc khu"))
    ]  # fmt: skip
    store = CollectorStore(tmp_path / "c.sqlite")
    summary = store.merge(paths, trust_province(units.trust), {cs.content_hash: cs})
    assert summary.accepted == 2, summary.rejected
    rows = {r.unit_code: r for r in ranking_for_year(store.conn, 2025, [cs]).rows}
    as_commune = score(cs, given, unit=UnitFacts("xã", commune))
    as_zone = score(cs, given, unit=UnitFacts("đặc khu", zone))
    assert "4.1" in as_zone.not_applicable and "4.1" not in as_commune.not_applicable
    assert rows[commune].applicable_max == 500 and rows[zone].applicable_max == 470
    raw = as_zone.total  # what the zone's answers earn on what applies to it
    assert rows[zone].total == as_zone.published_total == round(raw * 500 / 470, 1)
    assert rows[commune].total == as_commune.published_total
    assert (rows[zone].classification, rows[commune].classification) == (
        as_zone.classification,
        as_commune.classification,
    )
    store.close()
