"""The approval job: keeps every merchant's system templates current, submits new ones
and polls templates in review.

Twilio's advice is to listen for approval events *and* poll, since webhooks get lost.
Every server process runs this job, but only the one holding a PostgreSQL advisory lock
works at a time; when it dies its connection closes, the lock is freed and another
process takes over within a few intervals.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from db.database import Database
from db.enums import CampaignAuthorType, CampaignStatus
from db.models import Campaign
from jobs.gateways import GatewayPool
from jobs.submission import submit_campaign
from repositories import locks
from repositories.campaigns import CampaignRepository
from repositories.merchants import MerchantRepository
from services.campaigns.approval import ReportSource, apply_report, retry_later, stop_checking
from services.campaigns.default_templates import create_default_templates
from services.errors import ServiceError
from services.twilio.errors import TwilioError
from services.twilio.gateway import TwilioGateway

logger = logging.getLogger(__name__)

LEADER_LOCK = 7_406_522_002
BATCH = 20
SYNC_BATCH = 100
_IN_REVIEW = (CampaignStatus.RECEIVED, CampaignStatus.PENDING)


async def sync_default_templates(db: Database) -> int:
    """Give every merchant the system templates the code defines now (new names, new
    bodies), e.g. after an upgrade; the approval job then submits them as it does a new
    merchant's. Returns how many template versions were written."""
    written, after = 0, 0
    while True:
        async with db.transaction() as session:
            merchants = await MerchantRepository(session).after(after, SYNC_BATCH)
            for merchant in merchants:
                try:
                    async with session.begin_nested():
                        written += len(await create_default_templates(session, merchant))
                except ServiceError as error:  # e.g. the merchant just took that name
                    logger.warning("default templates of merchant %s: %s", merchant.id, error)
        if len(merchants) < SYNC_BATCH:
            return written
        after = merchants[-1].id


class ApprovalJob:
    def __init__(
        self, db: Database, gateways: GatewayPool, *, interval: float, submit_defaults: bool
    ) -> None:
        self.db = db
        self.gateways = gateways
        self.interval = interval
        self.submit_defaults = submit_defaults
        self.leading = False

    async def run(self) -> None:
        """Forever: become the leader when possible, then work every interval."""
        while True:
            try:
                async with self.db.engine.connect() as connection:
                    leader = await connection.execution_options(isolation_level="AUTOCOMMIT")
                    if await self._try_lead(leader):
                        await self._lead(leader)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("approval job failed; retrying")
            finally:
                self.leading = False
            await asyncio.sleep(self.interval * 5)

    async def _try_lead(self, connection: AsyncConnection) -> bool:
        return await locks.try_lock(connection, LEADER_LOCK)

    async def _lead(self, connection: AsyncConnection) -> None:
        self.leading = True
        logger.debug("this process runs the approval job")
        try:
            await sync_default_templates(self.db)
        except Exception:  # polling must go on; the next leader tries the sync again
            logger.exception("syncing the default templates failed")
        while True:
            await self.run_once()
            await asyncio.sleep(self.interval)
            await locks.check_connection(connection)

    async def run_once(self, now: datetime | None = None) -> int:
        """Look at every campaign due now; returns how many were looked at. Each look is
        its own unit of work, and Twilio is asked with no transaction open."""
        seen = 0
        while True:
            async with self.db.transaction() as session:
                due = await CampaignRepository(session).due_for_approval_job(
                    now or datetime.now(UTC), BATCH
                )
            # One look after another, each in its merchant's account: no account gets
            # more than one call at a time from this job (its leader is the only one).
            gateways: dict[int, TwilioGateway] = {}
            for campaign in due:
                if campaign.merchant_id not in gateways:
                    gateways[campaign.merchant_id] = await self.gateways.of_merchant(
                        self.db, campaign.merchant_id
                    )
                await self._look_at(campaign, gateways[campaign.merchant_id])
            seen += len(due)
            if len(due) < BATCH:
                return seen

    async def _look_at(self, campaign: Campaign, gateway: TwilioGateway) -> None:
        if campaign.status is CampaignStatus.UNSUBMITTED:
            if not self.submit_defaults or campaign.author_type is not CampaignAuthorType.SYSTEM:
                await self._update(campaign, stop_checking)
                return
            try:
                await submit_campaign(self.db, gateway, campaign.merchant_id, campaign.id)
            except ServiceError as error:
                refusal = error  # `error` is unbound once the except block ends
                await self._update(campaign, lambda c: retry_later(c, datetime.now(UTC), refusal))
            return
        if campaign.status not in _IN_REVIEW or campaign.content_sid is None:
            await self._update(campaign, stop_checking)
            return
        try:
            report = await gateway.fetch_approval(campaign.content_sid)
        except TwilioError as error:
            logger.warning("approval check of campaign %s failed: %s", campaign.id, error)
            await self._update(campaign, lambda c: retry_later(c, datetime.now(UTC)))
            return
        async with self.db.transaction() as session:
            fresh = await CampaignRepository(session).get(
                campaign.merchant_id, campaign.id, lock=True
            )
            if fresh is None or fresh.content_sid != campaign.content_sid:
                return  # changed meanwhile (a new submission): its own look comes
            now = datetime.now(UTC)
            if not await apply_report(session, fresh, report, ReportSource.POLL, now):
                retry_later(fresh, now)

    async def _update(self, campaign: Campaign, change: Callable[[Campaign], None]) -> None:
        """Apply a decision about when to look next to the campaign's current row."""
        async with self.db.transaction() as session:
            fresh = await CampaignRepository(session).get(
                campaign.merchant_id, campaign.id, lock=True
            )
            if fresh is not None:
                change(fresh)
