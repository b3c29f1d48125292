"""The send worker: claims ledger rows, paces them per sender, sends them through the
gateway and records the outcome as the facts sheet's error table says.

Every server process runs one. Rows are claimed atomically, so each is sent by one
worker; a row whose process died mid-send is reconciled with Twilio's message list
before it may be sent again (services/sends/reconcile.py).
"""

import asyncio
import logging
import random
import time
from dataclasses import astuple, dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.database import Database
from db.models import CampaignSend
from jobs.gateways import GatewayPool
from jobs.reconciler import Reconciler
from jobs.recorder import Recorder
from repositories import ledger
from repositories import sends as send_repository
from repositories.sending_limits import Held, hold
from services.events.messages import SendProgress, publish
from services.sends import outcomes
from services.sends.breaker import trip_breakers
from services.sends.context import Delivery, load_deliveries, with_routes
from services.sends.messages import outbound_values
from services.sends.pacing import reserve_by_sender
from services.sends.policy_gate import apply_policies
from services.sends.recorder import Accepted
from services.setting_values import LIMITED_RETRY_DELAYS
from services.telemetry import metrics, request_ids
from services.twilio.errors import OPTED_OUT, ErrorKind, TwilioError
from services.twilio.gateway import MessageRequest, SentMessage

logger = logging.getLogger(__name__)
# Circuit breakers are judged about once a second per process, busy or idle: each reads up
# to a window of rows per running send.
BREAKER_INTERVAL = 1.0
# Seconds between looks for sends completed while a row went back to pending.
STRANDED_CHECK_INTERVAL = 30.0


@dataclass(frozen=True)
class WorkerConfig:
    # Each sender's rate is its own (its route's rateLimit; the platform's sender at
    # CAMPAIGNS_SEND_RATE): services/accounts/routing.py.
    concurrency: int = 64  # Twilio calls in flight per process
    batch: int = 50  # rows claimed at once
    # Seconds of a sender's slots a send's rows may reserve ahead: a one-off message takes
    # the next free slot, so it waits at most this long behind them (services/sends/pacing).
    bulk_lookahead: float = 1.0
    poll_interval: float = 0.2
    # While rows keep being claimed, housekeeping (due sends, stale claims, finished
    # sends: three transactions) runs this often rather than every poll: at a thousand
    # messages a second it was a tenth of the worker's database work. An idle worker
    # keeps to poll_interval, so a send that just finished completes at once.
    busy_housekeeping_interval: float = 1.0
    stale_after: timedelta = timedelta(seconds=60)
    # Tries of a row that may have gone out (crashes, unresolved doubt) before it fails;
    # waiting for Twilio (429, 5xx on reads, unreachable) is not a try.
    max_attempts: int = 8
    max_backoff: float = 60.0  # seconds, the longest wait for Twilio between two tries
    # When the status recheck job first looks at an accepted message, if its callbacks
    # were lost (jobs/status_recheck.py).
    status_check_after: timedelta = timedelta(seconds=120)
    status_callback: str | None = None
    # When a message Meta limited (63049) is tried again (services/sends/limited.py).
    limited_retry_delays: tuple[float, ...] = LIMITED_RETRY_DELAYS


class SendWorker:
    def __init__(self, db: Database, gateways: GatewayPool, config: WorkerConfig) -> None:
        self.db = db
        self.gateways = gateways
        self.config = config
        self.reconciler = Reconciler(
            db, gateways, config.stale_after, config.max_attempts, config.limited_retry_delays
        )
        self.recorder = Recorder(db, limited_retry_delays=config.limited_retry_delays)
        self.in_flight: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(config.concurrency)
        self._last_progress: dict[int, float] = {}
        # Sends whose sender had no slot within the horizon: not claimed until then.
        self._held_until: dict[int, float] = {}
        self._last_housekeeping = 0.0
        self._last_breakers = 0.0
        self._last_stranded_check = 0.0
        self._busy = False  # the last claim found rows

    async def run(self) -> None:
        try:
            while True:
                try:
                    worked = await self.tick()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("send worker tick failed")
                    worked = 0
                if not worked:
                    await asyncio.sleep(self.config.poll_interval)
        finally:
            for task in self.in_flight:
                task.cancel()
            await asyncio.gather(*self.in_flight, return_exceptions=True)
            await self.recorder.close()

    async def tick(self) -> int:
        """Claim and start sending one batch; returns how many rows were claimed."""
        every = self.config.poll_interval
        if self._busy:
            every = max(every, self.config.busy_housekeeping_interval)
        if time.monotonic() - self._last_housekeeping > every:
            self._last_housekeeping = time.monotonic()
            await self.housekeeping()
        room = self.config.concurrency - len(self.in_flight)
        if room < min(self.config.batch, self.config.concurrency) // 2 or room <= 0:
            await asyncio.wait(self.in_flight, return_when=asyncio.FIRST_COMPLETED)
            return -1
        # One transaction (one commit to wait for) claims the rows, reserves their slots
        # and gives back those without one.
        async with self.db.transaction() as session:
            claimed = await ledger.claim(session, min(self.config.batch, room), self._held())
            self._busy = bool(claimed)
            if not claimed:
                return 0
            deliveries = await self._judged(session, await load_deliveries(session, claimed))
            await with_routes(session, self.gateways.settings, deliveries)
            paced = await reserve_by_sender(session, deliveries, self.config.bulk_lookahead)
            await hold(session, [_no_slot(d, after) for d, after in paced.later])
        self._hold(paced.later)
        for delivery, deadline in paced.now:
            task = asyncio.create_task(self._deliver(delivery, deadline))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        return len(paced.now)

    async def _judged(self, session: AsyncSession, deliveries: list[Delivery]) -> list[Delivery]:
        """The batch after the merchants' sending policies: rows held back (quiet hours)
        go back to pending until their time; the rest are sent (or skipped, when over
        the frequency cap)."""
        held = await apply_policies(session, deliveries, datetime.now(UTC))
        if not held:
            return deliveries
        await hold(session, held)
        ids = {h.claim.ledger_id for h in held}
        by_send = {d.row.campaign_send_id: d for d in deliveries if d.claim.ledger_id in ids}
        for delivery in by_send.values():
            await self._progress(session, delivery, force=False)
        return [d for d in deliveries if d.claim.ledger_id not in ids]

    async def send_now(self, claim: ledger.Claim) -> None:
        """Send one row the caller claimed (a one-off message), paced like the rest."""
        async with self.db.session() as session:
            deliveries = await load_deliveries(session, [claim])
            await apply_policies(session, deliveries, datetime.now(UTC))
            [delivery] = await with_routes(session, self.gateways.settings, deliveries)
        async with self.db.transaction() as session:
            # No horizon: the next free slot, ahead of every send row not reserved yet.
            [(_, deadline)] = (await reserve_by_sender(session, [delivery], None)).now
        await self._deliver(delivery, deadline)
        await self.recorder.drain()

    def _held(self) -> list[int]:
        now = time.monotonic()
        self._held_until = {send: t for send, t in self._held_until.items() if t > now}
        return list(self._held_until)

    def _hold(self, later: list[tuple[Delivery, float]]) -> None:
        """Claim nothing more of these rows' sends until their sender may have a slot:
        their other pending rows would only be claimed and given back again."""
        for delivery, after in later:
            send_id = delivery.row.campaign_send_id
            if send_id is not None:
                until = time.monotonic() + after
                self._held_until[send_id] = max(self._held_until.get(send_id, 0.0), until)

    async def housekeeping(self) -> None:
        """Start due sends, settle stale claims, trip circuit breakers, complete finished
        sends: each step on its own, so that one failing (Twilio down for the reconciler)
        never holds up the rest."""
        steps = (self._start_due, self.reconciler.run_once, self._trip_breakers)
        for step in (*steps, self._complete_finished):
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("send housekeeping step %s failed", step.__name__)

    async def _start_due(self) -> None:
        async with self.db.transaction() as session:
            started = await send_repository.start_due(session)
            for send in started:
                await publish(session, SendProgress(send.merchant_id, send.campaign_id, send.id))
        _log_each(started, "send %s of campaign %s started at its scheduled time")

    async def _trip_breakers(self) -> None:
        """Pause sends whose recent messages fail too often (services/sends/breaker.py)."""
        if time.monotonic() - self._last_breakers < BREAKER_INTERVAL:
            return
        self._last_breakers = time.monotonic()
        async with self.db.transaction() as session:
            tripped = await trip_breakers(session)
        for send in tripped:
            logger.warning("send %s of campaign %s paused: %s", *astuple(send))

    async def _complete_finished(self) -> None:
        async with self.db.transaction() as session:
            completed = await send_repository.complete_finished(session)
            reopened = await self._reopen_stranded(session)
            for send in (*completed, *reopened):
                await publish(session, SendProgress(send.merchant_id, send.campaign_id, send.id))
        _log_each(completed, "send %s of campaign %s completed")
        _log_each(reopened, "send %s of campaign %s runs again: a row of it is pending again")

    async def _reopen_stranded(self, session: AsyncSession) -> list[CampaignSend]:
        """Every STRANDED_CHECK_INTERVAL, sends completed in the last ten minutes that
        have a pending row (repositories/sends.py reopen_stranded)."""
        if time.monotonic() - self._last_stranded_check < STRANDED_CHECK_INTERVAL:
            return []
        self._last_stranded_check = time.monotonic()
        return await send_repository.reopen_stranded(session, timedelta(minutes=10))

    async def _deliver(self, delivery: Delivery, deadline: float) -> None:
        wait = deadline - time.monotonic()
        metrics.rate_limit_wait.observe(max(wait, 0.0))
        if wait > 0:
            await asyncio.sleep(wait)
        async with self._slots:
            try:
                await self._send(delivery)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Whether the message went out is unknown: the row stays claimed, says why,
                # and the reconciler settles it once stale (failing it after max_attempts).
                logger.exception("sending ledger row %s failed", delivery.claim.ledger_id)
                await self._note(delivery, f"In doubt: the send failed in this server: {error!r}")

    async def _note(self, delivery: Delivery, error: str) -> None:
        try:
            async with self.db.transaction() as session:
                await ledger.note_error(session, [delivery.claim], error)
        except Exception:
            logger.exception("noting the error of ledger row %s failed", delivery.claim.ledger_id)

    async def _send(self, delivery: Delivery) -> None:
        if delivery.broken is not None:
            async with self.db.transaction() as session:
                reason = f"Not sent: the message could not be prepared: {delivery.broken}"
                await outcomes.fail(session, delivery, None, reason)
                await self._progress(session, delivery, force=False)
            return
        if delivery.skip is not None:
            async with self.db.transaction() as session:
                await outcomes.skipped(session, delivery, delivery.skip.value)
                await self._progress(session, delivery, force=False)
            return
        request = MessageRequest(
            delivery.person.phone,
            delivery.campaign.content_sid or "",
            delivery.variables,
            self.config.status_callback,
            delivery.route.sender if delivery.route else None,
            delivery.validity,
        )
        try:
            sent = await self.gateways.of(delivery.route).send_message(request)
        except TwilioError as error:
            await self._failed(delivery, error)
            return
        self.record(delivery, sent)

    def record(self, delivery: Delivery, sent: SentMessage) -> None:
        values = outbound_values(delivery, sent, self.config.status_check_after)
        self.recorder.add(Accepted(delivery, values))

    async def _failed(self, delivery: Delivery, error: TwilioError) -> None:
        if error.kind is ErrorKind.IN_DOUBT:
            # The message may exist: look before anything else is done with the row.
            looked = await self.reconciler.look_up(delivery)
            if looked.found is not None:
                self.record(delivery, looked.found)
                return
            if not looked.ok:
                # Cannot tell: the row stays claimed until the reconciler can.
                await self._note(
                    delivery, f"In doubt: {error}; Twilio's message list: {looked.error}"
                )
                return
            # Twilio's list shows nothing went out: no more than a refusal to try later.
            error = replace(error, kind=ErrorKind.RETRYABLE)
        async with self.db.transaction() as session:
            await self._settle(session, delivery, error)

    async def _settle(self, session: AsyncSession, delivery: Delivery, error: TwilioError) -> None:
        """What a Twilio error means for the row: a one-off message is tried once; a row
        of a send fails (permanent errors), waits for its send to resume (sender errors)
        or waits for Twilio (429, 5xx, unreachable, not found after a timeout) for as
        long as Twilio is unavailable: nothing went out, so no attempt is used up."""
        claim, row = delivery.claim, delivery.row
        one_off = row.campaign_send_id is None
        if error.kind is ErrorKind.STOP_SEND and not one_off:
            await ledger.requeue(session, claim, str(error), None, count=False)
            if await outcomes.pause_for(session, delivery, error):
                await self._progress(session, delivery, force=True)
            return
        if one_off or error.kind is not ErrorKind.RETRYABLE:
            await outcomes.fail(session, delivery, error.code, f"Not sent: {error}")
            if error.code == OPTED_OUT:
                await ledger.opt_out(session, delivery.person.id)
            await self._progress(session, delivery, force=False)
            return
        await self._wait_for_twilio(session, delivery, error)

    async def _wait_for_twilio(
        self, session: AsyncSession, delivery: Delivery, error: TwilioError
    ) -> None:
        """Back the row off and say why, on the row and on its send. The send's row is
        updated first (and only when its reason changes): requeue reads it FOR SHARE,
        and taking that before the UPDATE could deadlock two workers."""
        delay = _backoff(delivery.row.backoffs, error, self.config.max_backoff)
        seconds = round(delay.total_seconds(), 1)
        if delivery.row.campaign_send_id is not None and await send_repository.send_waiting(
            session, delivery.row.campaign_send_id, f"Waiting for Twilio: {error}"
        ):
            await self._progress(session, delivery, force=False)
        reason = f"Waiting for Twilio, next try in {seconds} s: {error}"
        await ledger.requeue(session, delivery.claim, reason, delay, count=False, backoff=True)

    async def _progress(self, session: AsyncSession, delivery: Delivery, *, force: bool) -> None:
        """At most a few progress events a second per send; the final state always goes
        out when the send completes (housekeeping)."""
        send_id = delivery.row.campaign_send_id
        if send_id is None:
            return
        now = time.monotonic()
        if not force and now - self._last_progress.get(send_id, 0.0) < 0.25:
            return
        self._last_progress[send_id] = now
        await publish(
            session, SendProgress(delivery.person.merchant_id, delivery.campaign.id, send_id)
        )


def _no_slot(delivery: Delivery, after: float) -> Held:
    until = datetime.now(UTC) + timedelta(seconds=after)
    return Held(delivery.claim, until, "Waiting for a free slot of its sender's rate")


def _backoff(backoffs: int, error: TwilioError, cap: float) -> timedelta:
    """Exponential backoff with jitter (half to all of 0.5 s doubled per earlier wait, at
    most `cap`), never shorter than Twilio's Retry-After."""
    ceiling = min(cap, 0.5 * 2 ** min(backoffs, 16))
    delay = random.uniform(ceiling / 2, ceiling)
    return timedelta(seconds=max(delay, error.retry_after or 0.0))


def _log_each(sends: list[CampaignSend], message: str) -> None:
    """One line per send, under the id of the request that made it (after the commit)."""
    for send in sends:
        with request_ids.bound(send.request_id):
            logger.info(message, send.id, send.campaign_id)
