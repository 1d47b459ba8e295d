"""Format 2, the lean package (issue 15): each evidence content stored once and referenced by
every attachment citing it, compressed only where that helps, the PDF report inside with its
sha256 signed, and a verifier holding all of it to one reading."""

from __future__ import annotations

import hashlib
import io
import json
import random
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.packages.build import EvidenceFile, build_package
from forms.packages.contents import compression_for
from forms.packages.format import MANIFEST_NAME, REPORT_NAME, SIGNATURE_ED25519
from forms.packages.manifest import manifest_bytes
from forms.packages.verify import verify_package
from forms.problems import ProblemsError
from tests.forms.packages.helpers import PDF_CONTENT, PNG_ENTRY, content_entry, rezip, submission

PLAN = b"%PDF-1.4\n" + "Kế hoạch chuyển đổi số của xã\n".encode() * 400
SCAN = b"%PDF-1.4\n" + random.Random(3).randbytes(200_000)  # JPEG pages: does not shrink
REPORT = b"%PDF-1.4\n" + b"report of the commune " * 300


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(
            "word/document.xml", (2025, 1, 1, 0, 0, 0)
        )  # the same bytes each call
        zf.writestr(info, "<w:document>" + "<w:p>x</w:p>" * 500 + "</w:document>")
    return buffer.getvalue()


SHARED = (
    EvidenceFile("1.1", "Kế hoạch.pdf", content=PLAN, document={"number": "1/KH"}),
    EvidenceFile("1.2", "Kế hoạch (bản chụp).pdf", content=PLAN),
    EvidenceFile("3.1", "Kế hoạch.pdf", content=PLAN, document={"summary": "Kế hoạch"}),
    EvidenceFile("2.1", "Bản quét.pdf", content=SCAN),
    EvidenceFile("2.2.1", "Quy chế.docx", content=_docx()),
    EvidenceFile("2.2.2", "Danh sách.xls", content=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"ab\t" * 900),
)  # fmt: skip


@pytest.fixture
def lean(tmp_path, signer):
    return build_package(submission(evidence=SHARED, report=REPORT), signer, tmp_path / "out")


def _manifest(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(MANIFEST_NAME))


def _resigned(src, dst, manifest, signer, **entries):
    data = manifest_bytes(manifest)
    replace = {MANIFEST_NAME: data, SIGNATURE_ED25519: signer.sign(data).data, **entries}
    return rezip(src, dst, replace=replace)


def test_each_content_is_stored_once_and_cited_by_every_attachment(lean, criteria, trust):
    with zipfile.ZipFile(lean) as zf:
        names = [n for n in zf.namelist() if n.startswith("evidence/")]
        assert zf.read(content_entry(PLAN, "pdf")) == PLAN
    assert len(names) == 4 == len(set(names))  # the plan once, not three times
    manifest = _manifest(lean)
    assert manifest["format_version"] == 2
    cited = [e for e in manifest["evidence"] if e["path"] == content_entry(PLAN, "pdf")]
    assert [(e["indicator"], e["original_name"]) for e in cited] == [
        ("1.1", "Kế hoạch.pdf"),
        ("1.2", "Kế hoạch (bản chụp).pdf"),
        ("3.1", "Kế hoạch.pdf"),
    ]
    assert [e["document"] for e in cited] == [{"number": "1/KH"}, {}, {"summary": "Kế hoạch"}]
    verdict = verify_package(lean, criteria_sets=criteria, trust=trust)
    assert verdict.ok, verdict.reasons


def test_compressed_by_type_and_by_trying(lean):
    with zipfile.ZipFile(lean) as zf:
        method = {i.filename: i.compress_type for i in zf.infolist()}
    assert method[content_entry(PLAN, "pdf")] == zipfile.ZIP_DEFLATED  # a text PDF shrinks
    assert method[content_entry(SCAN, "pdf")] == zipfile.ZIP_STORED  # a scan does not
    assert method[content_entry(_docx(), "docx")] == zipfile.ZIP_STORED  # deflated inside
    xls = next(n for n in method if n.endswith(".xls"))
    assert method[xls] == zipfile.ZIP_DEFLATED
    assert compression_for("png", b"\x00" * 1000, 1000) == zipfile.ZIP_STORED  # by type, untried
    # padding that would deflate like a zip bomb is stored: the verifier would refuse it ...
    padding = b"%PDF-" + bytes(300_000)
    assert compression_for("pdf", padding, 5 << 20) == zipfile.ZIP_STORED
    # ... where it checks the ratio, past its first MiB
    assert compression_for("pdf", padding, len(padding)) == zipfile.ZIP_DEFLATED


def test_a_package_is_much_smaller_when_one_scan_is_cited_many_times(tmp_path, signer):
    scan = b"%PDF-1.4\n" + random.Random(5).randbytes(100_000)
    codes = ["1.1", "1.2", "2.1", "2.2.1", "2.2.2", "3.1"] * 5
    many = tuple(EvidenceFile(c, f"Kế hoạch {i}.pdf", content=scan) for i, c in enumerate(codes))
    path = build_package(submission(evidence=many), signer, tmp_path)
    assert path.stat().st_size < 2 * len(scan)  # 30 citations, one copy
    assert len(_manifest(path)["evidence"]) == 30


def test_the_report_is_inside_and_signed(lean, criteria, trust):
    manifest = _manifest(lean)
    assert manifest["report"] == {
        "path": REPORT_NAME,
        "sha256": hashlib.sha256(REPORT).hexdigest(),
        "size": len(REPORT),
    }
    with zipfile.ZipFile(lean) as zf:
        assert zf.read(REPORT_NAME) == REPORT


def test_no_report_is_null(package):
    assert _manifest(package)["report"] is None


def test_report_replaced_is_caught(lean, tmp_path, criteria, trust):
    forged = REPORT[:-1] + b"!"
    bad = rezip(lean, tmp_path / "t.dtipkg", replace={REPORT_NAME: forged})
    verdict = verify_package(bad, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["file_hash"] and REPORT_NAME in verdict.reasons[0].message


def test_report_dropped_is_caught(lean, tmp_path, criteria, trust):
    bad = rezip(lean, tmp_path / "t.dtipkg", replace={REPORT_NAME: None})
    assert verify_package(bad, criteria_sets=criteria, trust=trust).codes == ["report_missing"]


def test_report_not_listed_is_unlisted(package, tmp_path, criteria, trust):
    bad = rezip(package, tmp_path / "t.dtipkg", add={REPORT_NAME: REPORT})
    assert verify_package(bad, criteria_sets=criteria, trust=trust).codes == ["unlisted_file"]


def test_report_that_is_not_a_pdf_is_refused(lean, tmp_path, criteria, trust, signer):
    html = b"<html><script>alert(1)</script></html>"
    manifest = _manifest(lean)
    manifest["report"].update(sha256=hashlib.sha256(html).hexdigest(), size=len(html))
    bad = _resigned(lean, tmp_path / "t.dtipkg", manifest, signer, **{REPORT_NAME: html})
    assert verify_package(bad, criteria_sets=criteria, trust=trust).codes == ["evidence_content"]


def test_builder_refuses_a_report_that_is_not_a_pdf(tmp_path, signer):
    with pytest.raises(ProblemsError) as caught:
        build_package(submission(report=b"<html>"), signer, tmp_path)
    assert [p.code for p in caught.value.problems] == ["report_invalid"]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        # two citations of one content disagreeing on its size
        (lambda m: m["evidence"][1].update(size=m["evidence"][1]["size"] + 1), "evidence[1].size"),
        # a name other than the content's: upper-case hex, another extension form, a folder
        (lambda m: m["evidence"][0].update(path=m["evidence"][0]["path"].upper()), "evidence[0].path"),
        (lambda m: m["evidence"][3].update(path=m["evidence"][3]["path"][:-4] + ".jpeg"), "evidence[3].path"),
        (lambda m: m["evidence"][0].update(path="evidence/1.1/" + m["evidence"][0]["path"][9:]), "evidence[0].path"),
        (lambda m: m.pop("report"), "report"),
        (lambda m: m["report"].update(path="bao-cao.pdf"), "report.path"),
        (lambda m: m["report"].update(extra="x"), "report"),
        (lambda m: m["report"].update(size=0), "report.size"),
    ],
)  # fmt: skip
def test_v2_manifest_has_one_reading(lean, tmp_path, criteria, trust, signer, damage, where):
    manifest = _manifest(lean)
    if where == "evidence[3].path":  # a JPEG: "jpg" is its one name
        jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
        manifest["evidence"][3].update(
            path=content_entry(jpeg, "jpg"), sha256=hashlib.sha256(jpeg).hexdigest(),
            size=len(jpeg), original_name="ảnh.jpg",
        )  # fmt: skip
    damage(manifest)
    bad = _resigned(lean, tmp_path / "t.dtipkg", manifest, signer)
    verdict = verify_package(bad, criteria_sets=criteria, trust=trust)
    assert verdict.codes[0] in ("manifest_invalid", "manifest_range"), verdict.reasons
    assert where in verdict.reasons[0].message


def test_unreferenced_content_is_refused(package, tmp_path, criteria, trust):
    extra = content_entry(PDF_CONTENT + b"x", "pdf")
    bad = rezip(package, tmp_path / "t.dtipkg", add={extra: PDF_CONTENT + b"x"})
    verdict = verify_package(bad, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["unlisted_file"] and extra in verdict.reasons[0].message


def test_a_content_dropped_is_missing_once(lean, tmp_path, criteria, trust):
    entry = content_entry(PLAN, "pdf")
    bad = rezip(lean, tmp_path / "t.dtipkg", replace={entry: None})
    verdict = verify_package(bad, criteria_sets=criteria, trust=trust)
    assert verdict.codes == ["file_missing"]  # one content, one reason (cited three times)


def test_png_entry_name(package):
    with zipfile.ZipFile(package) as zf:
        assert PNG_ENTRY in zf.namelist()


_POOL = (
    ("pdf", b"%PDF-1.4\n" + b"plan " * 300),
    ("pdf", b"%PDF-1.4\n" + random.Random(9).randbytes(3000)),
    ("png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3),
    ("jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 2),
    ("jpeg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 2),  # the same JPEG as .jpeg
    ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"row\t" * 400),
)
_CODES = ("1.1", "1.2", "2.1", "2.2.1", "2.2.2", "3.1")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_POOL) - 1), st.sampled_from(_CODES)), min_size=0, max_size=14
    )
)  # fmt: skip
def test_any_citations_verify_with_each_content_once(
    tmp_path_factory, criteria, trust, signer, cited
):
    """Whatever files cite whatever indicators, in any order and repeated: the package verifies,
    holds each content (of a type) once, and every citation points at its own content."""
    evidence = tuple(
        EvidenceFile(code, f"Tệp {n}.{_POOL[i][0]}", content=_POOL[i][1])
        for n, (i, code) in enumerate(cited)
    )
    path = build_package(submission(evidence=evidence), signer, tmp_path_factory.mktemp("p"))
    verdict = verify_package(path, criteria_sets=criteria, trust=trust)
    assert verdict.ok, verdict.reasons
    with zipfile.ZipFile(path) as zf:
        stored = {n: zf.read(n) for n in zf.namelist() if n.startswith("evidence/")}
    assert len(stored) == len({_POOL[i][1] for i, _code in cited})  # jpg and jpeg: one JPEG
    refs = _manifest(path)["evidence"]
    assert [(r["indicator"], stored[r["path"]]) for r in refs] == [
        (code, _POOL[i][1]) for i, code in cited
    ]


def test_a_file_changed_while_packing_is_refused(tmp_path, signer, monkeypatch):
    """The content is hashed for its name, then streamed into the zip: another program writing
    the file in between must not give a package whose entry is not what its name says."""
    from forms.packages import contents

    source = tmp_path / "plan.pdf"
    source.write_bytes(PLAN)
    measure = contents._measure

    def measured_then_changed(item):
        found = measure(item)
        source.write_bytes(PLAN + b"% appended by another program\n")
        return found

    monkeypatch.setattr(contents, "_measure", measured_then_changed)
    out = tmp_path / "out"
    with pytest.raises(ProblemsError) as caught:
        build_package(submission(evidence=(EvidenceFile("1.1", "Kế hoạch.pdf", source=source),)),
                      signer, out)  # fmt: skip
    assert [p.code for p in caught.value.problems] == ["evidence_changed"]
    assert list(out.iterdir()) == []  # nothing half-written
