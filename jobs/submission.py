"""Submitting a template, syncing its approval status and applying approval events,
with no transaction open while Twilio is asked.

A submission is two short transactions around the Twilio calls: the first claims the
campaign (a concurrent submit waits for the claim, a crashed process's claim expires and
is taken over), the second records the content Twilio created. Used by the submitCampaign
and syncCampaignStatus mutations, the events webhook and the approval job.
"""

import asyncio
import logging

from db.database import Database
from db.enums import CampaignStatus
from db.models import Campaign
from repositories.campaigns import AccountScope, CampaignRepository
from services.campaigns.approval import apply_event
from services.submissions.service import Submission, SubmissionService, twilio_failure
from services.twilio.approvals import ApprovalReport
from services.twilio.errors import TwilioError
from services.twilio.gateway import TwilioGateway

logger = logging.getLogger(__name__)

CLAIM_POLL = 0.05  # seconds between two looks at another submit's claim


async def submit_campaign(
    db: Database, gateway: TwilioGateway, merchant_id: int, campaign_id: int
) -> Campaign:
    """Create the content and request approval; submitting again changes nothing. Raises
    the service's refusals (ServiceError)."""
    base_url = gateway.settings.base_url()
    while True:
        async with db.transaction() as session:
            step = await SubmissionService(session).begin(merchant_id, campaign_id, base_url)
        if isinstance(step, Campaign):
            return step
        if step is not None:
            return await _submit(db, gateway, step)
        await asyncio.sleep(CLAIM_POLL)  # another submit holds the claim: wait for it


async def _submit(db: Database, gateway: TwilioGateway, submission: Submission) -> Campaign:
    try:
        sid, report = await _create_and_request(gateway, submission)
    except BaseException:
        async with db.transaction() as session:
            await SubmissionService(session).release(submission)
        raise
    async with db.transaction() as session:
        campaign = await SubmissionService(session).finish(submission, sid, report)
    if campaign is not None:
        return campaign
    # Our claim expired and another submit took over: this content is an orphan.
    await _discard(gateway, sid)
    return await submit_campaign(db, gateway, submission.merchant_id, submission.campaign_id)


async def _create_and_request(
    gateway: TwilioGateway, submission: Submission
) -> tuple[str, ApprovalReport]:
    try:
        sid = await gateway.create_content(
            submission.name, submission.language, submission.samples, submission.types
        )
    except TwilioError as error:
        raise twilio_failure("create the template", error) from error
    try:
        report = await gateway.request_approval(sid, submission.name, submission.category)
    except TwilioError as error:
        await _discard(gateway, sid)
        raise twilio_failure("request WhatsApp approval", error) from error
    return sid, report


async def _discard(gateway: TwilioGateway, sid: str) -> None:
    """Delete content whose approval request failed, so no orphan stays at Twilio."""
    for _ in range(3):
        try:
            await gateway.delete_content(sid)
            return
        except TwilioError as error:
            last = error
    logger.error("could not delete orphan content %s: %s", sid, last)


async def sync_campaign(
    db: Database, gateway: TwilioGateway, merchant_id: int, campaign_id: int
) -> Campaign:
    """Ask Twilio for the approval status now."""
    async with db.session() as session:
        sid = await SubmissionService(session).content_sid(merchant_id, campaign_id)
    try:
        report = await gateway.fetch_approval(sid)
    except TwilioError as error:
        raise twilio_failure("report the approval status", error) from error
    async with db.transaction() as session:
        return await SubmissionService(session).synced(merchant_id, campaign_id, sid, report)


async def apply_approval_event(
    db: Database,
    gateway: TwilioGateway | None,
    content_sid: str,
    status: str | None = None,
    category: str | None = None,
    account: AccountScope | None = None,
) -> int:
    """Apply an Event Streams report (services/campaigns/approval.py: apply_event) to
    the campaigns of the account's merchants; a rejection's reason is fetched from
    Twilio first (through `gateway`, the account's), if the content is theirs."""
    fetched = None
    if status == CampaignStatus.REJECTED and gateway is not None:
        async with db.session() as session:
            ours = await CampaignRepository(session).by_content_sid(content_sid, account=account)
        if ours:
            try:
                fetched = await gateway.fetch_approval(content_sid)
            except TwilioError as error:
                logger.warning("rejection reason of %s unavailable: %s", content_sid, error)
    async with db.transaction() as session:
        return await apply_event(session, content_sid, status, category, fetched, account)
