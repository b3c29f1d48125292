"""Cluster-wide pacing per WhatsApp sender.

Every process reserves send slots with one UPDATE on the sender's row: the row holds the
moment the next message may go, and a reservation of k slots moves it k intervals on.
Whatever the number of processes, a sender's messages are spaced 1/rate seconds apart.

Two lanes share that row. A campaign send's rows reserve only the slots that start within
a short horizon (CAMPAIGNS_BULK_LOOKAHEAD); a one-off message reserves without one, so it
takes the next free slot: it waits at most the horizon behind a running send, and every
row of the send not reserved yet goes after it.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from repositories.pacing import reserve_slots


@dataclass(frozen=True)
class Slots:
    """When each granted message may go, in seconds from now (0 = at once): all of those
    asked for, or, past a horizon, the first ones."""

    delays: list[float]
    next_in: float = 0.0  # seconds from now to the first slot not granted


async def reserve(
    session: AsyncSession, sender: str, count: int, rate: float, horizon: float | None = None
) -> Slots:
    """Reserve `count` consecutive slots of a sender sending at most `rate` per second
    (0: no limit), only those starting within `horizon` seconds when given. Commit right
    away: the reservation must be visible to the others."""
    if rate <= 0 or count == 0:
        return Slots([0.0] * count)
    interval = 1.0 / rate
    wait, granted = await reserve_slots(session, sender, count, interval, horizon)
    return Slots([wait + i * interval for i in range(granted)], wait + granted * interval)
