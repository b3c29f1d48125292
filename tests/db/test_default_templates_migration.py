"""Upgrading a database made before the seed's template names (revision 0005): old system
templates are retired without losing history, and the sync brings the new ones."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from db.database import Database
from db.enums import CommerceDefaultCampaigns, DefaultCampaigns
from db.migrate import upgrade_async
from jobs.approval_job import sync_default_templates
from tests.support import create_database, drop_database

SEED_NAMES = {m.value for m in DefaultCampaigns} | {m.value for m in CommerceDefaultCampaigns}


@pytest.fixture
async def at_0005(postgres: str) -> AsyncIterator[str]:
    url = await create_database(postgres)
    await upgrade_async(url, "0005")
    yield url
    await drop_database(postgres, url)


async def _insert(db: Database, sql: str, **params: Any) -> int:
    async with db.transaction() as session:
        return int((await session.execute(text(sql + " RETURNING id"), params)).scalar_one())


async def _campaign(db: Database, merchant_id: int, name: str, **fields: Any) -> int:
    row = {
        "version": 1,
        "author": "system",
        "status": "approved",
        "sid": None,
        "next": None,
        "body": "Hi {{1}}, this is an old default template body.",
        **fields,
    }
    return await _insert(
        db,
        "INSERT INTO campaigns (merchant_id, name, version, body, language, variables,"
        " campaign_type, author_type, status, content_sid, next_campaign_id, channel)"
        " VALUES (:merchant, :name, :version, :body, 'en', '{\"1\": \"lead_name\"}',"
        " 'service', :author, :status, :sid, :next, 'whatsapp')",
        merchant=merchant_id,
        name=name,
        **row,
    )


async def _old_world(db: Database) -> dict[str, int]:
    """A commerce merchant onboarded with old names, one with a send's history."""
    merchant = await _insert(db, "INSERT INTO merchants (name, commerce) VALUES ('Old Shop', true)")
    ids = {"merchant": merchant, **await _old_templates_with_history(db, merchant)}
    # An old template never used, though submitted (its approval event goes with it).
    ids["unused"] = await _campaign(
        db, merchant, "customer_payment_reminder", status="received", sid="HX" + "2" * 32
    )
    await _insert(
        db,
        "INSERT INTO campaign_approval_events (campaign_id, source, previous_status, status)"
        " VALUES (:c, 'submit', 'unsubmitted', 'received')",
        c=ids["unused"],
    )
    ids["kept"] = await _campaign(db, merchant, "hello_world")
    # The merchant's own template, under a name the system once used.
    ids["own"] = await _campaign(
        db, merchant, "customer_question_received", author="merchant", status="unsubmitted"
    )
    ids["plain"] = await _insert(db, "INSERT INTO merchants (name) VALUES ('Plain Shop')")
    return ids


async def _old_templates_with_history(db: Database, merchant: int) -> dict[str, int]:
    ids: dict[str, int] = {}
    # An old template with two versions; the first one was sent to a lead.
    ids["sent_v2"] = await _campaign(db, merchant, "merchant_low_stock", version=2)
    ids["sent_v1"] = await _campaign(db, merchant, "merchant_low_stock", next=ids["sent_v2"])
    person = await _insert(
        db,
        "INSERT INTO conversation_users (merchant_id, phone, name)"
        " VALUES (:m, '+14155550101', 'Ana')",
        m=merchant,
    )
    lead = await _insert(
        db,
        "INSERT INTO campaign_leads (campaign_id, conversation_user_id) VALUES (:c, :p)",
        c=ids["sent_v1"],
        p=person,
    )
    ids["ledger"] = await _insert(
        db,
        "INSERT INTO campaign_lead_messages (campaign_id, campaign_lead_id, state, context)"
        " VALUES (:c, :l, 'sent', '{\"lead_name\": \"Ana\"}')",
        c=ids["sent_v1"],
        l=lead,
    )
    # An old template whose content was sent as a plain message (no ledger row).
    ids["messaged"] = await _campaign(db, merchant, "driver_pickup_ready", sid="HX" + "1" * 32)
    await _insert(
        db,
        "INSERT INTO messages (merchant_id, conversation_user_id, direction, content_sid,"
        " status) VALUES (:m, :p, 'outbound', :sid, 'delivered')",
        m=merchant,
        p=person,
        sid="HX" + "1" * 32,
    )
    return ids


async def _rows(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.session() as session:
        return list((await session.execute(text(sql), params)).all())


async def test_upgrading_retires_old_system_templates_and_keeps_history(at_0005: str) -> None:
    db = Database(at_0005, pool_size=2)
    try:
        ids = await _old_world(db)

        await upgrade_async(at_0005)

        own = await _old_system_templates_are_retired(db, ids)
        await _the_sync_brings_the_seed_names(db, ids, own)
    finally:
        await db.dispose()


async def _old_system_templates_are_retired(db: Database, ids: dict[str, int]) -> Any:
    """Checks the upgraded rows; returns the merchant's own template as it was left."""
    by_id = {
        row.id: row
        for row in await _rows(
            db,
            "SELECT id, name, status, author_type, body, channel, approval_next_check_at"
            " FROM campaigns WHERE merchant_id = :m",
            m=ids["merchant"],
        )
    }
    assert ids["unused"] not in by_id, "an old template without history is deleted"
    assert await _rows(db, "SELECT 1 FROM campaign_approval_events") == []
    assert by_id[ids["sent_v2"]].status == "archived", "the head of a sent one is archived"
    assert by_id[ids["sent_v1"]].status == "approved", "older versions stay as they were"
    assert by_id[ids["messaged"]].status == "archived"
    assert by_id[ids["kept"]].status == "approved", "a default name of today is kept"
    own = by_id[ids["own"]]
    assert (own.author_type, own.status) == ("merchant", "unsubmitted")
    assert {row.channel for row in by_id.values()} == {"twilio"}
    [history] = await _rows(
        db,
        "SELECT c.name, c.status, m.context FROM campaign_lead_messages m"
        " JOIN campaigns c ON c.id = m.campaign_id WHERE m.id = :id",
        id=ids["ledger"],
    )
    assert tuple(history) == ("merchant_low_stock", "approved", {"lead_name": "Ana"})
    return own


async def _the_sync_brings_the_seed_names(db: Database, ids: dict[str, int], own: Any) -> None:
    assert await sync_default_templates(db) == 23 + 5
    heads = await _rows(
        db,
        "SELECT merchant_id, name, status, author_type FROM campaigns"
        " WHERE next_campaign_id IS NULL",
    )
    live_system = {
        (row.merchant_id, row.name)
        for row in heads
        if row.author_type == "system" and row.status != "archived"
    }
    assert live_system == {(ids["merchant"], name) for name in SEED_NAMES} | {
        (ids["plain"], m.value) for m in DefaultCampaigns
    }
    archived = {row.name for row in heads if row.status == "archived"}
    assert archived == {"merchant_low_stock", "driver_pickup_ready"}
    [own_after] = await _rows(
        db, "SELECT body, status FROM campaigns WHERE id = :id", id=ids["own"]
    )
    assert tuple(own_after) == (own.body, own.status), "the merchant's own is untouched"
    assert await sync_default_templates(db) == 0, "a second sync has nothing to do"
