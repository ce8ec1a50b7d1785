"""Parsing what sites send: dates, charsets, feeds, sitemaps, listings, JSON, articles."""

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from crawlers import extract
from crawlers.charset import decode, detect_encoding
from crawlers.dates import parse_date
from crawlers.dedupe import NearDuplicateIndex, signature
from crawlers.errors import DropItem
from crawlers.extract import (
    Article,
    extract_article,
    extract_pages,
    json_records,
    listing_links,
    parse_feed,
    parse_sitemap,
)
from crawlers.shingles import jaccard, shingle_hashes, shingles
from tests.crawlers.site import FIXTURE_ROOT, encode_windows_1258

BASE = "https://example.vn"


def fixture(path: str) -> bytes:
    return (FIXTURE_ROOT / path).read_bytes()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thứ hai, 4/5/2025, 14:30 (GMT+7)", datetime(2025, 5, 4, 7, 30, tzinfo=UTC)),
        ("04/05/2025 14:30 GMT+7", datetime(2025, 5, 4, 7, 30, tzinfo=UTC)),
        ("14:30 ngày 4/5/2025", datetime(2025, 5, 4, 7, 30, tzinfo=UTC)),
        ("05/05/2025 | 20:15", datetime(2025, 5, 5, 13, 15, tzinfo=UTC)),
        ("Ngày 4 tháng 5 năm 2025", datetime(2025, 5, 3, 17, 0, tzinfo=UTC)),
        ("2025-05-04T14:30:00+07:00", datetime(2025, 5, 4, 7, 30, tzinfo=UTC)),
        ("2025-05-04", datetime(2025, 5, 3, 17, 0, tzinfo=UTC)),
        ("Sun, 04 May 2025 14:30:00 +0700", datetime(2025, 5, 4, 7, 30, tzinfo=UTC)),
        ("13/12/2024 08:05 GMT+0", datetime(2024, 12, 13, 8, 5, tzinfo=UTC)),
    ],
)
def test_vietnamese_dates_are_day_first_in_hanoi_time(text: str, expected: datetime):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "không có ngày", "31/2/2025", "99/99/9999", None])
def test_bad_dates_give_none(text: str | None):
    assert parse_date(text) is None


VI = "Chính phủ điều chỉnh lương cơ sở, học phí và giá điện từ tháng Bảy"


def test_utf8_with_wrong_header_and_meta():
    body = f"<html><head><meta charset='windows-1258'></head><body>{VI}</body></html>".encode()
    assert VI in decode(body, "text/html; charset=iso-8859-1")


def test_utf8_bom_is_removed():
    text = decode(b"\xef\xbb\xbf" + VI.encode(), "text/html")
    assert text == VI


def test_windows_1258_behind_a_utf8_header():
    meta = "<meta http-equiv='Content-Type' content='text/html; charset=windows-1258'>"
    page = f"<html><head>{meta}</head><body>{VI}</body></html>"
    body = encode_windows_1258(page)
    assert body != page.encode()
    assert detect_encoding(body, "text/html; charset=utf-8") == "cp1258"
    assert VI in decode(body, "text/html; charset=utf-8")  # and NFC, like UTF-8 text


def test_truncated_utf8_still_counts_as_utf8():
    body = "Giá điện".encode()[:-1]  # cut inside the last multi-byte character
    assert detect_encoding(body) == "utf-8"


def test_rss_with_cdata_entities_and_relative_links():
    entries = parse_feed(fixture("vnexpress/rss/thoi-su.rss"), BASE + "/vnexpress/rss/thoi-su.rss")
    assert len(entries) == 5
    first = entries[0]
    assert first.url.startswith(BASE + "/vnexpress/thoi-su/luong-co-so")
    assert first.summary and "cán bộ, công chức, viên chức & người hưởng" in first.summary
    assert first.published_at == datetime(2024, 6, 30, 23, 0, tzinfo=UTC)
    third = entries[2]
    assert third.summary and "Thông tin lan truyền trên mạng xã hội" in third.summary


def test_rss_with_vietnamese_pubdate_and_cdata_link():
    entries = parse_feed(fixture("tuoitre/rss/thoi-su.rss"), BASE + "/tuoitre/rss/thoi-su.rss")
    assert [e.url for e in entries][1].endswith("cao-toc-20250504170000456.htm")
    assert entries[1].published_at == datetime(2025, 5, 4, 10, 0, tzinfo=UTC)


def test_atom_feed():
    entries = parse_feed(fixture("tinnong24h/atom.xml"), BASE + "/tinnong24h/atom.xml")
    assert len(entries) == 1 and entries[0].author == "Admin Tin Nóng"
    assert entries[0].summary and entries[0].summary.startswith("KHẨN CẤP!!!")


def test_malformed_feed_keeps_what_it_can():
    entries = parse_feed(fixture("feeds/hong.rss"), BASE + "/feeds/hong.rss")
    assert entries and entries[0].title == "Giá xăng dầu đồng loạt giảm từ 15h chiều nay"
    assert entries[0].published_at == datetime(2025, 5, 5, 8, 0, tzinfo=UTC)


def test_not_a_feed_is_rejected_and_empty_feed_is_empty():
    with pytest.raises(DropItem) as info:
        parse_feed(fixture("feeds/khong-phai-feed.rss"), BASE + "/x.rss")
    assert info.value.kind == "feed_parse_error"
    assert parse_feed(fixture("feeds/rong.rss"), BASE + "/rong.rss") == []
    with pytest.raises(DropItem):
        parse_feed(b"\x00\x01\x02 binary junk", BASE + "/junk.rss")


def test_sitemap_index_news_and_gzip():
    pages, children = parse_sitemap(
        fixture("thanhnien/sitemap.xml"), BASE + "/thanhnien/sitemap.xml"
    )
    assert pages == [] and len(children) == 3
    assert children[1] == BASE + "/thanhnien/sitemaps/2025-05.xml.gz"
    news, _ = parse_sitemap(fixture("thanhnien/sitemaps/news.xml"), BASE + "/thanhnien/s.xml")
    # image:loc must not replace the page's own loc
    assert [p.url.rsplit("/", 1)[1][:8] for p in news] == ["thu-tuon", "gia-xang"]
    assert news[0].title == "Thủ tướng yêu cầu hoàn thành 3.000 km đường cao tốc trong năm nay"
    assert news[0].published_at == datetime(2025, 5, 4, 10, 5, tzinfo=UTC)
    zipped = gzip.compress(fixture("thanhnien/sitemaps/2025-05.xml"))
    pages, _ = parse_sitemap(zipped, BASE + "/thanhnien/sitemaps/2025-05.xml.gz")
    assert len(pages) == 3


@pytest.mark.parametrize("body", [b"", b"not xml at all", b"\x1f\x8b\x08broken gzip"])
def test_broken_sitemaps_are_dropped(body: bytes):
    with pytest.raises(DropItem):
        parse_sitemap(body, BASE + "/sitemap.xml")


def test_listing_links_follow_pattern():
    links = listing_links(
        fixture("tuoitre/thoi-su.htm"), BASE + "/tuoitre/thoi-su.htm", r"/thoi-su/.+-\d{17}\.htm"
    )
    assert len(links) == 4  # the utm variant is a separate link; canonical URLs merge it later
    assert (
        BASE + "/tuoitre/thoi-su/thu-tuong-chu-tri-phien-hop-cao-toc-20250504170000456.htm" in links
    )
    assert all("#" not in link and link.startswith(BASE) for link in links)


def test_json_endpoint_mapping():
    fields = {
        "url": "link",
        "text": "noi_dung",
        "title": "tieu_de",
        "author": "tac_gia.ten",
        "published_at": "ngay_dang",
        "likes": "thong_ke.luot_thich",
        "comments": "thong_ke.binh_luan",
    }
    records = list(
        json_records(fixture("baochinhphu/api/tin-moi.json"), BASE + "/api", "data.items", fields)
    )
    articles = [r for r in records if isinstance(r, Article)]
    drops = [r for r in records if isinstance(r, DropItem)]
    assert len(articles) == 2 and len(drops) == 1
    assert articles[0].author == "Thu Hằng"
    assert articles[0].engagement == {"likes": 120, "comments": 8}
    assert "<p>" not in articles[0].text
    assert articles[0].published_at == datetime(2025, 5, 5, 1, 0, tzinfo=UTC)
    with pytest.raises(DropItem):
        list(json_records(fixture("json/hong.json"), BASE, "data.items", fields))
    with pytest.raises(DropItem):
        list(json_records(fixture("json/khong-co-muc.json"), BASE, "data.items", fields))


@pytest.mark.parametrize(
    ("path", "title", "author", "date"),
    [
        (
            "vnexpress/giao-duc/hoc-phi-dai-hoc-cong-lap-nam-hoc-moi-4871300.html",
            "Học phí đại học công lập năm học mới cao nhất 2,8 triệu đồng một tháng",
            "Dương Tâm",
            datetime(2025, 5, 4, 7, 30, tzinfo=UTC),
        ),
        (
            "tuoitre/thoi-su/gia-dien-tang-4-8-phan-tram-20250504143000123.htm",
            "Giá điện tăng 4,8% từ hôm nay, mỗi hộ trả thêm bao nhiêu?",
            "NGỌC AN",
            datetime(2025, 5, 4, 7, 30, tzinfo=UTC),
        ),
        (
            "thanhnien/kinh-te/gia-xang-dau-giam-tu-15h-chieu-nay-185250505150000.htm",
            "Giá xăng dầu đồng loạt giảm từ 15h chiều nay",
            "Thu Hằng",
            datetime(2025, 5, 5, 8, 0, tzinfo=UTC),
        ),
    ],
)
def test_article_pages(path: str, title: str, author: str, date: datetime):
    article = extract_article(fixture(path), BASE + "/" + path, "text/html; charset=utf-8")
    assert article.title == title
    assert article.author == author
    assert article.published_at == date
    assert len(article.text) > 200 and "Toàn bộ bản quyền" not in article.text
    assert len(article.shingle_hashes) > 8 * 50  # 64-bit hashes of the shingles


@pytest.mark.parametrize(
    "generic",
    [
        '<a rel="author" href="/tac-gia/ban-bien-tap">Ban Biên Tập</a>',
        '<div class="author">Ban Biên Tập</div>',
    ],
)
def test_news_site_author_element_wins_over_a_generic_byline(generic: str):
    # A VnExpress-style signature line names the reporter; a generic byline elsewhere on the
    # page (a desk, a link to the author index) is only read when the site's own is absent.
    body = "<p>" + "Nội dung bài viết về học phí năm học mới. " * 5 + "</p>"
    signed = (
        f"<html><body><article>{body}{generic}"
        '<p class="author_mail"><strong>Thu Hằng</strong></p></article></body></html>'
    )
    unsigned = f"<html><body><article>{body}{generic}</article></body></html>"
    assert extract_article(signed.encode(), BASE + "/a.html", "text/html").author == "Thu Hằng"
    assert extract_article(unsigned.encode(), BASE + "/b.html", "text/html").author == (
        "Ban Biên Tập"
    )


def test_selectors_override_extraction():
    path = "baochinhphu/thong-cao/phien-hop-chinh-phu-thuong-ky-thang-4-102250505.html"
    selectors = {
        "title": "h1.detail__title",
        "text": ".detail__content p",
        "author": ".detail__meta .author",
        "date": ".detail__meta .date",
    }
    article = extract_article(fixture(path), BASE + "/x", None, selectors)
    assert article.title and article.title.startswith("Thông cáo báo chí")
    assert article.author == "Văn phòng Chính phủ"
    assert article.published_at == datetime(2025, 5, 5, 13, 15, tzinfo=UTC)
    assert article.text.startswith("Văn phòng Chính phủ thông cáo")


STORY = "".join(
    f"<p>Đoạn {i}: Bộ Giáo dục và Đào tạo công bố mức học phí năm học mới cho các trường "
    "công lập, áp dụng từ tháng 9 tới.</p>"
    for i in range(1, 7)
)
CHROME = (
    "<header><nav><ul>" + "<li><a href='/x'>Chuyên mục</a></li>" * 15 + "</ul></nav></header>"
    "<script>" + "var dataLayer = dataLayer || []; " * 30 + "</script>"
)
RELATED = "<div class='related'><ul>" + "<li><a href='/y'>Tin liên quan khác</a></li>" * 12
RELATED += "</ul></div><footer><p>Toàn bộ bản quyền thuộc tòa soạn.</p></footer>"


def whole_page_text(html: str) -> str | None:
    return extract._main_text(lxml.html.fromstring(html), BASE + "/a.html")


@pytest.mark.parametrize(
    ("html", "uses_article"),
    [
        # The story in the page's one <article>: extracted from it alone.
        (f"<html><body>{CHROME}<article>{STORY}</article>{RELATED}</body></html>", True),
        # Two <article> elements (a listing, a timeline): the whole page.
        (
            f"<html><body>{CHROME}<article>{STORY}</article>"
            f"<article>{STORY}</article>{RELATED}</body></html>",
            False,
        ),
        # A one-paragraph teaser <article> beside a story told in <div>s: the whole page.
        (
            f"<html><body>{CHROME}<article><p>Tin mới: học phí năm học mới đã được công bố "
            f"chính thức.</p></article><div class='content'>{STORY}</div>{RELATED}</body></html>",
            False,
        ),
        # No <article>, but schema.org's articleBody marks the story.
        (
            f"<html><body>{CHROME}<div itemprop='articleBody'>{STORY}</div>{RELATED}</body></html>",
            True,
        ),
        # A teaser <article> and an articleBody holding the story: the articleBody.
        (
            f"<html><body>{CHROME}<article><p>Tin mới: học phí năm học mới.</p></article>"
            f"<div itemprop='articleBody'>{STORY}</div>{RELATED}</body></html>",
            True,
        ),
        # An <article> of short summary lines beside the story told in a <div>: more of the
        # page's paragraphs are in the <article>, but little of their text.
        (
            f"<html><body>{CHROME}<article>"
            + "".join(f"<p>Điểm chính {i}: học phí mới.</p>" for i in range(12))
            + f"</article><div class='content'>{STORY}</div>{RELATED}</body></html>",
            False,
        ),
        # Nothing marks the story.
        (f"<html><body>{CHROME}<div class='content'>{STORY}</div>{RELATED}</body></html>", False),
    ],
)
def test_the_pages_one_article_gives_the_text_of_the_whole_page(
    html: str, uses_article: bool, monkeypatch: pytest.MonkeyPatch
):
    expected = whole_page_text(html)
    assert expected and "bản quyền" not in expected
    assert "Đoạn 6" in expected or not uses_article
    documents: list[lxml.html.HtmlElement] = []
    real = extract._main_text

    def spy(tree: lxml.html.HtmlElement, url: str) -> str | None:
        documents.append(tree)
        return real(tree, url)

    monkeypatch.setattr(extract, "_main_text", spy)
    article = extract_article(html.encode(), BASE + "/a.html", "text/html; charset=utf-8")
    assert article.text == expected
    assert (documents[0].find(".//header") is None) == uses_article
    assert len(documents) == 1  # one trafilatura pass either way


def test_an_article_element_without_enough_text_falls_back_to_the_whole_page() -> None:
    # The page's only paragraph is in the <article>, but it is too short to be a text; the
    # story is in the page's other blocks.
    html = (
        f"<html><body>{CHROME}<article><p>Ảnh: Bộ Tài chính.</p></article>"
        "<div class='content'>"
        + "Bộ Tài chính đề xuất giữ nguyên mức thuế bảo vệ môi trường với xăng dầu. " * 6
        + "</div></body></html>"
    )
    assert extract._article_document(lxml.html.fromstring(html)) is not None
    article = extract_article(html.encode(), BASE + "/b.html", "text/html")
    assert "thuế bảo vệ môi trường" in article.text


@pytest.mark.parametrize(
    "body", [b"", "<html><body><p>Ngắn.</p></body></html>".encode(), b"\x00\xff" * 10]
)
def test_pages_without_article_are_dropped(body: bytes):
    with pytest.raises(DropItem):
        extract_article(body, BASE + "/x")


def test_near_duplicates_are_similar_and_others_are_not():
    site = Path(FIXTURE_ROOT)
    rumour = extract_article(
        (site / "tinnong24h/tin-nong/khan-cap-phat-5-trieu-khong-doi-can-cuoc.html").read_bytes(),
        BASE + "/a",
    )
    repost = extract_article(
        (
            site / "doisongplus/xa-hoi/tu-1-7-chua-doi-the-can-cuoc-bi-phat-5-trieu.html"
        ).read_bytes(),
        BASE + "/b",
    )
    other = extract_article(
        fixture(
            "vnexpress/phap-luat/bo-cong-an-bac-tin-phat-5-trieu-khong-doi-the-can-cuoc-4871400.html"
        ),
        BASE + "/c",
    )
    assert jaccard(shingles(rumour.text), shingles(repost.text)) >= 0.5
    assert jaccard(shingles(rumour.text), shingles(other.text)) < 0.2
    index = NearDuplicateIndex(0.5)
    index.add(1, signature(rumour.text))
    index.add(2, signature(other.text))
    assert index.candidates(signature(repost.text)) == [1]
    texts: dict[int, str | None] = {1: rumour.text, 2: other.text}
    match = index.best_match(shingle_hashes(repost.text), texts)
    assert match is not None and match[0] == 1
    assert len(signature(rumour.text)) == 128 * 4


def test_shingles_are_syllable_trigrams():
    assert shingles("Giá điện tăng, 4,8%!") == {"giá điện tăng", "điện tăng 4", "tăng 4 8"}
    assert shingles("") == set()
    assert json.dumps(sorted(shingles("một hai")), ensure_ascii=False) == '["một hai"]'


def test_a_batch_of_pages_returns_each_pages_outcome_in_its_place():
    good = fixture("vnexpress/giao-duc/hoc-phi-dai-hoc-cong-lap-nam-hoc-moi-4871300.html")
    url = BASE + "/vnexpress/giao-duc/hoc-phi-dai-hoc-cong-lap-nam-hoc-moi-4871300.html"
    pages = [(good, url, "text/html"), (b"", BASE + "/empty", "text/html"), (good, url, None)]
    first, empty, again = extract_pages(pages, None, 1_000_000, 6)
    assert isinstance(first, Article) and isinstance(again, Article)
    assert first.text == again.text and first.snapshot is not None
    assert isinstance(empty, DropItem) and empty.kind == "empty"
    assert extract_pages([], None, 1_000_000, 6) == []


def test_an_article_extracted_without_fingerprints_gets_the_same_ones_elsewhere():
    page = FIXTURE_ROOT / "vnexpress/thoi-su/luong-co-so-tang-len-2-34-trieu-dong-4871234.html"
    body = page.read_bytes()
    whole = extract.extract_page(body, "https://vnexpress.net/a.html", None, None, 1000, 6)
    bare = extract.extract_page(
        body, "https://vnexpress.net/a.html", None, None, 1000, 6, fingerprint=False
    )
    assert (bare.text, bare.title, bare.snapshot) == (whole.text, whole.title, whole.snapshot)
    assert whole.snapshot is not None and whole.snapshot.size == 1000  # packed all the same
    assert (bare.shingle_hashes, bare.signature, bare.content_hash) == (b"", b"", "")
    extract.fingerprint_article(bare)
    assert bare.shingle_hashes == whole.shingle_hashes
    assert bare.signature == whole.signature == signature(whole.text)
    assert bare.content_hash == whole.content_hash
