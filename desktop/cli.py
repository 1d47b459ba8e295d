"""The `dti-desk` command line. With no subcommand it opens the GUI.

Exit codes everywhere: 0 ok, 1 problems found, 2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from forms import __version__
from forms.i18n import _, language, set_language

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

# argparse's own words (usage, options, errors) come from the stdlib's gettext; Vietnamese
# is our default language, so they are translated here rather than left in English.
_ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "hiện trợ giúp này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu các tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "expected one argument": "cần đúng một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị %(type)s không hợp lệ: %(value)r",
    "show program's version number and exit": "hiện số phiên bản rồi thoát",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
}


def _argparse_gettext(text: str) -> str:
    return _ARGPARSE_VI.get(text, text) if language() == "vi" else text


class _Parser(argparse.ArgumentParser):
    # a command given --json reads its usage errors as JSON on stdout too (set by ``main``)
    json_errors = False

    def error(self, message: str):
        if _Parser.json_errors:
            from desktop.commands._output import json_error

            json_error("usage", message)
        self.print_usage(sys.stderr)
        self.exit(
            EXIT_USAGE,
            _argparse_gettext("%(prog)s: error: %(message)s\n")
            % {"prog": self.prog, "message": message},
        )


def _command_modules() -> list[str]:
    import desktop.commands as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))


def build_parser() -> argparse.ArgumentParser:
    argparse._ = _argparse_gettext  # type: ignore[attr-defined]
    parser = _Parser(
        prog="dti-desk",
        description=_(
            "Tự đánh giá chuyển đổi số (DTI) cấp xã: tiêu chí, chấm điểm, gói nộp có chữ ký, tổng hợp và xếp hạng."
        ),
        epilog=_(
            "Không có lệnh con: mở giao diện. Mã thoát: 0 ổn, 1 có vấn đề, 2 sai cách dùng. Đặt DTI_LANG=en hoặc --lang en để xem tiếng Anh."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"dti-desk {__version__}",
        help=_("hiện số phiên bản rồi thoát"),
    )
    parser.add_argument("--lang", choices=("vi", "en"), help=_("ngôn ngữ hiển thị (mặc định: vi)"))
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=_("thư mục dữ liệu (mặc định: thư mục dữ liệu của người dùng)"),
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=_("chạy thử ứng dụng không cần màn hình rồi thoát (dùng khi cài đặt)"),
    )
    sub = parser.add_subparsers(dest="command", metavar=_("LỆNH"), parser_class=_Parser)
    for name in _command_modules():
        module = importlib.import_module(f"desktop.commands.{name}")
        module.register(sub)
    return parser


def _pre_parse_language(argv: Sequence[str]) -> None:
    # The language must be known before the parser is built, since help texts are built then.
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in ("vi", "en"):
            set_language(argv[i + 1])
        elif arg.startswith("--lang=") and arg.split("=", 1)[1] in ("vi", "en"):
            set_language(arg.split("=", 1)[1])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _pre_parse_language(argv)
    _Parser.json_errors = "--json" in argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from desktop.app import self_test

        return self_test(args)
    if not args.command:
        from desktop.app import run_gui

        return run_gui(args)
    handler = getattr(args, "func", None)
    if handler is None:
        # a command group called without its subcommand, e.g. `dti-desk schema`
        with contextlib.suppress(SystemExit):
            parser.parse_args([*argv, "--help"])
        return EXIT_USAGE
    try:
        code = int(handler(args))
        sys.stdout.flush()  # inside the try: a buffered write may only fail here
        return code
    except BrokenPipeError:
        # `dti-desk schema show X | head`: the reader left; that is not an error of ours.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
