"""The PDF report as an administrative document (Decree 30/2020/NĐ-CP), read back from the PDF
itself with poppler's pdftotext/pdffonts (tools/install-sysdeps.sh installs them).

Each test here failed on the report before it was a Decree 30 document (no motto, no issuer,
"……, ngày …… tháng …… năm ……" left blank, hashes in the body, "7,5/15" beside "59,00", no
draft mark, no bundled font)."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from desktop.finalise.report import ReportInfo, issuer, report_html, split_unit_name, write_pdf
from desktop.finalise.report_pdf import DRAFT_MARK, FONT_FILES
from desktop.format import format_long_date

TODAY = date(2026, 12, 3)
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
HEX32 = re.compile(r"\b[0-9a-f]{32}\b")


def pages(pdf: Path, mode: str = "-layout") -> list[str]:
    """The text of each page; ``-raw`` keeps a table cell's lines together (the hash halves)."""
    text = subprocess.run(
        ["pdftotext", mode, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


@pytest.fixture
def full_session(db, tmp_path):
    """The reference set fully answered, one evidence file per indicator (long: many pages)."""
    from desktop.assessment.session import AssessmentSession
    from desktop.assessment.store import DbStore
    from desktop.screenshots import _sample
    from forms.reference import reference_set
    from local_db import assessments

    cs = reference_set()
    row = assessments.create(db, "25001", cs.year, cs)
    session = AssessmentSession(cs, DbStore(db, row.id), cs.year)
    _sample(session, 1.0)
    for n, ind in enumerate(cs.leaves()[:30]):
        sample = tmp_path / f"Biên bản {n:02d}.pdf"
        sample.write_bytes(b"%PDF-1.4\n%% evidence " + str(n).encode() + b"\n%%EOF\n")
        session.attach_stored(session.store.attach(ind.code, str(sample), {"number": f"{n}/BB"}))
    return session


def _info(**changes) -> ReportInfo:
    info = ReportInfo("25001", "Xã Hiền Quan", "Nguyễn Thị Lan", "Công chức", "9A8E 6718", 1,
                      "bản nháp", chairman_name="Trần Văn Bình")  # fmt: skip
    for key, value in changes.items():
        setattr(info, key, value)
    return info


def test_a_draft_report_is_a_decree_30_document(full_session, tmp_path):
    pdf = write_pdf(report_html(full_session, _info(), TODAY), tmp_path / "bao-cao.pdf", "t")
    text = pages(pdf)
    assert len(text) >= 4
    first = text[0]
    for expected in ("UBND XÃ HIỀN QUAN", "Số: …/BC-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Hiền Quan, ngày 03 tháng 12 năm 2026", "BÁO CÁO",
                     "Kết quả tự đánh giá Chỉ số chuyển đổi số năm 2025"):  # fmt: skip
        assert expected in first, expected
    # the detail table's header row is repeated at the top of the next page, which is numbered
    head = [line for line in text[1].splitlines() if line.strip()]
    assert head[0].strip() == "2"
    assert "Chỉ tiêu" in head[1] and "Trả lời" in head[1]
    # the signature block, with both names
    annex = next(i for i, page in enumerate(text) if "PHỤ LỤC" in page)
    signing = "\n".join(text[annex - 2 : annex])
    for expected in ("Nơi nhận:", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Trần Văn Bình",
                     "NGƯỜI LẬP BIỂU", "Nguyễn Thị Lan"):  # fmt: skip
        assert expected in signing, expected
    # every evidence hash in the annex, none in the body
    raw = [re.sub(r"\s+", "", page) for page in pages(pdf, "-raw")]
    annex_text = "".join(raw[annex:])
    hashes = [i.sha256 for items in full_session.evidence.values() for i in items]
    assert len(hashes) == 30 and all(h in annex_text for h in hashes)
    assert "Danh mục tài liệu kiểm chứng" in text[annex]
    for page in text[:annex]:
        assert not HEX64.search(page) and not HEX32.search(page)
    # the draft mark on every page (drawn diagonally: pdftotext -raw gives a letter a line)
    assert all("BẢNNHÁP" in page for page in raw)


def test_a_signed_report_has_no_draft_mark(full_session, tmp_path):
    for status in ("đã ký", "signed", "exported", "đã xuất gói"):
        html = report_html(full_session, _info(status=status), TODAY)
        assert not html.startswith(DRAFT_MARK), status
    pdf = write_pdf(report_html(full_session, _info(status="đã ký"), TODAY), tmp_path / "k.pdf")
    assert not any("NHÁP" in re.sub(r"\s+", "", page) for page in pages(pdf, "-raw"))
    # finalised but not yet signed is still a draft; draft=True forces the mark
    assert report_html(full_session, _info(status="đã chốt"), TODAY).startswith(DRAFT_MARK)
    assert report_html(full_session, _info(status="đã ký", draft=True), TODAY).startswith(
        DRAFT_MARK
    )


def test_without_a_chairman_name_the_signing_space_stays(session, tmp_path):
    pdf = write_pdf(report_html(session, _info(chairman_name=""), TODAY), tmp_path / "b.pdf")
    text = "\n".join(pages(pdf))
    assert "TM. ỦY BAN NHÂN DÂN" in text and "Trần Văn Bình" not in text


def test_hostile_names_and_answers_stay_text(session, tmp_path):
    session.set_note("1.1", "<img src=x onerror=alert(1)> & <b>đậm</b>")
    info = _info(
        unit_name="Xã <script>alert('x')</script> & Co",
        officer_name="<i>Lan</i>",
        chairman_name="&amp; <u>Bình</u>",
        status="đã ký",
        position=DRAFT_MARK,  # a value cannot forge the draft mark
    )
    html = report_html(session, info, TODAY)
    assert (
        "<script" not in html and "<img" not in html and "<u>" not in html and "<i>Lan" not in html
    )
    assert "&lt;script&gt;" in html and "&amp;amp;" in html
    assert not html.startswith(DRAFT_MARK) and DRAFT_MARK not in html
    text = "\n".join(pages(write_pdf(html, tmp_path / "h.pdf")))
    assert "<script>alert('x')</script> & Co" in text
    assert "&amp; <u>Bình</u>" in text and "<b>đậm</b>" in text


def test_points_have_the_sets_decimals_everywhere(session):
    """Regression: "7,5/15" and "20/20" in the details beside "59,00" in the summary."""
    session.set_value("1.1", "count", 3)
    html = report_html(session, _info(), TODAY)
    decimals = session.cs.rounding.decimals
    cells = re.findall(r"<td class='r'>(?:<b>)?([^<]*)", html)
    assert cells
    figure = re.compile(r"\d{1,3}(\.\d{3})*," + r"\d" * decimals)
    for cell in cells:
        for part in cell.split(" / "):
            assert part == "—" or figure.fullmatch(part), cell


def test_the_report_prints_in_the_bundled_serif(session, tmp_path):
    pdf = write_pdf(report_html(session, _info(), TODAY), tmp_path / "f.pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in fonts.stdout.splitlines()[2:]]
    assert rows and all(row[0].startswith("LiberationSerif") for row in rows), fonts.stdout
    assert all("yes" in row[-5:-3] for row in rows)  # embedded
    assert {row[0] for row in rows} >= {"LiberationSerif", "LiberationSerif-Bold"}


def test_the_template_and_fonts_ship_in_the_frozen_app():
    from importlib import resources

    spec = (Path(__file__).resolve().parents[2] / "packaging" / "dti-desk.spec").read_text()
    assert '"resources/report",' in spec and '"resources/fonts",' in spec
    fonts = resources.files("resources") / "fonts"
    assert all((fonts / name).is_file() for name in FONT_FILES)
    assert "SIL OPEN FONT LICENSE" in (fonts / "LICENSE.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "kind", "place", "body"),
    [
        ("Xã Hiền Quan", "xã", "Hiền Quan", "UBND XÃ HIỀN QUAN"),
        ("Phường Việt Trì", "phường", "Việt Trì", "UBND PHƯỜNG VIỆT TRÌ"),
        ("Đặc khu Côn Đảo", "đặc khu", "Côn Đảo", "UBND ĐẶC KHU CÔN ĐẢO"),
        ("xã  Đồng   Lạc", "xã", "Đồng Lạc", "UBND XÃ ĐỒNG LẠC"),
        ("Hòa Bình", "", "Hòa Bình", "UBND HÒA BÌNH"),  # a unit list without the kind word
        ("Xã", "", "Xã", "UBND XÃ"),
    ],
)
def test_issuer_and_place_from_the_unit_name(name, kind, place, body):
    assert split_unit_name(name) == (kind, place)
    assert issuer(name) == body


def test_long_date_has_two_digit_day_and_month():
    assert format_long_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert format_long_date(TODAY) == "ngày 03 tháng 12 năm 2026"
