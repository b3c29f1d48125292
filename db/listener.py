"""One LISTEN connection on a channel (raw asyncpg: SQLAlchemy has no LISTEN),
re-established whenever it drops.

Payloads go to `on_payload` as they arrive; `on_listening` runs each time the connection
is (re)established, since payloads sent while it was down are lost. What a payload means
is the caller's business (services/events/bus.py)."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

logger = logging.getLogger(__name__)


class Listener:
    def __init__(
        self,
        dsn: str,
        channel: str,
        on_payload: Callable[[str], None],
        on_listening: Callable[[], None],
        *,
        reconnect_delay: float = 0.5,
    ) -> None:
        self.dsn = dsn
        self.channel = channel
        self.on_payload = on_payload
        self.on_listening = on_listening
        self.reconnect_delay = reconnect_delay
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

    def _receive(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        self.on_payload(payload)

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
            before = self.connections
            try:
                await self._listen(connection, lost)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                logger.warning("event bus connection lost: %s", error)
            finally:
                if self.connections != before:  # it did listen: back off from scratch
                    delay = self.reconnect_delay
                self.connected.clear()
                self._connection = None
                if not connection.is_closed():
                    connection.terminate()
            logger.warning("event bus reconnecting")

    async def _listen(self, connection: Any, lost: asyncio.Event) -> None:
        """Listen on `connection` until it is lost."""
        connection.add_termination_listener(_setter(lost))
        await connection.add_listener(self.channel, self._receive)
        self.connections += 1
        self.on_listening()
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
