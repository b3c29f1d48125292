"""The state changes around a template's submission to Twilio for WhatsApp approval, and
its status sync (jobs/submission.py makes the Twilio calls between them)."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignStatus
from db.models import Campaign
from repositories.campaigns import CampaignRepository
from services.campaigns.approval import ReportSource, apply_report
from services.campaigns.submission_rules import (
    CATEGORY,
    samples_by_type,
    submission_problems,
    whatsapp_name,
)
from services.errors import ErrorCode, ServiceError, not_found
from services.links.tracking import tracked_submission
from services.twilio.approvals import ApprovalReport
from services.twilio.errors import ErrorKind, TwilioError

# Longer than a submission's Twilio calls can take (two calls and a cleanup, each with
# its timeout): an older claim was left by a process that died, and is taken over.
CLAIM_TTL = timedelta(minutes=2)


def twilio_failure(action: str, error: TwilioError) -> ServiceError:
    code = (
        ErrorCode.TWILIO_UNAVAILABLE
        if error.kind in (ErrorKind.RETRYABLE, ErrorKind.IN_DOUBT)
        else ErrorCode.TWILIO_ERROR
    )
    detail = f" (Twilio error {error.code})" if error.code else ""
    return ServiceError.single(code, f"Twilio could not {action}{detail}: {error.message}", ("id",))


@dataclass(frozen=True)
class Submission:
    """A claimed submission: what Twilio is to be sent, decided in the first transaction
    and sent with none open."""

    merchant_id: int
    campaign_id: int
    claim: str
    name: str
    language: str
    samples: dict[str, str]  # Twilio's positional variables with their samples
    types: dict[str, Any]  # the content types (tracked links' URLs)
    category: str
    links: dict[str, Any]  # the tracked links, as the campaign keeps them


class SubmissionService:
    """The two state changes around a submission's Twilio calls (jobs/submission.py
    makes the calls): `begin` claims the campaign, `finish` records what Twilio said,
    `release` gives the claim up after a failure."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.campaigns = CampaignRepository(session)

    async def _locked(self, merchant_id: int, campaign_id: int) -> Campaign:
        # Held only for this short transaction: never across a Twilio call.
        campaign = await self.campaigns.get(merchant_id, campaign_id, lock=True)
        if campaign is None:
            raise not_found("Campaign")
        return campaign

    async def begin(
        self, merchant_id: int, campaign_id: int, base_url: str, now: datetime | None = None
    ) -> Campaign | Submission | None:
        """The campaign when there is nothing to submit (submitted already), None while
        another submission of it is in progress, else the claimed submission (its links
        through the redirect at `base_url`)."""
        campaign = await self._locked(merchant_id, campaign_id)
        if campaign.status is CampaignStatus.ARCHIVED:
            raise ServiceError.single(ErrorCode.ARCHIVED, "This campaign is archived.", ("id",))
        if campaign.next_campaign_id is not None:
            raise ServiceError.single(
                ErrorCode.NOT_HEAD_VERSION, "Submit the newest version instead.", ("id",)
            )
        if campaign.status is not CampaignStatus.UNSUBMITTED:
            return campaign
        now = now or datetime.now(UTC)
        claimed_at = campaign.submission_claimed_at
        if campaign.submission_claim is not None and claimed_at and claimed_at > now - CLAIM_TTL:
            return None
        problems = submission_problems(campaign)
        if problems:
            raise ServiceError(problems)
        campaign.submission_claim = str(uuid.uuid4())
        campaign.submission_claimed_at = now
        return await self._prepare(campaign, campaign.submission_claim, base_url)

    async def _prepare(self, campaign: Campaign, claim: str, base_url: str) -> Submission:
        samples = samples_by_type(campaign)
        # Twilio gets the template with its links through our click-counting redirect;
        # the campaign keeps the merchant's own URLs.
        tracked = await tracked_submission(self.session, campaign, base_url, samples)
        positional = {key: samples[name] for key, name in campaign.variables.items()}
        return Submission(
            merchant_id=campaign.merchant_id,
            campaign_id=campaign.id,
            claim=claim,
            name=whatsapp_name(campaign),
            language=campaign.language,
            samples=positional | tracked.samples,
            types=tracked.types,
            category=CATEGORY[campaign.campaign_type],
            links=tracked.links,
        )

    async def finish(
        self, submission: Submission, sid: str, report: ApprovalReport
    ) -> Campaign | None:
        """Record the content and its first report; None if the claim was lost (taken
        over after it expired): the content is then not ours to keep."""
        campaign = await self._locked(submission.merchant_id, submission.campaign_id)
        if campaign.submission_claim != submission.claim:
            return None
        campaign.submission_claim = campaign.submission_claimed_at = None
        campaign.content_sid = sid
        campaign.whatsapp_name = submission.name
        campaign.tracked_links = submission.links
        campaign.submitted_at = datetime.now(UTC)
        await apply_report(self.session, campaign, report, ReportSource.SUBMIT)
        return campaign

    async def release(self, submission: Submission) -> None:
        """Give the claim up: Twilio refused, the campaign stays unsubmitted."""
        campaign = await self._locked(submission.merchant_id, submission.campaign_id)
        if campaign.submission_claim == submission.claim:
            campaign.submission_claim = campaign.submission_claimed_at = None

    async def content_sid(self, merchant_id: int, campaign_id: int) -> str:
        """The content a status sync asks Twilio about."""
        campaign = await self.campaigns.get(merchant_id, campaign_id)
        if campaign is None:
            raise not_found("Campaign")
        if campaign.content_sid is None:
            raise ServiceError.single(
                ErrorCode.NOT_SUBMITTED, "This campaign was never submitted.", ("id",)
            )
        return campaign.content_sid

    async def synced(
        self, merchant_id: int, campaign_id: int, content_sid: str, report: ApprovalReport
    ) -> Campaign:
        """Apply a report Twilio gave for `content_sid`, if the campaign still has it."""
        campaign = await self._locked(merchant_id, campaign_id)
        if campaign.content_sid == content_sid:
            await apply_report(self.session, campaign, report, ReportSource.SYNC)
        return campaign
