"""The data model shared by every part of Vigil: tables, enums, engine and session."""

from models.cases import Case, CaseEvent, CasePost
from models.claims import Claim, PostClaimLink
from models.crawl import CrawlRun, FetchState, Source
from models.desk import (
    BriefRecipient,
    Commission,
    FeedbackLabel,
    Publication,
    RebuttalComment,
    Report,
    TopicPolicy,
)
from models.detections import Detection
from models.partners import Brief, Delivery, Partner, PartnerKey, WebhookEndpoint
from models.posts import Post, PostCluster, Snapshot
from models.rebuttals import Evidence, Rebuttal, RebuttalVersion
from models.schedules import CrawlSchedule, JobRun
from models.users import User

__all__ = [
    "Brief",
    "BriefRecipient",
    "Case",
    "CaseEvent",
    "CasePost",
    "Claim",
    "Commission",
    "CrawlRun",
    "CrawlSchedule",
    "Delivery",
    "Detection",
    "Evidence",
    "FeedbackLabel",
    "FetchState",
    "JobRun",
    "Partner",
    "PartnerKey",
    "Post",
    "PostClaimLink",
    "PostCluster",
    "Publication",
    "Rebuttal",
    "RebuttalComment",
    "RebuttalVersion",
    "Report",
    "Snapshot",
    "Source",
    "TopicPolicy",
    "User",
    "WebhookEndpoint",
]
