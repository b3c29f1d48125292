"""Writing the changes a service made to rows it loaded.

Attribute changes on a loaded row reach the database at the next statement or at
commit; a service calls `write_pending` where it needs them written now: a constraint
checked inside its decision, a row's new state seen by the statement it runs next, or
an event published only once its change is in the transaction."""

from sqlalchemy.ext.asyncio import AsyncSession


async def write_pending(session: AsyncSession) -> None:
    await session.flush()
