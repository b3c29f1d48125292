"""Records accepted messages in batches: one transaction every few milliseconds instead
of one per message, which is what lets one process send a thousand messages a second.

Until its batch is written a row stays `sending`; if the process dies first, the
reconciler finds the message in Twilio's list and records it then.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from db.database import Database
from services.sends.recorder import Accepted, record_accepted
from services.setting_values import LIMITED_RETRY_DELAYS

logger = logging.getLogger(__name__)


class Recorder:
    def __init__(
        self,
        db: Database,
        interval: float = 0.05,
        max_batch: int = 500,
        limited_retry_delays: Sequence[float] = LIMITED_RETRY_DELAYS,
    ) -> None:
        self.db = db
        self.limited_retry_delays = tuple(limited_retry_delays)
        self.interval = interval
        self.max_batch = max_batch
        self._pending: list[Accepted] = []
        self._task: asyncio.Task[None] | None = None
        self._flushed = asyncio.Event()

    def add(self, accepted: Accepted) -> None:
        self._pending.append(accepted)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="send-recorder")

    async def drain(self) -> None:
        """Wait until everything added so far is written (tests, shutdown)."""
        while self._pending or (self._task and not self._task.done()):  # noqa: ASYNC110
            await asyncio.sleep(self.interval)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while self._pending:
            await asyncio.sleep(self.interval)
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            try:
                await self.write(batch)
            except Exception:
                # The rows stay `sending`: the reconciler will record them from Twilio.
                logger.exception("recording %d accepted messages failed", len(batch))

    async def write(self, batch: list[Accepted]) -> None:
        async with self.db.transaction() as session:
            await record_accepted(session, batch, self.limited_retry_delays)
