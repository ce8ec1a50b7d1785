"""Helpers shared by the desk API tests: staff logins, posts and cases made directly."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session

from api.security import create_access_token
from api.settings import ApiSettings
from crawlers.posts import content_hash
from models.cases import Case, CasePost
from models.enums import CaseState, EvidenceKind, PostOrigin, Role, Verdict
from models.posts import Post
from models.types import utcnow
from models.users import User


@dataclass
class Staff:
    id: int
    username: str
    role: Role
    headers: dict[str, str]


def make_staff(engine: Engine, settings: ApiSettings, role: Role) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        user = User(username=f"{role.value}-{uuid.uuid4().hex[:8]}", role=role, password_hash="!")
        session.add(user)
        session.commit()
    assert user.id is not None
    token = create_access_token(settings=settings, user_id=user.id, role=role)
    return Staff(user.id, user.username, role, {"Authorization": f"Bearer {token}"})


def change_case_behind_the_orms_back(engine: Engine, case_id: int | None, **values: Any) -> None:
    """A bare-connection UPDATE, as another process or a database console would write: no ORM
    event of this process sees it."""
    with engine.begin() as connection:
        connection.execute(update(Case).where(Case.id == case_id).values(**values))  # type: ignore[arg-type]


def seed_case(
    engine: Engine,
    *,
    state: CaseState = CaseState.new,
    posts: int = 1,
    sla_in: timedelta = timedelta(hours=24),
    detected: datetime | None = None,
    **extra: Any,
) -> Case:
    reach = extra.pop("reach", None)
    with Session(engine, expire_on_commit=False) as session:
        detected = detected or utcnow()
        case = Case(
            title=extra.pop("title", "Tin đồn học phí tăng gấp ba"),
            state=state,
            first_detected_at=detected,
            sla_due_at=detected + sla_in,
            **extra,
        )
        session.add(case)
        session.flush()
        assert case.id is not None
        for i in range(posts):
            url = f"https://example.vn/{uuid.uuid4().hex}"
            text = f"Học phí tăng gấp ba {i} {uuid.uuid4().hex}"
            post = Post(
                url=url,
                canonical_url=url,
                source_name="Trang thử",
                title=f"Bài {i}",
                text=text,
                content_hash=content_hash(text),
                origin=PostOrigin.crawl,
            )
            session.add(post)
            session.flush()
            assert post.id is not None
            session.add(CasePost(case_id=case.id, post_id=post.id, reach=10))
        case.reach = 10 * posts if reach is None else reach
        session.commit()
        return case


StaffFactory = Callable[[Role], Staff]


def publish_brief(
    engine: Engine,
    *,
    topic: str = "giao_duc",
    verdict: str = "tin_sai_su_that",
    partner_ids: tuple[int, ...] = (),
) -> tuple[int, int, int]:
    """A case taken through draft, review and publication: (case id, rebuttal id, brief id)."""
    from rebuttal import rebuttals as rebuttals_service
    from rebuttal.actors import Actor
    from rebuttal.schemas import EvidenceCreate, PublishIn, RebuttalCreate

    case = seed_case(engine, state=CaseState.triaged, topic=topic)
    with Session(engine, expire_on_commit=False) as session:
        users = {}
        for role in (Role.editor, Role.approver):
            user = User(
                username=f"{role.value}-{uuid.uuid4().hex[:8]}", role=role, password_hash="!"
            )
            session.add(user)
            session.flush()
            users[role] = Actor(user_id=user.id, role=role, username=user.username)
        assert case.id is not None
        row = rebuttals_service.create(
            session=session,
            case_id=case.id,
            rebuttal_in=RebuttalCreate(
                verdict=Verdict(verdict),
                summary="Học phí không tăng gấp ba",
                body="Bộ GD-ĐT khẳng định mức trần học phí chỉ tăng theo lộ trình.",
                key_facts=["Mức tăng tối đa 10%/năm"],
            ),
            actor=users[Role.editor],
        )
        assert row.id is not None
        rebuttals_service.add_evidence(
            session=session,
            rebuttal_id=row.id,
            evidence_in=EvidenceCreate(
                kind=EvidenceKind.authority_confirmation,
                title="Xác nhận của Bộ GD-ĐT",
                url="https://moet.gov.vn/xac-nhan",
                authority="Bộ Giáo dục và Đào tạo",
                confirmed_by="Vụ Tài chính",
                confirmed_at=utcnow() - timedelta(hours=1),
            ),
            actor=users[Role.editor],
        )
        rebuttals_service.submit(
            session=session,
            rebuttal_id=row.id,
            actor=users[Role.editor],
            expected=None,
            note=None,
        )
        _, brief = rebuttals_service.publish(
            session=session,
            rebuttal_id=row.id,
            publish_in=PublishIn(partner_ids=list(partner_ids)),
            actor=users[Role.approver],
            expected=None,
        )
        session.commit()
        assert brief.id is not None
        return case.id, row.id, brief.id
