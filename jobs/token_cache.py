"""Which merchant a bearer token belongs to, without a database round trip per request.

Each process keeps the tokens it has seen (by SHA-256) for `ttl` seconds. Revocation
reaches every process through the event bus (`TokenRevoked`, sent by the revoking
transaction on commit) and evicts the token at once. Two rules keep a missed event from
leaving a revoked token usable:

- the cache is only trusted while the bus's LISTEN connection is up; while it is down
  every request looks its token up, and when it comes back the cache is cleared, since
  a revocation may have been sent in between;
- entries expire after `ttl` seconds anyway (CAMPAIGNS_TOKEN_CACHE_TTL), a backstop for
  a connection that died without anyone noticing yet (the bus checks every second).

A lookup that started before an eviction does not store its (possibly stale) answer.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass

from db.database import Database
from db.models import Merchant
from repositories.tokens import TokenRepository
from services.events.bus import EventBus
from services.events.messages import Event, TokenRevoked
from services.merchants.tokens import hash_token, looks_like_token


@dataclass(frozen=True)
class Principal:
    """Who a request is: the merchant and which of its tokens it came with."""

    merchant: Merchant
    token_id: int


class TokenCache:
    def __init__(self, db: Database, bus: EventBus, ttl: float, max_entries: int = 10_000):
        self.db = db
        self.bus = bus
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._generation = 0  # bumped by every eviction
        self.lookups = 0  # database look-ups, for tests and benchmarks
        bus.watchers.append(self)

    def cached(self, secret: str) -> Principal | None:
        """The principal if this process holds it now, without asking the database."""
        if not looks_like_token(secret) or not self.bus.connected.is_set():
            return None
        hit = self._entries.get(hash_token(secret))
        return hit[0] if hit is not None and hit[1] > time.monotonic() else None

    async def authenticate(self, secret: str | None) -> Principal | None:
        if secret is None or not looks_like_token(secret):
            return None
        key = hash_token(secret)
        trusted = self.bus.connected.is_set()
        hit = self._entries.get(key)
        if hit is not None and trusted and hit[1] > time.monotonic():
            self._entries.move_to_end(key)
            return hit[0]
        generation = self._generation
        self.lookups += 1
        async with self.db.session() as session:
            found = await TokenRepository(session).owner(key)
        if found is None:
            return None
        principal = Principal(*found)
        if trusted and self.bus.connected.is_set() and generation == self._generation:
            self._entries[key] = (principal, time.monotonic() + self.ttl)
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return principal

    def forget(self, token_id: int) -> None:
        self._generation += 1
        for key in [k for k, (p, _) in self._entries.items() if p.token_id == token_id]:
            del self._entries[key]

    def on_event(self, event: Event) -> None:
        if isinstance(event, TokenRevoked):
            self.forget(event.token_id)

    def on_listening(self) -> None:
        self._generation += 1
        self._entries.clear()
