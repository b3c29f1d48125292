"""The token usage job: writes the API token uses requests noted in memory
(services/merchants/token_usage.py), one statement every few seconds."""

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from db.database import Database
from repositories.tokens import TokenRepository
from services.merchants.token_usage import TokenUsage

logger = logging.getLogger(__name__)


class TokenUsageWriter:
    def __init__(self, db: Database, usage: TokenUsage) -> None:
        self.db = db
        self.usage = usage

    async def flush(self) -> None:
        uses = self.usage.take()
        if not uses:
            return
        async with self.db.transaction() as session:
            await TokenRepository(session).touch(uses)
        self.usage.written(uses)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.usage.interval)
            try:
                await self.flush()
            except (OSError, SQLAlchemyError) as error:
                logger.warning("could not record API token use (retrying later): %s", error)
