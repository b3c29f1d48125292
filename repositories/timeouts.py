"""A statement timeout for the rest of one transaction (SET LOCAL, through set_config so
the value is a bound parameter): a request that is big by design gets its own bound
instead of the request sessions' default."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def statement_timeout_for_transaction(session: AsyncSession, milliseconds: int) -> None:
    await session.execute(select(func.set_config("statement_timeout", str(milliseconds), True)))
