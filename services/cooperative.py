"""Long loops that leave the event loop its turn.

Everything of a request runs on the server's one event loop: a loop over 10,000 leads
that never awaits (normalising phones, building response objects) stalls every other
request for as long as it runs. Iterating through `cooperatively` hands the loop a turn
whenever a slice of the work has taken longer than its budget.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable
from time import perf_counter
from typing import TypeVar

T = TypeVar("T")

SLICE_SECONDS = 0.01  # the longest stretch without a turn for the loop


async def cooperatively(items: Iterable[T], budget: float = SLICE_SECONDS) -> AsyncIterator[T]:
    """`items`, yielding to the event loop after each `budget` seconds of work."""
    deadline = perf_counter() + budget
    for item in items:
        if perf_counter() > deadline:
            await asyncio.sleep(0)
            deadline = perf_counter() + budget
        yield item
