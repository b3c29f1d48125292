"""One read session shared by the DataLoaders of a request, one user at a time.

An AsyncSession (and the asyncpg connection under it) runs one statement at a time, so
users take turns under a lock. What is saved is per-session overhead: a pool checkout
(with its pre-ping), and, the session being in autocommit, no BEGIN and ROLLBACK around
each batch. The session is returned to the pool as soon as nobody uses, waits for or
holds it, so a subscription's context, which lives as long as its WebSocket, does not
keep a connection between events.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession


class SharedSession:
    def __init__(self, open_session: Callable[[], AsyncSession]) -> None:
        self._open_session = open_session
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._users = 0  # using, waiting for the lock, or holding it open

    @asynccontextmanager
    async def use(self) -> AsyncIterator[AsyncSession]:
        """The session, for this caller alone until the block ends."""
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
