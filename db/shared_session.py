"""One read session shared by the DataLoaders of a request, one user at a time.

An AsyncSession (and the asyncpg connection under it) runs one statement at a time, so
users take turns under a lock. What is saved is per-session overhead: a pool checkout
(with its pre-ping), and, the session being in autocommit, no BEGIN and ROLLBACK around
each batch. The session is returned to the pool as soon as nobody uses, waits for or
holds it, so a subscription's context, which lives as long as its WebSocket, does not
keep a connection between events.

Its pool does not ping a connection before handing it out (db/database.py): a read that
finds its connection dead (PostgreSQL restarted, the connection cut) is run once more on
a new one. That is safe for reads in autocommit, and the pool, on seeing one connection
dead, replaces every connection older than it, so one retry suffices.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


class SharedSession:
    def __init__(self, open_session: Callable[[], AsyncSession]) -> None:
        self._open_session = open_session
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._users = 0  # using, waiting for the lock, or holding it open

    async def read(self, fetch: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`fetch`'s result, run again once on a new connection if its own was dead."""
        try:
            async with self.use() as session:
                return await fetch(session)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        async with self.use() as session:  # use() dropped the dead one: a new connection
            return await fetch(session)

    @asynccontextmanager
    async def use(self) -> AsyncIterator[AsyncSession]:
        """The session, for this caller alone until the block ends. Not retried: reads
        go through `read`."""
        self._users += 1
        try:
            async with self._lock:
                if self._session is None:
                    self._session = self._open_session()
                try:
                    yield self._session
                except BaseException:
                    # A failed statement may leave the connection unusable: next user, new one.
                    await self._discard()
                    raise
        finally:
            self._users -= 1
            await self._release_if_unused()

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Keep the session between uses until the block ends (one whole query)."""
        self._users += 1
        try:
            yield
        finally:
            self._users -= 1
            await self._release_if_unused()

    async def _release_if_unused(self) -> None:
        if self._users == 0:
            await self._discard()

    async def _discard(self) -> None:
        # Taken out before the await: a newcomer meanwhile opens a session of its own.
        session, self._session = self._session, None
        if session is not None:
            await session.close()
