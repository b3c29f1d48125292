"""Everything one server process runs besides answering requests: the database handle,
the event bus and the background jobs. Built once per process and started with it."""

import logging
from dataclasses import dataclass, field

from db.database import Database
from db.engine import libpq_url
from services.events.bus import EventBus
from services.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    db: Database
    settings: Settings
    bus: EventBus = field(init=False)

    def __post_init__(self) -> None:
        self.bus = EventBus(libpq_url(self.db.url))

    async def start(self) -> None:
        await self.bus.start()

    async def stop(self) -> None:
        await self.bus.stop()
        await self.db.dispose()
