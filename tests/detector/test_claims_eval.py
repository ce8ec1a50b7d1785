import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detector.claims.evaluation import Query, evaluate, read_claims, read_queries
from detector.claims.matcher import ClaimMatchModel
from detector.claims_cli import claims_app
from models.errors import InvalidInput
from tests.detector.claims_fixtures import TEST_CLAIMS, match_model_fixture  # noqa: F401

runner = CliRunner()

QUERIES = [
    Query("Nghe nói vé xe buýt Hà Nội sắp tăng gấp ba từ tháng 10", "1", "paraphrase"),
    Query("ve xe buyt ha noi tang gap 3 tu thang 10", "1", "no_diacritics"),
    Query("Sinh viên đại học sắp phải đóng bảo hiểm xã hội bắt buộc", "4", "paraphrase"),
    Query("Hôm nay trời đẹp quá, đi cà phê thôi", "", "other"),
    Query(
        "Sở GTVT bác bỏ tin vé xe buýt Hà Nội tăng gấp 3 lần, đây là tin sai sự thật",
        "",
        "refutation",
    ),
]


def test_evaluate_counts_per_kind(match_model: ClaimMatchModel) -> None:
    result = evaluate(TEST_CLAIMS, QUERIES, match_model)
    assert result["queries"] == 5 and result["positives"] == 3
    assert result["recall_at_1"] == 1.0 and result["recall_at_5"] == 1.0
    assert result["false_autolinks"] == 0
    assert result["by_kind"]["paraphrase"]["positives"] == 2
    assert result["by_kind"]["refutation"]["false_autolinks"] == 0
    assert result["p99_ms"] > 0


def test_wrong_expected_claim_counts_against_recall(match_model: ClaimMatchModel) -> None:
    wrong = [Query("Nghe nói vé xe buýt Hà Nội sắp tăng gấp ba từ tháng 10", "5", "x")]
    result = evaluate(TEST_CLAIMS, wrong, match_model)
    assert result["recall_at_1"] == 0.0
    # An auto-link to claim 1 when claim 5 was expected is a false auto-link.
    assert result["false_autolinks"] == (1 if result["autolink_precision"] == 0.0 else 0)


def write_sets(tmp_path: Path) -> tuple[Path, Path]:
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "id,text,verdict,topic\n"
        + "".join(f'{c.id},"{c.text}",{c.verdict},x\n' for c in TEST_CLAIMS),
        encoding="utf-8",
    )
    queries = tmp_path / "queries.csv"
    queries.write_text(
        "text,expected_id,kind\n"
        + "".join(f'"{q.text}",{q.expected_id},{q.kind}\n' for q in QUERIES),
        encoding="utf-8",
    )
    return claims, queries


def test_cli_eval_prints_one_json_object(
    tmp_path: Path,
    match_model: ClaimMatchModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    claims, queries = write_sets(tmp_path)
    monkeypatch.setattr("detector.claims_cli._model", lambda retrain: match_model)
    result = runner.invoke(claims_app, ["eval", "--claims", str(claims), "--queries", str(queries)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in (
        "recall_at_1",
        "recall_at_5",
        "autolink_recall",
        "autolink_precision",
        "false_autolinks",
        "p99_ms",
    ):
        assert key in data
    assert "by_kind" not in data


def test_bad_eval_files(tmp_path: Path) -> None:
    _, queries = write_sets(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,words\n1,x\n", encoding="utf-8")
    with pytest.raises(InvalidInput):
        read_claims(bad)
    with pytest.raises(InvalidInput):
        read_queries(bad)
    with pytest.raises(InvalidInput):
        read_claims(tmp_path / "missing.csv")
    dup = tmp_path / "dup.csv"
    dup.write_text("id,text,verdict\n1,a b c,tin_gia\n1,d e f,tin_gia\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="duplicate"):
        read_claims(dup)
    result = runner.invoke(claims_app, ["eval", "--claims", str(bad), "--queries", str(queries)])
    assert result.exit_code == 2


def test_queries_pointing_at_unknown_claims_are_refused(match_model: ClaimMatchModel) -> None:
    with pytest.raises(InvalidInput, match="missing from the claims"):
        evaluate(TEST_CLAIMS, [Query("x", "C999", "x")], match_model)
