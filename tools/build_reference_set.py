"""Build the shipped reference criteria set (commune level, 2025) as workbook and compiled JSON.

The set is written here as code so that both shipped forms come from one source; run

    .venv/bin/python tools/build_reference_set.py

after editing, then commit ``resources/criteria/dti-xa-2025-reference.{xlsx,json}``. A test
proves the two files load to the same criteria set.

It is a REFERENCE set: plausible indicators modelled on public provincial DTI criteria and
the Phú Thọ documents in the domain notes, not any province's official text. The province
replaces it with its own workbook.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forms.criteria import (  # noqa: E402
    Band,
    Choice,
    CriteriaSet,
    Evidence,
    Field,
    FieldKind,
    Indicator,
    Pillar,
    Rounding,
    Rule,
    RuleKind,
    Severity,
    Tier,
    ZeroDenominator,
)

OUT_DIR = ROOT / "resources" / "criteria"
BASENAME = "dti-xa-2025-reference"

# verifying bodies and data sources used throughout
SKHCN = "Sở Khoa học và Công nghệ"
SNV = "Sở Nội vụ"
CA = "Công an tỉnh"
VP = "Văn phòng UBND tỉnh"
TTPV = "Trung tâm Phục vụ hành chính công tỉnh"
SCT = "Sở Công Thương"
BAO_CAO = "Báo cáo tự đánh giá của UBND xã"
QLVB = "Hệ thống quản lý văn bản và điều hành của tỉnh"
TTHC = "Hệ thống thông tin giải quyết thủ tục hành chính của tỉnh"


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


def _ev(text: str, severity: str = "error", required: bool = True) -> Evidence:
    return Evidence(required, Severity(severity), text)


def yes_no(code, name, points, label, evidence, source, verifier, help, extra=()):
    return Indicator(
        code,
        name,
        D(points),
        Rule(RuleKind.YES_NO, field="co"),
        (Field("co", FieldKind.BOOL, label), *extra),
        evidence,
        source,
        verifier,
        help,
    )


def tiers(
    code,
    name,
    points,
    label,
    unit,
    steps,
    evidence,
    source,
    verifier,
    help,
    percent=False,
    extra=(),
):
    kind = RuleKind.PERCENT_TIERS if percent else RuleKind.COUNT_TIERS
    fkind = FieldKind.PERCENT if percent else FieldKind.COUNT
    key = "ty_le" if percent else "so_luong"
    return Indicator(
        code,
        name,
        D(points),
        Rule(kind, field=key, tiers=tuple(Tier(D(m), D(p)) for m, p in steps)),
        (Field(key, fkind, label, unit="%" if percent else unit), *extra),
        evidence,
        source,
        verifier,
        help,
    )


def ratio(
    code, name, points, num_label, den_label, unit, evidence, source, verifier, help, zero="zero"
):
    return Indicator(
        code,
        name,
        D(points),
        Rule(
            RuleKind.RATIO,
            numerator="tu_so",
            denominator="mau_so",
            zero_denominator=ZeroDenominator(zero),
        ),
        (
            Field("tu_so", FieldKind.COUNT, num_label, unit=unit),
            Field("mau_so", FieldKind.COUNT, den_label, unit=unit),
        ),
        evidence,
        source,
        verifier,
        help,
    )


def choice(code, name, points, label, options, evidence, source, verifier, help, extra=()):
    return Indicator(
        code,
        name,
        D(points),
        Rule(
            RuleKind.CHOICE,
            field="lua_chon",
            choices=tuple(Choice(k, lbl, D(p)) for k, lbl, p in options),
        ),
        (Field("lua_chon", FieldKind.CHOICE, label), *extra),
        evidence,
        source,
        verifier,
        help,
    )


def direct(code, name, points, evidence, source, verifier, help):
    return Indicator(
        code,
        name,
        D(points),
        Rule(RuleKind.DIRECT, field="diem"),
        (Field("diem", FieldKind.NUMBER, "Điểm do cơ quan thẩm định chấm", unit="điểm"),),
        evidence,
        source,
        verifier,
        help,
    )


def group(code, name, points, children, evidence, source, verifier, help):
    return Indicator(
        code,
        name,
        D(points),
        Rule(RuleKind.SUM),
        (),
        evidence,
        source,
        verifier,
        help,
        tuple(children),
    )


def docref(label: str = "Văn bản ban hành") -> Field:
    return Field("van_ban", FieldKind.DOCREF, label, required=False, in_year=True)


def date(label: str) -> Field:
    return Field("ngay", FieldKind.DATE, label, required=False, in_year=True)


NO_EVIDENCE = _ev(
    "Không yêu cầu tài liệu kiểm chứng: cơ quan thẩm định tự chấm theo dữ liệu của tỉnh.",
    "warning",
    False,
)


def pillar_1() -> Pillar:
    return Pillar(
        "1",
        "Nhận thức số",
        D(80),
        (
            choice(
                "1.1",
                "Người đứng đầu Ban Chỉ đạo chuyển đổi số của xã",
                15,
                "Trưởng Ban Chỉ đạo",
                (
                    ("chu_tich", "Chủ tịch UBND xã", 15),
                    ("pho_chu_tich", "Phó Chủ tịch UBND xã", "7.5"),
                    ("chua_co", "Chưa thành lập Ban Chỉ đạo", 0),
                ),
                _ev("Quyết định thành lập hoặc kiện toàn Ban Chỉ đạo chuyển đổi số của xã"),
                BAO_CAO,
                SKHCN,
                "Trưởng ban là Chủ tịch UBND xã: điểm tối đa; là Phó Chủ tịch: một nửa; chưa thành lập: 0 điểm.",
                extra=(docref("Quyết định thành lập/kiện toàn Ban Chỉ đạo"),),
            ),
            tiers(
                "1.2",
                "Số cuộc họp của Ban Chỉ đạo chuyển đổi số trong năm",
                20,
                "Số cuộc họp đã tổ chức",
                "cuộc họp",
                ((4, 20), (3, 15), (2, 10), (1, 5)),
                _ev("Thông báo kết luận hoặc biên bản của từng cuộc họp"),
                BAO_CAO,
                SKHCN,
                "Đếm các cuộc họp chuyên đề về chuyển đổi số do Ban Chỉ đạo tổ chức trong năm đánh giá.",
            ),
            ratio(
                "1.3",
                "Tỷ lệ cuộc họp về chuyển đổi số do Chủ tịch UBND xã chủ trì",
                10,
                "Số cuộc họp do Chủ tịch UBND xã chủ trì",
                "Tổng số cuộc họp về chuyển đổi số",
                "cuộc họp",
                _ev("Thông báo kết luận các cuộc họp ghi rõ người chủ trì"),
                BAO_CAO,
                SKHCN,
                "Điểm = số cuộc họp do Chủ tịch chủ trì / tổng số cuộc họp × điểm tối đa; không có cuộc họp nào: 0 điểm.",
            ),
            yes_no(
                "1.4",
                "Trang thông tin điện tử của xã có chuyên mục chuyển đổi số",
                10,
                "Có chuyên mục chuyển đổi số",
                _ev("Đường dẫn và ảnh chụp màn hình chuyên mục", "warning"),
                "Trang thông tin điện tử của xã",
                SKHCN,
                "Chuyên mục phải được cập nhật tin, bài trong năm đánh giá.",
            ),
            tiers(
                "1.5",
                "Số tin, bài tuyên truyền về chuyển đổi số đăng trong năm",
                10,
                "Số tin, bài đã đăng",
                "tin, bài",
                ((24, 10), (12, 7), (6, 4), (1, 2)),
                _ev("Danh sách tin, bài kèm đường dẫn", "warning"),
                "Trang thông tin điện tử, đài truyền thanh xã",
                SKHCN,
                "Tính tin, bài trên trang thông tin điện tử, mạng xã hội chính thức và hệ thống truyền thanh cơ sở.",
            ),
            yes_no(
                "1.6",
                "Tổ chức hưởng ứng Ngày Chuyển đổi số quốc gia (10/10)",
                5,
                "Có tổ chức hoạt động hưởng ứng",
                _ev("Kế hoạch hoặc báo cáo kết quả hoạt động hưởng ứng", "warning"),
                BAO_CAO,
                SKHCN,
                "Có kế hoạch và có ít nhất một hoạt động hưởng ứng được tổ chức trên địa bàn.",
                extra=(date("Ngày tổ chức"),),
            ),
            tiers(
                "1.7",
                "Tỷ lệ thôn, tổ dân phố có Tổ công nghệ số cộng đồng hoạt động",
                10,
                "Tỷ lệ thôn, tổ dân phố có tổ hoạt động",
                "%",
                ((100, 10), (80, 7), (50, 4)),
                _ev("Quyết định thành lập và danh sách thành viên các Tổ công nghệ số cộng đồng"),
                BAO_CAO,
                SKHCN,
                "Tổ được coi là hoạt động khi có kế hoạch và có báo cáo kết quả trong năm.",
                percent=True,
            ),
        ),
    )


def pillar_2() -> Pillar:
    return Pillar(
        "2",
        "Thể chế số",
        D(100),
        (
            yes_no(
                "2.1",
                "Ban hành Kế hoạch chuyển đổi số năm của xã",
                15,
                "Đã ban hành kế hoạch",
                _ev("Kế hoạch chuyển đổi số năm của UBND xã"),
                BAO_CAO,
                SKHCN,
                "Kế hoạch phải do UBND xã ban hành, có nhiệm vụ, thời hạn và kinh phí thực hiện.",
                extra=(docref("Số, ngày của Kế hoạch"),),
            ),
            choice(
                "2.2",
                "Thời điểm ban hành Kế hoạch chuyển đổi số năm",
                10,
                "Thời điểm ban hành",
                (
                    ("quy_1", "Trong quý I", 10),
                    ("quy_2", "Trong quý II", 5),
                    ("sau_quy_2", "Sau quý II hoặc chưa ban hành", 0),
                ),
                _ev("Kế hoạch chuyển đổi số năm (trang có ngày ban hành)"),
                BAO_CAO,
                SKHCN,
                "Căn cứ ngày ký ban hành kế hoạch.",
                extra=(date("Ngày ký ban hành"),),
            ),
            ratio(
                "2.3",
                "Tỷ lệ nhiệm vụ trong Kế hoạch chuyển đổi số hoàn thành đúng hạn",
                20,
                "Số nhiệm vụ hoàn thành đúng hạn",
                "Tổng số nhiệm vụ đến hạn trong năm",
                "nhiệm vụ",
                _ev("Báo cáo kết quả thực hiện Kế hoạch chuyển đổi số năm"),
                BAO_CAO,
                SKHCN,
                "Điểm = nhiệm vụ hoàn thành đúng hạn / nhiệm vụ đến hạn × điểm tối đa; không có nhiệm vụ đến hạn: 0 điểm.",
            ),
            yes_no(
                "2.4",
                "Ban hành quy chế quản lý, vận hành, khai thác các hệ thống thông tin của xã",
                10,
                "Đã ban hành quy chế",
                _ev("Quyết định ban hành quy chế"),
                BAO_CAO,
                SKHCN,
                "Quy chế còn hiệu lực trong năm đánh giá đều được tính.",
                extra=(docref("Quyết định ban hành quy chế"),),
            ),
            tiers(
                "2.5",
                "Tỷ lệ kinh phí chi cho chuyển đổi số trên tổng chi thường xuyên của xã",
                15,
                "Tỷ lệ kinh phí chuyển đổi số",
                "%",
                (("2", 15), ("1", 10), ("0.5", 5)),
                _ev("Dự toán và báo cáo quyết toán chi ngân sách xã"),
                "Báo cáo quyết toán ngân sách xã",
                "Sở Tài chính",
                "Tính cả kinh phí thuê dịch vụ công nghệ thông tin.",
                percent=True,
            ),
            tiers(
                "2.6",
                "Số báo cáo định kỳ về chuyển đổi số gửi đúng hạn",
                10,
                "Số báo cáo gửi đúng hạn",
                "báo cáo",
                ((4, 10), (3, 7), (2, 4), (1, 2)),
                _ev("Văn bản gửi báo cáo kèm ngày gửi trên hệ thống", "warning"),
                QLVB,
                SKHCN,
                "Báo cáo quý, 6 tháng và năm theo yêu cầu của tỉnh; gửi sau thời hạn không được tính.",
            ),
            group(
                "2.7",
                "Văn bản chỉ đạo, điều hành về chuyển đổi số",
                20,
                (
                    yes_no(
                        "2.7.1",
                        "Quyết định kiện toàn Tổ giúp việc Ban Chỉ đạo chuyển đổi số",
                        5,
                        "Đã ban hành",
                        _ev("Quyết định kiện toàn Tổ giúp việc"),
                        BAO_CAO,
                        SKHCN,
                        "Quyết định ban hành hoặc còn hiệu lực trong năm.",
                        extra=(docref("Quyết định kiện toàn"),),
                    ),
                    yes_no(
                        "2.7.2",
                        "Văn bản phân công cán bộ đầu mối chuyển đổi số",
                        5,
                        "Đã phân công",
                        _ev("Văn bản phân công cán bộ đầu mối"),
                        BAO_CAO,
                        SNV,
                        "Ghi rõ họ tên, chức vụ, nhiệm vụ của cán bộ đầu mối.",
                        extra=(docref("Văn bản phân công"),),
                    ),
                    tiers(
                        "2.7.3",
                        "Số văn bản chỉ đạo, đôn đốc về chuyển đổi số ban hành trong năm",
                        10,
                        "Số văn bản đã ban hành",
                        "văn bản",
                        ((5, 10), (3, 6), (1, 3)),
                        _ev("Danh sách văn bản (số, ngày, trích yếu)"),
                        QLVB,
                        SKHCN,
                        "Không tính kế hoạch năm (đã chấm ở chỉ tiêu 2.1).",
                    ),
                ),
                _ev("Theo từng chỉ tiêu con", "warning", False),
                BAO_CAO,
                SKHCN,
                "Điểm là tổng điểm các chỉ tiêu con, tối đa 20 điểm.",
            ),
        ),
    )


def pillar_3() -> Pillar:
    return Pillar(
        "3",
        "Hạ tầng số",
        D(150),
        (
            tiers(
                "3.1",
                "Tỷ lệ cán bộ, công chức có máy tính phục vụ công việc",
                20,
                "Tỷ lệ cán bộ, công chức có máy tính",
                "%",
                ((100, 20), (90, 15), (70, 8)),
                _ev("Danh sách thiết bị công nghệ thông tin của cơ quan", "warning"),
                BAO_CAO,
                SKHCN,
                "Máy tính có cấu hình đáp ứng cài đặt các phần mềm dùng chung của tỉnh.",
                percent=True,
            ),
            yes_no(
                "3.2",
                "Trụ sở UBND xã kết nối Mạng truyền số liệu chuyên dùng",
                15,
                "Đã kết nối",
                _ev("Hợp đồng hoặc biên bản nghiệm thu kết nối", "warning"),
                "Viễn thông tỉnh",
                SKHCN,
                "Kết nối đang hoạt động tại thời điểm đánh giá.",
            ),
            choice(
                "3.3",
                "Tốc độ đường truyền Internet tại trụ sở UBND xã",
                15,
                "Tốc độ cam kết",
                (
                    ("tu_100", "Từ 100 Mbps trở lên", 15),
                    ("50_100", "Từ 50 đến dưới 100 Mbps", 10),
                    ("duoi_50", "Dưới 50 Mbps", 5),
                    ("khong_co", "Không có đường truyền riêng", 0),
                ),
                _ev("Hợp đồng dịch vụ Internet ghi tốc độ cam kết", "warning"),
                "Hợp đồng dịch vụ viễn thông",
                SKHCN,
                "Lấy tốc độ cam kết trong hợp đồng, không lấy tốc độ đo thử.",
            ),
            choice(
                "3.4",
                "Mạng nội bộ (LAN) của trụ sở UBND xã",
                10,
                "Loại mạng nội bộ",
                (
                    ("tap_trung", "Có quản trị tập trung (máy chủ, tường lửa)", 10),
                    ("ngang_hang", "Mạng ngang hàng", 5),
                    ("khong_co", "Không có mạng nội bộ", 0),
                ),
                _ev("Sơ đồ mạng nội bộ", "warning"),
                BAO_CAO,
                SKHCN,
                "Mạng ngang hàng là mạng chỉ gồm các máy tính nối qua bộ chia.",
            ),
            yes_no(
                "3.5",
                "Có phòng họp trực tuyến kết nối với hệ thống hội nghị truyền hình của tỉnh",
                15,
                "Có phòng họp trực tuyến",
                _ev("Ảnh chụp phòng họp và biên bản kiểm tra kết nối", "warning"),
                BAO_CAO,
                VP,
                "Phòng họp đã được sử dụng ít nhất một lần trong năm để họp với tỉnh.",
            ),
            tiers(
                "3.6",
                "Tỷ lệ thôn, tổ dân phố được phủ sóng di động 4G/5G",
                20,
                "Tỷ lệ thôn, tổ dân phố có sóng 4G/5G",
                "%",
                ((100, 20), (95, 15), (85, 10), (70, 5)),
                _ev("Số liệu phủ sóng của doanh nghiệp viễn thông", "warning"),
                "Doanh nghiệp viễn thông trên địa bàn",
                SKHCN,
                "Lấy số liệu tại thời điểm 31/12 của năm đánh giá.",
                percent=True,
            ),
            tiers(
                "3.7",
                "Tỷ lệ hộ gia đình có đường Internet cáp quang",
                15,
                "Tỷ lệ hộ có cáp quang",
                "%",
                ((90, 15), (80, 10), (60, 5)),
                _ev("Số liệu thuê bao của doanh nghiệp viễn thông", "warning"),
                "Doanh nghiệp viễn thông trên địa bàn",
                SKHCN,
                "Tổng thuê bao cáp quang hộ gia đình / tổng số hộ.",
                percent=True,
            ),
            tiers(
                "3.8",
                "Số điểm truy cập Wi-Fi miễn phí tại nơi công cộng",
                10,
                "Số điểm Wi-Fi miễn phí",
                "điểm",
                ((3, 10), (2, 7), (1, 4)),
                _ev("Danh sách địa điểm kèm ảnh chụp", "warning"),
                BAO_CAO,
                SKHCN,
                "Tính các điểm tại trụ sở, nhà văn hóa, chợ, khu du lịch đang hoạt động.",
            ),
            group(
                "3.9",
                "Thiết bị phục vụ bộ phận Một cửa",
                20,
                (
                    tiers(
                        "3.9.1",
                        "Số máy quét phục vụ số hóa hồ sơ",
                        5,
                        "Số máy quét đang sử dụng",
                        "máy",
                        ((2, 5), (1, 3)),
                        _ev("Danh sách thiết bị", "warning"),
                        BAO_CAO,
                        TTPV,
                        "Chỉ tính máy quét đặt tại bộ phận Một cửa.",
                    ),
                    yes_no(
                        "3.9.2",
                        "Có máy tính hỗ trợ người dân tra cứu, nộp hồ sơ trực tuyến",
                        5,
                        "Có máy tính hỗ trợ",
                        _ev("Ảnh chụp khu vực hỗ trợ", "warning"),
                        BAO_CAO,
                        TTPV,
                        "Máy đặt tại khu vực người dân tự sử dụng.",
                    ),
                    yes_no(
                        "3.9.3",
                        "Có thiết bị đánh giá mức độ hài lòng điện tử",
                        5,
                        "Có thiết bị",
                        _ev("Ảnh chụp thiết bị", "warning"),
                        BAO_CAO,
                        TTPV,
                        "Thiết bị hoặc mã QR đánh giá kết nối hệ thống của tỉnh.",
                    ),
                    tiers(
                        "3.9.4",
                        "Tỷ lệ máy tính bộ phận Một cửa được cập nhật hệ điều hành",
                        5,
                        "Tỷ lệ máy được cập nhật",
                        "%",
                        ((100, 5), (80, 3)),
                        _ev("Biên bản kiểm tra thiết bị", "warning"),
                        BAO_CAO,
                        TTPV,
                        "Hệ điều hành còn được hãng hỗ trợ và đã cập nhật bản vá.",
                        percent=True,
                    ),
                ),
                _ev("Theo từng chỉ tiêu con", "warning", False),
                BAO_CAO,
                TTPV,
                "Điểm là tổng điểm các chỉ tiêu con, tối đa 20 điểm.",
            ),
            direct(
                "3.10",
                "Trang thông tin điện tử của xã hoạt động đúng quy định",
                10,
                NO_EVIDENCE,
                "Kết quả kiểm tra trang thông tin điện tử",
                SKHCN,
                "Sở Khoa học và Công nghệ chấm theo kết quả kiểm tra định kỳ; xã không tự chấm.",
            ),
        ),
    )


def pillar_4() -> Pillar:
    return Pillar(
        "4",
        "Nhân lực số",
        D(120),
        (
            choice(
                "4.1",
                "Cán bộ đầu mối chuyển đổi số của xã",
                15,
                "Cán bộ đầu mối",
                (
                    ("chuyen_trach", "Chuyên trách, có trình độ công nghệ thông tin", 15),
                    ("kiem_nhiem_cc", "Kiêm nhiệm, có chứng chỉ công nghệ thông tin", 10),
                    ("kiem_nhiem", "Kiêm nhiệm, chưa có chứng chỉ", 5),
                    ("chua_co", "Chưa phân công", 0),
                ),
                _ev("Văn bản phân công và văn bằng, chứng chỉ của cán bộ đầu mối"),
                BAO_CAO,
                SNV,
                "Trình độ công nghệ thông tin: tốt nghiệp trung cấp trở lên chuyên ngành công nghệ thông tin.",
            ),
            ratio(
                "4.2",
                "Tỷ lệ cán bộ, công chức được bồi dưỡng kỹ năng số cơ bản",
                20,
                "Số cán bộ, công chức đã được bồi dưỡng",
                "Tổng số cán bộ, công chức của xã",
                "người",
                _ev("Danh sách học viên và giấy chứng nhận hoàn thành"),
                BAO_CAO,
                SNV,
                "Điểm = số người đã bồi dưỡng / tổng số × điểm tối đa.",
            ),
            tiers(
                "4.3",
                "Tỷ lệ cán bộ, công chức hoàn thành khóa học trên nền tảng học trực tuyến mở đại trà",
                15,
                "Tỷ lệ hoàn thành",
                "%",
                ((90, 15), (70, 10), (50, 5)),
                _ev("Báo cáo thống kê từ nền tảng học trực tuyến", "warning"),
                "Nền tảng học trực tuyến mở đại trà (MOOCs)",
                SKHCN,
                "Tính cán bộ, công chức hoàn thành ít nhất một khóa học trong năm.",
                percent=True,
            ),
            tiers(
                "4.4",
                "Số lớp tập huấn chuyển đổi số do xã tổ chức",
                10,
                "Số lớp đã tổ chức",
                "lớp",
                ((3, 10), (2, 7), (1, 4)),
                _ev("Kế hoạch, danh sách học viên của từng lớp"),
                BAO_CAO,
                SKHCN,
                "Lớp dành cho cán bộ, công chức hoặc Tổ công nghệ số cộng đồng.",
            ),
            ratio(
                "4.5",
                "Tỷ lệ thành viên Tổ công nghệ số cộng đồng được tập huấn",
                15,
                "Số thành viên đã được tập huấn",
                "Tổng số thành viên các tổ",
                "người",
                _ev("Danh sách thành viên đã tham gia tập huấn"),
                BAO_CAO,
                SKHCN,
                "Không có Tổ công nghệ số cộng đồng: 0 điểm.",
            ),
            yes_no(
                "4.6",
                "Lãnh đạo UBND xã tham gia bồi dưỡng về chuyển đổi số",
                10,
                "Có lãnh đạo tham gia",
                _ev("Giấy chứng nhận hoặc danh sách học viên", "warning"),
                BAO_CAO,
                SNV,
                "Chủ tịch hoặc Phó Chủ tịch UBND xã tham gia ít nhất một khóa bồi dưỡng trong năm.",
            ),
            tiers(
                "4.7",
                "Tỷ lệ cán bộ, công chức sử dụng chữ ký số cá nhân trong xử lý văn bản",
                15,
                "Tỷ lệ sử dụng chữ ký số",
                "%",
                ((100, 15), (90, 10), (70, 5)),
                _ev("Thống kê từ hệ thống quản lý văn bản", "warning"),
                QLVB,
                VP,
                "Tính người có ít nhất một văn bản ký số trong quý IV.",
                percent=True,
            ),
            group(
                "4.8",
                "Phổ cập kỹ năng số cho người dân",
                20,
                (
                    tiers(
                        "4.8.1",
                        "Số người dân được hướng dẫn kỹ năng số trong phong trào Bình dân học vụ số",
                        10,
                        "Số người được hướng dẫn",
                        "người",
                        ((1000, 10), (500, 7), (200, 4), (1, 1)),
                        _ev("Danh sách hoặc thống kê người dân được hướng dẫn"),
                        BAO_CAO,
                        SKHCN,
                        "Mỗi người chỉ tính một lần dù tham gia nhiều buổi.",
                    ),
                    tiers(
                        "4.8.2",
                        "Tỷ lệ người trong độ tuổi lao động có kỹ năng số cơ bản",
                        10,
                        "Tỷ lệ có kỹ năng số cơ bản",
                        "%",
                        ((70, 10), (50, 6), (30, 3)),
                        _ev("Kết quả khảo sát hoặc thống kê của xã", "warning"),
                        BAO_CAO,
                        SKHCN,
                        "Theo phương pháp khảo sát do tỉnh hướng dẫn.",
                        percent=True,
                    ),
                ),
                _ev("Theo từng chỉ tiêu con", "warning", False),
                BAO_CAO,
                SKHCN,
                "Điểm là tổng điểm các chỉ tiêu con, tối đa 20 điểm.",
            ),
        ),
    )


def pillar_5() -> Pillar:
    return Pillar(
        "5",
        "An toàn thông tin mạng",
        D(120),
        (
            choice(
                "5.1",
                "Phê duyệt hồ sơ đề xuất cấp độ an toàn hệ thống thông tin",
                15,
                "Tình trạng phê duyệt",
                (
                    ("tat_ca", "Đã phê duyệt cho tất cả hệ thống", 15),
                    ("mot_phan", "Đã phê duyệt một phần", "7.5"),
                    ("chua", "Chưa phê duyệt", 0),
                ),
                _ev("Quyết định phê duyệt cấp độ"),
                BAO_CAO,
                CA,
                "Áp dụng cho các hệ thống thông tin do xã quản lý.",
            ),
            ratio(
                "5.2",
                "Tỷ lệ máy tính được cài phần mềm phòng chống mã độc quản trị tập trung",
                20,
                "Số máy tính đã cài",
                "Tổng số máy tính của cơ quan",
                "máy",
                _ev("Ảnh chụp màn hình quản trị tập trung", "warning"),
                "Hệ thống phòng chống mã độc của tỉnh",
                CA,
                "Điểm = số máy đã cài / tổng số máy × điểm tối đa.",
            ),
            group(
                "5.3",
                "Ứng phó sự cố an toàn thông tin mạng",
                20,
                (
                    yes_no(
                        "5.3.1",
                        "Có phương án ứng cứu sự cố an toàn thông tin mạng",
                        5,
                        "Đã có phương án",
                        _ev("Phương án được phê duyệt"),
                        BAO_CAO,
                        CA,
                        "Phương án còn hiệu lực trong năm đánh giá.",
                        extra=(docref("Quyết định phê duyệt phương án"),),
                    ),
                    tiers(
                        "5.3.2",
                        "Số lần tham gia diễn tập, kiểm tra an toàn thông tin",
                        10,
                        "Số lần tham gia",
                        "lần",
                        ((2, 10), (1, 5)),
                        _ev("Giấy mời hoặc báo cáo kết quả diễn tập"),
                        BAO_CAO,
                        CA,
                        "Diễn tập do tỉnh hoặc trung ương tổ chức đều được tính.",
                    ),
                    yes_no(
                        "5.3.3",
                        "Không để xảy ra sự cố mất an toàn thông tin nghiêm trọng",
                        5,
                        "Không có sự cố nghiêm trọng",
                        _ev("Xác nhận của cơ quan chuyên trách", "warning"),
                        "Cơ quan chuyên trách an toàn thông tin của tỉnh",
                        CA,
                        "Chọn “Có” khi trong năm không có sự cố bị cơ quan chức năng ghi nhận.",
                    ),
                ),
                _ev("Theo từng chỉ tiêu con", "warning", False),
                BAO_CAO,
                CA,
                "Điểm là tổng điểm các chỉ tiêu con, tối đa 20 điểm.",
            ),
            tiers(
                "5.4",
                "Tỷ lệ cán bộ, công chức được tập huấn nâng cao nhận thức an toàn thông tin",
                15,
                "Tỷ lệ đã tập huấn",
                "%",
                ((100, 15), (80, 10), (50, 5)),
                _ev("Danh sách cán bộ tham gia tập huấn"),
                BAO_CAO,
                CA,
                "",
                percent=True,
            ),
            ratio(
                "5.5",
                "Tỷ lệ cảnh báo an toàn thông tin được xử lý đúng hạn",
                15,
                "Số cảnh báo đã xử lý đúng hạn",
                "Số cảnh báo nhận được",
                "cảnh báo",
                _ev("Văn bản phản hồi xử lý cảnh báo", "warning"),
                "Cơ quan chuyên trách an toàn thông tin của tỉnh",
                CA,
                "Không nhận được cảnh báo nào trong năm: đạt điểm tối đa.",
                zero="full",
            ),
            choice(
                "5.6",
                "Sao lưu dữ liệu của cơ quan",
                10,
                "Tần suất sao lưu",
                (
                    ("hang_tuan", "Hằng tuần trở lên", 10),
                    ("hang_thang", "Hằng tháng", 6),
                    ("khong", "Không định kỳ", 0),
                ),
                _ev("Nhật ký sao lưu", "warning"),
                BAO_CAO,
                CA,
                "Sao lưu ra thiết bị hoặc nơi lưu trữ tách khỏi máy đang dùng.",
            ),
            tiers(
                "5.7",
                "Tỷ lệ cán bộ, công chức dùng thư điện tử công vụ trong công việc",
                15,
                "Tỷ lệ dùng thư công vụ",
                "%",
                ((100, 15), (90, 10), (70, 5)),
                _ev("Thống kê từ hệ thống thư điện tử của tỉnh", "warning"),
                "Hệ thống thư điện tử công vụ của tỉnh",
                SKHCN,
                "",
                percent=True,
            ),
            direct(
                "5.8",
                "Tuân thủ quy định không dùng thư điện tử cá nhân, ứng dụng nhắn tin để gửi văn bản",
                10,
                NO_EVIDENCE,
                "Kết quả kiểm tra của cơ quan chức năng",
                CA,
                "Công an tỉnh chấm theo kết quả kiểm tra; xã không tự chấm.",
            ),
        ),
    )


def pillar_6() -> Pillar:
    return Pillar(
        "6",
        "Hoạt động chính quyền số",
        D(250),
        (
            ratio(
                "6.1",
                "Tỷ lệ văn bản đi được ký số và gửi trên hệ thống quản lý văn bản",
                30,
                "Số văn bản đi ký số, gửi điện tử",
                "Tổng số văn bản đi (trừ văn bản mật)",
                "văn bản",
                _ev("Thống kê từ hệ thống quản lý văn bản"),
                QLVB,
                VP,
                "Không tính văn bản có nội dung bí mật nhà nước.",
            ),
            tiers(
                "6.2",
                "Tỷ lệ hồ sơ công việc được xử lý toàn trình trên môi trường mạng",
                25,
                "Tỷ lệ xử lý toàn trình",
                "%",
                ((90, 25), (80, 18), (70, 10), (50, 5)),
                _ev("Thống kê từ hệ thống quản lý văn bản"),
                QLVB,
                VP,
                "Không xử lý song song hồ sơ giấy và hồ sơ điện tử.",
                percent=True,
            ),
            ratio(
                "6.3",
                "Tỷ lệ hồ sơ thủ tục hành chính tiếp nhận trực tuyến",
                30,
                "Số hồ sơ tiếp nhận trực tuyến",
                "Tổng số hồ sơ tiếp nhận",
                "hồ sơ",
                _ev("Thống kê từ hệ thống giải quyết thủ tục hành chính"),
                TTHC,
                TTPV,
                "Số liệu cả năm đánh giá.",
            ),
            tiers(
                "6.4",
                "Tỷ lệ số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
                25,
                "Tỷ lệ số hóa",
                "%",
                ((95, 25), (85, 18), (70, 10), (50, 5)),
                _ev("Thống kê từ hệ thống giải quyết thủ tục hành chính"),
                TTHC,
                TTPV,
                "",
                percent=True,
            ),
            tiers(
                "6.5",
                "Tỷ lệ thanh toán trực tuyến phí, lệ phí thủ tục hành chính",
                20,
                "Tỷ lệ thanh toán trực tuyến",
                "%",
                ((90, 20), (70, 14), (50, 8), (30, 4)),
                _ev("Thống kê từ hệ thống giải quyết thủ tục hành chính", "warning"),
                TTHC,
                TTPV,
                "Trên tổng số giao dịch có phí, lệ phí.",
                percent=True,
            ),
            ratio(
                "6.6",
                "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn",
                20,
                "Số hồ sơ giải quyết đúng hạn",
                "Tổng số hồ sơ đã giải quyết",
                "hồ sơ",
                _ev("Thống kê từ hệ thống giải quyết thủ tục hành chính"),
                TTHC,
                TTPV,
                "Không có hồ sơ nào: 0 điểm.",
            ),
            tiers(
                "6.7",
                "Tỷ lệ khai thác, sử dụng lại dữ liệu đã số hóa trong giải quyết thủ tục hành chính",
                15,
                "Tỷ lệ tái sử dụng",
                "%",
                ((90, 15), (80, 10), (60, 5)),
                _ev("Thống kê từ hệ thống giải quyết thủ tục hành chính", "warning"),
                TTHC,
                TTPV,
                "",
                percent=True,
            ),
            tiers(
                "6.8",
                "Tỷ lệ báo cáo định kỳ thực hiện trên Hệ thống thông tin báo cáo của tỉnh",
                15,
                "Tỷ lệ báo cáo trên hệ thống",
                "%",
                ((100, 15), (90, 10), (70, 5)),
                _ev("Thống kê từ Hệ thống thông tin báo cáo", "warning"),
                "Hệ thống thông tin báo cáo của tỉnh",
                VP,
                "Không tính báo cáo có nội dung mật.",
                percent=True,
            ),
            group(
                "6.9",
                "Ứng dụng trí tuệ nhân tạo và họp không giấy tờ",
                20,
                (
                    yes_no(
                        "6.9.1",
                        "Ứng dụng trí tuệ nhân tạo hỗ trợ giải quyết thủ tục hành chính",
                        10,
                        "Đã ứng dụng",
                        _ev("Mô tả ứng dụng và ảnh chụp màn hình", "warning"),
                        BAO_CAO,
                        SKHCN,
                        "Ví dụ: chatbot hỗ trợ người dân tại Trung tâm Phục vụ hành chính công xã.",
                    ),
                    tiers(
                        "6.9.2",
                        "Số cuộc họp sử dụng phòng họp không giấy tờ",
                        10,
                        "Số cuộc họp không giấy tờ",
                        "cuộc họp",
                        ((12, 10), (6, 6), (1, 3)),
                        _ev("Thống kê từ hệ thống phòng họp không giấy tờ", "warning"),
                        BAO_CAO,
                        VP,
                        "",
                    ),
                ),
                _ev("Theo từng chỉ tiêu con", "warning", False),
                BAO_CAO,
                SKHCN,
                "Điểm là tổng điểm các chỉ tiêu con, tối đa 20 điểm.",
            ),
            direct(
                "6.10",
                "Điểm Bộ chỉ số phục vụ người dân, doanh nghiệp của xã",
                30,
                NO_EVIDENCE,
                "Cổng Dịch vụ công quốc gia",
                TTPV,
                "Quy đổi từ điểm Bộ chỉ số phục vụ người dân, doanh nghiệp; tỉnh chấm.",
            ),
            choice(
                "6.11",
                "Cập nhật dữ liệu vào các cơ sở dữ liệu chuyên ngành",
                20,
                "Mức độ cập nhật",
                (
                    ("day_du", "Đầy đủ, đúng hạn", 20),
                    ("chua_day_du", "Có cập nhật nhưng chưa đầy đủ", 10),
                    ("chua", "Chưa cập nhật", 0),
                ),
                _ev("Xác nhận của cơ quan quản lý cơ sở dữ liệu", "warning"),
                BAO_CAO,
                SKHCN,
                "Các cơ sở dữ liệu: hộ tịch, đất đai, an sinh xã hội và các cơ sở dữ liệu tỉnh yêu cầu.",
            ),
        ),
    )


def pillar_7() -> Pillar:
    return Pillar(
        "7",
        "Hoạt động kinh tế số, xã hội số",
        D(180),
        (
            tiers(
                "7.1",
                "Tỷ lệ hộ kinh doanh, hợp tác xã chấp nhận thanh toán không dùng tiền mặt",
                20,
                "Tỷ lệ chấp nhận",
                "%",
                ((80, 20), (60, 14), (40, 8), (20, 4)),
                _ev("Số liệu thống kê hoặc khảo sát", "warning"),
                BAO_CAO,
                SCT,
                "Tính hộ có mã QR hoặc thiết bị thanh toán thẻ.",
                percent=True,
            ),
            tiers(
                "7.2",
                "Số sản phẩm OCOP, nông sản của xã bán trên sàn thương mại điện tử",
                15,
                "Số sản phẩm",
                "sản phẩm",
                ((5, 15), (3, 10), (1, 5)),
                _ev("Đường dẫn gian hàng trên sàn"),
                BAO_CAO,
                SCT,
                "",
            ),
            tiers(
                "7.3",
                "Tỷ lệ người dân từ 14 tuổi có tài khoản định danh điện tử mức 2",
                20,
                "Tỷ lệ có tài khoản",
                "%",
                ((90, 20), (80, 15), (60, 8)),
                _ev("Số liệu của Công an xã", "warning"),
                "Công an xã",
                CA,
                "",
                percent=True,
            ),
            tiers(
                "7.4",
                "Tỷ lệ người trưởng thành có tài khoản thanh toán điện tử",
                15,
                "Tỷ lệ có tài khoản thanh toán",
                "%",
                ((80, 15), (60, 10), (40, 5)),
                _ev("Số liệu của ngân hàng trên địa bàn hoặc khảo sát", "warning"),
                BAO_CAO,
                SKHCN,
                "",
                percent=True,
            ),
            ratio(
                "7.5",
                "Tỷ lệ hộ gia đình sử dụng ứng dụng công dân số của tỉnh",
                15,
                "Số hộ có người dùng ứng dụng",
                "Tổng số hộ gia đình",
                "hộ",
                _ev("Thống kê từ ứng dụng công dân số", "warning"),
                "Ứng dụng công dân số của tỉnh",
                SKHCN,
                "",
            ),
            ratio(
                "7.6",
                "Tỷ lệ trường học trên địa bàn dùng sổ điểm, học bạ điện tử",
                15,
                "Số trường đã dùng",
                "Tổng số trường trên địa bàn",
                "trường",
                _ev("Xác nhận của nhà trường", "warning"),
                BAO_CAO,
                "Sở Giáo dục và Đào tạo",
                "Xã không có trường học nào: đạt điểm tối đa.",
                zero="full",
            ),
            yes_no(
                "7.7",
                "Trạm y tế xã khám chữa bệnh bằng căn cước công dân và hồ sơ sức khỏe điện tử",
                10,
                "Đã triển khai",
                _ev("Xác nhận của Trạm y tế", "warning"),
                BAO_CAO,
                "Sở Y tế",
                "",
            ),
            yes_no(
                "7.8",
                "Có điểm hỗ trợ người dân sử dụng dịch vụ số",
                10,
                "Có điểm hỗ trợ",
                _ev("Quyết định hoặc ảnh chụp điểm hỗ trợ", "warning"),
                BAO_CAO,
                SKHCN,
                "Điểm hỗ trợ có người trực, có thiết bị kết nối Internet.",
            ),
            group(
                "7.9",
                "Chi trả an sinh xã hội không dùng tiền mặt",
                20,
                (
                    ratio(
                        "7.9.1",
                        "Tỷ lệ người hưởng trợ cấp xã hội nhận tiền qua tài khoản",
                        10,
                        "Số người nhận qua tài khoản",
                        "Tổng số người hưởng trợ cấp",
                        "người",
                        _ev("Danh sách chi trả"),
                        BAO_CAO,
                        SNV,
                        "",
                    ),
                    tiers(
                        "7.9.2",
                        "Tỷ lệ người hưởng lương hưu nhận qua tài khoản",
                        10,
                        "Tỷ lệ nhận qua tài khoản",
                        "%",
                        ((80, 10), (60, 6), (40, 3)),
                        _ev("Số liệu của Bảo hiểm xã hội", "warning"),
                        "Bảo hiểm xã hội khu vực",
                        SNV,
                        "",
                        percent=True,
                    ),
                ),
                _ev("Theo từng chỉ tiêu con", "warning", False),
                BAO_CAO,
                SNV,
                "Điểm là tổng điểm các chỉ tiêu con, tối đa 20 điểm.",
            ),
            tiers(
                "7.10",
                "Số hội nghị, lớp tập huấn thương mại điện tử cho hộ kinh doanh",
                10,
                "Số hội nghị, lớp",
                "lần",
                ((2, 10), (1, 5)),
                _ev("Kế hoạch và danh sách người tham gia"),
                BAO_CAO,
                SCT,
                "",
            ),
            direct(
                "7.11",
                "Đánh giá của tỉnh về phát triển kinh tế số, xã hội số trên địa bàn",
                20,
                NO_EVIDENCE,
                "Kết quả khảo sát của tỉnh",
                SKHCN,
                "Tỉnh chấm theo kết quả khảo sát người dân, doanh nghiệp; xã không tự chấm.",
            ),
            choice(
                "7.12",
                "Hỗ trợ doanh nghiệp nhỏ và vừa chuyển đổi số",
                10,
                "Mức độ hỗ trợ",
                (
                    ("co_dn", "Có chương trình hỗ trợ và có doanh nghiệp tham gia", 10),
                    ("chua_dn", "Có chương trình, chưa có doanh nghiệp tham gia", 5),
                    ("chua", "Chưa có chương trình", 0),
                ),
                _ev("Văn bản triển khai chương trình hỗ trợ", "warning"),
                BAO_CAO,
                SCT,
                "",
            ),
        ),
    )


# The largest count a commune or ward plausibly reports (after the 2025 merger: tens of
# thousands of people, thousands of households, a staff of tens to a few hundred); above it
# the officer is warned to check the figure (issue 15: 1,000,000 meetings a year went
# through). Every count field has one (tests/forms/test_plausible.py).
PLAUSIBLE_MAX: dict[tuple[str, str], int] = {
    ("1.2", "so_luong"): 52,  # meetings of the steering committee: at most weekly
    ("1.3", "tu_so"): 52,
    ("1.3", "mau_so"): 52,
    ("1.5", "so_luong"): 1000,  # news items
    ("2.3", "tu_so"): 500,  # tasks
    ("2.3", "mau_so"): 500,
    ("2.6", "so_luong"): 100,  # reports
    ("2.7.3", "so_luong"): 200,  # documents issued
    ("3.8", "so_luong"): 200,  # free Wi-Fi points
    ("3.9.1", "so_luong"): 100,  # scanners
    ("4.2", "tu_so"): 300,  # cadres and civil servants
    ("4.2", "mau_so"): 300,
    ("4.4", "so_luong"): 100,  # classes
    ("4.5", "tu_so"): 2000,  # members of the community digital teams
    ("4.5", "mau_so"): 2000,
    ("4.8.1", "so_luong"): 100000,  # people guided
    ("5.2", "tu_so"): 500,  # computers
    ("5.2", "mau_so"): 500,
    ("5.3.2", "so_luong"): 50,  # drills
    ("5.5", "tu_so"): 10000,  # security alerts
    ("5.5", "mau_so"): 10000,
    ("6.1", "tu_so"): 20000,  # outgoing documents
    ("6.1", "mau_so"): 20000,
    ("6.3", "tu_so"): 100000,  # dossiers received
    ("6.3", "mau_so"): 100000,
    ("6.6", "tu_so"): 100000,  # dossiers resolved
    ("6.6", "mau_so"): 100000,
    ("6.9.2", "so_luong"): 500,  # paperless meetings
    ("7.2", "so_luong"): 500,  # products on e-commerce platforms
    ("7.5", "tu_so"): 100000,  # households
    ("7.5", "mau_so"): 100000,
    ("7.6", "tu_so"): 100,  # schools
    ("7.6", "mau_so"): 100,
    ("7.9.1", "tu_so"): 50000,  # people receiving allowances
    ("7.9.1", "mau_so"): 50000,
    ("7.10", "so_luong"): 100,  # conferences and classes
}


def _fill_plausible(ind: Indicator) -> Indicator:
    """Each field's plausible maximum from ``PLAUSIBLE_MAX``."""
    from dataclasses import replace

    fields = tuple(
        replace(f, plausible_max=D(PLAUSIBLE_MAX[ind.code, f.key]))
        if (ind.code, f.key) in PLAUSIBLE_MAX
        else f
        for f in ind.fields
    )
    return replace(ind, fields=fields, children=tuple(_fill_plausible(c) for c in ind.children))


def _fill_help(ind: Indicator) -> Indicator:
    """An indicator without its own help text gets one saying what the value is measured on."""
    from dataclasses import replace

    children = tuple(_fill_help(c) for c in ind.children)
    help_text = ind.help or f"Số liệu tính đến hết ngày 31/12/2025; nguồn: {ind.data_source}."
    return replace(ind, help=help_text, children=children)


def reference_set() -> CriteriaSet:
    from dataclasses import replace

    pillars = tuple(
        replace(p, indicators=tuple(_fill_plausible(_fill_help(i)) for i in p.indicators))
        for p in (
            pillar_1(),
            pillar_2(),
            pillar_3(),
            pillar_4(),
            pillar_5(),
            pillar_6(),
            pillar_7(),
        )
    )
    return CriteriaSet(
        set_id="dti-xa-2025-reference",
        level="commune",
        year=2025,
        version="1.1-tham-khao",  # 1.1: plausible maxima on count fields (1.0 in released/)
        title="Bộ tiêu chí tham khảo — thay bằng bộ chính thức của tỉnh (Chỉ số chuyển đổi số cấp xã năm 2025)",
        total_points=D(1000),
        pillars=pillars,
        bands=(Band(D(800), "Tốt"), Band(D(650), "Khá"), Band(D(0), "Trung bình")),
        rounding=Rounding(2, "half_up"),
        not_ranked_label="-",
        reference=True,
    )


def main() -> int:
    from forms.criteria_checks import check_set
    from forms.criteria_json import dump_json

    cs = reference_set()
    problems = check_set(cs)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    dump_json(cs, OUT_DIR / f"{BASENAME}.json")
    try:
        from forms.criteria_xlsx import dump_xlsx
    except ImportError:  # the workbook writer is not there yet while bootstrapping
        print("criteria_xlsx missing: JSON only", file=sys.stderr)
    else:
        dump_xlsx(cs, OUT_DIR / f"{BASENAME}.xlsx")
    print(f"{cs.short_id}: {len(cs.leaves())} leaf indicators -> {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
