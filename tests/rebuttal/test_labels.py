"""Staff decisions become training labels; the export matches the ViHSD format."""

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app
from models.cases import CasePost
from models.desk import FeedbackLabel
from models.enums import CaseState, Role
from models.errors import InvalidInput
from rebuttal import cases as cases_service
from rebuttal import labels as labels_service
from rebuttal.actors import Actor
from rebuttal.workflow import Expected
from tests.rebuttal.conftest import add_case, add_post


def case_with_posts(session: Session, *texts: str) -> tuple[int, list[int]]:
    case = add_case(session, CaseState.new)
    posts = [add_post(session, text) for text in texts]
    for post in posts:
        session.add(CasePost(case_id=case.id or 0, post_id=post.id or 0))
    session.flush()
    return case.id or 0, [p.id or 0 for p in posts]


def test_decisions_become_labels_latest_wins(
    session: Session, actor: Callable[[Role], Actor], tmp_path: Path
) -> None:
    monitor = actor(Role.monitor)
    clean_case, _ = case_with_posts(session, "Chúc mừng đội tuyển", "Trời đẹp quá")
    cases_service.dismiss(
        session=session,
        case_id=clean_case,
        actor=monitor,
        reason="Nhầm",
        expected=Expected(1),
        false_positive=True,
    )
    hate_case, hate_posts = case_with_posts(session, "Lũ chúng mày cút hết đi", "Bọn nó ngu")
    case = cases_service.get(session=session, case_id=hate_case)
    labels_service.label_case(
        session=session, case=case, label="confirmed_offensive", actor=monitor
    )
    # A later, sharper decision about one post replaces the earlier one.
    labels_service.label_case(
        session=session, case=case, label="confirmed_hate", actor=monitor, post_ids=hate_posts[:1]
    )
    rows = labels_service.export_labels(session=session)
    assert len(rows) == 4 and all(r["decided_by"] == monitor.user_id for r in rows)
    path = tmp_path / "labels.csv"
    assert labels_service.write_toxicity_csv(session=session, path=path) == 4
    with path.open(encoding="utf-8") as handle:
        got = list(csv.DictReader(handle))
    assert list(got[0]) == ["free_text", "label_id"]
    assert {(r["free_text"], r["label_id"]) for r in got} == {
        ("Chúc mừng đội tuyển", "0"),
        ("Trời đẹp quá", "0"),
        ("Lũ chúng mày cút hết đi", "2"),
        ("Bọn nó ngu", "1"),
    }
    assert len(session.exec(select(FeedbackLabel)).all()) == 4


def test_bad_labels_are_refused(session: Session, actor: Callable[[Role], Actor]) -> None:
    case_id, _ = case_with_posts(session, "Bài viết")
    case = cases_service.get(session=session, case_id=case_id)
    with pytest.raises(InvalidInput):
        labels_service.label_case(
            session=session, case=case, label="maybe", actor=actor(Role.monitor)
        )
    with pytest.raises(InvalidInput):
        labels_service.label_case(
            session=session,
            case=case,
            label="confirmed_hate",
            actor=actor(Role.monitor),
            post_ids=[424242],
        )
    assert session.exec(select(FeedbackLabel)).all() == []


def test_cli_export(
    session: Session,
    actor: Callable[[Role], Actor],
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_id, _ = case_with_posts(session, "Đồ phản động")
    case = cases_service.get(session=session, case_id=case_id)
    labels_service.label_case(
        session=session, case=case, label="confirmed_hate", actor=actor(Role.monitor)
    )
    session.commit()
    monkeypatch.setenv("VIGIL_DATABASE_URL", database_url)
    runner = CliRunner()
    out = tmp_path / "labels.csv"
    result = runner.invoke(app, ["labels", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines() == ["free_text,label_id", "Đồ phản động,2"]
    as_json = tmp_path / "labels.json"
    assert runner.invoke(app, ["labels", "export", str(as_json), "--format", "json"]).exit_code == 0
    assert json.loads(as_json.read_text(encoding="utf-8"))[0]["label"] == "confirmed_hate"
    assert runner.invoke(app, ["labels", "export", str(out), "--format", "xml"]).exit_code == 2
    missing = tmp_path / "nowhere" / "x.csv"
    assert runner.invoke(app, ["labels", "export", str(missing)]).exit_code == 2
    assert not missing.exists()


def test_confirmed_claim_links_export_as_stance_pairs(
    session: Session, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from detector.stance import read_pairs
    from models.enums import LinkReview, Stance
    from rebuttal import link_review
    from tests.rebuttal.conftest import claim, link

    rumour = claim(session, "Học phí đại học tăng gấp ba từ tháng 9")
    refuting = add_post(session, "Bộ bác bỏ tin học phí tăng gấp ba, đây là tin sai")
    wrong = add_post(session, "Giá điện tăng từ tháng 9")
    unreviewed = add_post(session, "Học phí tăng gấp ba thật à")
    for post in (refuting, wrong, unreviewed):
        link(session, post, rumour, "spreads")
    editor = Actor(user_id=None, role=Role.editor, username="bientap")
    link_review.review(
        session=session,
        post_id=refuting.id or 0,
        claim_id=rumour.id or 0,
        decision=LinkReview.confirmed,
        stance=Stance.refutes,
        actor=editor,
    )
    link_review.review(
        session=session,
        post_id=wrong.id or 0,
        claim_id=rumour.id or 0,
        decision=LinkReview.rejected,
        actor=editor,
    )
    session.commit()
    monkeypatch.setenv("VIGIL_DATABASE_URL", database_url)
    out = tmp_path / "stance.csv"
    result = CliRunner().invoke(app, ["labels", "export", str(out), "--format", "stance"])
    assert result.exit_code == 0, result.output
    # Only the confirmed link, in the format the claim matcher's stance model trains on.
    pairs, stances = read_pairs(out)
    assert pairs == [(rumour.text, refuting.text)] and stances == ["refutes"]
