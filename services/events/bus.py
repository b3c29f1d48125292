"""One LISTEN connection per server process, fanned out to in-process subscribers.

Subscribers register with the bus, not with the connection: when the connection drops,
the bus reconnects (db/listener.py) and the same subscribers keep receiving events.
Watchers see every event of every merchant (the token cache forgets revoked tokens that
way), and are told each time the connection is (re)established, since events sent while
it was down are lost.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from db.listener import Listener
from services.events.messages import CHANNEL, Event, decode
from services.telemetry import metrics

logger = logging.getLogger(__name__)

Filter = Callable[[Event], bool]


class Watcher(Protocol):
    def on_event(self, event: Event) -> None: ...

    def on_listening(self) -> None:
        """The LISTEN connection is (re)established: events may have been missed."""


class Subscription:
    def __init__(self, merchant_id: int, accept: Filter) -> None:
        self.merchant_id = merchant_id
        self.accept = accept
        # Bounded so one stalled client cannot grow memory without limit.
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=10_000)

    def offer(self, event: Event) -> None:
        if event.merchant_id != self.merchant_id or not self.accept(event):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            logger.warning("dropping an event for a subscriber that does not keep up")

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        return await self.queue.get()


class EventBus:
    def __init__(self, dsn: str, *, reconnect_delay: float = 0.5) -> None:
        self.subscriptions: set[Subscription] = set()
        self.watchers: list[Watcher] = []
        self.listener = Listener(
            dsn, CHANNEL, self._dispatch, self._listening, reconnect_delay=reconnect_delay
        )

    @property
    def connected(self) -> asyncio.Event:
        return self.listener.connected

    @property
    def connections(self) -> int:
        """How many times the LISTEN connection was (re)established."""
        return self.listener.connections

    async def start(self) -> None:
        await self.listener.start()

    async def stop(self) -> None:
        await self.listener.stop()

    @asynccontextmanager
    async def subscribe(
        self, merchant_id: int, accept: Filter = lambda _: True
    ) -> AsyncIterator[Subscription]:
        subscription = Subscription(merchant_id, accept)
        self.subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self.subscriptions.discard(subscription)

    def _listening(self) -> None:
        if self.connections > 1:  # the first connection, at start-up, is not a reconnect
            metrics.event_bus_reconnects.inc()
        for watcher in self.watchers:
            watcher.on_listening()

    def _dispatch(self, payload: str) -> None:
        event = decode(payload)
        if event is None:
            logger.warning("ignoring an event this version does not know: %.200s", payload)
            return
        for watcher in self.watchers:
            watcher.on_event(event)
        for subscription in list(self.subscriptions):
            subscription.offer(event)

    async def terminate_connection_for_tests(self) -> None:
        """Kill the LISTEN connection's backend, as a database restart would."""
        await self.listener.terminate_connection_for_tests()
