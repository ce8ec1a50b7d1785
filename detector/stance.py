"""Stance of a post towards a known claim: does it spread it, refute it, or only mention it?

A post that repeats a debunked claim and a post that refutes it (or reports the real decision
behind the rumour) share most of their words, so a text classifier over the whole post sees
mostly the claim. :class:`StanceClassifier` therefore looks at what the post says *besides* the
claim: the residual syllables (post minus the claim's syllables, in order), cue phrases of
refutation, official decisions, questions and spreading, denial by contradiction ("vẫn bình
thường", "có ai cấm đâu"), hearsay ("bạn mình kể", "nghe nói") and quoted officials, negations
that fall on the claim's own words (scope of two syllables), yes/no question endings, whether
the post keeps the claim's words of change ("tăng", "cắt", "cấm") and whether its numbers
contradict the claim's. All of it is read on match keys, so diacritic-less and teencode posts
give the same features. A logistic regression over those features gives calibrated
probabilities for ``spreads`` / ``refutes`` / ``mentions``; only ``spreads`` opens cases.

Trained on ``detector/resources/stance_train.csv`` (``claim_text,post_text,stance``), never on
the claim-matching evaluation set.
"""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from detector.claims.text import match_key
from detector.normalize import strip_diacritics
from models.enums import Stance
from models.errors import InvalidInput

RESOURCES = Path(__file__).parent / "resources"
STANCE_TRAIN = RESOURCES / "stance_train.csv"
LABELS: tuple[str, ...] = (Stance.spreads.value, Stance.refutes.value, Stance.mentions.value)

# Cue phrases, written without diacritics because they are matched on match keys (so posts typed
# without diacritics are read the same). Each group becomes one count feature; the residual
# n-grams let the classifier learn cues not listed here.
CUES: dict[str, tuple[str, ...]] = {
    "refute": (
        "bac bo",
        "bac tin",
        "khong dung su that",
        "khong dung",
        "sai su that",
        "thong tin sai",
        "tin sai",
        "tin gia",
        "tin don",
        "tin dom",
        "bia dat",
        "xuyen tac",
        "vu khong",
        "khong chinh xac",
        "khong co chuyen",
        "khong co viec",
        "khong he",
        "chua he",
        "khong co bat ky",
        "khong co can cu",
        "dinh chinh",
        "len tieng",
        "khang dinh",
        "phu nhan",
        "cai chinh",
        "gia mao",
        "mao danh",
        "cat ghep",
        "tung tin",
        "dung tin",
        "dung chia se",
        "dung share",
        "dung hoang",
        "khong nen tin",
        "canh giac",
        "su that la",
        "thuc te la",
        "thuc te",
        "hoan toan sai",
        "la sai",
        "bi lam gia",
        "trung tam xu ly tin gia",
        "fake",
    ),
    "decision": (
        "theo quyet dinh",
        "quyet dinh",
        "nghi dinh",
        "nghi quyet",
        "thong tu",
        "cong van",
        "quy dinh",
        "chinh thuc",
        "chi tang",
        "chi giam",
        "chi ap dung",
        "chi dieu chinh",
        "van giu",
        "giu nguyen",
        "khong thay doi",
        "lo trinh",
        "theo ke hoach",
        "thong bao",
        "cho biet",
        "ban hanh",
        "thong qua",
        "du thao",
        "de xuat",
        "dang lay y kien",
        "muc tang",
        "dieu chinh",
    ),
    "question": (
        "co phai",
        "co that",
        "co dung",
        "dung khong",
        "phai khong",
        "that khong",
        "that a",
        "khong a",
        "the nao",
        "ai biet",
        "xin hoi",
        "cho hoi",
        "hoi",
        "lieu",
        "bao gio",
        "tai sao",
        "vi sao",
        "nhu the nao",
        "the a",
        "ha",
        "nhi",
    ),
    "spread": (
        "nghe noi",
        "nghe dau",
        "nghe bao",
        "nghe don",
        "chia se",
        "share",
        "gap",
        "khan cap",
        "soc",
        "nong",
        "ai cung",
        "moi nguoi",
        "bat dau tu",
        "tu nay",
        "sap",
        "roi",
        "het",
        "that vo ly",
        "qua vo ly",
        "chet",
        "kho",
        "mat het",
        "truoc khi bi xoa",
        "lan truyen",
        "ba con",
        "anh em",
        "nha nha",
        "nhe",
        "nha",
        "day",
    ),
    # Denial by contradiction, often first-hand and with no refutation word: "có ai cấm đâu",
    # "vẫn bình thường", "chẳng có văn bản nào".
    "denial": (
        "co dau",
        "dau co",
        "lam gi co",
        "chang co",
        "cha co",
        "chang ai",
        "khong ai",
        "co ai",
        "chang",
        "chua bao gio",
        "binh thuong",
        "nhu moi nam",
        "nhu moi khi",
        "nhu thuong le",
        "nhu cu",
        "nhu truoc",
        "van",
        "van con",
        "van duoc",
        "tao lao",
        "tin vit",
        "that thiet",
        "don nham",
        "thuc hu",
        "khong co dau",
        "khong co ke hoach",
        "khong co chu truong",
        "chua co chu truong",
        "o dau ra",
        "nham",
        "la nham",
        "tiep tuc",
        "van tiep tuc",
        "khong bi",
        "khong phai",
        "thuc ra",
        "chi la",
        "chu khong",
        "chu khong phai",
        "tuy nhien",
        "nhung",
    ),
    # What someone said, heard second-hand: the way most rumours travel.
    "hearsay": (
        "ke",
        "ke la",
        "bao la",
        "noi la",
        "bao",
        "dan",
        "nhan",
        "don",
        "dang don",
        "truyen tay",
        "truyen nhau",
        "nhom zalo",
        "ban minh",
        "nguoi quen",
        "chi minh",
        "anh minh",
        "nghe",
        "nghe phong thanh",
        "vua nghe",
        "vua doc",
    ),
    # News-report wording: someone official is quoted.
    "official": (
        "xu phat",
        "canh bao",
        "dai dien",
        "lanh dao",
        "giam doc",
        "pho giam doc",
        "chu tich",
        "nguoi phat ngon",
        "phat ngon",
        "tra loi bao chi",
        "hop bao",
        "theo do",
        "huong dan",
        "quy trinh",
        "theo quy dinh",
        "hien hanh",
        "lo trinh",
    ),
    "opinion": (
        "toi nghi",
        "theo toi",
        "minh nghi",
        "nen",
        "mong",
        "hy vong",
        "hi vong",
        "de nghi",
        "can",
        "y kien",
    ),
}
ALL_CUES: tuple[str, ...] = tuple(sorted({c for cues in CUES.values() for c in cues}))
_ONE_CUE_RES = [re.compile(r"\b" + re.escape(c) + r"\b") for c in ALL_CUES]
_CUE_RES = {
    group: re.compile(
        r"\b(?:" + "|".join(re.escape(c) for c in sorted(cues, key=len)[::-1]) + r")\b"
    )
    for group, cues in CUES.items()
}


# Phrases that, written by the post itself, rule out an automatic link whatever the classifier
# says: an explicit refutation, or a question about the claim. They only block auto-linking
# (staff still see the suggestion); "không phải tin đồn" ("it is not a rumour") and "ai bảo tin
# giả" ("who says it is fake") insist the claim is true, so a negation right before a cue
# cancels it.
VETO_REFUTE: tuple[str, ...] = (
    "bac bo",
    "khong dung su that",
    "sai su that",
    "thong tin sai",
    "tin sai",
    "tin gia",
    "tin don",
    "bia dat",
    "xuyen tac",
    "vu khong",
    "khong chinh xac",
    "khong co chuyen",
    "khong co viec",
    "dinh chinh",
    "cai chinh",
    "phu nhan",
    "gia mao",
    "mao danh",
    "hoan toan sai",
    "tung tin",
    "dung tin",
    "dung chia se",
    "dung share",
    "khong co quy dinh",
    "chua co quy dinh",
    "khong co can cu",
    "khong co ke hoach",
    "khong co chu truong",
    "chua co chu truong",
    "o dau ra",
)
VETO_QUESTION: tuple[str, ...] = (
    "co phai",
    "co that",
    "co dung",
    "phai khong",
    "dung khong",
    "that khong",
    "that a",
    "khong a",
    "khong nhi",
    "ai biet",
    "cho hoi",
    "xin hoi",
    "lieu",
)
# Without diacritics some cues are also other words: "vu khong" in "dịch vụ không", "lieu" in
# "dữ liệu" / "tài liệu"; those readings are excluded by the word before.
_VETO_REFUTE_RE = re.compile(
    r"(?<!khong phai )(?<!ai bao )(?<!khong phai la )(?<!dich )\b(?:"
    + "|".join(re.escape(c) for c in sorted(VETO_REFUTE, key=len, reverse=True))
    + r")\b"
)
_VETO_QUESTION_RE = re.compile(
    r"(?<!du )(?<!tai )(?<!vat )(?<!nguyen )(?<!nhien )(?<!chat )\b(?:"
    + "|".join(re.escape(c) for c in sorted(VETO_QUESTION, key=len, reverse=True))
    + r")\b"
)


def vetoes(claim_text: str, post_text: str) -> list[str]:
    """Why ``post_text`` must not be auto-linked to ``claim_text`` as spreading it (empty if
    nothing forbids it): refutation or question phrases the claim itself does not contain, or a
    negation of the very change the claim asserts."""
    post_key = match_key(post_text)
    claim_key = match_key(claim_text)
    post, claim = post_key.text, claim_key.text
    out: list[str] = []
    refute = set(_VETO_REFUTE_RE.findall(post)) - set(_VETO_REFUTE_RE.findall(claim))
    out.extend(f"refute:{c}" for c in sorted(refute))
    # "EVN không thu phí 10%" against "EVN thu phí 10%": on the training pairs, no spreading
    # post negates the rumour's own change outside a condition.
    changes = set(claim_key.syllables) & CHANGE_WORDS
    if _denies_change(post_key.syllables, claim_key.syllables, changes):
        out.append("refute:denies-change")
    if _denies_modal(post_key.syllables, claim_key.syllables):
        out.append("refute:denies-modal")
    if _denies_with_dau(post_key.syllables, claim_key.syllables):
        out.append("refute:khong-dau")
    if _RHETORICAL_DENIAL_RE.search(post) and not _RHETORICAL_DENIAL_RE.search(claim):
        out.append("refute:rhetorical")
    if _exempts_payment(post_key.syllables, claim_key.syllables, post_text or ""):
        out.append("refute:exempt")
    asks = bool(_VETO_QUESTION_RE.search(post)) and not _VETO_QUESTION_RE.search(claim)
    # "...không?", "...hả?": a yes/no question ending, also typed without its "?" ("...có
    # được mua thêm không.", "...luôn à").
    asks = asks or (
        (post_text or "").rstrip().endswith("?")
        and re.search(r"\b(?:khong|chua|ha|a|nhi|sao)$", post) is not None
    )
    asks = asks or _ends_unmarked_question(post_text or "")
    asks = asks or (bool(_WH_QUESTION_RE.search(post)) and not _WH_QUESTION_RE.search(claim))
    asks = asks or _asks_the_claim(post_text or "", set(claim_key.syllables))
    asks = asks or _asks_follow_up(post_text or "")
    if asks:
        out.append("question")
    return out


# Words that say what changes in a rumour ("tăng", "cắt", "cấm", "phạt" ...). A report of the
# real decision keeps the rumour's topic words but not its change, or states another one.
# Only syllables that stay unambiguous without diacritics: "bo" (bỏ / bộ), "dong" (đóng /
# đồng), "dung" (dừng / dùng / đúng) and the like would fire on every ministry and price.
CHANGE_WORDS = frozenset(
    {
        "tang",
        "giam",
        "cat",
        "cam",
        "phat",
        "thu",
        "buoc",
        "het",
        "hoan",
        "xoa",
        "mat",
        "ngung",
        "khoa",
        "gap",
        "lui",
        "pha",
        "truot",
        "huy",
        "ep",
        "nop",
        "tru",
        "chiu",
    }
)
NEGATIONS = frozenset({"khong", "chua", "chang", "cha", "dau", "ko"})
# "dau" is also "đầu" and "dầu" without diacritics: counted as a negation, never given a scope.
SCOPED_NEGATIONS = NEGATIONS - {"dau"}
# Sentence-final particles of a yes/no question ("...không?", "...hả?", "...chưa?").
_QUESTION_END_RE = re.compile(
    r"\b(?:khong|ko|chua|ha|a|nhi|sao|vay|the|chu|khong nhi|phai khong|dung khong)\s*\?"
)


def _negated_words(sylls: tuple[str, ...], scope: int = 2) -> set[str]:
    return {
        nxt
        for i, word in enumerate(sylls)
        if word in SCOPED_NEGATIONS
        for nxt in sylls[i + 1 : i + 1 + scope]
    }


def _negated_claim_words(post: tuple[str, ...], claim: tuple[str, ...], scope: int = 2) -> int:
    """How many negations of the post fall on the claim's words where the claim does not
    negate them: "không thu" against a claim that says "thu" (scope: two syllables)."""
    plain = set(claim) - NEGATIONS - _negated_words(claim, scope)
    return sum(
        1
        for i, word in enumerate(post)
        if word in SCOPED_NEGATIONS and plain.intersection(post[i + 1 : i + 1 + scope])
    )


# "ai không đóng ...", "nếu không nộp ...": a condition, the way threats in rumours are put.
_CONDITION_BEFORE = frozenset({"ai", "neu", "nao", "ma", "lo"})
_CONDITION_AFTER = frozenset({"la", "thi", "se", "bi"})


# Words that may stand between a negation and the verb it negates: "không bị cắt", "không
# phải nộp", "không hề tăng", "không bắt buộc". Any other word ends the negation's scope, so in
# "không đội phạt 500k" the negation falls on "đội", not on "phạt".
_NEGATION_BRIDGE = frozenset({"bi", "duoc", "phai", "co", "con", "he", "the", "can", "bat"})


def _denies_change(post: tuple[str, ...], claim: tuple[str, ...], claim_change: set[str]) -> bool:
    """Whether the post negates one of the words of change the claim asserts, outside a
    condition ("không thu phí" against "thu phí"; not "ai không nộp là bị phạt")."""
    asserted = claim_change - _negated_words(claim)
    for i, word in enumerate(post):
        if word not in SCOPED_NEGATIONS or _CONDITION_BEFORE.intersection(post[max(i - 2, 0) : i]):
            continue
        j = i + 1
        while j < len(post) and post[j] in _NEGATION_BRIDGE and post[j] not in asserted:
            j += 1
        if (
            j < len(post)
            and post[j] in asserted
            and not _CONDITION_AFTER.intersection(post[j + 1 : j + 3])
        ):
            return True
    return False


# The claim's own obligation or permission ("phải xin phép", "được phép từ chối", "bị thu"),
# negated in front of the claim's next word: "không phải xin phép", "ko dc từ chối".
_MODALS = frozenset({"phai", "duoc", "bi"})
_OBLIGATION = frozenset({"phai", "buoc"})
# "... thì không được ...", "ai không phải ...": a condition, as threats in rumours are put.
_MODAL_CONDITION_BEFORE = _CONDITION_BEFORE | {"thi"}
# "có ai cấm đâu", "có ai bắt nộp đâu": a rhetorical question that denies. "đâu" is also
# "đầu" without diacritics, hence the words that cannot follow the denial.
_RHETORICAL_DENIAL_RE = re.compile(
    r"\bco ai(?: \w+){1,4} dau\b(?! (?:tien|tu|nam|thang|tuan|ky|vao|ra|xe|moi))"
)


def _denies_modal(post: tuple[str, ...], claim: tuple[str, ...]) -> bool:
    """Whether the post negates an obligation or permission the claim asserts, right before a
    word of the claim: "không phải xin phép" against "phải xin phép", "không bị buộc di dời"
    against "phải di dời" (not "không phải tin đồn", not "ai chưa có bằng thì không được đứng
    lớp")."""
    words = set(claim) - NEGATIONS
    asserted = (set(claim) & _MODALS) - _negated_words(claim)
    if asserted & _OBLIGATION or "buoc" in words:
        asserted = asserted | _OBLIGATION
    for i, word in enumerate(post[:-2]):
        if word not in SCOPED_NEGATIONS or _MODAL_CONDITION_BEFORE.intersection(
            post[max(i - 2, 0) : i]
        ):
            continue
        j = i + 1
        if post[j] in {"bi", "bat"} and j + 2 < len(post) and post[j + 1] == "buoc":
            j += 1
        if post[j] in asserted and post[j + 1] in words and post[j + 1] not in _MODALS:
            return True
    return False


# What a claim says must be paid: "phải nộp thuế", "đóng phí", "trả 20%", "bị thu".
_PAYMENT = frozenset({"nop", "dong", "tra", "thu", "chiu"})


def _exempts_payment(post: tuple[str, ...], claim: tuple[str, ...], raw: str) -> bool:
    """Whether the post exempts what the claim says must be paid: "miễn thuế tncn", "được
    miễn trước bạ" against "phải nộp thuế ... 2%", "phải nộp lệ phí trước bạ 10%" (not "không
    còn được miễn ...", and not when the claim itself is about an exemption). Without
    diacritics "mien" is also "miền" (a region): a post typed with them must say "miễn"."""
    if "mien" in claim or not _PAYMENT.intersection(claim):
        return False
    lowered = unicodedata.normalize("NFC", raw.lower())
    if "miễn" not in lowered and lowered != strip_diacritics(lowered):
        return False
    words = set(claim) - NEGATIONS
    return any(
        word == "mien"
        and post[i + 1] in words
        and not SCOPED_NEGATIONS.intersection(post[max(i - 3, 0) : i])
        for i, word in enumerate(post[:-1])
    )


# A question word followed by the particle "vậy" / "nhỉ": "từ bao giờ vậy", "ở đâu vậy", "thế
# nào nhỉ", with or without "?". ("ở đâu đây" is the spreaders' rhetorical "where now".)
_WH_QUESTION_RE = re.compile(
    r"\b(?:bao gio|o dau|the nao|bao nhieu|bao lau|kieu gi|ra sao|lam sao|gi|may) (?:vay|nhi)\b"
)
# A clause ending with "?" (not the exclamative "?!"): "Học sinh lớp 9 thi 6 môn vào lớp 10
# từ 2027 ạ? Mình chưa thấy văn bản".
_QUESTION_CLAUSE_RE = re.compile(r"[^.?!,;:\n]*\?(?!\s*!)")


def _asks_the_claim(raw: str, claim: set[str], share: float = 0.5) -> bool:
    """Whether a clause of the post that ends with "?" restates at least ``share`` of the
    claim's syllables: the claim put as a question, wherever it stands in the post. A
    rhetorical "..., ai chịu nổi?" asks in a clause of its own, after the claim."""
    if not claim:
        return False
    for m in _QUESTION_CLAUSE_RE.finditer(raw):
        asked = set(match_key(m.group(0)).syllables)
        if len(claim & asked) >= share * len(claim):
            return True
    return False


# A post that ends in a yes/no question particle without its "?", as posts often do: "...có
# được mua thêm không.", "...đóng hai lần luôn à". Read with the diacritics, since without them
# "à" is also the polite "ạ" of a spreading "mọi người chú ý ạ"; "hay không" ("whether or not")
# asks nothing.
_UNMARKED_QUESTION_END_RE = re.compile(
    r"(?:(?<!hay )\b(?:không|hông|ko|chưa|nhỉ)|\b(?:à|hả|hở|hử))\s*[.…]*$"
)


def _ends_unmarked_question(raw: str) -> bool:
    text = unicodedata.normalize("NFC", raw.lower()).rstrip()
    return _UNMARKED_QUESTION_END_RE.search(text) is not None


# A question that takes the rumour as given and asks what follows: "Nghỉ việc không báo trước
# 30 ngày bị giữ sổ bảo hiểm, vậy muốn lấy lại thì khiếu nại ở đâu." — it asks staff's help
# more than it spreads, and is left to them as a suggestion. Read in the post's last clause
# (a comma opens one before "vậy", "thế", "thì", "còn"), which holds a question word and
# "vậy" / "thì" / "thế", or opens with "vậy" and offers a choice ("vậy ... hay ..."). Not the
# spreaders' rhetorical "ở đâu đây", "bao nhiêu là", nor an exclamation.
_CLAUSE_SPLIT_RE = re.compile(r"[.;!?\n]|,\s*(?=(?:vậy|vay|thế|the|thì|thi|còn|con)\b)", re.I)
_FOLLOW_UP_WH_RE = re.compile(
    r"\b(?:o dau|lam sao|the nao|ra sao|kieu gi|bao lau|bao gio|bao nhieu)\b(?! (?:day|la)\b)"
)
_FOLLOW_UP_LEAD_RE = re.compile(r"\b(?:vay|thi|the)\b")


def _asks_follow_up(raw: str) -> bool:
    text = raw.rstrip()
    if not text or text.endswith("!"):
        return False
    clauses = [c for c in _CLAUSE_SPLIT_RE.split(text) if c.strip()]
    if not clauses:
        return False
    last = match_key(clauses[-1]).text
    if _FOLLOW_UP_WH_RE.search(last) and _FOLLOW_UP_LEAD_RE.search(last):
        return True
    return last.startswith("vay ") and " hay " in f" {last} "


def _denies_with_dau(post: tuple[str, ...], claim: tuple[str, ...]) -> bool:
    """Whether a negation, words of the claim and a closing "đâu" within three syllables deny
    the claim outright: "không tự động đâu", "chưa thu đâu" (spreaders use "đâu" as
    "where")."""
    words = set(claim) - NEGATIONS - {"dau"}
    for i, word in enumerate(post):
        if word not in SCOPED_NEGATIONS:
            continue
        span = post[i + 1 : i + 5]
        if "dau" in span[1:]:
            inner = span[: span.index("dau", 1)]
            if inner and all(w in words for w in inner):
                return True
    return False


def _question_endings(raw: str) -> int:
    key = strip_diacritics(raw.lower())
    return len(_QUESTION_END_RE.findall(key))


def _residual(post: tuple[str, ...], claim: tuple[str, ...]) -> str:
    claim_set = set(claim)
    return " ".join(s for s in post if s not in claim_set)


def _char_grams(text: str, n: int = 4) -> set[str]:
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def _dense_features(claim_text: str, post_text: str) -> list[float]:
    post = match_key(post_text)
    claim = match_key(claim_text)
    out: list[float] = []
    for group in CUES:
        hits = len(_CUE_RES[group].findall(post.text))
        # A cue the claim itself contains ("tin đồn" in a claim about rumours) says nothing.
        hits -= len(_CUE_RES[group].findall(claim.text))
        out.append(float(np.log1p(max(hits, 0))))
    raw = post_text or ""
    # A post that only restates the claim, with no cue of any kind, is the typical spreader.
    out.append(1.0 if not any(out) and "?" not in raw else 0.0)
    out.append(float(np.log1p(raw.count("?"))))
    out.append(float(np.log1p(raw.count("!"))))
    negations = sum(1 for s in post.syllables if s in NEGATIONS)
    negations -= sum(1 for s in claim.syllables if s in NEGATIONS)
    out.append(float(np.log1p(max(negations, 0))))
    out.append(float(np.log1p(_negated_claim_words(post.syllables, claim.syllables))))
    out.append(float(np.log1p(_question_endings(raw))))
    claim_change = set(claim.syllables) & CHANGE_WORDS
    post_change = set(post.syllables) & CHANGE_WORDS
    out.append(len(claim_change & post_change) / len(claim_change) if claim_change else 1.0)
    # Denying the rumour's change itself ("không thu", "không tăng", "không bắt buộc") is the
    # plainest refutation that reuses the claim's words; negating other words is not.
    out.append(float(_denies_change(post.syllables, claim.syllables, claim_change)))
    out.append(float(np.log1p(len(post_change - claim_change))))
    both = bool(post.numbers) and bool(claim.numbers)
    out.append(1.0 if both and not (claim.numbers & post.numbers) else 0.0)
    out.append(1.0 if both and not claim.numbers <= post.numbers else 0.0)
    # Each cue on its own too, so the classifier can weigh "bác bỏ" above "thực tế".
    out.extend(
        1.0 if r.search(post.text) and not r.search(claim.text) else 0.0 for r in _ONE_CUE_RES
    )
    claim_set = set(claim.syllables)
    covered = sum(1 for s in claim_set if s in set(post.syllables)) / max(len(claim_set), 1)
    out.append(covered)
    # How much of the claim the post repeats, in order: a spreader restates it (with its
    # numbers), a report of the real decision shares the topic words but says something else.
    claim_bigrams = set(itertools.pairwise(claim.syllables))
    post_bigrams = set(itertools.pairwise(post.syllables))
    out.append(len(claim_bigrams & post_bigrams) / max(len(claim_bigrams), 1))
    claim_grams = _char_grams(claim.text)
    out.append(len(claim_grams & _char_grams(post.text)) / max(len(claim_grams), 1))
    out.append(1.0 if both and claim.numbers <= post.numbers else 0.0)
    extra = len(_residual(post.syllables, claim.syllables).split())
    out.append(float(np.log1p(extra)))
    return out


class StanceClassifier(ClassifierMixin, BaseEstimator):
    """Three-way stance of ``(claim_text, post_text)`` pairs (scikit-learn estimator contract)."""

    def __init__(self, C: float = 4.0, min_df: int = 1, word_scale: float = 2.0) -> None:
        self.C = C
        self.min_df = min_df
        # Below 1, the residual n-grams cost more to use than the cue features: with a few
        # hundred training pairs, free n-grams learn the topics of the training claims.
        self.word_scale = word_scale

    def _texts(self, X: Iterable[Sequence[str]]) -> tuple[list[str], np.ndarray]:
        residuals: list[str] = []
        dense: list[list[float]] = []
        for claim_text, post_text in X:
            residuals.append(
                _residual(match_key(post_text).syllables, match_key(claim_text).syllables)
            )
            dense.append(_dense_features(claim_text, post_text))
        return residuals, np.asarray(dense, dtype=np.float64)

    def _design(self, X: Iterable[Sequence[str]]) -> sp.csr_matrix:
        residuals, dense = self._texts(X)
        words = self.vectorizer_.transform(residuals) * self.word_scale
        return sp.hstack([words, sp.csr_matrix(dense)], format="csr")

    def fit(self, X: Sequence[Sequence[str]], y: Sequence[str]) -> StanceClassifier:
        residuals, dense = self._texts(X)
        self.vectorizer_ = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, min_df=self.min_df, token_pattern=r"\S+"
        )
        words = self.vectorizer_.fit_transform(residuals) * self.word_scale
        design = sp.hstack([words, sp.csr_matrix(dense)], format="csr")
        self.model_ = LogisticRegression(C=self.C, max_iter=5000, class_weight="balanced")
        self.model_.fit(design, list(y))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Sequence[Sequence[str]]) -> np.ndarray:
        return np.asarray(self.model_.predict_proba(self._design(X)))

    def predict(self, X: Sequence[Sequence[str]]) -> np.ndarray:
        proba = self.predict_proba(X)
        return np.asarray(self.classes_[np.argmax(proba, axis=1)])

    def proba_one(self, claim_text: str, post_text: str) -> np.ndarray:
        """``predict_proba`` for one pair, computed directly from the fitted weights: the same
        numbers without scikit-learn's per-call validation, which costs more than the maths
        when matching has a 20 ms budget."""
        residual = _residual(match_key(post_text).syllables, match_key(claim_text).syllables)
        tokens = residual.split()
        grams = Counter(tokens)
        grams.update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
        vocab = self.vectorizer_.vocabulary_
        found = [(vocab[g], n) for g, n in grams.items() if g in vocab]
        coef = self.model_.coef_
        n_words = len(vocab)
        z = self.model_.intercept_.astype(np.float64).copy()
        if found:
            idx = np.fromiter((i for i, _ in found), dtype=np.int64, count=len(found))
            tf = np.log(np.fromiter((n for _, n in found), dtype=np.float64, count=len(found)))
            vals = (tf + 1.0) * self.vectorizer_.idf_[idx]
            vals /= np.linalg.norm(vals)
            z += coef[:, idx] @ (vals * self.word_scale)
        z += coef[:, n_words:] @ np.asarray(_dense_features(claim_text, post_text))
        if len(self.classes_) == 2:
            p1 = 1.0 / (1.0 + np.exp(-z[0]))
            return np.asarray([1.0 - p1, p1])
        e = np.exp(z - z.max())
        return np.asarray(e / e.sum())

    def stance(self, claim_text: str, post_text: str) -> tuple[str, float]:
        """The most likely stance of one post and its probability."""
        proba = self.proba_one(claim_text, post_text)
        best = int(np.argmax(proba))
        return str(self.classes_[best]), float(proba[best])


def read_pairs(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Read ``claim_text,post_text,stance`` rows; rows with an unknown stance are refused."""
    pairs: list[tuple[str, str]] = []
    labels: list[str] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"claim_text", "post_text", "stance"} - set(reader.fieldnames or [])
        if missing:
            raise InvalidInput(
                f"Tệp {path.name} thiếu cột: {', '.join(sorted(missing))}",
                f"{path.name} lacks columns: {', '.join(sorted(missing))}",
                field="file",
            )
        for lineno, row in enumerate(reader, start=2):
            stance = (row.get("stance") or "").strip()
            if stance not in LABELS:
                raise InvalidInput(
                    f"Dòng {lineno}: lập trường không hợp lệ {stance!r}",
                    f"Line {lineno}: unknown stance {stance!r}",
                    field="stance",
                    line=lineno,
                )
            pairs.append((row["claim_text"] or "", row["post_text"] or ""))
            labels.append(stance)
    return pairs, labels


def training_metadata() -> dict[str, Any]:
    return {"data": str(STANCE_TRAIN.name), "labels": list(LABELS)}
