"""Playing the customer through the admin API: a reply reaches the sender's webhook, and a
status given by hand reaches the message's status callback, both signed as Twilio signs."""

from __future__ import annotations

from twilio.rest import Client

from tests.emulator.conftest import EmulatorServer, Sink
from tests.emulator.support import SENDER, approved_content, send


async def test_a_reply_is_posted_signed_to_the_inbound_url(emu: EmulatorServer, sink: Sink) -> None:
    refused = await emu.admin.post("/_emulator/inbound", json={"from": "+15551230001"})
    assert refused.status_code == 409, "no url and no inbound_url knob"
    await emu.knobs(inbound_url=f"{sink.url}/inbound")
    bad = await emu.admin.post("/_emulator/inbound", json={"from": "0123", "body": "STOP"})
    assert bad.status_code == 400 and "E.164" in bad.json()["error"]

    answer = await emu.admin.post(
        "/_emulator/inbound",
        json={"from": "+15551230001", "to": SENDER, "body": "STOP", "profile_name": "Ana"},
    )
    assert answer.status_code == 200, answer.text
    [received] = [r for r in sink.received if r.url.endswith("/inbound")]
    assert received.valid_signature
    form = received.form
    assert (form["From"], form["To"], form["Body"]) == ("whatsapp:+15551230001", SENDER, "STOP")
    assert form["MessageSid"] == answer.json()["message_sid"] and form["SmsStatus"] == "received"
    assert (form["WaId"], form["ProfileName"]) == ("15551230001", "Ana")
    assert answer.json()["delivery"]["http_status"] == 204


async def test_a_status_given_by_hand_is_applied_and_called_back(
    twilio: Client, emu: EmulatorServer, sink: Sink
) -> None:
    await emu.knobs(status_delay=30)  # the automatic statuses would come much later
    content_sid = await approved_content(twilio, "hand_status")
    message = await send(twilio, "whatsapp:+15551230002", content_sid, f"{sink.url}/s")
    path = f"/_emulator/messages/{message.sid}/status"
    for bad in ({"status": "lost"}, {"status": "sent", "error_code": "x"}):
        assert (await emu.admin.post(path, json=bad)).status_code == 400, bad
    missing = "/_emulator/messages/SM" + "0" * 32 + "/status"
    assert (await emu.admin.post(missing, json={"status": "sent"})).status_code == 404

    answer = await emu.admin.post(path, json={"status": "undelivered", "error_code": 63049})
    assert answer.status_code == 200, answer.text
    assert answer.json()["message"]["status"] == "undelivered"
    [callback] = sink.callbacks(message.sid)
    assert callback.valid_signature
    assert (callback.form["MessageStatus"], callback.form["ErrorCode"]) == ("undelivered", "63049")
    fetched = await twilio.messages(message.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == ("undelivered", 63049)
    by_phone = await emu.admin.get("/_emulator/messages", params={"to": "+15551230002"})
    assert [m["sid"] for m in by_phone.json()] == [message.sid]
