"""Running a service call as one unit of work, turning a service's refusal into the
`errors` of a mutation's payload (here only), and deciding what of an error reaches the
client and what the log."""

import dataclasses
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.field import StrawberryField

from gql.context import Context, Info
from gql.types.common import UserError
from services.errors import ServiceError

T = TypeVar("T")

logger = logging.getLogger(__name__)

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for statement_timeout (and cancels)


async def in_transaction(context: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Commit what `work` did, or roll it all back and let its ServiceError through (to
    `UserErrors`, which makes it the payload's `errors`)."""
    async with context.db.transaction() as session:
        return await work(session)


def refusal(field: StrawberryField, errors: list[UserError]) -> Any:
    """The mutation's payload with only `errors`: every other field empty, null or its
    default (`added: Int!`, 0)."""
    payload_type: Any = field.type
    values: dict[str, Any] = {}
    for payload_field in payload_type.__strawberry_definition__.fields:
        if payload_field.python_name == "errors":
            values["errors"] = errors
        elif isinstance(payload_field.type, StrawberryList):
            values[payload_field.python_name] = []
        elif isinstance(payload_field.type, StrawberryOptional):
            values[payload_field.python_name] = None
        elif payload_field.default is not dataclasses.MISSING:
            continue
        else:
            raise TypeError(f"{payload_type.__name__}.{payload_field.python_name} is required")
    return payload_type(**values)


class UserErrors(FieldExtension):
    """A mutation whose service refused (raised ServiceError) answers with a payload
    carrying the refusal's problems as `errors`, its other fields empty."""

    def apply(self, field: StrawberryField) -> None:
        self.field = field

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info,
        **kwargs: Any,
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except ServiceError as error:
            return refusal(self.field, UserError.list_from(error))


def map_service_errors(mutation_type: type) -> None:
    """Puts `UserErrors` on every mutation, innermost (the first extension wraps the
    resolver itself), so that InputGuard sees the refusal as the resolver's payload."""
    for field in mutation_type.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        field.extensions.insert(0, UserErrors())


def bad_input(message: str, field: list[str] | None = None) -> GraphQLError:
    extensions: dict[str, object] = {"code": "BAD_USER_INPUT"}
    if field is not None:
        extensions["field"] = field
    return GraphQLError(message, extensions=extensions)


def _sqlstate(error: BaseException | None) -> str | None:
    # SQLAlchemy wraps asyncpg's error; both carry the SQLSTATE somewhere along the chain.
    while error is not None:
        state = getattr(getattr(error, "orig", None), "sqlstate", None) or getattr(
            error, "sqlstate", None
        )
        if isinstance(state, str):
            return state
        error = error.__cause__
    return None


def _is_request_error(error: GraphQLError) -> bool:
    """The client's mistake: parse, validation and coercion errors (no path; graphql-core
    wraps a scalar's ValueError or TypeError) and errors raised as GraphQLErrors."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return True
    return error.path is None and isinstance(original, ValueError | TypeError)


class RequestErrorCodes(SchemaExtension):
    """Codes for the client's mistakes that graphql-core reports without one, named as
    Apollo Server names them (most GraphQL clients know these): a document that does not
    parse, or does not validate. What is left uncoded is a request error of execution
    (variables that cannot be coerced to their types): BAD_USER_INPUT, in report_errors."""

    def on_parse(self) -> Iterator[None]:
        yield
        _code_uncoded(self.execution_context.pre_execution_errors, "GRAPHQL_PARSE_FAILED")

    def on_validate(self) -> Iterator[None]:
        yield
        _code_uncoded(self.execution_context.pre_execution_errors, "GRAPHQL_VALIDATION_FAILED")


def _code_uncoded(errors: list[GraphQLError] | None, code: str) -> None:
    for error in errors or ():
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code}


def report_errors(errors: list[GraphQLError], timeout_ms: int | None = None) -> None:
    """What the client sees of each error, and the log lines: none for the client's
    mistakes, one line for a timeout, and for anything unexpected the whole story once,
    under an error id the client also gets. Every error leaves with `extensions.code`.

    Errors are rewritten in place: strawberry calls this once for every transport, before
    the result is serialised."""
    for error in errors:
        original = error.original_error
        if isinstance(original, RecursionError):
            error.message = "The document or its variables are nested too deeply."
            error.extensions = {"code": "BAD_USER_INPUT"}
            error.original_error = None
        elif _sqlstate(original) == QUERY_CANCELED:
            limit = f" of {timeout_ms} ms" if timeout_ms else ""
            error.message = (
                f"The database took longer than the statement timeout{limit} "
                "(CAMPAIGNS_STATEMENT_TIMEOUT_MS); narrow the request."
            )
            error.extensions = {"code": "STATEMENT_TIMEOUT"}
            error.original_error = None
            logger.warning("statement timeout at %s", error.path)
        elif not _is_request_error(error):
            _mask(error)
        else:
            _code_uncoded([error], "BAD_USER_INPUT")


def _mask(error: GraphQLError) -> None:
    error_id = secrets.token_hex(8)
    original = error.original_error
    assert original is not None
    logger.error(
        "Unexpected error %s at %s",
        error_id,
        error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    error.message = f"Internal server error (error id {error_id})."
    error.extensions = {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
    error.original_error = None
