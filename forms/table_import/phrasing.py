"""Reading the "Cách xác định và tính điểm" text of a published table into a scoring rule.

Provinces write the method in a handful of usual phrasings (tiers by count, tiers by
percentage with "từ … đến dưới …", "a/b × điểm tối đa", "Có: … điểm; Không: 0 điểm", choices
priced in points, "không tính điểm", pass/fail targets "đạt chỉ tiêu khi … ≥ 60%"). Each is recognised here; anything else, and anything
that reads as one of them but does not add up (the best tier worth less than the maximum, a
"trên 90%" threshold the ``>=`` tiers cannot say exactly), is handed to a person with the
reason. A guess is never returned as a confident answer: a wrong rule would score every
commune wrongly and silently.

The text is matched lower-cased in NFC with its diacritics: official tables are typed with
them, and "có"/"cỏ" or "đến"/"đèn" folded together would blur the phrasings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from forms.criteria import Choice, Field, FieldKind, Rule, RuleKind, Tier, ZeroDenominator
from forms.i18n import _
from forms.text import fold

_NUMBER = r"\d+(?:[.,]\d+)?"
# One price in a method text: "15 điểm", "điểm tối đa", "1/2 số điểm tối đa", "50% điểm tối đa"
_PRICE = re.compile(
    rf"(?P<frac>\d+\s*/\s*\d+|{_NUMBER}\s*%|một nửa)\s*(?:số\s+)?điểm\s+tối\s+đa"
    rf"|(?:được\s+)?(?:số\s+)?điểm\s+tối\s+đa|tối\s+đa\s+(?:số\s+)?điểm|(?<![\d/])tối\s+đa(?!\s*\d)"
    rf"|(?P<num>{_NUMBER})\s*điểm"
)
_RATIO = re.compile(r"\(?\s*\ba\s*/\s*b\s*\)?\s*(?:[x×*]\s*(?P<times>[^;\n,]+))?")
_DEFINE = r"\b{letter}\s*(?:=|:|là)\s*(?P<text>[^;\n]+?)(?=\s*[;\n.]|\s*,?\s*(?:và\s+)?\b[ab]\s*(?:=|:|là\b)|$)"
_ZERO = re.compile(r"(?:\bb\s*=\s*0|mẫu\s+số\s+bằng\s+0)(?P<rest>[^;\n]*)")
_UNSCORED = re.compile(r"không\s+tính\s+điểm|không\s+chấm\s+điểm")
# "Mỗi tin bài được 2 điểm, tối đa 20 điểm": points per item, which no rule kind is
_PER_ITEM = re.compile(r"\bmỗi\b|\bcứ\s+\d|\bthêm\s+\d+(?:[.,]\d+)?\s*điểm|\btrừ\s+\d")
_POSITIVE = ("có", "đã", "được", "thực hiện", "ban hành", "đạt")
_NEGATIVE = ("không", "chưa")
_LEAD_WORDS = re.compile(r"^(?:nếu|trường hợp|khi)\s+", re.IGNORECASE)
_TRAIL_WORDS = re.compile(
    r"(?:\s|[:=,\-–—])*(?:thì\s+)?(?:được|đạt|cho)?(?:\s|[:=,\-–—(])*$", re.IGNORECASE
)


@dataclass(frozen=True)
class Item:
    """One "condition: price" pair of a method text."""

    condition: str  # lower-cased, trimmed of connectors: what the rule is read from
    points: Decimal
    label: str = ""  # the same words as written (a choice's label)


@dataclass(frozen=True)
class Reading:
    """What a method text says: a rule with its input fields, or the reason a person must."""

    rule: Rule | None
    fields: tuple[Field, ...] = ()
    reason: str = ""  # empty when the rule was read with confidence
    unscored: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def needs_author(self) -> bool:
        return self.rule is None or bool(self.reason)


def _spaced(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _lower(text: str) -> str:
    return _spaced(text).lower()


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros or an exponent: 20, 7.5 (never 2E+1)."""
    value = value.quantize(Decimal("0.0001"))
    return value.to_integral_value() if value == value.to_integral_value() else value.normalize()


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None


def _price(match: re.Match[str], maximum: Decimal) -> Decimal | None:
    if match.group("num") is not None:
        return _decimal(match.group("num"))
    frac = match.group("frac")
    if frac is None:
        return maximum
    if frac == "một nửa":
        return maximum / 2
    if frac.endswith("%"):
        share = _decimal(frac[:-1])
        return None if share is None else maximum * share / 100
    top, bottom = (_decimal(part) for part in frac.split("/"))
    if top is None or not bottom:
        return None
    return maximum * top / bottom


def _condition(text: str) -> str:
    text = text.strip(" \t;,.-–—+•*\n")
    text = _TRAIL_WORDS.sub("", text)
    if ":" in text:  # "Số cuộc họp: từ 4 cuộc trở lên" -> the last part is the condition
        text = text.rsplit(":", 1)[1]
    text = _LEAD_WORDS.sub("", text.strip(" \t;,.-–—+•*("))
    return text.strip(" \t;,.-–—+•*()")


def items(text: str, maximum: Decimal) -> list[Item]:
    """Every priced condition in ``text``, in order."""
    written = _spaced(text)
    lowered = written.lower()
    # Vietnamese letters lower-case one to one, so offsets in one are offsets in the other
    same = len(written) == len(lowered)
    found: list[Item] = []
    start = 0
    for match in _PRICE.finditer(lowered):
        points = _price(match, maximum)
        condition = _condition(lowered[start : match.start()])
        label = _condition(written[start : match.start()]) if same else condition
        start = match.end()
        if points is None:
            continue
        found.append(Item(condition, plain(points), label))
    return found


# --- thresholds ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Threshold:
    minimum: Decimal | None  # None: the bottom ("dưới 50%", "không họp"): below every tier
    strict: bool = False  # "trên 90%": more than, which ">=" tiers cannot say on decimals


_FROM = re.compile(rf"(?:từ|>=|≥)\s*(?P<n>{_NUMBER})")
_ABOVE = re.compile(rf"(?:trên|>|lớn hơn|nhiều hơn)\s*(?P<n>{_NUMBER})")
_BELOW = re.compile(rf"(?:dưới|<|ít hơn|nhỏ hơn|không đạt)\s*(?P<n>{_NUMBER})?")
_PLAIN = re.compile(rf"(?P<n>{_NUMBER})")


def _threshold(condition: str) -> _Threshold | None:
    if (m := _FROM.search(condition)) is not None:
        return _Threshold(_decimal(m.group("n")))
    if (m := _ABOVE.search(condition)) is not None:
        return _Threshold(_decimal(m.group("n")), strict=True)
    if _BELOW.search(condition) is not None or condition.startswith(_NEGATIVE):
        return _Threshold(None)
    if (m := _PLAIN.search(condition)) is not None:
        return _Threshold(_decimal(m.group("n")))
    if condition in ("còn lại", "các trường hợp còn lại", "trường hợp khác"):
        return _Threshold(None)
    return None


def _tiers(found: list[Item], maximum: Decimal, integer: bool) -> tuple[tuple[Tier, ...], str]:
    tiers: list[Tier] = []
    for item in found:
        threshold = _threshold(item.condition)
        if threshold is None:
            return (), _("không đọc được ngưỡng “{text}”", text=item.condition)
        if threshold.minimum is None:
            if item.points != 0:
                return (), _("mức thấp nhất “{text}” vẫn có điểm", text=item.condition)
            continue
        minimum = threshold.minimum
        if threshold.strict:
            if not integer:
                return (), _(
                    "ngưỡng “{text}” là “lớn hơn”, bậc điểm chỉ nói được “từ … trở lên”",
                    text=item.condition,
                )
            minimum += 1  # more than 3 meetings is at least 4
        if integer and minimum != minimum.to_integral_value():
            return (), _("ngưỡng “{text}” không phải số nguyên", text=item.condition)
        tiers.append(Tier(minimum, item.points))
    return _ordered(tiers, maximum)


def _ordered(tiers: list[Tier], maximum: Decimal) -> tuple[tuple[Tier, ...], str]:
    tiers.sort(key=lambda t: t.minimum, reverse=True)
    if not tiers:
        return (), _("không có bậc nào được điểm")
    if len({t.minimum for t in tiers}) != len(tiers):
        return (), _("hai bậc cùng một ngưỡng")
    if any(lower.points > higher.points for higher, lower in zip(tiers, tiers[1:], strict=False)):
        return (), _("bậc thấp hơn lại nhiều điểm hơn")
    if tiers[0].points != maximum:
        return (), _(
            "bậc cao nhất được {points} điểm, khác điểm tối đa {maximum}",
            points=_shown(tiers[0].points),
            maximum=_shown(maximum),
        )
    return tuple(tiers), ""


def _shown(value: Decimal) -> str:
    return format(plain(value), "f").replace(".", ",")


# --- the rule kinds ----------------------------------------------------------------------


_UNIT = re.compile(
    rf"{_NUMBER}\s+(?P<unit>(?:(?!trở\b|đến\b|lên\b|điểm\b)[^\s\d:;,.()/]+\s*){{1,2}})"
)


def _unit_word(found: list[Item]) -> str:
    """ "cuộc họp" from "từ 4 cuộc họp trở lên": what the counted field counts."""
    for item in found:
        m = _UNIT.search(item.condition)
        if m is not None:
            return m.group("unit").strip()
    return ""


def _percent_rule(found: list[Item], name: str, maximum: Decimal) -> Reading:
    tiers, reason = _tiers(found, maximum, integer=False)
    rate = Field("ty_le", FieldKind.PERCENT, name, unit="%")
    return Reading(Rule(RuleKind.PERCENT_TIERS, field="ty_le", tiers=tiers), (rate,), reason)


def _count_rule(found: list[Item], name: str, maximum: Decimal) -> Reading:
    tiers, reason = _tiers(found, maximum, integer=True)
    count = Field("so_luong", FieldKind.COUNT, name, unit=_unit_word(found))
    return Reading(Rule(RuleKind.COUNT_TIERS, field="so_luong", tiers=tiers), (count,), reason)


def _yes_no_rule(found: list[Item], name: str, maximum: Decimal) -> Reading:
    yes = next(i for i in found if not i.condition.startswith(_NEGATIVE))
    reason = ""
    if yes.points != maximum:
        reason = _(
            "“có” được {points} điểm, khác điểm tối đa {maximum}",
            points=_shown(yes.points),
            maximum=_shown(maximum),
        )
    elif any(i.points != 0 for i in found if i is not yes):
        reason = _("“không” vẫn có điểm")
    elif not yes.condition.startswith(_POSITIVE):
        reason = _("đọc là có/không từ “{text}”: cần người soạn xác nhận", text=yes.condition)
    answer = Field("co", FieldKind.BOOL, name)
    return Reading(Rule(RuleKind.YES_NO, field="co"), (answer,), reason)


def _key(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")[:24].strip("_") or "lua_chon"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _choice_rule(found: list[Item], name: str, maximum: Decimal) -> Reading:
    taken: set[str] = set()
    choices = tuple(
        Choice(_key(i.label, taken), i.label[:1].upper() + i.label[1:], i.points) for i in found
    )
    reason = ""
    best = max(c.points for c in choices)
    if best != maximum:
        reason = _(
            "lựa chọn cao nhất được {points} điểm, khác điểm tối đa {maximum}",
            points=_shown(best),
            maximum=_shown(maximum),
        )
    elif any(not c.label for c in choices):
        reason = _("có mức điểm không ghi điều kiện")
    chosen = Field("lua_chon", FieldKind.CHOICE, name)
    return Reading(Rule(RuleKind.CHOICE, field="lua_chon", choices=choices), (chosen,), reason)


def _ratio_rule(written: str, name: str, maximum: Decimal) -> Reading:
    lowered = written.lower()

    def definition(letter: str) -> str:
        m = re.search(_DEFINE.format(letter=letter), written, re.IGNORECASE)
        return "" if m is None else m.group("text").strip(" ,.")

    a, b = definition("a"), definition("b")
    numerator = Field("tu_so", FieldKind.COUNT, (a or _("Tử số (a)"))[:1].upper() + a[1:])
    denominator = Field("mau_so", FieldKind.COUNT, (b or _("Mẫu số (b)"))[:1].upper() + b[1:])
    zero, reason = ZeroDenominator.ZERO, ""
    if (m := _ZERO.search(lowered)) is not None:
        rest = m.group("rest")
        zero = ZeroDenominator.FULL if "tối đa" in rest else ZeroDenominator.ZERO
    else:
        reason = _("không nói khi mẫu số bằng 0 thì được bao nhiêu điểm (tạm để 0 điểm)")
    if not a or not b:
        reason = _("không tìm thấy a là gì, b là gì")
    times = _RATIO.search(lowered)
    if times is not None and times.group("times"):
        factor = times.group("times")
        stated = _decimal(re.sub(r"[^\d.,]", "", factor) or "x")
        if "tối đa" not in factor and stated != maximum and "100" not in factor:
            reason = _("hệ số “{text}” khác điểm tối đa", text=factor.strip())
    rule = Rule(RuleKind.RATIO, numerator="tu_so", denominator="mau_so", zero_denominator=zero)
    return Reading(rule, (numerator, denominator), reason)


# "Đạt chỉ tiêu khi tỷ lệ thanh toán không dùng tiền mặt ≥ 60%": a pass/fail target
_TARGET = re.compile(r"\bđạt(?:\s+chỉ\s+tiêu)?\s+khi\b(?P<cond>[^;\n]*)")
_AT_LEAST = re.compile(
    rf"(?:≥|>=|từ|tối\s+thiểu|ít\s+nhất|không\s+thấp\s+hơn|không\s+dưới)\s*(?P<n>{_NUMBER})\s*(?P<pct>%)?"
)
_STRICT = re.compile(rf"(?:>|trên|lớn\s+hơn|cao\s+hơn)\s*{_NUMBER}")


def _unscored_rule(name: str, maximum: Decimal) -> Reading:
    """ "Không tính điểm": an unscored indicator collecting one text the author may split."""
    info = Field("thong_tin", FieldKind.TEXT, name, required=False)
    reason = ""
    if maximum != 0:
        reason = _("không tính điểm nhưng điểm tối đa là {maximum}", maximum=_shown(maximum))
    return Reading(Rule(RuleKind.INFO), (info,), reason, unscored=True)


def _target_rule(condition: str, found: list[Item], name: str, maximum: Decimal) -> Reading:
    """A target met at a threshold, worth the maximum when met (0 points: only counted)."""
    m = _AT_LEAST.search(condition)
    if m is None:
        if _STRICT.search(condition):
            return Reading(
                None,
                reason=_(
                    "chỉ tiêu “{text}” là “lớn hơn”, chỉ tiêu đạt chỉ nói được “từ … trở lên”",
                    text=condition.strip(),
                ),
            )
        return Reading(None, reason=_("không đọc được ngưỡng đạt “{text}”", text=condition.strip()))
    threshold = _decimal(m.group("n"))
    if m.group("pct"):
        fld = Field("ty_le", FieldKind.PERCENT, name, unit="%")
    else:
        fld = Field("so_luong", FieldKind.COUNT, name, unit=_unit_word(found))
    reason = ""
    if any(i.points not in (0, maximum) for i in found):
        reason = _("chỉ tiêu đạt có mức điểm khác 0 và điểm tối đa")
    if threshold is None or (fld.kind is FieldKind.PERCENT and threshold > 100):
        return Reading(None, reason=_("không đọc được ngưỡng đạt “{text}”", text=condition.strip()))
    rule = Rule(RuleKind.TARGET, field=fld.key, at_least=threshold)
    return Reading(rule, (fld,), reason)


def _is_ratio(lowered: str) -> bool:
    return _RATIO.search(lowered) is not None or ("tử số" in lowered and "mẫu số" in lowered)


def read_method(text: str, name: str, maximum: Decimal) -> Reading:
    """The rule ``text`` describes for an indicator worth ``maximum``, or why a person must
    write it."""
    lowered = _lower(text)
    if not lowered:
        return Reading(None, reason=_("không có cách tính điểm"))
    found = items(text, maximum)
    if _UNSCORED.search(lowered) and not any(i.points for i in found):
        return _unscored_rule(name, maximum)
    if (target := _TARGET.search(lowered)) is not None:
        return _target_rule(target.group("cond"), found, name, maximum)
    if _PER_ITEM.search(lowered):
        return Reading(
            None,
            reason=_(
                "điểm tính theo từng lần, từng đơn vị (“mỗi …”, cộng hoặc trừ điểm): chưa có cách chấm này"
            ),
        )
    if any(not i.condition or i.condition.startswith("tối đa") for i in found):
        return Reading(None, reason=_("có mức điểm không ghi điều kiện"))
    if any("%" in i.condition for i in found):
        return _percent_rule(found, name, maximum)
    if _is_ratio(lowered):
        return _ratio_rule(_spaced(text), name, maximum)
    if not found:
        return Reading(None, reason=_("không tìm thấy số điểm trong cách tính"))
    numbered = [i for i in found if _PLAIN.search(i.condition)]
    if numbered and all(_threshold(i.condition) is not None for i in found):
        return _count_rule(found, name, maximum)
    negatives = [i for i in found if i.condition.startswith(_NEGATIVE)]
    if len(found) - len(negatives) == 1 and len(found) <= 2:
        return _yes_no_rule(found, name, maximum)
    if len(found) >= 2:
        return _choice_rule(found, name, maximum)
    return Reading(None, reason=_("chỉ có một mức điểm “{text}”", text=found[0].condition))
