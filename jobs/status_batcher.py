"""Group commit for status callbacks.

A send of thousands of messages brings back thousands of callbacks a second. Applied
one transaction each, the server spends its CPU on round trips and commits, and
PostgreSQL serialises the commits of transactions that NOTIFY. Callbacks that arrive
together are instead queued here and applied as one batch: one set-based UPDATE, one
NOTIFY per campaign and one commit. Each caller waits for its own callback's outcome,
known only once the batch committed, so a webhook never acknowledges a change that is
not in the database yet.
"""

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError

from db.database import Database
from services.messages.status import StatusResult, StatusUpdate, apply_statuses
from services.sends.limited import retry_limited
from services.sends.sender_errors import pause_on_sender_errors
from services.setting_values import LIMITED_RETRY_DELAYS
from services.telemetry import request_ids

logger = logging.getLogger(__name__)

# PostgreSQL's deadlock_detected: two processes' batches locking shared rows in
# different orders. One of them is rolled back, and applying it again succeeds.
_DEADLOCK = "40P01"
_ATTEMPTS = 3

Pending = tuple[StatusUpdate, "asyncio.Future[StatusResult | None]"]


class StatusBatcher:
    """Applies queued status updates in batches, one batch in flight at a time: while a
    batch commits the next one fills, so batches grow with the load on their own."""

    def __init__(
        self,
        db: Database,
        *,
        platform_account_sid: str | None = None,
        window: float = 0.002,
        max_items: int = 200,
        limited_retry_delays: Sequence[float] = LIMITED_RETRY_DELAYS,
    ) -> None:
        self.db = db
        # When a message Meta limited (63049) is tried again (services/sends/limited.py).
        self.limited_retry_delays = tuple(limited_retry_delays)
        # Callbacks of the platform's account also own messages recorded without one.
        self.platform_account_sid = platform_account_sid
        # How long the first callback of a burst waits for others: short enough to be
        # lost in a request's latency, long enough for concurrent requests to join.
        self.window = window
        self.max_items = max_items
        self._pending: list[Pending] = []
        self._full = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None

    async def apply(self, update: StatusUpdate) -> StatusResult | None:
        """The update's outcome once its batch committed (None for an unknown sid); raises
        what the batch's transaction raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[StatusResult | None] = loop.create_future()
        self._pending.append((update, future))
        if self._worker is None or self._worker.done() or self._worker.get_loop() is not loop:
            # A fresh event per worker: an asyncio.Event belongs to the loop that first
            # waited on it, and an application may outlive one loop (tests do).
            self._full = asyncio.Event()
            # In a context of its own: it works for every request, not the one that
            # happened to start it, whose request id its lines would otherwise carry.
            self._worker = loop.create_task(
                self._run(), name="status-batcher", context=contextvars.Context()
            )
        if len(self._pending) >= self.max_items:
            self._full.set()
        return await future

    async def _run(self) -> None:
        # Only the first batch of a burst waits: later ones collected what arrived while
        # the previous batch committed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._full.wait(), self.window)
        while self._pending:
            batch = self._pending[: self.max_items]
            del self._pending[: self.max_items]
            if len(self._pending) < self.max_items:
                self._full.clear()
            await self._apply(batch)

    async def _apply(self, batch: list[Pending]) -> None:
        updates = [update for update, _ in batch]
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with self.db.transaction() as session:
                    results = await apply_statuses(session, updates, self.platform_account_sid)
                    await pause_on_sender_errors(session, updates, results)
                    await retry_limited(session, updates, results, self.limited_retry_delays)
                break
            except Exception as error:
                if _is_deadlock(error) and attempt < _ATTEMPTS:
                    logger.info("status batch deadlocked with another; applying it again")
                    continue
                if _is_disconnect(error) and attempt < _ATTEMPTS:
                    # Nothing was committed; the pool replaces the connection.
                    logger.info("status batch lost its connection (%s); applying it again", error)
                    continue
                if len(batch) > 1:
                    # One callback PostgreSQL refuses must not fail the others with it:
                    # apply each alone, so that only its own request gets the error.
                    logger.warning(
                        "a batch of %d status callbacks failed (%s); applying them one by one",
                        len(batch),
                        error,
                    )
                    for item in batch:
                        await self._apply([item])
                    return
                with request_ids.bound(batch[0][0].request_id):
                    logger.exception("a status callback for %s failed", batch[0][0].sid)
                for _, future in batch:
                    if not future.done():  # its request may have gone (client left)
                        future.set_exception(error)
                return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)


def _is_disconnect(error: Exception) -> bool:
    """The connection was dropped (a database restart, an idle one closed by a proxy):
    SQLAlchemy invalidated it, and the next transaction gets a fresh one."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _is_deadlock(error: Exception) -> bool:
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) == _DEADLOCK
