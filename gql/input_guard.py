"""Every string a client sends is checked here, once, before any resolver sees it.

PostgreSQL cannot store a NUL character, and text with an unpaired surrogate is not valid
Unicode (it cannot be encoded to UTF-8); either one used to reach the database and fail
there, with the SQL statement and every parameter in the error. Strings also have a
maximum length, so a 1 MB filter never reaches a query.

A field extension on every root field with arguments walks the arguments (input objects,
lists, JSON values and their keys) and refuses what it finds:
- in a query, as a GraphQL error with `extensions.code = "BAD_USER_INPUT"` and the path;
- in a mutation, as its payload's `errors` (code BAD_USER_INPUT, with the field path);
- in a batch argument (`addCampaignLeads`' `leads`), item by item: the bad items are
  reported by index and the rest go on to the resolver.
"""

from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types.base import has_object_definition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from gql.context import Info
from gql.errors import bad_input, refusal
from gql.types.common import UserError
from services.cooperative import cooperatively
from services.errors import ErrorCode
from services.settings import Settings

# Maxima smaller than CAMPAIGNS_MAX_STRING_LENGTH, by input field or argument name.
# Twice the 512 characters the name rule allows, so a name just over it still gets the
# rule's own INVALID_NAME; the guard only stops what no rule should have to read.
NAME_LENGTH = 1_024
MAX_LENGTHS = {
    "name": NAME_LENGTH,
    "nameContains": NAME_LENGTH,
    "campaignName": NAME_LENGTH,
    "idempotencyKey": NAME_LENGTH,  # the rule allows 255; longer ones get its INVALID
    "phone": 64,
    "to": 64,
    "language": 32,
    "contentType": 64,
    "address": 64,
    "accountSid": 64,
    "apiKeySid": 64,
    "authToken": 256,
    "apiKeySecret": 256,
    "timeZone": 64,  # conversation_users.time_zone; IANA names are at most ~32
}
MAX_JSON_DEPTH = 32  # JSON inputs (samples, variables, contentContext) nest no deeper


@dataclass(frozen=True)
class Problem:
    path: tuple[str, ...]
    message: str


def text_problem(value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"Too long: {len(value)} characters; the maximum is {limit}."
    if "\x00" in value:
        return "Contains a NUL character, which cannot be stored."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Contains an unpaired surrogate: not valid Unicode text."
    return None


def _key(key: str) -> str:
    # A path element goes back to the client: a bad key is shown escaped.
    return key if text_problem(key, NAME_LENGTH) is None else ascii(key)


def find_problems(
    value: Any, path: tuple[str, ...], limit: int, depth: int = 0
) -> Iterator[Problem]:
    if value is None or isinstance(value, Enum | bool | int | float):
        return
    if isinstance(value, str):
        message = text_problem(value, limit)
        if message:
            yield Problem(path, message)
        return
    if depth > MAX_JSON_DEPTH:
        yield Problem(path, f"Nested more than {MAX_JSON_DEPTH} levels deep.")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            key_path = (*path, _key(str(key)))
            yield from find_problems(str(key), key_path, NAME_LENGTH, depth + 1)
            yield from find_problems(item, key_path, limit, depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from find_problems(item, (*path, str(index)), limit, depth + 1)
    elif has_object_definition(value):
        for field in value.__strawberry_definition__.fields:
            name = field.graphql_name or to_camel_case(field.python_name)
            item = getattr(value, field.python_name)
            yield from find_problems(item, (*path, name), MAX_LENGTHS.get(name, limit), depth + 1)


class InputGuard(FieldExtension):
    """Refuses unstorable or oversized strings in a root field's arguments."""

    def __init__(self, batch: str | None = None) -> None:
        self.batch = batch  # the argument whose items are refused one by one

    def apply(self, field: StrawberryField) -> None:
        self.field = field

    def _arguments(self, info: Info, kwargs: dict[str, Any]) -> Iterator[tuple[str, Any, int]]:
        """(GraphQL name, value, maximum string length) of each argument."""
        settings = getattr(info.context, "settings", None)
        default = settings.max_string_length if isinstance(settings, Settings) else 2_048
        for argument in self.field.arguments:
            name = argument.graphql_name or to_camel_case(argument.python_name)
            yield name, kwargs.get(argument.python_name), MAX_LENGTHS.get(name, default)

    def problems(self, info: Info, kwargs: dict[str, Any]) -> list[Problem]:
        found: list[Problem] = []
        for name, value, limit in self._arguments(info, kwargs):
            found.extend(find_problems(value, (name,), limit))
        return found

    async def problems_async(self, info: Info, kwargs: dict[str, Any]) -> list[Problem]:
        """As `problems`, but a batch's items (10,000 leads took ~0.1 s to walk) are
        walked in slices that leave the event loop its turn."""
        found: list[Problem] = []
        for name, value, limit in self._arguments(info, kwargs):
            if name == self.batch and isinstance(value, list):
                async for index, item in cooperatively(enumerate(value)):
                    found.extend(find_problems(item, (name, str(index)), limit, depth=1))
            else:
                found.extend(find_problems(value, (name,), limit))
        return found

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        problems = self.problems(info, kwargs)
        if problems:
            raise _query_error(problems)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info,
        **kwargs: Any,
    ) -> Any:
        problems = await self.problems_async(info, kwargs)
        if not problems:
            return await next_(source, info, **kwargs)
        if info.operation.operation.value != "mutation":
            raise _query_error(problems)
        errors = [_user_error(problem) for problem in problems]
        if self.batch is None or any(_index(p.path, self.batch) is None for p in problems):
            return refusal(self.field, errors)
        return await self._without_bad_items(next_, source, info, kwargs, problems)

    async def _without_bad_items(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info,
        kwargs: dict[str, Any],
        problems: list[Problem],
    ) -> Any:
        assert self.batch is not None
        bad = {_index(problem.path, self.batch) for problem in problems}
        items: Sequence[Any] = kwargs[self.batch]
        kept = [index for index in range(len(items)) if index not in bad]
        payload = await next_(source, info, **{**kwargs, self.batch: [items[i] for i in kept]})
        for error in payload.errors:  # the resolver saw the kept items only: renumber
            index = _index(tuple(error.field), self.batch)
            if index is not None:
                error.field[1] = str(kept[index])
        errors = [_user_error(problem) for problem in problems] + list(payload.errors)
        payload.errors = sorted(errors, key=lambda e: self._position(e.field))
        return payload

    def _position(self, path: list[str]) -> int:
        assert self.batch is not None
        index = _index(tuple(path), self.batch)
        return -1 if index is None else index


def _index(path: tuple[str, ...], batch: str) -> int | None:
    if len(path) > 1 and path[0] == batch and path[1].isdigit():
        return int(path[1])
    return None


def _user_error(problem: Problem) -> UserError:
    return UserError(
        field=list(problem.path), code=ErrorCode.BAD_USER_INPUT, message=problem.message
    )


def _query_error(problems: list[Problem]) -> Exception:
    first = problems[0]
    more = f" ({len(problems) - 1} more)" if len(problems) > 1 else ""
    return bad_input(f"{'.'.join(first.path)}: {first.message}{more}", list(first.path))


def guard_inputs(*root_types: type) -> None:
    """Puts an InputGuard on every field with arguments that has none of its own."""
    for root_type in root_types:
        for field in root_type.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            has_guard = any(isinstance(e, InputGuard) for e in field.extensions)
            if field.arguments and not has_guard:
                # First in the list is innermost: the permission check (appended by
                # strawberry) runs before it, so an unauthenticated client is told
                # UNAUTHENTICATED whatever its input.
                field.extensions.insert(0, InputGuard())
