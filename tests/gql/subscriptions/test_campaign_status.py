import asyncio

from db.database import Database
from gql.ids import decode_pk
from jobs.runtime import Runtime
from repositories.campaigns import CampaignRepository
from services.campaigns.approval import ReportSource, apply_report
from services.twilio.approvals import ApprovalReport
from tests.conftest import MerchantAccount
from tests.gql.helpers import create_campaign
from tests.gql.operations import contract
from tests.support import subscribe

STATUS_CHANGED = contract("CampaignStatusChanged")


async def report(
    db: Database, account: MerchantAccount, campaign_id: str, status: str, reason: str = ""
) -> None:
    """Twilio's word on a template, as the webhook, the poller or a sync would apply it."""
    pk = decode_pk(campaign_id, "Campaign")
    assert pk is not None
    async with db.transaction() as session:
        campaign = await CampaignRepository(session).get(account.merchant.id, pk, lock=True)
        assert campaign is not None
        await apply_report(session, campaign, ApprovalReport(status, reason), ReportSource.WEBHOOK)


async def until_subscribed(runtime: Runtime, count: int) -> None:
    async with asyncio.timeout(5):
        while len(runtime.bus.subscriptions) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_status_changes_arrive_in_order(
    merchant: MerchantAccount, db: Database, runtime: Runtime, server_url: str
) -> None:
    campaign = await create_campaign(merchant.client)
    before = len(runtime.bus.subscriptions)
    async with subscribe(
        server_url, merchant.token, STATUS_CHANGED, {"campaignId": campaign["id"]}
    ) as sub:
        await until_subscribed(runtime, before + 1)
        for status in ("received", "pending", "approved"):
            await report(db, merchant, campaign["id"], status)
        seen = [(await sub.next())["data"]["campaignStatusChanged"] for _ in range(3)]
    assert [(e["previousStatus"], e["campaign"]["status"]) for e in seen] == [
        ("UNSUBMITTED", "RECEIVED"),
        ("RECEIVED", "PENDING"),
        ("PENDING", "APPROVED"),
    ]
    assert seen[0]["campaign"]["id"] == campaign["id"]


async def test_rejection_reason_and_stale_reports(
    merchant: MerchantAccount, db: Database, runtime: Runtime, server_url: str
) -> None:
    campaign = await create_campaign(merchant.client)
    before = len(runtime.bus.subscriptions)
    async with subscribe(server_url, merchant.token, STATUS_CHANGED) as sub:
        await until_subscribed(runtime, before + 1)
        await report(db, merchant, campaign["id"], "rejected", "Body starts with a variable")
        await report(db, merchant, campaign["id"], "pending")  # late, out of order: ignored
        event = (await sub.next())["data"]["campaignStatusChanged"]
        assert event["campaign"]["status"] == "REJECTED"
        assert event["campaign"]["rejectionReason"] == "Body starts with a variable"
        await sub.expect_silence()


async def test_subscribers_see_only_their_own_campaigns(
    merchant: MerchantAccount,
    other_merchant: MerchantAccount,
    db: Database,
    runtime: Runtime,
    server_url: str,
) -> None:
    theirs = await create_campaign(other_merchant.client)
    mine = await create_campaign(merchant.client)
    before = len(runtime.bus.subscriptions)
    async with subscribe(server_url, merchant.token, STATUS_CHANGED) as sub:
        await until_subscribed(runtime, before + 1)
        await report(db, other_merchant, theirs["id"], "received")
        await report(db, merchant, mine["id"], "received")
        event = (await sub.next())["data"]["campaignStatusChanged"]
        assert event["campaign"]["id"] == mine["id"]


async def test_subscription_without_token_is_unauthenticated(server_url: str) -> None:
    async with subscribe(server_url, None, STATUS_CHANGED) as sub:
        message = await sub.websocket.recv()
    assert "UNAUTHENTICATED" in message
