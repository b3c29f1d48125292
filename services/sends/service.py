"""Bulk sends: creating one (audience snapshot and checks, in one transaction) and the
state machine that pauses, resumes, cancels and retries it."""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignSendStatus, CampaignStatus, LedgerState
from db.models import Campaign, CampaignSend
from repositories import ledger
from repositories import sends as send_repository
from repositories.campaigns import CampaignRepository
from repositories.merchants import MerchantRepository
from repositories.rows import write_pending
from services.accounts.routing import TwilioRoute, sending_route
from services.errors import ErrorCode, ServiceError, not_found
from services.events.messages import SendProgress, publish, rows_changed
from services.sends.audience import Recipient, Verdict, active_recipients, already_received, check
from services.settings import Settings
from services.telemetry import counting, request_ids

S = CampaignSendStatus
LIVE = (S.SCHEDULED, S.RUNNING, S.PAUSED)
# Which statuses each action may start from.
_ALLOWED = {
    "pause": (S.SCHEDULED, S.RUNNING),
    "resume": (S.PAUSED,),
    "cancel": (S.SCHEDULED, S.RUNNING, S.PAUSED),
    "retry": (S.COMPLETED, S.FAILED, S.RUNNING, S.PAUSED),
}
_FAILED_MESSAGE = ("failed", "undelivered")
logger = logging.getLogger(__name__)


def _refuse(action: str, send: CampaignSend) -> ServiceError:
    return ServiceError.single(
        ErrorCode.INVALID_TRANSITION,
        f"A {send.status.value} send cannot be {action}d.".replace("retryd", "retried"),
        ("id",),
    )


class SendService:
    def __init__(self, session: AsyncSession, settings: Settings | None = None) -> None:
        self.session = session
        self.settings = settings

    async def _route(self, merchant_id: int, sender_id: int | None) -> TwilioRoute | None:
        """The sender a new send goes out from (the merchant's default when None)."""
        if self.settings is None:
            return None
        return await sending_route(self.session, self.settings, merchant_id, sender_id)

    async def _send(self, merchant_id: int, send_id: int) -> CampaignSend:
        send = await send_repository.locked_send(self.session, merchant_id, send_id)
        if send is None:
            raise not_found("Send")
        return send

    async def start(
        self,
        merchant_id: int,
        campaign_id: int,
        scheduled_at: datetime | None = None,
        sender_id: int | None = None,
    ) -> CampaignSend:
        """Snapshot the audience: one ledger row per active lead, pending or skipped,
        each from the send's sender."""
        route = await self._route(merchant_id, sender_id)
        campaign = await CampaignRepository(self.session).get(merchant_id, campaign_id, lock=True)
        if campaign is None:
            raise not_found("Campaign")
        self._check_sendable(campaign)
        now = datetime.now(UTC)
        if scheduled_at is not None and scheduled_at < now.replace(microsecond=0):
            raise ServiceError.single(
                ErrorCode.IN_THE_PAST, "Schedule the send in the future.", ("scheduledAt",)
            )
        await self._refuse_a_second_live_send(campaign)
        recipients = await active_recipients(self.session, campaign.id)
        if not recipients:
            raise ServiceError.single(
                ErrorCode.NO_ACTIVE_LEADS, "Add leads before sending.", ("id",)
            )
        merchant = await MerchantRepository(self.session).one(merchant_id)
        received = await already_received(self.session, campaign)
        scheduled = scheduled_at is not None and scheduled_at > now
        send = CampaignSend(
            merchant_id=merchant_id,
            campaign_id=campaign.id,
            status=S.SCHEDULED if scheduled else S.RUNNING,
            scheduled_at=scheduled_at or now,
            started_at=None if scheduled else now,
            total=len(recipients),
            sender=route.sender if route else "",
            sender_id=route.sender_id if route else None,
            request_id=request_ids.current(),
        )
        await send_repository.add_send(self.session, send)
        verdicts = [check(campaign, merchant, recipient, received) for recipient in recipients]
        await ledger.insert_rows(self.session, _snapshot(send, recipients, verdicts))
        await self._progress(send)
        await self._skipped_rows_changed(send)
        self._count_and_log(send, verdicts)
        return send

    def _count_and_log(self, send: CampaignSend, verdicts: Sequence[Verdict]) -> None:
        skipped = [verdict.skipped.value for verdict in verdicts if verdict.skipped is not None]
        counting.skipped(self.session, skipped)
        logger.info(
            "send %s of campaign %s %s: %d rows, %d skipped",
            send.id,
            send.campaign_id,
            send.status.value,
            send.total,
            len(skipped),
        )

    async def _refuse_a_second_live_send(self, campaign: Campaign) -> None:
        # Two live sends of one campaign would message the same leads twice.
        live = await send_repository.live_send_id(self.session, campaign.id, LIVE)
        if live is not None:
            raise ServiceError.single(
                ErrorCode.SEND_IN_PROGRESS,
                "This campaign already has a send in progress; pause or cancel it first.",
                ("id",),
            )

    async def _skipped_rows_changed(self, send: CampaignSend) -> None:
        """Rows skipped at the snapshot are settled already: messageStatusChanged says so."""
        skipped = await ledger.skipped_ids(self.session, send.id)
        for event in rows_changed(send.merchant_id, send.campaign_id, skipped):
            await publish(self.session, event)

    @staticmethod
    def _check_sendable(campaign: Campaign) -> None:
        if campaign.next_campaign_id is not None:
            raise ServiceError.single(
                ErrorCode.NOT_HEAD_VERSION, "Send the newest version of this campaign.", ("id",)
            )
        if campaign.status is not CampaignStatus.APPROVED or not campaign.content_sid:
            raise ServiceError.single(
                ErrorCode.NOT_APPROVED,
                f"Only an approved template can be sent; this one is {campaign.status.value}.",
                ("id",),
            )

    async def pause(
        self, merchant_id: int, send_id: int, reason: str = "Paused by merchant."
    ) -> CampaignSend:
        send = await self._send(merchant_id, send_id)
        if send.status not in _ALLOWED["pause"]:
            raise _refuse("pause", send)
        send.status, send.paused_reason = S.PAUSED, reason
        await self._progress(send)
        return send

    async def resume(self, merchant_id: int, send_id: int) -> CampaignSend:
        send = await self._send(merchant_id, send_id)
        if send.status not in _ALLOWED["resume"]:
            raise _refuse("resume", send)
        campaign = await CampaignRepository(self.session).one(send.campaign_id)
        self._check_sendable(campaign)
        send.status, send.paused_reason = S.RUNNING, None
        send.started_at = send.started_at or datetime.now(UTC)
        # The circuit breaker judges afresh what goes out from now on: the failures that
        # paused the send would pause it again at once (services/sends/breaker.py).
        send.breaker_since = datetime.now(UTC)
        await self._progress(send)
        return send

    async def cancel(self, merchant_id: int, send_id: int) -> CampaignSend:
        """Rows not yet sent are cancelled; rows in flight finish as they will."""
        send = await self._send(merchant_id, send_id)
        if send.status not in _ALLOWED["cancel"]:
            raise _refuse("cancel", send)
        await ledger.cancel_pending(self.session, send.id)
        send.status, send.finished_at = S.CANCELLED, datetime.now(UTC)
        await self._progress(send)
        return send

    async def retry_failed(self, merchant_id: int, send_id: int) -> CampaignSend:
        """Queue the failed rows once more (a row is retried once, not forever)."""
        send = await self._send(merchant_id, send_id)
        if send.status not in _ALLOWED["retry"]:
            raise _refuse("retry", send)
        requeued = await ledger.requeue_failed(self.session, send.id, _FAILED_MESSAGE)
        if requeued and send.status is not S.PAUSED:
            send.status, send.finished_at = S.RUNNING, None
        await self._progress(send)
        return send

    async def _progress(self, send: CampaignSend) -> None:
        await write_pending(self.session)
        await publish(self.session, SendProgress(send.merchant_id, send.campaign_id, send.id))


def _snapshot(
    send: CampaignSend, recipients: Sequence[Recipient], verdicts: Sequence[Verdict]
) -> list[dict[str, Any]]:
    """The send's ledger rows: one per lead, pending or skipped, from the send's sender."""
    return [
        {
            "campaign_id": send.campaign_id,
            "campaign_lead_id": recipient.lead.id,
            "campaign_send_id": send.id,
            "state": LedgerState.SKIPPED if verdict.skipped else LedgerState.PENDING,
            "skipped_reason": verdict.skipped.value if verdict.skipped else None,
            "context": verdict.rendered.content_variables,
            "sender_id": send.sender_id,
        }
        for recipient, verdict in zip(recipients, verdicts, strict=True)
    ]
