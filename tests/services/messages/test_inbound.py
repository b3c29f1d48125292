"""Inbound messages: recorded for the merchant the person answers, STOP and START applied."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.database import Database
from db.enums import MessageDirection, MessageStatus
from db.models import ConversationUser, Message
from services.messages.inbound import InboundOutcome, InboundResult, record_inbound
from services.messages.keywords import Keyword, keyword_of
from tests.services.messages.ledger import (
    campaign_with_lead,
    new_merchant_id,
    new_phone,
    new_sid,
    person_row,
    send_message,
)


async def inbound(db: Database, phone: str, body: str, sid: str | None = None) -> InboundResult:
    async with db.transaction() as session:
        return await record_inbound(
            session, sid or new_sid(), f"whatsapp:{phone}", body, datetime.now(UTC)
        )


async def messaged(db: Database, phone: str, age: timedelta | None = None) -> ConversationUser:
    """A new merchant's record of the person; messaged `age` ago (never when None)."""
    merchant_id = await new_merchant_id(db)
    lead = await campaign_with_lead(db, merchant_id, phone)
    if age is not None:
        await send_message(db, merchant_id, lead, age=age)
    return await person_row(db, lead.conversation_user_id)


async def inbound_messages(db: Database, person_id: int) -> list[Message]:
    async with db.session() as session:
        rows = await session.execute(
            select(Message).where(
                Message.conversation_user_id == person_id,
                Message.direction == MessageDirection.INBOUND,
            )
        )
        return list(rows.scalars())


async def opted_out(db: Database, *people: ConversationUser) -> list[bool]:
    return [(await person_row(db, p.id)).opted_out_at is not None for p in people]


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", Keyword.OPT_OUT),
        ("  stop\n", Keyword.OPT_OUT),
        ("Stop.", Keyword.OPT_OUT),
        ("STOPALL", Keyword.OPT_OUT),
        ("unsubscribe", Keyword.OPT_OUT),
        ("Cancel", Keyword.OPT_OUT),
        ("end", Keyword.OPT_OUT),
        ("QUIT!", Keyword.OPT_OUT),
        ("optout", Keyword.OPT_OUT),
        ("Stop  Promotions", Keyword.OPT_OUT),
        ("START", Keyword.OPT_IN),
        (" unstop ", Keyword.OPT_IN),
        ("yes", Keyword.OPT_IN),
        ("Yes!", None),
        ("please stop", None),
        ("stop sending me this", None),
        ("STOPPED", None),
        ("", None),
        ("Where is my order?", None),
    ],
)
def test_keywords(body: str, keyword: Keyword | None) -> None:
    assert keyword_of(body) is keyword


async def test_stop_opts_out_only_the_merchant_that_messaged_recently(db: Database) -> None:
    phone = new_phone()
    recent = await messaged(db, phone, timedelta(days=2))
    stale = await messaged(db, phone, timedelta(days=40))
    never = await messaged(db, phone)  # a lead the merchant never sent anything to
    result = await inbound(db, phone, " Stop ")
    assert result.outcome is InboundOutcome.RECORDED
    assert result.merchant_ids == (recent.merchant_id,)
    assert await opted_out(db, recent, stale, never) == [True, False, False]
    [recorded] = await inbound_messages(db, recent.id)
    assert (recorded.status, recorded.body, recorded.merchant_id) == (
        MessageStatus.RECEIVED,
        " Stop ",
        recent.merchant_id,
    )
    assert result.message_id == recorded.id
    assert await inbound_messages(db, stale.id) == []


async def test_stop_applies_to_every_merchant_of_the_last_30_days(db: Database) -> None:
    phone = new_phone()
    older = await messaged(db, phone, timedelta(days=20))
    latest = await messaged(db, phone, timedelta(hours=1))
    result = await inbound(db, phone, "STOP PROMOTIONS")
    assert set(result.merchant_ids) == {older.merchant_id, latest.merchant_id}
    assert await opted_out(db, older, latest) == [True, True]
    # The person's words are shown to the merchant they most likely answer, only.
    assert len(await inbound_messages(db, latest.id)) == 1
    assert await inbound_messages(db, older.id) == []


async def test_without_recent_messages_the_last_merchant_gets_it(db: Database) -> None:
    phone = new_phone()
    last = await messaged(db, phone, timedelta(days=45))
    before = await messaged(db, phone, timedelta(days=90))
    result = await inbound(db, phone, "unsubscribe")
    assert result.merchant_ids == (last.merchant_id,)
    assert await opted_out(db, last, before) == [True, False]


async def test_start_opts_back_in_and_a_repeated_stop_keeps_its_time(db: Database) -> None:
    phone = new_phone()
    person = await messaged(db, phone, timedelta(days=1))
    await inbound(db, phone, "STOP")
    first = (await person_row(db, person.id)).opted_out_at
    await inbound(db, phone, "quit")
    assert (await person_row(db, person.id)).opted_out_at == first
    result = await inbound(db, phone, "Start")
    assert result.keyword is Keyword.OPT_IN
    assert await opted_out(db, person) == [False]
    await inbound(db, phone, "Yes!")  # not a keyword: no effect either way
    assert await opted_out(db, person) == [False]


async def test_a_repeated_delivery_changes_nothing(db: Database) -> None:
    phone = new_phone()
    person = await messaged(db, phone, timedelta(days=1))
    stop_sid = new_sid()
    await inbound(db, phone, "STOP", stop_sid)
    await inbound(db, phone, "START")
    again = await inbound(db, phone, "STOP", stop_sid)  # Twilio retrying the first one
    assert again.outcome is InboundOutcome.DUPLICATE
    assert await opted_out(db, person) == [False]
    assert len(await inbound_messages(db, person.id)) == 2


async def test_phones_never_messaged_are_ignored(db: Database) -> None:
    phone = new_phone()
    lead_only = await messaged(db, phone)
    assert (await inbound(db, phone, "STOP")).outcome is InboundOutcome.UNKNOWN_SENDER
    assert (await inbound(db, new_phone(), "STOP")).outcome is InboundOutcome.UNKNOWN_SENDER
    async with db.transaction() as session:
        garbage = await record_inbound(session, new_sid(), "whatsapp:", "STOP", datetime.now(UTC))
    assert garbage.outcome is InboundOutcome.UNKNOWN_SENDER
    assert await opted_out(db, lead_only) == [False]
    assert await inbound_messages(db, lead_only.id) == []


async def test_messages_twilio_refused_do_not_count(db: Database) -> None:
    phone = new_phone()
    person = await messaged(db, phone)
    async with db.transaction() as session:
        session.add(
            Message(
                merchant_id=person.merchant_id,
                conversation_user_id=person.id,
                direction=MessageDirection.OUTBOUND,
                status=MessageStatus.FAILED,
                error_code=63024,
                error_message="Not a WhatsApp user",
            )
        )
    assert (await inbound(db, phone, "STOP")).outcome is InboundOutcome.UNKNOWN_SENDER
