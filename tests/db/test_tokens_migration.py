"""Upgrading to named tokens keeps every existing token working, named "default"."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from db.database import Database
from db.migrate import upgrade_async
from services.merchants.tokens import hash_token
from tests.support import create_database, drop_database


@pytest.fixture
async def at_0006(postgres: str) -> AsyncIterator[str]:
    url = await create_database(postgres)
    await upgrade_async(url, "0006")
    yield url
    await drop_database(postgres, url)


async def test_todays_token_becomes_default_and_keeps_working(at_0006: str) -> None:
    from repositories.tokens import TokenRepository

    old_world = Database(at_0006, pool_size=1)
    try:
        async with old_world.transaction() as session:
            merchant_id = (
                await session.execute(
                    text("INSERT INTO merchants (name) VALUES ('Old') RETURNING id")
                )
            ).scalar_one()
            await session.execute(
                text("INSERT INTO api_tokens (merchant_id, token_hash) VALUES (:m, :h)"),
                {"m": merchant_id, "h": hash_token("cmp_issued-long-ago")},
            )
    finally:
        await old_world.dispose()
    await upgrade_async(at_0006)
    db = Database(at_0006, pool_size=1)
    try:
        async with db.session() as session:
            owner = await TokenRepository(session).owner(hash_token("cmp_issued-long-ago"))
            tokens = await TokenRepository(session).active(merchant_id)
    finally:
        await db.dispose()
    assert owner is not None and owner[0].id == merchant_id
    assert [(t.name, t.prefix, t.last_used_at) for t in tokens] == [("default", "cmp_", None)]
