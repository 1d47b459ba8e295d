"""A tiny hand-written criteria set using every rule kind, for unit tests of the core."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal as D
from typing import Any

from forms.applicability import UNIT_KINDS
from forms.criteria import (
    AppliesTo,
    Band,
    Choice,
    CriteriaSet,
    Evidence,
    Field,
    FieldKind,
    Indicator,
    NotApplicablePolicy,
    Pillar,
    Rounding,
    Rule,
    RuleKind,
    Severity,
    Tier,
    ZeroDenominator,
)


def tiny_set() -> CriteriaSet:
    meetings = Indicator(
        code="1.1",
        name="Số cuộc họp Ban chỉ đạo chuyển đổi số trong năm",
        max_points=D(20),
        rule=Rule(
            RuleKind.COUNT_TIERS,
            field="count",
            tiers=(Tier(D(4), D(20)), Tier(D(3), D(15)), Tier(D(2), D(10)), Tier(D(1), D(5))),
        ),
        fields=(Field("count", FieldKind.COUNT, "Số cuộc họp", unit="cuộc họp"),),
        evidence=Evidence(True, Severity.ERROR, "Biên bản các cuộc họp"),
    )
    chaired = Indicator(
        code="1.2",
        name="Tỷ lệ cuộc họp do Chủ tịch chủ trì",
        max_points=D(10),
        rule=Rule(
            RuleKind.RATIO, numerator="a", denominator="b", zero_denominator=ZeroDenominator.ZERO
        ),
        fields=(
            Field("a", FieldKind.COUNT, "Số cuộc họp do Chủ tịch chủ trì"),
            Field("b", FieldKind.COUNT, "Tổng số cuộc họp"),
        ),
    )
    head = Indicator(
        code="2.1",
        name="Trưởng ban chỉ đạo",
        max_points=D(10),
        rule=Rule(
            RuleKind.CHOICE,
            field="choice",
            choices=(
                Choice("chair", "Chủ tịch UBND", D(10)),
                Choice("vice", "Phó Chủ tịch UBND", D(5)),
                Choice("none", "Không có", D(0)),
            ),
        ),
        fields=(Field("choice", FieldKind.CHOICE, "Trưởng ban"),),
    )
    web = Indicator(
        code="2.2.1",
        name="Trang thông tin có chuyên mục chuyển đổi số",
        max_points=D(5),
        rule=Rule(RuleKind.YES_NO, field="yes"),
        fields=(Field("yes", FieldKind.BOOL, "Có chuyên mục"),),
    )
    computers = Indicator(
        code="2.2.2",
        name="Tỷ lệ cán bộ có máy tính",
        max_points=D(10),
        rule=Rule(
            RuleKind.PERCENT_TIERS, field="pct", tiers=(Tier(D(90), D(10)), Tier(D(70), D(5)))
        ),
        fields=(Field("pct", FieldKind.PERCENT, "Tỷ lệ", unit="%"),),
    )
    group = Indicator(
        code="2.2",
        name="Hạ tầng",
        max_points=D(12),
        rule=Rule(RuleKind.SUM),
        children=(web, computers),
    )
    direct = Indicator(
        code="3.1",
        name="Điểm do tỉnh chấm",
        max_points=D(8),
        rule=Rule(RuleKind.DIRECT, field="points"),
        fields=(Field("points", FieldKind.NUMBER, "Điểm"),),
    )
    return CriteriaSet(
        set_id="tiny",
        level="commune",
        year=2025,
        version="1",
        title="Bộ thử nghiệm",
        total_points=D(60),
        pillars=(
            Pillar("1", "Nhận thức số", D(30), (meetings, chaired)),
            Pillar("2", "Hạ tầng số", D(22), (head, group)),
            Pillar("3", "Chấm trực tiếp", D(8), (direct,)),
        ),
        bands=(Band(D(48), "Tốt"), Band(D(39), "Khá"), Band(D(0), "Trung bình")),
        rounding=Rounding(2, "half_up"),
    )


def kinds_set() -> CriteriaSet:
    """The tiny set with the kinds of real provincial sets added (issue 16): an unscored
    information block (pillar 4, 0 points) whose number of officials a ratio of pillar 5
    divides by, and pass/fail targets (one worth points, one only counted)."""
    tiny = tiny_set()
    officials = Indicator(
        code="4.1",
        name="Thông tin chung về cán bộ",
        max_points=D(0),
        rule=Rule(RuleKind.INFO),
        fields=(
            Field("so_can_bo", FieldKind.COUNT, "Số cán bộ, công chức", unit="người"),
            Field("ghi_chu", FieldKind.TEXT, "Ghi chú", required=False),
        ),
    )
    cashless = Indicator(
        code="5.1",
        name="Tỷ lệ giao dịch không dùng tiền mặt",
        max_points=D(5),
        rule=Rule(RuleKind.TARGET, field="pct", at_least=D(60)),
        fields=(Field("pct", FieldKind.PERCENT, "Tỷ lệ", unit="%"),),
    )
    trained = Indicator(
        code="5.2",
        name="Số lớp tập huấn kỹ năng số",
        max_points=D(0),
        rule=Rule(RuleKind.TARGET, field="lop", at_least=D(2), at_most=D(10)),
        fields=(Field("lop", FieldKind.COUNT, "Số lớp", unit="lớp"),),
    )
    signing = Indicator(
        code="5.3",
        name="Tỷ lệ cán bộ có chữ ký số",
        max_points=D(5),
        rule=Rule(RuleKind.RATIO, numerator="co_cks", denominator="4.1/so_can_bo"),
        fields=(Field("co_cks", FieldKind.COUNT, "Số cán bộ có chữ ký số"),),
    )
    return CriteriaSet(
        set_id="tiny-kinds",
        level="commune",
        year=2025,
        version="1",
        title="Bộ thử nghiệm có chỉ tiêu đạt/không đạt",
        total_points=D(70),
        pillars=(
            *tiny.pillars,
            Pillar("4", "Thông tin chung", D(0), (officials,)),
            Pillar("5", "Chỉ tiêu", D(10), (cashless, trained, signing)),
        ),
        bands=tiny.bands,
        rounding=tiny.rounding,
    )


def with_applicability(
    cs: CriteriaSet,
    *,
    policy: NotApplicablePolicy = NotApplicablePolicy.RESCALE,
    applies: Mapping[str, AppliesTo | Iterable[str]] | None = None,
    markable: Iterable[str] = (),
) -> CriteriaSet:
    """``cs`` with applicability (issue 16), for tests of any set: ``applies`` maps a pillar
    or indicator code to what it applies to, an ``AppliesTo`` or a list mixing unit kinds
    ("xã", "phường", "đặc khu") and unit codes; ``markable`` lists the codes the commune may
    mark "không áp dụng"; ``policy`` is the set's ``not_applicable``.

    ``with_applicability(tiny_set(), applies={"2.2.2": ["phường"]}, markable=["1.2"])``"""
    rules = {code: _applies(v) for code, v in (applies or {}).items()}
    marks = frozenset(markable)

    def part(p: Any) -> Any:
        return replace(
            p, applies_to=rules.get(p.code, p.applies_to), may_be_not_applicable=p.code in marks
        )

    def indicator(ind: Indicator) -> Indicator:
        return part(replace(ind, children=tuple(indicator(c) for c in ind.children)))

    pillars = tuple(
        part(replace(p, indicators=tuple(indicator(i) for i in p.indicators))) for p in cs.pillars
    )
    return replace(cs, pillars=pillars, not_applicable=policy)


def _applies(value: AppliesTo | Iterable[str]) -> AppliesTo:
    if isinstance(value, AppliesTo):
        return value
    items = list(value)
    return AppliesTo(
        kinds=tuple(i for i in items if i in UNIT_KINDS),
        units=tuple(i for i in items if i not in UNIT_KINDS),
    )


def applicability_set(
    policy: NotApplicablePolicy = NotApplicablePolicy.RESCALE,
) -> CriteriaSet:
    """The tiny set with applicability: 2.2.2 (10 points) only for phường, pillar 3 (8 points)
    only for unit 00004, and 1.2 (10 points) may be marked "không áp dụng"."""
    return with_applicability(
        tiny_set(),
        policy=policy,
        applies={"2.2.2": ["phường"], "3": ["00004"]},
        markable=["1.2"],
    )
