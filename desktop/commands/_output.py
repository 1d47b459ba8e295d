"""What every command prints the same way: errors as JSON for ``--json`` readers, and long
lists cut short unless ``--verbose`` asks for all of them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from forms.i18n import _
from forms.text import SHORT_LIST, short_list


def json_error(code: str, message: str, problems: Sequence[Any] = ()) -> None:
    """An error as ``--json`` readers get it on stdout: ``{"ok": false, "code", "message"}``
    (and ``problems``, each ``{"code", "message", ...}``, when rows of a file are behind it).
    The same sentence still goes to stderr for the person watching; the exit code is unchanged."""
    body: dict[str, Any] = {"ok": False, "code": code, "message": message}
    if problems:
        body["problems"] = [p.to_json() if hasattr(p, "to_json") else str(p) for p in problems]
    json.dump(body, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def add_verbose_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose",
        action="store_true",
        help=_("in đủ các danh sách dài (mặc định: in vài mục và số còn lại)"),
    )


def listing(items: Sequence[str], args: argparse.Namespace, limit: int = SHORT_LIST) -> str:
    """``items`` for a line a person reads: all of them with ``--verbose``, else the first
    ``limit`` and how many more (``forms.text.short_list``), saying how to see the rest."""
    if getattr(args, "verbose", False) or len(items) <= limit:
        return short_list(items, None)
    return short_list(items, limit) + " " + _("(thêm --verbose để in đủ)")
