"""Staff decisions kept as training labels for the detector.

A dismissal as a false positive and a confirmation of false or toxic content are labels
on every post of the case (latest decision per post and case wins).
"""

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from detector.service import post_text
from models.cases import Case, CasePost
from models.claims import Claim, PostClaimLink
from models.desk import FeedbackLabel
from models.enums import LinkReview
from models.errors import InvalidInput
from models.posts import Post
from models.types import utcnow
from rebuttal.actors import Actor

LABELS = ("false_positive", "confirmed_false", "confirmed_offensive", "confirmed_hate")
# The ViHSD convention the toxicity classifier trains on: 0 CLEAN, 1 OFFENSIVE, 2 HATE.
TOXICITY_LABEL_ID = {"false_positive": 0, "confirmed_offensive": 1, "confirmed_hate": 2}


def label_case(
    *,
    session: Session,
    case: Case,
    label: str,
    actor: Actor,
    post_ids: Sequence[int] | None = None,
) -> list[FeedbackLabel]:
    if label not in LABELS:
        raise InvalidInput(
            f"Nhãn không hợp lệ: {label}.", f"Unknown label: {label}.", field="label"
        )
    assert case.id is not None
    links = session.exec(
        select(CasePost).where(CasePost.case_id == case.id, CasePost.stance == "spreads")
    ).all()
    linked = [link.post_id for link in links]
    if post_ids is not None:
        outside = sorted(set(post_ids) - set(linked))
        if outside:
            raise InvalidInput(
                f"Các bài đăng {outside} không thuộc vụ việc #{case.id}.",
                f"Posts {outside} are not in case #{case.id}.",
                field="post_ids",
            )
        linked = [p for p in linked if p in set(post_ids)]
    rows = []
    for post_id in linked:
        row = session.exec(
            select(FeedbackLabel).where(
                FeedbackLabel.post_id == post_id, FeedbackLabel.case_id == case.id
            )
        ).first() or FeedbackLabel(post_id=post_id, case_id=case.id, label=label)
        row.label, row.decided_by, row.created_at = label, actor.user_id, utcnow()
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def export_labels(*, session: Session) -> list[dict[str, Any]]:
    """Every label with the post text it is about, oldest first."""
    rows = session.exec(
        select(FeedbackLabel, Post)
        .join(Post, col(Post.id) == FeedbackLabel.post_id)
        .order_by(col(FeedbackLabel.id))
    ).all()
    return [
        {
            "post_id": label.post_id,
            "case_id": label.case_id,
            "label": label.label,
            "decided_by": label.decided_by,
            "decided_at": label.created_at.isoformat(),
            "text": post.text,
            "toxicity_label_id": TOXICITY_LABEL_ID.get(label.label),
        }
        for label, post in rows
    ]


def write_toxicity_csv(*, session: Session, path: Path) -> int:
    """Toxicity decisions as ViHSD-style rows (free_text,label_id); one row per post, the
    latest decision winning. Returns the number of rows."""
    latest: dict[int, tuple[str, int]] = {}
    for row in export_labels(session=session):
        if row["toxicity_label_id"] is not None:
            latest[row["post_id"]] = (row["text"], row["toxicity_label_id"])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["free_text", "label_id"])
        for text, label_id in latest.values():
            writer.writerow([text, label_id])
    return len(latest)


def write_stance_csv(*, session: Session, path: Path) -> int:
    """Links the desk confirmed, as stance training pairs (claim_text,post_text,stance: the
    format of detector/resources/stance_train.csv), oldest review first. Rejected links are
    left out: they say the post is about another claim, not what its stance is."""
    rows = session.exec(
        select(PostClaimLink, Claim, Post)
        .join(Claim, col(Claim.id) == PostClaimLink.claim_id)
        .join(Post, col(Post.id) == PostClaimLink.post_id)
        .where(PostClaimLink.review == LinkReview.confirmed.value)
        .order_by(col(PostClaimLink.reviewed_at), col(PostClaimLink.post_id))
    ).all()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim_text", "post_text", "stance"])
        for link, claim, post in rows:
            writer.writerow([claim.text, post_text(post), link.stance])
    return len(rows)
