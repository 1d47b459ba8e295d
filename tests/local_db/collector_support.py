"""Building real signed packages for the collector tests (tiny criteria set, Ed25519 keys)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from forms.criteria import CriteriaSet
from forms.packages.build import Submission, build_package
from forms.packages.signing import Ed25519Signer
from forms.packages.trust import TrustRegistry
from tests.forms.sample_sets import tiny_set

CS = tiny_set()
FIXED = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)


def sid_uuid(name: str) -> str:
    """A readable test id ("A1") as the uuid a real package carries (the verifier insists)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dti-desk-test:{name}"))


def clock() -> datetime:
    return FIXED


def answers(level: int) -> dict:
    """Answers scoring more with a higher level (0..4)."""
    return {
        "1.1": {"count": level},
        "1.2": {"a": level, "b": 4},
        "2.1": {"choice": ["none", "vice", "vice", "chair", "chair"][level]},
        "2.2.1": {"yes": level >= 2},
        "2.2.2": {"pct": 25 * level},
        "3.1": {"points": 2 * level},
    }


class Units:
    """N units, each with its own key, and a trust registry knowing them all."""

    def __init__(self, n: int, seed: int = 0) -> None:
        self.codes = [f"{10000 + i}" for i in range(n)]
        self.signers = {
            code: Ed25519Signer(
                ed25519.Ed25519PrivateKey.from_private_bytes(
                    bytes([seed, i % 256, i // 256]) + bytes(29)
                )
            )
            for i, code in enumerate(self.codes)
        }
        self.trust = TrustRegistry()
        for code, signer in self.signers.items():
            self.trust.add_key(code, signer.public_raw)

    def package(self, out: Path, code: str, *, level: int = 2, revision: int = 1, sid: str | None = None,
                supersedes: str | None = None, year: int = 2025, signer: Ed25519Signer | None = None,
                criteria_set: CriteriaSet | None = None, given: dict | None = None,
                province_data: bytes | None = None, unit_kind: str = "xã") -> Path:  # fmt: skip
        """A signed package of ``code``: the tiny set answered at ``level``, or ``criteria_set``
        with the answers ``given`` (and the ``.dtidata`` its supplied values come from)."""
        sub = Submission(
            unit_code=code, unit_name=f"Xã {code}", year=year, criteria_set=criteria_set or CS,
            answers=answers(level) if given is None else given,
            revision=revision, submission_id=sid_uuid(sid or f"{code}-{year}-r{revision}"),
            supersedes=sid_uuid(supersedes) if supersedes else None,
            officer_name="Nguyễn Văn An", officer_position="Công chức", created_at=FIXED,
            province_data=province_data, unit_kind=unit_kind,
        )  # fmt: skip
        out.mkdir(parents=True, exist_ok=True)
        path = build_package(sub, signer or self.signers[code], out / f"tmp-{sid or revision}")
        target = out / f"{code}_{year}_r{revision}_{sid or 'x'}.dtipkg"
        path.rename(target)
        path.parent.rmdir()
        return target
