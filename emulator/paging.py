"""Twilio's list paging: PageSize, Page (client state only) and PageToken.

Tokens are `PA<sid>` (the page after that record) and `PB<sid>` (the page before it), the
shape Twilio's next_page_uri shows, so a page does not shift when records are created
between two calls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

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
