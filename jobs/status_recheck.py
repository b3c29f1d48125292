"""The status recheck job: our messages' statuses converge to Twilio's when status
callbacks were lost (this server down or restarting, a callback refused or dropped).

A message whose status is not final (services/messages/statuses.py: OPEN_STATUSES) and
has not changed for `after` (2 minutes by default) is fetched from Twilio; if that
changes nothing, the next fetch waits as long again as the status has been still, and
after `horizon` (48 hours by default) it is no longer fetched.

Every server process runs the job: claims give each due message to one process. A message
is fetched in the account it went through (messages.twilio_account_sid), and the fetches
of all processes in one account share one pace (a sender_rate_limits row per account, as
a sender's messages do), so together they stay under `rate` fetches a second in each
account: Twilio's REST limits are per account. Twilio is asked with
no transaction open; its answers are applied by the monotonic, set-based UPDATE the
status callbacks use (services/messages/status.py), which publishes messageStatusChanged
and campaignSendProgress.
"""

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.database import Database
from jobs.gateways import GatewayPool
from repositories.twilio_accounts import accounts_of_messages
from services.accounts.routing import account_routes
from services.messages.rechecks import Due, RecheckPolicy, claim_due, forget
from services.messages.status import StatusUpdate, apply_statuses
from services.sends.limited import retry_limited
from services.sends.pacing import reserve
from services.sends.sender_errors import pause_on_sender_errors
from services.setting_values import LIMITED_RETRY_DELAYS
from services.twilio.errors import TwilioError
from services.twilio.gateway import SentMessage, TwilioGateway

logger = logging.getLogger(__name__)

# The pacing row all processes' fetches in the platform's account share (one account,
# one REST budget); a merchant's account has its own, this key and its SID.
PACE_KEY = "twilio:message-fetch"


@dataclass(frozen=True)
class RecheckConfig:
    policy: RecheckPolicy
    rate: float = 20.0  # fetches per second across all processes; 0: no cap
    batch: int = 100  # messages claimed at once
    concurrency: int = 8  # fetches in flight per process
    interval: float = 1.0  # seconds between two looks when nothing was due
    # When a message Meta limited (63049) is tried again (services/sends/limited.py).
    limited_retry_delays: tuple[float, ...] = LIMITED_RETRY_DELAYS


Fetched = SentMessage | TwilioError | None  # None: not asked (Twilio said to wait)


class StatusRecheckJob:
    def __init__(self, db: Database, gateways: GatewayPool, config: RecheckConfig) -> None:
        self.db = db
        self.gateways = gateways
        self.config = config
        self._slots = asyncio.Semaphore(config.concurrency)
        # Per account (pacing key), monotonic: after a 429, no fetch before its Retry-After.
        self._quiet_until: dict[str, float] = {}

    async def run(self) -> None:
        while True:
            try:
                claimed = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("status recheck failed")
                claimed = 0
            if claimed < self.config.batch:
                await asyncio.sleep(self.config.interval)

    async def run_once(self) -> int:
        """Look at one batch of due messages; returns how many were due."""
        # Every account Twilio told to wait: wait before claiming more (the soonest).
        quiet = min(self._quiet_until.values(), default=0.0) - time.monotonic()
        if quiet > 0:
            await asyncio.sleep(quiet)
        async with self.db.transaction() as session:
            claimed, due = await claim_due(session, self.config.policy, self.config.batch)
            if not due:
                return claimed
            plan = await self._plan(session, due)
        start = time.monotonic()
        fetched = await asyncio.gather(
            *(self._fetch(d, start + delay, gateway, key) for d, delay, gateway, key in plan)
        )
        await self._apply(due, fetched)
        return claimed

    async def _plan(
        self, session: AsyncSession, due: Sequence[Due]
    ) -> list[tuple[Due, float, TwilioGateway, str]]:
        """Each due message with its gateway, its account's pacing key and its slot in
        that account's pace, in the order of `due`."""
        accounts = await accounts_of_messages(session, [d.message_id for d in due])
        routes = await account_routes(
            session, self.gateways.settings, {a for a in accounts.values() if a}
        )
        by_key: dict[str, list[int]] = {}
        gateways: dict[str, TwilioGateway] = {}
        for i, item in enumerate(due):
            route = routes.get(accounts.get(item.message_id) or "")
            key = f"{PACE_KEY}:{route.account_sid}" if route else PACE_KEY
            gateways[key] = self.gateways.of(route)
            by_key.setdefault(key, []).append(i)
        plan: list[tuple[Due, float, TwilioGateway, str] | None] = [None] * len(due)
        for key, indexes in by_key.items():
            slots = await reserve(session, key, len(indexes), self.config.rate)
            for i, delay in zip(indexes, slots.delays, strict=True):
                plan[i] = (due[i], delay, gateways[key], key)
        return [step for step in plan if step is not None]

    async def _fetch(
        self, due: Due, deadline: float, gateway: TwilioGateway, account_key: str
    ) -> Fetched:
        wait = deadline - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        if time.monotonic() < self._quiet_until.get(account_key, 0.0):
            return None  # its next check is scheduled already
        async with self._slots:
            try:
                return await gateway.fetch_message(due.sid)
            except TwilioError as error:
                if error.status == 429:
                    retry = time.monotonic() + (error.retry_after or 1.0)
                    self._quiet_until[account_key] = retry
                logger.warning("status recheck of message %s: %s", due.sid, error)
                return error

    async def _apply(self, due: Sequence[Due], fetched: Sequence[Fetched]) -> None:
        now = datetime.now(UTC)
        updates = [
            StatusUpdate(
                item.sid, item.status, item.error_code, item.error_message, item.date_updated or now
            )
            for item in fetched
            if isinstance(item, SentMessage)
        ]
        # Twilio does not know it (an account or sandbox reset): nothing more to learn.
        unknown = [
            d.message_id
            for d, item in zip(due, fetched, strict=True)
            if isinstance(item, TwilioError) and item.status == 404
        ]
        if not updates and not unknown:
            return
        async with self.db.transaction() as session:
            await forget(session, unknown)
            if updates:
                results = await apply_statuses(session, updates)
                await pause_on_sender_errors(session, updates, results)
                await retry_limited(session, updates, results, self.config.limited_retry_delays)
        logger.info("rechecked %d message statuses with Twilio", len(updates))
