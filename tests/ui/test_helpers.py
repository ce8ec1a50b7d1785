"""Pure helpers of the UI: span highlighting, percentiles, flag labels, SVG escaping."""

from datetime import UTC, datetime
from typing import Any

from api.ui.charts import horizontal_bars, stacked_bars
from api.ui.forms import csv_response
from api.ui.metrics import FALSE_CLAIM, Window, label_of, percentile
from api.ui.views import highlight
from models.detections import Detection

TEXT = "Học phí tăng gấp ba, lũ quan chức ngu dốt!"


def joined(text: str, spans: list[dict[str, object]]) -> str:
    return "".join(s.text for s in highlight(text, spans))


def test_highlight_marks_spans_and_keeps_every_character() -> None:
    start = TEXT.index("lũ")
    segments = highlight(TEXT, [{"start": start, "end": len(TEXT) - 1, "score": 0.9}])
    assert [(s.text, s.span is not None) for s in segments] == [
        ("Học phí tăng gấp ba, ", False),
        ("lũ quan chức ngu dốt", True),
        ("!", False),
    ]


def test_highlight_survives_bad_spans() -> None:
    spans: list[dict[str, object]] = [
        {"start": 5, "end": 12},
        {"start": 8, "end": 15},  # overlaps the first: clipped
        {"start": -4, "end": 2},  # before the text: clipped
        {"start": 30, "end": 999},  # past the end: clipped
        {"start": 20, "end": 10},  # backwards: dropped
        {"start": "x", "end": 3},  # not a number: dropped
        {"end": 3},  # no start: dropped
    ]
    assert joined(TEXT, spans) == TEXT
    marked = [s.text for s in highlight(TEXT, spans) if s.span]
    assert marked == [TEXT[0:2], TEXT[5:12], TEXT[12:15], TEXT[30:]]


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0], 0.9) == 3.0
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.5) == 5.0
    assert percentile(values, 0.9) == 9.0
    assert percentile(list(reversed(values)), 0.9) == 9.0


def test_flag_labels() -> None:
    def detection(**fields: Any) -> Detection:
        return Detection(post_id=1, model_name="m", model_version="v", **fields)

    assert label_of(detection(toxicity_label="HATE")) == "HATE"
    assert label_of(detection(toxicity_label="CLEAN", matched_claim_id=3)) == FALSE_CLAIM
    assert label_of(detection(matched_claim_id=3, stance="refutes")) is None
    assert label_of(detection(toxicity_label="CLEAN", risk_score=0.7)) == "RISK"
    assert label_of(detection(toxicity_label="CLEAN", risk_score=0.2)) is None


def test_window_days_are_vietnam_days() -> None:
    window = Window(days=1, topic=None, now=datetime(2026, 11, 26, 18, 30, tzinfo=UTC))
    # 18:30 UTC is already 01:30 on the 27th in Vietnam.
    assert [d.isoformat() for d in window.day_list] == ["2026-11-26", "2026-11-27"]


def test_charts_escape_labels() -> None:
    evil = '<script>alert("x")</script>'
    svg = str(stacked_bars(title=evil, labels=[evil], series={evil: [2]}))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.startswith('<svg class="chart" role="img"') and "<title>" in svg
    bars = str(horizontal_bars(title="t", items=[(evil, 3.0)]))
    assert "<script>" not in bars


def test_csv_cells_never_run_as_spreadsheet_formulas() -> None:
    """Case titles come from crawled posts; an export opened in Excel must not run them."""
    rows = [['=HYPERLINK("http://x","bấm")', "+1", "-2", "@SUM(A1)", "Học phí", -3, 1.5, None]]
    body = csv_response("x.csv", ["a", "b", "c", "d", "e", "f", "g", "h"], rows).body
    line = bytes(body).decode("utf-8").lstrip("\ufeff").splitlines()[1]
    assert line == '"\'=HYPERLINK(""http://x"",""bấm"")",\'+1,\'-2,\'@SUM(A1),Học phí,-3,1.5,'


def test_form_errors_are_explained_in_vietnamese() -> None:
    """Refused forms named pydantic's English ("String should match pattern '^https?://...'")
    to Vietnamese staff and to the public on the report page."""
    from pydantic import ValidationError

    from api.ui.forms import FIELD_LABELS, explain
    from api.ui.i18n import MESSAGES
    from rebuttal.reports import ReportIn
    from rebuttal.schemas import EvidenceCreate

    assert all(key in MESSAGES for key in FIELD_LABELS.values())

    def message(lang: str, model: Any, data: dict[str, Any]) -> str:
        try:
            model.model_validate(data)
        except ValidationError as exc:
            return explain(lang, exc)
        raise AssertionError("accepted")

    report = {"url": "https://a.vn/p", "description": "ngắn", "contact": "abc"}
    assert message("vi", ReportIn, report) == (
        "Dữ liệu không hợp lệ — Mô tả: cần ít nhất 10 ký tự; "
        "Liên hệ: phải là email hoặc số điện thoại"
    )
    evidence = {"kind": "url", "title": "   ", "url": "ftp://x"}
    assert message("vi", EvidenceCreate, evidence) == (
        "Dữ liệu không hợp lệ — Tiêu đề: không được để trống; Địa chỉ: không đúng định dạng"
    )
    assert message("en", EvidenceCreate, evidence).startswith("Invalid input — Title: Value error")


def test_numbers_follow_the_reader_s_language() -> None:
    """Reach showed as 8.400 in English and 11160 on the case page, and priority as 89.6
    beside reach 8.400 in Vietnamese, where the dot groups thousands."""
    from api.ui.render import number

    assert number("vi", 1234567.891, 1) == "1.234.567,9" and number("vi", 8400) == "8.400"
    assert number("en", 1234567.891, 1) == "1,234,567.9" and number("en", 8400) == "8,400"
    assert number("vi", None) == "—"
