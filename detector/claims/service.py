"""Known claims and post–claim links in the database.

A claim is stored once: its ``text_hash`` is the hash of its match key (so the same claim with
other spelling, diacritics or spacing is the same row), and ``(origin, external_id)`` is unique
(the same fact-check imported twice is found by its id even if the publisher edited the text).
"""

from __future__ import annotations

import builtins
import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from detector.claims.embeddings import SemanticSettings, load_encoder
from detector.claims.importer import ClaimRecord, ImportProblem, Parsed
from detector.claims.matcher import ClaimMatcher, ClaimMatchModel, KnownClaim
from detector.claims.schemas import ClaimCreate
from detector.claims.text import match_key
from detector.settings import DetectorSettings
from models.claims import Claim, PostClaimLink
from models.enums import LinkReview, RebuttalStatus, Stance, Verdict
from models.errors import AlreadyExists, InvalidInput, NotFound, VigilError
from models.rebuttals import Rebuttal

log = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    key = match_key(text).text
    if not key:
        raise InvalidInput(
            "Nội dung tin không có chữ nào để so khớp",
            "The claim text has no words to match on",
            field="text",
        )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def get(*, session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"Không có tin #{claim_id}", f"No claim #{claim_id}", claim_id=claim_id)
    return claim


def get_by_text(*, session: Session, text: str) -> Claim | None:
    return session.exec(select(Claim).where(Claim.text_hash == text_hash(text))).first()


def get_by_external(*, session: Session, origin: str, external_id: str) -> Claim | None:
    return session.exec(
        select(Claim).where(Claim.origin == origin, Claim.external_id == external_id)
    ).first()


def list(
    *, session: Session, offset: int = 0, limit: int = 50, verdict: str | None = None
) -> builtins.list[Claim]:
    query = select(Claim).order_by(col(Claim.id).desc()).offset(offset).limit(limit)
    if verdict:
        query = query.where(Claim.verdict == verdict)
    return builtins.list(session.exec(query).all())


def _existing(session: Session, record: ClaimCreate, digest: str) -> Claim | None:
    if record.external_id:
        found = get_by_external(
            session=session, origin=record.origin, external_id=record.external_id
        )
        if found is not None:
            return found
    return session.exec(select(Claim).where(Claim.text_hash == digest)).first()


def create(*, session: Session, claim_in: ClaimCreate) -> Claim:
    """Store a new claim; AlreadyExists if it is known (same text or same origin + id)."""
    digest = text_hash(claim_in.text)
    existing = _existing(session, claim_in, digest)
    if existing is not None:
        raise AlreadyExists(
            f"Tin này đã có (#{existing.id})",
            f"This claim already exists (#{existing.id})",
            claim_id=existing.id,
        )
    claim = Claim(
        text=claim_in.text,
        text_hash=digest,
        verdict=claim_in.verdict,
        origin=claim_in.origin,
        external_id=claim_in.external_id,
        url=claim_in.url,
        topics=builtins.list(claim_in.topics),
        extra=dict(claim_in.extra),
    )
    session.add(claim)
    session.flush()
    return claim


@dataclass
class ImportReport:
    created: builtins.list[int] = field(default_factory=builtins.list)
    duplicates: builtins.list[str] = field(default_factory=builtins.list)
    problems: builtins.list[ImportProblem] = field(default_factory=builtins.list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "duplicates": len(self.duplicates),
            "rejected": len(self.problems),
            "problems": [p.en() for p in self.problems],
            "problems_vi": [p.vi() for p in self.problems],
        }


def import_records(*, session: Session, parsed: Parsed) -> ImportReport:
    """Store every valid parsed record that is not known yet; duplicates (in the database or
    earlier in the same file) are counted, never stored twice."""
    from detector.topics import classify

    report = ImportReport(problems=builtins.list(parsed.problems))
    for record in parsed.records:
        try:
            claim_in = _claim_in(record, [t.code for t in classify(record.text)])
            claim = create(session=session, claim_in=claim_in)
        except AlreadyExists:
            report.duplicates.append(record.where)
            continue
        except InvalidInput as exc:
            where = record.where or "?"
            report.problems.append(ImportProblem(where, where, exc.message_vi, exc.message_en))
            continue
        if claim.id is not None:
            report.created.append(claim.id)
    return report


def _claim_in(record: ClaimRecord, topics: Sequence[str]) -> ClaimCreate:
    return ClaimCreate(
        text=record.text,
        verdict=Verdict(record.verdict),
        origin=record.origin,
        external_id=record.external_id,
        url=record.url,
        topics=builtins.list(topics),
        extra=record.extra,
    )


def count(*, session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Claim)).one())


def link(
    *,
    session: Session,
    post_id: int,
    claim_id: int,
    similarity: float,
    stance: str,
    auto_linked: bool,
) -> PostClaimLink:
    """Create or refresh the link between a post and a claim (one row per pair).

    A link a person reviewed keeps their decision: only its similarity is refreshed."""
    if stance not in Stance.__members__:
        raise InvalidInput(
            f"Lập trường không hợp lệ: {stance}", f"Unknown stance: {stance}", field="stance"
        )
    existing = session.get(PostClaimLink, (post_id, claim_id))
    if existing is None:
        existing = PostClaimLink(post_id=post_id, claim_id=claim_id, similarity=0.0, stance=stance)
    existing.similarity = float(similarity)
    if existing.review is None:
        existing.stance = stance
        existing.auto_linked = bool(auto_linked)
    session.add(existing)
    session.flush()
    return existing


def refutation_reach(*, session: Session, claim_id: int) -> int:
    """How many collected posts refute the claim (the rebuttal's reach so far)."""
    return int(
        session.exec(
            select(func.count())
            .select_from(PostClaimLink)
            .where(
                PostClaimLink.claim_id == claim_id,
                PostClaimLink.stance == Stance.refutes.value,
                not_rejected(),
            )
        ).one()
    )


def not_rejected() -> Any:
    return col(PostClaimLink.review).is_(None) | (
        col(PostClaimLink.review) != LinkReview.rejected.value
    )


def links_to(
    *,
    session: Session,
    claim_id: int,
    offset: int = 0,
    limit: int = 50,
    post_ids: Sequence[int] | None = None,
) -> builtins.list[PostClaimLink]:
    """The links of posts (all, or those of ``post_ids``) to a claim, best similarity first,
    reviewed or not."""
    query = select(PostClaimLink).where(PostClaimLink.claim_id == claim_id)
    if post_ids is not None:
        query = query.where(col(PostClaimLink.post_id).in_(post_ids))
    query = query.order_by(col(PostClaimLink.similarity).desc(), col(PostClaimLink.post_id))
    return builtins.list(session.exec(query.offset(offset).limit(limit)).all())


def links_of(
    *, session: Session, post_id: int, with_rejected: bool = False
) -> builtins.list[PostClaimLink]:
    """The post's links to claims, best similarity first; rejected ones only if asked for."""
    query = select(PostClaimLink).where(PostClaimLink.post_id == post_id)
    if not with_rejected:
        query = query.where(not_rejected())
    order = (col(PostClaimLink.similarity).desc(), col(PostClaimLink.claim_id))
    return builtins.list(session.exec(query.order_by(*order)).all())


def known_claims(*, session: Session) -> builtins.list[KnownClaim]:
    """Every claim as the matcher needs it, with the summary of its published rebuttal."""
    rebuttals: dict[int, str] = {}
    for claim_id, summary in session.exec(
        select(Rebuttal.claim_id, Rebuttal.summary)
        .where(
            Rebuttal.status == RebuttalStatus.published.value, col(Rebuttal.claim_id).is_not(None)
        )
        .order_by(col(Rebuttal.published_at))
    ).all():
        if claim_id is not None:
            rebuttals[claim_id] = summary
    return [
        KnownClaim(
            id=c.id,
            text=c.text,
            verdict=c.verdict,
            url=c.url,
            rebuttal=rebuttals.get(c.id) if c.id is not None else None,
            topics=tuple(c.topics or ()),
        )
        for c in session.exec(select(Claim).order_by(col(Claim.id))).all()
    ]


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], ClaimMatcher]] = {}
_semantic: builtins.list[SemanticSettings | None] = []


def semantic_settings(settings: DetectorSettings | None = None) -> SemanticSettings | None:
    """Sentence-embedding reranking as configured (``VIGIL_CLAIM_EMBEDDINGS_PATH``), or None.

    A configured checkpoint that cannot be loaded is logged and matching goes on with
    character n-grams alone: an optional reranker must not stop every post's analysis."""
    settings = settings or DetectorSettings()
    if settings.claim_embeddings_path is None:
        return None
    try:
        encoder = load_encoder(str(settings.claim_embeddings_path))
    except VigilError as exc:
        log.error("claim embeddings disabled: %s", exc.message_en)
        return None
    return SemanticSettings(
        encoder,
        weight=settings.claim_embeddings_weight,
        suggest_cosine=settings.claim_embeddings_suggest,
    )


def configured_semantic() -> SemanticSettings | None:
    """semantic_settings() read once per process (the checkpoint is loaded once)."""
    with _lock:
        if not _semantic:
            _semantic.append(semantic_settings())
        return _semantic[0]


def forget_semantic() -> None:
    """Read the embedding settings again on next use (tests, a changed configuration)."""
    with _lock:
        _semantic.clear()


def matcher(*, session: Session, model: ClaimMatchModel) -> ClaimMatcher:
    """A matcher over the claims in the database, rebuilt only when claims or rebuttals
    changed (the signature is cheap to read; building the index is not)."""
    bind = session.get_bind()
    key = str(bind.url) if hasattr(bind, "url") else str(id(bind))
    semantic = configured_semantic()
    signature = (
        id(model),
        id(semantic),
        *session.exec(
            select(func.count(), func.max(Claim.id), func.max(Claim.created_at)).select_from(Claim)
        ).one(),
        *session.exec(
            select(func.count(), func.max(Rebuttal.id))
            .select_from(Rebuttal)
            .where(Rebuttal.status == RebuttalStatus.published.value)
        ).one(),
    )
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
    previous = cached[1] if cached is not None else None
    built = ClaimMatcher(known_claims(session=session), model, semantic=semantic, reuse=previous)
    with _lock:
        _cache[key] = (signature, built)
    return built
