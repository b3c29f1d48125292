"""The reconciler job: settles stale claims and looks in-doubt rows up in Twilio's
message list, with no transaction open while Twilio is asked (services/sends/
reconcile.py decides what a look means)."""

import logging
from collections.abc import Sequence
from datetime import timedelta

from db.database import Database
from jobs.gateways import GatewayPool
from repositories import ledger
from services.sends.context import Delivery, load_deliveries, with_routes
from services.sends.reconcile import CLOCK_SKEW, LookUp, match, settle
from services.setting_values import LIMITED_RETRY_DELAYS
from services.twilio.errors import TwilioError

logger = logging.getLogger(__name__)


class Reconciler:
    def __init__(
        self,
        db: Database,
        gateways: GatewayPool,
        stale_after: timedelta,
        max_attempts: int = 8,
        limited_retry_delays: Sequence[float] = LIMITED_RETRY_DELAYS,
    ) -> None:
        self.db = db
        self.gateways = gateways
        self.stale_after = stale_after
        self.max_attempts = max_attempts
        # When a message found limited by Meta (63049) is tried again.
        self.limited_retry_delays = tuple(limited_retry_delays)

    async def look_up(self, delivery: Delivery) -> LookUp:
        since = delivery.claim.claimed_at - CLOCK_SKEW
        try:
            # In the account it went through: a merchant's messages are in its own.
            gateway = self.gateways.of(delivery.route)
            listed = await gateway.list_messages(delivery.person.phone, since.date())
        except TwilioError as error:
            logger.warning("cannot look up in-doubt row %s: %s", delivery.claim.ledger_id, error)
            return LookUp(ok=False, error=error)
        if not any(m.date_created is None or m.date_created >= since for m in listed):
            return LookUp(ok=True)  # nothing to compare: no session needed
        async with self.db.session() as session:
            return await match(session, delivery, listed)

    async def run_once(self, limit: int = 50) -> int:
        """Settle stale claims: record the message Twilio has, else queue the row again
        (or fail it: a one-off row, or one out of attempts). The rows are claimed anew
        first, so Twilio is asked with no transaction open."""
        async with self.db.transaction() as session:
            stale = await ledger.take_over_stale(session, self.stale_after, limit)
            if not stale:
                return 0
            deliveries = await load_deliveries(session, stale)
            await with_routes(session, self.gateways.settings, deliveries)
        # One look after another: the lists of an account are read within its limits.
        looked = [(delivery, await self.look_up(delivery)) for delivery in deliveries]
        async with self.db.transaction() as session:
            for delivery, look in looked:
                await settle(session, delivery, look, self.max_attempts, self.limited_retry_delays)
        logger.info("reconciled %d stale rows", len(deliveries))
        return len(deliveries)
