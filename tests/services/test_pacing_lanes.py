"""The pacing statement's two lanes on real PostgreSQL: a campaign send's reservation is
granted only the slots starting within its horizon; a one-off message's takes the next
free slot whatever the horizon, and the send's next reservation goes after it."""

import asyncio
import itertools
import time
import uuid

import pytest

from db.database import Database
from services.sends.pacing import Slots, reserve


def a_sender() -> str:
    return f"whatsapp:lanes-{uuid.uuid4().hex[:12]}"


async def reserved(
    db: Database, sender: str, count: int, rate: float, horizon: float | None
) -> Slots:
    async with db.transaction() as session:
        return await reserve(session, sender, count, rate, horizon)


async def test_a_send_is_granted_the_slots_within_its_horizon_and_a_one_off_the_next_free(
    db: Database,
) -> None:
    sender = a_sender()
    # One a second, a horizon of 2.5 s: the slots at 0, 1 and 2 s of the 50 asked for.
    first = await reserved(db, sender, 50, 1.0, 2.5)
    assert first.delays == pytest.approx([0.0, 1.0, 2.0], abs=0.3)
    assert first.next_in == pytest.approx(3.0, abs=0.3)
    # The horizon is full: nothing more for the send, not even one slot.
    assert (await reserved(db, sender, 50, 1.0, 2.5)).delays == []
    # A one-off takes the next free slot, past the horizon...
    [one_off] = (await reserved(db, sender, 1, 1.0, None)).delays
    assert one_off == pytest.approx(3.0, abs=0.3)
    # ... and the send's next slot is after it.
    after = await reserved(db, sender, 50, 1.0, 2.5)
    assert after.delays == []
    assert after.next_in == pytest.approx(4.0, abs=0.3)


async def test_a_batch_at_the_default_rates_fits_in_the_horizon(db: Database) -> None:
    for rate in (80.0, 500.0):
        slots = await reserved(db, a_sender(), 50, rate, 1.0)
        assert len(slots.delays) == 50
        assert slots.delays[-1] == pytest.approx(49 / rate, abs=0.1)


async def test_without_a_rate_everything_goes_at_once(db: Database) -> None:
    slots = await reserved(db, a_sender(), 5, 0.0, 1.0)
    assert slots.delays == [0.0] * 5


async def test_concurrent_reservations_of_both_lanes_never_share_a_slot(db: Database) -> None:
    sender, rate = a_sender(), 10.0
    await reserved(db, sender, 1, rate, None)  # the sender's row exists: no first insert race

    async def moments(count: int, horizon: float | None) -> list[float]:
        slots = await reserved(db, sender, count, rate, horizon)
        answered = time.monotonic()
        return [answered + delay for delay in slots.delays]

    lanes = [moments(4, 0.8 if i % 2 else None) for i in range(10)]
    taken = sorted(t for slots in await asyncio.gather(*lanes) for t in slots)
    assert len(taken) >= 20  # every one-off lane got its 4 slots
    gaps = [b - a for a, b in itertools.pairwise(taken)]
    assert min(gaps) > 1 / rate - 0.03, gaps
