"""A transaction can take a statement timeout of its own (addCampaignLeadsFromSegment's
INSERT does), longer or shorter than its connection's, and only for itself."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db.database import Database
from repositories.timeouts import statement_timeout_for_transaction


async def test_the_timeout_holds_for_the_transaction_only(scratch_db: Database) -> None:
    with pytest.raises(DBAPIError, match="statement timeout"):
        async with scratch_db.transaction() as session:
            await statement_timeout_for_transaction(session, 50)
            await session.execute(text("SELECT pg_sleep(0.3)"))
    async with scratch_db.transaction() as session:
        await statement_timeout_for_transaction(session, 2_000)
        await session.execute(text("SELECT pg_sleep(0.3)"))
    async with scratch_db.transaction() as session:  # the next one has the default again
        assert await session.scalar(text("SHOW statement_timeout")) == "0"
