"""A local Vietnamese news site for crawler tests, served on 127.0.0.1.

Static files come from tests/fixtures/site/ (VnExpress-, Tuổi Trẻ-, Thanh Niên- and
Báo Chính phủ-like pages, feeds and sitemaps). Special routes exercise the unpleasant
cases:

    /slow?s=SECONDS            answers after SECONDS (default 5)
    /huge                      50 MB of HTML, streamed in chunks
    /ratelimited?key=K&n=N     429 with Retry-After: 1 for the first N requests per K
    /flaky?key=K&n=N           503 for the first N requests per K, then an article
    /status/CODE               that status code
    /redirect-loop/a           a → b → a → ...
    /redirect-chain/N          N redirects then an article
    /redirect-to?url=U         302 to U (e.g. the cloud metadata address)
    *.gz                       gzip of the file without .gz, if only that exists
    *.w1258.html               the UTF-8 file re-encoded as windows-1258, served with a
                               header that wrongly says UTF-8

Every static file has an ETag and Last-Modified and answers 304 to a matching
conditional GET. `SiteServer.hits` counts requests per path (with query).

Run it as a separate process (for worker or benchmark tests):

    python -m tests.crawlers.site --port 8765 [--root DIR] [--host 127.0.0.1]
"""

import argparse
import contextlib
import gzip
import hashlib
import threading
import time
import unicodedata
from collections import Counter
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURE_ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "site"
HUGE_BYTES = 50 * 1024 * 1024
# One fixed date so ETag/Last-Modified do not change between runs.
LAST_MODIFIED = formatdate(1746340200, usegmt=True)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/x-gzip",
}
# Files whose header lies about their charset, as some Vietnamese CMSs do.
HEADER_OVERRIDES = {
    "sai-charset-header.html": "text/html; charset=iso-8859-1",
    "bom-utf8.html": "text/html",
}


def encode_windows_1258(text: str) -> bytes:
    """windows-1258 has few precomposed letters: write tones as combining marks."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        # Recompose the vowel shape (â, ơ, ư ...) and keep only the tone as a mark.
        shape = "".join(m for m in marks if m not in "\u0300\u0301\u0303\u0309\u0323")
        tones = "".join(m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323")
        out += (unicodedata.normalize("NFC", base + shape) + tones).encode("cp1258", "replace")
    return bytes(out)


def article_html(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p class='Normal'>{body}</p>" for _ in range(3))
    return (
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><h1 class='title-detail'>{title}</h1>"
        "<span class='date'>Thứ hai, 4/5/2025, 14:30 (GMT+7)</span>"
        f"<article class='fck_detail'>{paragraphs}</article></body></html>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    server: "SiteServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = headers or {}
        headers.setdefault("Content-Type", "text/html; charset=utf-8")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        with self.server.lock:
            self.server.hits[self.path] += 1
            if self.path != path:
                self.server.hits[path] += 1
            self.server.user_agents[self.headers.get("User-Agent", "")] += 1
        try:
            if not self._special(path, query):
                self._static(path)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _count(self, key: str) -> int:
        with self.server.lock:
            self.server.counters[key] += 1
            return self.server.counters[key]

    def _special(self, path: str, query: dict[str, str]) -> bool:
        if path == "/slow":
            time.sleep(float(query.get("s", "5")))
            self._send(200, article_html("Trang chậm", "Nội dung đến muộn. " * 20))
        elif path == "/huge":
            self._huge()
        elif path == "/ratelimited":
            n = self._count("ratelimited:" + query.get("key", ""))
            if n <= int(query.get("n", "1")):
                self._send(429, b"Too many requests", {"Retry-After": query.get("after", "1")})
            else:
                self._send(200, article_html("Sau khi chờ", "Máy chủ đã cho phép tải lại. " * 20))
        elif path == "/flaky":
            n = self._count("flaky:" + query.get("key", ""))
            if n <= int(query.get("n", "1")):
                self._send(503, b"Service unavailable")
            else:
                self._send(200, article_html("Lần thứ hai", "Máy chủ đã hoạt động trở lại. " * 20))
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self._send(code, f"<html><body>{code} {HTTPStatus(code).phrase}</body></html>".encode())
        elif path.startswith("/redirect-loop/"):
            target = "/redirect-loop/b" if path.endswith("/a") else "/redirect-loop/a"
            self._send(302, b"", {"Location": target})
        elif path.startswith("/redirect-chain/"):
            n = int(path.rsplit("/", 1)[1])
            if n <= 0:
                self._send(
                    200, article_html("Đích đến", "Trang cuối của chuỗi chuyển hướng. " * 20)
                )
            else:
                self._send(301, b"", {"Location": f"/redirect-chain/{n - 1}"})
        elif path == "/redirect-to":
            self._send(302, b"", {"Location": query.get("url", "/")})
        else:
            return False
        return True

    def _huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        chunk = ("<p>Nội dung rất dài lặp lại để thử giới hạn kích thước.</p>" * 1000).encode()
        sent = 0
        self.wfile.write(b"<html><body>")
        sent += 12
        while sent < HUGE_BYTES:
            piece = chunk[: HUGE_BYTES - sent]
            self.wfile.write(piece)
            sent += len(piece)

    def _static(self, path: str) -> None:
        root = self.server.root
        relative = path.lstrip("/") or "index.html"
        if relative.endswith("/"):
            relative += "index.html"
        target = (root / relative).resolve()
        if root not in target.parents and target != root:
            self._send(404, b"not found")
            return
        content_type = CONTENT_TYPES.get(target.suffix, "application/octet-stream")
        if target.is_file():
            body = target.read_bytes()
        elif target.suffix == ".gz" and target.with_suffix("").is_file():
            body = gzip.compress(target.with_suffix("").read_bytes(), mtime=0)
        elif (
            target.name.endswith(".w1258.html")
            and target.with_name(target.name.replace(".w1258.html", ".html")).is_file()
        ):
            source = target.with_name(target.name.replace(".w1258.html", ".html"))
            body = encode_windows_1258(source.read_text("utf-8"))
            content_type = "text/html; charset=utf-8"  # the lie this route exists to test
        else:
            self._send(404, b"<html><body>404 Not Found</body></html>")
            return
        content_type = HEADER_OVERRIDES.get(target.name, content_type)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", {"ETag": etag, "Last-Modified": LAST_MODIFIED})
            return
        self._send(
            200, body, {"Content-Type": content_type, "ETag": etag, "Last-Modified": LAST_MODIFIED}
        )


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, root: Path = FIXTURE_ROOT) -> None:
        super().__init__((host, port), Handler)
        self.root = root.resolve()
        self.hits: Counter[str] = Counter()
        self.counters: Counter[str] = Counter()
        self.user_agents: Counter[str] = Counter()
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "SiteServer":
        thread = threading.Thread(target=self.serve_forever, name="test-site", daemon=True)
        thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the local Vietnamese test site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--root", type=Path, default=FIXTURE_ROOT)
    args = parser.parse_args()
    server = SiteServer(args.host, args.port, args.root)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
