"""A ready commune data folder for rehearsal, tests and the benchmark (``dti-desk demo commune``).

The profile, the unit in the units list, this year's assessment on the reference set with
every indicator answered (``forms.packages.demo.demo_answers``, deterministic for a seed),
evidence wherever the set asks for it, one plan shared by several indicators as offices do,
and a signing key under the given passphrase: ``dti-desk finalise`` works right after it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.packages import keys
from forms.scoring import score
from local_db import answers, assessments, evidence, profile, units
from local_db.database import open_database
from local_db.errors import StorageError
from local_db.paths import KEYS_DIR

DEMO_UNIT = "25001"
DEMO_UNIT_NAME = "Xã Hiền Quan"
DEMO_OFFICER = "Nguyễn Thị Lan"
DEMO_POSITION = "Công chức Văn hóa - Xã hội"
DEMO_CHAIRMAN = "Lê Quang Minh"  # signs the report as Chủ tịch UBND xã


@dataclass(frozen=True)
class DemoCommune:
    data_dir: Path
    assessment_id: int
    unit_code: str
    evidence_files: int  # distinct files
    citations: int  # attachments, several citing the same file


def _plan(unit_name: str, year: int, rng: random.Random) -> bytes:
    lines = [f"Kế hoạch chuyển đổi số năm {year} của {unit_name}"]
    lines += [f"Mục {i}: nhiệm vụ {rng.randint(1, 99)}" for i in range(1, 200)]
    return b"%PDF-1.4\n" + "\n".join(lines).encode("utf-8") + b"\n%%EOF\n"


def _write_files(folder: Path, unit_name: str, year: int, rng: random.Random) -> list[Path]:
    """The plan (cited by many indicators) and a few documents of its own per indicator."""
    folder.mkdir(parents=True, exist_ok=True)
    plan = folder / f"Kế hoạch chuyển đổi số {year}.pdf"
    plan.write_bytes(_plan(unit_name, year, rng))
    made = [plan]
    for index in range(1, 4):
        path = folder / f"Biên bản họp {index}.pdf"
        path.write_bytes(_plan(f"{unit_name} - biên bản {index}", year, rng))
        made.append(path)
    return made


def make_demo_commune(
    data_dir: Path,
    passphrase: str,
    cs: CriteriaSet,
    *,
    unit_code: str = DEMO_UNIT,
    unit_name: str = DEMO_UNIT_NAME,
    seed: int = 1,
    year: int | None = None,
) -> DemoCommune:
    """Fill ``data_dir`` (new or empty of any assessment for the unit and year); raises
    ``StorageError`` when the folder already holds that assessment or a signing key.
    ``year`` (default: the set's) makes an assessment of another year, e.g. last year's under
    an earlier set, to carry forward from."""
    from forms.packages.demo import demo_answers

    data_dir = Path(data_dir)
    keys_dir = data_dir / KEYS_DIR
    if keys.key_exists(keys_dir):
        raise StorageError(
            _("Thư mục {path} đã có khóa ký: hãy chọn một thư mục trống", path=str(data_dir))
        )
    rng = random.Random(f"demo-commune:{seed}:{unit_code}")
    db = open_database(data_dir, user=DEMO_OFFICER)
    try:
        units_csv = data_dir / "demo-units.csv"
        units_csv.write_text(f"Mã,Tên,Loại,Nhóm\n{unit_code},{unit_name},xã,Demo\n", "utf-8")
        units.import_units(db, units_csv)
        profile.save(db, officer_name=DEMO_OFFICER, position=DEMO_POSITION,
                     phone="0912345678", email="vanhoa@hienquan.gov.vn", unit_code=unit_code,
                     chairman_name=DEMO_CHAIRMAN)  # fmt: skip
        year = cs.year if year is None else year
        row = assessments.create(db, unit_code, year, cs)
        assert row.id is not None
        values = demo_answers(cs, rng, year)
        answers.set_many(db, row.id, values, dict(score(cs, values).indicators))
        files = _write_files(data_dir / "demo-evidence", unit_name, year, rng)
        citations = 0
        for index, ind in enumerate(i for i in cs.leaves() if i.evidence.required):
            # the plan for every other indicator, a document of its own for the rest
            source = files[0] if index % 2 == 0 else files[1 + index % (len(files) - 1)]
            meta = evidence.EvidenceMeta(
                number=f"{index + 1}/KH-UBND", date=f"{year}-03-15", issuer="UBND xã"
            )
            evidence.attach(db, row.id, ind.code, source, meta)
            citations += 1
        keys.create_key(keys_dir, passphrase, f"{unit_name} ({unit_code})")
    finally:
        db.close()
    return DemoCommune(data_dir, row.id, unit_code, len(files), citations)
