"""The signing key, the tokens handed to the send engine and what a click does, on the
real database."""

import asyncio

import pytest
from sqlalchemy import func, select

from db.database import Database
from db.models import AppSecret, Campaign
from services.campaigns.drafts import CampaignDraft
from services.campaigns.service import CampaignService
from services.links import secret
from services.links.redirect import follow_link
from services.links.secret import SECRET_NAME, signing_key
from services.links.tokens import LinkRef, make_token, read_token
from services.links.tracking import link_variables
from services.merchants.service import create_merchant
from tests.services.links.support import clicks, delete_row, ledger_row

LINKS = {
    "2": {"kind": "body", "index": 0, "url": "https://shop.example/sale"},
    "3": {"kind": "button", "index": 0, "url": "https://shop.example/orders/{{1}}"},
}


async def tracked_campaign(db: Database) -> Campaign:
    async with db.transaction() as session:
        account = await create_merchant(session, "Links Shop", with_templates=False)
        draft = CampaignDraft(name="order_ready", body="Order {{order_id}} is ready for you.")
        campaign = await CampaignService(session).create(account.merchant.id, draft)
        campaign.tracked_links = LINKS
        return campaign


async def test_every_process_gets_the_same_key(scratch_db: Database) -> None:
    # Each Database stands for a process of its own, all starting at the same moment.
    processes = [Database(scratch_db.url, pool_size=1) for _ in range(6)]

    async def key_of(process: Database) -> bytes:
        async with process.session() as session:
            return await signing_key(session)

    secret._keys.clear()
    try:
        keys = await asyncio.gather(*(key_of(p) for p in processes))
    finally:
        for process in processes:
            await process.dispose()
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
    async with scratch_db.session() as session:
        count = await session.scalar(select(func.count()).where(AppSecret.name == SECRET_NAME))
    assert count == 1


async def test_the_key_outlives_a_rolled_back_caller(
    scratch_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secret, "_keys", {})
    async with scratch_db.session() as session:  # rolled back when it closes
        first = await signing_key(session)
    monkeypatch.setattr(secret, "_keys", {})  # a process started later
    async with scratch_db.session() as session:
        assert await signing_key(session) == first


async def test_link_variables_give_a_token_per_tracked_link(db: Database) -> None:
    campaign = await tracked_campaign(db)
    ledger_id = await ledger_row(db, campaign.merchant_id, campaign.id, {"1": "1042"})
    async with db.session() as session:
        variables = await link_variables(session, campaign, ledger_id)
        key = await signing_key(session)
    assert list(variables) == ["2", "3"]
    assert read_token(key, variables["2"]) == LinkRef(ledger_id, 2)
    assert read_token(key, variables["3"]) == LinkRef(ledger_id, 3)
    assert all(len(token) <= 32 for token in variables.values())

    campaign.tracked_links = {}
    async with db.session() as session:
        assert await link_variables(session, campaign, ledger_id) == {}


async def test_a_click_is_counted_and_leads_to_the_hydrated_target(db: Database) -> None:
    campaign = await tracked_campaign(db)
    ledger_id = await ledger_row(db, campaign.merchant_id, campaign.id, {"1": "1042"})
    async with db.session() as session:
        tokens = await link_variables(session, campaign, ledger_id)
    async with db.transaction() as session:
        assert await follow_link(session, tokens["3"]) == "https://shop.example/orders/1042"
        assert await follow_link(session, tokens["2"]) == "https://shop.example/sale"
        assert await follow_link(session, tokens["2"], count=False) == "https://shop.example/sale"
    assert await clicks(db, ledger_id) == 2


async def test_what_cannot_be_followed_counts_nothing(db: Database) -> None:
    campaign = await tracked_campaign(db)
    ledger_id = await ledger_row(db, campaign.merchant_id, campaign.id, {})
    async with db.session() as session:
        key = await signing_key(session)
    unknown_link = make_token(key, ledger_id, 9)
    missing_value = make_token(key, ledger_id, 3)  # {{1}} was never sent for this row
    no_row = make_token(key, 2**62, 2)
    async with db.transaction() as session:
        for token in (unknown_link, missing_value, no_row, "garbage"):
            assert await follow_link(session, token) is None, token
    assert await clicks(db, ledger_id) == 0

    working = make_token(key, ledger_id, 2)
    await delete_row(db, ledger_id)
    async with db.transaction() as session:
        assert await follow_link(session, working) is None
