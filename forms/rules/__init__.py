"""The rule-kind registry: every ``RuleKind`` and the ``RuleKindSpec`` that implements it.

Adding a kind: a module here with a ``RuleKindSpec`` subclass (fields it reads, scoring,
description, set checks, answer checks), a line in ``_KINDS`` and a row in the rule table
of ``docs/criteria-format.md`` (``tests/forms/test_rules.py`` holds the two together).
"""

from __future__ import annotations

from forms.criteria import RuleKind
from forms.rules.base import RuleKindSpec
from forms.rules.choice import CHOICE
from forms.rules.direct import DIRECT
from forms.rules.ratio import RATIO
from forms.rules.sum import SUM
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
)
REGISTRY: dict[RuleKind, RuleKindSpec] = {spec.kind: spec for spec in _KINDS}


def rule_kind(kind: RuleKind) -> RuleKindSpec:
    """The spec of ``kind`` (a KeyError names a kind added to ``RuleKind`` but not here)."""
    return REGISTRY[kind]


__all__ = ["REGISTRY", "RuleKindSpec", "rule_kind"]
