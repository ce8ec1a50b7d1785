"""Extra training pairs for the stance classifier and the match reranker, written for Vigil.

The hand-written training set (``detector/resources/stance_train.csv``) is small; these pairs
add spelling variety (no diacritics, teencode) and the three stances around claims of policy
areas it may not cover. Each seed is a false claim, two ways of spreading it, and the real
decision behind it; templates then produce posts that spread it, refute it, report the real
decision, ask about it or comment on the topic. None of these claims is in the evaluation set
(bench/data/claim_eval), and the evaluation queries are never used for training.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from detector.claims.text import match_key
from detector.normalize import strip_diacritics


@dataclass(frozen=True, slots=True)
class Seed:
    claim: str
    spreads: tuple[str, ...]
    fact: str
    authority: str
    topic: str


SEEDS: tuple[Seed, ...] = (
    Seed(
        "Giá điện sinh hoạt tăng 40% từ tháng 8 tới, hộ nghèo cũng không được miễn.",
        (
            "tháng 8 này tiền điện nhà nào cũng tăng 40% luôn, hộ nghèo cũng phải chịu",
            "EVN sắp tăng giá điện thêm 40%, từ tháng 8 hộ nghèo không còn được hỗ trợ",
        ),
        "Giá bán lẻ điện bình quân chỉ điều chỉnh tăng 4,8% và hộ nghèo vẫn được hỗ trợ tiền điện.",
        "Bộ Công Thương",
        "dien_nuoc_xang",
    ),
    Seed(
        "Xăng RON95 sẽ lên 40.000 đồng một lít từ tuần sau do Nhà nước bỏ quỹ bình ổn.",
        (
            "tuần sau xăng 95 lên 40 nghìn một lít vì bỏ quỹ bình ổn rồi",
            "Nhà nước bỏ quỹ bình ổn, giá xăng RON95 sắp chạm 40.000đ/lít",
        ),
        "Kỳ điều hành tới giá xăng RON95 giảm 320 đồng mỗi lít, quỹ bình ổn vẫn được duy trì.",
        "Liên Bộ Công Thương - Tài chính",
        "dien_nuoc_xang",
    ),
    Seed(
        "Hà Nội cắt nước toàn thành phố 5 ngày liền để sửa đường ống sông Đà.",
        (
            "cả Hà Nội sắp mất nước 5 ngày liền vì sửa ống nước sông Đà",
            "toàn thành phố Hà Nội bị cắt nước 5 ngày để sửa tuyến ống sông Đà, tích nước ngay",
        ),
        "Chỉ một số phường của ba quận bị gián đoạn cấp nước trong 12 giờ đêm thứ bảy.",
        "Công ty Nước sạch sông Đà",
        "dien_nuoc_xang",
    ),
    Seed(
        "Từ năm sau người dân phải nộp thuế 2% khi bán nhà dù đã sở hữu trên 10 năm và thêm thuế "
        "sở hữu căn nhà thứ hai.",
        (
            "năm sau bán nhà ở trên 10 năm vẫn phải nộp thuế 2% còn có nhà thứ hai là bị đánh thuế",
            "nhà thứ hai sắp bị đánh thuế, bán nhà đã ở hơn 10 năm cũng mất 2%",
        ),
        "Dự thảo mới chỉ lấy ý kiến về thuế với nhà đất bỏ hoang, chưa có quy định thuế căn nhà "
        "thứ hai.",
        "Bộ Tài chính",
        "dat_dai_nha_o",
    ),
    Seed(
        "Sổ đỏ cấp trước năm 2015 sẽ hết hiệu lực và phải làm lại, mất phí 5 triệu đồng.",
        (
            "sổ đỏ cấp trước 2015 sắp hết giá trị, ai chưa đổi thì mất đất, phí đổi 5 triệu",
            "nhà nào có sổ đỏ trước năm 2015 phải làm lại sổ mới, đóng 5 triệu một sổ",
        ),
        "Giấy chứng nhận đã cấp theo quy định cũ vẫn có giá trị pháp lý, không bắt buộc cấp đổi.",
        "Bộ Tài nguyên và Môi trường",
        "dat_dai_nha_o",
    ),
    Seed(
        "Chạy xe máy không mang giấy phép lái xe bị phạt 10 triệu đồng và tịch thu xe từ tháng "
        "này.",
        (
            "quên bằng lái xe máy là bị phạt 10 triệu với bị tịch thu xe luôn từ tháng này",
            "từ tháng này cảnh sát giao thông tịch thu xe máy nếu không mang bằng, phạt 10 triệu",
        ),
        "Người đi xe máy không mang giấy phép lái xe bị phạt từ 200.000 đến 400.000 đồng và "
        "không bị tịch thu xe.",
        "Cục Cảnh sát giao thông",
        "giao_thong",
    ),
    Seed(
        "Ô tô đi vào nội đô Hà Nội phải trả phí 100.000 đồng mỗi lượt từ ngày 1 tháng 1.",
        (
            "từ 1/1 ô tô vào nội thành Hà Nội mất 100 nghìn mỗi lượt",
            "Hà Nội thu phí ô tô vào nội đô 100.000 đồng một lần từ đầu năm",
        ),
        "Đề án thu phí phương tiện vào nội đô vẫn đang nghiên cứu, chưa có mức phí và thời điểm "
        "áp dụng.",
        "Sở Xây dựng Hà Nội",
        "giao_thong",
    ),
    Seed(
        "Người nghỉ hưu trước năm 1995 sẽ bị cắt lương hưu từ tháng 10.",
        (
            "ai nghỉ hưu trước 1995 thì tháng 10 này bị cắt lương hưu hết",
            "từ tháng 10 lương hưu của người về hưu trước năm 1995 bị dừng chi trả",
        ),
        "Lương hưu của người nghỉ hưu trước năm 1995 được điều chỉnh tăng thêm 15% từ tháng 7.",
        "Bảo hiểm xã hội Việt Nam",
        "bhxh_luong_huu",
    ),
    Seed(
        "Rút bảo hiểm xã hội một lần sẽ bị cấm hoàn toàn từ năm sau, ai chưa rút thì mất trắng.",
        (
            "năm sau cấm rút bảo hiểm xã hội một lần, chưa rút là mất trắng tiền đóng",
            "nhanh đi rút bhxh một lần đi mọi người, năm sau cấm hẳn rồi mất hết tiền",
        ),
        "Luật mới vẫn cho phép hưởng bảo hiểm xã hội một lần trong các trường hợp luật định, "
        "quyền lợi của người đã đóng được bảo lưu.",
        "Bộ Lao động - Thương binh và Xã hội",
        "bhxh_luong_huu",
    ),
    Seed(
        "Tuổi nghỉ hưu của lao động nam sẽ tăng lên 65 tuổi từ năm 2026.",
        (
            "đàn ông phải làm đến 65 tuổi mới được nghỉ hưu từ 2026",
            "từ năm 2026 nam giới nghỉ hưu ở tuổi 65",
        ),
        "Tuổi nghỉ hưu của lao động nam tăng dần theo lộ trình, mỗi năm 3 tháng, đến 62 tuổi "
        "vào năm 2028.",
        "Bộ Lao động - Thương binh và Xã hội",
        "bhxh_luong_huu",
    ),
    Seed(
        "Cuộc bầu cử đại biểu Quốc hội khóa mới bị hoãn sang năm 2027.",
        (
            "bầu cử quốc hội khóa tới hoãn đến 2027 rồi",
            "Quốc hội quyết định lùi bầu cử đại biểu sang năm 2027",
        ),
        "Ngày bầu cử đại biểu Quốc hội và Hội đồng nhân dân các cấp vẫn theo nghị quyết đã công "
        "bố.",
        "Hội đồng bầu cử quốc gia",
        "bau_cu_chinh_quyen",
    ),
    Seed(
        "Sáp nhập tỉnh xong, người dân phải đổi toàn bộ căn cước và sổ đỏ trong 3 tháng, quá hạn "
        "bị phạt.",
        (
            "sáp nhập tỉnh thì ai cũng phải đổi căn cước với sổ đỏ trong 3 tháng không là bị phạt",
            "sau sáp nhập dân phải làm lại căn cước, sổ đỏ trong 3 tháng, trễ là phạt",
        ),
        "Người dân không phải đổi căn cước, sổ đỏ vì thay đổi địa giới hành chính; giấy tờ cũ vẫn "
        "có giá trị.",
        "Bộ Công an",
        "bau_cu_chinh_quyen",
    ),
    Seed(
        "Đường Vành đai 4 bị dừng thi công vì hết vốn, các gói thầu bỏ dở.",
        (
            "vành đai 4 hết tiền nên dừng thi công rồi, các gói thầu bỏ dở hết",
            "dự án đường Vành đai 4 dừng vì hết vốn",
        ),
        "Các gói thầu Vành đai 4 vẫn thi công, dự án được bố trí đủ vốn năm nay.",
        "Ban Quản lý dự án Vành đai 4",
        "quy_hoach_ha_tang",
    ),
    Seed(
        "Sân bay Long Thành lùi khai thác sang năm 2030 vì sai thiết kế nhà ga.",
        (
            "Long Thành sai thiết kế nhà ga nên phải lùi tới 2030 mới bay",
            "sân bay Long Thành hoãn khai thác đến năm 2030 do nhà ga thiết kế sai",
        ),
        "Sân bay Long Thành vẫn theo tiến độ đưa vào khai thác giai đoạn 1, không có việc sai "
        "thiết kế nhà ga.",
        "Tổng công ty Cảng hàng không Việt Nam",
        "quy_hoach_ha_tang",
    ),
    Seed(
        "Công an sẽ kiểm tra điện thoại của mọi người đi đường và phạt 5 triệu nếu có tin nhắn "
        "chống phá.",
        (
            "công an được quyền kiểm tra điện thoại người đi đường, có tin nhắn chống phá là phạt "
            "5 triệu",
            "ra đường bị công an xem điện thoại, phạt 5 triệu nếu thấy tin nhắn chống phá",
        ),
        "Lực lượng công an không có quy định kiểm tra điện thoại của người tham gia giao thông.",
        "Bộ Công an",
        "an_ninh_trat_tu",
    ),
    Seed(
        "Bão số 5 sẽ đổ bộ vào Hà Nội với sức gió cấp 17, toàn bộ học sinh nghỉ học 1 tuần.",
        (
            "bão số 5 vào thẳng Hà Nội gió cấp 17, học sinh nghỉ học cả tuần",
            "học sinh Hà Nội nghỉ 1 tuần vì bão số 5 cấp 17 đổ bộ",
        ),
        "Bão số 5 suy yếu thành áp thấp khi vào đất liền Thanh Hóa, Hà Nội có mưa vừa, học sinh "
        "đi học bình thường.",
        "Trung tâm Dự báo khí tượng thủy văn quốc gia",
        "thien_tai",
    ),
    Seed(
        "Thủy điện Hòa Bình xả đáy toàn bộ 12 cửa, Hà Nội sắp ngập sâu 2 mét.",
        (
            "Hòa Bình mở hết 12 cửa xả đáy rồi, Hà Nội sắp ngập 2 mét",
            "thủy điện Hòa Bình xả 12 cửa đáy, dân Hà Nội chuẩn bị ngập sâu 2m",
        ),
        "Thủy điện Hòa Bình mở 2 cửa xả đáy theo quy trình vận hành liên hồ, mực nước sông Hồng "
        "tại Hà Nội dưới báo động 1.",
        "Tập đoàn Điện lực Việt Nam",
        "thien_tai",
    ),
    Seed(
        "Bộ Y tế bắt buộc tiêm vaccine cúm mới cho trẻ dưới 5 tuổi, ai không tiêm bị cấm đi học.",
        (
            "trẻ dưới 5 tuổi bắt buộc tiêm vaccine cúm mới, không tiêm là không được đi học",
            "không tiêm vắc xin cúm thì con dưới 5 tuổi bị cấm đến trường",
        ),
        "Vaccine cúm là tiêm dịch vụ tự nguyện, không có quy định cấm trẻ chưa tiêm đi học.",
        "Bộ Y tế",
        "y_te_vaccine",
    ),
    Seed(
        "Thẻ bảo hiểm y tế giấy hết hạn sử dụng từ tháng 6, người bệnh phải mua thẻ mới 500.000 "
        "đồng.",
        (
            "thẻ bhyt giấy hết hạn từ tháng 6 rồi, phải mua thẻ mới 500 nghìn",
            "từ tháng 6 bảo hiểm y tế giấy không dùng được, mua thẻ mới mất 500k",
        ),
        "Người bệnh có thể dùng căn cước hoặc ứng dụng VNeID để khám bảo hiểm y tế, thẻ giấy vẫn "
        "được chấp nhận và không mất phí.",
        "Bảo hiểm xã hội Việt Nam",
        "y_te_vaccine",
    ),
    Seed(
        "Hộ kinh doanh phải nộp thuế 10% trên mọi khoản chuyển khoản nhận vào tài khoản từ tháng "
        "tới.",
        (
            "tháng sau ai nhận chuyển khoản cũng bị trừ 10% thuế",
            "mọi giao dịch chuyển khoản vào tài khoản của hộ kinh doanh bị thu thuế 10%",
        ),
        "Thuế tính trên doanh thu kinh doanh thực tế, không thu thuế trên mọi khoản tiền chuyển "
        "khoản.",
        "Tổng cục Thuế",
        "thue_phi",
    ),
    Seed(
        "Phí trước bạ ô tô tăng lên 20% từ tháng 9 để hạn chế xe cá nhân.",
        (
            "từ tháng 9 trước bạ ô tô lên 20% để hạn chế xe cá nhân",
            "mua ô tô sắp phải đóng phí trước bạ 20%",
        ),
        "Lệ phí trước bạ ô tô vẫn từ 10% đến 12% tùy địa phương, không có đề xuất tăng lên 20%.",
        "Bộ Tài chính",
        "thue_phi",
    ),
    Seed(
        "Giáo viên sẽ bị cắt phụ cấp thâm niên từ năm học tới.",
        (
            "năm học tới giáo viên mất phụ cấp thâm niên",
            "phụ cấp thâm niên của giáo viên bị bỏ từ năm học sau",
        ),
        "Phụ cấp thâm niên nhà giáo vẫn được giữ nguyên theo quy định hiện hành.",
        "Bộ Giáo dục và Đào tạo",
        "giao_duc",
    ),
    Seed(
        "Học sinh lớp 10 phải thi thêm môn thứ tư là tiếng Trung bắt buộc.",
        (
            "thi vào lớp 10 phải thi thêm tiếng Trung bắt buộc",
            "tiếng Trung thành môn thi bắt buộc thứ tư vào lớp 10",
        ),
        "Kỳ thi vào lớp 10 gồm toán, ngữ văn và một môn do địa phương chọn, không có môn tiếng "
        "Trung bắt buộc.",
        "Bộ Giáo dục và Đào tạo",
        "giao_duc",
    ),
)

SPREAD_TEMPLATES = (
    "{p}",
    "Nghe nói {p}",
    "{P}! Mọi người chia sẻ gấp",
    "TIN NÓNG: {P}",
    "{P}, thật vô lý quá",
    "Sốc: {p}. Ai chưa biết thì biết nhé",
    "{P}. Anh em cẩn thận",
    "chính thức rồi nhé, {p}",
    "{P} 😡😡",
    "vừa đọc được tin {p}, chia sẻ cho mọi người cùng biết",
)
REFUTE_TEMPLATES = (
    "{A} bác bỏ thông tin {c}",
    "Thông tin {p} là không đúng sự thật. {F}",
    "Không có chuyện {p}. {F}",
    "{A} khẳng định: thông tin cho rằng {c} là sai sự thật",
    "Cảnh giác tin giả: {p}. Thực tế {f}",
    "Đính chính: {F}",
    "Sự thật là {f}, chứ không phải {p} như tin đồn",
    "Đừng tin tin đồn {p}, {A} đã lên tiếng",
    "Xử phạt người tung tin {p}",
    "Mọi người đừng share nữa, {p} là tin bịa đặt",
)
DECISION_TEMPLATES = (
    "Theo thông báo của {A}, {f}",
    "{A} cho biết {f}",
    "Chính thức: {f}",
)
MENTION_TEMPLATES = (
    "Có thật là {p} không mọi người?",
    "Cho mình hỏi {p} có đúng không ạ",
    "{P} hả? Ai biết nguồn chính thức không",
    "Liệu {p} không nhỉ?",
    "Mọi người bàn nhiều về chuyện {p}, mình nghĩ cần chờ thông tin từ {A}",
)

_TEENCODE = {
    "không": "ko",
    "được": "dc",
    "người": "ng",
    "với": "vs",
    "mọi người": "mn",
    "biết": "bít",
    "bảo hiểm xã hội": "bhxh",
    "bảo hiểm y tế": "bhyt",
    "đại học": "đh",
    "thành phố": "tp",
    "triệu": "tr",
    "nghìn": "k",
    "gì": "j",
    "rồi": "r",
    "quá": "wa",
    "thì": "thj",
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _low(text: str) -> str:
    text = text.rstrip(".!")
    return text[:1].lower() + text[1:]


def teencode(text: str, rng: random.Random) -> str:
    """A teencode spelling of ``text``: common abbreviations, sometimes without diacritics."""
    out = text.lower()
    for word, code in _TEENCODE.items():
        if rng.random() < 0.8:
            out = out.replace(word, code)
    return strip_diacritics(out) if rng.random() < 0.4 else out


def pairs(seed: int = 13) -> list[tuple[str, str, str]]:
    """``(claim_text, post_text, stance)`` triples from the seeds and templates."""
    rng = random.Random(seed)
    out: list[tuple[str, str, str]] = []
    for s in SEEDS:
        spread_forms = [_low(s.claim), *s.spreads]
        fill = {"A": s.authority, "c": _low(s.claim), "F": _cap(s.fact), "f": _low(s.fact)}
        # Most spreading posts just restate the claim in their own words, with no cue at all.
        for form in s.spreads:
            out.append((s.claim, _cap(form), "spreads"))
            out.append((s.claim, teencode(form, rng), "spreads"))
            out.append((s.claim, strip_diacritics(form), "spreads"))
        for template in rng.sample(SPREAD_TEMPLATES, 6):
            p = rng.choice(spread_forms)
            text = template.format(p=p, P=_cap(p), **fill)
            out.append((s.claim, text, "spreads"))
            roll = rng.random()
            if roll < 0.3:
                out.append((s.claim, strip_diacritics(text), "spreads"))
            elif roll < 0.6:
                out.append((s.claim, teencode(text, rng), "spreads"))
        for template in rng.sample(REFUTE_TEMPLATES, 5):
            p = rng.choice(spread_forms)
            text = template.format(p=p, P=_cap(p), **fill)
            out.append((s.claim, text, "refutes"))
            if rng.random() < 0.3:
                out.append((s.claim, teencode(text, rng), "refutes"))
        for template in rng.sample(DECISION_TEMPLATES, 2):  # attributed, as news reports are
            out.append((s.claim, template.format(**fill), "refutes"))
        for template in rng.sample(MENTION_TEMPLATES, 3):
            p = rng.choice(spread_forms)
            text = template.format(p=p, P=_cap(p), **fill)
            out.append((s.claim, text, "mentions"))
    return out


PLACES = [
    "Hà Nội",
    "TP.HCM",
    "Đà Nẵng",
    "Hải Phòng",
    "Cần Thơ",
    "Nghệ An",
    "Thanh Hóa",
    "Quảng Ninh",
    "Bình Dương",
    "Đồng Nai",
    "Huế",
    "Khánh Hòa",
    "Lâm Đồng",
    "Gia Lai",
    "Đắk Lắk",
    "Cà Mau",
    "An Giang",
    "Bắc Ninh",
    "Thái Nguyên",
    "Lào Cai",
    "cả nước",
    "các tỉnh miền Tây",
]
SUBJECTS = [
    "học phí mầm non",
    "học phí đại học",
    "giá điện sinh hoạt",
    "giá nước sạch",
    "giá xăng RON95",
    "giá dầu diesel",
    "thuế thu nhập cá nhân",
    "lệ phí trước bạ",
    "phí cao tốc",
    "lương hưu",
    "lương cơ sở",
    "trợ cấp thất nghiệp",
    "bảo hiểm y tế học sinh",
    "viện phí",
    "giá vé xe buýt",
    "phí gửi xe",
    "tiền thuê đất",
    "thuế đất phi nông nghiệp",
    "phí sử dụng đường bộ",
    "mức phạt nồng độ cồn",
    "mức phạt vượt đèn đỏ",
    "tiền đền bù giải phóng mặt bằng",
    "phụ cấp giáo viên",
    "giá sách giáo khoa",
    "phí công chứng",
    "phí cấp sổ đỏ",
    "tiền điện hộ nghèo",
    "giá vaccine dịch vụ",
    "phí thu gom rác",
    "phí đăng kiểm ô tô",
]
ACTIONS = [
    "tăng gấp {n} lần",
    "tăng {n}0%",
    "giảm {n}0%",
    "bị bãi bỏ",
    "bị cắt hoàn toàn",
    "tăng thêm {n} triệu đồng",
    "bị thu thêm {n}00 nghìn đồng",
    "bị đình chỉ",
    "được miễn",
    "bị tạm dừng {n} tháng",
    "tăng lên {n}00.000 đồng",
    "bị thu hồi",
]
WHEN = [
    "từ tháng {m} năm {y}",
    "từ ngày 1/{m}",
    "trong năm {y}",
    "từ học kỳ tới",
    "ngay tuần sau",
    "kể từ quý {q}",
    "sau Tết",
    "từ đầu năm {y}",
]
TAILS = [
    "theo nghị định mới của Chính phủ",
    "người dân không được thông báo trước",
    "ai không chấp hành sẽ bị phạt nặng",
    "theo công văn mật vừa bị lộ",
    "để bù lỗ cho ngân sách",
    "hộ nghèo cũng không được miễn",
    "áp dụng với mọi hộ gia đình",
    "do thiếu ngân sách",
    "theo chỉ đạo của bộ chủ quản",
    "",
]


def filler_claims(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct, plausible-looking policy claims: near-topic neighbours (same subjects,
    other places and numbers) for training the reranker, and filler for the latency test."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        when = rng.choice(WHEN).format(
            m=rng.randint(1, 12), y=rng.randint(2025, 2028), q=rng.randint(1, 4)
        )
        text = (
            f"{rng.choice(SUBJECTS).capitalize()} tại {rng.choice(PLACES)} "
            f"{rng.choice(ACTIONS).format(n=rng.randint(2, 9))} {when}"
        )
        tail = rng.choice(TAILS)
        out.add(f"{text}, {tail}." if tail else f"{text}.")
    return sorted(out)


def perturb_numbers(text: str, rng: random.Random) -> str | None:
    """``text`` with every number changed (a different claim), or None if it has none."""
    if not match_key(text).numbers:
        return None

    def repl(m: re.Match[str]) -> str:
        digits = m.group()
        value = int(digits)
        return str(value + rng.choice([1, 2, 3, 7]) if value < 10 else value * 2)

    changed = re.sub(r"\d+", repl, text)
    return changed if changed != text else None
