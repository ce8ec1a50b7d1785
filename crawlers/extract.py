"""Turning fetched bytes into records: articles (trafilatura), feeds (feedparser),
sitemaps, listing pages and JSON endpoints.

Everything here is pure and picklable so a process pool can run it.
"""

import contextlib
import copy
import gzip
import hashlib
import json
import re
import unicodedata
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from html import unescape
from typing import Any
from urllib.parse import urldefrag, urljoin

import feedparser
import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

from crawlers.charset import decode
from crawlers.dates import parse_date
from crawlers.drop import DropItem
from crawlers.shingles import content_hash, minhash_signature, shingle_hashes

MIN_TEXT_CHARS = 40
MAX_TEXT_CHARS = 200_000
MAX_GZIP_BYTES = 50_000_000


@dataclass
class PackedSnapshot:
    """The raw bytes of a page, hashed and compressed where they were extracted."""

    sha256: str
    size: int
    compressed: bytes


def pack_snapshot(body: bytes, max_bytes: int, level: int) -> PackedSnapshot:
    kept = body[:max_bytes]
    return PackedSnapshot(hashlib.sha256(kept).hexdigest(), len(kept), zlib.compress(kept, level))


@dataclass
class Article:
    url: str
    title: str | None
    text: str
    author: str | None = None
    published_at: datetime | None = None
    # Shingle hashes, their MinHash signature and posts.content_hash(text): computed by
    # fingerprint_article in an extraction worker, else derived by the store.
    shingle_hashes: bytes = b""
    signature: bytes = b""
    content_hash: str = ""
    engagement: dict[str, Any] = field(default_factory=dict)
    snapshot: PackedSnapshot | None = None


# -- articles -------------------------------------------------------------------------

# Where Vietnamese news sites print the publication time (VnExpress, Tuổi Trẻ,
# Thanh Niên, Báo Chính phủ, and the common meta tags).
_DATE_META = (
    "meta[property='article:published_time']",
    "meta[itemprop='datePublished']",
    "meta[name='pubdate']",
    "meta[name='publishdate']",
    "meta[name='article:published_time']",
    "meta[name='dc.date.issued']",
)
_DATE_ELEMENTS = (
    "[data-role='publishdate']",
    "[itemprop='datePublished']",
    "time[datetime]",
    "span.date",
    ".detail-time",
    ".article__meta time",
    ".detail__meta .date",
    ".date-time",
    ".publish-date",
)
# Where Vietnamese news sites print the author. Read before trafilatura's own search of the
# page (extract_author), which finds none of these and costs as much as the rest of the
# metadata; the bare ".author" class is generic, so it comes after trafilatura's search.
_AUTHOR_ELEMENTS = (
    "meta[name='author']",
    "meta[property='article:author']",
    "[data-role='author']",
    "p.author_mail strong",
    "article.fck_detail p[style*='right'] strong",
    ".author-info .name",
    ".detail-author .name",
)
_GENERIC_AUTHOR_ELEMENTS = (".author",)


@lru_cache(maxsize=512)
def _compiled(selector: str) -> CSSSelector | None:
    # Translating CSS to XPath costs more than running it: each selector is compiled once.
    try:
        return CSSSelector(selector)
    except Exception:  # a bad selector from a source config must not abort the page
        return None


def _css(tree: lxml.html.HtmlElement, selector: str) -> list[Any]:
    compiled = _compiled(selector)
    if compiled is None:
        return []
    try:
        return list(compiled(tree))
    except Exception:  # a selector valid as CSS can still fail as XPath on odd input
        return []


def _first_text(tree: lxml.html.HtmlElement, selectors: tuple[str, ...] | list[str]) -> str | None:
    for selector in selectors:
        for element in _css(tree, selector):
            if element.tag == "meta":
                value = element.get("content")
            elif element.tag == "time" and element.get("datetime"):
                value = element.get("datetime")
            else:
                value = element.text_content()
            if value and value.strip():
                return " ".join(value.split())
    return None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text).strip()
    return text or None


def find_date(tree: lxml.html.HtmlElement) -> datetime | None:
    for selector in _DATE_META + _DATE_ELEMENTS:
        value = _first_text(tree, (selector,))
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    return None


@lru_cache(maxsize=1)
def _trafilatura_options() -> Any:
    # Imported on first use: a crawl process that hands pages to extraction workers
    # never pays for it (the workers import it when they start, see warm_up).
    from trafilatura.settings import Extractor

    return Extractor(
        output_format="python", fast=True, comments=False, tables=False, with_metadata=False
    )


def _main_text(tree: lxml.html.HtmlElement, url: str) -> str | None:
    """The article text by trafilatura, in fast mode and without its metadata pass.

    Fast mode skips the readability/jusText comparison, which costs as much again as the
    main extractor and changed no text on the fixture pages nor the bench's pages; the
    metadata we need is read separately (_title_and_author, find_date), without the
    parts we never use.
    """
    import trafilatura

    # A copy of prepared options: building them reads trafilatura's config every time.
    options = copy.copy(_trafilatura_options())
    options.url = options.source = url
    doc = trafilatura.bare_extraction(tree, options=options)
    text = getattr(doc, "text", None)
    return text if isinstance(text, str) else None


# The elements that mark a page's story: HTML's <article> (VnExpress, Dân trí, most
# WordPress themes), else schema.org's articleBody (Tuổi Trẻ, sites with microdata). One of
# them is the main content when the page has exactly one and it holds at least this share of
# the text of the page's paragraphs.
_STORY_MARKERS = ("//article", "//*[@itemprop='articleBody']")
ARTICLE_PARAGRAPH_SHARE = 0.6


def _paragraph_text(element: lxml.html.HtmlElement) -> int:
    """Characters of text in the <p> elements under ``element``."""
    return sum(len(p.text_content()) for p in element.iter("p"))


def _article_document(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """A copy of the element that marks the page's story, as a document of its own, or None.

    trafilatura's cost grows with the page: its pruning and cleaning passes walk every
    element of the navigation, scripts, related-news boxes and footer that it then throws
    away, about two fifths of its time on a news page. Given only the story it returns the
    same text, when the story's element holds the text of the page's paragraphs. Pages with
    several or no such elements (listings, timelines, sites that mark nothing), or whose
    element holds little of that text (a teaser box, a summary beside the story), are
    extracted whole.
    """
    page_text: int | None = None
    for marker in _STORY_MARKERS:
        found = tree.xpath(marker)
        if len(found) != 1:
            continue
        inside = _paragraph_text(found[0])
        if page_text is None:
            page_text = _paragraph_text(tree)
        if inside == 0 or inside < ARTICLE_PARAGRAPH_SHARE * page_text:
            continue
        document = lxml.html.Element("html")
        body = lxml.html.Element("body")
        document.append(body)
        body.append(copy.deepcopy(found[0]))
        return document
    return None


def _article_text(tree: lxml.html.HtmlElement, url: str) -> str | None:
    """The main text, from the element that marks the page's story alone when it has one
    (see _article_document), else from the whole page."""
    document = _article_document(tree)
    if document is not None:
        text = _main_text(document, url)
        if text and len(text.strip()) >= MIN_TEXT_CHARS:
            return text
    return _main_text(tree, url)


def _trimmed(value: str | None) -> str | None:
    # As trafilatura's Document.clean_and_trim does for the metadata it returns.
    from trafilatura.utils import line_processing

    if not value:
        return None
    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(unescape(value)) or None


def _title_and_author(tree: lxml.html.HtmlElement) -> tuple[str | None, str | None]:
    """Title and author the way trafilatura's extract_metadata finds them (meta tags,
    then JSON-LD, then the page), minus its date, site name, categories, tags and
    licence, which cost most of its time and which a post does not keep. The author
    elements of Vietnamese news sites are read before trafilatura searches the page."""
    from trafilatura.metadata import (
        examine_meta,
        extract_author,
        extract_meta_json,
        extract_title,
    )

    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # trafilatura's own guard: its JSON-LD reader
        metadata = extract_meta_json(tree, metadata)
    title = metadata.title or extract_title(tree)
    author = (
        metadata.author
        or _first_text(tree, _AUTHOR_ELEMENTS)
        or extract_author(tree)
        or _first_text(tree, _GENERIC_AUTHOR_ELEMENTS)
    )
    return _trimmed(title), _trimmed(author)


def _htmldate(tree: lxml.html.HtmlElement, url: str) -> str | None:
    """The publication date as trafilatura's metadata pass finds it (htmldate)."""
    from htmldate import find_date as htmldate_find_date
    from trafilatura.metadata import extract_url
    from trafilatura.settings import DEFAULT_CONFIG, set_date_params

    params = set_date_params(DEFAULT_CONFIG.getboolean("DEFAULT", "EXTENSIVE_DATE_SEARCH"))
    params["url"] = extract_url(tree, url)
    found = htmldate_find_date(tree, **params)
    return found if isinstance(found, str) else None


def warm_up() -> None:
    """Import and prime the extraction libraries, so an extraction worker pays for them
    when it starts rather than on the crawl's first pages."""
    import trafilatura  # noqa: F401

    page = (
        "<html><head><title>Tiêu đề</title><meta name='author' content='Hồng Chiêu'></head>"
        "<body><article><p>" + "Nội dung bài viết thử nghiệm đủ dài. " * 10 + "</p>"
        "</article></body></html>"
    )
    extract_article(page.encode(), "https://example.vn/a.html", "text/html")


def extract_article(
    body: bytes,
    url: str,
    content_type: str | None = None,
    selectors: Mapping[str, str] | None = None,
    *,
    fingerprint: bool = True,
) -> Article:
    """Title, text, author and date of an article page (with its fingerprints unless told
    not to); DropItem when there is no article."""
    html = decode(body, content_type)
    if not html.strip():
        raise DropItem("empty", url)
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise DropItem("parse_error", url, str(exc)) from None
    selectors = selectors or {}
    title = author = text = None
    published_at = None
    if selectors.get("title"):
        title = _first_text(tree, [selectors["title"]])
    if selectors.get("author"):
        author = _first_text(tree, [selectors["author"]])
    if selectors.get("date"):
        published_at = parse_date(_first_text(tree, [selectors["date"]]))
    if selectors.get("text"):
        parts = [
            " ".join(el.text_content().split())
            for el in _css(tree, selectors["text"])
            if el.text_content().strip()
        ]
        text = "\n".join(parts) or None
    consulted = text is None or title is None or author is None
    if text is None:
        text = _article_text(tree, url)
    if title is None or author is None:
        meta_title, meta_author = _title_and_author(tree)
        title = title or meta_title
        author = author or meta_author
    if published_at is None and not selectors.get("date"):
        published_at = find_date(tree)
        if published_at is None and consulted:
            # htmldate is the slow part of trafilatura's metadata: only when our own
            # Vietnamese-aware date finder found nothing.
            published_at = parse_date(_htmldate(tree, url))
    text = _clean(text)
    if not text or len(text) < MIN_TEXT_CHARS:
        raise DropItem("no_article_text", url)
    article = Article(
        url=url,
        title=(_clean(title) or "")[:1000] or None,
        text=text[:MAX_TEXT_CHARS],
        author=(_clean(author) or "")[:300] or None,
        published_at=published_at,
    )
    if fingerprint:
        fingerprint_article(article)
    return article


def fingerprint_article(article: Article) -> None:
    """The shingle hashes, MinHash signature and content hash of the article's text.

    An extraction worker computes them for the pages it is sent whole; for those sent
    without (Crawl._send_extract_batch), the crawl process's store derives them: the two
    share this work when the workers are the slower side."""
    hashes = shingle_hashes(article.text)
    article.shingle_hashes = hashes.tobytes()
    article.signature = minhash_signature(hashes)
    article.content_hash = content_hash(article.text)


def extract_page(
    body: bytes,
    url: str,
    content_type: str | None,
    selectors: Mapping[str, str] | None,
    snapshot_max_bytes: int,
    snapshot_level: int,
    fingerprint: bool = True,
) -> Article:
    """extract_article plus the packed snapshot: all the CPU work a page needs (but its
    fingerprints, when told so), in one call that an extraction worker process can run."""
    article = extract_article(body, url, content_type, selectors, fingerprint=fingerprint)
    if snapshot_max_bytes:
        article.snapshot = pack_snapshot(body, snapshot_max_bytes, snapshot_level)
    return article


def extract_pages(
    pages: list[tuple[bytes, str, str | None]],
    selectors: Mapping[str, str] | None,
    snapshot_max_bytes: int,
    snapshot_level: int,
    fingerprint: bool = True,
) -> list[Article | Exception]:
    """extract_page for several pages (body, URL, content type) in one call, so a worker
    process is reached once for all of them; each page's failure is returned in its place."""
    outcomes: list[Article | Exception] = []
    for body, url, content_type in pages:
        try:
            outcomes.append(
                extract_page(
                    body,
                    url,
                    content_type,
                    selectors,
                    snapshot_max_bytes,
                    snapshot_level,
                    fingerprint,
                )
            )
        except Exception as exc:  # one bad page must not fail the others
            outcomes.append(exc)
    return outcomes


# -- feeds ----------------------------------------------------------------------------


@dataclass
class FeedEntry:
    url: str
    title: str | None
    summary: str | None
    author: str | None
    published_at: datetime | None


def _html_to_text(fragment: str | None) -> str | None:
    if not fragment:
        return None
    try:
        text = lxml.html.fromstring(f"<div>{fragment}</div>").text_content()
    except (lxml.etree.ParserError, ValueError):
        text = fragment
    return _clean(" ".join(text.split()))


def parse_feed(body: bytes, base_url: str) -> list[FeedEntry]:
    """Entries of an RSS/Atom feed; feedparser only ever sees bytes we fetched."""
    parsed = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=True)
    if not parsed.entries:
        # An error page served at the feed URL parses "fine" but has no feed version.
        if parsed.get("bozo") or not parsed.get("version"):
            raise DropItem("feed_parse_error", base_url, str(parsed.get("bozo_exception", "")))
        return []
    entries: list[FeedEntry] = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        if not link or not isinstance(link, str):
            continue
        link = urljoin(base_url, link.strip())
        published = parse_date(entry.get("published") or entry.get("updated"))
        if published is None:
            struct = entry.get("published_parsed") or entry.get("updated_parsed")
            if struct:
                year, month, day, hour, minute, second = struct[:6]
                published = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        summary = None
        if entry.get("content"):
            summary = _html_to_text(entry["content"][0].get("value"))
        summary = summary or _html_to_text(entry.get("summary"))
        entries.append(
            FeedEntry(
                url=link,
                title=_clean(entry.get("title")),
                summary=summary,
                author=_clean(entry.get("author")),
                published_at=published,
            )
        )
    return entries


# -- sitemaps -------------------------------------------------------------------------


@dataclass
class SitemapUrl:
    url: str
    title: str | None = None
    published_at: datetime | None = None


def _maybe_gunzip(body: bytes, url: str) -> bytes:
    if not body.startswith(b"\x1f\x8b"):
        return body
    # Bounded decompression: a gzip bomb must not take the crawler's memory.
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, MAX_GZIP_BYTES)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise DropItem("gzip_error", url, str(exc)) from None
    return data


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, url: str) -> tuple[list[SitemapUrl], list[str]]:
    """(page URLs, child sitemap URLs) of a sitemap or sitemap index, gzip or not."""
    data = _maybe_gunzip(body, url)
    parser = lxml.etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, huge_tree=False
    )
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise DropItem("sitemap_parse_error", url, str(exc)) from None
    if root is None:
        raise DropItem("sitemap_parse_error", url)
    pages: list[SitemapUrl] = []
    children: list[str] = []
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise DropItem("sitemap_parse_error", url, f"root element <{kind}>")
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        loc = title = date_text = None
        for child in node:
            # Only the entry's own <loc>: image:loc and video:loc are nested deeper.
            if _local(child.tag) == "loc" and child.text:
                loc = child.text.strip()
        for child in node.iter():
            name = _local(child.tag)
            if name == "title" and child.text:
                title = child.text.strip()
            elif (name == "publication_date" and child.text) or (
                name == "lastmod" and child.text and not date_text
            ):
                date_text = child.text.strip()
        if not loc:
            continue
        loc = urljoin(url, loc)
        if kind == "sitemapindex" or _local(node.tag) == "sitemap":
            children.append(loc)
        else:
            pages.append(SitemapUrl(loc, _clean(title), parse_date(date_text)))
    return pages, children


# -- listing pages --------------------------------------------------------------------


def listing_links(
    body: bytes, url: str, pattern: str, content_type: str | None = None
) -> list[str]:
    """Absolute links on a listing page whose URL matches `pattern`, in page order."""
    html = decode(body, content_type)
    try:
        tree = lxml.html.fromstring(html or "<html></html>")
    except (lxml.etree.ParserError, ValueError) as exc:
        raise DropItem("parse_error", url, str(exc)) from None
    regex = re.compile(pattern)
    seen: dict[str, None] = {}
    for element in tree.iter("a"):
        href = element.get("href")
        if not href:
            continue
        link = urldefrag(urljoin(url, href.strip()))[0]
        if link.startswith(("http://", "https://")) and regex.search(link):
            seen.setdefault(link, None)
    return list(seen)


# -- JSON endpoints -------------------------------------------------------------------


def _path(data: Any, dotted: str) -> Any:
    for key in dotted.split(".") if dotted else []:
        if isinstance(data, Mapping):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def json_records(
    body: bytes, url: str, items_path: str, fields: Mapping[str, str]
) -> Iterator[Article | DropItem]:
    """Articles from a JSON API, mapping our fields to dotted paths in each item."""
    try:
        data = json.loads(decode(body, "application/json; charset=utf-8"))
    except json.JSONDecodeError as exc:
        raise DropItem("json_parse_error", url, str(exc)) from None
    items = _path(data, items_path)
    if not isinstance(items, list):
        raise DropItem("json_items_missing", url, items_path)
    for item in items:
        link = _path(item, fields["url"])
        text = _path(item, fields["text"])
        if not isinstance(link, str) or not isinstance(text, str):
            yield DropItem("json_item_incomplete", url)
            continue
        text = _html_to_text(text) or ""
        if len(text) < MIN_TEXT_CHARS:
            yield DropItem("no_article_text", link)
            continue
        title = _path(item, fields["title"]) if fields.get("title") else None
        author = _path(item, fields["author"]) if fields.get("author") else None
        date = _path(item, fields["published_at"]) if fields.get("published_at") else None
        engagement = {
            name: value
            for name in ("likes", "comments", "shares")
            if fields.get(name) and isinstance(value := _path(item, fields[name]), int | float)
        }
        yield Article(
            url=urljoin(url, link),
            title=_clean(str(title)) if title else None,
            text=text[:MAX_TEXT_CHARS],
            author=_clean(str(author)) if author else None,
            published_at=parse_date(str(date)) if date else None,
            shingle_hashes=shingle_hashes(text).tobytes(),
            engagement=engagement,
        )
