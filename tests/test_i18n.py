"""Every user-visible Vietnamese string has an English translation, and none is stale."""

import ast
from pathlib import Path

from forms.i18n import _, english_catalogue, set_language

ROOT = Path(__file__).resolve().parent.parent


def _source_strings() -> set[str]:
    found: set[str] = set()
    for folder in ("forms", "local_db", "desktop"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in {"_", "N_"}
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
    return found


def test_every_string_has_english():
    missing = sorted(s for s in _source_strings() if s not in english_catalogue())
    assert not missing, f"add these to resources/i18n/en/*.json: {missing}"


def test_no_stale_translations():
    stale = sorted(set(english_catalogue()) - _source_strings())
    assert not stale, f"no longer used in the code: {stale}"


def test_switch_language():
    set_language("en")
    assert _("Tự kiểm tra: {verdict}", verdict="x") == "Self-test: x"
