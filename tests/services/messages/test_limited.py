"""What Meta's 63049 (limited) does to a ledger row: the decision itself, and the status
recheck job applying a 63049 it read late (the message's callbacks were lost), which
retries the row as a callback would have."""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from db.database import Database
from db.enums import CampaignSendStatus, LedgerState, MessageStatus
from db.models import CampaignLead, CampaignLeadMessage, CampaignSend, Message
from jobs.gateways import GatewayPool
from jobs.status_recheck import RecheckConfig, StatusRecheckJob
from repositories.ledger import Claim
from repositories.limited import LimitedRow
from services.messages.rechecks import RecheckPolicy
from services.phones import normalize_e164
from services.sends.context import Delivery, load_deliveries
from services.sends.limited import US_FINAL, verdict
from services.sends.messages import outbound_values
from services.sends.reconcile import LookUp, settle
from services.sends.recorder import Accepted, record_accepted
from services.twilio.gateway import MessageRequest, SentMessage, TwilioGateway
from tests.conftest import RunningEmulator
from tests.services.messages.ledger import (
    campaign_with_lead,
    new_merchant_id,
    new_sid,
    send_message,
)
from tests.services.messages.test_status_recheck import content_sid, twilio_message
from tests.support import eventually, free_port

__all__ = ["content_sid"]  # the fixture, shared with the recheck tests

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
DELAYS = (21600.0, 86400.0)


def row(phone: str = "+447911123456", limits: int = 0, send: str = "completed") -> LimitedRow:
    return LimitedRow(1, limits, 2, 3, 4, 5, CampaignSendStatus(send), phone)


def test_a_row_is_retried_after_each_delay_in_turn_then_given_up() -> None:
    first, error = verdict(row(limits=0), DELAYS, NOW)
    assert first == NOW + timedelta(hours=6)
    assert error.startswith("Limited by Meta (63049)")
    assert "retry 1 of 2 at 2026-12-04 18:00:00 UTC" in error
    second, error = verdict(row(limits=1), DELAYS, NOW)
    assert second == NOW + timedelta(hours=24) and "retry 2 of 2" in error
    given_up, error = verdict(row(limits=2), DELAYS, NOW)
    assert given_up is None
    assert "3 times" in error and "given up after 2 retries" in error


def test_a_us_number_is_final_at_once_and_a_dead_send_retries_nothing() -> None:
    assert verdict(row("+14155550123"), DELAYS, NOW) == (None, US_FINAL)
    retry_at, error = verdict(row(send="cancelled"), DELAYS, NOW)
    assert retry_at is None and "its send is cancelled" in error
    paused, _ = verdict(row(send="paused"), DELAYS, NOW)
    assert paused is not None, "a paused send sends the retry once resumed"


def abroad() -> str:
    while True:
        number = f"+4479{secrets.randbelow(10**8):08d}"
        if normalize_e164(number) == number:
            return number


def capped_abroad() -> str:
    """A UK number the emulator's rule To ...63049 answers with undelivered 63049."""
    while True:
        number = f"+4479{secrets.randbelow(1000):03d}63049"
        if normalize_e164(number) == number:
            return number


async def test_a_63049_read_late_by_the_status_recheck_retries_the_row(
    scratch_db: Database, gateway: TwilioGateway, emulator: RunningEmulator, content_sid: str
) -> None:
    phone = capped_abroad()
    dead = f"http://127.0.0.1:{free_port()}/webhooks/twilio/messages/status"
    request = MessageRequest(phone, content_sid, {"1": "Ana", "2": "7"}, dead)
    sent = await gateway.send_message(request)
    merchant_id = await new_merchant_id(scratch_db)
    lead = await campaign_with_lead(scratch_db, merchant_id, phone)
    recorded = await send_message(scratch_db, merchant_id, lead, sid=sent.sid)
    async with scratch_db.transaction() as session:
        await session.execute(
            update(Message)
            .where(Message.id == recorded.message_id)
            .values(updated_at=func.now() - timedelta(minutes=10), status_check_at=func.now())
        )
        await session.execute(
            update(CampaignLead).where(CampaignLead.id == lead.id).values(active=False)
        )
    await eventually(lambda: twilio_message(emulator, sent.sid), lambda m: m["error_code"] == 63049)

    policy = RecheckPolicy(after=timedelta(minutes=1), horizon=timedelta(hours=1))
    config = RecheckConfig(policy, rate=0, interval=0.05, limited_retry_delays=(3600.0,))
    recheck = StatusRecheckJob(scratch_db, GatewayPool(gateway.settings, gateway), config)
    before = datetime.now(UTC)
    assert await recheck.run_once() == 1

    async with scratch_db.session() as session:
        ledger = await session.get_one(CampaignLeadMessage, recorded.ledger_id)
        send = await session.get_one(CampaignSend, recorded.send_id)
        active = await session.scalar(select(CampaignLead.active).where(CampaignLead.id == lead.id))
        message = await session.get_one(Message, recorded.message_id)
    assert message.status is MessageStatus.UNDELIVERED and message.error_code == 63049
    assert (ledger.state, ledger.limits, ledger.message_id) == (
        LedgerState.PENDING,
        1,
        recorded.message_id,
    ), "pending, still pointing at its undelivered message"
    assert ledger.limited_at is not None and ledger.next_attempt_at is not None
    assert ledger.next_attempt_at >= before + timedelta(seconds=3590)
    assert ledger.last_error and "retry 1 of 1" in ledger.last_error
    assert active, "its lead is back in the live audience"
    assert send.status is CampaignSendStatus.RUNNING and send.finished_at is None
    assert send.waiting_reason and "63049" in send.waiting_reason


async def claimed_delivery(db: Database, phone: str) -> tuple[Delivery, int]:
    """A row of a completed send claimed again (in doubt, or its process died): its
    delivery, as the worker or the reconciler holds it, and its send's id."""
    merchant_id = await new_merchant_id(db)
    lead = await campaign_with_lead(db, merchant_id, phone)
    recorded = await send_message(db, merchant_id, lead)
    async with db.transaction() as session:
        claimed_at = await session.scalar(
            update(CampaignLeadMessage)
            .where(CampaignLeadMessage.id == recorded.ledger_id)
            .values(state=LedgerState.SENDING, claimed_at=func.now(), message_id=None)
            .returning(CampaignLeadMessage.claimed_at)
        )
        assert claimed_at is not None and recorded.send_id is not None
        [delivery] = await load_deliveries(session, [Claim(recorded.ledger_id, claimed_at)])
    return delivery, recorded.send_id


async def ledger_and_send(db: Database, ledger_id: int, send_id: int) -> tuple[Any, Any]:
    async with db.session() as session:
        row = await session.get_one(CampaignLeadMessage, ledger_id)
        send = await session.get_one(CampaignSend, send_id)
    return row, send


def found_limited(phone: str) -> SentMessage:
    return SentMessage(new_sid(), "undelivered", phone, 63049, "Message not delivered by Meta")


async def test_a_message_found_limited_in_twilios_list_retries_its_row(
    scratch_db: Database,
) -> None:
    delivery, send_id = await claimed_delivery(scratch_db, abroad())
    async with scratch_db.transaction() as session:
        await settle(session, delivery, LookUp(ok=True, found=found_limited("x")), 8, (60.0,))
    row, send = await ledger_and_send(scratch_db, delivery.claim.ledger_id, send_id)
    assert (row.state, row.limits, row.limited_at is not None) == (LedgerState.PENDING, 1, True)
    assert row.message_id is not None, "recorded, and kept until the retry's replaces it"
    assert send.status is CampaignSendStatus.RUNNING


async def test_an_accepted_message_recorded_limited_already_retries_its_row(
    scratch_db: Database,
) -> None:
    delivery, send_id = await claimed_delivery(scratch_db, abroad())
    accepted = Accepted(delivery, outbound_values(delivery, found_limited("x")))
    async with scratch_db.transaction() as session:
        await record_accepted(session, [accepted], (60.0,))
    row, send = await ledger_and_send(scratch_db, delivery.claim.ledger_id, send_id)
    assert (row.state, row.limits, row.limited_at is not None) == (LedgerState.PENDING, 1, True)
    assert send.status is CampaignSendStatus.RUNNING
    assert send.waiting_reason and "63049" in send.waiting_reason
