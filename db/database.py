"""A database handle: one engine and a session per unit of work, and a second engine
for the requests' shared read sessions."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import QueuePool

from db.engine import create_engine, session_factory
from db.shared_session import SharedSession


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        pre_ping: bool = True,
        statement_timeout_ms: int = 0,
    ) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(
            url, pool_size=pool_size, pre_ping=pre_ping, statement_timeout_ms=statement_timeout_ms
        )
        self._sessions = session_factory(self.engine)
        # Reads in autocommit: each statement sees what is committed, as it would in a
        # READ COMMITTED transaction, without a BEGIN and a ROLLBACK round trip around it.
        # A pool of their own without pre-ping: the asyncpg dialect pings with a BEGIN, a
        # `;` and a ROLLBACK, three round trips per request where the query itself takes
        # one to three. A read that finds its connection dead is run again on a new one
        # (SharedSession.read), which a transaction could not safely do.
        self.read_engine: AsyncEngine = create_engine(
            url, pool_size=pool_size, pre_ping=False, statement_timeout_ms=statement_timeout_ms
        )
        self._reads = session_factory(
            self.read_engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @property
    def engines(self) -> tuple[AsyncEngine, AsyncEngine]:
        """Both engines: the units of work's and the shared reads'."""
        return self.engine, self.read_engine

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads; whatever it did is rolled back when it closes."""
        async with self._sessions() as session:
            yield session

    def shared_reads(self) -> SharedSession:
        """One read session for a request's loaders, used in turn (db/shared_session.py)."""
        return SharedSession(self._reads)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        async with self._sessions() as session, session.begin():
            yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def pool_use(self) -> dict[str, tuple[int, int]]:
        """(in use, idle) connections of each pool: the units of work's and the reads'."""
        return {
            name: (pool.checkedout(), pool.checkedin())
            for name, engine in (("requests", self.engine), ("reads", self.read_engine))
            if isinstance(pool := engine.sync_engine.pool, QueuePool)
        }

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.read_engine.dispose()
