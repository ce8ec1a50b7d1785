from detector.claims.text import match_key


def test_spellings_of_one_sentence_share_a_key() -> None:
    plain = match_key("Học phí đại học tăng gấp 3 từ tháng 9")
    assert match_key("hoc phi dai hoc tang gap 3 tu thang 9").text == plain.text
    assert match_key("HỌC PHÍ ĐH TĂNG GẤP 3 TỪ THÁNG 9!!!").text == plain.text
    # Number words after "gấp" and the "x3" teencode read as the digit.
    assert match_key("học phí đại học tăng gấp ba từ tháng 9").text == plain.text
    assert match_key("hp đh tăng x3 từ tháng 9").text == plain.text


def test_policy_abbreviations_are_spelled_out() -> None:
    assert "bao hiem xa hoi" in match_key("Rút BHXH một lần").text
    assert match_key("Bộ GD&ĐT").text == match_key("bộ giáo dục và đào tạo").text
    assert match_key("Bộ GD-ĐT").text == match_key("bộ giáo dục và đào tạo").text


def test_numbers_are_read_with_vietnamese_separators() -> None:
    assert match_key("phạt 1.000.000 đồng").numbers == {"1000000"}
    assert match_key("tăng 2,5 lần").numbers == {"2.5"}
    assert match_key("gấp ba").numbers == {"3"}
    # "ba" as a word, not a count, is not a number.
    assert match_key("ba mẹ đưa con đi học").numbers == frozenset()


def test_empty_links_and_symbols_give_empty_keys() -> None:
    assert match_key("").text == ""
    assert match_key("https://example.vn/a?b=c 😡 !!!").text == ""


def test_money_in_any_spelling_is_one_number() -> None:
    two_million = {"2000000"}
    assert match_key("phạt 2 triệu đồng").numbers == two_million
    assert match_key("phạt 2tr").numbers == two_million
    assert match_key("phat 2.000.000 dong").numbers == two_million
    assert match_key("đóng 1tr5 mỗi tháng").numbers == match_key("đóng 1,5 triệu").numbers
    assert match_key("500k một lượt").numbers == {"500000"}
    assert match_key("3 tỷ").numbers == {"3000000000"}
    # The teencode amount is spelled out, so its syllables match the claim's.
    assert match_key("phạt 2tr").text == match_key("phạt 2 triệu").text
    # Units alone, and counts of other things, are left as they are.
    assert match_key("tr k").numbers == frozenset()
    assert match_key("10 năm").numbers == {"10"}


def test_youth_abbreviations_of_policy_words() -> None:
    assert match_key("hs sv gv").text == "hoc sinh sinh vien giao vien"
    assert match_key("khum đc wa").text == match_key("không được quá").text


def test_kilograms_are_not_teencode_for_no() -> None:
    # "kg" alone is teencode for "không"; after a number it is the weight, said "ký".
    assert match_key("nuôi chó trên 10 kg").text == match_key("nuôi chó trên 10 ký").text
    assert "khong" not in match_key("con chó 25kg").syllables
    assert match_key("kg đúng đâu").syllables[0] == "khong"


def test_bare_o_and_a_read_as_with_diacritics() -> None:
    # The teencode map reads "o" as "không" and "a" as "anh"; typed without diacritics they
    # are "ở" and the particle "à", so the stripped post must key like the original.
    assert match_key("tang o Ha Noi").text == match_key("tăng ở Hà Nội").text
    assert "khong" not in match_key("hoc phi tang o Ha Noi").syllables
    assert match_key("that a?").text == match_key("thật á?").text


def test_syllables_typed_without_diacritics_are_not_teencode() -> None:
    for bare, marked in [
        ("bao hiem xa hoi", "bảo hiểm xã hội"),
        ("bac si", "bác sĩ"),
        ("so hong", "sổ hồng"),
        ("nha trong hem", "nhà trong hẻm"),
        ("chin trieu", "chín triệu"),
    ]:
        assert match_key(bare).text == match_key(marked).text
