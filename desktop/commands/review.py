"""`dti-desk review list|set|export|receive|verify|import`: the review (thẩm định) loop through files.

Reviewer's side (collector database, ``--db``): ``list`` the current submissions of a year
with their review state, ``set`` verified points / status / comment per indicator (a draft
is started on first use), ``export`` signs the draft into a ``.dtireview`` file, ``receive``
stores reviews issued by a collector on the province's behalf.
Commune's side (data folder): ``verify`` checks a review file, ``import`` stores it with the
reviewed assessment. See docs/review-format.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from desktop.commands._collector_common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    CommandError,
    add_criteria_argument,
    add_db_argument,
    criteria_sets,
    date_value,
    fail,
    failed,
    open_store,
)
from forms.i18n import _
from local_db.errors import StorageError
from local_db.paths import DB_FILE, REVIEWERS_FILE

STATUSES = ("accepted", "adjusted", "explanation_requested")


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "review",
        help=_("thẩm định bài nộp: điểm thẩm định, nhận xét, yêu cầu giải trình (.dtireview)"),
        description=_(
            "Thẩm định bài nộp ở đơn vị tổng hợp/tỉnh và nhận kết quả thẩm định ở xã, qua tệp .dtireview có chữ ký."
        ),
    )
    commands = group.add_subparsers(
        dest="review_command", metavar=_("LỆNH"), parser_class=type(group)
    )

    lst = commands.add_parser(
        "list", help=_("các bài nộp hiện hành của một năm và tình trạng thẩm định")
    )
    add_db_argument(lst)
    lst.add_argument("--year", type=int, required=True, metavar=_("NĂM"), help=_("năm đánh giá"))
    add_criteria_argument(lst)
    lst.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    lst.set_defaults(func=_list)

    st = commands.add_parser(
        "set",
        help=_(
            "đặt điểm thẩm định, trạng thái, nhận xét của một chỉ tiêu (bắt đầu phiếu nháp nếu chưa có)"
        ),
    )
    _target(st)
    st.add_argument("--indicator", metavar=_("MÃ"), help=_("mã chỉ tiêu, ví dụ 1.2"))
    st.add_argument(
        "--points", metavar=_("ĐIỂM"), help=_("điểm thẩm định, trong khoảng 0 đến điểm tối đa")
    )
    st.add_argument("--status", choices=STATUSES, help=_("trạng thái của chỉ tiêu"))
    st.add_argument("--comment", metavar=_("NHẬN_XÉT"), help=_("nhận xét gửi xã"))
    st.add_argument(
        "--based-on", type=int, metavar=_("PHIÊN_BẢN"),
        help=_("phiên bản của chỉ tiêu mà bạn đã đọc (in ra sau mỗi lần lưu); nếu người khác đã sửa sau đó, thay đổi bị từ chối (stale_edit)"),
    )  # fmt: skip
    _details(st)
    _officer_argument(st)
    st.set_defaults(func=_set)

    export = commands.add_parser(
        "export", help=_("ký phiếu thẩm định và ghi tệp .dtireview để gửi xã")
    )
    _target(export)
    _details(export)
    export.add_argument(
        "-o", "--output", required=True, metavar=_("THƯ_MỤC"), help=_("thư mục ghi tệp .dtireview")
    )
    export.add_argument(
        "--key-dir",
        metavar=_("THƯ_MỤC"),
        help=_("thư mục khóa ký (mặc định: keys trong thư mục dữ liệu)"),
    )
    export.add_argument(
        "--p12", metavar=_("TỆP"), help=_("ký bằng chứng thư số trong tệp .p12/.pfx thay cho khóa")
    )
    export.add_argument(
        "--based-on", type=int, metavar=_("PHIÊN_BẢN"),
        help=_("phiên bản của phiếu nháp mà bạn đã đọc; nếu phiếu đã được sửa sau đó, không ký (stale_edit)"),
    )  # fmt: skip
    _officer_argument(export)
    export.set_defaults(func=_export)

    receive = commands.add_parser(
        "receive",
        help=_(
            "nhận phiếu thẩm định do đơn vị tổng hợp phát hành vào cơ sở dữ liệu tổng hợp (tính vào xếp hạng)"
        ),
    )
    add_db_argument(receive)
    receive.add_argument("files", nargs="+", metavar=_("TỆP"), help=_("tệp .dtireview"))
    _reviewers_argument(receive)
    add_criteria_argument(receive)
    receive.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    receive.set_defaults(func=_receive)

    verify = commands.add_parser(
        "verify", help=_("kiểm tra tệp thẩm định: chữ ký, người thẩm định tin cậy, điểm")
    )
    verify.add_argument("file", metavar=_("TỆP"), help=_("tệp .dtireview"))
    _reviewers_argument(verify)
    add_criteria_argument(verify)
    verify.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    verify.set_defaults(func=_verify)

    imp = commands.add_parser(
        "import", help=_("nhập tệp thẩm định vào bản đánh giá của xã (sau khi kiểm tra)")
    )
    imp.add_argument("file", metavar=_("TỆP"), help=_("tệp .dtireview"))
    _reviewers_argument(imp)
    imp.set_defaults(func=_import)


def _target(parser: argparse.ArgumentParser) -> None:
    add_db_argument(parser)
    parser.add_argument(
        "--unit", required=True, metavar=_("MÃ"), help=_("mã đơn vị được thẩm định")
    )
    parser.add_argument("--year", type=int, required=True, metavar=_("NĂM"), help=_("năm đánh giá"))
    add_criteria_argument(parser)


def _details(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--deadline", type=date_value, metavar=_("NGÀY"),
        help=_("hạn giải trình (dd/mm/yyyy, ví dụ 15/01/2026)"),
    )  # fmt: skip
    parser.add_argument("--message", metavar=_("NỘI_DUNG"), help=_("ý kiến chung gửi xã"))
    parser.add_argument("--name", metavar=_("TÊN"), help=_("họ tên người thẩm định"))
    parser.add_argument(
        "--position", default="", metavar=_("CHỨC_VỤ"), help=_("chức vụ người thẩm định")
    )
    parser.add_argument(
        "--organisation", default="", metavar=_("CƠ_QUAN"), help=_("cơ quan thẩm định")
    )


OFFICER_ENV = "DTI_OFFICER"


def _officer_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--officer", metavar=_("TÊN"), default=os.environ.get(OFFICER_ENV),
        help=_("họ tên cán bộ thực hiện, ghi vào nhật ký thẩm định (bắt buộc; mặc định: biến môi trường DTI_OFFICER)"),
    )  # fmt: skip


def _officer(args: argparse.Namespace) -> str:
    """The officer writing, checked (NFC, bounded, no control characters): ``CommandError``."""
    from local_db.review.versions import ReviewError, officer_name

    try:
        return officer_name(args.officer)
    except ReviewError as exc:
        hint = _("dùng --officer TÊN hoặc đặt biến môi trường DTI_OFFICER")
        raise CommandError(f"{exc} ({hint})", exc.code) from None


def _reviewers_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reviewers", metavar=_("TỆP"),
        help=_("danh sách người thẩm định tin cậy (mặc định: reviewers.json trong thư mục dữ liệu)"),
    )  # fmt: skip


def _problems(problems: list[Any]) -> int:
    return fail("\n".join(str(p) for p in problems))


def _current(store: Any, unit: str, year: int) -> str:
    row = store.current_of(unit, year)
    if row is None:
        raise CommandError(
            _("Đơn vị {unit} chưa có bài nộp hợp lệ năm {year}", unit=unit, year=year)
        )
    if row[1] != "current":
        raise CommandError(
            _(
                "Đơn vị {unit} có bài nộp mâu thuẫn năm {year}: hãy chọn bài nộp hiện hành trước",
                unit=unit,
                year=year,
            )
        )
    return str(row[0])


def _existing_store(path: str) -> Any:
    """The collector database ``--db`` names, which must already exist: ``list``, ``set`` and
    ``export`` read submissions merged into it, and a mistyped path used to leave a new empty
    database behind (and list nothing, as if all were fine)."""
    target = Path(path)
    if target.parent.is_dir() and not target.exists():  # a missing folder: open_store says so
        raise CommandError(
            _(
                "Không có cơ sở dữ liệu tổng hợp {path}. Hãy kiểm tra đường dẫn --db (lệnh này "
                "không tạo cơ sở dữ liệu mới; gói nộp được đưa vào bằng lệnh merge).",
                path=path,
            ),
            "db_missing",
        )
    return open_store(path)


def _open_draft(args: argparse.Namespace) -> tuple[Any, str, Any, str]:
    """(store, manifest sha, criteria set, officer) with the draft started if needed."""
    from forms.review.model import Reviewer

    sets = {cs.content_hash: cs for cs in criteria_sets(args)}
    store = _existing_store(args.db)
    try:
        officer = _officer(args)
        sha = _current(store, args.unit, args.year)
        ref = store.submission(sha)
        assert ref is not None  # current names a stored submission
        cs = sets.get(ref.criteria_hash)
        if cs is None:
            raise CommandError(_("Không tìm thấy bộ tiêu chí {hash}", hash=ref.criteria_hash[:12]))
        reviewer = Reviewer(args.name or "", args.position, args.organisation)
        store.start_review(sha, cs, reviewer, officer=officer)
        _apply_details(store, sha, args, officer)
    except BaseException:
        store.close()
        raise
    return store, sha, cs, officer


def _apply_details(store: Any, sha: str, args: argparse.Namespace, officer: str) -> None:
    from forms.review.model import Reviewer
    from local_db.review import collector as rc

    changes: dict[str, Any] = {}
    if args.deadline is not None:  # a date already (date_value): stored as ISO
        changes["deadline"] = args.deadline.isoformat()
    if args.message is not None:
        changes["message"] = args.message
    if args.name:
        changes["reviewer"] = Reviewer(args.name, args.position, args.organisation)
    if changes and store.review_state(sha) == rc.DRAFT:
        store.set_details(sha, officer=officer, **changes)


def _list(args: argparse.Namespace) -> int:
    from forms.criteria import Rounding
    from local_db.review import collector as rc

    try:
        roundings = {cs.content_hash: cs.rounding for cs in criteria_sets(args)}
        store = _existing_store(args.db)
    except CommandError as exc:
        return failed(args, exc)
    try:
        rows: list[dict[str, Any]] = []
        rounding: dict[str, Rounding] = {}
        verified = store.verified_results(args.year)
        states = store.verification_states(args.year)
        for sub in store.current_submissions(args.year):
            found = verified.get(sub.unit_code)
            rows.append({
                "unit": sub.unit_code, "name": sub.unit_name, "revision": sub.revision, "self_total": sub.total,
                "review": store.review_state(sub.manifest_sha256) or "",
                "verification": states.get(sub.unit_code, rc.SELF_ASSESSED),
                "verified_total": str(found.total) if found else None,
            })  # fmt: skip
            # a set not named here: the default rounding (2 decimals), as the sets default to
            rounding[sub.unit_code] = roundings.get(sub.criteria_hash, Rounding())
    finally:
        store.close()
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for row in rows:
        _print_list_row(row, rounding[row["unit"]])
    return EXIT_OK


def _print_list_row(row: dict[str, Any], rounding: Any) -> None:
    from desktop.format import format_points
    from local_db.review import collector as rc

    state = {"": _("chưa thẩm định"), "draft": _("đang thẩm định"), "issued": _("đã phát hành")}
    verified = row["verified_total"]
    print(
        _("{unit} {name} (lần {revision}): tự đánh giá {self_total}, thẩm định {verified} — {state}; {label}",
          unit=row["unit"], name=row["name"], revision=row["revision"],
          self_total=format_points(row["self_total"], rounding),
          verified=format_points(verified, rounding) if verified else "-",
          state=state[row["review"]], label=rc.verification_label(row["verification"]))
    )  # fmt: skip


def _set(args: argparse.Namespace) -> int:
    from desktop.format import format_points
    from forms.problems import ProblemsError
    from local_db.review import collector as rc

    try:
        store, sha, cs, officer = _open_draft(args)
    except (CommandError, rc.ReviewError, StorageError) as exc:
        return fail(str(exc))
    try:
        if args.indicator:
            item = store.set_item(
                sha, cs, args.indicator, points=args.points, status=args.status,
                comment=args.comment, based_on=args.based_on, officer=officer,
            )  # fmt: skip
            versions = store.review_versions(sha)
            assert versions is not None  # the draft was started above
            print(
                _("Chỉ tiêu {code}: tự đánh giá {self_points}, thẩm định {verified} ({status}); phiên bản {version}",
                  code=item.code, self_points=format_points(item.self_points, cs.rounding),
                  verified=format_points(item.verified_points, cs.rounding) or "-",
                  status=_status_label(item.status), version=versions.items[item.code].version)
            )  # fmt: skip
    except ProblemsError as exc:
        return _problems(exc.problems)
    except rc.StaleEdit as exc:
        return fail(
            f"[{exc.code}] {exc} " + _("(phiên bản hiện tại: {version})", version=exc.version)
        )
    except (rc.ReviewError, StorageError) as exc:
        return fail(str(exc))
    finally:
        store.close()
    return EXIT_OK


def _status_label(status: Any) -> str:
    from forms.review.model import status_label

    return status_label(status)


def _export(args: argparse.Namespace) -> int:
    from desktop.commands.export import _signer
    from forms.problems import ProblemsError
    from local_db.review import collector as rc

    out = Path(args.output)
    if not out.is_dir():
        return fail(_("Không có thư mục {path}", path=str(out)))
    try:
        store, sha, cs, officer = _open_draft(args)
    except (CommandError, rc.ReviewError, StorageError) as exc:
        return fail(str(exc))
    try:
        if store.review_state(sha) == rc.ISSUED:
            issued = store.issued_file(sha)
            assert issued is not None
            from forms.review.sign import write_review_file

            path = write_review_file(issued[1], out / issued[0])
            print(_("Phiếu thẩm định đã phát hành trước đó; đã ghi lại tệp {path}", path=str(path)))
            return EXIT_OK
        signer = _signer(args)
        path = store.issue(sha, cs, signer, out, based_on=args.based_on, officer=officer)
    except (CommandError, rc.ReviewError, StorageError) as exc:
        return fail(str(exc))
    except ProblemsError as exc:
        return _problems(exc.problems)
    except OSError as exc:
        return fail(
            _("Không ghi được {path}: {error}", path=str(out), error=exc.strerror or str(exc))
        )
    finally:
        store.close()
    print(_("Đã ký và ghi phiếu thẩm định: {path}", path=str(path)))
    return EXIT_OK


def _receive(args: argparse.Namespace) -> int:
    try:
        trust = _reviewers(args)
        sets = {cs.content_hash: cs for cs in criteria_sets(args)}
        store = open_store(args.db)
    except CommandError as exc:
        return failed(args, exc)
    results = []
    try:
        for name in args.files:
            got = store.receive_file(name, trust, sets)  # a device or a FIFO is not read
            results.append(
                {
                    "file": name,
                    "outcome": got.outcome,
                    "reasons": [{"code": p.code, "message": p.message} for p in got.reasons],
                }
            )
    except StorageError as exc:
        return failed(args, CommandError(str(exc), "storage_error"))
    finally:
        store.close()
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        labels = {"stored": _("đã nhận"), "duplicate": _("đã có"), "rejected": _("bị từ chối")}
        for item in results:
            print(f"{item['file']}: {labels[item['outcome']]}")
            for reason in item["reasons"]:
                print(f"  [{reason['code']}] {reason['message']}")
    return EXIT_PROBLEMS if any(r["outcome"] == "rejected" for r in results) else EXIT_OK


def _reviewers(args: argparse.Namespace) -> Any:
    from desktop.commands._packages_common import data_dir
    from forms.packages.trust import TrustError, TrustRegistry

    path = Path(args.reviewers) if args.reviewers else data_dir(args) / REVIEWERS_FILE
    if args.reviewers and not path.is_file():
        raise CommandError(
            _("Không tìm thấy danh sách tin cậy {path}", path=str(path)), "reviewers_missing"
        )
    try:
        return TrustRegistry.load(path)
    except TrustError as exc:
        raise CommandError(
            _("Danh sách tin cậy {path} không đọc được: {error}", path=str(path), error=str(exc)),
            "reviewers_unreadable",
        ) from exc


def _local_sets(args: argparse.Namespace) -> list[Any]:
    """The criteria sets the commune's own database knows, read without opening it for writing
    (verify must change nothing, and must work while the app holds the database)."""
    from desktop.commands._packages_common import data_dir
    from local_db.review.commune import known_criteria_sets

    return known_criteria_sets(data_dir(args))


def _verify(args: argparse.Namespace) -> int:
    from forms.review.verify import verify_review

    try:
        trust = _reviewers(args)
        sets = {cs.content_hash: cs for cs in [*_local_sets(args), *criteria_sets(args)]}
    except CommandError as exc:
        return failed(args, exc)
    verdict = verify_review(args.file, criteria_sets=sets, trust=trust)
    if args.json:
        print(json.dumps(verdict.to_json(), ensure_ascii=False))
    elif verdict.ok and verdict.review is not None:
        review = verdict.review
        print(
            _("Tệp thẩm định hợp lệ: đơn vị {unit}, năm {year}, lần {revision}; người thẩm định {name} ({fingerprint}); {flagged} chỉ tiêu cần giải trình, {adjusted} chỉ tiêu điều chỉnh điểm",
              unit=review.submission.unit_code, year=review.submission.year, revision=review.submission.revision,
              name=review.reviewer.name, fingerprint=review.fingerprint, flagged=len(review.flagged), adjusted=len(review.adjusted))
        )  # fmt: skip
    else:
        print(_("Tệp thẩm định KHÔNG hợp lệ: {path}", path=args.file))
        for problem in verdict.reasons:
            print(f"  [{problem.code}] {problem.message}")
    return EXIT_OK if verdict.ok else EXIT_PROBLEMS


def _rejected(path: str, problems: list[Any]) -> int:
    print(_("Tệp thẩm định KHÔNG hợp lệ: {path}", path=path), file=sys.stderr)
    for problem in problems:
        print(f"  [{problem.code}] {problem.message}", file=sys.stderr)
    return EXIT_PROBLEMS


def _import(args: argparse.Namespace) -> int:
    from desktop.commands._packages_common import data_dir
    from desktop.format import format_date
    from forms.inbound import InboundRejected, read_inbound
    from forms.review.model import MAX_FILE_BYTES
    from local_db import StorageError, open_database
    from local_db.review import commune

    try:
        trust = _reviewers(args)
    except CommandError as exc:
        return fail(str(exc))
    try:
        # read before the data folder is opened, the one way files from outside are read
        data = read_inbound(args.file, MAX_FILE_BYTES)
    except InboundRejected as exc:
        return _rejected(args.file, [exc.problem])
    if not (data_dir(args) / DB_FILE).is_file():
        # a fresh folder holds no assessment to attach the review to: say why, create nothing
        return _rejected(args.file, commune.check_without_database(data, trust).reasons)
    try:
        with open_database(data_dir(args)) as db:
            imported = commune.import_review(db, data, trust)
    except commune.ReviewRejected as exc:
        return _rejected(args.file, exc.problems)
    except StorageError as exc:
        return fail(str(exc))
    review = imported.review
    print(
        _("Đã nhập phiếu thẩm định của {name} cho bản đánh giá năm {year} lần {revision}: {flagged} chỉ tiêu cần giải trình (hạn {deadline}), {adjusted} chỉ tiêu điều chỉnh điểm",
          name=review.reviewer.name, year=review.submission.year, revision=review.submission.revision,
          flagged=len(review.flagged), deadline=format_date(review.deadline) or "-", adjusted=len(review.adjusted))
    )  # fmt: skip
    for item in review.flagged:
        print(f"  {item.code}: {item.comment}")
    return EXIT_OK
