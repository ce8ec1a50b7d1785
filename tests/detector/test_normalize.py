import unicodedata

from detector.normalize import normalize, strip_diacritics, syllables, tokens


def test_nfc_and_nfd_input_normalise_the_same() -> None:
    nfd = unicodedata.normalize("NFD", "Tiếng Việt đẹp")
    assert nfd != "Tiếng Việt đẹp"
    assert normalize(nfd) == normalize("Tiếng Việt đẹp") == "tiếng việt đẹp"


def test_old_and_new_tone_mark_placement_unified() -> None:
    assert normalize("hoà thuỷ") == normalize("hòa thủy") == "hòa thủy"


def test_teencode_and_abbreviations_expanded() -> None:
    assert normalize("ko bik j") == "không biết gì"
    assert normalize("ck vk") == "chồng vợ"


def test_repeated_letters_squeezed_but_digits_kept() -> None:
    assert normalize("đẹppppp QUÁAAAA 1000") == "đẹp quá 1000"


def test_urls_emails_mentions_phones_masked() -> None:
    text = "Gọi 0912.345.678 hoặc +84 912 345 678, mail a.b@gmail.com, @tuan xem https://x.vn/a?b=1"
    out = normalize(text)
    assert out.count("<phone>") == 2
    assert "<email>" in out and "<user>" in out and "<url>" in out
    assert "0912" not in out and "gmail" not in out and "https" not in out


def test_emoji_and_emoticons_become_words() -> None:
    assert normalize("😂😂😂") == "cười"
    assert normalize("👍🏻❤️") == "thích yêu"
    assert normalize(":))) =((") == "cười buồn"


def test_control_characters_dropped() -> None:
    assert normalize("xin\x00\x01chào\ufffd") == "xin chào"


def test_strip_diacritics_removes_every_mark_and_d_stroke() -> None:
    assert strip_diacritics("Đường phố Hà Nội đẹp quá") == "Duong pho Ha Noi dep qua"
    assert strip_diacritics(unicodedata.normalize("NFD", "ờ")) == "o"


def test_syllables_are_words_only() -> None:
    assert syllables("Hoà bình, ko đẹp! https://x.vn 😂") == ["hòa", "bình", "không", "đẹp"]
    assert syllables("") == []


def test_token_offsets_point_into_the_original_text() -> None:
    text = (
        "Mày "
        + unicodedata.normalize("NFD", "ngu")
        + " vl 😂 "
        + unicodedata.normalize("NFD", "hoà")
    )
    for tok in tokens(text):
        assert 0 <= tok.start < tok.end <= len(text)
    words = [(text[t.start : t.end], t.norm) for t in tokens(text) if t.kind == "word"]
    assert words[0] == ("Mày", "mày")
    assert words[2] == ("vl", "vãi lồn")
    assert words[-1][1] == "hòa"


def test_mixed_vietnamese_and_english() -> None:
    assert normalize("Policy này OK nhưng fake news nhiều quá") == (
        "policy này ok nhưng fake news nhiều quá"
    )
