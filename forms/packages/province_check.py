"""Format 3 (issue 16): the province's data file a package carries, and the answers it binds.

The package carries the signed ``.dtidata`` the commune imported (``province-data.dtidata``,
its sha256 in the signed manifest), so the collector checks the very file the commune used,
with no copy of its own to keep in step: ``province_file`` (with the package's checks) finds
the entry and, for a signed package, its size and hash; ``province_values`` (with the criteria
checks) verifies the file's own signature against the collector's trust list (role
``province_data``, unit ``*``), that it is for the package's set and year, and that every
province-supplied answer equals the file's value for the package's unit, type and all. A
package that answers a supplied field without a file is refused too: its value is the commune's
word, not the province's.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from forms.i18n import _
from forms.packages import format as fmt
from forms.problems import Problem
from forms.province_data.model import supplied_fields
from forms.validation import is_empty

if TYPE_CHECKING:
    from forms.criteria import CriteriaSet
    from forms.packages.package_run import PackageRun
    from forms.province_data.verify import DataVerdict


# Every package of a province carries the same file: its check (~90 ms for 3,321 units, see
# benchmarks/bench_province_data.py) is kept per process by (file hash, set, year), for the
# same set object; the signer's standing in the trust list is not kept (it is asked each time)
_KEPT = 8
_verdicts: dict[tuple[str, str, int], tuple[CriteriaSet, DataVerdict]] = {}


def _listed(run: PackageRun) -> dict[str, Any] | None:
    if run.manifest["format_version"] < fmt.PROVINCE_DATA_VERSION:
        return None
    found: dict[str, Any] = run.manifest["province_data"]
    return found


def province_file(run: PackageRun) -> bool:
    """Format 3: the data file the manifest lists is there and, when signed, is the one signed."""
    listed = _listed(run)
    if listed is None:
        return True
    entry = listed["path"]
    if entry not in run.zf.files:
        run.reasons.append(Problem("province_data_missing", _("Gói thiếu tệp dữ liệu tỉnh {entry}", entry=entry), entry))  # fmt: skip
        return True
    if run.verdict.signer is None:
        return True
    data = run.zf.read(entry, fmt.MAX_PROVINCE_DATA_BYTES)
    if len(data) != listed["size"] or hashlib.sha256(data).hexdigest() != listed["sha256"]:
        run.reasons.append(Problem("province_data_hash", _("Tệp dữ liệu tỉnh {entry} trong gói không khớp với mã băm đã ký", entry=entry), entry))  # fmt: skip
        return True
    run.province_raw = data
    return True


def _missing_file(run: PackageRun, answers: dict[str, Any]) -> list[Problem]:
    return [
        Problem(
            "province_data_missing",
            _(
                "Chỉ tiêu {code}, trường “{field}”: giá trị do tỉnh cung cấp nhưng gói không kèm tệp dữ liệu tỉnh",
                code=code,
                field=key,
            ),
            f"answers.{code}.values.{key}",
        )  # fmt: skip
        for code, key in supplied_fields(run.criteria)
        if not is_empty(answers.get(code, {}).get(key))
    ]


def _typed(value: Any) -> tuple[type, Any]:
    return (type(value), value)  # True == 1 in Python: a yes is never a count of one


def province_values(run: PackageRun) -> bool:
    """The carried file verifies and the supplied answers are its values for the unit."""
    from forms.province_data.verify import trust_problems, verify_data

    answers, _invalid = run.answers()
    cs = run.criteria
    if run.province_raw is None:
        if _listed(run) is not None:  # listed but missing or changed: said by province_file
            return False
        missing = _missing_file(run, dict(answers))
        run.reasons += missing
        return not missing
    memo = (run.manifest["province_data"]["sha256"], cs.content_hash, run.manifest["year"])
    kept = _verdicts.get(memo)
    if kept is not None and kept[0] is cs:
        verdict = kept[1]
    else:
        verdict = verify_data(run.province_raw, criteria_sets={cs.content_hash: cs}, check_trust=False,
                              expected=(cs.content_hash, run.manifest["year"]), name=fmt.PROVINCE_DATA_NAME)  # fmt: skip
        if len(_verdicts) >= _KEPT:
            _verdicts.clear()
        _verdicts[memo] = (cs, verdict)
    # the trust list is asked every time: it may have grown (or shrunk) since
    untrusted = trust_problems(verdict, run.trust)
    for problem in [*verdict.reasons, *untrusted]:
        message = _("Tệp dữ liệu tỉnh trong gói không dùng được: {reason}", reason=problem.message)  # fmt: skip
        run.reasons.append(Problem(f"province_data_{problem.code}", message, fmt.PROVINCE_DATA_NAME))  # fmt: skip
    if verdict.reasons or verdict.data is None:
        return False
    # a file whose key is not (yet) trusted is still compared: a changed value is said too
    wanted = verdict.data.answers_for(run.verdict.unit or "")
    found = []
    for code, key in supplied_fields(cs):
        want, got = wanted.get(code, {}).get(key), answers.get(code, {}).get(key)
        if _typed(want) != _typed(got):
            message = _("Chỉ tiêu {code}, trường “{field}”: gói ghi {got}, tệp dữ liệu tỉnh ghi {want}", code=code, field=key, got=str(got), want=str(want))  # fmt: skip
            found.append(Problem("province_value_mismatch", message, f"answers.{code}.values.{key}"))  # fmt: skip
    run.reasons += found
    return not found and not untrusted
