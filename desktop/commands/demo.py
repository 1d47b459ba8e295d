"""`dti-desk demo packages --units N --out DIR [--seed S] [--year Y]`: synthetic signed packages."""

from __future__ import annotations

import argparse
import sys

from desktop.commands._packages_common import EXIT_OK, EXIT_USAGE, error
from forms.i18n import _


def register(subparsers) -> None:
    grp = subparsers.add_parser("demo", help=_("dữ liệu thử nghiệm"))
    sub = grp.add_subparsers(dest="demo_command", metavar=_("LỆNH"), parser_class=type(grp))
    pkgs = sub.add_parser(
        "packages",
        help=_(
            "tạo N gói có chữ ký cho N đơn vị giả lập, kèm danh sách đơn vị và danh sách tin cậy"
        ),
    )
    pkgs.add_argument(
        "--units", type=int, required=True, metavar="N", help=_("số đơn vị (1 đến 20000)")
    )
    pkgs.add_argument("--out", required=True, metavar=_("THƯ_MỤC"), help=_("thư mục cần ghi"))
    pkgs.add_argument(
        "--seed", type=int, default=1, help=_("hạt giống ngẫu nhiên (cùng hạt giống, cùng kết quả)")
    )
    pkgs.add_argument("--year", type=int, default=2025, help=_("năm đánh giá"))
    pkgs.add_argument("--evidence", type=int, default=3, help=_("số tệp minh chứng mỗi gói"))
    pkgs.set_defaults(func=_packages)
    commune = sub.add_parser(
        "commune",
        help=_(
            "tạo một thư mục dữ liệu cấp xã sẵn sàng: hồ sơ, bản đánh giá đã trả lời, minh chứng, khóa ký (mật khẩu từ DTI_PASSPHRASE)"
        ),
    )
    # --data-dir here too (dest "out": a subcommand's own default would hide the global one)
    commune.add_argument("--out", "--data-dir", dest="out", metavar=_("THƯ_MỤC"),
                         help=_("thư mục dữ liệu cần tạo (mặc định: --data-dir chung)"))  # fmt: skip
    commune.add_argument("--unit", default="25001", metavar=_("MÃ"), help=_("mã đơn vị"))
    commune.add_argument(
        "--seed", type=int, default=1, help=_("hạt giống ngẫu nhiên (cùng hạt giống, cùng kết quả)")
    )
    commune.set_defaults(func=_commune)


def _commune(args: argparse.Namespace) -> int:
    from desktop.commands._packages_common import passphrase
    from forms.reference import reference_set
    from local_db.demo_commune import make_demo_commune
    from local_db.errors import StorageError
    from local_db.paths import resolve_data_dir

    target = resolve_data_dir(args.out or getattr(args, "data_dir", None))
    secret = passphrase(confirm=True)
    if not secret:
        return error(
            _("Cần mật khẩu khóa ký: đặt DTI_PASSPHRASE hoặc chạy trong cửa sổ dòng lệnh.")
        )
    try:
        made = make_demo_commune(
            target, secret, reference_set(), unit_code=args.unit, seed=args.seed
        )
    except (StorageError, OSError) as exc:
        return error(str(exc))
    from desktop.settings import COMMUNE, MODE, settings_for

    settings = settings_for(str(target), target)  # the window opens it as a commune's folder
    settings.set(MODE, COMMUNE)
    settings.sync()
    print(
        _(
            "Đã tạo thư mục dữ liệu {path}: đơn vị {unit}, {citations} minh chứng đính kèm từ {files} tệp",
            path=str(made.data_dir), unit=made.unit_code, citations=made.citations, files=made.evidence_files,
        )
    )  # fmt: skip
    return EXIT_OK


def _packages(args: argparse.Namespace) -> int:
    from forms.packages.demo import write_demo

    if (
        not 1 <= args.units <= 20_000
        or not 1900 <= args.year <= 2200
        or not 0 <= args.evidence <= 100
    ):
        print(
            _("Số đơn vị phải từ 1 đến 20000, năm từ 1900 đến 2200, minh chứng từ 0 đến 100."),
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        result = write_demo(
            args.out, units=args.units, seed=args.seed, year=args.year, evidence=args.evidence
        )
    except OSError as exc:
        return error(
            _("Không ghi được vào {path}: {error}", path=args.out, error=exc.strerror or str(exc))
        )
    print(
        _(
            "Đã ghi {count} gói, {units} và {trust}",
            count=len(result.packages),
            units=result.units_csv.name,
            trust=result.trust.name,
        )
    )
    return EXIT_OK
