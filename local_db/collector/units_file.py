"""Reading the units list into the collector database.

The province's xlsx/CSV list (columns Mã, Tên, Loại, Nhóm) is read by the storage layer's
parser (``local_db.units.parse``); the JSON list written by ``dti-desk demo packages``
(``[{"code", "name", "group"}]``) is read here.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.problems import Problem, ProblemsError
from local_db.collector.reports import set_units
from local_db.units import MAX_LIST_BYTES, refused


def read_units(path: Path) -> list[tuple[str, str, str, str]]:
    """(code, name, kind, group) rows; raises ``ProblemsError`` naming the file and rows."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            items = json.loads(read_inbound(path, MAX_LIST_BYTES).decode("utf-8"))
            rows = [
                (str(i["code"]), str(i["name"]), str(i.get("kind", "")), str(i.get("group", "")))
                for i in items
            ]
        except InboundRejected as rejected:  # a FIFO, a device, a huge file: not read at all
            raise ProblemsError([refused(rejected, path.name)]) from None
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ProblemsError(
                [
                    Problem(
                        "units.unreadable",
                        _(
                            "Không đọc được danh sách đơn vị {name}: {error}",
                            name=path.name,
                            error=str(exc),
                        ),
                        path.name,
                    )
                ]
            ) from exc
        return rows
    from local_db.units import parse

    parsed, problems = parse(path)
    if problems and any(p.level == "error" for p in problems):
        raise ProblemsError(problems)
    return [(u.code, u.name, u.kind, u.group) for u in parsed]


def import_units_file(conn: sqlite3.Connection, path: Path) -> int:
    return set_units(conn, read_units(path))
