"""Cluster-wide pacing per WhatsApp sender.

Every process reserves send slots with one UPDATE on the sender's row: the row holds the
moment the next message may go, and a reservation of k slots moves it k intervals on.
Whatever the number of processes, a sender's messages are spaced 1/rate seconds apart.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from repositories.pacing import reserve_span


@dataclass(frozen=True)
class Slots:
    """When each reserved message may go, in seconds from now (0 = at once)."""

    delays: list[float]


async def reserve(session: AsyncSession, sender: str, count: int, rate: float) -> Slots:
    """Reserve `count` consecutive slots of a sender sending at most `rate` per second
    (0: no limit). Commit right away: the reservation must be visible to the others."""
    if rate <= 0 or count == 0:
        return Slots([0.0] * count)
    interval = 1.0 / rate
    span = count * interval
    until_end = await reserve_span(session, sender, span)
    first = until_end - span
    return Slots([max(0.0, first + i * interval) for i in range(count)])
