"""The compiled-JSON form of a criteria set: ``from_dict`` / ``load_json`` / ``dump_json``.

``from_dict`` reads everything it can, collecting a problem (with its JSON path) for each bad
value instead of stopping at the first, then runs the consistency checks; if anything is
wrong it raises ``ProblemsError`` with the whole list, so a broken set never half-loads.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.applicability import read_applies_to
from forms.atomic import write_bytes_atomic
from forms.criteria import (
    APPLICABILITY_FORMAT,
    FIRST_RULE_VERSION,
    FORMAT_VERSION,
    FORMATS_READ,
    Band,
    CarryLink,
    Choice,
    ClassifyOn,
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
    to_dict,
    uses_applicability,
)
from forms.criteria_checks import PathLocator, check_set
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.problems import Problem, ProblemsError
from forms.rules import unknown_version
from forms.values import to_decimal

MAX_NUMBER = 10**9  # points and thresholds; anything beyond is a typo or hostile
MAX_JSON_BYTES = 20 * 1024 * 1024  # a real set is ~100 kB; refuse to parse absurd files
_MISSING = object()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Reader:
    """Reads values out of nested dicts, recording a problem per bad value."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.loc = PathLocator()
        self.tainted: set[int] = set()

    def problem(self, code: str, message: str, where: str) -> None:
        self.problems.append(Problem(code, message, where))

    def get(self, data: Mapping[str, Any], key: str, path: str) -> Any:
        return data.get(key, _MISSING) if isinstance(data, Mapping) else _MISSING

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        default: str = "",
    ) -> str:
        value = self.get(data, key, path)
        where = f"{path}.{key}" if path else key
        if value is _MISSING or value is None:
            if required:
                self.problem("missing", _("Thiếu mục “{key}”.", key=key), where)
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.problem("wrong_type", _("“{key}” phải là chuỗi văn bản.", key=key), where)
            return default
        return _nfc(str(value)).strip()

    def number(self, data: Mapping[str, Any], key: str, path: str, tainted: list[bool]) -> Decimal:
        value = self.get(data, key, path)
        where = f"{path}.{key}" if path else key
        if value is _MISSING or value is None:
            self.problem("missing", _("Thiếu mục “{key}”.", key=key), where)
            tainted[0] = True
            return Decimal(0)
        number = to_decimal(value)
        if number is not None and not -MAX_NUMBER <= number <= MAX_NUMBER:
            self.problem(
                "out_of_range",
                _("“{key}” quá lớn (tối đa {max}).", key=key, max=MAX_NUMBER),
                where,
            )
            tainted[0] = True
            return Decimal(0)
        if number is None:
            self.problem(
                "wrong_type",
                _('“{key}” phải là một số (ghi dạng chuỗi, ví dụ "12.5").', key=key),
                where,
            )
            tainted[0] = True
            return Decimal(0)
        return number

    def optional_number(self, data: Mapping[str, Any], key: str, path: str) -> Decimal | None:
        """A number that may be left out (None), checked as ``number`` when present."""
        value = self.get(data, key, path)
        if value is _MISSING or value is None:
            return None
        bad = [False]
        number = self.number(data, key, path, bad)
        return None if bad[0] else number

    def integer(
        self, data: Mapping[str, Any], key: str, path: str, default: int | None = None
    ) -> int:
        value = self.get(data, key, path)
        where = f"{path}.{key}" if path else key
        if value is _MISSING or value is None:
            if default is not None:
                return default
            self.problem("missing", _("Thiếu mục “{key}”.", key=key), where)
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem("wrong_type", _("“{key}” phải là số nguyên.", key=key), where)
            return default or 0
        return value

    def flag(self, data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = self.get(data, key, path)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self.problem(
                "wrong_type",
                _("“{key}” phải là true hoặc false.", key=key),
                f"{path}.{key}" if path else key,
            )
            return default
        return value

    def enum(
        self, data: Mapping[str, Any], key: str, path: str, enum: Any, default: Any = None
    ) -> Any:
        value = self.get(data, key, path)
        where = f"{path}.{key}" if path else key
        if value is _MISSING or value is None:
            if default is not None:
                return default
            self.problem("missing", _("Thiếu mục “{key}”.", key=key), where)
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            self.problem(
                "unknown_value",
                _(
                    "Giá trị “{value}” của “{key}” không hợp lệ (dùng một trong: {allowed}).",
                    value=value,
                    key=key,
                    allowed=allowed,
                ),
                where,
            )
            return default

    def items(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True
    ) -> list[tuple[str, Any]]:
        value = self.get(data, key, path)
        where = f"{path}.{key}" if path else key
        if value is _MISSING or value is None:
            if required:
                self.problem("missing", _("Thiếu mục “{key}”.", key=key), where)
            return []
        if not isinstance(value, list):
            self.problem("wrong_type", _("“{key}” phải là một danh sách.", key=key), where)
            return []
        result = []
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                self.problem(
                    "wrong_type",
                    _("Mỗi phần tử của “{key}” phải là một đối tượng.", key=key),
                    f"{where}[{i}]",
                )
                continue
            result.append((f"{where}[{i}]", item))
        return result

    # --- the parts of a set ---------------------------------------------------------------

    def field(self, path: str, data: Mapping[str, Any]) -> Field:
        fld = Field(
            key=self.text(data, "key", path),
            kind=self.enum(data, "kind", path, FieldKind, FieldKind.TEXT),
            label=self.text(data, "label", path, required=False),
            required=self.flag(data, "required", path, True),
            in_year=self.flag(data, "in_year", path, False),
            unit=self.text(data, "unit", path, required=False),
            plausible_max=self.optional_number(data, "plausible_max", path),
            supplied_by=self.text(data, "supplied_by", path, required=False),
            supplied_source=self.text(data, "supplied_source", path, required=False),
        )
        self.loc.add(fld, path)
        return fld

    def rule(
        self, path: str, data: Any, max_tainted: list[bool]
    ) -> tuple[Rule, list[Tier], list[Choice]]:
        if not isinstance(data, Mapping):
            self.problem("missing", _("Thiếu mục “{key}”.", key="rule"), path)
            return Rule(RuleKind.DIRECT), [], []
        tiers: list[Tier] = []
        for tpath, tdata in self.items(data, "tiers", path, required=False):
            bad = [False]
            tier = Tier(
                self.number(tdata, "minimum", tpath, bad), self.number(tdata, "points", tpath, bad)
            )
            self.loc.add(tier, tpath)
            if bad[0]:
                self.tainted.add(id(tier))
            tiers.append(tier)
        choices: list[Choice] = []
        for cpath, cdata in self.items(data, "choices", path, required=False):
            bad = [False]
            choice = Choice(
                self.text(cdata, "key", cpath),
                self.text(cdata, "label", cpath, required=False),
                self.number(cdata, "points", cpath, bad),
            )
            self.loc.add(choice, cpath)
            if bad[0]:
                self.tainted.add(id(choice))
            choices.append(choice)
        before = len(self.problems)
        kind = self.enum(data, "kind", path, RuleKind, None)
        kind_bad = len(self.problems) > before
        rule = Rule(
            kind=kind or RuleKind.DIRECT,
            field=self.text(data, "field", path, required=False),
            numerator=self.text(data, "numerator", path, required=False),
            denominator=self.text(data, "denominator", path, required=False),
            zero_denominator=self.enum(
                data, "zero_denominator", path, ZeroDenominator, ZeroDenominator.ZERO
            ),
            tiers=tuple(tiers),
            choices=tuple(choices),
            at_least=self.optional_number(data, "at_least", path),
            at_most=self.optional_number(data, "at_most", path),
        )
        if kind_bad:
            self.tainted.add(id(rule))  # its checks would only add noise
        return rule, tiers, choices

    def indicator(self, path: str, data: Mapping[str, Any], depth: int = 0) -> Indicator:
        bad = [False]
        max_points = self.number(data, "max_points", path, bad)
        rule, _tiers, _choices = self.rule(f"{path}.rule", data.get("rule"), bad)
        fields = tuple(
            self.field(p, d) for p, d in self.items(data, "fields", path, required=False)
        )
        evidence_data = data.get("evidence")
        evidence = Evidence()
        if isinstance(evidence_data, Mapping):
            epath = f"{path}.evidence"
            evidence = Evidence(
                required=self.flag(evidence_data, "required", epath, False),
                severity=self.enum(evidence_data, "severity", epath, Severity, Severity.WARNING),
                description=self.text(evidence_data, "description", epath, required=False),
            )
        elif evidence_data is not None:
            self.problem(
                "wrong_type",
                _("“{key}” phải là một đối tượng.", key="evidence"),
                f"{path}.evidence",
            )
        children: tuple[Indicator, ...] = ()
        if depth < 4:
            children = tuple(
                self.indicator(p, d, depth + 1)
                for p, d in self.items(data, "children", path, required=False)
            )
        elif data.get("children"):
            self.problem(
                "too_deep", _("Chỉ tiêu lồng nhau quá sâu (tối đa 4 cấp con)."), f"{path}.children"
            )
        ind = Indicator(
            code=self.text(data, "code", path),
            name=self.text(data, "name", path, required=False),
            max_points=max_points,
            rule=rule,
            fields=fields,
            evidence=evidence,
            data_source=self.text(data, "data_source", path, required=False),
            verifier=self.text(data, "verifier", path, required=False),
            help=self.text(data, "help", path, required=False),
            children=children,
            applies_to=read_applies_to(data.get("applies_to"), f"{path}.applies_to", self.problem),
            may_be_not_applicable=self.flag(data, "may_be_not_applicable", path, False),
        )
        self.loc.add(ind, path)
        if bad[0]:
            self.tainted.add(id(ind))
        return ind

    def rule_versions(self, data: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
        """The kinds' versions the set was written for; a version this code does not know
        is refused (``rule_version``): scoring it by another meaning would mis-score."""
        value = data.get("rule_versions")
        if value is None:
            return ()
        if not isinstance(value, Mapping):
            self.problem(
                "wrong_type",
                _("“{key}” phải là một đối tượng.", key="rule_versions"),
                "rule_versions",
            )
            return ()
        versions = []
        for kind, version in value.items():
            if unknown_version(str(kind), version):
                self.problem(
                    "rule_version",
                    _(
                        "Cách chấm “{kind}” phiên bản {version} không được phiên bản phần mềm này hỗ trợ; hãy cập nhật phần mềm.",
                        kind=kind,
                        version=version,
                    ),
                    f"rule_versions.{kind}",
                )
            elif version != FIRST_RULE_VERSION:  # the first is the default: same hash
                versions.append((str(kind), int(version)))
        return tuple(sorted(versions))

    def carry_forward(self, data: Mapping[str, Any]) -> tuple[CarryLink, ...]:
        """The optional mapping of last year's answers (absent: none, and the same hash)."""
        links = []
        for path, item in self.items(data, "carry_forward", "", required=False):
            link = CarryLink(
                *(
                    self.text(item, key, path)
                    for key in ("from_code", "from_field", "to_code", "to_field")
                )
            )
            self.loc.add(link, path)
            links.append(link)
        return tuple(links)

    def criteria_set(self, data: Any) -> CriteriaSet | None:
        if not isinstance(data, Mapping):
            self.problem("wrong_type", _("Tệp JSON phải chứa một đối tượng bộ tiêu chí."), "")
            return None
        fmt = data.get("format")
        if isinstance(fmt, bool) or not isinstance(fmt, int) or fmt not in FORMATS_READ:
            self.problem(
                "format_version",
                _(
                    "Phiên bản định dạng “{value}” không được hỗ trợ (cần {expected}).",
                    value=fmt,
                    expected=FORMAT_VERSION,
                ),
                "format",
            )
        pillars = []
        for ppath, pdata in self.items(data, "pillars", ""):
            bad = [False]
            pillar = Pillar(
                code=self.text(pdata, "code", ppath),
                name=self.text(pdata, "name", ppath, required=False),
                max_points=self.number(pdata, "max_points", ppath, bad),
                indicators=tuple(
                    self.indicator(p, d) for p, d in self.items(pdata, "indicators", ppath)
                ),
                applies_to=read_applies_to(
                    pdata.get("applies_to"), f"{ppath}.applies_to", self.problem
                ),
                may_be_not_applicable=self.flag(pdata, "may_be_not_applicable", ppath, False),
            )
            self.loc.add(pillar, ppath)
            if bad[0]:
                self.tainted.add(id(pillar))
            pillars.append(pillar)
        bands = []
        for bpath, bdata in self.items(data, "bands", ""):
            bad = [False]
            band = Band(
                self.number(bdata, "minimum", bpath, bad),
                self.text(bdata, "label", bpath, required=False),
            )
            self.loc.add(band, bpath)
            if bad[0]:
                self.tainted.add(id(band))
            bands.append(band)
        rounding_data = data.get("rounding")
        rounding = Rounding()
        if isinstance(rounding_data, Mapping):
            rounding = Rounding(
                decimals=self.integer(rounding_data, "decimals", "rounding", 2),
                mode=self.text(
                    rounding_data, "mode", "rounding", required=False, default="half_up"
                ),
            )
        elif rounding_data is not None:
            self.problem(
                "wrong_type", _("“{key}” phải là một đối tượng.", key="rounding"), "rounding"
            )
        bad = [False]
        before = len(self.problems)
        year = self.integer(data, "year", "")
        bad[0] = len(self.problems) > before
        cs = CriteriaSet(
            set_id=self.text(data, "set_id", ""),
            level=self.text(data, "level", ""),
            year=year,
            version=self.text(data, "version", ""),
            title=self.text(data, "title", "", required=False),
            total_points=self.number(data, "total_points", "", bad),
            pillars=tuple(pillars),
            bands=tuple(bands),
            rounding=rounding,
            not_ranked_label=self.text(data, "not_ranked_label", "", required=False, default="-")
            or "-",
            reference=self.flag(data, "reference", "", False),
            classify_on=self.enum(data, "classify_on", "", ClassifyOn, ClassifyOn.POINTS),
            rule_versions=self.rule_versions(data),
            carry_forward=self.carry_forward(data),
            organisation_signature=self.flag(data, "organisation_signature_required", "", False),
            not_applicable=(
                None
                if data.get("not_applicable") is None
                else self.enum(data, "not_applicable", "", NotApplicablePolicy, None)
            ),
        )
        if fmt == FORMAT_VERSION and uses_applicability(cs):
            # format 1 has no applicability: a reader of it would score every part for everyone
            self.problem(
                "format_version",
                _(
                    "Bộ tiêu chí dùng phạm vi áp dụng phải ghi định dạng {expected}.",
                    expected=APPLICABILITY_FORMAT,
                ),
                "format",
            )
        self.loc.add(cs, "")
        if bad[0]:
            self.tainted.add(id(cs))
        return cs


def from_dict(data: Any) -> CriteriaSet:
    """Build a criteria set from its JSON form; ``ProblemsError`` lists every problem."""
    reader = _Reader()
    cs = reader.criteria_set(data)
    problems = list(reader.problems)
    if cs is not None:
        seen = {p.where for p in problems}  # one problem per place: no echo of a reader problem
        problems += [p for p in check_set(cs, reader.loc, reader.tainted) if p.where not in seen]
    if problems:
        raise ProblemsError(problems)
    assert cs is not None
    return cs


def read_json_file(path: str | os.PathLike[str]) -> Any:
    """The parsed JSON of ``path``; unreadable, huge or malformed files raise ``ProblemsError``."""
    path = Path(path)
    name = path.name
    try:
        # one open, regular files only, the size checked before reading (forms.inbound)
        raw = read_inbound(path, MAX_JSON_BYTES)
    except InboundRejected as exc:
        if exc.problem.code == "file_unreadable" and not os.path.lexists(path):
            raise ProblemsError(
                [Problem("file_missing", _("Không tìm thấy tệp {name}.", name=str(path)), name)]
            ) from None
        raise ProblemsError([replace(exc.problem, where=name)]) from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProblemsError(
            [Problem("bad_json", _("Tệp {name} không phải văn bản UTF-8.", name=name), name)]
        ) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        where = (
            f"{name}:{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else name
        )
        raise ProblemsError(
            [Problem("bad_json", _("Tệp {name} không phải JSON hợp lệ.", name=name), where)]
        ) from None


def load_json(path: str | os.PathLike[str]) -> CriteriaSet:
    return from_dict(read_json_file(path))


def dumps(cs: CriteriaSet) -> str:
    return json.dumps(to_dict(cs), ensure_ascii=False, indent=2) + "\n"


def dump_json(cs: CriteriaSet, path: str | os.PathLike[str]) -> None:
    """Write the compiled JSON (pretty, UTF-8, NFC), atomically; 0644: a compiled set is meant
    to be shared."""
    write_bytes_atomic(path, unicodedata.normalize("NFC", dumps(cs)).encode("utf-8"), mode=0o644)
