"""Upgrading to merchants' own accounts (0010) changes nothing for existing merchants:
they stay on the platform's Twilio account and sender."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import text

from db.database import Database
from db.migrate import alembic_config, upgrade_async
from services.accounts.routing import twilio_route
from services.settings import Settings
from tests.support import create_database, drop_database

PLATFORM = Settings(
    TWILIO_ACCOUNT_SID="AC" + "1" * 32,
    TWILIO_AUTH_TOKEN="platform-token",
    TWILIO_WHATSAPP_FROM="whatsapp:+14155238886",
    CAMPAIGNS_SEND_RATE=80,
)


@pytest.fixture
async def at_0009(postgres: str) -> AsyncIterator[str]:
    url = await create_database(postgres)
    await upgrade_async(url, "0009")
    yield url
    await drop_database(postgres, url)


async def test_existing_merchants_keep_the_platform_account_and_sender(at_0009: str) -> None:
    old_world = Database(at_0009, pool_size=1)
    try:
        async with old_world.transaction() as session:
            merchant_id = (
                await session.execute(
                    text("INSERT INTO merchants (name) VALUES ('Old') RETURNING id")
                )
            ).scalar_one()
    finally:
        await old_world.dispose()
    await upgrade_async(at_0009)
    db = Database(at_0009, pool_size=1)
    try:
        async with db.session() as session:
            route = await twilio_route(session, PLATFORM, merchant_id)
    finally:
        await db.dispose()
    assert route.on_platform_account and route.credentials is None
    assert (route.sender, route.rate_limit, route.sender_id) == ("whatsapp:+14155238886", 80, None)


async def test_downgrade_below_0010_drops_only_the_new_tables(at_0009: str) -> None:
    await upgrade_async(at_0009)
    db = Database(at_0009, pool_size=1)
    try:
        async with db.transaction() as session:
            merchant_id = (
                await session.execute(
                    text("INSERT INTO merchants (name) VALUES ('Kept') RETURNING id")
                )
            ).scalar_one()
            await session.execute(
                text("INSERT INTO senders (merchant_id, address) VALUES (:m, :a)"),
                {"m": merchant_id, "a": "whatsapp:+14155238886"},
            )
    finally:
        await db.dispose()

    await asyncio.to_thread(command.downgrade, alembic_config(at_0009), "0009")
    db = Database(at_0009, pool_size=1)
    try:
        async with db.session() as session:
            names = await session.scalar(text("SELECT count(*) FROM merchants WHERE name = 'Kept'"))
            senders = await session.scalar(text("SELECT to_regclass('senders') IS NULL"))
    finally:
        await db.dispose()
    assert (names, senders) == (1, True)
