"""Relay connections over keyset pages: a cursor is the global id of the row."""

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import strawberry

from gql.errors import bad_input
from gql.ids import decode_pk, encode_id
from gql.types.common import PageInfo
from repositories.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest

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


def page_request(first: int | None, after: str | None, cursor_type: str) -> PageRequest:
    """Validate `first` and `after`, raising a BAD_USER_INPUT GraphQL error: the same for
    a root connection and a nested one (`campaign { leads(after: ...) }`)."""
    limit = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 <= limit <= MAX_PAGE_SIZE:
        raise bad_input(f"`first` must be between 0 and {MAX_PAGE_SIZE}.", ["first"])
    after_id = None
    if after is not None:
        after_id = decode_pk(after, cursor_type)
        if after_id is None:
            raise bad_input("`after` is not a cursor of this connection.", ["after"])
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
