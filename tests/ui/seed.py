"""Desk data for the browser tests, made through the same services the pages call."""

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from crawlers import posts as posts_service
from detector.service import post_text
from models.detections import Detection
from models.enums import CaseState, EvidenceKind, PostOrigin, Role, Verdict
from models.posts import PostCreate
from rebuttal import cases as cases_service
from rebuttal import partners as partners_service
from rebuttal import rebuttals as rebuttals_service
from rebuttal.actors import Actor
from rebuttal.schemas import CaseCreate, EvidenceCreate, PublishIn, RebuttalCreate
from rebuttal.workflow import Expected, transition

POST_TEXT = "KHẨN: học phí đại học tăng GẤP BA từ tháng 9, lũ quan chức ngu dốt lại ăn tiền dân!"


@dataclass
class Seeded:
    case_id: int
    title: str
    post_id: int
    rebuttal_id: int | None = None
    brief_id: int | None = None


def actor(user_id: int, role: Role) -> Actor:
    return Actor(user_id=user_id, role=role, username=f"user-{user_id}")


def new_case(engine: Engine, monitor_id: int) -> Seeded:
    """A new case with one post, a detection with an offending span, in state `new`."""
    tag = uuid.uuid4().hex[:6]
    title = f"Tin đồn học phí tăng gấp ba {tag}"
    with Session(engine, expire_on_commit=False) as session:
        post = posts_service.create(
            session=session,
            post_in=PostCreate(
                url=f"https://www.facebook.com/tinnong.demo/posts/{tag}",
                source_name="Trang Tin Nóng (thử nghiệm)",
                title="Học phí tăng gấp ba",
                text=POST_TEXT,
            ),
            origin=PostOrigin.crawl,
            engagement={"likes": 1200, "shares": 300},
        )
        assert post.id is not None
        # Offsets into what the detector reads: the title, a newline, then the text.
        start = post_text(post).index("lũ quan chức ngu dốt")
        session.add(
            Detection(
                post_id=post.id,
                model_name="toxicity",
                model_version="test",
                toxicity_label="OFFENSIVE",
                toxicity_probs={"CLEAN": 0.1, "OFFENSIVE": 0.8, "HATE": 0.1},
                spans=[{"start": start, "end": start + len("lũ quan chức ngu dốt"), "score": 0.9}],
                explanation=[{"ngram": "ngu dốt", "weight": 1.7}],
                risk_score=0.82,
                risk_reasons=["ngôn từ xúc phạm (0,80)"],
            )
        )
        case = cases_service.create(
            session=session,
            case_in=CaseCreate(title=title, topic="giao_duc", post_ids=[post.id], risk_score=0.8),
            actor=actor(monitor_id, Role.monitor),
        )
        session.commit()
        assert case.id is not None
        return Seeded(case_id=case.id, title=title, post_id=post.id)


def triaged_case(engine: Engine, monitor_id: int) -> Seeded:
    seeded = new_case(engine, monitor_id)
    with Session(engine, expire_on_commit=False) as session:
        case = cases_service.get(session=session, case_id=seeded.case_id)
        transition(
            session=session,
            case=case,
            to=CaseState.triaged,
            actor=actor(monitor_id, Role.monitor),
            expected=Expected(case.version),
        )
        session.commit()
    return seeded


def rebuttal_in_review(engine: Engine, monitor_id: int, editor_id: int) -> Seeded:
    seeded = triaged_case(engine, monitor_id)
    editor = actor(editor_id, Role.editor)
    with Session(engine, expire_on_commit=False) as session:
        row = rebuttals_service.create(
            session=session,
            case_id=seeded.case_id,
            rebuttal_in=RebuttalCreate(
                verdict=Verdict.tin_sai_su_that,
                summary="Học phí đại học công lập không tăng gấp ba; mức trần giữ ổn định.",
                body="Bộ Giáo dục và Đào tạo khẳng định thông tin trên là sai sự thật.",
                key_facts=["Mức trần học phí giữ ổn định theo nghị định hiện hành"],
            ),
            actor=editor,
        )
        assert row.id is not None
        rebuttals_service.add_evidence(
            session=session,
            rebuttal_id=row.id,
            evidence_in=EvidenceCreate(
                kind=EvidenceKind.url,
                title="Thông cáo báo chí của Bộ GD-ĐT",
                url="https://moet.example.gov.vn/thong-cao",
            ),
            actor=editor,
        )
        rebuttals_service.submit(
            session=session, rebuttal_id=row.id, actor=editor, expected=None, note=None
        )
        session.commit()
        seeded.rebuttal_id = row.id
    return seeded


def published_brief(
    engine: Engine, monitor_id: int, editor_id: int, approver_id: int, partner_id: int
) -> Seeded:
    seeded = rebuttal_in_review(engine, monitor_id, editor_id)
    assert seeded.rebuttal_id is not None
    with Session(engine, expire_on_commit=False) as session:
        _, brief = rebuttals_service.publish(
            session=session,
            rebuttal_id=seeded.rebuttal_id,
            publish_in=PublishIn(
                suggested_wording="Đề nghị quý báo đăng tải thông tin chính thức.",
                partner_ids=[partner_id],
            ),
            actor=actor(approver_id, Role.approver),
        )
        session.commit()
        seeded.brief_id = brief.id
    return seeded


def partner(engine: Engine, topics: tuple[str, ...] = ("giao_duc",)) -> int:
    with Session(engine, expire_on_commit=False) as session:
        row = partners_service.create(
            session=session, name=f"Báo Thử Nghiệm {uuid.uuid4().hex[:6]}", topics=topics
        )
        session.commit()
        assert row.id is not None
        return row.id
