"""Everything one server process runs besides answering requests: the database handle,
the event bus and the background jobs. Built once per process and started with it."""

import logging
from dataclasses import dataclass, field

from db.database import Database
from db.engine import libpq_url
from services.events.bus import EventBus
from services.settings import Settings
from services.twilio.gateway import TwilioGateway

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    db: Database
    settings: Settings
    bus: EventBus = field(init=False)
    gateway: TwilioGateway | None = field(init=False)

    def __post_init__(self) -> None:
        self.bus = EventBus(libpq_url(self.db.url))
        self.gateway = None if self.settings.sandbox else TwilioGateway(self.settings)

    async def start(self) -> None:
        await self.bus.start()

    async def stop(self) -> None:
        await self.bus.stop()
        if self.gateway is not None:
            await self.gateway.close()
        await self.db.dispose()
