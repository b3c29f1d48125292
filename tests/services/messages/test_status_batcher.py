"""The status batcher keeps applying callbacks when its connection is dropped."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from db.database import Database
from db.enums import MessageStatus
from jobs.status_batcher import StatusBatcher
from services.messages.status import StatusUpdate
from tests.services.messages.ledger import (
    campaign_with_lead,
    message_row,
    new_merchant_id,
    new_phone,
    send_message,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def unpinged(database_url: str) -> AsyncIterator[Database]:
    """One pooled connection, never pinged before use: as the jobs' pool the webhook
    writes through."""
    database = Database(database_url, pool_size=1, pre_ping=False)
    yield database
    await database.dispose()


async def test_a_batch_whose_connection_was_dropped_is_applied_again(
    db: Database, unpinged: Database
) -> None:
    merchant_id = await new_merchant_id(db)
    lead = await campaign_with_lead(db, merchant_id, new_phone())
    first, second = [await send_message(db, merchant_id, lead, in_a_send=False) for _ in "ab"]
    batcher = StatusBatcher(unpinged)
    assert await batcher.apply(StatusUpdate(first.sid, "sent", None, None, T0))
    async with unpinged.session() as session:  # the pool's one connection
        backend = await session.scalar(text("SELECT pg_backend_pid()"))
    async with db.session() as session:  # a database restart, as far as it can tell
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})

    result = await batcher.apply(StatusUpdate(second.sid, "delivered", None, None, T0))

    assert result is not None and result.changed
    assert (await message_row(db, second.message_id)).status is MessageStatus.DELIVERED
