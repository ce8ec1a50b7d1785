"""Policy topics: the taxonomy, its Vietnamese keywords, and the classifier over them.

Topics route posts to the desk that knows the area and to the press partners subscribed to it.
Each topic has weighted keyword phrases (written with diacritics for people to read; matched on
the match key, so posts without diacritics, in teencode or with abbreviations such as ``BHXH``
match too). :class:`TopicClassifier` scores a text per topic as ``1 - exp(-Σ weights of the
distinct phrases found)`` — a saturating score, so one strong phrase ("học phí") is enough and
more evidence only adds confidence — and returns the topics at or above ``threshold``.

There is no labelled corpus of Vietnamese posts by policy area to learn from, so the weights are
set by hand: 1.0 for phrases that name the area unambiguously, 0.5 for ones that usually do,
0.3 for supporting words. The claim-matching evaluation set's topic column measures it
(``bench/claims_match.py`` prints the figure).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

from detector.claims.text import match_key


@dataclass(frozen=True, slots=True)
class Topic:
    code: str
    label_vi: str
    label_en: str
    keywords: dict[str, float]


TAXONOMY: tuple[Topic, ...] = (
    Topic(
        "giao_duc",
        "Giáo dục và học phí",
        "Education and tuition",
        {
            "học phí": 1.0,
            "miễn học phí": 1.0,
            "giáo dục": 0.8,
            "bộ giáo dục": 1.0,
            "trường học": 0.8,
            "học sinh": 0.8,
            "sinh viên": 0.8,
            "giáo viên": 0.8,
            "nhà giáo": 0.8,
            "thi tốt nghiệp": 1.0,
            "tuyển sinh": 1.0,
            "lớp 10": 0.8,
            "lớp 1": 0.5,
            "mầm non": 0.8,
            "tiểu học": 0.8,
            "trung học": 0.8,
            "đại học": 0.6,
            "sách giáo khoa": 1.0,
            "năm học": 0.8,
            "học kỳ": 0.6,
            "dạy thêm": 1.0,
            "chương trình học": 0.8,
            "đi học": 0.5,
            "nghỉ học": 0.5,
        },
    ),
    Topic(
        "y_te",
        "Y tế và vaccine",
        "Health and vaccines",
        {
            "y tế": 0.8,
            "bộ y tế": 1.0,
            "bảo hiểm y tế": 1.0,
            "vaccine": 1.0,
            "vắc xin": 1.0,
            "tiêm chủng": 1.0,
            "tiêm": 0.4,
            "bệnh viện": 0.8,
            "viện phí": 1.0,
            "khám bệnh": 0.8,
            "khám chữa bệnh": 1.0,
            "thuốc": 0.5,
            "dịch bệnh": 0.8,
            "dịch": 0.3,
            "bác sĩ": 0.6,
            "người bệnh": 0.6,
            "covid": 1.0,
            "cúm": 0.6,
            "sốt xuất huyết": 1.0,
        },
    ),
    Topic(
        "thue_phi",
        "Thuế và phí",
        "Taxes and fees",
        {
            "thuế": 0.8,
            "thuế thu nhập cá nhân": 1.0,
            "thu nhập cá nhân": 0.8,
            "giá trị gia tăng": 1.0,
            "lệ phí": 0.8,
            "phí": 0.3,
            "trước bạ": 1.0,
            "tổng cục thuế": 1.0,
            "cục thuế": 1.0,
            "bộ tài chính": 0.6,
            "nộp thuế": 1.0,
            "hộ kinh doanh": 0.6,
            "hóa đơn": 0.5,
            "giảm trừ gia cảnh": 1.0,
            "thu phí": 0.6,
            "phí bảo trì đường bộ": 1.0,
            "ngân sách": 0.4,
        },
    ),
    Topic(
        "dien_nuoc_xang",
        "Giá điện, nước, xăng dầu",
        "Electricity, water and fuel prices",
        {
            "giá điện": 1.0,
            "tiền điện": 1.0,
            "điện lực": 1.0,
            "điện sinh hoạt": 1.0,
            "cắt điện": 1.0,
            "mất điện": 0.8,
            "giá nước": 1.0,
            "tiền nước": 1.0,
            "nước sạch": 0.8,
            "cắt nước": 1.0,
            "mất nước": 0.8,
            "xăng": 1.0,
            "xăng dầu": 1.0,
            "dầu diesel": 1.0,
            "giá xăng": 1.0,
            "quỹ bình ổn": 1.0,
            "ron95": 1.0,
            "ron 95": 1.0,
            "e5": 0.6,
            "gas": 0.5,
            "bậc thang": 0.5,
            "điện mặt trời": 0.8,
        },
    ),
    Topic(
        "dat_dai",
        "Đất đai và nhà ở",
        "Land and housing",
        {
            "đất đai": 1.0,
            "đất": 0.5,
            "nhà ở": 0.8,
            "sổ đỏ": 1.0,
            "sổ hồng": 1.0,
            "giấy chứng nhận quyền sử dụng đất": 1.0,
            "quyền sử dụng đất": 1.0,
            "bảng giá đất": 1.0,
            "thu hồi đất": 1.0,
            "giải phóng mặt bằng": 0.8,
            "đền bù": 0.6,
            "chung cư": 0.8,
            "nhà ở xã hội": 1.0,
            "bất động sản": 0.8,
            "mua nhà": 0.6,
            "bán nhà": 0.6,
            "thuê nhà": 0.6,
            "thổ cư": 1.0,
            "luật đất đai": 1.0,
        },
    ),
    Topic(
        "giao_thong",
        "Giao thông và xử phạt",
        "Transport and traffic fines",
        {
            "giao thông": 0.8,
            "cảnh sát giao thông": 1.0,
            "phạt nguội": 1.0,
            "nồng độ cồn": 1.0,
            "vượt đèn đỏ": 1.0,
            "mũ bảo hiểm": 1.0,
            "giấy phép lái xe": 1.0,
            "bằng lái": 1.0,
            "đăng kiểm": 1.0,
            "biển số": 0.8,
            "xe máy": 0.6,
            "ô tô": 0.5,
            "xe buýt": 0.6,
            "tốc độ": 0.5,
            "tịch thu xe": 1.0,
            "phạt": 0.3,
            "trừ điểm": 0.8,
            "đường bộ": 0.5,
            "thu phí ô tô": 0.8,
        },
    ),
    Topic(
        "bhxh",
        "Bảo hiểm xã hội và lương hưu",
        "Social insurance and pensions",
        {
            "bảo hiểm xã hội": 1.0,
            "lương hưu": 1.0,
            "nghỉ hưu": 1.0,
            "tuổi nghỉ hưu": 1.0,
            "hưu trí": 1.0,
            "rút bảo hiểm": 1.0,
            "một lần": 0.3,
            "trợ cấp": 0.6,
            "thất nghiệp": 0.8,
            "bảo hiểm thất nghiệp": 1.0,
            "lương cơ sở": 0.8,
            "tăng lương": 0.6,
            "người lao động": 0.5,
            "thai sản": 0.8,
            "ốm đau": 0.5,
        },
    ),
    Topic(
        "bau_cu_chinh_quyen",
        "Bầu cử và bộ máy nhà nước",
        "Elections and government",
        {
            "bầu cử": 1.0,
            "đại biểu": 0.8,
            "quốc hội": 0.8,
            "hội đồng nhân dân": 0.8,
            "ủy ban nhân dân": 0.5,
            "chính phủ": 0.4,
            "thủ tướng": 0.5,
            "bộ trưởng": 0.5,
            "sáp nhập tỉnh": 1.0,
            "sáp nhập": 0.8,
            "tinh gọn bộ máy": 1.0,
            "bộ máy": 0.6,
            "cán bộ": 0.5,
            "công chức": 0.6,
            "viên chức": 0.6,
            "biên chế": 0.8,
            "cử tri": 1.0,
            "địa giới hành chính": 1.0,
            "chính quyền": 0.6,
            "cấp huyện": 0.6,
            "cấp xã": 0.5,
        },
    ),
    Topic(
        "quy_hoach_ha_tang",
        "Quy hoạch và hạ tầng",
        "Planning and infrastructure",
        {
            "quy hoạch": 1.0,
            "hạ tầng": 0.8,
            "vành đai": 1.0,
            "cao tốc": 0.8,
            "đường sắt": 0.8,
            "đường sắt tốc độ cao": 1.0,
            "metro": 1.0,
            "sân bay": 0.8,
            "long thành": 0.8,
            "cầu": 0.3,
            "dự án": 0.4,
            "thi công": 0.6,
            "giải ngân": 0.6,
            "gói thầu": 0.8,
            "khu công nghiệp": 0.6,
            "cảng biển": 0.6,
            "đô thị": 0.5,
        },
    ),
    Topic(
        "an_ninh_trat_tu",
        "An ninh và trật tự",
        "Security and order",
        {
            "công an": 0.8,
            "bộ công an": 1.0,
            "an ninh": 0.8,
            "trật tự": 0.6,
            "tội phạm": 0.8,
            "bắt giữ": 0.8,
            "khởi tố": 0.8,
            "lừa đảo": 0.6,
            "căn cước": 0.8,
            "căn cước công dân": 1.0,
            "định danh điện tử": 1.0,
            "vneid": 1.0,
            "cư trú": 0.6,
            "tạm trú": 0.8,
            "bắt cóc": 1.0,
            "trộm cắp": 0.8,
            "nghĩa vụ quân sự": 1.0,
            "biểu tình": 0.8,
        },
    ),
    Topic(
        "thien_tai",
        "Thiên tai",
        "Disasters",
        {
            "thiên tai": 1.0,
            "bão": 1.0,
            "áp thấp nhiệt đới": 1.0,
            "lũ": 0.8,
            "lũ lụt": 1.0,
            "ngập": 0.6,
            "ngập lụt": 1.0,
            "sạt lở": 1.0,
            "động đất": 1.0,
            "sóng thần": 1.0,
            "hạn hán": 1.0,
            "xâm nhập mặn": 1.0,
            "xả lũ": 1.0,
            "thủy điện": 0.6,
            "xả đáy": 0.8,
            "mưa lớn": 0.6,
            "cứu trợ": 0.6,
            "sơ tán": 0.8,
            "khí tượng": 0.6,
        },
    ),
)

TOPICS: dict[str, Topic] = {t.code: t for t in TAXONOMY}


@dataclass(frozen=True, slots=True)
class TopicScore:
    code: str
    score: float  # in [0, 1)
    keywords: tuple[str, ...]  # the phrases found, as written in the taxonomy

    @property
    def label_vi(self) -> str:
        return TOPICS[self.code].label_vi


class TopicClassifier:
    """Keyword classifier over :data:`TAXONOMY` (see the module docstring)."""

    def __init__(
        self, taxonomy: tuple[Topic, ...] = TAXONOMY, *, threshold: float = 0.55, top: int = 3
    ) -> None:
        self.taxonomy = taxonomy
        self.threshold = threshold
        self.top = top

    @cached_property
    def _patterns(self) -> list[tuple[str, list[tuple[re.Pattern[str], str, float]]]]:
        out = []
        for topic in self.taxonomy:
            phrases = []
            for phrase, weight in topic.keywords.items():
                key = match_key(phrase).text
                if key:
                    phrases.append(
                        (re.compile(r"(?<!\S)" + re.escape(key) + r"(?!\S)"), phrase, weight)
                    )
            out.append((topic.code, phrases))
        return out

    def scores(self, text: str) -> list[TopicScore]:
        """Every topic with a non-zero score, best first."""
        key = match_key(text or "").text
        if not key:
            return []
        found: list[TopicScore] = []
        for code, phrases in self._patterns:
            hits = [(phrase, weight) for pattern, phrase, weight in phrases if pattern.search(key)]
            if hits:
                total = sum(w for _, w in hits)
                found.append(TopicScore(code, 1.0 - math.exp(-total), tuple(p for p, _ in hits)))
        return sorted(found, key=lambda t: -t.score)

    def predict(self, text: str) -> list[TopicScore]:
        """The topics of ``text`` at or above the threshold (at most ``top``), best first."""
        return [t for t in self.scores(text) if t.score >= self.threshold][: self.top]


def classify(text: str) -> list[TopicScore]:
    return _DEFAULT.predict(text)


_DEFAULT = TopicClassifier()
