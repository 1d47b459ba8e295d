"""Synthetic units and plausible signed packages, deterministic for a seed.

Used by tests, the benchmark and reviewers (``dti-desk demo packages``). Every unit gets its
own Ed25519 key derived from the seed and the unit code, so the trust registry written next
to the packages is meaningful (a package signed for another unit is caught). These keys are
throwaway: anyone who knows the seed can sign as a demo unit.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from forms.cells import csv_bytes
from forms.criteria import CriteriaSet, FieldKind, Indicator, RuleKind
from forms.packages.build import EvidenceFile, Submission, build_package
from forms.packages.signing import Ed25519Signer
from forms.packages.trust import TrustRegistry

_FIRST = [
    "An",
    "Bình",
    "Cẩm",
    "Đông",
    "Hà",
    "Hải",
    "Hòa",
    "Hưng",
    "Kim",
    "Lâm",
    "Long",
    "Minh",
    "Nam",
    "Ngọc",
    "Phú",
    "Phúc",
    "Quang",
    "Sơn",
    "Tân",
    "Thanh",
    "Thái",
    "Thịnh",
    "Tiên",
    "Trung",
    "Vân",
    "Văn",
    "Xuân",
    "Yên",
]
_SECOND = [
    "Bình",
    "Châu",
    "Cường",
    "Dũng",
    "Giang",
    "Hòa",
    "Hùng",
    "Khê",
    "Lạc",
    "Lập",
    "Lĩnh",
    "Lộc",
    "Lương",
    "Mỹ",
    "Nghĩa",
    "Phong",
    "Phương",
    "Quý",
    "Sơn",
    "Thành",
    "Thủy",
    "Tiến",
    "Trạch",
    "Tường",
    "Việt",
    "Vinh",
    "Xá",
]
_OFFICERS = [
    "Nguyễn Thị Hoa",
    "Trần Văn Minh",
    "Lê Thị Thu",
    "Phạm Văn Hùng",
    "Hoàng Thị Lan",
    "Đỗ Văn Nam",
    "Bùi Thị Hạnh",
    "Vũ Đức Thắng",
]
_POSITIONS = ["Công chức Văn phòng - Thống kê", "Công chức Văn hóa - Xã hội", "Phó Chủ tịch UBND"]
GROUP_SIZE = 15  # units per synthetic collector group (a former district)


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    group: str
    kind: str = "xã"  # xã / phường, as the province's list spells it (local_db.units.KINDS)


@dataclass(frozen=True)
class DemoResult:
    packages: list[Path]
    units: list[DemoUnit]
    units_json: Path
    units_csv: Path
    trust: Path


def demo_units(count: int, seed: int = 1) -> list[DemoUnit]:
    rng = random.Random(f"units:{seed}")
    codes = sorted(rng.sample(range(10_000, 100_000), count))
    units: list[DemoUnit] = []
    names: set[str] = set()
    for index, code in enumerate(codes):
        kind = "Phường" if rng.random() < 0.15 else "Xã"
        name = f"{kind} {rng.choice(_FIRST)} {rng.choice(_SECOND)}"
        while name in names:
            name = f"{name} {len(names) % 9 + 1}"
        names.add(name)
        group = f"Cụm {index // GROUP_SIZE + 1:03d}"
        units.append(DemoUnit(f"{code:05d}", name, group, kind.lower()))
    return units


def demo_key(seed: int, unit_code: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"dti-demo:{seed}:{unit_code}".encode()).digest()
    )


def _docref(rng: random.Random, year: int) -> dict[str, str]:
    day = datetime(year, 1, 1) + timedelta(days=rng.randrange(330))
    return {
        "number": f"{rng.randint(1, 250)}/QĐ-UBND",
        "date": day.date().isoformat(),
        "issuer": "UBND xã",
        "summary": rng.choice(
            [
                "Kế hoạch chuyển đổi số năm",
                "Quyết định kiện toàn Ban chỉ đạo",
                "Báo cáo kết quả thực hiện",
                "Quy chế hoạt động",
            ]
        ),
    }


def _field_value(kind: FieldKind, rng: random.Random, year: int, choices: list[str]) -> Any:
    if kind is FieldKind.BOOL:
        return rng.random() < 0.75
    if kind is FieldKind.CHOICE:
        return rng.choices(choices, weights=range(len(choices), 0, -1))[0] if choices else ""
    if kind is FieldKind.COUNT:
        return rng.choice([0, 1, 2, 3, 4, 4, 5, 6])
    if kind is FieldKind.PERCENT:
        return str(Decimal(rng.randint(300, 1000)) / 10)
    if kind is FieldKind.NUMBER:
        return str(Decimal(rng.randint(0, 100)) / 10)
    if kind is FieldKind.DATE:
        return (datetime(year, 1, 1) + timedelta(days=rng.randrange(330))).date().isoformat()
    if kind is FieldKind.DOCREF:
        return _docref(rng, year)
    return rng.choice(["Đã triển khai", "Đang thực hiện", ""])


def demo_answers(cs: CriteriaSet, rng: random.Random, year: int) -> dict[str, dict[str, Any]]:
    """Plausible answers for every leaf indicator.

    Each unit gets a capability between 0.45 and 1: a strong commune meets most indicators in
    full, a weak one misses many, so the totals spread over every classification band.
    """
    capability = 0.45 + 0.55 * rng.betavariate(2.2, 1.6)

    def effort() -> float:  # how far this unit got on one indicator, 0..1
        return min(1.0, max(0.0, rng.gauss(capability, 0.2)))

    answers: dict[str, dict[str, Any]] = {}
    for ind in cs.leaves():
        rule = ind.rule
        choices = [c.key for c in sorted(rule.choices, key=lambda c: c.points, reverse=True)]
        values = {f.key: _field_value(f.kind, rng, year, choices) for f in ind.fields}
        share = effort()
        if rule.kind is RuleKind.YES_NO and rule.field:
            values[rule.field] = share > 0.35
        elif rule.kind is RuleKind.CHOICE and rule.field and choices:
            values[rule.field] = choices[min(len(choices) - 1, int((1 - share) * len(choices)))]
        elif (
            rule.kind in (RuleKind.COUNT_TIERS, RuleKind.PERCENT_TIERS)
            and rule.field
            and rule.tiers
        ):
            top = max(t.minimum for t in rule.tiers)
            value = top * Decimal(str(round(share * 1.1, 2)))
            if rule.kind is RuleKind.COUNT_TIERS:
                values[rule.field] = int(value)
            else:
                values[rule.field] = str(min(Decimal(100), value).quantize(Decimal("0.1")))
        elif rule.kind is RuleKind.RATIO and rule.numerator and rule.denominator:
            total = rng.randint(1, 12)
            values[rule.denominator] = total
            values[rule.numerator] = round(total * share)
        elif rule.kind is RuleKind.DIRECT and rule.field:
            values[rule.field] = str((ind.max_points * Decimal(round(share * 10)) / 10).normalize())
        answers[ind.code] = values
    return answers


def _evidence(ind: Indicator, unit: DemoUnit, rng: random.Random, year: int) -> EvidenceFile:
    doc = _docref(rng, year)
    text = (
        f"{unit.name} - {ind.code} {ind.name}\n{doc['number']} ngày {doc['date']}: {doc['summary']}\n"
        + "Nội dung minh chứng tổng hợp cho dữ liệu thử nghiệm.\n" * rng.randint(5, 30)
    )
    return EvidenceFile(
        ind.code,
        f"Minh chứng {ind.code} - {doc['summary']}.pdf",
        # a PDF header: packages carry only allow-listed evidence, checked by content
        content=b"%PDF-1.4\n" + text.encode("utf-8"),
        document=doc,
    )


def demo_submission(
    unit: DemoUnit,
    cs: CriteriaSet,
    *,
    seed: int,
    year: int,
    criteria_hash: str | None = None,
    evidence: int = 3,
) -> Submission:
    rng = random.Random(f"submission:{seed}:{unit.code}:{year}")
    answers = demo_answers(cs, rng, year)
    with_evidence = [ind for ind in cs.leaves() if ind.evidence.required]
    picked = rng.sample(with_evidence, min(evidence, len(with_evidence)))
    notes = {ind.code: "Đã có minh chứng kèm theo" for ind in picked}
    created = datetime(year, 11, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(45 * 86400))
    return Submission(
        unit_code=unit.code,
        unit_name=unit.name,
        year=year,
        criteria_set=cs,
        answers=answers,
        notes=notes,
        evidence=tuple(_evidence(ind, unit, rng, year) for ind in picked),
        revision=1,
        submission_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        officer_name=rng.choice(_OFFICERS),
        officer_position=rng.choice(_POSITIONS),
        created_at=created,
        criteria_hash=criteria_hash,
    )


def write_demo(
    out_dir: Path | str,
    *,
    units: int,
    seed: int = 1,
    year: int = 2025,
    criteria_set: CriteriaSet | None = None,
    evidence: int = 3,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Write ``units`` packages, ``units.json``/``units.csv`` and ``trust.json`` into ``out_dir``."""
    if criteria_set is None:
        from forms.reference import reference_set  # lazily: loading it costs a JSON parse

        criteria_set = reference_set()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    criteria_hash = criteria_set.content_hash  # hashed once, not per package
    registry = TrustRegistry()
    unit_list = demo_units(units, seed)
    packages = []
    for index, unit in enumerate(unit_list, start=1):
        signer = Ed25519Signer(demo_key(seed, unit.code))
        registry.add_key(unit.code, signer.public_raw, unit.name)
        sub = demo_submission(
            unit, criteria_set, seed=seed, year=year, criteria_hash=criteria_hash, evidence=evidence
        )
        packages.append(build_package(sub, signer, out, durable=False))
        if progress is not None:
            progress(index, len(unit_list))
    units_json = out / "units.json"
    units_json.write_text(
        json.dumps([asdict(u) for u in unit_list], ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    units_csv = out / "units.csv"
    units_csv.write_bytes(
        # the columns of the province's own list, so `units import` and `merge --units` take it
        csv_bytes(
            [["Mã", "Tên", "Loại", "Nhóm"], *((u.code, u.name, u.kind, u.group) for u in unit_list)]
        )
    )
    trust = out / "trust.json"
    registry.save(trust)
    return DemoResult(packages, unit_list, units_json, units_csv, trust)
