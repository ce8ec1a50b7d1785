"""Loads the demo data set so a newcomer sees a populated service."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from api import demo_data
from crawlers import posts as posts_service
from crawlers.posts import content_hash
from models.cases import Case, CaseEvent
from models.claims import Claim
from models.crawl import Source
from models.enums import CaseState, PostOrigin, Role, SourceKind
from models.posts import PostCreate
from models.types import utcnow
from models.users import User, UserCreate
from rebuttal import partners as partners_service
from rebuttal import users as users_service


def load_demo(engine: Engine, *, force: bool = False) -> list[str]:
    """Insert the demo set; skip whatever is already there, so running twice is harmless."""
    with Session(engine, expire_on_commit=False) as session:
        already = session.exec(select(User).where(User.username == "admin")).first()
        if already is not None and not force:
            return _logins("Demo data already loaded.")
        now = utcnow()
        for username, full_name, role in demo_data.USERS:
            if users_service.get_by_username(session=session, username=username) is None:
                users_service.create(
                    session=session,
                    user_in=UserCreate(
                        username=username,
                        full_name=full_name,
                        role=Role(role),
                        password=demo_data.DEMO_PASSWORD,
                    ),
                )
        for index, (name, email, topics) in enumerate(demo_data.PARTNERS, start=1):
            partner = next(
                (p for p in partners_service.list(session=session) if p.name == name), None
            ) or partners_service.create(
                session=session, name=name, contact_email=email, topics=topics
            )
            username = f"doitac{index}"
            if users_service.get_by_username(session=session, username=username) is None:
                users_service.create(
                    session=session,
                    user_in=UserCreate(
                        username=username,
                        full_name=name,
                        role=Role.partner,
                        partner_id=partner.id,
                        password=demo_data.DEMO_PASSWORD,
                    ),
                )
        for name, kind, url, weight in demo_data.SOURCES:
            if session.exec(select(Source).where(Source.name == name)).first() is None:
                session.add(Source(name=name, kind=SourceKind(kind), url=url, weight=weight))
        for url, source_name, title, text, hours_ago, likes, comments, shares in demo_data.POSTS:
            if posts_service.get_by_url(session=session, url=url) is not None:
                continue
            posts_service.create(
                session=session,
                post_in=PostCreate(
                    url=url,
                    source_name=source_name,
                    title=title,
                    text=text,
                    published_at=now - timedelta(hours=hours_ago),
                ),
                origin=PostOrigin.crawl,
                engagement={"likes": likes, "comments": comments, "shares": shares},
            )
        claims: dict[str, Claim] = {}
        for external_id, text, verdict, topic in demo_data.CLAIMS:
            claim = session.exec(
                select(Claim).where(Claim.origin == "demo", Claim.external_id == external_id)
            ).first()
            if claim is None:
                claim = Claim(
                    text=text,
                    text_hash=content_hash(text),
                    verdict=verdict,
                    origin="demo",
                    external_id=external_id,
                    topics=[topic],
                )
                session.add(claim)
                session.flush()
            claims[external_id] = claim
        if session.exec(select(Case)).first() is None:
            # Cases start empty: routing below attaches the posts that spread each claim
            # and computes reach and priority, exactly as for crawled posts.
            for title, claim_key, state, topic, due_hours in demo_data.CASES:
                case = Case(
                    title=title,
                    state=CaseState(state),
                    topic=topic,
                    claim_id=claims[claim_key].id,
                    opened_by="auto",
                    first_detected_at=now - timedelta(hours=24 - due_hours),
                    sla_due_at=now + timedelta(hours=due_hours),
                )
                session.add(case)
                session.flush()
                assert case.id is not None
                session.add(
                    CaseEvent(
                        case_id=case.id,
                        kind="opened",
                        to_state=CaseState.new,
                        note="Mở tự động từ phát hiện (dữ liệu demo)",
                    )
                )
                if state != CaseState.new:
                    session.add(
                        CaseEvent(
                            case_id=case.id,
                            kind="transition",
                            from_state=CaseState.new,
                            to_state=state,
                            note="Dữ liệu demo",
                        )
                    )
        session.commit()
    # The same path crawled posts take: detections, claim links, risk and the queue.
    from api.jobs import detect_and_route

    counts = detect_and_route(engine=engine)
    return _logins(
        f"Demo data loaded; {counts['detected']} posts analysed, {counts['routed']} routed "
        "to the queue."
    )


def _logins(headline: str) -> list[str]:
    lines = [headline, f"Demo logins (password: {demo_data.DEMO_PASSWORD}):"]
    lines += [f"  {username:10} {role}" for username, _, role in demo_data.USERS]
    lines += [f"  doitac{i:<4}  partner" for i in range(1, len(demo_data.PARTNERS) + 1)]
    return lines
