"""ValidityPeriod through the official SDK: refused outside 1..36000 (400 / 21624), and a
message still queued behind a slow sender when it runs out fails with 30036 without being
sent or taking its sender's slot."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from emulator.state import Message
from emulator.store import Store
from tests.emulator.conftest import ACCOUNT_SID, EmulatorServer, Sink, wait_until
from tests.emulator.support import SENDER, approved_content, send

PERSON = "whatsapp:+447700900001"


@pytest.mark.parametrize("validity", [0, -5, 36001])
async def test_out_of_range_is_refused(twilio: Client, emu: EmulatorServer, validity: int) -> None:
    content_sid = await approved_content(twilio)
    with pytest.raises(TwilioRestException) as refused:
        await send(twilio, PERSON, content_sid, validity_period=validity)
    assert (refused.value.status, refused.value.code) == (400, 21624)
    assert "validity period" in refused.value.msg
    assert emu.emulator.state.messages == {}


async def test_the_bounds_are_accepted(twilio: Client) -> None:
    content_sid = await approved_content(twilio)
    for validity in (1, 36000):
        message = await send(twilio, PERSON, content_sid, validity_period=validity)
        assert message.status == "queued"


def moment_of(emu: EmulatorServer, sid: str, status: str) -> datetime:
    history = emu.emulator.state.messages[sid].history
    return datetime.fromisoformat(next(h.split(" ")[0] for h in history if h.endswith(status)))


async def test_a_message_queued_past_its_validity_fails_with_30036(
    twilio: Client, emu: EmulatorServer, sink: Sink
) -> None:
    content_sid = await approved_content(twilio)
    await emu.knobs(mps=0.5, status_delay=0)  # one message every 2 s
    first = await send(twilio, PERSON, content_sid)
    expiring = await send(twilio, PERSON, content_sid, f"{sink.url}/s", validity_period=1)
    patient = await send(twilio, PERSON, content_sid, validity_period=5)
    assert expiring.status == "queued"

    messages = emu.emulator.state.messages
    await wait_until(lambda: messages[expiring.sid].status == "failed", within=3)
    fetched = await twilio.messages(expiring.sid).fetch_async()
    assert (fetched.status, fetched.error_code, fetched.date_sent) == ("failed", 30036, None)
    assert fetched.error_message == "Validity Period Expired"
    waited = moment_of(emu, expiring.sid, "failed") - messages[expiring.sid].date_created
    assert 0.9 <= waited.total_seconds() < 1.6, waited
    forms = [c.form for c in sink.callbacks(expiring.sid)]
    assert [(f["MessageStatus"], f["ErrorCode"]) for f in forms] == [("failed", "30036")]

    # The expired message took no slot: the next one is sent in the slot after the first.
    await wait_until(lambda: messages[patient.sid].status == "read", within=5)
    gap = moment_of(emu, patient.sid, "sent") - moment_of(emu, first.sid, "sent")
    assert 1.8 <= gap.total_seconds() < 3.0, gap


async def test_short_validity_unqueued_is_sent(twilio: Client, emu: EmulatorServer) -> None:
    content_sid = await approved_content(twilio)
    message = await send(twilio, PERSON, content_sid, validity_period=1)
    messages = emu.emulator.state.messages
    await wait_until(lambda: messages[message.sid].status == "read")


def test_the_validity_period_is_kept_in_the_state_file(tmp_path: Path) -> None:
    """A message still queued when the emulator stops keeps its ValidityPeriod, so after a
    restart it expires when it would have (emulator.delivery counts from its creation)."""
    store = Store(tmp_path / "state.sqlite3", ACCOUNT_SID)
    message = Message(
        sid="SM" + "1" * 32,
        account_sid=ACCOUNT_SID,
        to=PERSON,
        from_=SENDER,
        messaging_service_sid=None,
        body="hi",
        content_sid=None,
        status_callback=None,
        status="queued",
        sender=SENDER,
        validity_period=5,
    )
    store.message_changed(message)
    store.close()
    loaded = Store(tmp_path / "state.sqlite3", ACCOUNT_SID).load()
    assert loaded.messages[message.sid].validity_period == 5
