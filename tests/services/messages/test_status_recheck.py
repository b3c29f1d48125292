"""The status recheck job against the emulator: a message whose callbacks were lost
converges to Twilio's status; one Twilio has not moved is looked at again only after a
backoff; final ones are never fetched again; recent ones are left to their callbacks."""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, update

from db.database import Database
from db.enums import MessageStatus
from db.models import Message
from jobs.gateways import GatewayPool
from jobs.status_recheck import RecheckConfig, StatusRecheckJob
from services.messages.rechecks import RecheckPolicy
from services.twilio.gateway import MessageRequest, TwilioGateway
from tests.conftest import RunningEmulator
from tests.gql.sending import emulator_admin
from tests.services.conftest import knobs
from tests.services.messages.ledger import (
    campaign_with_lead,
    message_row,
    new_merchant_id,
    new_phone,
    send_message,
)
from tests.support import eventually, free_port

TEXT = {"twilio/text": {"body": "Hi {{1}}, your parcel {{2}} is at the door now."}}
AFTER = timedelta(minutes=1)
QUIET = timedelta(minutes=10)  # how long our copy of each message has not changed


@pytest.fixture
async def content_sid(gateway: TwilioGateway, emulator: RunningEmulator) -> str:
    name = f"recheck_parcel_{secrets.token_hex(4)}"
    sid = await gateway.create_content(name, "en", {"1": "Ana", "2": "7"}, TEXT)
    await gateway.request_approval(sid, name, "UTILITY")
    approval = {"status": "approved", "immediately": True}
    await emulator_admin(emulator, "POST", f"/contents/{sid}/approval", approval)
    return sid


def job(db: Database, gateway: TwilioGateway) -> StatusRecheckJob:
    policy = RecheckPolicy(after=AFTER, horizon=timedelta(hours=1))
    return StatusRecheckJob(
        db, GatewayPool(gateway.settings, gateway), RecheckConfig(policy, rate=0, interval=0.05)
    )


async def twilio_message(emulator: RunningEmulator, sid: str) -> dict[str, Any]:
    messages: list[dict[str, Any]] = await emulator_admin(emulator, "GET", "/messages")
    [message] = [m for m in messages if m["sid"] == sid]
    return message


async def fetches_of(emulator: RunningEmulator, sid: str) -> int:
    requests: list[dict[str, Any]] = await emulator_admin(emulator, "GET", "/requests")
    return sum(1 for r in requests if r["method"] == "GET" and r["path"].endswith(f"/{sid}.json"))


async def lost_callbacks(
    gateway: TwilioGateway, db: Database, content: str, *, status: MessageStatus
) -> tuple[str, int]:
    """A message sent with its callbacks going to a dead port, which we recorded as
    `status` and has not changed here for QUIET; returns its sid and our row's id."""
    phone = new_phone()
    dead = f"http://127.0.0.1:{free_port()}/webhooks/twilio/messages/status"
    sent = await gateway.send_message(MessageRequest(phone, content, {"1": "Ana", "2": "7"}, dead))
    merchant_id = await new_merchant_id(db)
    lead = await campaign_with_lead(db, merchant_id, phone)
    recorded = await send_message(db, merchant_id, lead, status=status, sid=sent.sid)
    async with db.transaction() as session:
        await session.execute(
            update(Message)
            .where(Message.id == recorded.message_id)
            .values(updated_at=datetime.now(UTC) - QUIET, status_check_at=func.now())
        )
    return sent.sid, recorded.message_id


async def test_lost_callbacks_converge_and_final_messages_are_not_fetched_again(
    scratch_db: Database, gateway: TwilioGateway, emulator: RunningEmulator, content_sid: str
) -> None:
    sid, message_id = await lost_callbacks(
        gateway, scratch_db, content_sid, status=MessageStatus.QUEUED
    )
    await eventually(lambda: twilio_message(emulator, sid), lambda m: m["status"] == "read")
    recheck = job(scratch_db, gateway)
    assert await recheck.run_once() == 1
    converged = await message_row(scratch_db, message_id)
    assert converged.status is MessageStatus.READ
    assert converged.sent_at and converged.delivered_at and converged.read_at
    assert converged.status_check_at is None, "read is final: nothing more to ask"
    assert await fetches_of(emulator, sid) == 1
    # Final now: even due again, it is dropped without asking Twilio.
    async with scratch_db.transaction() as session:
        await session.execute(
            update(Message).where(Message.id == message_id).values(status_check_at=func.now())
        )
    await recheck.run_once()
    assert await fetches_of(emulator, sid) == 1
    assert (await message_row(scratch_db, message_id)).status_check_at is None


async def test_a_message_twilio_has_not_moved_is_looked_at_again_after_a_backoff(
    scratch_db: Database, gateway: TwilioGateway, emulator: RunningEmulator, content_sid: str
) -> None:
    await knobs(emulator, status_delay=60)  # Twilio keeps it queued meanwhile
    try:
        sid, message_id = await lost_callbacks(
            gateway, scratch_db, content_sid, status=MessageStatus.QUEUED
        )
        recheck = job(scratch_db, gateway)
        looked_at = datetime.now(UTC)
        await recheck.run_once()
        assert await fetches_of(emulator, sid) == 1
        row = await message_row(scratch_db, message_id)
        assert row.status is MessageStatus.QUEUED
        # Still for QUIET, so the next look waits about as long again.
        assert row.status_check_at is not None
        assert row.status_check_at >= looked_at + QUIET - timedelta(seconds=5)
        await recheck.run_once()
        assert await fetches_of(emulator, sid) == 1, "not fetched again before its time"
    finally:
        await knobs(emulator, status_delay=0.05)


async def test_a_message_whose_status_just_changed_is_left_to_its_callbacks(
    scratch_db: Database, gateway: TwilioGateway, emulator: RunningEmulator, content_sid: str
) -> None:
    sid, message_id = await lost_callbacks(
        gateway, scratch_db, content_sid, status=MessageStatus.SENT
    )
    changed = datetime.now(UTC)
    async with scratch_db.transaction() as session:
        await session.execute(
            update(Message).where(Message.id == message_id).values(updated_at=changed)
        )
    await job(scratch_db, gateway).run_once()
    assert await fetches_of(emulator, sid) == 0
    row = await message_row(scratch_db, message_id)
    assert row.status is MessageStatus.SENT
    assert row.status_check_at is not None
    assert row.status_check_at >= changed + AFTER - timedelta(seconds=1)
