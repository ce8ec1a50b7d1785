"""Every message key a template uses exists in both languages."""

import re

from api.ui.i18n import MESSAGES, translate
from api.ui.render import TEMPLATES_DIR, priority_reason

KEY_RE = re.compile(r"""_\(\s*["']([a-z0-9_]+)["']\s*\)""")


def test_every_template_key_is_in_the_catalogue() -> None:
    missing = {}
    for template in TEMPLATES_DIR.rglob("*.html"):
        keys = set(KEY_RE.findall(template.read_text(encoding="utf-8")))
        unknown = sorted(k for k in keys if k not in MESSAGES)
        if unknown:
            missing[template.name] = unknown
    assert not missing, f"message keys missing from api/ui/i18n.py: {missing}"


def test_catalogue_has_both_languages() -> None:
    for key, (vi, en) in MESSAGES.items():
        assert vi.strip() and en.strip(), key


def test_vietnamese_is_the_default() -> None:
    assert translate("vi", "logout") == "Đăng xuất"
    assert translate("en", "logout") == "Log out"
    assert translate("xx", "logout") == "Đăng xuất"


def test_every_case_event_kind_has_a_label() -> None:
    """The case timeline shows event kinds through `event_<kind>`; a kind without a label
    appeared as a raw code ("post_joined", "sla_breached") to Vietnamese staff."""
    from pathlib import Path

    import rebuttal

    kinds: set[str] = set()
    for source in Path(rebuttal.__file__).parent.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        # record(session, case, actor, "kind", ...) and `kind = "a" if ... else "b"`.
        kinds |= set(re.findall(r'record\(\s*\w+,\s*\w+,\s*\w+,\s*"([a-z_]+)"', text))
        for line in re.findall(r"^\s*kind = (.+)$", text, re.MULTILINE):
            kinds |= set(re.findall(r'"([a-z_]+)"', line))
    assert {"opened", "post_joined", "sla_breached", "reported"} <= kinds
    missing = sorted(k for k in kinds if f"event_{k}" not in MESSAGES)
    assert not missing, f"case event kinds without a label in api/ui/i18n.py: {missing}"


def test_priority_reasons_read_in_either_language() -> None:
    from models.types import utcnow
    from rebuttal import priority

    _, reasons = priority.compute(
        risk=0.912,
        reach=12_500,
        first_detected_at=utcnow(),
        weight=1.5,
        topic="giao_duc",
        half_life_hours=12,
    )
    manual = "Đặt tay bởi giamsat: 95.5"
    vi = [priority_reason("vi", r) for r in [*reasons, manual]]
    en = [priority_reason("en", r) for r in [*reasons, manual]]
    assert vi == [
        "Mức rủi ro 0,91: +45,6",
        "Lượt tiếp cận 12.500: +20,5",
        "Phát hiện 0 giờ trước: +20,0",
        "Trọng số chủ đề «Giáo dục và học phí»: ×1,5",
        "Đặt tay bởi giamsat: 95,5",
    ]
    assert en == [
        "Risk 0.91: +45.6",
        "Reach 12,500: +20.5",
        "Detected 0 h ago: +20.0",
        "Topic weight 'Education and tuition': ×1.5",
        "Set by hand by giamsat: 95.5",
    ]
    # A reason it does not know (an older wording, say) is shown as stored.
    assert priority_reason("en", "Lý do khác") == "Lý do khác"
    general = priority.compute(
        risk=0, reach=0, first_detected_at=utcnow(), weight=1, topic=None, half_life_hours=12
    )[1][-1]
    assert priority_reason("en", general) == "Topic weight 'general': ×1"
