"""The approval job against the emulator, in a database of its own so that the test
server's job (which shares the main test database) does not compete with it."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.database import Database
from db.enums import CampaignAuthorType, CampaignStatus
from db.models import Campaign, CampaignApprovalEvent
from jobs.approval_job import ApprovalJob
from jobs.gateways import GatewayPool
from jobs.submission import submit_campaign
from services.campaigns.default_templates import DEFAULT_TEMPLATES
from services.campaigns.drafts import CampaignDraft
from services.campaigns.service import CampaignService
from services.merchants.service import create_merchant
from services.twilio.gateway import TwilioGateway
from tests.conftest import RunningEmulator
from tests.services.conftest import knobs

LATER = timedelta(hours=1)  # run the job as if its checks were due


async def campaigns_of(db: Database, merchant_id: int) -> list[Campaign]:
    async with db.session() as session:
        statement = select(Campaign).where(Campaign.merchant_id == merchant_id)
        return list((await session.execute(statement)).scalars())


async def test_polling_finds_the_approval_when_webhooks_are_lost(
    scratch_db: Database, gateway: TwilioGateway, emulator: RunningEmulator
) -> None:
    async with scratch_db.transaction() as session:
        created = await create_merchant(session, "Quiet Shop", with_templates=False)
        draft = CampaignDraft(name="no_webhooks", body="Hi {{lead_name}}, new arrivals are in!")
        campaign = await CampaignService(session).create(created.merchant.id, draft)
    await knobs(emulator, events_sink=None)
    try:
        await submit_campaign(scratch_db, gateway, created.merchant.id, campaign.id)
        await asyncio.sleep(1)  # the emulator's review: 2 steps of 0.2 s
    finally:
        await knobs(emulator, events_sink=emulator.sink)
    job = ApprovalJob(
        scratch_db, GatewayPool(gateway.settings, gateway), interval=0.1, submit_defaults=False
    )
    assert await job.run_once(datetime.now(UTC) + LATER) == 1
    [stored] = await campaigns_of(scratch_db, created.merchant.id)
    assert stored.status is CampaignStatus.APPROVED
    assert stored.approval_next_check_at is None, "nothing left to check"
    async with scratch_db.session() as session:
        sources = (
            await session.execute(
                select(CampaignApprovalEvent.source, CampaignApprovalEvent.status)
                .where(CampaignApprovalEvent.campaign_id == stored.id)
                .order_by(CampaignApprovalEvent.id)
            )
        ).all()
    assert [tuple(row) for row in sources] == [("submit", "received"), ("poll", "approved")]


@pytest.mark.parametrize(("commerce", "count"), [(False, 5), (True, 23)], ids=["plain", "shop"])
async def test_new_merchants_default_templates_are_submitted(
    scratch_db: Database, gateway: TwilioGateway, commerce: bool, count: int
) -> None:
    async with scratch_db.transaction() as session:
        created = await create_merchant(session, "New Shop", commerce=commerce)
    job = ApprovalJob(
        scratch_db, GatewayPool(gateway.settings, gateway), interval=0.1, submit_defaults=True
    )
    assert await job.run_once() == count
    templates = await campaigns_of(scratch_db, created.merchant.id)
    assert {c.author_type for c in templates} == {CampaignAuthorType.SYSTEM}
    assert {c.status for c in templates} == {CampaignStatus.RECEIVED}
    assert all(c.content_sid and c.category == "UTILITY" for c in templates)
    assert await job.run_once() == 0, "nothing is due again right away"


async def test_the_leader_gives_existing_merchants_the_current_default_templates(
    scratch_db: Database, gateway: TwilioGateway
) -> None:
    """As after an upgrade that renamed or added default templates."""
    async with scratch_db.transaction() as session:
        created = await create_merchant(session, "Older Shop", with_templates=False)
    job = ApprovalJob(
        scratch_db, GatewayPool(gateway.settings, gateway), interval=0.05, submit_defaults=False
    )
    task = asyncio.create_task(job.run())
    try:
        async with asyncio.timeout(5):
            while len(await campaigns_of(scratch_db, created.merchant.id)) < 5:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    templates = await campaigns_of(scratch_db, created.merchant.id)
    assert {c.name for c in templates} == {name.value for name in DEFAULT_TEMPLATES}
    assert {c.author_type for c in templates} == {CampaignAuthorType.SYSTEM}


async def test_only_one_process_polls_at_a_time(
    scratch_db: Database, gateway: TwilioGateway
) -> None:
    jobs = [
        ApprovalJob(
            scratch_db, GatewayPool(gateway.settings, gateway), interval=0.05, submit_defaults=False
        )
        for _ in range(3)
    ]
    tasks = [asyncio.create_task(job.run()) for job in jobs]
    try:
        async with asyncio.timeout(5):
            while not any(job.leading for job in jobs):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        assert sum(job.leading for job in jobs) == 1
        leader = next(i for i, job in enumerate(jobs) if job.leading)
        tasks[leader].cancel()  # the leading process dies
        async with asyncio.timeout(5):
            while not any(job.leading for i, job in enumerate(jobs) if i != leader):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        assert sum(job.leading for i, job in enumerate(jobs) if i != leader) == 1
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
