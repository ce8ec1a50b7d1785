"""Staff review of the matcher's post-to-claim links: confirm (with the right stance) or reject.

A link decides which claim's case a post joins and how much it raises the post's risk. When
the matcher is wrong (a refutation read as spreading, a post about a neighbouring claim), the
desk fixes it here, and the fix holds: the claim's cases are corrected at once, the post is
analysed and routed again under the review, and later analyses never overturn it
(:func:`detector.claims.analysis.analyse_post` reads reviews first).
"""

from sqlmodel import Session, col, select

from detector.claims import service as claims_service
from detector.claims.analysis import analyse_post
from detector.service import latest_detection
from models.cases import Case, CasePost
from models.claims import PostClaimLink
from models.detections import Detection
from models.enums import LinkReview, Stance
from models.errors import InvalidInput, NotFound
from models.posts import Post
from models.types import utcnow
from rebuttal import cases as cases_service
from rebuttal.actors import Actor
from rebuttal.routing import risk_of, route_detection
from rebuttal.workflow import record


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


def _spreading_risk(session: Session, case: Case) -> float:
    """The highest risk the detector gave the posts that spread the case's claim (0 if none)."""
    highest = 0.0
    spreading = select(CasePost.post_id).where(
        CasePost.case_id == case.id, CasePost.stance == Stance.spreads.value
    )
    for post_id in session.exec(spreading).all():
        newest = latest_detection(session=session, post_id=post_id)
        if newest is not None:
            highest = max(highest, risk_of(newest))
    return highest
