"""Cluster-wide pacing per WhatsApp sender.

Every process reserves send slots with one UPDATE on the sender's row: the row holds the
moment the next message may go, and a reservation of k slots moves it k intervals on.
Whatever the number of processes, a sender's messages are spaced 1/rate seconds apart.

Two lanes share that row. A campaign send's rows reserve only the slots that start within
a short horizon (CAMPAIGNS_BULK_LOOKAHEAD); a one-off message reserves without one, so it
takes the next free slot: it waits at most the horizon behind a running send, and every
row of the send not reserved yet goes after it.
"""

import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from repositories.pacing import reserve_slots
from services.sends.context import Delivery


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


@dataclass
class Paced:
    now: list[tuple[Delivery, float]]  # with the monotonic deadline of its slot
    later: list[tuple[Delivery, float]]  # no slot: seconds until one may be reserved


async def reserve_by_sender(
    session: AsyncSession, deliveries: list[Delivery], horizon: float | None
) -> Paced:
    """Slots for the deliveries, reserved per sender at its own rate (one UPDATE per
    sender of the batch), the lowest rows first, only within `horizon` when given.
    Deadlines are taken when each reservation answers, so the time until the transaction
    commits and the tasks start is not added to every slot."""
    by_sender: dict[str, list[Delivery]] = {}
    for delivery in sorted(deliveries, key=lambda d: d.claim.ledger_id):
        key = delivery.route.pacing_key if delivery.route else ""
        by_sender.setdefault(key, []).append(delivery)
    paced = Paced([], [])
    for key, of_sender in by_sender.items():
        route = of_sender[0].route
        slots = await reserve(
            session, key, len(of_sender), route.rate_limit if route else 0.0, horizon
        )
        now = time.monotonic()
        paced.now += [(d, now + delay) for d, delay in zip(of_sender, slots.delays, strict=False)]
        if horizon is not None and len(slots.delays) < len(of_sender):
            # Until the first slot not granted enters the horizon, at most every half of
            # it: claiming and giving back costs two statements.
            after = max(slots.next_in - horizon, horizon / 2)
            paced.later += [(d, after) for d in of_sender[len(slots.delays) :]]
    return paced
