"""Status callbacks applied monotonically, however they arrive."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from db.database import Database
from db.engine import libpq_url
from db.enums import MessageStatus
from jobs.status_batcher import StatusBatcher
from services.events import messages as event_messages
from services.events.bus import EventBus, Subscription
from services.events.messages import Event, MessageStatusChanged, SendProgress
from services.messages.status import (
    StatusResult,
    StatusUpdate,
    apply_status,
    apply_statuses,
)
from services.messages.statuses import replaceable_by
from tests.services.messages.ledger import (
    SentMessage,
    campaign_with_lead,
    message_row,
    new_merchant_id,
    new_phone,
    new_sid,
    send_message,
)

T0 = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
async def bus(database_url: str) -> AsyncIterator[EventBus]:
    event_bus = EventBus(libpq_url(database_url), reconnect_delay=0.05)
    await event_bus.start()
    yield event_bus
    await event_bus.stop()


async def sent(db: Database, *, in_a_send: bool = True) -> SentMessage:
    merchant_id = await new_merchant_id(db)
    lead = await campaign_with_lead(db, merchant_id, new_phone())
    return await send_message(db, merchant_id, lead, in_a_send=in_a_send)


async def callback(
    db: Database,
    sid: str,
    status: str,
    when: datetime = T0,
    code: int | None = None,
    error: str | None = None,
) -> StatusResult | None:
    async with db.transaction() as session:
        return await apply_status(session, sid, status, code, error, when)


async def drain(events: Subscription, settle: float = 0.3) -> list[Event]:
    await asyncio.sleep(settle)
    seen = []
    while not events.queue.empty():
        seen.append(events.queue.get_nowait())
    return seen


def test_each_status_replaces_only_earlier_ones() -> None:
    assert replaceable_by(MessageStatus.ACCEPTED) == ()
    assert MessageStatus.DELIVERED not in replaceable_by(MessageStatus.SENT)
    assert MessageStatus.DELIVERED in replaceable_by(MessageStatus.READ)
    for terminal in (MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.CANCELED):
        assert MessageStatus.SENT in replaceable_by(terminal)
        assert MessageStatus.DELIVERED not in replaceable_by(terminal)
        for other in MessageStatus:
            assert terminal not in replaceable_by(other), "terminal statuses stick"


async def test_statuses_in_order_record_when_each_was_reached(db: Database) -> None:
    message = await sent(db)
    for second, status in enumerate(("sending", "sent", "delivered", "read"), start=1):
        result = await callback(db, message.sid, status, at(second))
        assert result is not None and result.changed and result.status == status
    stored = await message_row(db, message.message_id)
    assert stored.status is MessageStatus.READ
    assert (stored.sent_at, stored.delivered_at, stored.read_at) == (at(2), at(3), at(4))
    assert stored.failed_at is None


async def test_out_of_order_and_repeated_callbacks_end_at_the_furthest_status(
    db: Database,
) -> None:
    message = await sent(db)
    first = await callback(db, message.sid, "delivered", at(5))
    assert first is not None and first.changed
    for second, status in ((6, "sent"), (7, "delivered"), (8, "queued"), (9, "sending")):
        result = await callback(db, message.sid, status, at(second))
        assert result is not None and not result.changed
        assert result.status is MessageStatus.DELIVERED, f"a late {status} changed nothing"
    await callback(db, message.sid, "read", at(10))
    await callback(db, message.sid, "read", at(11))
    stored = await message_row(db, message.message_id)
    assert stored.status is MessageStatus.READ
    # `delivered` implied `sent`: its time stands for both, and no late callback moved it.
    assert (stored.sent_at, stored.delivered_at, stored.read_at) == (at(5), at(5), at(10))


async def test_read_first_fills_the_earlier_milestones(db: Database) -> None:
    message = await sent(db)
    await callback(db, message.sid, "read", at(3))
    await callback(db, message.sid, "delivered", at(4))
    stored = await message_row(db, message.message_id)
    assert (stored.sent_at, stored.delivered_at, stored.read_at) == (at(3), at(3), at(3))


async def test_milestones_never_go_backwards_between_clocks(db: Database) -> None:
    """Two processes' clocks (or a callback that waited for a row lock) may disagree."""
    message = await sent(db)
    await callback(db, message.sid, "delivered", at(5))
    await callback(db, message.sid, "read", at(3))
    stored = await message_row(db, message.message_id)
    assert (stored.sent_at, stored.delivered_at, stored.read_at) == (at(5), at(5), at(5))
    other = await sent(db)
    await callback(db, other.sid, "sent", at(5))
    await callback(db, other.sid, "failed", at(4), 30008, "Unknown error")
    assert (await message_row(db, other.message_id)).failed_at == at(5)


async def test_failures_are_terminal_and_keep_their_error(db: Database) -> None:
    message = await sent(db)
    await callback(db, message.sid, "sent", at(1))
    result = await callback(db, message.sid, "undelivered", at(2), 63024, "Not a WhatsApp user")
    assert result is not None and result.changed
    for second, status in enumerate(("delivered", "read", "failed", "sent"), start=3):
        later = await callback(db, message.sid, status, at(second), 30008, "Unknown error")
        assert later is not None and not later.changed
    stored = await message_row(db, message.message_id)
    assert stored.status is MessageStatus.UNDELIVERED
    assert (stored.error_code, stored.error_message) == (63024, "Not a WhatsApp user")
    assert (stored.sent_at, stored.failed_at, stored.delivered_at) == (at(1), at(2), None)


async def test_a_failure_after_delivery_does_not_undo_it(db: Database) -> None:
    message = await sent(db)
    await callback(db, message.sid, "delivered", at(1))
    result = await callback(db, message.sid, "failed", at(2), 30008, "Unknown error")
    assert result is not None and not result.changed
    stored = await message_row(db, message.message_id)
    assert (stored.status, stored.failed_at, stored.error_code) == (
        MessageStatus.DELIVERED,
        None,
        None,
    )


async def test_canceled_before_sending(db: Database) -> None:
    message = await sent(db)
    await callback(db, message.sid, "scheduled", at(1))  # stale: queued is further
    result = await callback(db, message.sid, "canceled", at(2))
    assert result is not None and result.status is MessageStatus.CANCELED
    assert (await message_row(db, message.message_id)).failed_at == at(2)


async def test_unknown_sids_and_statuses(db: Database) -> None:
    assert await callback(db, new_sid(), "delivered") is None
    message = await sent(db)
    result = await callback(db, message.sid, "partially_delivered")
    assert result is not None and not result.changed and result.status is MessageStatus.QUEUED
    result = await callback(db, message.sid, "received")  # an inbound status: not ours
    assert result is not None and not result.changed


async def test_concurrent_callbacks_for_one_message_end_monotonic(db: Database) -> None:
    message = await sent(db)
    statuses = ["sending", "sent", "delivered", "read", "sent", "delivered", "queued", "read"]
    results = await asyncio.gather(
        *(callback(db, message.sid, status, at(i)) for i, status in enumerate(statuses))
    )
    assert all(r is not None for r in results)
    stored = await message_row(db, message.message_id)
    assert stored.status is MessageStatus.READ
    assert stored.sent_at and stored.delivered_at and stored.read_at
    assert stored.sent_at <= stored.delivered_at <= stored.read_at
    # Each callback that changed the row moved it forward, so no status won twice (the
    # repeated sent, delivered and read callbacks lost to their first copy or to later).
    won = [r.status for r in results if r is not None and r.changed]
    assert len(set(won)) == len(won), won


async def test_changes_publish_message_and_send_events(db: Database, bus: EventBus) -> None:
    message = await sent(db)
    async with bus.subscribe(message.merchant_id) as events:
        await callback(db, message.sid, "sent", at(1))
        await callback(db, message.sid, "sent", at(2))  # a repeat: no event
        await callback(db, message.sid, "queued", at(3))  # stale: no event
        seen = await drain(events)
    assert message.send_id is not None
    assert seen == [
        MessageStatusChanged(message.merchant_id, message.campaign_id, message.ledger_id),
        SendProgress(message.merchant_id, message.campaign_id, message.send_id),
    ]


async def test_one_off_messages_publish_no_send_progress(db: Database, bus: EventBus) -> None:
    message = await sent(db, in_a_send=False)
    async with bus.subscribe(message.merchant_id) as events:
        result = await callback(db, message.sid, "delivered", at(1))
        seen = await drain(events)
    assert result is not None and result.send_id is None and result.ledger_id == message.ledger_id
    assert seen == [
        MessageStatusChanged(message.merchant_id, message.campaign_id, message.ledger_id)
    ]


async def test_nothing_is_published_when_the_transaction_rolls_back(
    db: Database, bus: EventBus
) -> None:
    message = await sent(db)
    async with bus.subscribe(message.merchant_id) as events:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await apply_status(session, message.sid, "sent", None, None, at(1))
                raise RuntimeError("rolled back")
        assert await drain(events) == []
    assert (await message_row(db, message.message_id)).status is MessageStatus.QUEUED


async def apply_batch(db: Database, *updates: StatusUpdate) -> list[StatusResult | None]:
    async with db.transaction() as session:
        return await apply_statuses(session, list(updates))


async def test_a_batch_applies_the_furthest_status_of_each_message(
    db: Database, bus: EventBus
) -> None:
    merchant_id = await new_merchant_id(db)
    lead = await campaign_with_lead(db, merchant_id, new_phone())
    first = await send_message(db, merchant_id, lead)
    # Another ledger row of the same campaign: the batch tells its campaign once.
    second = await send_message(db, merchant_id, lead, in_a_send=False)
    unknown = new_sid()
    async with bus.subscribe(first.merchant_id) as events:
        results = await apply_batch(
            db,
            StatusUpdate(first.sid, "sent", None, None, at(1)),
            StatusUpdate(first.sid, "read", None, None, at(3)),
            StatusUpdate(first.sid, "delivered", None, None, at(2)),
            StatusUpdate(first.sid, "failed", 30008, "Unknown error", at(4)),
            StatusUpdate(second.sid, "undelivered", 63024, "Not a WhatsApp user", at(5)),
            StatusUpdate(second.sid, "failed", 30008, "Unknown error", at(6)),
            StatusUpdate(unknown, "delivered", None, None, at(7)),
            StatusUpdate(first.sid, "bogus", None, None, at(8)),
        )
        seen = await drain(events)
    assert [r.changed if r else None for r in results] == [
        False, True, False, False, True, False, None, False
    ]  # fmt: skip
    assert {r.status for r in results[:4] if r} == {MessageStatus.READ}
    stored = await message_row(db, first.message_id)
    assert stored.status is MessageStatus.READ
    # As if applied in turn: each milestone at the first callback that implied it.
    assert (stored.sent_at, stored.delivered_at, stored.read_at) == (at(1), at(2), at(3))
    assert (stored.failed_at, stored.error_code) == (None, None)
    other = await message_row(db, second.message_id)
    assert (other.status, other.error_code, other.failed_at) == (
        MessageStatus.UNDELIVERED,
        63024,
        at(5),
    )
    assert first.send_id is not None
    assert len(seen) == 2
    changed, progress = seen
    assert isinstance(changed, MessageStatusChanged)
    assert (changed.merchant_id, changed.campaign_id) == (merchant_id, first.campaign_id)
    assert sorted(changed.ledger_ids) == sorted([first.ledger_id, second.ledger_id])
    assert progress == SendProgress(merchant_id, first.campaign_id, first.send_id)


async def test_one_event_per_campaign_split_to_fit_notify(
    db: Database, bus: EventBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_messages, "IDS_PER_EVENT", 2)
    merchant_id = await new_merchant_id(db)
    lead = await campaign_with_lead(db, merchant_id, new_phone())
    messages = [await send_message(db, merchant_id, lead, in_a_send=False) for _ in range(3)]
    async with bus.subscribe(merchant_id) as events:
        await apply_batch(db, *(StatusUpdate(m.sid, "sent", None, None, at(1)) for m in messages))
        seen = await drain(events)
    assert all(isinstance(e, MessageStatusChanged) for e in seen)
    carried = [e.ledger_ids for e in seen if isinstance(e, MessageStatusChanged)]
    assert sorted(len(ids) for ids in carried) == [1, 2]
    assert sorted(i for ids in carried for i in ids) == sorted(m.ledger_id for m in messages)


async def test_batched_concurrent_callbacks_answer_after_their_commit(db: Database) -> None:
    messages = [await sent(db) for _ in range(3)]
    batcher = StatusBatcher(db, window=0.005, max_items=7)
    statuses = ["sent", "read", "sending", "delivered", "sent", "read", "delivered", "queued"]

    async def one(message: SentMessage, status: str, second: int) -> StatusResult | None:
        result = await batcher.apply(StatusUpdate(message.sid, status, None, None, at(second)))
        # Answered only once committed: another connection already sees the change.
        stored = await message_row(db, message.message_id)
        assert stored.status not in replaceable_by(MessageStatus(status))
        return result

    results = await asyncio.gather(
        *(
            one(message, status, second)
            for message in messages
            for second, status in enumerate(statuses)
        )
    )
    for position, message in enumerate(messages):
        stored = await message_row(db, message.message_id)
        assert stored.status is MessageStatus.READ
        assert stored.sent_at and stored.delivered_at and stored.read_at
        assert stored.sent_at <= stored.delivered_at <= stored.read_at
        mine = results[position * len(statuses) : (position + 1) * len(statuses)]
        won = [r.status for r in mine if r is not None and r.changed]
        assert len(set(won)) == len(won), won
