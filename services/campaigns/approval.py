"""The one transition function every approval report goes through, whatever brought it:
the submission answer, the Event Streams webhook, the poller or a manual sync."""

import logging
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignStatus
from db.models import Campaign, CampaignApprovalEvent
from repositories.campaigns import AccountScope, CampaignRepository
from repositories.rows import write_pending
from repositories.sends import pause_running_sends
from services.errors import ErrorCode, ServiceError
from services.events.messages import CampaignStatusChanged, SendProgress, publish
from services.twilio.approvals import ApprovalReport

logger = logging.getLogger(__name__)

# Statuses a report can no longer move a campaign back to once a verdict was reached:
# reports arrive out of order (a late "pending" webhook after the poller saw "approved").
_IN_REVIEW = {CampaignStatus.RECEIVED, CampaignStatus.PENDING}
_REVIEWED = {
    CampaignStatus.APPROVED,
    CampaignStatus.REJECTED,
    CampaignStatus.PAUSED,
    CampaignStatus.DISABLED,
}
_FROM_TWILIO = {s.value: s for s in CampaignStatus if s is not CampaignStatus.ARCHIVED}

# The poller checks a campaign in review after 5 s, then backs off to 10 minutes.
FIRST_CHECK = timedelta(seconds=5)
LONGEST_WAIT = timedelta(minutes=10)


class ReportSource(StrEnum):
    SUBMIT = "submit"
    WEBHOOK = "webhook"
    POLL = "poll"
    SYNC = "sync"


def next_check_delay(checks_so_far: int) -> timedelta:
    doublings = min(checks_so_far, 10)  # 5 s x 2**10 is past the cap already
    return min(FIRST_CHECK * (1 << doublings), LONGEST_WAIT)


def _target_status(current: CampaignStatus, raw: str) -> CampaignStatus:
    reported = _FROM_TWILIO.get(raw)
    if reported is None or current is CampaignStatus.ARCHIVED:
        return current  # unknown statuses are kept raw; archiving is ours to undo
    if reported in _IN_REVIEW and current in _REVIEWED:
        return current
    if reported is CampaignStatus.RECEIVED and current is CampaignStatus.PENDING:
        return current
    return reported


async def apply_report(
    session: AsyncSession,
    campaign: Campaign,
    report: ApprovalReport,
    source: ReportSource,
    now: datetime | None = None,
) -> bool:
    """Apply a report to a (locked) campaign; record and publish what changed.
    Returns whether the campaign's status changed."""
    now = now or datetime.now(UTC)
    raw = report.status.strip().lower()
    previous_status, previous_category = campaign.status, campaign.category
    previous_raw = campaign.twilio_status
    status = _target_status(previous_status, raw)
    if raw not in _FROM_TWILIO:
        logger.warning("campaign %s: unknown approval status %r kept raw", campaign.id, raw)

    _update_campaign(campaign, report, raw, status, now)
    changed = status is not previous_status
    if changed or campaign.category != previous_category or raw != previous_raw:
        CampaignRepository(session).record_approval_event(
            CampaignApprovalEvent(
                campaign_id=campaign.id,
                source=source.value,
                previous_status=previous_status.value,
                status=status.value,
                twilio_status=raw,
                previous_category=previous_category,
                category=campaign.category,
                rejection_reason=campaign.rejection_reason,
            )
        )
    if changed:
        await _announce_status_change(session, campaign, previous_status)
    await write_pending(session)
    return changed


def _update_campaign(
    campaign: Campaign,
    report: ApprovalReport,
    raw: str,
    status: CampaignStatus,
    now: datetime,
) -> None:
    """Take the report's status, category and reason, and plan the poller's next look."""
    previous_status = campaign.status
    campaign.twilio_status = raw
    campaign.status = status
    if report.category:
        campaign.category = report.category.upper()
    if status is CampaignStatus.REJECTED:
        reason = (report.rejection_reason or "").strip()
        campaign.rejection_reason = reason or campaign.rejection_reason or "Rejected by WhatsApp."
    elif status is not previous_status:
        campaign.rejection_reason = None
    campaign.approval_checked_at = now
    if status in _IN_REVIEW:
        if status is not previous_status:
            campaign.approval_check_failures = 0
        campaign.approval_next_check_at = now + next_check_delay(campaign.approval_check_failures)
    else:
        campaign.approval_next_check_at = None


async def _announce_status_change(
    session: AsyncSession, campaign: Campaign, previous_status: CampaignStatus
) -> None:
    status = campaign.status
    if status in (CampaignStatus.PAUSED, CampaignStatus.DISABLED):
        # WhatsApp will not deliver a paused or disabled template: stop its sends.
        reason = f"The template was {status.value} by WhatsApp."
        for send_id in await pause_running_sends(session, campaign.id, reason):
            await publish(session, SendProgress(campaign.merchant_id, campaign.id, send_id))
    await publish(
        session,
        CampaignStatusChanged(
            merchant_id=campaign.merchant_id,
            campaign_id=campaign.id,
            previous_status=previous_status.value,
            status=status.value,
        ),
    )


def stop_checking(campaign: Campaign) -> None:
    """Nothing for the approval job to do about this campaign."""
    campaign.approval_next_check_at = None


def retry_later(campaign: Campaign, now: datetime, error: ServiceError | None = None) -> None:
    """Back off: 5 s, 10 s, 20 s, … up to 10 minutes between two looks of the approval
    job. `error`: why a system template's submission failed (None: Twilio trouble)."""
    twilio_trouble = error is None or any(
        e.code in (ErrorCode.TWILIO_ERROR, ErrorCode.TWILIO_UNAVAILABLE) for e in error.errors
    )
    if not twilio_trouble:  # the template itself is invalid: retrying cannot help
        logger.error("system template %s cannot be submitted: %s", campaign.id, error)
        campaign.approval_next_check_at = None
        return
    campaign.approval_check_failures += 1
    campaign.approval_next_check_at = now + next_check_delay(campaign.approval_check_failures)


async def apply_event(
    session: AsyncSession,
    content_sid: str,
    status: str | None = None,
    category: str | None = None,
    fetched: ApprovalReport | None = None,
    account: AccountScope | None = None,
) -> int:
    """Apply an Event Streams report to every campaign with this content (normally one)
    of the merchants of the account it came from; returns how many there were. A
    rejection's reason is not in the event: `fetched` is what Twilio said when asked
    (before this transaction), if it could be asked."""
    campaigns = await CampaignRepository(session).by_content_sid(
        content_sid, lock=True, account=account
    )
    for campaign in campaigns:
        report = ApprovalReport(status or campaign.twilio_status or "", category=category)
        if status == CampaignStatus.REJECTED and fetched is not None:
            report = ApprovalReport(status, fetched.rejection_reason, fetched.category)
        if report.status:
            await apply_report(session, campaign, report, ReportSource.WEBHOOK)
    return len(campaigns)
