"""A request rate per API token that holds across every server process, without a
database round trip per request.

The budget is a token bucket in PostgreSQL (one `api_token_rate_limits` row per API
token): it holds at most `burst` requests and refills at `rate` per second, by the
database's clock. A process does not ask it for every request; it *leases* up to `chunk`
requests in one UPDATE, serves requests from its lease in memory, and leases again when
the lease is used up. When the bucket is empty the process refuses the token's requests
from memory until the bucket should hold a chunk again, so a client hammering an
exhausted token costs at most one UPDATE per `chunk / rate` seconds per process.

Bounds, for P processes serving one token over any window of w seconds:

- served ≤ burst + rate·w + P·(chunk - 1): every request served was debited from the
  shared bucket first; what may exceed the bucket's own bound is what processes had
  leased before the window and not yet used, at most one lease each (P·(chunk - 1)).
  With the defaults (rate 30/s, burst 300, chunk 10) and 2 processes that is 18 requests
  over a 300-request burst (6 %).
- a client can be refused early by up to the same amount: requests leased by one process
  and left unused there cannot be served by another (the undershoot is bounded by the
  same P·(chunk - 1), and leases are used by the next requests on that process).

If the database cannot be reached the request is let through (and logged): refusing
every client because of our own outage would turn it into theirs.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from db.database import Database
from repositories.limits import lease

logger = logging.getLogger(__name__)


@dataclass
class _Budget:
    leased: int = 0  # requests this process may still serve for the token
    denied_until: float = 0.0  # monotonic time until which the shared bucket is empty
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class SharedRateLimit:
    def __init__(self, db: Database, rate: float, burst: float, chunk: int) -> None:
        self.db = db
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.chunk = max(1, min(chunk, int(self.burst)))
        self._budgets: dict[int, _Budget] = {}
        self.leases = 0  # UPDATEs made, for tests and benchmarks

    async def acquire(self, token_id: int) -> float:
        """0 when the request may go; otherwise the seconds until the token may retry."""
        if self.rate <= 0:
            return 0.0
        budget = self._budget(token_id)
        verdict = self._from_memory(budget)
        if verdict is not None:
            return verdict
        async with budget.lock:  # one lease at a time per token; the others wait for it
            verdict = self._from_memory(budget)
            if verdict is not None:
                return verdict
            return await self._lease(token_id, budget)

    def _from_memory(self, budget: _Budget) -> float | None:
        if budget.leased > 0:
            budget.leased -= 1
            return 0.0
        wait = budget.denied_until - time.monotonic()
        return wait if wait > 0 else None

    async def _lease(self, token_id: int, budget: _Budget) -> float:
        try:
            async with self.db.transaction() as session:
                got = await lease(session, token_id, self.chunk, self.rate, self.burst)
        except (OSError, SQLAlchemyError) as error:
            logger.warning("rate limit unavailable, letting a request through: %s", error)
            return 0.0
        self.leases += 1
        if got.granted == 0:
            wait = (self.chunk - got.left) / self.rate
            budget.denied_until = time.monotonic() + wait
            return wait
        budget.leased = got.granted - 1
        return 0.0

    def _budget(self, token_id: int) -> _Budget:
        budget = self._budgets.get(token_id)
        if budget is None:
            if len(self._budgets) > 10_000:
                self._forget_idle()
            budget = self._budgets[token_id] = _Budget()
        return budget

    def _forget_idle(self) -> None:
        now = time.monotonic()
        self._budgets = {
            k: b
            for k, b in self._budgets.items()
            if b.leased or b.denied_until > now or b.lock.locked()
        }
