"""Problems found in user input: one shape for criteria sets, answers, tables and packages.

Every problem carries a machine-readable ``code`` (stable, for --json and tests), a
``message`` already in the user's language, and ``where`` it was found (sheet/row/column,
JSON path, file name, indicator code and field), so a user can go straight to it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    ERROR = "error"  # blocks (cannot finalise, cannot load, not ok)
    WARNING = "warning"  # needs an explicit acknowledgement
    NOTE = "note"  # informational


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    where: str = ""
    level: Level = Level.ERROR

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["level"] = self.level.value
        return data


class ProblemsError(Exception):
    """Raised when input cannot be used at all; carries the complete list of problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
