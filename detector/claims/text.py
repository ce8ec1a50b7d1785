"""Text keys for claim matching.

A claim and the posts that repeat it are written in many spellings: with or without diacritics,
in teencode, with policy abbreviations (``ĐH`` for ``đại học``, ``BHXH``), with numbers in words
or digits (``gấp ba`` / ``gấp 3`` / ``x3``). Matching compares one *key* per text: the shared
normalisation (:func:`detector.normalize.normalize`, teencode expanded) after the abbreviations
the desk sees most in policy posts are spelled out, then diacritics stripped and punctuation
dropped, so every spelling of the same sentence gives the same syllables.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from detector.normalize import strip_diacritics, syllables

# Abbreviations of policy vocabulary. The generic teencode map reads some of them as shop talk
# (``đh`` → ``đơn hàng``, ``gd`` → ``giao dịch``), which is wrong in posts about policy; these
# are applied first, on the bare lower-case spelling, so ``ĐH``, ``đh`` and ``dh`` all agree.
POLICY_ABBREVIATIONS: dict[str, str] = {
    "dh": "đại học",
    "đh": "đại học",
    "cd": "cao đẳng",
    "thpt": "trung học phổ thông",
    "thcs": "trung học cơ sở",
    "gd": "giáo dục",
    "gddt": "giáo dục và đào tạo",
    "gdđt": "giáo dục và đào tạo",
    "bgddt": "bộ giáo dục và đào tạo",
    "bgdđt": "bộ giáo dục và đào tạo",
    "bhxh": "bảo hiểm xã hội",
    "bhyt": "bảo hiểm y tế",
    "bhtn": "bảo hiểm thất nghiệp",
    "byt": "bộ y tế",
    "bca": "bộ công an",
    "csgt": "cảnh sát giao thông",
    "ubnd": "ủy ban nhân dân",
    "hdnd": "hội đồng nhân dân",
    "hđnd": "hội đồng nhân dân",
    "qh": "quốc hội",
    "cp": "chính phủ",
    "tp": "thành phố",
    "tphcm": "thành phố hồ chí minh",
    "hcm": "hồ chí minh",
    "sg": "sài gòn",
    "hn": "hà nội",
    "evn": "điện lực việt nam",
    "tncn": "thu nhập cá nhân",
    "gtgt": "giá trị gia tăng",
    "vat": "giá trị gia tăng",
    "sdd": "sổ đỏ",
    "gplx": "giấy phép lái xe",
    "cccd": "căn cước công dân",
    "cmnd": "chứng minh nhân dân",
    "vnd": "đồng",
    "vnđ": "đồng",
    "hp": "học phí",
    "hs": "học sinh",
    "sv": "sinh viên",
    "gv": "giáo viên",
    "bs": "bác sĩ",
    "sk": "sức khỏe",
    "ae": "anh em",
    "lđ": "lao động",
    "xm": "xe máy",
    "oto": "ô tô",
    "đbqh": "đại biểu quốc hội",
    "dbqh": "đại biểu quốc hội",
    "btc": "bộ tài chính",
    "bct": "bộ công thương",
    "wa": "quá",
    "khum": "không",
    "k": "không",
    "ko": "không",
    "kg": "không",
    "hok": "không",
    "khong": "không",
}

# Words the shared teencode map expands ("o" → "không", "hoi" → "thôi", "si" → "suy", "hong"
# → "không") that, in a post typed without diacritics, are nearly always a plain syllable with
# its marks dropped ("ở", "hội", "sĩ", "hồng"): read them so, as the same post with diacritics
# is read, so "tang o Ha Noi" is not a negation and "so hong" keys like "sổ hồng".
_BARE_SYLLABLES: dict[str, str] = {
    "o": "ở",
    "a": "à",
    "hoi": "hội",
    "si": "sĩ",
    "he": "hè",
    "tau": "tàu",
    "hem": "hẻm",
    "hong": "hồng",
    "chiu": "chịu",
    "chin": "chín",
}
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
# "x3", "x 3", "3x": the teencode for "gấp 3".
_TIMES_RE = re.compile(r"(?<![^\W\d_])(?:x\s?(\d+)|(\d+)\s?x)(?![^\W\d_])", re.IGNORECASE)

_NUMBER_WORDS = {
    "mot": "1",
    "hai": "2",
    "ba": "3",
    "bon": "4",
    "nam": "5",
    "sau": "6",
    "bay": "7",
    "tam": "8",
    "chin": "9",
    "muoi": "10",
    "nua": "0.5",
}
# Number words are read as numbers only next to one of these (``ba`` is also "father",
# ``nam`` "year" / "south"); after "gấp" or before a unit they are counts.
_NUMBER_BEFORE = frozenset({"gap"})
_NUMBER_AFTER = frozenset(
    {"lan", "trieu", "ty", "nghin", "ngan", "tram", "phan", "thang", "ngay", "nam", "tuoi"}
)
# Money in teencode: "5tr" for 5 triệu, "1tr5" for 1,5 triệu, "500k" for 500 nghìn.
_TR_DECIMAL_RE = re.compile(r"(?<![\w.,])(\d+)\s?tr(\d)(?![^\W_])", re.IGNORECASE)
_TR_RE = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?tr(?![^\W_])", re.IGNORECASE)
_K_RE = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?k(?![^\W_])", re.IGNORECASE)
# After a number "kg" is kilograms ("10 kg", "25kg"), not the teencode "không" it is elsewhere;
# read as the spoken "ký" so "10 kg" and "10 ký" agree.
_KG_RE = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?kg(?![^\W_])", re.IGNORECASE)
# An amount with its unit, read as one number so "2 triệu", "2tr" and "2.000.000" agree.
_AMOUNT_RE = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)*)\s*(triệu|trieu|nghìn|nghin|ngàn|ngan|tỷ|tỉ|ty|ti)(?![^\W_])",
    re.IGNORECASE,
)
_SCALE = {
    "trieu": 1_000_000,
    "nghin": 1_000,
    "ngan": 1_000,
    "ty": 1_000_000_000,
    "ti": 1_000_000_000,
}
_GD_DT_RE = re.compile(r"\bgd\s*[&-]\s*[đd]t\b", re.IGNORECASE)
_STRIP_TABLE = str.maketrans("", "", ".,")


@dataclass(frozen=True, slots=True)
class MatchKey:
    """The comparable form of one text."""

    text: str  # bare syllables joined by spaces
    syllables: tuple[str, ...]
    numbers: frozenset[str]


def _expand_abbreviations(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        word = m.group()
        low = word.lower()
        return (
            POLICY_ABBREVIATIONS.get(low)
            or _BARE_SYLLABLES.get(low)
            or POLICY_ABBREVIATIONS.get(strip_diacritics(low), word)
        )

    text = _GD_DT_RE.sub(" giáo dục và đào tạo ", text)
    text = _TR_DECIMAL_RE.sub(lambda m: f"{m.group(1)},{m.group(2)} triệu", text)
    text = _TR_RE.sub(lambda m: f"{m.group(1)} triệu", text)
    text = _K_RE.sub(lambda m: f"{m.group(1)} nghìn", text)
    text = _KG_RE.sub(lambda m: f"{m.group(1)} ký", text)
    text = _TIMES_RE.sub(lambda m: f" gấp {m.group(1) or m.group(2)} ", text)
    return _WORD_RE.sub(repl, text)


def _canonical_number(raw: str) -> str:
    # "1.000.000" and "1,000,000" are thousands; "2,5" / "2.5" a decimal. Vietnamese writes
    # thousands with dots, so a separator followed by exactly three digits is a thousands mark.
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return raw.translate(_STRIP_TABLE).lstrip("0") or "0"
    return raw.replace(",", ".").lstrip("0") or "0"


def _scaled_amounts(text: str) -> str:
    """``text`` with every amount written with a unit replaced by its value in digits."""

    def repl(m: re.Match[str]) -> str:
        number = _canonical_number(m.group(1))
        try:
            value = float(number) * _SCALE[strip_diacritics(m.group(2).lower())]
        except (ValueError, KeyError):
            return m.group()
        return str(int(value)) if value.is_integer() else str(value)

    return _AMOUNT_RE.sub(repl, text)


def _numbers_as_digits(sylls: list[str]) -> tuple[list[str], set[str]]:
    out = list(sylls)
    read: set[str] = set()
    for i, s in enumerate(sylls):
        if s in _NUMBER_WORDS:
            before = sylls[i - 1] if i > 0 else ""
            after = sylls[i + 1] if i + 1 < len(sylls) else ""
            if before in _NUMBER_BEFORE or after in _NUMBER_AFTER:
                out[i] = _NUMBER_WORDS[s]
                read.add(out[i])
    return out, read


@lru_cache(maxsize=65_536)
def match_key(text: str) -> MatchKey:
    """The matching key of ``text`` (cached: the same post or claim is keyed many times)."""
    text = _expand_abbreviations(unicodedata.normalize("NFC", text or ""))
    numbers = frozenset(_canonical_number(n) for n in _NUMBER_RE.findall(_scaled_amounts(text)))
    # Words only: emoji and emoticons become words in the shared normalisation ("😡" → "giận"),
    # which helps classifiers but would make two unrelated angry posts "similar".
    sylls = [strip_diacritics(s) for s in syllables(text)]
    sylls, read = _numbers_as_digits(" ".join(sylls).split())
    # Number words read as digits count as numbers too ("gấp ba" agrees with "gấp 3").
    numbers = numbers | read
    flat = tuple(" ".join(sylls).split())
    return MatchKey(text=" ".join(flat), syllables=flat, numbers=numbers)
