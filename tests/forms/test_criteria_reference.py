"""The shipped reference set: what the issue asks of it, and that its two forms are the same."""

from __future__ import annotations

import importlib.util
import unicodedata
from decimal import Decimal as D

from forms.criteria import RuleKind, Severity
from forms.criteria_checks import check_set
from forms.criteria_io import load_criteria
from forms.criteria_json import dumps
from forms.reference import reference_json_path, reference_set, reference_xlsx_path
from tests.conftest import ROOT

PILLARS_2025 = [
    "Nhận thức số",
    "Thể chế số",
    "Hạ tầng số",
    "Nhân lực số",
    "An toàn thông tin mạng",
    "Hoạt động chính quyền số",
    "Hoạt động kinh tế số, xã hội số",
]


def test_workbook_and_json_are_the_same_set():
    from_xlsx = load_criteria(str(reference_xlsx_path()))
    from_json = load_criteria(str(reference_json_path()))
    assert from_xlsx == from_json
    assert from_xlsx.content_hash == from_json.content_hash == reference_set().content_hash


def test_shipped_files_match_their_source():
    spec = importlib.util.spec_from_file_location(
        "build_reference_set", ROOT / "tools" / "build_reference_set.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.reference_set()
    assert built.content_hash == reference_set().content_hash
    assert reference_json_path().read_text(encoding="utf-8") == dumps(built)


def test_shape_of_the_2025_commune_set():
    cs = reference_set()
    assert check_set(cs) == []
    assert (cs.level, cs.year, cs.total_points) == ("commune", 2025, D(1000))
    assert [p.name for p in cs.pillars] == PILLARS_2025
    assert sum(p.max_points for p in cs.pillars) == D(1000)
    assert len(cs.leaves()) >= 60
    # the kinds of issue 16 (targets, unscored information) are not in the reference set,
    # which keeps its content hash; tests/forms/sample_sets.kinds_set uses them
    new_kinds = {RuleKind.TARGET, RuleKind.INFO}
    assert {i.rule.kind for i in cs.indicators()} == set(RuleKind) - new_kinds
    assert any(i.children and i.rule.kind is RuleKind.SUM for i in cs.indicators())
    assert [(b.minimum, b.label) for b in cs.bands] == [
        (D(800), "Tốt"),
        (D(650), "Khá"),
        (D(0), "Trung bình"),
    ]
    assert (cs.rounding.decimals, cs.rounding.mode) == (2, "half_up")


def test_it_is_marked_as_a_reference_set():
    cs = reference_set()
    assert cs.reference is True
    assert "tham khảo" in cs.title and "thay bằng bộ chính thức của tỉnh" in cs.title


def test_every_indicator_says_evidence_source_verifier_and_help():
    cs = reference_set()
    for ind in cs.leaves():
        assert ind.evidence.description, ind.code
        assert ind.data_source and ind.verifier and ind.help, ind.code
    required = [i for i in cs.leaves() if i.evidence.required]
    assert len(required) >= 50
    assert {i.evidence.severity for i in required} == {Severity.ERROR, Severity.WARNING}


def test_text_is_nfc_vietnamese():
    text = reference_json_path().read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text
    assert "Ban Chỉ đạo chuyển đổi số" in text


def test_reference_set_is_cached():
    assert reference_set() is reference_set()
