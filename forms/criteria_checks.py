"""Consistency checks on a criteria set, shared by the JSON and Excel readers.

The checks work on the built ``CriteriaSet`` and say *where* through a ``Locator``: the JSON
reader locates by JSON path (``pillars[2].indicators[0].rule.tiers[1]``), the Excel reader by
cell (``Chỉ tiêu!D14``). Objects are located by identity, because two indicators with the same
(duplicated) code must still point at two different rows.

A reader that met a bad value (text where points belong) substitutes a placeholder and marks
the object *tainted*: sums involving it are not checked, so one typo yields one problem
instead of a cascade of "pillar does not add up" follow-ons.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from decimal import Decimal
from typing import Protocol

from forms.criteria import (
    Band,
    Choice,
    CriteriaSet,
    Field,
    FieldKind,
    Indicator,
    Pillar,
    RuleKind,
    Tier,
)
from forms.i18n import _
from forms.problems import Problem

PILLAR_CODE = re.compile(r"^[0-9]{1,2}$")
INDICATOR_CODE = re.compile(r"^[0-9]{1,2}(\.[0-9]{1,3}){1,4}$")
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SET_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
CHOICE_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
ROUNDING_MODES = ("half_up", "half_even")
MAX_DECIMALS = 4

# the field kinds each rule may read
RULE_FIELD_KINDS: dict[RuleKind, tuple[FieldKind, ...]] = {
    RuleKind.YES_NO: (FieldKind.BOOL,),
    RuleKind.CHOICE: (FieldKind.CHOICE,),
    RuleKind.COUNT_TIERS: (FieldKind.COUNT,),
    RuleKind.PERCENT_TIERS: (FieldKind.PERCENT,),
    RuleKind.RATIO: (FieldKind.COUNT, FieldKind.NUMBER),
    RuleKind.DIRECT: (FieldKind.NUMBER,),
    RuleKind.SUM: (),
}
_ZERO = Decimal(0)


class Locator(Protocol):
    def where(self, obj: object, attr: str = "") -> str:
        """Where ``obj`` (and its attribute ``attr``, named as in the JSON form) was written."""
        ...


class PathLocator:
    """Locates objects by JSON path; built from the set itself or filled in by a reader."""

    def __init__(self) -> None:
        self.paths: dict[int, str] = {}

    def add(self, obj: object, path: str) -> None:
        self.paths[id(obj)] = path

    def where(self, obj: object, attr: str = "") -> str:
        base = self.paths.get(id(obj), "")
        if not attr:
            return base
        return f"{base}.{attr}" if base else attr

    @classmethod
    def for_set(cls, cs: CriteriaSet) -> PathLocator:
        loc = cls()
        for pi, pillar in enumerate(cs.pillars):
            base = f"pillars[{pi}]"
            loc.add(pillar, base)
            for ii, ind in enumerate(pillar.indicators):
                loc._add_indicator(ind, f"{base}.indicators[{ii}]")
        for bi, band in enumerate(cs.bands):
            loc.add(band, f"bands[{bi}]")
        return loc

    def _add_indicator(self, ind: Indicator, path: str) -> None:
        self.add(ind, path)
        for fi, fld in enumerate(ind.fields):
            self.add(fld, f"{path}.fields[{fi}]")
        for ti, tier in enumerate(ind.rule.tiers):
            self.add(tier, f"{path}.rule.tiers[{ti}]")
        for ci, choice in enumerate(ind.rule.choices):
            self.add(choice, f"{path}.rule.choices[{ci}]")
        for ci, child in enumerate(ind.children):
            self._add_indicator(child, f"{path}.children[{ci}]")


def _num(value: Decimal) -> str:
    """A number as Vietnamese users write it: decimal comma, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


class _Checker:
    def __init__(self, cs: CriteriaSet, loc: Locator, tainted: Collection[int]) -> None:
        self.cs = cs
        self.loc = loc
        self.tainted = tainted
        self.problems: list[Problem] = []

    def add(self, code: str, message: str, obj: object, attr: str = "") -> None:
        self.problems.append(Problem(code, message, self.loc.where(obj, attr)))

    def ok(self, *objs: object) -> bool:
        """True if none of ``objs`` carries a placeholder value."""
        return not any(id(o) in self.tainted for o in objs)

    # --- the set -------------------------------------------------------------------------

    def run(self) -> list[Problem]:
        cs = self.cs
        if not cs.title.strip():
            self.add("empty_name", _("Bộ tiêu chí chưa có tên."), cs, "title")
        if not SET_ID.match(cs.set_id):
            self.add(
                "bad_set_id",
                _(
                    "Mã bộ tiêu chí “{value}” không hợp lệ: dùng chữ thường không dấu, chữ số, dấu gạch ngang.",
                    value=cs.set_id,
                ),
                cs,
                "set_id",
            )
        if not cs.level.strip():
            self.add("empty_name", _("Chưa ghi cấp đơn vị (ví dụ: xã)."), cs, "level")
        if not cs.version.strip():
            self.add("empty_name", _("Chưa ghi phiên bản của bộ tiêu chí."), cs, "version")
        if not 2000 <= cs.year <= 2100 and self.ok(cs):
            self.add(
                "bad_year",
                _("Năm {year} không hợp lệ (cần từ 2000 đến 2100).", year=cs.year),
                cs,
                "year",
            )
        if cs.total_points <= 0 and self.ok(cs):
            self.add(
                "bad_points", _("Tổng điểm của bộ tiêu chí phải lớn hơn 0."), cs, "total_points"
            )
        if cs.rounding.mode not in ROUNDING_MODES:
            self.add(
                "bad_rounding",
                _(
                    "Cách làm tròn “{mode}” không hợp lệ (dùng half_up hoặc half_even).",
                    mode=cs.rounding.mode,
                ),
                cs,
                "rounding.mode",
            )
        if not 0 <= cs.rounding.decimals <= MAX_DECIMALS:
            self.add(
                "bad_rounding",
                _("Số chữ số thập phân khi làm tròn phải từ 0 đến {n}.", n=MAX_DECIMALS),
                cs,
                "rounding.decimals",
            )
        if not cs.pillars:
            self.add("no_pillars", _("Bộ tiêu chí chưa có trụ cột nào."), cs, "pillars")
        self.check_codes()
        for pillar in cs.pillars:
            self.check_pillar(pillar)
        pillar_sum = sum((p.max_points for p in cs.pillars), _ZERO)
        if cs.pillars and pillar_sum != cs.total_points and self.ok(cs, *cs.pillars):
            self.add(
                "pillars_total",
                _(
                    "Điểm tối đa các trụ cột cộng lại là {sum}, khác tổng điểm {total} của bộ tiêu chí.",
                    sum=_num(pillar_sum),
                    total=_num(cs.total_points),
                ),
                cs,
                "total_points",
            )
        self.check_bands()
        return self.problems

    def check_codes(self) -> None:
        seen_pillars: set[str] = set()
        for pillar in self.cs.pillars:
            if pillar.code in seen_pillars:
                self.add(
                    "duplicate_code",
                    _("Mã trụ cột {code} bị trùng.", code=pillar.code),
                    pillar,
                    "code",
                )
            seen_pillars.add(pillar.code)
        seen: set[str] = set()
        for ind in self.cs.indicators():
            if ind.code in seen:
                self.add(
                    "duplicate_code", _("Mã chỉ tiêu {code} bị trùng.", code=ind.code), ind, "code"
                )
            seen.add(ind.code)

    # --- pillars and indicators ----------------------------------------------------------

    def check_pillar(self, pillar: Pillar) -> None:
        if not PILLAR_CODE.match(pillar.code):
            self.add(
                "bad_code",
                _("Mã trụ cột “{code}” không hợp lệ (cần là số, ví dụ 1).", code=pillar.code),
                pillar,
                "code",
            )
        if not pillar.name.strip():
            self.add(
                "empty_name", _("Trụ cột {code} chưa có tên.", code=pillar.code), pillar, "name"
            )
        if pillar.max_points <= 0 and self.ok(pillar):
            self.add(
                "bad_points",
                _("Điểm tối đa của trụ cột {code} phải lớn hơn 0.", code=pillar.code),
                pillar,
                "max_points",
            )
        if not pillar.indicators:
            self.add(
                "no_indicators",
                _("Trụ cột {code} chưa có chỉ tiêu nào.", code=pillar.code),
                pillar,
                "indicators",
            )
        inner = sum((i.max_points for i in pillar.indicators), _ZERO)
        if pillar.indicators and inner < pillar.max_points and self.ok(pillar, *pillar.indicators):
            self.add(
                "pillar_unreachable",
                _(
                    "Các chỉ tiêu của trụ cột {code} cộng lại chỉ được {sum} điểm, chưa tới điểm tối đa {max} của trụ cột.",
                    code=pillar.code,
                    sum=_num(inner),
                    max=_num(pillar.max_points),
                ),
                pillar,
                "max_points",
            )
        for ind in pillar.indicators:
            if not ind.code.startswith(pillar.code + ".") or ind.code.count(".") != 1:
                self.add(
                    "code_outside_parent",
                    _(
                        "Mã chỉ tiêu {code} không thuộc trụ cột {pillar} (cần dạng {pillar}.n).",
                        code=ind.code,
                        pillar=pillar.code,
                    ),
                    ind,
                    "code",
                )
            self.check_indicator(ind)

    def check_indicator(self, ind: Indicator) -> None:
        code = ind.code
        if not INDICATOR_CODE.match(code):
            self.add(
                "bad_code",
                _("Mã chỉ tiêu “{code}” không hợp lệ (cần dạng 5.3 hoặc 5.3.2).", code=code),
                ind,
                "code",
            )
        if not ind.name.strip():
            self.add("empty_name", _("Chỉ tiêu {code} chưa có tên.", code=code), ind, "name")
        if ind.max_points <= 0 and self.ok(ind):
            self.add(
                "bad_points",
                _("Điểm tối đa của chỉ tiêu {code} phải lớn hơn 0.", code=code),
                ind,
                "max_points",
            )
        self.check_fields(ind)
        if ind.children:
            self.check_children(ind)
        elif self.ok(ind.rule):  # a rule of unknown kind was reported by the reader
            self.check_rule(ind)

    def check_children(self, ind: Indicator) -> None:
        code = ind.code
        if ind.rule.kind is not RuleKind.SUM and self.ok(ind.rule):
            self.add(
                "children_need_sum",
                _("Chỉ tiêu {code} có chỉ tiêu con nên cách chấm phải là “tổng”.", code=code),
                ind,
                "rule.kind",
            )
        inner = sum((c.max_points for c in ind.children), _ZERO)
        if inner < ind.max_points and self.ok(ind, *ind.children):
            self.add(
                "children_unreachable",
                _(
                    "Các chỉ tiêu con của {code} cộng lại chỉ được {sum} điểm, chưa tới điểm tối đa {max}.",
                    code=code,
                    sum=_num(inner),
                    max=_num(ind.max_points),
                ),
                ind,
                "max_points",
            )
        for child in ind.children:
            parent, _dot, last = child.code.rpartition(".")
            if parent != code or not last:
                self.add(
                    "code_outside_parent",
                    _(
                        "Mã chỉ tiêu con {child} không thuộc chỉ tiêu {code} (cần dạng {code}.n).",
                        child=child.code,
                        code=code,
                    ),
                    child,
                    "code",
                )
            self.check_indicator(child)

    def check_fields(self, ind: Indicator) -> None:
        keys: set[str] = set()
        for fld in ind.fields:
            if fld.key in keys:
                self.add(
                    "duplicate_field",
                    _("Chỉ tiêu {code}: trường nhập “{key}” bị trùng.", code=ind.code, key=fld.key),
                    fld,
                    "key",
                )
            keys.add(fld.key)
            if not FIELD_KEY.match(fld.key):
                self.add(
                    "bad_field_key",
                    _(
                        "Chỉ tiêu {code}: khóa trường “{key}” không hợp lệ (chữ thường không dấu, chữ số, dấu gạch dưới).",
                        code=ind.code,
                        key=fld.key,
                    ),
                    fld,
                    "key",
                )
            if not fld.label.strip():
                self.add(
                    "empty_name",
                    _("Chỉ tiêu {code}: trường “{key}” chưa có nhãn.", code=ind.code, key=fld.key),
                    fld,
                    "label",
                )
            if fld.in_year and fld.kind not in (FieldKind.DATE, FieldKind.DOCREF):
                self.add(
                    "in_year_not_date",
                    _(
                        "Chỉ tiêu {code}: chỉ trường ngày hoặc văn bản mới kiểm tra “trong năm”, trường “{key}” thì không.",
                        code=ind.code,
                        key=fld.key,
                    ),
                    fld,
                    "in_year",
                )
        if ind.children and ind.fields:
            self.add(
                "fields_on_parent",
                _(
                    "Chỉ tiêu {code} có chỉ tiêu con nên không nhập trực tiếp; chuyển các trường nhập xuống chỉ tiêu con.",
                    code=ind.code,
                ),
                ind.fields[0],
                "key",
            )

    def _rule_field(self, ind: Indicator, key: str, attr: str) -> Field | None:
        rule = ind.rule
        if not key:
            self.add(
                "rule_field_missing",
                _(
                    "Chỉ tiêu {code}: cách chấm “{kind}” chưa ghi trường nhập nào để chấm.",
                    code=ind.code,
                    kind=rule.kind.value,
                ),
                ind,
                attr,
            )
            return None
        fld = ind.field(key)
        if fld is None:
            self.add(
                "rule_field_unknown",
                _(
                    "Chỉ tiêu {code}: cách chấm dùng trường “{key}” nhưng chỉ tiêu không có trường đó.",
                    code=ind.code,
                    key=key,
                ),
                ind,
                attr,
            )
            return None
        allowed = RULE_FIELD_KINDS[rule.kind]
        if fld.kind not in allowed:
            self.add(
                "rule_field_kind",
                _(
                    "Chỉ tiêu {code}: cách chấm “{kind}” cần trường loại {allowed}, nhưng “{key}” là loại {actual}.",
                    code=ind.code,
                    kind=rule.kind.value,
                    allowed=" / ".join(k.value for k in allowed),
                    key=key,
                    actual=fld.kind.value,
                ),
                ind,
                attr,
            )
        return fld

    def check_rule(self, ind: Indicator) -> None:
        rule = ind.rule
        code = ind.code
        kind = rule.kind
        if kind is RuleKind.SUM:
            self.add(
                "sum_without_children",
                _("Chỉ tiêu {code} chấm theo “tổng” nhưng không có chỉ tiêu con.", code=code),
                ind,
                "rule.kind",
            )
            return
        if kind is RuleKind.RATIO:
            self._rule_field(ind, rule.numerator, "rule.numerator")
            self._rule_field(ind, rule.denominator, "rule.denominator")
            if rule.numerator and rule.numerator == rule.denominator:
                self.add(
                    "ratio_same_field",
                    _("Chỉ tiêu {code}: tử số và mẫu số là cùng một trường.", code=code),
                    ind,
                    "rule.denominator",
                )
        else:
            self._rule_field(ind, rule.field, "rule.field")
        if kind in (RuleKind.COUNT_TIERS, RuleKind.PERCENT_TIERS):
            self.check_tiers(ind)
        elif rule.tiers:
            self.add(
                "rule_extra",
                _(
                    "Chỉ tiêu {code}: cách chấm “{kind}” không dùng bậc điểm, nhưng có bậc điểm được khai.",
                    code=code,
                    kind=kind.value,
                ),
                rule.tiers[0],
                "minimum",
            )
        if kind is RuleKind.CHOICE:
            self.check_choices(ind)
        elif rule.choices:
            self.add(
                "rule_extra",
                _(
                    "Chỉ tiêu {code}: cách chấm “{kind}” không dùng lựa chọn, nhưng có lựa chọn được khai.",
                    code=code,
                    kind=kind.value,
                ),
                rule.choices[0],
                "key",
            )

    def check_tiers(self, ind: Indicator) -> None:
        tiers = ind.rule.tiers
        code = ind.code
        if not tiers:
            self.add(
                "no_tiers",
                _("Chỉ tiêu {code}: chấm theo bậc nhưng chưa có bậc điểm nào.", code=code),
                ind,
                "rule.tiers",
            )
            return
        percent = ind.rule.kind is RuleKind.PERCENT_TIERS
        previous: Tier | None = None
        for tier in tiers:
            if not self.ok(tier):
                previous = None
                continue
            if tier.minimum < 0 or (percent and tier.minimum > 100):
                self.add(
                    "tier_range",
                    _(
                        "Chỉ tiêu {code}: ngưỡng {value} nằm ngoài khoảng cho phép.",
                        code=code,
                        value=_num(tier.minimum),
                    )
                    if not percent
                    else _(
                        "Chỉ tiêu {code}: ngưỡng {value}% phải nằm trong khoảng 0–100.",
                        code=code,
                        value=_num(tier.minimum),
                    ),
                    tier,
                    "minimum",
                )
            if not percent and tier.minimum != tier.minimum.to_integral_value():
                self.add(
                    "tier_not_integer",
                    _(
                        "Chỉ tiêu {code}: ngưỡng đếm {value} phải là số nguyên.",
                        code=code,
                        value=_num(tier.minimum),
                    ),
                    tier,
                    "minimum",
                )
            if (tier.points < 0 or tier.points > ind.max_points) and self.ok(ind):
                self.add(
                    "tier_points",
                    _(
                        "Chỉ tiêu {code}: bậc từ {value} cho {points} điểm, ngoài khoảng 0–{max}.",
                        code=code,
                        value=_num(tier.minimum),
                        points=_num(tier.points),
                        max=_num(ind.max_points),
                    ),
                    tier,
                    "points",
                )
            if previous is not None:
                if tier.minimum >= previous.minimum:
                    self.add(
                        "tiers_order",
                        _(
                            "Chỉ tiêu {code}: các bậc phải xếp từ ngưỡng cao xuống thấp, không trùng nhau ({value} đứng sau {before}).",
                            code=code,
                            value=_num(tier.minimum),
                            before=_num(previous.minimum),
                        ),
                        tier,
                        "minimum",
                    )
                elif tier.points > previous.points:
                    self.add(
                        "tiers_points_order",
                        _(
                            "Chỉ tiêu {code}: bậc thấp hơn ({value}) lại được nhiều điểm hơn bậc trên ({before}).",
                            code=code,
                            value=_num(tier.minimum),
                            before=_num(previous.minimum),
                        ),
                        tier,
                        "points",
                    )
            previous = tier
        best = max(t.points for t in tiers)
        if best != ind.max_points and self.ok(ind, *tiers):
            self.add(
                "max_unreachable",
                _(
                    "Chỉ tiêu {code}: bậc cao nhất cho {points} điểm, khác điểm tối đa {max}.",
                    code=code,
                    points=_num(best),
                    max=_num(ind.max_points),
                ),
                tiers[0],
                "points",
            )

    def check_choices(self, ind: Indicator) -> None:
        choices: tuple[Choice, ...] = ind.rule.choices
        code = ind.code
        if len(choices) < 2:
            self.add(
                "no_choices",
                _("Chỉ tiêu {code}: chấm theo lựa chọn nhưng có ít hơn 2 lựa chọn.", code=code),
                ind,
                "rule.choices",
            )
        keys: set[str] = set()
        for choice in choices:
            if choice.key in keys:
                self.add(
                    "duplicate_choice",
                    _("Chỉ tiêu {code}: lựa chọn “{key}” bị trùng.", code=code, key=choice.key),
                    choice,
                    "key",
                )
            keys.add(choice.key)
            if not CHOICE_KEY.match(choice.key):
                self.add(
                    "bad_choice_key",
                    _(
                        "Chỉ tiêu {code}: khóa lựa chọn “{key}” không hợp lệ (không dấu, không khoảng trắng).",
                        code=code,
                        key=choice.key,
                    ),
                    choice,
                    "key",
                )
            if not choice.label.strip():
                self.add(
                    "empty_name",
                    _("Chỉ tiêu {code}: lựa chọn “{key}” chưa có nhãn.", code=code, key=choice.key),
                    choice,
                    "label",
                )
            if (choice.points < 0 or choice.points > ind.max_points) and self.ok(choice, ind):
                self.add(
                    "choice_points",
                    _(
                        "Chỉ tiêu {code}: lựa chọn “{key}” cho {points} điểm, ngoài khoảng 0–{max}.",
                        code=code,
                        key=choice.key,
                        points=_num(choice.points),
                        max=_num(ind.max_points),
                    ),
                    choice,
                    "points",
                )
        if choices and self.ok(ind, *choices):
            best = max(c.points for c in choices)
            if best != ind.max_points:
                self.add(
                    "max_unreachable",
                    _(
                        "Chỉ tiêu {code}: lựa chọn tốt nhất cho {points} điểm, khác điểm tối đa {max}.",
                        code=code,
                        points=_num(best),
                        max=_num(ind.max_points),
                    ),
                    ind,
                    "max_points",
                )

    # --- bands ---------------------------------------------------------------------------

    def check_bands(self) -> None:
        bands: tuple[Band, ...] = self.cs.bands
        if not bands:
            self.add("no_bands", _("Bộ tiêu chí chưa có mức xếp loại nào."), self.cs, "bands")
            return
        labels: set[str] = set()
        previous: Band | None = None
        for band in bands:
            if not band.label.strip():
                self.add(
                    "empty_name",
                    _("Mức xếp loại từ {value} điểm chưa có tên.", value=_num(band.minimum)),
                    band,
                    "label",
                )
            elif band.label.casefold() in labels:
                self.add(
                    "duplicate_band",
                    _("Tên xếp loại “{label}” bị trùng.", label=band.label),
                    band,
                    "label",
                )
            labels.add(band.label.casefold())
            if not self.ok(band):
                previous = None
                continue
            if band.minimum < 0 or (band.minimum > self.cs.total_points and self.ok(self.cs)):
                self.add(
                    "band_range",
                    _(
                        "Xếp loại “{label}”: ngưỡng {value} nằm ngoài khoảng 0–{total}.",
                        label=band.label,
                        value=_num(band.minimum),
                        total=_num(self.cs.total_points),
                    ),
                    band,
                    "minimum",
                )
            if previous is not None and band.minimum >= previous.minimum:
                self.add(
                    "bands_order",
                    _(
                        "Các mức xếp loại phải xếp từ ngưỡng cao xuống thấp, không trùng nhau (“{label}” từ {value} đứng sau “{before}” từ {limit}).",
                        label=band.label,
                        value=_num(band.minimum),
                        before=previous.label,
                        limit=_num(previous.minimum),
                    ),
                    band,
                    "minimum",
                )
            previous = band
        last = bands[-1]
        if self.ok(last) and last.minimum != 0:
            self.add(
                "bands_floor",
                _(
                    "Mức xếp loại cuối cùng (“{label}”) phải có ngưỡng 0 để mọi tổng điểm đều được xếp loại.",
                    label=last.label,
                ),
                last,
                "minimum",
            )


def check_set(
    cs: CriteriaSet, locator: Locator | None = None, tainted: Collection[int] = ()
) -> list[Problem]:
    """Every consistency problem of ``cs`` (empty when it is usable)."""
    loc = locator if locator is not None else PathLocator.for_set(cs)
    return _Checker(cs, loc, frozenset(tainted)).run()


def iter_objects(cs: CriteriaSet) -> Iterator[object]:
    """Every located object of a set (for readers that need to register them)."""
    yield cs
    yield from cs.bands
    for pillar in cs.pillars:
        yield pillar
        for ind in pillar.walk():
            yield ind
            yield from ind.fields
            yield from ind.rule.tiers
            yield from ind.rule.choices
