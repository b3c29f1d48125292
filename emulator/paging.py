"""Twilio's list paging: PageSize, Page (client state only) and PageToken.

Tokens are `PA<sid>` (the page after that record) and `PB<sid>` (the page before it), the
shape Twilio's next_page_uri shows, so a page does not shift when records are created
between two calls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from emulator.errors import bad_request

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    next_token: str | None
    previous_token: str | None


def paginate(
    records: Sequence[T],
    sid: Callable[[T], str],
    page_size: int | None,
    page: int | None,
    token: str | None,
) -> Page[T]:
    size = page_size or DEFAULT_PAGE_SIZE
    start = 0
    if token:
        sids = [sid(r) for r in records]
        anchor = token[2:]
        if token[:2] not in ("PA", "PB") or anchor not in sids:
            raise bad_request(20001, f"Invalid PageToken {token}")
        start = (
            sids.index(anchor) + 1 if token.startswith("PA") else max(0, sids.index(anchor) - size)
        )
    chosen = list(records[start : start + size])
    has_next = start + size < len(records)
    return Page(
        items=chosen,
        page=page or 0,
        page_size=size,
        next_token=f"PA{sid(chosen[-1])}" if chosen and has_next else None,
        previous_token=f"PB{sid(chosen[0])}" if chosen and start > 0 else None,
    )


def v2010_list(
    key: str,
    page: Page[T],
    resources: list[dict[str, Any]],
    base: str,
    filters: list[tuple[str, str]],
    token: str | None,
) -> dict[str, Any]:
    """A 2010 API list answer: the page's resources under `key`, relative page URIs on
    `base` (a path) that keep the filters."""

    def uri(number: int, page_token: str | None) -> str:
        params: list[tuple[str, Any]] = [*filters, ("PageSize", page.page_size), ("Page", number)]
        if page_token:
            params.append(("PageToken", page_token))
        return f"{base}?{urlencode(params)}"

    start = page.page * page.page_size
    return {
        key: resources,
        "end": start + max(len(page.items) - 1, 0),
        "first_page_uri": uri(0, None),
        "next_page_uri": uri(page.page + 1, page.next_token) if page.next_token else None,
        "page": page.page,
        "page_size": page.page_size,
        "previous_page_uri": (
            uri(max(page.page - 1, 0), page.previous_token) if page.previous_token else None
        ),
        "start": start,
        "uri": uri(page.page, token),
    }
