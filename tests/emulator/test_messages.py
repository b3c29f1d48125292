"""Messages API through the official SDK: sends, signed status callbacks in order, the
outcome rules by number, the in-doubt lookup by To and DateSent, paging, the sender cap."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.emulator.conftest import EmulatorServer, Sink, wait_until
from tests.emulator.support import SENDER, approved_content, create_text, send, submit

OK_NUMBER = "whatsapp:+15551230001"


async def test_normal_number_gets_sent_delivered_read_callbacks(twilio: Client, sink: Sink) -> None:
    content_sid = await approved_content(twilio)
    message = await send(twilio, OK_NUMBER, content_sid, f"{sink.url}/status?campaign=7")
    assert message.sid.startswith("SM") and message.status == "queued"
    assert message.body == "Hello Bob, your order B-2 is ready for pickup at our store today"

    await sink.wait_for(lambda: len(sink.callbacks(message.sid)) == 3)
    callbacks = sink.callbacks(message.sid)
    assert [c.form["MessageStatus"] for c in callbacks] == ["sent", "delivered", "read"]
    assert all(c.valid_signature for c in callbacks)
    assert all(c.url.endswith("/status?campaign=7") for c in callbacks)
    first = callbacks[0].form
    assert (first["To"], first["From"], first["ChannelPrefix"]) == (OK_NUMBER, SENDER, "whatsapp")
    assert "ErrorCode" not in first

    fetched = await twilio.messages(message.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == ("read", None)
    assert fetched.date_sent is not None


@pytest.mark.parametrize(
    ("to", "from_", "statuses", "code"),
    [
        ("whatsapp:+15551263024", SENDER, ["failed"], 63024),
        ("whatsapp:+15551263003", SENDER, ["failed"], 63003),
        ("whatsapp:+15551263016", SENDER, ["failed"], 63016),
        ("whatsapp:+15551263018", SENDER, ["failed"], 63018),
        ("whatsapp:+15551263049", SENDER, ["sent", "undelivered"], 63049),
        ("whatsapp:+15551263007", SENDER, ["failed"], 63007),
        (OK_NUMBER, "whatsapp:+15550063007", ["failed"], 63007),
    ],
)
async def test_rule_numbers_fail_with_their_code(
    twilio: Client, sink: Sink, to: str, from_: str, statuses: list[str], code: int
) -> None:
    content_sid = await approved_content(twilio)
    message = await send(twilio, to, content_sid, f"{sink.url}/status", from_=from_)
    assert message.status == "queued"
    await sink.wait_for(lambda: len(sink.callbacks(message.sid)) == len(statuses))
    callbacks = [c.form for c in sink.callbacks(message.sid)]
    assert [c["MessageStatus"] for c in callbacks] == statuses
    assert callbacks[-1]["ErrorCode"] == str(code) and callbacks[-1]["ErrorMessage"]
    fetched = await twilio.messages(message.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == (statuses[-1], code)


@pytest.mark.parametrize(
    ("to", "code"),
    [("whatsapp:+15551221211", 21211), ("whatsapp:+15551221610", 21610), ("whatsapp:12", 21211)],
)
async def test_refused_at_create(twilio: Client, to: str, code: int) -> None:
    content_sid = await approved_content(twilio)
    with pytest.raises(TwilioRestException) as refused:
        await send(twilio, to, content_sid)
    assert (refused.value.status, refused.value.code) == (400, code)


async def test_bad_content_and_variables_are_refused(twilio: Client) -> None:
    content_sid = await approved_content(twilio)
    cases: list[tuple[dict[str, Any], int]] = [
        ({"content_sid": "HX" + "0" * 32}, 21655),
        ({"variables": {"1": ""}}, 21656),
        ({"variables": {"1": "two\nlines"}}, 21656),
        ({"variables": {"1": "too      many spaces"}}, 21656),
    ]
    for changes, code in cases:
        args = {"content_sid": content_sid, **changes}
        with pytest.raises(TwilioRestException) as refused:
            await send(twilio, OK_NUMBER, args.pop("content_sid"), **args)
        assert (refused.value.status, refused.value.code) == (400, code), changes
    with pytest.raises(TwilioRestException) as bad_json:
        await twilio.messages.create_async(
            to=OK_NUMBER, from_=SENDER, content_sid=content_sid, content_variables="{not json"
        )
    assert bad_json.value.code == 21656


async def test_unapproved_template_and_body_only_fail_with_63016(
    twilio: Client, sink: Sink
) -> None:
    pending = await create_text(twilio)
    await submit(twilio, pending.sid, "still_in_review")  # still in review when sent
    by_template = await send(twilio, OK_NUMBER, pending.sid, f"{sink.url}/s")
    by_body = await twilio.messages.create_async(
        to=OK_NUMBER, from_=SENDER, body="Hi there", status_callback=f"{sink.url}/s"
    )
    sids = (by_template.sid, by_body.sid)
    await sink.wait_for(lambda: all(len(sink.callbacks(sid)) == 1 for sid in sids))
    for sid in sids:
        assert sink.callbacks(sid)[0].form["ErrorCode"] == "63016"


async def test_messaging_service_send_is_accepted_then_queued(twilio: Client, sink: Sink) -> None:
    content_sid = await approved_content(twilio)
    message = await twilio.messages.create_async(
        to=OK_NUMBER,
        messaging_service_sid="MG" + "1" * 32,
        content_sid=content_sid,
        content_variables='{"1": "Eve"}',
        status_callback=f"{sink.url}/s",
    )
    assert (message.status, message.from_) == ("accepted", None)
    await sink.wait_for(lambda: len(sink.callbacks(message.sid)) == 4)
    forms = [c.form for c in sink.callbacks(message.sid)]
    assert [f["MessageStatus"] for f in forms] == ["queued", "sent", "delivered", "read"]
    assert forms[0]["MessagingServiceSid"] == "MG" + "1" * 32 and forms[0]["From"].startswith(
        "whatsapp:+"
    )


async def test_missing_from_is_refused(twilio: Client) -> None:
    content_sid = await approved_content(twilio)
    with pytest.raises(TwilioRestException) as refused:
        await twilio.messages.create_async(to=OK_NUMBER, content_sid=content_sid)
    assert refused.value.code == 21603


async def test_list_by_to_and_date_sent_across_pages(twilio: Client) -> None:
    content_sid = await approved_content(twilio)
    mine = [(await send(twilio, OK_NUMBER, content_sid)).sid for _ in range(5)]
    other = await send(twilio, "whatsapp:+15551230002", content_sid)

    today = datetime.now(UTC).date()
    found = await twilio.messages.list_async(to=OK_NUMBER, date_sent_after=today, page_size=2)
    assert [m.sid for m in found] == list(reversed(mine))  # newest first, over three pages
    assert other.sid not in {m.sid for m in found}

    tomorrow = today + timedelta(days=1)
    assert await twilio.messages.list_async(to=OK_NUMBER, date_sent_after=tomorrow) == []
    before = await twilio.messages.list_async(to=OK_NUMBER, date_sent_before=tomorrow)
    assert len(before) == 5
    exact = await twilio.messages.list_async(to=OK_NUMBER, date_sent=date.isoformat(today))
    assert len(exact) == 5

    page = await twilio.messages.page_async(to=OK_NUMBER, page_size=2)
    assert page.next_page_url.startswith("https://api.twilio.com/2010-04-01/Accounts/")


async def test_sender_cap_queues_and_overflows(twilio: Client, emu: EmulatorServer) -> None:
    content_sid = await approved_content(twilio)
    await emu.knobs(mps=10, status_delay=0)
    sids = [(await send(twilio, OK_NUMBER, content_sid)).sid for _ in range(4)]

    def sent_at(sid: str) -> datetime:
        message = emu.emulator.state.messages[sid]
        moment = next(h.split(" ")[0] for h in message.history if h.endswith(" sent"))
        return datetime.fromisoformat(moment)

    messages = emu.emulator.state.messages
    await wait_until(lambda: all(messages[s].status == "read" for s in sids))
    times = [sent_at(s) for s in sids]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(gap >= 0.08 for gap in gaps), gaps  # 10 per second: 0.1 s apart

    await emu.knobs(mps=1, max_queue_seconds=0.5)
    first, second = (
        await send(twilio, OK_NUMBER, content_sid),
        await send(twilio, OK_NUMBER, content_sid),
    )
    await wait_until(lambda: messages[second.sid].status == "failed")
    assert messages[second.sid].error_code == 30001
    assert messages[first.sid].status != "failed"
