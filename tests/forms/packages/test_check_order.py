"""The order a package's checks run in: the order of precedence of its reasons.

A newcomer reads the verifier here; a reorder (or a new check) changes this list on purpose.
"""

from __future__ import annotations

import zipfile

from forms.packages.package_checks import CRITERIA_CHECKS, PACKAGE_CHECKS
from forms.packages.verify import verify_package


def test_package_checks_in_order():
    # the zip's layout, names and sizes come before all of these: SafeZip checks them on opening
    assert [check.__name__ for check in PACKAGE_CHECKS] == [
        "manifest_present",
        "manifest_canonical",
        "format_version",
        "manifest_shape",
        "signature",
        "organisation_signature",  # two signatures: the organisation's beside the chairman's
        "evidence_files",
        "report_file",  # format 2: the PDF report the manifest lists
        "province_file",  # format 3: the province's data file the manifest lists
        "unlisted_files",
        "signed",  # a gate: nothing below runs for a package whose signature did not verify
        "criteria",  # runs CRITERIA_CHECKS; the first that fails ends those only
        "organisation_required",  # the set says the organisation's signature is required
        "signer_trust",
        "organisation_trust",
    ]


def test_criteria_checks_in_order():
    assert [check.__name__ for check in CRITERIA_CHECKS] == [
        "criteria_known",
        "criteria_claims",
        "indicators_known",
        "answers_valid",
        "province_values",  # the carried .dtidata verifies, supplied answers are its values
        "applicability_valid",  # issue 16: marks the set allows, the unit's kind
        "scores_match",
    ]


def test_a_failed_criteria_check_still_checks_the_signer(package):
    # the criteria checks stop at the first failure, the package's checks go on to the signer
    verdict = verify_package(package, criteria_sets={}, trust=None)
    assert verdict.codes == ["criteria_unknown", "signer_unknown"]


def test_without_a_signature_the_files_are_still_listed(package, criteria, trust, tmp_path):
    unsigned = tmp_path / "unsigned.dti.zip"
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(unsigned, "w") as out:
        for info in src.infolist():
            if not info.filename.startswith("signature/"):
                out.writestr(info, src.read(info))
        out.writestr("extra.txt", b"x")
    verdict = verify_package(unsigned, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["signature_missing", "unlisted_file"]
