"""Staff review of post-to-claim links: a rejected link leaves the claim's case, a corrected
stance moves the post's reach, and re-analysing the post never overturns the review.
The post is analysed again with the shipped models, as the service does."""

import pytest
from sqlmodel import Session, col, select

from detector.claims import service as claims_service
from detector.claims.analysis import analyse_post
from models.cases import Case, CaseEvent, CasePost
from models.claims import Claim, PostClaimLink
from models.detections import Detection
from models.enums import CaseState, LinkReview, Role, Stance
from models.errors import InvalidInput, NotFound
from models.posts import Post
from rebuttal import link_review
from rebuttal.actors import SYSTEM, Actor
from rebuttal.workflow import record, transition
from tests.rebuttal.conftest import Route, add_case, add_post, claim, link

EDITOR = Actor(user_id=None, role=Role.editor, username="bientap")
RUMOUR = "Học phí đại học tăng gấp ba từ tháng 9 năm nay"
REFUTATION = (
    "Bộ Giáo dục và Đào tạo bác bỏ thông tin học phí đại học tăng gấp ba từ tháng 9, "
    "đây là tin sai sự thật."
)


def spreading_case(session: Session, route: Route) -> tuple[Claim, Post, Case]:
    rumour = claim(session, RUMOUR)
    first = add_post(
        session, "Nghe nói học phí đại học sắp tăng gấp ba từ tháng 9", engagement={"shares": 500}
    )
    case = route(first, 0.8, [link(session, first, rumour, "spreads")])
    assert case is not None
    return rumour, first, case


def case_posts(session: Session, case: Case) -> dict[int, str]:
    rows = session.exec(select(CasePost).where(CasePost.case_id == case.id)).all()
    return {row.post_id: row.stance for row in rows}


def events(session: Session, case: Case) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
    return list(session.exec(query).all())


def reject(session: Session, post: Post, rumour: Claim) -> PostClaimLink:
    return review(session, post, rumour, LinkReview.rejected)


def confirm(
    session: Session, post: Post, rumour: Claim, stance: Stance | None = None
) -> PostClaimLink:
    return review(session, post, rumour, LinkReview.confirmed, stance)


def review(
    session: Session,
    post: Post,
    rumour: Claim,
    decision: LinkReview,
    stance: Stance | None = None,
) -> PostClaimLink:
    reviewed = link_review.review(
        session=session,
        post_id=post.id or 0,
        claim_id=rumour.id or 0,
        decision=decision,
        stance=stance,
        actor=EDITOR,
    )
    session.commit()
    return reviewed


def test_rejecting_a_false_link_takes_the_post_out_of_the_claim_case(
    session: Session, route: Route
) -> None:
    rumour, first, case = spreading_case(session, route)
    # The matcher read a refutation as spreading: it joined the case and its reach counted.
    wrong = add_post(session, REFUTATION, engagement={"shares": 2000})
    route(wrong, 0.95, [link(session, wrong, rumour, "spreads")])
    assert case_posts(session, case) == {first.id: "spreads", wrong.id: "spreads"}
    assert (case.reach, case.risk_score) == (2500, 0.95)
    priority = case.priority

    reviewed = reject(session, wrong, rumour)
    assert (reviewed.review, reviewed.reviewed_by) == ("rejected", "bientap")
    assert reviewed.reviewed_at is not None
    session.refresh(case)
    assert case_posts(session, case) == {first.id: "spreads"} and case.reach == 500
    # Its risk is again that of the posts that do spread the claim, and so is its priority.
    assert case.risk_score == 0.8 and case.priority < priority
    last = events(session, case)[-1]
    assert last.kind == "link_rejected" and last.data["post_id"] == wrong.id
    assert claims_service.links_of(session=session, post_id=wrong.id or 0) == []
    assert claims_service.refutation_reach(session=session, claim_id=rumour.id or 0) == 0
    detection = session.exec(
        select(Detection).where(Detection.post_id == wrong.id).order_by(col(Detection.id).desc())
    ).first()
    assert detection is not None and detection.matched_claim_id != rumour.id

    # Analysing the post again never brings the rejected link back.
    again = analyse_post(session=session, post=wrong)
    session.commit()
    assert again.match is None or again.match.claim.id != rumour.id
    stored = session.get(PostClaimLink, (wrong.id, rumour.id))
    assert stored is not None and stored.review == "rejected"
    assert case_posts(session, case) == {first.id: "spreads"}


def test_a_corrected_stance_moves_the_reach_to_the_rebuttal_and_holds(
    session: Session, route: Route
) -> None:
    rumour, first, case = spreading_case(session, route)
    wrong = add_post(session, REFUTATION, engagement={"shares": 2000})
    route(wrong, 0.7, [link(session, wrong, rumour, "spreads")])

    reviewed = confirm(session, wrong, rumour, Stance.refutes)
    assert (reviewed.review, reviewed.stance) == ("confirmed", "refutes")
    session.refresh(case)
    assert case_posts(session, case) == {first.id: "spreads", wrong.id: "refutes"}
    assert (case.reach, case.refute_reach) == (500, 2000)
    assert events(session, case)[-1].kind == "link_corrected"
    assert claims_service.refutation_reach(session=session, claim_id=rumour.id or 0) == 1

    # Re-analysis keeps the person's stance, whatever the model would say.
    again = analyse_post(session=session, post=wrong)
    session.commit()
    assert again.match is not None and again.match.claim.id == rumour.id
    assert again.match.stance == "refutes" and not again.opens_case
    assert again.risk.components["claim"] == 0.0
    stored = session.get(PostClaimLink, (wrong.id, rumour.id))
    assert stored is not None and (stored.stance, stored.review) == ("refutes", "confirmed")


def test_a_rejection_can_be_undone_by_confirming(session: Session, route: Route) -> None:
    rumour, first, case = spreading_case(session, route)
    claim_id = rumour.id or 0
    reject(session, first, rumour)
    session.refresh(case)
    assert case_posts(session, case) == {} and case.reach == 0
    # Nothing left to answer and nobody on it: the system took it out of the queue.
    assert case.state == CaseState.dismissed and case.dismiss_reason == link_review.EMPTIED_NOTE
    dismissal = events(session, case)[-1]
    assert (dismissal.kind, dismissal.to_state, dismissal.actor_id) == (
        "transition",
        "dismissed",
        None,
    )

    confirm(session, first, rumour)
    session.refresh(case)
    # Confirmed as spreading, it reopens the case its rejection emptied and rejoins it (once).
    assert case.state == CaseState.reopened and case.dismiss_reason is None
    assert case_posts(session, case) == {first.id: "spreads"} and case.reach == 500
    assert session.exec(select(Case).where(Case.claim_id == claim_id)).all() == [case]
    again = analyse_post(session=session, post=first)
    assert again.match is not None and again.match.auto_linked
    assert again.match.stance == "spreads"


def test_bad_reviews_are_refused_and_change_nothing(session: Session, route: Route) -> None:
    rumour, first, case = spreading_case(session, route)
    with pytest.raises(NotFound):
        link_review.review(
            session=session,
            post_id=first.id or 0,
            claim_id=(rumour.id or 0) + 1000,
            decision=LinkReview.rejected,
            actor=EDITOR,
        )
    with pytest.raises(InvalidInput) as refused:
        link_review.review(
            session=session,
            post_id=first.id or 0,
            claim_id=rumour.id or 0,
            decision=LinkReview.rejected,
            stance=Stance.refutes,
            actor=EDITOR,
        )
    assert refused.value.details["field"] == "stance"
    stored = session.get(PostClaimLink, (first.id, rumour.id))
    assert stored is not None and (stored.review, stored.stance) == (None, "spreads")
    assert case_posts(session, case) == {first.id: "spreads"}


def test_a_case_opened_by_hand_keeps_the_risk_staff_gave_it_and_stays_open(
    session: Session,
) -> None:
    rumour = claim(session, RUMOUR)
    post = add_post(session, REFUTATION, engagement={"shares": 40})
    link(session, post, rumour, "spreads")
    case = add_case(session, claim_id=rumour.id, risk_score=0.9, opened_by="user")
    session.add(CasePost(case_id=case.id or 0, post_id=post.id or 0, reach=40))
    session.flush()
    reject(session, post, rumour)
    session.refresh(case)
    assert case_posts(session, case) == {} and case.risk_score == 0.9
    assert case.state == CaseState.new  # emptied, but staff opened it: theirs to close


def test_a_case_still_spread_by_other_posts_stays_open(session: Session, route: Route) -> None:
    rumour, first, case = spreading_case(session, route)
    wrong = add_post(session, REFUTATION, engagement={"shares": 2000})
    route(wrong, 0.95, [link(session, wrong, rumour, "spreads")])
    reject(session, wrong, rumour)
    session.refresh(case)
    assert case.state == CaseState.new and case_posts(session, case) == {first.id: "spreads"}


@pytest.mark.parametrize("state", [CaseState.in_progress, CaseState.in_review])
def test_an_emptied_case_someone_works_on_is_left_to_them(
    session: Session, route: Route, state: CaseState
) -> None:
    rumour, first, case = spreading_case(session, route)
    case.state = state
    session.add(case)
    session.commit()
    reject(session, first, rumour)
    session.refresh(case)
    assert case.state == state and case_posts(session, case) == {}
    assert events(session, case)[-1].kind == "link_rejected"


def test_confirming_another_post_does_not_reopen_a_case_emptied_by_a_rejection(
    session: Session, route: Route
) -> None:
    # The dismissal is undone only by confirming the link whose rejection caused it; another
    # post spreading the claim later starts a fresh case, as any new wave does.
    rumour, first, case = spreading_case(session, route)
    reject(session, first, rumour)
    later = add_post(session, "Học phí đại học tăng gấp ba thật rồi, chia sẻ cho mọi người")
    link(session, later, rumour, "spreads")
    confirm(session, later, rumour)
    session.refresh(case)
    assert case.state == CaseState.dismissed and case_posts(session, case) == {}


def test_a_triaged_case_emptied_by_a_rejection_is_dismissed(session: Session, route: Route) -> None:
    rumour, first, case = spreading_case(session, route)
    transition(session=session, case=case, to=CaseState.triaged, actor=SYSTEM)
    session.commit()
    reject(session, first, rumour)
    session.refresh(case)
    assert case.state == CaseState.dismissed


def test_a_stance_correction_that_leaves_no_spreading_post_dismisses_and_can_be_undone(
    session: Session, route: Route
) -> None:
    rumour, first, case = spreading_case(session, route)
    confirm(session, first, rumour, Stance.refutes)  # it was a refutation after all
    session.refresh(case)
    assert case_posts(session, case) == {first.id: "refutes"}
    assert case.state == CaseState.dismissed and case.dismiss_reason == link_review.EMPTIED_NOTE

    confirm(session, first, rumour, Stance.spreads)  # no: it does spread the rumour
    session.refresh(case)
    assert case.state == CaseState.reopened
    assert case_posts(session, case) == {first.id: "spreads"}


def test_a_case_the_system_reopened_is_dismissed_again_but_not_one_staff_reopened(
    session: Session, route: Route
) -> None:
    rumour, first, case = spreading_case(session, route)
    reject(session, first, rumour)
    confirm(session, first, rumour)
    session.refresh(case)
    assert case.state == CaseState.reopened
    reject(session, first, rumour)  # the system's reopening was undone: out of the queue
    session.refresh(case)
    assert case.state == CaseState.dismissed

    monitor = Actor(user_id=None, role=Role.monitor, username="giamsat")
    transition(session=session, case=case, to=CaseState.reopened, actor=monitor, note="Xem lại")
    session.commit()
    confirm(session, first, rumour)
    reject(session, first, rumour)  # staff reopened it on purpose: it stays for them
    session.refresh(case)
    assert case.state == CaseState.reopened and case_posts(session, case) == {}


def test_a_dismissal_someone_acted_on_since_is_not_undone(session: Session, route: Route) -> None:
    rumour, first, case = spreading_case(session, route)
    reject(session, first, rumour)
    record(session, case, EDITOR, "comment", note="Đã kiểm tra, đúng là không liên quan.")
    session.commit()
    confirm(session, first, rumour)
    session.refresh(case)
    assert case.state == CaseState.dismissed and case_posts(session, case) == {}
