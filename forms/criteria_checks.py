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

from forms.applicability_checks import applicability_problems
from forms.criteria import (
    SUPPLIED_BY_PROVINCE,
    Band,
    ClassifyOn,
    CriteriaSet,
    Field,
    FieldKind,
    Indicator,
    Pillar,
)
from forms.i18n import _
from forms.locator import Locator
from forms.problems import Problem
from forms.rules import rule_kind
from forms.rules.text import set_number as _num

PILLAR_CODE = re.compile(r"^[0-9]{1,2}$")
INDICATOR_CODE = re.compile(r"^[0-9]{1,2}(\.[0-9]{1,3}){1,4}$")
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SET_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
ROUNDING_MODES = ("half_up", "half_even")
MAX_DECIMALS = 4

_ZERO = Decimal(0)


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
        for li, link in enumerate(cs.carry_forward):
            loc.add(link, f"carry_forward[{li}]")
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
        if cs.total_points <= 0 and self.ok(cs) and not _zero_ok(cs):
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
        self.problems += applicability_problems(cs, self.loc)
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
        if pillar.max_points <= 0 and self.ok(pillar) and not _zero_ok(pillar):
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
        if ind.max_points <= 0 and self.ok(ind) and not _zero_ok(ind):
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
            rule_kind(ind.rule.kind).check_set(ind, self)

    def check_children(self, ind: Indicator) -> None:
        code = ind.code
        if not rule_kind(ind.rule.kind).sums_children and self.ok(ind.rule):
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

    def _check_plausible_max(self, ind: Indicator, fld: Field) -> None:
        """A plausible maximum only on a count, a percentage or a number, and above 0."""
        limit = fld.plausible_max
        if limit is None:
            return
        if fld.kind not in (FieldKind.COUNT, FieldKind.PERCENT, FieldKind.NUMBER):
            self.add(
                "plausible_max_not_number",
                _(
                    "Chỉ tiêu {code}: chỉ trường số mới có “giá trị hợp lý tối đa”, trường “{key}” thì không.",
                    code=ind.code,
                    key=fld.key,
                ),
                fld,
                "plausible_max",
            )
        elif limit <= 0:
            self.add(
                "plausible_max_range",
                _(
                    "Chỉ tiêu {code}: “giá trị hợp lý tối đa” của trường “{key}” phải lớn hơn 0.",
                    code=ind.code,
                    key=fld.key,
                ),
                fld,
                "plausible_max",
            )

    def _check_supplied(self, ind: Indicator, fld: Field) -> None:
        """A province-supplied value: ``supplied_by`` is "province", with its source, on a
        number or yes/no field (what a provincial system measures)."""
        if not fld.supplied_by and not fld.supplied_source:
            return
        if fld.supplied_by != SUPPLIED_BY_PROVINCE:
            message = _("Chỉ tiêu {code}: trường “{key}” có nguồn tỉnh cung cấp nhưng “supplied_by” không phải “province”.", code=ind.code, key=fld.key)  # fmt: skip
            self.add("supplied_by_invalid", message, fld, "supplied_by")
        elif not fld.supplied_source:
            message = _("Chỉ tiêu {code}: trường “{key}” do tỉnh cung cấp cần ghi nguồn dữ liệu.", code=ind.code, key=fld.key)  # fmt: skip
            self.add("supplied_source_missing", message, fld, "supplied_source")
        elif fld.kind not in (FieldKind.COUNT, FieldKind.PERCENT, FieldKind.NUMBER, FieldKind.BOOL):
            message = _("Chỉ tiêu {code}: chỉ trường số hoặc có/không mới do tỉnh cung cấp, trường “{key}” thì không.", code=ind.code, key=fld.key)  # fmt: skip
            self.add("supplied_kind", message, fld, "supplied_by")

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
            self._check_plausible_max(ind, fld)
            self._check_supplied(ind, fld)
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

    def rule_field(self, ind: Indicator, key: str, attr: str) -> Field | None:
        """The field ``key`` a rule reads (at ``attr``): present and of a kind the rule takes."""
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
        fld = self._field(ind, key)
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
        allowed = rule_kind(rule.kind).field_kinds
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

    def _field(self, ind: Indicator, key: str) -> Field | None:
        """The field ``key`` of ``ind``, or ``code/key``: a field of another indicator (the
        number of officials an unscored block collects, as a ratio's denominator)."""
        code, slash, own = key.rpartition("/")
        if not slash:
            return ind.field(key)
        other = self.cs.find(code)
        if other is None or other is ind or other.children:
            return None
        return other.field(own)

    # --- bands ---------------------------------------------------------------------------

    def _band_top(self) -> Decimal:
        """The highest threshold a band may have: the total, or the number of targets."""
        if self.cs.classify_on is ClassifyOn.TARGETS:
            return Decimal(len(self.cs.targets()))
        return self.cs.total_points

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
            if band.minimum < 0 or (band.minimum > self._band_top() and self.ok(self.cs)):
                self.add(
                    "band_range",
                    _(
                        "Xếp loại “{label}”: ngưỡng {value} nằm ngoài khoảng 0–{total}.",
                        label=band.label,
                        value=_num(band.minimum),
                        total=_num(self._band_top()),
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


def _zero_ok(obj: CriteriaSet | Pillar | Indicator) -> bool:
    """A maximum of 0 is allowed when everything under it may score 0 by its kind (targets
    that are only counted, unscored information), or the set classifies on targets."""
    if isinstance(obj, CriteriaSet) and obj.classify_on is ClassifyOn.TARGETS:
        return True
    leaves = (
        [i for i in obj.walk() if not i.children]
        if not isinstance(obj, CriteriaSet)
        else obj.leaves()
    )
    return bool(leaves) and all(rule_kind(i.rule.kind).zero_points for i in leaves)


def check_set(
    cs: CriteriaSet, locator: Locator | None = None, tainted: Collection[int] = ()
) -> list[Problem]:
    """Every consistency problem of ``cs`` (empty when it is usable)."""
    from forms.carry_map import link_problems

    loc = locator if locator is not None else PathLocator.for_set(cs)
    return [*_Checker(cs, loc, frozenset(tainted)).run(), *link_problems(cs, loc)]


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
