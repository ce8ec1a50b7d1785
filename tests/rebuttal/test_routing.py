"""Routing detections into cases: one case per claim or cluster, reach, refutations,
per-topic thresholds and SLA, idempotence."""

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session, select

from models.cases import Case, CaseEvent, CasePost
from models.enums import CaseState, Role
from models.posts import PostCluster
from rebuttal import policies
from rebuttal.actors import Actor
from rebuttal.workflow import transition
from tests.rebuttal.conftest import Route, add_post, claim, link


def cases(session: Session) -> list[Case]:
    return list(session.exec(select(Case)).all())


def test_posts_spreading_a_claim_share_one_case(session: Session, route: Route) -> None:
    rumour = claim(session)
    first = add_post(session, engagement={"shares": 100, "likes": 400})
    case = route(first, 0.8, [link(session, first, rumour, "spreads")])
    assert case is not None and case.claim_id == rumour.id and case.opened_by == "auto"
    assert (case.state, case.reach, case.topic) == (CaseState.new, 500, "giao_duc")
    assert case.sla_due_at - case.first_detected_at == timedelta(hours=24)
    assert case.priority > 0 and case.priority_reasons
    second = add_post(session, engagement={"views": 10_000})
    # Even a low-risk post that repeats the claim joins its open case.
    joined = route(second, 0.3, [link(session, second, rumour, "spreads")])
    assert joined is not None and joined.id == case.id
    assert case.reach == 10_500 and case.risk_score == 0.8
    assert len(cases(session)) == 1
    kinds = session.exec(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert kinds == ["opened", "post_joined"]


def test_routing_the_same_post_twice_changes_nothing(session: Session, route: Route) -> None:
    rumour = claim(session)
    post = add_post(session, engagement={"likes": 50})
    links = [link(session, post, rumour, "spreads")]
    case = route(post, 0.9, links)
    again = route(post, 0.9, links)
    assert again is not None and case is not None and again.id == case.id
    assert case.reach == 50 and len(session.exec(select(CasePost)).all()) == 1
    toxic = add_post(session)
    toxic_case = route(toxic, 0.95, [])
    assert route(toxic, 0.95, []) is toxic_case
    assert len(cases(session)) == 2


def test_refuting_posts_count_toward_the_rebuttal(session: Session, route: Route) -> None:
    rumour = claim(session)
    spreader = add_post(session, engagement={"views": 1000})
    case = route(spreader, 0.9, [link(session, spreader, rumour, "spreads")])
    refuter = add_post(session, engagement={"views": 300})
    assert route(refuter, 0.1, [link(session, refuter, rumour, "refutes")]) is None
    assert case is not None and (case.reach, case.refute_reach) == (1000, 300)
    stances = session.exec(select(CasePost.stance).order_by(CasePost.stance)).all()
    assert stances == ["refutes", "spreads"]
    lonely = claim(session, "Xăng sẽ tăng lên 50.000 đồng")
    other = add_post(session)
    # A refutation of a claim nobody is working on opens nothing...
    assert route(other, 0.2, [link(session, other, lonely, "refutes")]) is None
    mention = add_post(session)
    assert route(mention, 0.2, [link(session, mention, lonely, "mentions")]) is None
    assert len(cases(session)) == 1
    # ...unless the detector finds it risky for another reason (toxic speech): then it is
    # routed like any risky post without a claim, never into the claim's case.
    toxic = add_post(session)
    toxic_case = route(toxic, 0.9, [link(session, toxic, rumour, "refutes")])
    assert toxic_case is not None and toxic_case.claim_id is None and toxic_case.id != case.id


def test_risky_posts_without_a_claim_group_by_cluster(session: Session, route: Route) -> None:
    cluster, other_cluster = PostCluster(), PostCluster()
    session.add_all([cluster, other_cluster])
    session.flush()
    a = add_post(session, cluster_id=cluster.id)
    b = add_post(session, cluster_id=cluster.id)
    c = add_post(session, cluster_id=other_cluster.id)
    first = route(a, None, [], toxicity_probs={"HATE": 0.7, "OFFENSIVE": 0.2, "CLEAN": 0.1})
    assert first is not None and first.cluster_id == cluster.id and first.claim_id is None
    assert route(b, 0.7, []) is first and first.reach == 2
    third = route(c, 0.7, [])
    assert third is not None and third.id != first.id
    assert route(add_post(session, cluster_id=cluster.id), 0.1, []) is None


def test_threshold_and_sla_per_topic(session: Session, route: Route) -> None:
    policies.upsert(session=session, topic="y_te", threshold=0.3, sla_hours=6, weight=2.0)
    calm = add_post(session)
    assert route(calm, 0.4, [], topics=("giao_duc",)) is None
    health = add_post(session)
    case = route(health, 0.4, [], topics=("y_te", "giao_duc"))
    assert case is not None and case.topic == "y_te"
    assert case.sla_due_at - case.first_detected_at == timedelta(hours=6)
    assert any("×2" in reason for reason in case.priority_reasons)


def test_a_dismissed_claim_case_is_not_rejoined(
    session: Session, route: Route, actor: Callable[[Role], Actor]
) -> None:
    rumour = claim(session)
    first = add_post(session)
    case = route(first, 0.9, [link(session, first, rumour, "spreads")])
    assert case is not None
    transition(
        session=session, case=case, to=CaseState.dismissed, actor=actor(Role.monitor), note="Cũ"
    )
    later = add_post(session)
    fresh = route(later, 0.9, [link(session, later, rumour, "spreads")])
    assert fresh is not None and fresh.id != case.id and fresh.state == CaseState.new
    quiet = add_post(session)
    case.state = CaseState.dismissed
    assert route(quiet, 0.2, [link(session, quiet, claim(session, "Khác"), "spreads")]) is None


def test_sla_breaches_are_flagged_once(session: Session, route: Route) -> None:
    from sqlalchemy import Engine

    from rebuttal.sla import run_sla_check

    post = add_post(session)
    case = route(post, 0.9, [])
    assert case is not None
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    assert run_sla_check(engine=engine) == {"newly_breached": 0}
    later = case.sla_due_at + timedelta(minutes=1)
    assert run_sla_check(engine=engine, now=later) == {"newly_breached": 1}
    assert run_sla_check(engine=engine, now=later) == {"newly_breached": 0}
    events = session.exec(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert events.count("sla_breached") == 1


def test_priorities_decay_but_manual_ones_stay(session: Session, route: Route) -> None:
    from sqlalchemy import Engine

    from rebuttal.sla import refresh_priorities

    fresh = route(add_post(session), 0.9, [])
    manual = route(add_post(session), 0.9, [])
    assert fresh is not None and manual is not None
    manual.priority, manual.priority_manual = 99.0, True
    session.add(manual)
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    before = fresh.priority
    result = refresh_priorities(engine=engine, now=fresh.first_detected_at + timedelta(days=2))
    assert result == {"open_cases": 1, "updated": 1}
    session.refresh(fresh)
    session.refresh(manual)
    assert fresh.priority < before and any("48 giờ" in r for r in fresh.priority_reasons)
    assert manual.priority == 99.0
