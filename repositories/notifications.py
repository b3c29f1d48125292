"""NOTIFY: queue payloads on a channel in the session's transaction. PostgreSQL delivers
them to every listening process when (and only if) the transaction commits."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Built once: a select(func.pg_notify(...)) was built, and its cache key computed, again
# for every event.
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
_NOTIFY_MANY = text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) AS p")


async def notify(session: AsyncSession, channel: str, payload: str) -> None:
    await session.execute(_NOTIFY, {"channel": channel, "payload": payload})


async def notify_many(session: AsyncSession, channel: str, payloads: list[str]) -> None:
    """Queue every payload in one statement."""
    await session.execute(_NOTIFY_MANY, {"channel": channel, "payloads": payloads})
