"""`dti-desk data build|show|import`: province-supplied values, the signed ``.dtidata`` file (issue 16).

Province's side: ``build`` reads a values sheet (Mã đơn vị | Chỉ số | Trường | Giá trị | Nguồn)
for a criteria set and signs it with the province's key (``--key-dir`` or ``--p12``, as for
reviews). Anyone: ``show`` checks a file and prints it. Commune's side (data folder): ``import``
checks it against the province keys the commune trusts (``reviewers.json``, role
``province_data``) and gives its values to the matching drafts. See docs/criteria-format.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desktop.commands._collector_common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    CommandError,
    add_criteria_argument,
    criteria_sets,
    fail,
)
from forms.i18n import _
from local_db.paths import DB_FILE


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "data", help=_("dữ liệu tỉnh cung cấp (.dtidata): lập, xem, nhập")
    )
    commands = group.add_subparsers(
        dest="data_command", metavar=_("LỆNH"), required=True, parser_class=type(group)
    )
    build = commands.add_parser("build", help=_("lập và ký tệp dữ liệu tỉnh cung cấp từ bảng tính giá trị"))  # fmt: skip
    build.add_argument("--set", required=True, metavar=_("TỆP"), help=_("bộ tiêu chí (.json hoặc .xlsx)"))  # fmt: skip
    build.add_argument("--values", required=True, metavar=_("TỆP"), help=_("bảng tính giá trị (.xlsx): Mã đơn vị | Chỉ số | Trường | Giá trị | Nguồn"))  # fmt: skip
    build.add_argument("-o", "--output", required=True, metavar=_("TỆP"), help=_("tệp .dtidata ghi ra"))  # fmt: skip
    build.add_argument("--issuer", required=True, metavar=_("CƠ_QUAN"), help=_("cơ quan cung cấp dữ liệu"))  # fmt: skip
    build.add_argument("--key-dir", metavar=_("THƯ_MỤC"), help=_("thư mục khóa ký (mặc định: keys trong thư mục dữ liệu)"))  # fmt: skip
    build.add_argument("--p12", metavar=_("TỆP"), help=_("ký bằng chứng thư số trong tệp .p12/.pfx thay cho khóa"))  # fmt: skip
    build.set_defaults(func=_build)

    show = commands.add_parser("show", help=_("kiểm tra và in nội dung tệp dữ liệu tỉnh cung cấp"))  # fmt: skip
    show.add_argument("file", metavar=_("TỆP"), help=_("tệp .dtidata"))
    _trust_argument(show)
    add_criteria_argument(show)
    show.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    show.set_defaults(func=_show)

    imp = commands.add_parser("import", help=_("nhập tệp dữ liệu tỉnh cung cấp vào thư mục dữ liệu của xã (sau khi kiểm tra)"))  # fmt: skip
    imp.add_argument("file", metavar=_("TỆP"), help=_("tệp .dtidata"))
    _trust_argument(imp)
    imp.set_defaults(func=_import)


def _trust_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reviewers", metavar=_("TỆP"), help=_("danh sách khóa tỉnh tin cậy (mặc định: reviewers.json trong thư mục dữ liệu)"))  # fmt: skip


def _problems(path: str, problems: list[Any]) -> int:
    print(_("Tệp dữ liệu tỉnh KHÔNG hợp lệ: {path}", path=path), file=sys.stderr)
    for problem in problems:
        print(f"  [{problem.code}] {problem}", file=sys.stderr)
    return EXIT_PROBLEMS


def _build(args: argparse.Namespace) -> int:
    from desktop.commands.export import _signer
    from forms.atomic import write_bytes_atomic
    from forms.criteria_io import load_criteria
    from forms.problems import ProblemsError
    from forms.province_data.sign import new_data, sign_data
    from forms.province_data.workbook import read_values

    try:
        cs = load_criteria(args.set)
    except ProblemsError as exc:
        return _problems(args.set, exc.problems)
    units, problems = read_values(args.values, cs)
    if problems:
        print(_("Bảng tính giá trị {path} có lỗi; không ký gì:", path=args.values), file=sys.stderr)
        for problem in problems:
            print(f"  [{problem.code}] {problem.where}: {problem.message}", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        signer = _signer(args)
        raw = sign_data(new_data(cs, args.issuer, units), cs, signer)
    except CommandError as exc:
        return fail(str(exc))
    except ProblemsError as exc:
        return _problems(args.values, exc.problems)
    try:
        path = write_bytes_atomic(Path(args.output), raw)
    except OSError as exc:
        return fail(_("Không ghi được {path}: {error}", path=args.output, error=exc.strerror or str(exc)))  # fmt: skip
    count = sum(len(v) for v in units.values())
    print(_("Đã ký và ghi tệp dữ liệu tỉnh {path}: {units} đơn vị, {count} giá trị", path=str(path), units=len(units), count=count))  # fmt: skip
    return EXIT_OK


def _trust(args: argparse.Namespace) -> Any:
    from desktop.commands.review import _reviewers

    return _reviewers(args)


def _show(args: argparse.Namespace) -> int:
    from desktop.commands.review import _local_sets
    from desktop.format import format_moment
    from forms.province_data.verify import verify_data

    try:
        trust = _trust(args)
        sets = {cs.content_hash: cs for cs in [*_local_sets(args), *criteria_sets(args)]}
    except CommandError as exc:
        return fail(str(exc))
    verdict = verify_data(args.file, criteria_sets=sets, trust=trust)
    if args.json:
        print(json.dumps(verdict.to_json(), ensure_ascii=False))
        return EXIT_OK if verdict.ok else EXIT_PROBLEMS
    data = verdict.data
    if data is not None:
        print(_("Bộ tiêu chí {set} năm {year} (mã băm {hash}); {issuer}, phát hành {issued}; khóa {fingerprint}", set=data.set_id, year=data.year, hash=data.set_hash[:12], issuer=data.issuer, issued=format_moment(data.issued_at), fingerprint=data.fingerprint))  # fmt: skip
        for unit, values in sorted(data.units.items()):
            for key, supplied in sorted(values.items()):
                print(f"  {unit}  {key} = {supplied.value}  ({supplied.source})")
    if not verdict.ok:
        return _problems(args.file, verdict.reasons)
    print(_("Tệp dữ liệu tỉnh hợp lệ"))
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from desktop.commands._packages_common import data_dir
    from local_db import StorageError, open_database
    from local_db import province_data as pd

    try:
        trust = _trust(args)
    except CommandError as exc:
        return fail(str(exc))
    if not (data_dir(args) / DB_FILE).is_file():
        return fail(_("Thư mục dữ liệu {path} chưa có cơ sở dữ liệu của xã: mở ứng dụng và chọn bộ tiêu chí trước", path=str(data_dir(args))))  # fmt: skip
    try:
        with open_database(data_dir(args)) as db:
            imported = pd.import_file(db, Path(args.file), trust)
    except pd.DataRejected as exc:
        return _problems(args.file, exc.problems)
    except StorageError as exc:
        return fail(str(exc))
    print(imported.message())
    if imported.applied:
        print(_("Đã cập nhật {n} bản đánh giá đang soạn", n=len(imported.applied)))
    return EXIT_OK
