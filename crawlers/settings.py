"""Crawler settings (env prefix VIGIL_), e.g. VIGIL_CRAWL_USER_AGENT, VIGIL_CRAWL_SSRF_ALLOWLIST."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.settings import EnvList


class CrawlerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_CRAWL_", env_file=".env", extra="ignore")

    user_agent: str = "VigilBot/0.1 (+https://vigil.gov.vn/bot; theo doi thong tin chinh sach)"
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)
    # Larger bodies are cut off at this size; the stream is never held whole in memory.
    max_body_bytes: int = Field(default=5_000_000, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)
    per_host_concurrency: int = Field(default=2, ge=1, le=64)
    # Seconds between two requests to the same host (robots.txt Crawl-delay wins if larger).
    default_delay: float = Field(default=1.0, ge=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_base: float = Field(default=0.5, ge=0)
    # Retry-After above this is not waited for: the page is recorded as rate-limited instead.
    max_retry_after: float = Field(default=60.0, ge=0)
    total_concurrency: int = Field(default=16, ge=1, le=512)
    # Hosts, IPs or CIDRs that may be fetched although private/loopback (tests, intranets).
    # From the environment as JSON or comma-separated, e.g. 127.0.0.1,10.0.0.0/8
    ssrf_allowlist: EnvList = Field(default_factory=list)
    robots_cache_seconds: float = Field(default=3600.0, ge=0)
    obey_robots: bool = True
    # Snapshots are zlib-compressed into the snapshot table; 0 disables keeping raw bytes.
    snapshot_max_bytes: int = Field(default=5_000_000, ge=0)
    snapshot_compress_level: int = Field(default=6, ge=1, le=9)
    # Extraction workers: unset, a crawl with at least extract_pool_min_pages pages to
    # fetch gets a pool of one process per CPU but one (kept for the crawl process; at most
    # 4) when there is more than one CPU (run.pool_workers); 0 always extracts in the crawl
    # process; N always uses N processes.
    extract_workers: int | None = Field(default=None, ge=0, le=32)
    extract_pool_min_pages: int = Field(default=40, ge=1)
    # Near-duplicate clustering: posts of the last N days are compared against new ones.
    cluster_window_days: int = Field(default=30, ge=1)
    cluster_threshold: float = Field(default=0.5, gt=0, le=1)
    default_max_pages: int = Field(default=200, ge=1)
