"""Everything one server process runs besides answering requests: the database handle,
the event bus and the background jobs. Built once per process and started with it."""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from db.database import Database
from db.engine import libpq_url
from jobs.access import AccessControl
from jobs.approval_job import ApprovalJob
from jobs.contact_imports import ContactImportJob
from jobs.gateways import GatewayPool
from jobs.loop_lag import watch_loop_lag
from jobs.readiness import Readiness, readiness
from jobs.send_worker import SendWorker, WorkerConfig
from jobs.status_recheck import RecheckConfig, StatusRecheckJob
from jobs.token_usage import TokenUsageWriter
from jobs.webhook_accounts import WebhookAccounts
from services.events.bus import EventBus
from services.messages.rechecks import RecheckPolicy
from services.settings import Settings
from services.telemetry import metrics
from services.twilio.gateway import TwilioGateway

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    db: Database
    settings: Settings
    bus: EventBus = field(init=False)
    access: AccessControl = field(init=False)
    token_usage: TokenUsageWriter = field(init=False)
    gateway: TwilioGateway | None = field(init=False)  # the platform's
    gateways: GatewayPool | None = field(init=False)  # it and the merchants' accounts'
    approval_job: ApprovalJob | None = field(init=False, default=None)
    send_worker: SendWorker | None = field(init=False, default=None)
    status_recheck: StatusRecheckJob | None = field(init=False, default=None)
    _tasks: list[asyncio.Task[None]] = field(init=False, default_factory=list)
    _started: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.bus = EventBus(libpq_url(self.db.url))
        self.access = AccessControl(self.db, self.bus, self.settings)
        self.token_usage = TokenUsageWriter(self.db, self.access.usage)
        # Background jobs get their own small pool, so they never wait behind requests
        # for a connection (nor requests behind them). No pre-ping: a ping is a round trip
        # per transaction, and the jobs retry on a dropped connection anyway.
        self.jobs_db = Database(self.db.url, pool_size=8, pre_ping=False)
        self.gateway = None if self.settings.sandbox else TwilioGateway(self.settings)
        self.gateways = None if self.gateway is None else GatewayPool(self.settings, self.gateway)
        # One per process: every webhook endpoint shares its kept tokens.
        self.webhook_accounts = WebhookAccounts(self.db, self.settings)
        self.contact_imports = ContactImportJob(self.jobs_db, self.settings)

    async def start(self) -> None:
        await self.bus.start()
        usage = asyncio.create_task(self.token_usage.run(), name="token-usage")
        self._tasks.append(usage)
        imports = asyncio.create_task(self.contact_imports.run(), name="contact-imports")
        self._tasks.append(imports)
        self._tasks.append(asyncio.create_task(watch_loop_lag(), name="loop-lag"))
        if self.gateways is not None and self.gateway is not None:
            job = ApprovalJob(
                self.jobs_db,
                self.gateways,
                interval=self.settings.approval_poll_interval,
                submit_defaults=self.settings.submit_default_templates,
            )
            self._tasks.append(asyncio.create_task(job.run(), name="approval-job"))
            self.approval_job = job
            config = WorkerConfig(
                concurrency=self.settings.send_concurrency,
                bulk_lookahead=self.settings.bulk_lookahead,
                stale_after=timedelta(seconds=self.settings.send_stale_after),
                max_backoff=self.settings.send_max_backoff,
                status_check_after=timedelta(seconds=self.settings.status_recheck_after),
                status_callback=self.settings.base_url() + "/webhooks/twilio/messages/status",
                limited_retry_delays=self.settings.limited_retry_delays,
            )
            self.send_worker = SendWorker(self.jobs_db, self.gateways, config)
            self._tasks.append(asyncio.create_task(self.send_worker.run(), name="send-worker"))
            self.status_recheck = StatusRecheckJob(self.jobs_db, self.gateways, self._recheck())
            self._tasks.append(
                asyncio.create_task(self.status_recheck.run(), name="status-recheck")
            )
        self._started = True

    async def readiness(self) -> Readiness:
        return await readiness(self.db, self._tasks, self._started)

    def _recheck(self) -> RecheckConfig:
        policy = RecheckPolicy(
            after=timedelta(seconds=self.settings.status_recheck_after),
            horizon=timedelta(seconds=self.settings.status_recheck_horizon),
        )
        return RecheckConfig(
            policy,
            rate=self.settings.status_recheck_rate,
            limited_retry_delays=self.settings.limited_retry_delays,
        )

    async def stop(self) -> None:
        await self.contact_imports.stop()  # first: running imports record how far they got
        self._started = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        try:
            await self.token_usage.flush()
        except Exception as error:  # the last uses noted; the database may be gone
            logger.warning("could not record API token use at shutdown: %s", error)
        await self.bus.stop()
        await self.jobs_db.dispose()
        if self.gateways is not None:
            await self.gateways.close()
        await self.db.dispose()
        metrics.forget_this_process()
