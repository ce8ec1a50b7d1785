"""Vietnamese text normalisation for the classifiers and for claim matching.

Social-media Vietnamese arrives in many spellings of the same words: two Unicode forms
(precomposed or combining), old and new tone-mark placement (``hoà`` / ``hòa``), teencode
(``ko`` for ``không``), stretched letters (``đẹppppp``), and personal data (links, phone
numbers) that must not become features. Everything here maps those variants onto one form.

The normalisation works token by token over the original text so that every normalised token
keeps the character offsets of the original text it came from (:func:`tokens`); spans found on
normalised tokens can therefore be reported as offsets into what the user actually wrote.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from underthesea.pipeline.text_normalize import token_normalize

RESOURCES = Path(__file__).parent / "resources"

URL = "<url>"
EMAIL = "<email>"
MENTION = "<user>"
PHONE = "<phone>"
MASKS = frozenset({URL, EMAIL, MENTION, PHONE})

_TLD = r"(?:com|vn|net|org|info|io|me|ly|co|gov|edu|tv|xyz|biz)"
_TOKEN_RE = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"]+|\b[\w-]+(?:\.[\w-]+)*\." + _TLD + r"\b(?:/[^\s<>\"]*)?)"
    r"|(?P<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<mention>@\w+)"
    r"|(?P<phone>(?<!\w)(?:\+84|0)(?:[ .-]?\d){8,10}(?!\w))"
    r"|(?P<emoticon>(?<!\w)(?:[:;=][-']?[)(\]\[dDpP3oO/|]+|<3+|\^\^|\^_\^)(?!\w))"
    r"|(?P<word>(?:[^\W_]|[\u0300-\u036f])+(?:_(?:[^\W_]|[\u0300-\u036f])+)*)"
    r"|(?P<other>\S)",
)
# Letters stretched for emphasis ("quáaaa"); digits are left alone ("1000").
_REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")
# "quáaaa": a tone-marked vowel stretched with its bare letter.
_STRETCH_RE = re.compile(
    r"([áàảãạ])a+$|([ắằẳẵặăâấầẩẫậ])a+$|([éèẻẽẹêếềểễệ])e+$|([íìỉĩị])i+$|([óòỏõọôốồổỗộơớờởỡợ])o+$"
    r"|([úùủũụưứừửữự])u+$|([ýỳỷỹỵ])y+$"
)

_EMOTICONS = {
    ":)": "cười",
    ":(": "buồn",
    ":d": "cười",
    ":p": "trêu",
    "=)": "cười",
    "=(": "buồn",
    ":3": "dễ_thương",
    "<3": "yêu",
    "^^": "cười",
    "^_^": "cười",
    ":/": "chán",
    ":|": "chán",
}

# The emoji most seen in Vietnamese comments, mapped to the word readers take them for; any
# other emoji becomes a token built from its Unicode name so a classifier can still learn it.
_EMOJI = {
    "😂": "cười",
    "🤣": "cười",
    "😆": "cười",
    "😄": "cười",
    "😁": "cười",
    "😀": "cười",
    "😃": "cười",
    "😅": "cười_trừ",
    "😊": "vui",
    "☺": "vui",
    "🙂": "vui",
    "😍": "yêu",
    "🥰": "yêu",
    "😘": "yêu",
    "❤": "yêu",
    "♥": "yêu",
    "💕": "yêu",
    "💖": "yêu",
    "💗": "yêu",
    "💓": "yêu",
    "😢": "buồn",
    "😭": "khóc",
    "😞": "buồn",
    "😔": "buồn",
    "🥺": "buồn",
    "😡": "giận",
    "😠": "giận",
    "🤬": "chửi",
    "👿": "giận",
    "💢": "giận",
    "🤮": "ghê_tởm",
    "🤢": "ghê_tởm",
    "💩": "cứt",
    "🖕": "ngón_thối",
    "🐶": "chó",
    "🐕": "chó",
    "🐷": "lợn",
    "🐖": "lợn",
    "🐒": "khỉ",
    "🐵": "khỉ",
    "🐮": "bò",
    "🐄": "bò",
    "🤡": "hề",
    "👍": "thích",
    "👎": "không_thích",
    "👏": "vỗ_tay",
    "🙏": "cảm_ơn",
    "😏": "nhếch_mép",
    "🙄": "chán",
    "😒": "chán",
    "😑": "chán",
    "😐": "chán",
    "🤔": "suy_nghĩ",
    "😱": "sợ",
    "😨": "sợ",
    "😳": "ngạc_nhiên",
    "😮": "ngạc_nhiên",
    "🔥": "lửa",
    "💯": "tuyệt",
}
_EMOJI_CATEGORIES = frozenset({"So", "Sk"})
# Joiners, variation selectors and skin tones carry no meaning of their own.
# U+FFFD is what a broken byte decodes to: junk, not an emoji.
_EMOJI_GLUE = frozenset(
    {"\u200d", "\ufe0f", "\ufe0e", "\u20e3", "\ufffd", *map(chr, range(0x1F3FB, 0x1F400))}
)


@dataclass(frozen=True, slots=True)
class Token:
    """One token of the original text and its normalised form (``norm`` may hold several words,
    e.g. an expanded abbreviation, or be empty for characters that carry nothing)."""

    start: int
    end: int
    norm: str
    kind: str


@lru_cache(maxsize=1)
def teencode_map() -> dict[str, str]:
    """Abbreviation / teencode → standard spelling (see resources/README.md for its sources)."""
    with (RESOURCES / "teencode.json").open(encoding="utf-8") as fh:
        data: dict[str, str] = json.load(fh)
    return data


@lru_cache(maxsize=200_000)
def normalize_word(word: str) -> str:
    """Normalise one word: lowercase, stretched letters squeezed, tone marks in the new
    placement (underthesea's rules), teencode expanded."""
    w = unicodedata.normalize("NFC", word).lower()
    w = _REPEAT_RE.sub(r"\1", w)
    w = _STRETCH_RE.sub(lambda m: next(g for g in m.groups() if g), w)
    w = token_normalize(w)
    return teencode_map().get(w, w)


def _emoji_word(char: str) -> str:
    if char in _EMOJI:
        return _EMOJI[char]
    try:
        name = unicodedata.name(char)
    except ValueError:
        return ""
    return "emoji_" + "_".join(name.lower().split())


def tokens(text: str) -> list[Token]:
    """Tokenise ``text`` and normalise each token, keeping offsets into ``text`` itself."""
    if not text:
        return []
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "other"
        s = m.group()
        if kind == "word":
            norm = normalize_word(s)
        elif kind == "url":
            norm = URL
        elif kind == "email":
            norm = EMAIL
        elif kind == "mention":
            norm = MENTION
        elif kind == "phone":
            norm = PHONE
        elif kind == "emoticon":
            key = s.lower().replace("-", "").replace("'", "")
            key = re.sub(r"(.)\1+$", r"\1", key)
            norm = _EMOTICONS.get(key, "cười" if key[-1] in ")]d" else "buồn")
        else:
            if s in _EMOJI_GLUE:
                continue
            category = unicodedata.category(s)
            if category in _EMOJI_CATEGORIES:
                kind = "emoji"
                norm = _emoji_word(s)
                if norm == "" or (out and out[-1].kind == "emoji" and out[-1].norm == norm):
                    continue  # a run of the same emoji says it once
            elif category[0] in "CZ":
                continue  # control / format characters: junk, not text
            else:
                # Runs of one punctuation mark ("!!!!") say the same as one.
                if out and out[-1].kind == "other" and out[-1].norm == s:
                    continue
                norm = s
        out.append(Token(m.start(), m.end(), norm, kind))
    return out


def join_tokens(toks: list[Token]) -> str:
    """The normalised text of already computed tokens (see :func:`normalize`)."""
    return " ".join(t.norm for t in toks if t.norm)


def normalize(text: str) -> str:
    """Full normalisation for classifiers: NFC, unified tone marks, lowercase, teencode
    expanded, stretched letters squeezed, URLs / e-mails / mentions / phone numbers masked
    (``<url>`` ``<email>`` ``<user>`` ``<phone>``), emoji and emoticons turned into words.
    Tokens are joined by single spaces."""
    return join_tokens(tokens(unicodedata.normalize("NFC", text)))


def _strip_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord("đ"): "d", ord("Đ"): "D"}
    for code in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        bare = "".join(
            c for c in unicodedata.normalize("NFD", chr(code)) if unicodedata.category(c) != "Mn"
        )
        if bare != chr(code):
            table[code] = bare
    for code in range(0x0300, 0x0370):  # combining marks of text typed in NFD
        table[code] = None
    return table


# A translation table is ~10x faster than decomposing every text, and strip_diacritics runs
# on every text the classifier sees.
_STRIP = _strip_table()


def strip_diacritics(text: str) -> str:
    """Remove every Vietnamese diacritic (tone and vowel marks) and map đ→d, Đ→D."""
    return text.translate(_STRIP)


def syllables(text: str) -> list[str]:
    """The normalised syllables of ``text`` (words only: no punctuation, masks or emoji),
    e.g. for shingling and claim matching."""
    out: list[str] = []
    for t in tokens(unicodedata.normalize("NFC", text)):
        if t.kind == "word":
            out.extend(t.norm.replace("_", " ").split())
    return out
