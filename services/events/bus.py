"""One LISTEN connection per server process, fanned out to in-process subscribers.

Subscribers register with the bus, not with the connection: when the connection drops,
the bus reconnects and the same subscribers keep receiving events. Watchers see every
event of every merchant (the token cache forgets revoked tokens that way), and are told
each time the connection is (re)established, since events sent while it was down are lost.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import asyncpg

from services.events.messages import CHANNEL, Event, decode

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
        self.dsn = dsn
        self.reconnect_delay = reconnect_delay
        self.subscriptions: set[Subscription] = set()
        self.watchers: list[Watcher] = []
        self.connected = asyncio.Event()
        self.connections = 0  # how many times the LISTEN connection was (re)established
        self._task: asyncio.Task[None] | None = None
        self._connection: Any = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="event-bus")
        await asyncio.wait_for(self.connected.wait(), timeout=30)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

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

    def _dispatch(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        event = decode(payload)
        if event is None:
            logger.warning("ignoring an event this version does not know: %.200s", payload)
            return
        for watcher in self.watchers:
            watcher.on_event(event)
        for subscription in list(self.subscriptions):
            subscription.offer(event)

    async def _run(self) -> None:
        delay = self.reconnect_delay
        while True:
            lost = asyncio.Event()
            try:
                connection = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError) as error:
                logger.warning("event bus cannot connect (%s); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
                continue
            self._connection = connection
            try:
                connection.add_termination_listener(_setter(lost))
                await connection.add_listener(CHANNEL, self._dispatch)
                delay = self.reconnect_delay
                self.connections += 1
                for watcher in self.watchers:
                    watcher.on_listening()
                self.connected.set()
                # A reconnection is news; the first connection, at start-up, is not.
                level = logging.INFO if self.connections > 1 else logging.DEBUG
                logger.log(level, "event bus listening")
                # A terminated connection does not always call the termination
                # listener (a killed backend mid-idle), so also check it now and then.
                while not lost.is_set() and not connection.is_closed():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), timeout=1)
                    if not lost.is_set():
                        await _check_alive(connection, lost)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                logger.warning("event bus connection lost: %s", error)
            finally:
                self.connected.clear()
                self._connection = None
                if not connection.is_closed():
                    connection.terminate()
            logger.warning("event bus reconnecting")

    async def terminate_connection_for_tests(self) -> None:
        """Kill the LISTEN connection's backend, as a database restart would."""
        if self._connection is not None:
            pid = self._connection.get_server_pid()
            killer = await asyncpg.connect(self.dsn)
            try:
                await killer.execute("SELECT pg_terminate_backend($1)", pid)
            finally:
                await killer.close()


async def _check_alive(connection: Any, lost: asyncio.Event) -> None:
    try:
        await asyncio.wait_for(connection.execute("SELECT 1"), timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        lost.set()


def _setter(event: asyncio.Event) -> Callable[[object], None]:
    return lambda _: event.set()
