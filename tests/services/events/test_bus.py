import asyncio
from collections.abc import AsyncIterator

import pytest

from db.database import Database
from db.engine import libpq_url
from services.events.bus import EventBus, Subscription
from services.events.messages import CampaignStatusChanged, Event, publish


@pytest.fixture
async def bus(database_url: str) -> AsyncIterator[EventBus]:
    event_bus = EventBus(libpq_url(database_url), reconnect_delay=0.05)
    await event_bus.start()
    yield event_bus
    await event_bus.stop()


def change(merchant_id: int, campaign_id: int = 1) -> CampaignStatusChanged:
    return CampaignStatusChanged(merchant_id, campaign_id, "pending", "approved")


async def next_event(subscription: Subscription) -> Event:
    return await asyncio.wait_for(subscription.__anext__(), 5)


async def test_events_arrive_on_commit_only(bus: EventBus, db: Database) -> None:
    async with bus.subscribe(merchant_id=1) as events:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await publish(session, change(1, campaign_id=99))
                raise RuntimeError("rolled back")
        async with db.transaction() as session:
            await publish(session, change(1, campaign_id=7))
        assert await next_event(events) == change(1, campaign_id=7)
        assert events.queue.empty()


async def test_subscribers_see_only_their_merchant(bus: EventBus, db: Database) -> None:
    async with bus.subscribe(merchant_id=1) as mine, bus.subscribe(merchant_id=2) as theirs:
        async with db.transaction() as session:
            await publish(session, change(2))
        assert await next_event(theirs) == change(2)
        await asyncio.sleep(0.1)
        assert mine.queue.empty()


async def test_subscribers_survive_a_dropped_connection(bus: EventBus, db: Database) -> None:
    async with bus.subscribe(merchant_id=3) as events:
        before = bus.connections
        await bus.terminate_connection_for_tests()
        async with asyncio.timeout(10):
            while bus.connections == before or not bus.connected.is_set():  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        async with db.transaction() as session:
            await publish(session, change(3))
        assert await next_event(events) == change(3)
