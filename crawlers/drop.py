"""DropItem: a record that cannot become a post. The pipeline drops it and counts `kind`.

Kept free of imports so extraction worker processes stay small (no ORM loaded there).
"""


class DropItem(Exception):
    def __init__(self, kind: str, url: str, detail: str = "") -> None:
        super().__init__(kind, url, detail)
        self.kind = kind
        self.url = url
        self.detail = detail
        self.message_en = f"Dropped {url}: {kind} {detail}".strip()
        self.message_vi = f"Bỏ qua {url}: {kind} {detail}".strip()

    def __str__(self) -> str:
        return self.message_en
