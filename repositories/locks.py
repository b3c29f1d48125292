"""Session-level advisory locks, held by a connection for as long as it stays open: a
process that dies (its connection closed) frees them for another to take."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection


async def try_lock(connection: AsyncConnection, key: int) -> bool:
    """Take the lock if no other connection holds it; never waits."""
    return bool(await connection.scalar(select(func.pg_try_advisory_lock(key))))


async def check_connection(connection: AsyncConnection) -> None:
    """Raises when the connection (and so the lock it holds) is gone."""
    await connection.scalar(select(1))


async def lock(connection: AsyncConnection, key: int) -> None:
    """Take the lock, waiting for whichever connection holds it to let it go."""
    await connection.scalar(select(func.pg_advisory_lock(key)))


async def unlock(connection: AsyncConnection, key: int) -> None:
    await connection.scalar(select(func.pg_advisory_unlock(key)))
