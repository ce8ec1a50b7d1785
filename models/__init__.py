"""The data model shared by every part of Vigil: tables, enums, engine and session."""

from models.cases import Case, CaseEvent, CasePost
from models.claims import Claim, PostClaimLink
from models.crawl import CrawlRun, FetchState, Source
from models.detections import Detection
from models.partners import Brief, Delivery, Partner, PartnerKey, WebhookEndpoint
from models.posts import Post, PostCluster, Snapshot
from models.rebuttals import Evidence, Rebuttal, RebuttalVersion
from models.users import User

__all__ = [
    "Brief",
    "Case",
    "CaseEvent",
    "CasePost",
    "Claim",
    "CrawlRun",
    "Delivery",
    "Detection",
    "Evidence",
    "FetchState",
    "Partner",
    "PartnerKey",
    "Post",
    "PostClaimLink",
    "PostCluster",
    "Rebuttal",
    "RebuttalVersion",
    "Snapshot",
    "Source",
    "User",
    "WebhookEndpoint",
]
