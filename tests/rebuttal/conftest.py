"""Fixtures for desk services: staff actors, posts and cases created directly."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from crawlers.posts import content_hash
from models.cases import Case
from models.claims import Claim, PostClaimLink
from models.detections import Detection
from models.enums import CaseState, PostOrigin, Role
from models.posts import Post
from models.types import utcnow
from models.users import User
from rebuttal.actors import Actor
from rebuttal.routing import route_detection
from rebuttal.settings import DeskSettings


def add_user(session: Session, role: Role, partner_id: int | None = None) -> User:
    # No password: service tests never log in, and hashing would make them slow.
    user = User(
        username=f"{role.value}-{uuid.uuid4().hex[:8]}",
        role=role,
        partner_id=partner_id,
        password_hash="!",
    )
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def actor(session: Session) -> Callable[[Role], Actor]:
    """A staff actor stored through the test's own session (no lock between two sessions)."""

    def make(role: Role) -> Actor:
        user = add_user(session, role)
        return Actor(user_id=user.id, role=role, username=user.username)

    return make


def add_post(session: Session, text: str = "Học phí tăng gấp ba", **extra: Any) -> Post:
    url = extra.pop("url", f"https://example.vn/{uuid.uuid4().hex}")
    post = Post(
        url=url,
        canonical_url=url,
        source_name=extra.pop("source_name", "Trang thử"),
        text=text,
        content_hash=content_hash(text),
        origin=PostOrigin.crawl,
        **extra,
    )
    session.add(post)
    session.flush()
    return post


def add_case(session: Session, state: CaseState = CaseState.new, **extra: Any) -> Case:
    now = utcnow()
    case = Case(
        title=extra.pop("title", "Tin đồn học phí"),
        state=state,
        sla_due_at=extra.pop("sla_due_at", now + timedelta(hours=24)),
        **extra,
    )
    session.add(case)
    session.flush()
    return case


@pytest.fixture
def make_case(engine: Engine) -> Callable[..., Case]:
    def make(state: CaseState = CaseState.new, **extra: Any) -> Case:
        with Session(engine, expire_on_commit=False) as session:
            case = add_case(session, state, **extra)
            session.commit()
            return case

    return make


# -- routing: claims, detections, links and the route fixture -------------------------

SETTINGS = DeskSettings(default_threshold=0.6, default_sla_hours=24)


def claim(session: Session, text: str = "Học phí đại học tăng gấp ba từ tháng 9") -> Claim:
    row = Claim(text=text, text_hash=content_hash(text), verdict="tin_gia", topics=["giao_duc"])
    session.add(row)
    session.flush()
    return row


def detect(
    session: Session,
    post: Post,
    risk: float | None,
    topics: tuple[str, ...] = ("giao_duc",),
    **extra: Any,
) -> Detection:
    row = Detection(
        post_id=post.id or 0,
        model_name="test",
        model_version="1",
        risk_score=risk,
        risk_reasons=["khớp nhận định sai"],
        topics=list(topics),
        **extra,
    )
    session.add(row)
    session.flush()
    return row


def link(
    session: Session, post: Post, target: Claim, stance: str, similarity: float = 0.9
) -> PostClaimLink:
    row = PostClaimLink(
        post_id=post.id or 0, claim_id=target.id or 0, similarity=similarity, stance=stance
    )
    session.add(row)
    session.flush()
    return row


Route = Callable[..., Case | None]


@pytest.fixture
def route(session: Session) -> Route:
    def run(
        post: Post, risk: float | None, links: list[PostClaimLink], **extra: Any
    ) -> Case | None:
        detection = detect(session, post, risk, **extra)
        return route_detection(
            session=session, post=post, detection=detection, links=links, settings=SETTINGS
        )

    return run
