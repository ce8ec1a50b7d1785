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
