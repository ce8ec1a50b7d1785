"""Helpers shared by the desk API tests: staff logins, posts and cases made directly."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from api.security import create_access_token
from api.settings import ApiSettings
from crawlers.posts import content_hash
from models.cases import Case, CasePost
from models.enums import CaseState, PostOrigin, Role
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
