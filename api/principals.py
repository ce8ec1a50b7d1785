"""Who a bearer token's user is, remembered for a few seconds per process.

Every staff request needs the user's role and active flag; reading them from the database each
time is one more round trip on the hottest routes. The cache keeps them `ttl` seconds. Any
change to a user or a partner (suspending a partner shuts out its people) made through a
session in this process empties it at once, so a deactivation or a role change here takes
effect immediately; one made by another process takes effect within `ttl` (api/caches.py).
"""

from typing import Any

from api.caches import ChangeCache
from models.partners import Partner
from models.users import User


class PrincipalCache(ChangeCache[Any]):
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        super().__init__(ttl, watches=(User, Partner), max_entries=max_entries)
