"""The checks on published ranking tables: real tables, every kind of injected error, properties."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.criteria import Band
from forms.results_check import (
    KINDS,
    BandsError,
    check_table,
    check_workbook,
    default_bands,
    half_unit,
    labels_between,
    load_bands,
    tolerance,
)
from forms.results_table import Number, ResultsTable, TableRow
from forms.scoring import classify
from tests.forms.results_workbooks import BANDS, grouped, real_table, row_of, write


def _kinds(result):
    return [(f.kind, f.severity, f.stt) for f in result.findings]


# --- the real 2023 tables ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [True, False], ids=["text", "numbers"])
def test_real_department_table(tmp_path, text):
    """Phụ lục 2 as published: only Sở Tư pháp's "527,03" differs (by 0,03), within rounding."""
    path = write(tmp_path / "pl2.xlsx", real_table("departments", text=text))
    result = check_workbook(path, BANDS)
    assert result.rows == 28
    assert _kinds(result) == [("total_rounding", "note", 21)]
    (note,) = result.findings
    assert note.unit == "Sở Tư pháp"
    assert note.where == f"'Phụ lục 3'!H{row_of(path, 'Sở Tư pháp')}"
    assert "782" in note.message and "782,03" in note.message and "0,03" in note.message
    assert result.ok


@pytest.mark.parametrize(
    "layout",
    [
        {},
        {"two_row_header": True, "numbering_row": True},
        {"group_header": "Huyện, thành, thị", "group_style": "merged"},
        {"group_header": "Cụm", "group_style": "first", "two_row_header": True},
        {"group_header": "Đơn vị hành chính cũ", "group_style": "sections"},
    ],
)
def test_real_district_table_is_clean(tmp_path, layout):
    table = real_table("districts")
    if "group_header" in layout:
        table = grouped(table)
    result = check_workbook(write(tmp_path / "pl3.xlsx", table, **layout), BANDS)
    assert result.rows == 13
    assert result.findings == []


def test_default_bands_are_the_reference_sets(tmp_path):
    from forms.reference import reference_set

    assert default_bands() == tuple(reference_set().bands)
    path = write(tmp_path / "pl2.xlsx", real_table("departments"))
    assert check_workbook(path).findings == check_workbook(path, BANDS).findings


# --- each kind of error, injected ----------------------------------------------------------------


def _one(result, kind):
    found = [f for f in result.findings if f.kind == kind]
    assert len(found) == 1, result.findings
    return found[0]


def test_total_mismatch(tmp_path):
    table = real_table("departments")
    table.unit(5).total = "829,9"  # 827,9 + 2
    path = write(tmp_path / "t.xlsx", table)
    result = check_workbook(path, BANDS)
    found = _one(result, "total_mismatch")
    assert (found.stt, found.unit, found.severity) == (5, "Sở Tài chính", "error")
    assert f"H{row_of(path, 'Sở Tài chính')}" in found.message
    assert "829,9" in found.message and "827,9" in found.message
    assert not result.ok


def test_total_within_and_beyond_rounding(tmp_path):
    """Districts: 7 pillars at 1 decimal, total at 1 decimal: tolerance 7 x 0,05 + 0,05 = 0,4."""
    table = real_table("districts")
    table.unit(3).total = "811,1"  # 810,7 + 0,4: the most rounding explains
    table.unit(4).total = "809,9"  # 809,4 + 0,5: too much
    result = check_workbook(write(tmp_path / "t.xlsx", table), BANDS)
    assert _kinds(result) == [("total_rounding", "note", 3), ("total_mismatch", "error", 4)]
    assert "0,4" in result.findings[0].message


def test_integer_pillars_allow_more(tmp_path):
    """Pillars rounded to whole numbers (the commune tables): 3 pillars -> 1,5 + 0,05."""
    rows = [
        ("Xã A", ["300", "200", "301"], "802,5", "Tốt"),
        ("Xã B", ["300", "200", "200"], "698,45", "Khá"),
    ]
    table = real_table("districts")
    table.columns = ["Hạ tầng số", "Nhân lực số", "Hoạt động chính quyền số"]
    table.units = table.units[:2]
    for unit, (name, pillars, total, cls) in zip(table.units, rows, strict=True):
        unit.name, unit.pillars, unit.total, unit.cls = name, pillars, total, cls
    result = check_workbook(write(tmp_path / "t.xlsx", table), BANDS)
    assert tolerance(3, 0, 2) == Decimal("1.505")
    assert _kinds(result) == [("total_rounding", "note", 1), ("total_mismatch", "error", 2)]


@pytest.mark.parametrize(
    ("stt", "label", "kind", "severity"),
    [
        (13, "Tốt", "classification_mismatch", "error"),  # 797,8 is Khá
        (13, "KHÁ", "", ""),  # any case
        (13, "Trung bình", "classification_mismatch", "error"),
        (13, "Xuất sắc", "classification_mismatch", "error"),  # not a band at all
        (12, "khá", "classification_mismatch", "error"),  # 803,3 is Tốt
        (22, "Khá", "", ""),  # ranked after all: 759,6 is Khá
        (22, "Tốt", "classification_mismatch", "error"),
    ],
)
def test_classification(tmp_path, stt, label, kind, severity):
    table = real_table("departments")
    table.unit(stt).cls = label
    path = write(tmp_path / "c.xlsx", table)
    result = check_workbook(path, BANDS)
    found = [f for f in result.findings if f.kind.startswith("classification")]
    if not kind:
        assert found == []
        return
    assert [(f.kind, f.severity, f.stt) for f in found] == [(kind, severity, stt)]
    name = table.unit(stt).name
    assert f"I{row_of(path, name)}" in found[0].message and label in found[0].message


@pytest.mark.parametrize(
    ("total", "label", "kind"),
    [
        ("800", "Tốt", "classification_borderline"),  # could be 799,95 (totals show 1 decimal)
        ("800", "Khá", "classification_borderline"),  # could be 800,04
        ("800", "Trung bình", "classification_mismatch"),
        ("800,1", "Tốt", ""),  # [800,05; 800,15]: Tốt whatever the rounding
        ("800,1", "Khá", "classification_mismatch"),
        ("649,9", "Khá", "classification_mismatch"),
        ("650", "Trung bình", "classification_borderline"),  # the README's "shown as 650" case
    ],
)
def test_classification_at_a_band_edge(tmp_path, total, label, kind):
    table = real_table("departments")
    unit = table.unit(12)  # 90 + 70 + 37 + 97 + 509,3 = 803,3
    unit.pillars[4] = format(Decimal(total.replace(",", ".")) - 294, "f").replace(".", ",")
    unit.total, unit.cls = total, label
    result = check_workbook(write(tmp_path / "b.xlsx", table), BANDS)
    found = [(f.kind, f.stt) for f in result.findings if f.kind.startswith("classification")]
    assert found == ([(kind, 12)] if kind else [])
    if kind == "classification_borderline":
        assert next(f for f in result.findings if f.kind == kind).severity == "note"


def test_rank_order(tmp_path):
    table = real_table("departments")
    third, fourth = table.unit(3), table.unit(4)
    third.name, fourth.name = fourth.name, third.name  # 831,7 listed above 833
    third.pillars, fourth.pillars = fourth.pillars, third.pillars
    third.total, fourth.total = fourth.total, third.total
    path = write(tmp_path / "r.xlsx", table)
    result = check_workbook(path, BANDS)
    found = _one(result, "rank_order")
    assert (found.stt, found.unit, found.severity) == (4, "Văn phòng UBND tỉnh", "error")
    assert f"H{row_of(path, 'Văn phòng UBND tỉnh')}" in found.message
    assert "833" in found.message and "831,7" in found.message
    assert len(result.errors) == 1


def test_rank_order_ignores_not_ranked_rows(tmp_path):
    table = real_table("departments")
    police = table.unit(22)  # "-": listed after the ranked units whatever its total
    police.pillars[4], police.total = "647,6", "939,6"
    result = check_workbook(write(tmp_path / "r.xlsx", table), BANDS)
    assert [f.kind for f in result.findings] == ["total_rounding"]  # Sở Tư pháp's, as published
    police.cls = "Tốt"  # now ranked: out of order
    result = check_workbook(write(tmp_path / "r.xlsx", table), BANDS)
    assert ("rank_order", "error", 22) in _kinds(result)


@pytest.mark.parametrize("style", ["merged", "first", "sections", "headings"])
def test_rank_order_within_groups(tmp_path, style):
    table = grouped(real_table("districts"))  # Cụm 2 starts at 811,3 under Cụm 1's 791,9
    result = check_workbook(
        write(tmp_path / "g.xlsx", table, group_header="Cụm", group_style=style), BANDS
    )
    assert result.findings == []
    # within a group it counts: move Cụm 2's last unit to its top
    group2 = [u for u in table.units if u.group == "Cụm 2"]
    last = group2[-1]
    table.units.remove(last)
    table.units.insert(table.units.index(group2[0]), last)
    for i, unit in enumerate(table.units, start=1):
        unit.stt = i
    result = check_workbook(
        write(tmp_path / "g.xlsx", table, group_header="Cụm", group_style=style), BANDS
    )
    found = _one(result, "rank_order")
    assert found.unit == group2[0].name and "cụm 2" in found.message.casefold()


def test_no_group_column_means_whole_table(tmp_path):
    table = grouped(real_table("districts"))
    for unit in table.units:
        unit.group = ""
    result = check_workbook(write(tmp_path / "g.xlsx", table), BANDS)
    assert [f.kind for f in result.findings] == ["rank_order"]
    assert result.findings[0].stt == 8  # the first unit dealt into the second half


@pytest.mark.parametrize(
    "twin", ["Sở Nội vụ", "  sở   NỘI vụ ", "So\u0301 Nội vụ".replace("So\u0301", "Sở")]
)
def test_duplicate_unit(tmp_path, twin):
    table = real_table("departments")
    table.unit(11).name = twin
    path = write(tmp_path / "d.xlsx", table)
    result = check_workbook(path, BANDS)
    found = _one(result, "duplicate_unit")
    assert (found.stt, found.severity) == (11, "error")
    assert f"dòng {row_of(path, 'Sở Nội vụ')}" in found.message


def test_duplicate_unit_nfd(tmp_path):
    import unicodedata

    table = real_table("departments")
    table.unit(11).name = unicodedata.normalize("NFD", "SỞ NỘI VỤ")
    assert (
        _one(check_workbook(write(tmp_path / "d.xlsx", table), BANDS), "duplicate_unit").stt == 11
    )


def test_same_name_in_two_groups_is_no_duplicate(tmp_path):
    table = grouped(real_table("districts"))
    table.units[-1].name = table.units[0].name  # "Xã Tân Lập" exists in many districts
    result = check_workbook(write(tmp_path / "d.xlsx", table, group_header="Huyện"), BANDS)
    assert [f.kind for f in result.findings] == []
    table.units[-1].group = table.units[0].group
    result = check_workbook(
        write(tmp_path / "d.xlsx", table, group_header="Huyện", group_style="every"), BANDS
    )
    assert "duplicate_unit" in [f.kind for f in result.findings]


@pytest.mark.parametrize(
    ("where", "value", "column", "words"),
    [
        ("pillar", None, "Nhân lực số", "trống"),
        ("pillar", "ba mươi", "Nhân lực số", "không phải là số"),
        ("pillar", "-30", "Nhân lực số", "âm"),
        ("total", "", "Tổng điểm năm 2023", "trống"),
        ("total", "837.5đ", "Tổng điểm năm 2023", "không phải là số"),
        ("name", None, "Tên đơn vị", "thiếu tên"),
        ("label", None, "Xếp loại", "thiếu xếp loại"),
    ],
)
def test_bad_value(tmp_path, where, value, column, words):
    table = real_table("departments")
    unit = table.unit(6)
    letter = {"pillar": "E", "total": "H", "name": "B", "label": "I"}[where]
    if where == "pillar":
        unit.pillars[2] = value
    elif where == "total":
        unit.total = value
    elif where == "name":
        unit.name = value
    else:
        unit.cls = value
    path = write(tmp_path / "v.xlsx", table)
    result = check_workbook(path, BANDS)
    found = _one(result, "bad_value")
    assert (found.stt, found.severity) == (6, "error")
    assert (
        f"'Phụ lục 3'!{letter}10" in found.message
        and column in found.message
        and words in found.message
    )
    # the row's other checks need the bad value, so they stay silent; nothing else is reported
    assert [f.kind for f in result.findings if f.stt == 6] == ["bad_value"]


def test_many_problems_at_once_are_all_listed(tmp_path):
    table = real_table("departments")
    table.unit(2).total = "abc"
    table.unit(5).total = "829,9"
    table.unit(9).cls = "Khá"
    table.unit(11).name = "Sở Nội vụ"
    table.unit(15).pillars[0] = None
    result = check_workbook(write(tmp_path / "m.xlsx", table), BANDS)
    assert _kinds(result) == [
        ("bad_value", "error", 2),
        ("total_mismatch", "error", 5),
        ("classification_mismatch", "error", 9),
        ("duplicate_unit", "error", 11),
        ("bad_value", "error", 15),
        ("total_rounding", "note", 21),
    ]


def test_unreadable_file_is_one_bad_file_finding(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("not a workbook")
    result = check_workbook(path, BANDS)
    assert result.rows == 0 and not result.ok
    assert [(f.kind, f.severity, f.stt, f.unit) for f in result.findings] == [
        ("bad_file", "error", None, "")
    ]
    assert "x.xlsx" in result.findings[0].message


def test_english_messages(tmp_path):
    from forms.i18n import set_language

    table = real_table("departments")
    table.unit(5).total = "829,9"
    set_language("en")
    result = check_workbook(write(tmp_path / "t.xlsx", table), BANDS)
    assert "more than rounding can explain" in _one(result, "total_mismatch").message
    assert "829.9" in _one(result, "total_mismatch").message


# --- bands ------------------------------------------------------------------------------------


def test_load_bands_list(tmp_path):
    path = tmp_path / "bands.json"
    path.write_text(
        '[{"minimum": 650, "label": "Khá"}, {"minimum": "800", "label": " Tốt "}, {"minimum": 0, "label": "Trung bình"}]',
        encoding="utf-8",
    )
    assert load_bands(path) == BANDS
    path.write_text('{"bands": [{"minimum": 500, "label": "Đạt"}]}', encoding="utf-8-sig")
    assert load_bands(path) == (Band(Decimal(500), "Đạt"),)


def test_load_bands_from_criteria_set():
    from forms.reference import reference_json_path, reference_set

    with __import__("importlib").resources.as_file(reference_json_path()) as path:
        assert load_bands(path) == tuple(reference_set().bands)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[]", "không có mức nào"),
        ('[{"minimum": "nhiều", "label": "Tốt"}]', "“minimum” phải là một số"),
        ('[{"minimum": true, "label": "Tốt"}]', "“minimum” phải là một số"),
        ('[{"minimum": 800}]', "thiếu “label”"),
        ('[{"minimum": 800, "label": "Tốt"},', "không phải JSON hợp lệ"),
        ('{"title": "không phải bộ tiêu chí"}', "Không đọc được mức xếp loại"),
    ],
)
def test_bad_bands_file(tmp_path, content, words):
    path = tmp_path / "bands.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BandsError) as info:
        load_bands(path)
    assert words in info.value.message and "bands.json" in info.value.message


def test_missing_bands_file(tmp_path):
    with pytest.raises(BandsError, match="Không tìm thấy"):
        load_bands(tmp_path / "none.json")


# --- properties ---------------------------------------------------------------------------------


def _number(value: Decimal, decimals: int, column: str = "p") -> Number:
    # ``decimals`` is what the cell shows: the table's precision is the most any cell shows
    return Number(value=value, decimals=decimals, where="A1", column=column, shown=str(value))


def _table(rows: list[tuple[list[Decimal], Decimal, str]], dp: int, dt: int) -> ResultsTable:
    n = len(rows[0][0])
    return ResultsTable(
        sheet="S",
        header_line=1,
        name_header="Tên đơn vị",
        group_header="",
        pillar_headers=tuple(f"p{i}" for i in range(n)),
        total_header="Tổng điểm",
        label_header="Xếp loại",
        rows=tuple(
            TableRow(
                line=i + 2,
                stt=i + 1,
                group="",
                name=f"Xã {i}",
                name_where="B1",
                pillars=tuple(_number(p, dp) for p in pillars),
                total=_number(total, dt),
                label=label,
                label_where="C1",
            )
            for i, (pillars, total, label) in enumerate(rows)
        ),
    )


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


_points = st.decimals(min_value=0, max_value=300, places=4, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    pillars=st.lists(st.lists(_points, min_size=1, max_size=8), min_size=1, max_size=6).filter(
        lambda rows: len({len(r) for r in rows}) == 1
    ),
    dp=st.integers(0, 2),
    dt=st.integers(0, 2),
)
def test_rounding_alone_is_never_an_error(pillars, dp, dt):
    """Publish honest unrounded scores the way provinces do: no error may come out."""
    honest = sorted(pillars, key=lambda row: sum(row), reverse=True)
    rows = []
    for row in honest:
        true_total = sum(row, Decimal(0))
        rows.append(
            ([_round(p, dp) for p in row], _round(true_total, dt), classify(true_total, BANDS))
        )
    findings = check_table(_table(rows, dp, dt), BANDS)
    assert [f for f in findings if f.severity == "error"] == []


@given(
    total=st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False),
    h=st.sampled_from([Decimal("0.5"), Decimal("0.05"), Decimal("0.005")]),
    probe=st.floats(0, 1),
)
def test_labels_between_covers_the_interval(total, h, probe):
    low, high = total - h, total + h
    point = low + (high - low) * Decimal(str(probe))
    assert classify(point, BANDS) in labels_between(low, high, BANDS)
    assert set(labels_between(low, high, BANDS)) <= {
        classify(low, BANDS),
        classify(high, BANDS),
        *(b.label for b in BANDS if low < b.minimum <= high),
    }


@given(
    excess=st.decimals(
        min_value=Decimal("0.001"), max_value=50, places=3, allow_nan=False, allow_infinity=False
    ),
    n=st.integers(1, 8),
    dp=st.integers(0, 2),
    dt=st.integers(0, 2),
)
def test_beyond_the_tolerance_is_an_error(excess, n, dp, dt):
    limit = tolerance(n, dp, dt)
    pillars = [Decimal(50)] * n
    total = 50 * n + limit + excess
    findings = check_table(
        _table([(pillars, total, classify(total, BANDS))], max(dp, 3), max(dt, 3)), BANDS
    )
    # decimals are forced to >= 3 so the table's own tolerance is at most ``limit``
    assert "total_mismatch" in [f.kind for f in findings]


# --- hostile workbooks ------------------------------------------------------------------------

_cell = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "STT",
            "stt ",
            "Tổng điểm",
            "Tổng điểm năm 2023",
            "Xếp loại",
            "Tên đơn vị",
            "Huyện",
            "-",
            "TỐT",
            "khá",
            "527,03",
            "(1)",
            "I",
            "Ghi chú:",
            "=SUM(A1:A2)",
            "",
        ]
    ),
    st.integers(-5, 1000),
    st.floats(-10, 1000, allow_nan=False),
    st.booleans(),
    st.dates(),
    st.text(max_size=6),
)


@settings(max_examples=60, deadline=None)
@given(
    grid=st.lists(st.lists(_cell, min_size=1, max_size=9), min_size=1, max_size=10),
    merges=st.lists(
        st.tuples(st.integers(1, 10), st.integers(1, 9), st.integers(0, 3), st.integers(0, 3)),
        max_size=4,
    ),
)
def test_any_workbook_gives_findings_never_a_traceback(tmp_path_factory, grid, merges):
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = Workbook()
    ws = wb.active
    try:
        for row in grid:
            ws.append(row)
    except IllegalCharacterError:
        return  # openpyxl refuses to write control characters; nothing to read back
    taken: set[tuple[int, int]] = set()
    for r, c, dr, dc in merges:
        cells = {(r + i, c + j) for i in range(dr + 1) for j in range(dc + 1)}
        if (dr or dc) and not cells & taken:
            taken |= cells
            ws.merge_cells(start_row=r, start_column=c, end_row=r + dr, end_column=c + dc)
    path = tmp_path_factory.mktemp("fuzz") / "t.xlsx"
    wb.save(path)
    result = check_workbook(path, BANDS)
    assert result.rows >= 0
    assert all(
        f.kind in KINDS and f.severity in ("error", "note") and f.message for f in result.findings
    )
    if result.rows == 0 and not result.tables:
        assert [f.kind for f in result.findings] == ["bad_file"]


@pytest.mark.slow
def test_a_large_table_is_read_completely(tmp_path):
    """A large sheet, kept cheap here (benchmarks/bench_results.py times 100,000 rows)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Tên đơn vị", "Thể chế số", "Tổng điểm", "Xếp loại"])
    for i in range(1, 20_001):
        ws.append([i, f"Xã {i}", 100, 100, "Trung bình"])
    ws.append([20_001, "Xã 1", 100, 100, "Trung bình"])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    result = check_workbook(path, BANDS)
    assert result.rows == 20_001
    assert [(f.kind, f.stt) for f in result.findings] == [("duplicate_unit", 20_001)]


@settings(max_examples=300, deadline=None)
@given(
    edge=st.sampled_from([Decimal(650), Decimal(800)]),
    delta=st.decimals(min_value=Decimal("-0.6"), max_value=Decimal("0.6"), places=4),
    shares=st.lists(st.integers(1, 100), min_size=1, max_size=7),
    dp=st.integers(0, 2),
    dt=st.integers(0, 2),
)
def test_honest_labels_at_band_edges_are_never_errors(edge, delta, shares, dp, dt):
    """Totals within rounding of a band minimum: the true label may only be borderline."""
    true_total = edge + delta
    weight = sum(shares)
    pillars = [true_total * s / weight for s in shares[:-1]]
    pillars.append(true_total - sum(pillars, Decimal(0)))
    published_total = _round(true_total, dt)
    row = ([_round(p, dp) for p in pillars], published_total, classify(true_total, BANDS))
    findings = check_table(_table([row], dp, dt), BANDS)
    assert [f for f in findings if f.severity == "error"] == []
    if classify(published_total - half_unit(dt), BANDS) != classify(
        published_total + half_unit(dt), BANDS
    ):
        assert "classification_borderline" in [f.kind for f in findings]


def test_not_ranked_units_may_be_listed_without_scores(tmp_path):
    table = real_table("departments")
    police = table.unit(22)
    police.pillars = ["-"] * len(police.pillars)
    police.total = None
    army = table.unit(28)
    army.cls = "Không xếp loại"
    result = check_workbook(write(tmp_path / "n.xlsx", table), BANDS)
    assert _kinds(result) == [("total_rounding", "note", 21)]
    police.cls = "Khá"  # ranked: its scores are missing
    result = check_workbook(write(tmp_path / "n.xlsx", table), BANDS)
    assert [(k, s) for k, _sev, s in _kinds(result) if k == "bad_value"] == [("bad_value", 22)] * 6


def test_unknown_label_is_reported_even_without_a_total(tmp_path):
    table = real_table("departments")
    table.unit(3).total, table.unit(3).cls = "?", "Xuất sắc"
    result = check_workbook(write(tmp_path / "u.xlsx", table), BANDS)
    assert [(k, s) for k, _sev, s in _kinds(result) if s == 3] == [
        ("bad_value", 3),
        ("classification_mismatch", 3),
    ]


def test_unit_code_column_is_not_a_pillar(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Mã ĐVHC", "Tên xã", "Thể chế số", "Hạ tầng số", "Tổng số điểm", "Xếp loại"])
    ws.append([1, 8152, "Xã Hùng Lô", "60,5", 40, "100,5", "Trung bình"])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    result = check_workbook(path, BANDS)
    assert result.tables[0].pillar_headers == ("Thể chế số", "Hạ tầng số")
    assert (result.rows, result.findings) == (1, [])


def test_the_same_name_with_its_tone_mark_on_another_vowel_is_a_duplicate(tmp_path):
    """Old and new tone placement ("Hòa"/"Hoà", "Thủy"/"Thuỷ") spell the same name."""
    table = real_table("departments")
    table.unit(10).name = "Sở Hòa Bình Thủy"
    table.unit(11).name = "SỞ HOÀ BÌNH THUỶ"
    found = _one(check_workbook(write(tmp_path / "d.xlsx", table), BANDS), "duplicate_unit")
    assert found.stt == 11


def test_name_key_ignores_only_where_the_tone_mark_sits():
    from forms.results_table import name_key as norm

    for a, b in [("Xã Hòa Bình", "xã  hoà bình"), ("khỏe", "khoẻ"), ("Thúy", "Thuý"),
                 ("Hoàng", "HOÀNG")]:  # fmt: skip
        assert norm(a) == norm(b), (a, b)
    for a, b in [
        ("Hòa", "Hoa"),
        ("Hòa", "Hóa"),
        ("Hòa", "Hỏa"),
        ("Thủy", "Thuy"),
        ("Đồng", "Dồng"),
    ]:
        assert norm(a) != norm(b), (a, b)
