"""Input and output shapes of the desk (the *Create / *Update / *Public families)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from models.enums import CaseState, EvidenceKind, RebuttalStatus, Verdict
from models.types import MAX_ID, LocalDateTime, nfc, no_control, not_blank

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_ID)]
Line = Annotated[
    str,
    StringConstraints(max_length=500),
    AfterValidator(no_control),
    AfterValidator(not_blank),
    AfterValidator(nfc),
]
Note = Annotated[
    str, StringConstraints(max_length=4000), AfterValidator(no_control), AfterValidator(nfc)
]
# Text a reader must find something in: a summary, a deliverable (blank is refused, kept trimmed).
Required = Annotated[
    str, AfterValidator(no_control), AfterValidator(not_blank), AfterValidator(nfc)
]
LongText = Annotated[
    str, StringConstraints(max_length=100_000), AfterValidator(no_control), AfterValidator(nfc)
]
Topic = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_\-]+$")]
HttpUrl = Annotated[
    str,
    StringConstraints(max_length=2000, pattern=r"^https?://[^\s/$.?#][^\s]*$"),
    AfterValidator(no_control),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- cases -------------------------------------------------------------------------------


class CaseCreate(Strict):
    title: Line
    topic: Topic | None = None
    claim_id: Id | None = None
    post_ids: list[Id] = Field(default_factory=list, max_length=500)
    risk_score: float = Field(default=0.5, ge=0.0, le=1.0)
    note: Note | None = None


class CaseUpdate(Strict):
    version: Version | None = Field(default=None, description="Or send If-Match")
    title: Line | None = None
    topic: Topic | None = None
    priority: float | None = Field(default=None, ge=0.0, le=1000.0)
    priority_auto: bool = Field(default=False, description="Go back to the computed priority")
    note: Note | None = None


class TransitionIn(Strict):
    to: CaseState
    version: Version | None = Field(default=None, description="Or send If-Match")
    note: Note | None = None


class AssignIn(Strict):
    assignee_id: Id | None = Field(description="null to unassign")
    version: Version | None = Field(default=None, description="Or send If-Match")
    note: Note | None = None


class VersionIn(Strict):
    version: Version | None = Field(default=None, description="Or send If-Match")
    note: Note | None = None


class BulkItem(Strict):
    id: Id
    version: Version


class BulkIn(Strict):
    action: Literal["assign", "dismiss", "set_priority"]
    items: list[BulkItem] = Field(min_length=1, max_length=500)
    assignee_id: Id | None = None
    reason: Note | None = None
    false_positive: bool = False
    priority: float | None = Field(default=None, ge=0.0, le=1000.0)


class BulkResult(BaseModel):
    id: int
    ok: bool
    version: int | None = None
    error: str | None = None
    message: str | None = None


class MergeIn(Strict):
    version: Version | None = Field(default=None, description="Target version, or If-Match")
    source_ids: list[Id] = Field(min_length=1, max_length=100)
    note: Note | None = None


class SplitIn(Strict):
    version: Version | None = Field(default=None, description="Or send If-Match")
    post_ids: list[Id] = Field(min_length=1, max_length=500)
    title: Line | None = None
    note: Note | None = None


class LabelIn(Strict):
    label: Literal["false_positive", "confirmed_false", "confirmed_offensive", "confirmed_hate"]
    post_ids: list[Id] | None = Field(default=None, max_length=500)


class AssigneePublic(BaseModel):
    id: int
    username: str
    full_name: str


class CaseSummary(BaseModel):
    id: int
    title: str
    state: CaseState
    priority: float
    priority_reasons: list[str]
    priority_manual: bool
    topic: str | None
    claim_id: int | None
    cluster_id: int | None
    assignee: AssigneePublic | None
    opened_by: str
    risk_score: float
    reach: int
    refute_reach: int
    first_detected_at: datetime
    sla_due_at: datetime
    sla_breached: bool
    version: int
    updated_at: datetime


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


class CasePostPublic(BaseModel):
    post_id: int
    url: str
    title: str | None
    stance: str
    reach: int
    added_at: datetime


class CasePublic(CaseSummary):
    merged_into_id: int | None
    dismiss_reason: str | None
    posts: list[CasePostPublic]
    rebuttal_id: int | None
    allowed_moves: list[CaseState]


class CaseEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    case_id: int
    actor_id: int | None
    kind: str
    from_state: str | None
    to_state: str | None
    note: str | None
    data: dict[str, Any]
    created_at: datetime


class WorkloadRow(BaseModel):
    assignee: AssigneePublic | None
    by_state: dict[str, int]
    total: int
    breached: int


class TopicPolicyIn(Strict):
    threshold: float = Field(ge=0.0, le=1.0)
    sla_hours: int = Field(ge=1, le=24 * 90)
    weight: float = Field(ge=0.0, le=10.0)


class TopicPolicyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    topic: str
    threshold: float
    sla_hours: int
    weight: float
    updated_at: datetime


# ---- rebuttals -----------------------------------------------------------------------------


class RebuttalCreate(Strict):
    verdict: Verdict
    summary: Annotated[Required, StringConstraints(max_length=2000)]
    body: LongText = ""
    key_facts: list[Line] = Field(default_factory=list, max_length=50)
    note: Note | None = None


class RebuttalUpdate(Strict):
    version: Version | None = Field(default=None, description="Or send If-Match")
    verdict: Verdict | None = None
    summary: Annotated[Required, StringConstraints(max_length=2000)] | None = None
    body: LongText | None = None
    key_facts: list[Line] | None = Field(default=None, max_length=50)
    note: Note | None = None


class EvidenceCreate(Strict):
    kind: EvidenceKind
    title: Line
    url: HttpUrl | None = None
    description: Note | None = None
    authority: Annotated[str, StringConstraints(max_length=300)] | None = None
    confirmed_by: Annotated[str, StringConstraints(max_length=300)] | None = None
    confirmed_at: LocalDateTime | None = None


class EvidencePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: EvidenceKind
    title: str
    url: str | None
    description: str | None
    authority: str | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    added_by: int
    created_at: datetime


class RebuttalVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    verdict: str
    summary: str
    body: str
    key_facts: list[str]
    author_id: int
    note: str | None
    created_at: datetime


class CommentIn(Strict):
    body: Note = Field(min_length=1)


class CommentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    rebuttal_id: int
    author_id: int
    kind: str
    version_number: int
    body: str
    created_at: datetime


class ReviewIn(Strict):
    version: Version | None = Field(default=None, description="Or send If-Match")
    note: Note | None = None


class PublishIn(ReviewIn):
    suggested_wording: LongText = ""
    topics: list[Topic] | None = Field(default=None, max_length=20)
    partner_ids: list[Id] = Field(default_factory=list, max_length=500)


class CorrectIn(Strict):
    version: Version | None = Field(default=None, description="Or send If-Match")
    verdict: Verdict | None = None
    summary: Annotated[Required, StringConstraints(max_length=2000)] | None = None
    body: LongText | None = None
    key_facts: list[Line] | None = Field(default=None, max_length=50)
    # Every partner who received the brief is told this: it must say something.
    note: Annotated[Required, StringConstraints(max_length=4000)]


class RebuttalPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    case_id: int
    claim_id: int | None
    verdict: str
    summary: str
    body: str
    key_facts: list[str]
    status: RebuttalStatus
    author_id: int
    approver_id: int | None
    current_version: int
    version: int
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class RebuttalDetail(RebuttalPublic):
    evidence: list[EvidencePublic]
    brief_id: int | None


class FieldDiff(BaseModel):
    field: str
    before: Any
    after: Any
    unified: str


class RebuttalDiff(BaseModel):
    rebuttal_id: int
    from_version: int
    to_version: int
    changes: list[FieldDiff]


# ---- briefs, partners, webhooks --------------------------------------------------------------


class PublishedRebuttal(BaseModel):
    rebuttal: RebuttalPublic
    brief_id: int
    recipients: int


class PartnerBrief(BaseModel):
    """A brief as its partner sees it: content and the partner's own receipt only."""

    id: int
    version: int
    status: str
    title: str
    verdict: str
    summary: str
    key_facts: list[str]
    sources: list[str]
    suggested_wording: str
    topics: list[str]
    published_at: datetime
    sent_at: datetime
    acknowledged_at: datetime | None


class PartnerBriefPage(BaseModel):
    items: list[PartnerBrief]
    next_cursor: str | None


class PublicationIn(Strict):
    url: HttpUrl
    reach: int = Field(ge=0, le=MAX_ID)


class PublicationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    brief_id: int
    partner_id: int
    url: str
    reach: int
    reported_at: datetime


class CommissionIn(Strict):
    partner_id: Id
    deliverable: Annotated[Required, StringConstraints(max_length=4000)]
    deadline: LocalDateTime
    budget_note: Note = ""


class CommissionAnswer(Strict):
    note: Note | None = None


class CommissionDelivery(Strict):
    url: HttpUrl
    note: Note | None = None


class CommissionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    brief_id: int
    partner_id: int
    deliverable: str
    deadline: datetime
    budget_note: str
    status: str
    response_note: str | None
    delivered_url: str | None
    created_at: datetime
    responded_at: datetime | None
    delivered_at: datetime | None


class RecipientPublic(BaseModel):
    partner_id: int
    partner_name: str
    sent_at: datetime
    acknowledged_at: datetime | None
    publications: list[PublicationPublic]


class BriefPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    rebuttal_id: int
    title: str
    key_facts: list[str]
    sources: list[str]
    suggested_wording: str
    topics: list[str]
    status: str
    version: int
    published_at: datetime


class BriefDetail(BriefPublic):
    recipients: list[RecipientPublic]
    commissions: list[CommissionPublic]


class BriefPage(BaseModel):
    items: list[BriefPublic]
    next_cursor: str | None


class WebhookIn(Strict):
    url: HttpUrl
    events: list[Literal["brief.published", "brief.corrected", "brief.retracted"]] = Field(
        default_factory=list, max_length=3, description="Empty: every event"
    )


class WebhookPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    partner_id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """Returned once: the signing secret is never shown again."""

    secret: str


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    endpoint_id: int
    event: str
    idempotency_key: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    next_cursor: str | None
