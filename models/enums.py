from enum import StrEnum


class Role(StrEnum):
    monitor = "monitor"
    editor = "editor"
    approver = "approver"
    ops = "ops"
    admin = "admin"
    partner = "partner"


class SourceKind(StrEnum):
    feed = "feed"
    sitemap = "sitemap"
    listing = "listing"
    url = "url"
    json = "json"


class PostOrigin(StrEnum):
    crawl = "crawl"
    staff = "staff"
    report = "report"


class RunStatus(StrEnum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    timed_out = "timed_out"


class ToxicityLabel(StrEnum):
    clean = "CLEAN"
    offensive = "OFFENSIVE"
    hate = "HATE"


class Stance(StrEnum):
    spreads = "spreads"
    refutes = "refutes"
    mentions = "mentions"


class LinkReview(StrEnum):
    """A person's decision on a post-to-claim link the matcher made."""

    confirmed = "confirmed"  # the post is about this claim (its stance as reviewed)
    rejected = "rejected"  # the matcher was wrong: the post is not about this claim


class CaseState(StrEnum):
    new = "new"
    triaged = "triaged"
    in_progress = "in_progress"
    in_review = "in_review"
    published = "published"
    dismissed = "dismissed"
    reopened = "reopened"
    retracted = "retracted"


class Verdict(StrEnum):
    tin_gia = "tin_gia"
    tin_sai_su_that = "tin_sai_su_that"
    tin_xac_thuc = "tin_xac_thuc"
    chua_xac_minh = "chua_xac_minh"


# How staff pages and messages to the public name each verdict: (Vietnamese, English).
VERDICT_LABELS: dict[str, tuple[str, str]] = {
    Verdict.tin_gia: ("Tin giả", "Fabricated"),
    Verdict.tin_sai_su_that: ("Tin sai sự thật", "Distorted / partly false"),
    Verdict.tin_xac_thuc: ("Tin xác thực", "Verified true"),
    Verdict.chua_xac_minh: ("Chưa xác minh", "Unverifiable"),
}


class RebuttalStatus(StrEnum):
    draft = "draft"
    in_review = "in_review"
    changes_requested = "changes_requested"
    approved = "approved"
    published = "published"
    retracted = "retracted"


class EvidenceKind(StrEnum):
    document = "document"
    url = "url"
    authority_confirmation = "authority_confirmation"


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"
