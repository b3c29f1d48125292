"""Submitting a template to Twilio for WhatsApp approval, and syncing its status."""

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignStatus, CampaignType
from db.models import Campaign
from services.campaigns.approval import ApprovalReport, ReportSource, apply_report
from services.campaigns.rendering import SAMPLES
from services.campaigns.repository import CampaignRepository
from services.campaigns.whatsapp_rules import check_template
from services.errors import ErrorCode, FieldError, ServiceError, not_found
from services.links.tracking import tracked_submission
from services.twilio.errors import ErrorKind, TwilioError
from services.twilio.gateway import TwilioGateway

logger = logging.getLogger(__name__)

CATEGORY = {CampaignType.MARKETING: "MARKETING", CampaignType.SERVICE: "UTILITY"}


def whatsapp_name(campaign: Campaign) -> str:
    """Template names are unique per Twilio account, which every merchant shares, and a
    deleted name is blocked for 30 days: each version of each merchant's template gets
    its own name."""
    suffix = f"_m{campaign.merchant_id}_v{campaign.version}"
    return campaign.name[: 512 - len(suffix)] + suffix


def samples_by_type(campaign: Campaign) -> dict[str, str]:
    """A sample for each variable the template uses: the merchant's own, else ours."""
    return {
        name: str(campaign.samples.get(name) or SAMPLES[name])
        for name in campaign.variables.values()
    }


def submission_problems(campaign: Campaign) -> list[FieldError]:
    """What WhatsApp's rules find wrong with the campaign's body, with the samples it would
    be submitted with: exactly what `submit` refuses it for. Needs nothing but the row, so
    a list of campaigns can show it without a query per campaign."""
    return check_template(campaign.body, campaign.variables, samples_by_type(campaign), prefix=())


def twilio_failure(action: str, error: TwilioError) -> ServiceError:
    code = (
        ErrorCode.TWILIO_UNAVAILABLE
        if error.kind in (ErrorKind.RETRYABLE, ErrorKind.IN_DOUBT)
        else ErrorCode.TWILIO_ERROR
    )
    detail = f" (Twilio error {error.code})" if error.code else ""
    return ServiceError.single(code, f"Twilio could not {action}{detail}: {error.message}", ("id",))


class SubmissionService:
    def __init__(self, session: AsyncSession, gateway: TwilioGateway) -> None:
        self.session = session
        self.gateway = gateway
        self.campaigns = CampaignRepository(session)

    async def _locked(self, merchant_id: int, campaign_id: int) -> Campaign:
        # The row lock makes a second, concurrent submit wait and then find it submitted.
        campaign = await self.campaigns.get(merchant_id, campaign_id, lock=True)
        if campaign is None:
            raise not_found("Campaign")
        return campaign

    async def submit(self, merchant_id: int, campaign_id: int) -> Campaign:
        """Create the content and request approval; submitting again changes nothing."""
        campaign = await self._locked(merchant_id, campaign_id)
        if campaign.status is CampaignStatus.ARCHIVED:
            raise ServiceError.single(ErrorCode.ARCHIVED, "This campaign is archived.", ("id",))
        if campaign.next_campaign_id is not None:
            raise ServiceError.single(
                ErrorCode.NOT_HEAD_VERSION, "Submit the newest version instead.", ("id",)
            )
        if campaign.status is not CampaignStatus.UNSUBMITTED:
            return campaign
        problems = submission_problems(campaign)
        if problems:
            raise ServiceError(problems)
        samples = samples_by_type(campaign)

        name = whatsapp_name(campaign)
        # Twilio gets the template with its links through our click-counting redirect;
        # the campaign keeps the merchant's own URLs.
        tracked = await tracked_submission(
            self.session, campaign, self.gateway.settings.base_url(), samples
        )
        positional_samples = {key: samples[name] for key, name in campaign.variables.items()}
        try:
            sid = await self.gateway.create_content(
                name,
                campaign.language,
                positional_samples | tracked.samples,
                tracked.types,
            )
        except TwilioError as error:
            raise twilio_failure("create the template", error) from error
        try:
            report = await self.gateway.request_approval(
                sid, name, CATEGORY[campaign.campaign_type]
            )
        except TwilioError as error:
            await self._discard(sid)
            raise twilio_failure("request WhatsApp approval", error) from error

        campaign.content_sid = sid
        campaign.whatsapp_name = name
        campaign.tracked_links = tracked.links
        campaign.submitted_at = datetime.now(UTC)
        await apply_report(self.session, campaign, report, ReportSource.SUBMIT)
        return campaign

    async def _discard(self, sid: str) -> None:
        """Delete content whose approval request failed, so no orphan stays at Twilio."""
        for _ in range(3):
            try:
                await self.gateway.delete_content(sid)
                return
            except TwilioError as error:
                last = error
        logger.error("could not delete orphan content %s: %s", sid, last)

    async def sync(self, merchant_id: int, campaign_id: int) -> Campaign:
        """Ask Twilio for the approval status now."""
        campaign = await self._locked(merchant_id, campaign_id)
        if campaign.content_sid is None:
            raise ServiceError.single(
                ErrorCode.NOT_SUBMITTED, "This campaign was never submitted.", ("id",)
            )
        try:
            report = await self.gateway.fetch_approval(campaign.content_sid)
        except TwilioError as error:
            raise twilio_failure("report the approval status", error) from error
        await apply_report(self.session, campaign, report, ReportSource.SYNC)
        return campaign


async def apply_event(
    session: AsyncSession,
    gateway: TwilioGateway | None,
    content_sid: str,
    status: str | None = None,
    category: str | None = None,
) -> int:
    """Apply an Event Streams report to every campaign with this content (normally one);
    returns how many there were. A rejection's reason is not in the event: fetch it."""
    campaigns = await CampaignRepository(session).by_content_sid(content_sid, lock=True)
    for campaign in campaigns:
        report = ApprovalReport(status or campaign.twilio_status or "", category=category)
        if status == CampaignStatus.REJECTED and gateway is not None:
            try:
                fetched = await gateway.fetch_approval(content_sid)
                report = ApprovalReport(status, fetched.rejection_reason, fetched.category)
            except TwilioError as error:
                logger.warning("rejection reason of %s unavailable: %s", content_sid, error)
        if report.status:
            await apply_report(session, campaign, report, ReportSource.WEBHOOK)
    return len(campaigns)
