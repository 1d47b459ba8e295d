"""A scoring rule in plain words, as shown next to an indicator and in printed forms.

"4 cuộc họp trở lên: 20 điểm; 3: 15 điểm; 2: 10 điểm; 1: 5 điểm; còn lại: 0 điểm".
Numbers follow the display language: decimal comma in Vietnamese, point in English.
Each rule kind words itself (``forms.rules``); this module is the door the GUI and the
command line use.
"""

from __future__ import annotations

from forms.criteria import Indicator, RuleKind
from forms.i18n import _
from forms.rules import rule_kind
from forms.rules.text import format_number

__all__ = ["describe_rule", "format_number", "rule_kind_name"]


def describe_rule(indicator: Indicator) -> str:
    """The indicator's scoring rule in one line of plain language."""
    return rule_kind(indicator.rule.kind).describe(indicator)


def rule_kind_name(kind: RuleKind) -> str:
    """The Vietnamese name of a rule kind (for the tree in ``schema show`` and the GUI)."""
    return _(rule_kind(kind).name)
