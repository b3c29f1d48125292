"""`last_used_at` without a write per request.

Requests only note the time in memory; a background task writes what was noted every
few seconds in one statement, and only for tokens this process has not written within
the last minute. The statement itself skips rows written less than a minute before, so
a token's row changes at most once a minute whichever processes it is used on.
"""

import asyncio
import logging
import time
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from db.database import Database
from services.merchants.token_repository import TokenRepository

logger = logging.getLogger(__name__)

WRITE_EVERY = 60.0  # seconds, per token


class TokenUsage:
    def __init__(self, db: Database, interval: float) -> None:
        self.db = db
        self.interval = interval
        self._pending: dict[int, datetime] = {}
        self._written: dict[int, float] = {}  # token id → monotonic time of our last write

    def record(self, token_id: int) -> None:
        written = self._written.get(token_id)
        if written is None or time.monotonic() - written >= WRITE_EVERY:
            self._pending[token_id] = datetime.now(UTC)

    async def flush(self) -> None:
        if not self._pending:
            return
        uses, self._pending = self._pending, {}
        async with self.db.transaction() as session:
            await TokenRepository(session).touch(uses)
        now = time.monotonic()
        for token_id in uses:
            self._written[token_id] = now
        if len(self._written) > 100_000:  # forget tokens not used for a minute
            self._written = {k: v for k, v in self._written.items() if now - v < WRITE_EVERY}

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except (OSError, SQLAlchemyError) as error:
                logger.warning("could not record API token use (retrying later): %s", error)
