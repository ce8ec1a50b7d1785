"""Which language a caller reads: Vietnamese by default, English on request."""

from starlette.requests import Request


def preferred_language(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    first = header.split(",", 1)[0].strip().lower()
    return "en" if first.startswith("en") else "vi"
