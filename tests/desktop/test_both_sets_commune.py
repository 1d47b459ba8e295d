"""The commune's pages and outputs over both criteria sets (issue 16): every indicator page of
every rule kind filled through its widgets, the tree, the overview, the finalise dialog, the
signed package and the PDF report (its text holds every pillar and the total). The second
set's population and households come from a signed ``.dtidata`` imported through the menu:
read-only on the page with their source, carried by the package (format 3), in the PDF."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.assessment.checks import Status
from desktop.format import format_points
from desktop.shell import Shell
from forms.packages.format import PROVINCE_DATA_NAME
from forms.packages.keys import load_public
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from local_db import assessments, profile, province_data
from local_db.paths import REVIEWERS_FILE
from local_db.units import import_units
from tests.both_sets import province_file, supplied_fields, trust_province
from tests.desktop.commune_support import PASSPHRASE, fill_page
from tests.key_copies import install_key
from tests.province_data_helpers import SOURCE, province_trust

# what the province's file says for unit 25001: 3 of 4 households (8.2), 3 of 6 people (9.1)
SUPPLIED = {"so_ho": 4, "dan_so": 6}


def _points_cell(model, code):
    return model.index_of(code).siblingAtColumn(1).data()


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode("utf-8").split())


def _import_province_file(db, cs, tmp_path: Path) -> bytes | None:
    """The province's figures for 25001, through the commune's import (verified); ``None``
    for a set without supplied fields."""
    data = province_file(cs, ["25001"], **SUPPLIED)
    if data is not None:
        province_trust().save(db.data_dir / REVIEWERS_FILE)
        (tmp_path / "tinh.dtidata").write_bytes(data)
        province_data.import_file(db, tmp_path / "tinh.dtidata")
    return data


def _supplied_read_only(editor, session, cs) -> None:
    for supplied in supplied_fields(cs):
        code, key = supplied.split("/")
        widget = editor.page(code).field_widgets[key]
        assert widget.edit.isReadOnly() and widget.value() == SUPPLIED[key]
        assert session.value(code, key) == SUPPLIED[key]
        source = editor.page(code).source_labels[key].text()
        assert "Giá trị do tỉnh cung cấp" in source and SOURCE in source  # the file's source
        assert "Sở Khoa học và Công nghệ, phát hành 15/01/2026" in source
    if supplied_fields(cs):  # 8.2 over the province's 4 households, 9.1 over its 6 people
        assert session.score().indicators["8.2"] == Decimal("22.5")
        assert session.score().indicators["9.1"] == 15


def _province_outputs(package: Path, text: str, data: bytes) -> None:
    """The package carries the file; the PDF has the figures in block 1 and beside ratios."""
    with zipfile.ZipFile(package) as zf:
        assert zf.read(PROVINCE_DATA_NAME) == data
    assert text.count("Số hộ gia đình: 4 hộ") == 1
    assert text.count("Số hộ gia đình (1.1): 4 hộ") == 1
    assert text.count("Dân số trên địa bàn (1.1): 6 người") == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_every_page_fills_and_every_output_holds_the_set(
    qtbot, db, settings, runner, both_sets, pdf_file, tmp_path, units_file
):
    cs = both_sets
    # the commune's own unit, a xã, from the units list: what applies to it follows its kind
    import_units(db, units_file)
    profile.save(db, officer_name="Nguyễn Thị Lan", position="Công chức", unit_code="25001")
    install_key(Shell(db, settings, runner).keys_dir, PASSPHRASE)
    assessments.create(db, "25001", cs.year, cs)
    data = _import_province_file(db, cs, tmp_path)
    controller = Shell(db, settings, runner)
    window = controller.build_window()
    qtbot.addWidget(window)
    window.show()
    editor, session = window.editor, controller.commune.session

    # --- every indicator page, of every rule kind, filled through its widgets ------------
    kinds = set()
    for ind in cs.leaves():
        editor.open(ind.code)
        page = editor.page(ind.code)
        assert page.isVisible()
        fill_page(qtbot, page, ind, cs.year)  # typing into a supplied field changes nothing
        kinds.add(ind.rule.kind)
    _supplied_read_only(editor, session, cs)
    if cs.set_id != "dti-xa-2025-reference":
        assert {k.value for k in kinds} >= {"target", "info", "ratio", "choice", "yes_no",
                                            "count_tiers", "percent_tiers", "direct"}  # fmt: skip
    for ind in cs.leaves():
        evidence = editor.page(ind.code).evidence
        if session.status(ind) is Status.EVIDENCE_MISSING:
            editor.open(ind.code)
            evidence.attach_file(str(pdf_file), {"number": "12/KH-UBND"})
    assert {ind.code: session.status(ind).value for ind in cs.leaves()
            if session.status(ind) is not Status.COMPLETE} == {}  # fmt: skip

    # --- the tree: one row per pillar; the block without points; targets say "đạt" -------
    model = editor.model
    assert model.rowCount() == len(cs.pillars)
    for pillar in cs.pillars:
        cell = _points_cell(model, f"pillar:{pillar.code}")
        assert (cell == "không tính điểm") is pillar.unscored
    for target in cs.targets():
        assert _points_cell(model, target.code).startswith("đạt")
    result = session.score()
    assert result.targets_met == len(cs.targets())

    # --- the overview charts the scored pillars only ---------------------------------------
    window.show_overview()
    assert [v[0] for v in window.overview.values()] == [
        p.code for p in cs.pillars if not p.unscored
    ]
    summary = window.overview.summary.text()
    assert format_points(result.published_total, cs.rounding) in summary
    assert ("Chỉ tiêu đạt: " in summary) is bool(cs.targets())
    assert all(f"{p.code}. {p.name}: " in summary for p in cs.pillars if not p.unscored)

    # --- finalise, sign, export: a package that verifies, the PDF beside it ---------------
    dialog = controller.commune.open_finalise(exec_dialog=False)
    qtbot.addWidget(dialog)
    assert dialog.errors() == []
    dialog.acknowledge_all()
    out_dir = tmp_path / "nop"
    dialog.folder.setText(str(out_dir))
    dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(controller.commune.exported) as exported:
        dialog.export_button.click()
    package = Path(exported.args[0])
    trust = TrustRegistry()
    trust.add_key("25001", load_public(controller.keys_dir).public_key)
    if data is not None:
        trust_province(trust)
    verdict = verify_package(package, criteria_sets={cs.content_hash: cs}, trust=trust)
    assert verdict.ok, verdict.codes
    assert verdict.manifest["scores"]["published_total"] == str(result.published_total)
    assert verdict.manifest["format_version"] == (2 if data is None else 3)

    text = _pdf_text(package.with_suffix(".pdf"))
    for pillar in cs.pillars:
        assert " ".join(pillar.name.split()) in text, pillar.name
    assert format_points(result.published_total, cs.rounding) in text
    n = len(cs.targets())
    assert (f"Số chỉ tiêu đạt: {n}/{n}" in text) is bool(n)  # what a set on targets classes by
    if cs.targets():
        assert "Đạt" in text
    if any(p.unscored for p in cs.pillars):
        assert "Không tính điểm" in text
        # a ratio over the block shows both sides: its numerator and the block's figure
        over = [i for i in cs.leaves() if i.rule.denominator.startswith("1.1/so_can_bo")]
        assert text.count("Số cán bộ, công chức cấp xã (1.1): 4 người") == len(over) >= 2
    if data is not None:
        _province_outputs(package, text, data)


def test_the_setup_wizard_loads_either_set_and_says_its_shape(qtbot, runner, both_sets, tmp_path):
    from desktop.setup.wizard import CriteriaPage
    from forms.criteria_json import dump_json
    from forms.reference import reference_set

    cs = both_sets
    path = tmp_path / "bo-tieu-chi.json"
    dump_json(cs, path)
    page = CriteriaPage(runner, reference_set())
    qtbot.addWidget(page)
    page.load_file(str(path))
    assert page.isComplete() and page.chosen() is not None
    assert page.chosen().content_hash == cs.content_hash
    text = page.summary.text()
    scored = sum(1 for p in cs.pillars if not p.unscored)
    assert f"{scored} trụ cột, {len(cs.leaves())} chỉ tiêu" in text
    assert ("Không tính điểm: Thông tin chung." in text) is any(p.unscored for p in cs.pillars)
    assert ("Xếp loại theo số chỉ tiêu đạt (trong 6 chỉ tiêu" in text) is bool(cs.targets())
