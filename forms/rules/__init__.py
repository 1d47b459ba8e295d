"""The rule-kind registry: every ``RuleKind`` and the ``RuleKindSpec`` that implements it.

Adding a kind: a module here with a ``RuleKindSpec`` subclass (fields it reads, scoring,
description, set checks, answer checks), a line in ``_KINDS`` and a row in the rule table
of ``docs/criteria-format.md`` (``tests/forms/test_rules.py`` holds the two together).
"""

from __future__ import annotations

from collections.abc import Iterable

from forms.criteria import FIRST_RULE_VERSION, RuleKind
from forms.rules.base import RuleKindSpec
from forms.rules.choice import CHOICE
from forms.rules.direct import DIRECT
from forms.rules.info import INFO
from forms.rules.ratio import RATIO
from forms.rules.sum import SUM
from forms.rules.target import TARGET
from forms.rules.tiers import COUNT_TIERS, PERCENT_TIERS
from forms.rules.yes_no import YES_NO

_KINDS: tuple[RuleKindSpec, ...] = (
    YES_NO,
    CHOICE,
    COUNT_TIERS,
    PERCENT_TIERS,
    RATIO,
    DIRECT,
    SUM,
    TARGET,
    INFO,
)
REGISTRY: dict[RuleKind, RuleKindSpec] = {spec.kind: spec for spec in _KINDS}


def current_versions(kinds: Iterable[RuleKind]) -> tuple[tuple[str, int], ...]:
    """The ``CriteriaSet.rule_versions`` of a set this code writes using ``kinds``: every
    kind whose current meaning is not its first (none today), sorted."""
    return tuple(
        sorted(
            (k.value, REGISTRY[k].version)
            for k in set(kinds)
            if REGISTRY[k].version != FIRST_RULE_VERSION
        )
    )


def unknown_version(kind: str, version: object) -> bool:
    """True when this code has no meaning for ``kind`` at ``version`` (refuse, never guess)."""
    spec = next((s for s in _KINDS if s.kind.value == kind), None)
    if spec is None or isinstance(version, bool) or not isinstance(version, int):
        return True
    return version not in spec.meanings()


def rule_kind(kind: RuleKind) -> RuleKindSpec:
    """The spec of ``kind`` (a KeyError names a kind added to ``RuleKind`` but not here)."""
    return REGISTRY[kind]


__all__ = ["REGISTRY", "RuleKindSpec", "current_versions", "rule_kind", "unknown_version"]
