"""Who may make a request now: authentication (cached), failed attempts per client
address, and each token's rate, requests in flight, WebSocket connections and
subscriptions. Answers are a Principal, a Refusal saying why and when to retry, or None
(no valid token)."""

import math
from dataclasses import dataclass

from db.database import Database
from jobs.shared_rate_limit import SharedRateLimit
from jobs.token_cache import Principal, TokenCache
from services.events.bus import EventBus
from services.limits.local import InFlight, LocalBuckets
from services.merchants.token_usage import TokenUsage
from services.settings import Settings


@dataclass(frozen=True)
class Refusal:
    code: str  # extensions.code / the WebSocket error's code
    message: str
    retry_after: float  # seconds

    @property
    def retry_after_seconds(self) -> int:
        """Retry-After is whole seconds; never 0, which would invite an instant retry."""
        return max(1, math.ceil(self.retry_after))


class AccessControl:
    def __init__(self, db: Database, bus: EventBus, settings: Settings) -> None:
        self.tokens = TokenCache(db, bus, settings.token_cache_ttl)
        self.usage = TokenUsage(settings.token_usage_flush_interval)
        self.rate = SharedRateLimit(
            db, settings.token_rate, settings.token_burst, settings.token_rate_lease
        )
        self.in_flight = InFlight(settings.token_concurrency)
        self.ws_connections = InFlight(settings.ws_connections_per_token)
        self.ws_subscriptions = InFlight(settings.ws_subscriptions_per_token)
        self.auth_failures = LocalBuckets(
            settings.auth_failure_rate, float(settings.auth_failure_burst)
        )

    async def identify(self, secret: str, address: str) -> Principal | Refusal | None:
        """The token's principal, None for a token that is not valid (one more failure
        for the address), or a refusal once the address has failed too often. An address
        over its limit still gets in with a token this process already knows, so one
        misbehaving client behind a shared address does not lock out the others."""
        wait = self.auth_failures.exhausted(address)
        if wait > 0:
            principal = self.tokens.cached(secret)
            if principal is None:
                return Refusal(
                    "TOO_MANY_AUTH_FAILURES",
                    "Too many requests with an invalid token from this address "
                    "(CAMPAIGNS_AUTH_FAILURE_RATE); retry later.",
                    wait,
                )
        else:
            principal = await self.tokens.authenticate(secret)
            if principal is None:
                self.auth_failures.take(address)
                return None
        self.usage.record(principal.token_id)
        return principal

    async def enter(self, principal: Principal) -> Refusal | None:
        """Admit one request of the token, or say why not. Admitted requests must
        `leave` when done."""
        token_id = principal.token_id
        if not self.in_flight.acquire(token_id):
            return Refusal(
                "TOO_MANY_REQUESTS_IN_FLIGHT",
                f"This token already has {self.in_flight.limit} requests in progress "
                "(CAMPAIGNS_TOKEN_CONCURRENCY); wait for one to finish.",
                1.0,
            )
        refusal = await self.throttle(principal)
        if refusal is not None:
            self.in_flight.release(token_id)
        return refusal

    def leave(self, principal: Principal) -> None:
        self.in_flight.release(principal.token_id)

    async def throttle(self, principal: Principal) -> Refusal | None:
        """One request against the token's rate (HTTP requests and WebSocket operations)."""
        wait = await self.rate.acquire(principal.token_id)
        if wait <= 0:
            return None
        return Refusal(
            "RATE_LIMITED",
            f"This token is over its rate of {self.rate.rate:g} requests a second "
            f"(bursts of {self.rate.burst:g}; CAMPAIGNS_TOKEN_RATE, CAMPAIGNS_TOKEN_BURST).",
            wait,
        )
