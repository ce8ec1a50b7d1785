"""Generate a small local news site: N feeds of M Vietnamese articles each.

Served by the crawler tests' site server (`python -m tests.crawlers.site --root DIR`),
so worker tests crawl many distinct sources without sharing posts between them.
"""

from pathlib import Path

TOPICS = (
    "học phí đại học",
    "giá điện sinh hoạt",
    "thẻ căn cước",
    "bảo hiểm xã hội một lần",
    "phí cao tốc",
    "thuế thu nhập cá nhân",
)


def article_path(source: int, article: int) -> str:
    return f"/s{source}/bai-{article}.html"


def write_site(root: Path, *, sources: int, articles: int, crawl_delay: float) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text(f"User-agent: *\nCrawl-delay: {crawl_delay}\n")
    for s in range(1, sources + 1):
        folder = root / f"s{s}"
        folder.mkdir(exist_ok=True)
        items = []
        for a in range(1, articles + 1):
            topic = TOPICS[(s + a) % len(TOPICS)]
            title = f"Nguồn {s}, bài {a}: thông tin mới về {topic}"
            body = (
                f"Bài {a} của nguồn {s}. Cơ quan chức năng cho biết quy định về {topic} "
                f"không thay đổi như tin đồn lan truyền trên mạng xã hội. Người dân cần theo "
                f"dõi thông tin chính thức từ cổng thông tin điện tử của Chính phủ. Mã bài {s}-{a}."
            )
            (folder / f"bai-{a}.html").write_text(
                "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
                f"<title>{title}</title>"
                "<meta property='article:published_time' content='2025-05-05T08:00:00+07:00'>"
                f"</head><body><article><h1>{title}</h1><p>{body}</p><p>{body}</p></article>"
                "</body></html>",
                encoding="utf-8",
            )
            items.append(
                f"<item><title>{title}</title><link>{article_path(s, a)}</link>"
                f"<pubDate>Mon, 05 May 2025 08:0{a % 10}:00 +0700</pubDate></item>"
            )
        (folder / "feed.rss").write_text(
            "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
            f"<title>Nguồn thử {s}</title><link>/s{s}/</link>{''.join(items)}</channel></rss>",
            encoding="utf-8",
        )
