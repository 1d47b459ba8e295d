"""Where a criteria object was written (a JSON path, a workbook cell): the one protocol the set's
checks speak through, in a module of its own so that every checker can name it without importing
the others."""

from __future__ import annotations

from typing import Protocol


class Locator(Protocol):
    def where(self, obj: object, attr: str = "") -> str:
        """Where ``obj`` (and its attribute ``attr``, named as in the JSON form) was written."""
        ...
