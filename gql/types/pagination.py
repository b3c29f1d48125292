"""Relay connections over keyset pages: a cursor is the global id of the row."""

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import strawberry

from gql.ids import decode_pk, encode_id
from gql.types.common import PageInfo
from services.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest

T = TypeVar("T")


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


M = TypeVar("M", bound=_HasId)


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    total_count: int
    page_info: PageInfo
    edges: list[Edge[T]]


class InvalidPageArguments(ValueError):
    pass


def page_request(first: int | None, after: str | None, cursor_type: str) -> PageRequest:
    """Validate `first` and `after`, raising a message fit for a GraphQL error."""
    limit = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 <= limit <= MAX_PAGE_SIZE:
        raise InvalidPageArguments(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
    after_id = None
    if after is not None:
        after_id = decode_pk(after, cursor_type)
        if after_id is None:
            raise InvalidPageArguments("`after` is not a cursor of this connection.")
    return PageRequest(limit, after_id)


def cursor_for(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


def connection_from_page(
    page: Page[M], total: int, type_name: str, convert: Callable[[M], T]
) -> Connection[T]:
    edges = [Edge(cursor=cursor_for(type_name, row.id), node=convert(row)) for row in page.items]
    end_cursor = edges[-1].cursor if edges else None
    return Connection(
        total_count=total,
        page_info=PageInfo(has_next_page=page.has_next, end_cursor=end_cursor),
        edges=edges,
    )
