"""Running a service call as one unit of work and turning refusals into UserErrors."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

from gql.context import Context
from gql.types.common import UserError
from services.errors import ServiceError

T = TypeVar("T")


async def in_transaction(
    context: Context, work: Callable[[AsyncSession], Awaitable[T]]
) -> T | list[UserError]:
    """Commit what `work` did, or roll it all back and return the service's errors."""
    try:
        async with context.db.transaction() as session:
            return await work(session)
    except ServiceError as error:
        return UserError.list_from(error)


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
