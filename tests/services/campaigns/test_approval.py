"""The approval transition function, fed reports as Twilio sends them."""

from sqlalchemy import select

from db.database import Database
from db.enums import CampaignStatus
from db.models import Campaign, CampaignApprovalEvent
from services.campaigns.approval import ReportSource, apply_report
from services.campaigns.drafts import CampaignDraft
from services.campaigns.service import CampaignService
from services.merchants.service import create_merchant
from services.twilio.approvals import ApprovalReport


async def new_campaign(db: Database) -> Campaign:
    async with db.transaction() as session:
        account = await create_merchant(session, "Approval Shop", with_templates=False)
        draft = CampaignDraft(name="promo", body="Hi {{lead_name}}, the promo is on now!")
        return await CampaignService(session).create(account.merchant.id, draft)


async def report(db: Database, campaign_id: int, status: str, **fields: str) -> Campaign:
    async with db.transaction() as session:
        campaign = await session.get_one(Campaign, campaign_id, with_for_update=True)
        await apply_report(session, campaign, ApprovalReport(status, **fields), ReportSource.POLL)
        return campaign


async def history(db: Database, campaign_id: int) -> list[tuple[str, str, str | None]]:
    async with db.session() as session:
        rows = await session.execute(
            select(
                CampaignApprovalEvent.status,
                CampaignApprovalEvent.twilio_status,
                CampaignApprovalEvent.category,
            )
            .where(CampaignApprovalEvent.campaign_id == campaign_id)
            .order_by(CampaignApprovalEvent.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_unknown_statuses_are_kept_raw(db: Database) -> None:
    campaign = await new_campaign(db)
    await report(db, campaign.id, "pending")
    stored = await report(db, campaign.id, "In_Appeal")
    assert stored.status is CampaignStatus.PENDING, "an unknown status changes nothing we act on"
    assert stored.twilio_status == "in_appeal", "but it is kept and shown"
    assert (await history(db, campaign.id))[-1] == ("pending", "in_appeal", None)


async def test_category_changes_by_meta_are_recorded(db: Database) -> None:
    campaign = await new_campaign(db)
    await report(db, campaign.id, "approved", category="UTILITY")
    stored = await report(db, campaign.id, "approved", category="marketing")
    assert stored.category == "MARKETING"
    assert await history(db, campaign.id) == [
        ("approved", "approved", "UTILITY"),
        ("approved", "approved", "MARKETING"),
    ]


async def test_paused_templates_come_back_and_archived_ones_stay(db: Database) -> None:
    campaign = await new_campaign(db)
    await report(db, campaign.id, "approved")
    assert (await report(db, campaign.id, "paused")).status is CampaignStatus.PAUSED
    assert (await report(db, campaign.id, "approved")).status is CampaignStatus.APPROVED
    assert (await report(db, campaign.id, "disabled")).status is CampaignStatus.DISABLED
    async with db.transaction() as session:
        await CampaignService(session).archive(campaign.merchant_id, campaign.id)
    assert (await report(db, campaign.id, "approved")).status is CampaignStatus.ARCHIVED
