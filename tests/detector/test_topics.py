import pytest

from detector.topics import TAXONOMY, TOPICS, TopicClassifier, classify


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Học phí đại học công lập năm nay tăng mạnh", "giao_duc"),
        ("Bộ Y tế khuyến cáo tiêm vắc xin cúm cho trẻ", "y_te"),
        ("Thuế thu nhập cá nhân sẽ thay đổi mức giảm trừ gia cảnh", "thue_phi"),
        ("gia dien sinh hoat thang nay tang", "dien_nuoc_xang"),
        ("Bảng giá đất mới làm tăng tiền cấp sổ đỏ", "dat_dai"),
        ("CSGT phạt nồng độ cồn người đi xe máy", "giao_thong"),
        ("rút BHXH một lần có bị mất quyền lợi lương hưu không", "bhxh"),
        ("Sáp nhập tỉnh, cử tri đi bầu cử đại biểu Quốc hội", "bau_cu_chinh_quyen"),
        ("Đường Vành đai 4 và cao tốc Bắc Nam đang thi công", "quy_hoach_ha_tang"),
        ("Bộ Công an cảnh báo lừa đảo qua ứng dụng VNeID", "an_ninh_trat_tu"),
        ("Bão số 5 gây sạt lở ở miền núi, dân sơ tán", "thien_tai"),
    ],
)
def test_each_policy_area_is_recognised(text: str, code: str) -> None:
    found = classify(text)
    assert found and found[0].code == code
    assert 0 < found[0].score < 1 and found[0].keywords


def test_unrelated_empty_and_foreign_text_has_no_topic() -> None:
    assert classify("Hôm nay trời đẹp, đi ăn phở với bạn bè") == []
    assert classify("") == []
    assert classify("The match ended two all in London") == []


def test_one_weak_word_is_not_enough_but_two_areas_can_be_found() -> None:
    assert classify("bị phạt") == []
    codes = {t.code for t in classify("Học phí tăng và giá điện cũng tăng từ tháng 9")}
    assert codes == {"giao_duc", "dien_nuoc_xang"}


def test_taxonomy_is_complete_and_threshold_is_respected() -> None:
    assert len(TAXONOMY) == 11 and set(TOPICS) == {t.code for t in TAXONOMY}
    strict = TopicClassifier(threshold=0.99)
    assert strict.predict("Học phí đại học công lập năm nay tăng mạnh") == []
    assert all(t.label_vi for t in TAXONOMY)
