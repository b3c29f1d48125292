"""The admin API under /_emulator/: knobs, reset, what was received, forcing outcomes."""

from __future__ import annotations

from twilio.rest import Client

from tests.emulator.conftest import EmulatorServer, Sink, wait_until
from tests.emulator.support import approved_content, create_text, send


async def test_knobs_change_and_refuse_bad_values(emu: EmulatorServer) -> None:
    knobs = (await emu.admin.get("/_emulator/knobs")).json()
    assert knobs["error_rate"] == 0 and knobs["approval_delay"] == 0.05
    changed = await emu.admin.patch("/_emulator/knobs", json={"error_rate": 0.25, "mps": 5})
    assert (changed.json()["error_rate"], changed.json()["mps"]) == (0.25, 5)
    for bad in (
        {"error_rate": 2},
        {"nope": 1},
        {"mps": 0},
        {"timeout_mode": "x"},
        {"latency_ms": True},
    ):
        response = await emu.admin.patch("/_emulator/knobs", json=bad)
        assert response.status_code == 400 and response.json()["error"], bad
    assert (await emu.admin.get("/_emulator/knobs")).json()["error_rate"] == 0.25


async def test_lists_what_was_received_and_reset_clears_it(
    twilio: Client, emu: EmulatorServer, sink: Sink
) -> None:
    content_sid = await approved_content(twilio, "listed_one")
    message = await send(twilio, "whatsapp:+15551230001", content_sid, f"{sink.url}/s")
    await sink.wait_for(lambda: len(sink.callbacks(message.sid)) == 3)

    contents = (await emu.admin.get("/_emulator/contents")).json()
    assert [c["sid"] for c in contents] == [content_sid]
    approvals = (await emu.admin.get("/_emulator/approvals")).json()
    assert [(a["content_sid"], a["name"], a["status"]) for a in approvals] == [
        (content_sid, "listed_one", "approved")
    ]
    messages = (await emu.admin.get("/_emulator/messages")).json()
    assert messages[0]["sid"] == message.sid
    assert [h.split(" ")[1] for h in messages[0]["history"]] == ["sent", "delivered", "read"]
    callbacks = (
        await emu.admin.get("/_emulator/webhooks", params={"kind": "status_callback"})
    ).json()
    assert [(c["status"], c["http_status"]) for c in callbacks] == [("delivered", 204)] * 3
    assert "X-Twilio-Signature" in callbacks[0]["headers"]
    requests = (await emu.admin.get("/_emulator/requests")).json()
    assert {
        "method": "POST",
        "path": "/v1/Content",
        "query": "",
        "status": 201,
        "fault": None,
    } in requests

    await emu.admin.patch("/_emulator/knobs", json={"error_rate": 0.5})
    assert (await emu.admin.post("/_emulator/reset")).json() == {"reset": True}
    for listing in ("contents", "approvals", "messages", "webhooks", "requests"):
        assert (await emu.admin.get(f"/_emulator/{listing}")).json() == []
    assert (await emu.admin.get("/_emulator/knobs")).json()["error_rate"] == 0


async def test_force_approval_errors(twilio: Client, emu: EmulatorServer) -> None:
    content = await create_text(twilio)
    url = f"/_emulator/contents/{content.sid}/approval"
    assert (await emu.admin.post("/_emulator/contents/HX0/approval", json={})).status_code == 404
    assert (await emu.admin.post(url, json={"status": "great"})).status_code == 400
    assert (await emu.admin.post(url, json={"category": "OTHER"})).status_code == 400
    # Not submitted yet: only a final outcome can be planned.
    assert (await emu.admin.post(url, json={"status": "paused"})).status_code == 409
    assert (await emu.admin.get("/_emulator/health")).json() == {"ok": True}


async def test_failed_webhook_is_recorded(twilio: Client, emu: EmulatorServer) -> None:
    content_sid = await approved_content(twilio)
    # Nothing listens on port 9 (discard): the callback fails and is not retried.
    message = await send(twilio, "whatsapp:+15551230001", content_sid, "http://127.0.0.1:9/s")
    state = emu.emulator.state

    def all_tried() -> bool:
        callbacks = [d for d in state.deliveries if d.kind == "status_callback"]
        return len(callbacks) == 3 and callbacks[-1].status != "pending"

    await wait_until(all_tried)
    hooks = (await emu.admin.get("/_emulator/webhooks", params={"kind": "status_callback"})).json()
    assert [(h["status"], h["attempts"]) for h in hooks] == [("failed", 1)] * 3
    assert hooks[0]["error"] and message.sid in hooks[0]["body"]
