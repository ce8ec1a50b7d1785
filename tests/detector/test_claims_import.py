import json
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from detector.claims import service
from detector.claims.importer import parse_file, verdict_from_rating
from detector.claims_cli import claims_app
from models.claims import Claim
from models.db import engine_for
from models.migrate import upgrade

runner = CliRunner()


def review(text: object, rating: object = "Sai", url: object = "https://fc.vn/1") -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": text,
        "reviewRating": {"@type": "Rating", "alternateName": rating},
        "url": url,
        "author": {"@type": "Organization", "name": "Trung tâm Xử lý tin giả"},
    }


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_claimreview_array_keeps_valid_entries_and_reports_bad_ones_by_line(
    tmp_path: Path,
) -> None:
    entries = [
        review("Giá điện tăng 40% từ tháng 8.", url="https://fc.vn/a"),
        review(None, url="https://fc.vn/b"),  # missing claim text
        review(12345, url="https://fc.vn/c"),  # wrong type
        review("Xăng lên 40.000 đồng một lít.", rating=None, url="https://fc.vn/d"),
        review("Tin này đúng.", rating="Không rõ lắm", url="https://fc.vn/e"),
        "not an object",
        review("Thủy điện xả 12 cửa đáy.", rating="Misleading", url="https://fc.vn/f"),
    ]
    path = write(tmp_path, "reviews.json", json.dumps(entries, ensure_ascii=False, indent=1))
    parsed = parse_file(path)
    assert [r.text for r in parsed.records] == [
        "Giá điện tăng 40% từ tháng 8.",
        "Thủy điện xả 12 cửa đáy.",
    ]
    assert [r.verdict for r in parsed.records] == ["tin_gia", "tin_sai_su_that"]
    assert len(parsed.problems) == 5
    lines = [p.where_en for p in parsed.problems]
    assert all(w.startswith("line ") for w in lines)
    text = path.read_text(encoding="utf-8").splitlines()
    # Each reported line is where that entry starts in the file.
    for problem, item in zip(parsed.problems, [2, 3, 4, 5, 6], strict=True):
        line_no = int(problem.where_en.split()[1])
        assert f"(item {item})" in problem.where_en
        assert text[line_no - 1].strip() in {"{", '"not an object",'}
    assert "claimReviewed" in parsed.problems[0].en()
    assert "string" in parsed.problems[1].en()
    assert "reviewRating" in parsed.problems[2].en()
    assert "not understood" in parsed.problems[3].en()


def test_json_lines_graph_and_factcheck_feed(tmp_path: Path) -> None:
    lines = "\n".join(
        [json.dumps(review("Cắt nước Hà Nội 5 ngày.")), "{broken", json.dumps(review(""))]
    )
    parsed = parse_file(write(tmp_path, "reviews.jsonl", lines))
    assert len(parsed.records) == 1
    assert [p.where_en for p in parsed.problems] == ["line 2", "line 3 (item 2)"]

    graph = {"@graph": [review("Bão số 5 vào Hà Nội cấp 17.", rating="False")]}
    assert parse_file(write(tmp_path, "g.jsonld", json.dumps(graph))).records[0].verdict == (
        "tin_gia"
    )

    feed = {
        "claims": [
            {
                "text": "Sổ đỏ cũ hết hiệu lực.",
                "claimReview": [
                    {
                        "url": "https://fc.vn/x",
                        "textualRating": "Sai sự thật",
                        "publisher": {"name": "Báo A"},
                    }
                ],
            },
            {"text": "Không có đánh giá"},
        ]
    }
    parsed = parse_file(write(tmp_path, "feed.json", json.dumps(feed, ensure_ascii=False)))
    assert [r.verdict for r in parsed.records] == ["tin_sai_su_that"]
    assert parsed.problems[0].where_en == "item 2"


def test_csv_rows_and_bad_files(tmp_path: Path) -> None:
    csv_text = (
        "id,text,verdict,url,extra\n"
        "a1,Giá vé xe buýt tăng gấp 3.,tin_gia,https://fc.vn/1,x\n"
        "a2,,tin_gia,,\n"
        "a3,Một tin khác.,hoàn toàn bịa đặt,,\n"
        "a4,Tin thứ tư.,maybe,,\n"
    )
    parsed = parse_file(write(tmp_path, "c.csv", csv_text))
    assert [(r.external_id, r.verdict) for r in parsed.records] == [
        ("a1", "tin_gia"),
        ("a3", "tin_gia"),
    ]
    assert [p.where_en for p in parsed.problems] == ["line 3", "line 5"]
    assert parse_file(write(tmp_path, "h.csv", "a,b\n1,2\n")).problems[0].where_en == "line 1"
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe[\x00")
    assert not parse_file(bad).records and "UTF-8" in parse_file(bad).problems[0].en()
    assert "not found" in parse_file(tmp_path / "missing.json").problems[0].en()
    assert parse_file(write(tmp_path, "e.json", "[1, 2")).problems[0].where_en == "file"


def test_ratings() -> None:
    assert verdict_from_rating("Tin giả") == "tin_gia"
    assert verdict_from_rating("SAI SỰ THẬT") == "tin_sai_su_that"
    assert verdict_from_rating("Chưa xác minh") == "chua_xac_minh"
    assert verdict_from_rating("Đúng") == "tin_xac_thuc"
    assert verdict_from_rating("tin_sai_su_that") == "tin_sai_su_that"
    assert verdict_from_rating("???") is None


def test_import_twice_stores_each_claim_once(session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.json",
        json.dumps(
            [
                review("Giá điện tăng 40% từ tháng 8.", url="https://fc.vn/a"),
                # The same claim in other spelling, from another fact-check: one row.
                review("gia dien tang 40% tu thang 8", url="https://fc.vn/b"),
                review("Lương hưu bị cắt từ tháng 10.", url="https://fc.vn/c"),
            ],
            ensure_ascii=False,
        ),
    )
    first = service.import_records(session=session, parsed=parse_file(path))
    session.commit()
    assert len(first.created) == 2 and len(first.duplicates) == 1
    second = service.import_records(session=session, parsed=parse_file(path))
    session.commit()
    assert second.created == [] and len(second.duplicates) == 3
    assert session.exec(select(func.count()).select_from(Claim)).one() == 2
    stored = session.exec(select(Claim).where(Claim.external_id == "https://fc.vn/a")).one()
    assert stored.origin == "claimreview" and stored.verdict == "tin_gia"
    assert "dien_nuoc_xang" in stored.topics


def test_cli_import_reports_and_dedupes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("VIGIL_DATABASE_URL", url)
    upgrade(engine_for(url))
    good = write(tmp_path, "ok.csv", "id,text,verdict,url\n1,Xăng lên 40.000 đồng.,tin_gia,\n")
    result = runner.invoke(claims_app, ["import", str(good)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 1
    again = runner.invoke(claims_app, ["import", str(good)])
    assert again.exit_code == 0 and json.loads(again.stdout)["duplicates"] == 1
    mixed = write(tmp_path, "mixed.csv", "id,text,verdict,url\n2,Tin mới.,tin_gia,\n3,,tin_gia,\n")
    result = runner.invoke(claims_app, ["import", str(mixed)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["created"] == 1 and report["problems"] == ["line 3: missing field text"]
    assert runner.invoke(claims_app, ["import", str(tmp_path / "nope.json")]).exit_code == 2
    with Session(engine_for(url)) as session:
        assert session.exec(select(func.count()).select_from(Claim)).one() == 2
