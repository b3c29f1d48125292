"""Keyset pagination: pages are `limit` rows after a known id, in a fixed id order."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_PAGE_SIZE
    after_id: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.limit <= MAX_PAGE_SIZE:
            raise ValueError(f"page size must be between 0 and {MAX_PAGE_SIZE}")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    has_next: bool

    @classmethod
    def from_overfetch(cls, rows: Sequence[T], limit: int) -> "Page[T]":
        """Rows fetched with limit + 1: the extra row only tells that there is more."""
        return cls(rows[:limit], len(rows) > limit)
