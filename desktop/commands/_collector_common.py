"""Shared by `dti-desk merge`, `export` and `results import`: opening the collector
database, the trust registry and the criteria sets, with user-facing messages.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.commands._output import json_error
from forms.criteria import CriteriaSet
from forms.i18n import _
from local_db.paths import TRUST_FILE

if TYPE_CHECKING:
    from local_db.collector import CollectorStore

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A problem to print (Vietnamese) and exit 1 on; ``code`` names it for ``--json`` readers,
    ``problems`` are the ``forms.problems.Problem`` rows behind it (a units file's bad rows)."""

    def __init__(self, message: str, code: str = "failed", problems: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.problems = list(problems)


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        required=True,
        metavar=_("TỆP"),
        help=_(
            "cơ sở dữ liệu tổng hợp: tệp .sqlite (tạo mới nếu chưa có) hoặc postgresql://NGƯỜI_DÙNG@MÁY/CSDL"
        ),
    )


def add_criteria_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--criteria", action="append", default=[], metavar=_("TỆP"),
        help=_("thêm một bộ tiêu chí (.json hoặc .xlsx); bộ tiêu chí tham khảo luôn được biết"),
    )  # fmt: skip


def date_value(text: str) -> date:
    """An argparse ``type`` for every date the command line takes: dd/mm/yyyy as people write
    it, or ISO yyyy-mm-dd (``desktop.format.parse_date``, the one parser). Refused with a
    message that argparse prefixes with the option's name (``tham số --deadline: …``)."""
    from desktop.format import parse_date

    found = parse_date(text)
    if found is None:
        raise argparse.ArgumentTypeError(
            _(
                "“{value}” không phải ngày hợp lệ (dd/mm/yyyy, ví dụ 15/01/2026, hoặc yyyy-mm-dd)",
                value=text,
            )
        )
    return found


def open_store(path: str) -> CollectorStore:
    """The collector database at ``path`` (created if new) as a ``CollectorStore``."""
    from local_db.collector import CollectorSchemaError, CollectorStore
    from local_db.collector.db_url import is_url, masked
    from local_db.errors import StorageError

    if is_url(path):
        try:
            return CollectorStore(path)
        except CollectorSchemaError as exc:
            raise CommandError(
                _("Cơ sở dữ liệu {path} do phiên bản dti-desk mới hơn tạo ra", path=masked(path)),
                "db_newer",
            ) from exc
        except StorageError as exc:  # the server: unreachable, refused (the password masked)
            raise CommandError(str(exc), "db_unreachable") from exc
    target = Path(path)
    if target.is_dir():
        raise CommandError(
            _("{path} là thư mục; --db cần một tệp cơ sở dữ liệu", path=path), "db_is_folder"
        )
    if not target.parent.is_dir():
        raise CommandError(_("Không có thư mục {path}", path=str(target.parent)), "folder_missing")
    try:
        return CollectorStore(target)
    except CollectorSchemaError as exc:
        raise CommandError(
            _("Cơ sở dữ liệu {path} do phiên bản dti-desk mới hơn tạo ra", path=path), "db_newer"
        ) from exc
    except Exception as exc:  # sqlite3.DatabaseError and friends: not a collector database
        raise CommandError(
            _("Không mở được cơ sở dữ liệu {path}: {error}", path=path, error=str(exc)),
            "db_unreadable",
        ) from exc


def open_db(path: str) -> Any:
    """The store's connection, for the commands that still take one (``export``); the caller
    closes it."""
    return open_store(path).conn


def criteria_sets(args: argparse.Namespace) -> list[CriteriaSet]:
    from forms.problems import ProblemsError
    from forms.reference import reference_sets

    sets = reference_sets()
    for item in getattr(args, "criteria", []) or []:
        try:
            if str(item).lower().endswith(".json"):
                from forms.criteria_json import load_json

                sets.append(load_json(item))
            else:
                from forms.criteria_io import load_criteria

                sets.append(load_criteria(item))
        except ProblemsError as exc:
            raise CommandError(
                "\n".join(str(p) for p in exc.problems), "criteria_invalid", exc.problems
            ) from exc
        except (OSError, ImportError) as exc:
            raise CommandError(
                _("Không đọc được bộ tiêu chí {name}: {error}", name=str(item), error=str(exc)),
                "criteria_unreadable",
            ) from exc
    return sets


def load_trust(path: str | None, data_dir: str | None) -> Any:
    from forms.packages.trust import TrustError, TrustRegistry

    if path is None:
        from local_db.paths import resolve_data_dir

        candidate = resolve_data_dir(data_dir) / TRUST_FILE
    else:
        candidate = Path(path)
        if not candidate.is_file():
            raise CommandError(
                _("Không tìm thấy danh sách tin cậy {path}", path=path), "trust_missing"
            )
    try:
        return TrustRegistry.load(candidate)
    except TrustError as exc:
        raise CommandError(
            _(
                "Danh sách tin cậy {path} không đọc được: {error}",
                path=str(candidate),
                error=str(exc),
            ),
            "trust_unreadable",
        ) from exc


def fail(message: str) -> int:
    print(_("Lỗi: {message}", message=message), file=sys.stderr)
    return EXIT_PROBLEMS


def failed(args: argparse.Namespace, exc: CommandError) -> int:
    """``fail`` for a ``CommandError``, as JSON on stdout too when the command was given --json."""
    if getattr(args, "json", False):
        json_error(exc.code, str(exc), exc.problems)
    return fail(str(exc))
