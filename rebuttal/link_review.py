"""Staff review of the matcher's post-to-claim links: confirm (with the right stance) or reject.

A link decides which claim's case a post joins and how much it raises the post's risk. When
the matcher is wrong (a refutation read as spreading, a post about a neighbouring claim), the
desk fixes it here, and the fix holds: the claim's cases are corrected at once, the post is
analysed and routed again under the review, and later analyses never overturn it
(:func:`detector.claims.analysis.analyse_post` reads reviews first).

A case the matcher opened on its own is left with nothing to answer once a review (a rejected
link, or a stance corrected to refuting or mentioning) takes out its last spreading post. If
nobody has started work on it (new, triaged, or reopened by the system), the system dismisses
it, saying why, so it leaves the queue; confirming the same link as spreading reopens it.
"""

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from detector.claims import service as claims_service
from detector.claims.analysis import analyse_post
from detector.service import latest_detection
from models.cases import Case, CaseEvent, CasePost
from models.claims import PostClaimLink
from models.detections import Detection
from models.enums import CaseState, LinkReview, Stance
from models.errors import InvalidInput, NotFound
from models.posts import Post
from models.types import utcnow
from rebuttal import cases as cases_service
from rebuttal.actors import SYSTEM, Actor
from rebuttal.routing import lock_routing, risk_of, route_detection
from rebuttal.workflow import record, transition

# Automatic cases nobody works on yet: emptied of spreading posts by a review, they close.
# A reopened case counts only when the system reopened it (staff reopen cases on purpose).
UNSTARTED = (CaseState.new, CaseState.triaged)
EMPTIED = "emptied_by_review"
EMPTIED_NOTE = (
    "Tự động bỏ qua: sau khi xem xét liên kết, không còn bài đăng nào lan truyền tin này. "
    "(Dismissed automatically: after a link review, no post spreads the claim.)"
)
REOPENED = "link_confirmed"
REOPENED_NOTE = (
    "Tự động mở lại: liên kết đã được xác nhận là lan truyền tin này. "
    "(Reopened automatically: the link was confirmed as spreading the claim.)"
)


def review(
    *,
    session: Session,
    post_id: int,
    claim_id: int,
    decision: LinkReview,
    actor: Actor,
    stance: Stance | None = None,
) -> PostClaimLink:
    """Record a person's decision on the link between a post and a claim and apply it.

    ``stance`` corrects the stance of a confirmed link (kept as it is when omitted); a
    rejected link takes none. Reviewing again replaces the earlier review.
    """
    # As routing does: a post routed to this claim meanwhile never joins a case this review
    # is dismissing, and two reviews of one claim's posts see each other's outcome.
    lock_routing(session, "claim", claim_id)
    link = session.get(PostClaimLink, (post_id, claim_id))
    if link is None:
        raise NotFound(
            f"Bài đăng #{post_id} không được khớp với tin #{claim_id}.",
            f"Post #{post_id} is not linked to claim #{claim_id}.",
            post_id=post_id,
            claim_id=claim_id,
        )
    if decision == LinkReview.rejected and stance is not None:
        raise InvalidInput(
            "Liên kết bị bác bỏ thì không có lập trường; chỉ ghi lập trường khi xác nhận.",
            "A rejected link has no stance; give a stance only when confirming.",
            field="stance",
        )
    link.review = decision.value
    if stance is not None:
        link.stance = stance.value
    link.reviewed_by = actor.username[:64]
    link.reviewed_at = utcnow()
    session.add(link)
    session.flush()
    if link.review == LinkReview.confirmed and link.stance == Stance.spreads:
        _reopen_emptied_case(session, link)
    _correct_claim_cases(session, link, actor)

    post = session.get(Post, post_id)
    if post is not None:
        analysis = analyse_post(session=session, post=post)
        detection = session.get(Detection, analysis.detection_id)
        if detection is not None:
            links = claims_service.links_of(session=session, post_id=post_id)
            route_detection(session=session, post=post, detection=detection, links=links)
    session.flush()
    session.refresh(link)
    return link


def _correct_claim_cases(session: Session, link: PostClaimLink, actor: Actor) -> None:
    """Take the post out of the claim's cases it no longer belongs in, or change the stance
    it is counted with there; each case records who did it."""
    rejected = link.review == LinkReview.rejected
    wanted = None if rejected or link.stance == Stance.mentions else link.stance
    rows = session.exec(
        select(CasePost, Case)
        .join(Case, col(Case.id) == CasePost.case_id)
        .where(CasePost.post_id == link.post_id, Case.claim_id == link.claim_id)
    ).all()
    for case_post, case in rows:
        if case_post.stance == wanted:
            continue
        if wanted is None:
            session.delete(case_post)
        else:
            case_post.stance = wanted
            session.add(case_post)
        session.flush()
        cases_service.recount_reach(session=session, case=case)
        if case.opened_by == "auto":
            # Routing set its risk to the highest of its spreading posts: so again, without
            # this one (a case opened by hand keeps the risk staff gave it).
            case.risk_score = _spreading_risk(session, case)
        cases_service.recompute_priority(session=session, case=case)
        session.add(case)
        record(
            session,
            case,
            actor,
            "link_rejected" if rejected else "link_corrected",
            data={
                "post_id": link.post_id,
                "claim_id": link.claim_id,
                "stance": None if rejected else link.stance,
                "reach": case.reach,
            },
        )
        if (
            case.opened_by == "auto"
            and _unstarted(session, case)
            and not _has_spreading_posts(session, case)
        ):
            transition(
                session=session,
                case=case,
                to=CaseState.dismissed,
                actor=SYSTEM,
                note=EMPTIED_NOTE,
                data={"reason": EMPTIED, "post_id": link.post_id, "claim_id": link.claim_id},
            )


def _last_event(session: Session, case: Case, kind: str | None = None) -> CaseEvent | None:
    """The case's newest event (of ``kind``, when given)."""
    query = select(CaseEvent).where(CaseEvent.case_id == case.id)
    if kind is not None:
        query = query.where(CaseEvent.kind == kind)
    return session.exec(query.order_by(col(CaseEvent.id).desc()).limit(1)).first()


def _unstarted(session: Session, case: Case) -> bool:
    if case.state in UNSTARTED:
        return True
    if case.state != CaseState.reopened:
        return False
    last_move = _last_event(session, case, "transition")
    return last_move is not None and last_move.data.get("reason") == REOPENED


def _spreading_posts(case: Case) -> SelectOfScalar[int]:
    """The ids of the posts that spread the case's claim (a statement to execute)."""
    return select(CasePost.post_id).where(
        CasePost.case_id == case.id, CasePost.stance == Stance.spreads.value
    )


def _has_spreading_posts(session: Session, case: Case) -> bool:
    return session.exec(_spreading_posts(case).limit(1)).first() is not None


def _reopen_emptied_case(session: Session, link: PostClaimLink) -> None:
    """Undo the automatic dismissal that reviewing this very link caused, when nothing has
    happened to the case since and the claim has no live case meanwhile: the post then
    rejoins the case it was in (routing)."""
    newest = session.exec(
        select(Case)
        .where(Case.claim_id == link.claim_id, col(Case.merged_into_id).is_(None))
        .order_by(col(Case.id).desc())
        .limit(1)
    ).first()
    if newest is None or newest.state != CaseState.dismissed:
        return
    last = _last_event(session, newest)
    if (
        last is not None
        and last.to_state == CaseState.dismissed.value
        and last.data.get("reason") == EMPTIED
        and last.data.get("post_id") == link.post_id
    ):
        transition(
            session=session,
            case=newest,
            to=CaseState.reopened,
            actor=SYSTEM,
            note=REOPENED_NOTE,
            data={"reason": REOPENED, "post_id": link.post_id, "claim_id": link.claim_id},
        )


def _spreading_risk(session: Session, case: Case) -> float:
    """The highest risk the detector gave the posts that spread the case's claim (0 if none)."""
    highest = 0.0
    for post_id in session.exec(_spreading_posts(case)).all():
        newest = latest_detection(session=session, post_id=post_id)
        if newest is not None:
            highest = max(highest, risk_of(newest))
    return highest
