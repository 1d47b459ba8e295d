"""A tiny hand-written criteria set using every rule kind, for unit tests of the core."""

from __future__ import annotations

from decimal import Decimal as D

from forms.criteria import (
    Band,
    Choice,
    CriteriaSet,
    Evidence,
    Field,
    FieldKind,
    Indicator,
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
