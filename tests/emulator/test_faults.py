"""Auth and the fault knobs: 401, 429 with Retry-After, 5xx (some after the message was
created), timeouts and dropped connections after creation, latency, duplicated and
reordered callbacks, Event Streams retries."""

from __future__ import annotations

import asyncio
import base64
import logging
import time

import aiohttp
import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from services.twilio.http_client import AsyncRewritingHttpClient
from tests.emulator.conftest import ACCOUNT_SID, AUTH_TOKEN, EmulatorServer, Sink
from tests.emulator.support import approved_content, create_text, send

OK_NUMBER = "whatsapp:+15551230001"
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


async def test_401_without_or_with_wrong_credentials(emu: EmulatorServer) -> None:
    async with httpx.AsyncClient(base_url=emu.url) as http:
        for auth in (None, (ACCOUNT_SID, "wrong"), ("AC" + "f" * 32, AUTH_TOKEN)):
            response = await http.get("/v1/ContentAndApprovals", auth=auth)
            assert response.status_code == 401
            assert response.json() == {
                "code": 20003,
                "message": "Authenticate",
                "more_info": "https://www.twilio.com/docs/errors/20003",
                "status": 401,
            }
            assert response.headers["WWW-Authenticate"].startswith("Basic")
    client = Client(ACCOUNT_SID, "wrong", http_client=AsyncRewritingHttpClient(emu.url))
    with pytest.raises(TwilioRestException) as refused:
        await create_text(client)
    assert (refused.value.status, refused.value.code) == (401, 20003)
    await client.http_client.close()


async def test_throttling_answers_429_with_retry_after(twilio: Client, emu: EmulatorServer) -> None:
    await emu.knobs(throttle_rate=1.0, retry_after=3)
    with pytest.raises(TwilioRestException) as throttled:
        await create_text(twilio)
    assert (throttled.value.status, throttled.value.code) == (429, 20429)
    assert twilio.http_client.retry_after() == 3.0
    assert twilio.http_client.last_response_headers["retry-after"] == "3"
    assert emu.emulator.state.contents == {}


async def test_5xx_on_message_create_is_in_doubt(twilio: Client, emu: EmulatorServer) -> None:
    content_sid = await approved_content(twilio)
    await emu.knobs(error_rate=1.0)
    for _ in range(12):
        with pytest.raises(TwilioRestException) as failed:
            await send(twilio, OK_NUMBER, content_sid)
        assert failed.value.status in (500, 503) and failed.value.code in (20500, 20503)
    log = (await emu.admin.get("/_emulator/requests")).json()
    after = [r for r in log if r["fault"] == "error_after_create"]
    # Some were created before the 5xx: exactly those are in the list.
    assert 0 < len(after) < 12
    assert len(emu.emulator.state.messages) == len(after)


async def test_timeout_after_create_delay_and_drop(twilio: Client, emu: EmulatorServer) -> None:
    content_sid = await approved_content(twilio)
    impatient = Client(
        ACCOUNT_SID, AUTH_TOKEN, http_client=AsyncRewritingHttpClient(emu.url, timeout=0.3)
    )
    try:
        await emu.knobs(timeout_rate=1.0, timeout_mode="delay", timeout_seconds=5)
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await send(impatient, OK_NUMBER, content_sid)
        assert time.monotonic() - started < 2

        await emu.knobs(timeout_mode="drop")
        with pytest.raises(aiohttp.ClientError):
            await send(impatient, "whatsapp:+15551230002", content_sid)
    finally:
        await impatient.http_client.close()
    await emu.knobs(timeout_rate=0.0)
    # Both were created: the in-doubt lookup finds them.
    for to in (OK_NUMBER, "whatsapp:+15551230002"):
        assert len(await twilio.messages.list_async(to=to)) == 1


async def test_latency(twilio: Client, emu: EmulatorServer) -> None:
    await emu.knobs(latency_ms=150)
    started = time.monotonic()
    await twilio.content.v1.content_and_approvals.list_async()
    assert time.monotonic() - started >= 0.15


async def test_duplicated_callbacks_share_an_idempotency_token(
    twilio: Client, emu: EmulatorServer, sink: Sink
) -> None:
    content_sid = await approved_content(twilio)
    await emu.knobs(duplicate_rate=1.0)
    message = await send(twilio, OK_NUMBER, content_sid, f"{sink.url}/s")
    await sink.wait_for(lambda: len(sink.callbacks(message.sid)) == 6)
    callbacks = sink.callbacks(message.sid)
    assert [c.form["MessageStatus"] for c in callbacks] == [
        "sent",
        "sent",
        "delivered",
        "delivered",
        "read",
        "read",
    ]
    tokens = [c.headers["i-twilio-idempotency-token"] for c in callbacks]
    assert tokens[0] == tokens[1] and tokens[1] != tokens[2]
    assert all(c.valid_signature for c in callbacks)


async def test_reordered_callbacks(twilio: Client, emu: EmulatorServer, sink: Sink) -> None:
    content_sid = await approved_content(twilio)
    await emu.knobs(reorder_rate=1.0)
    message = await send(twilio, OK_NUMBER, content_sid, f"{sink.url}/s")
    await sink.wait_for(lambda: len(sink.callbacks(message.sid)) == 3)
    assert [c.form["MessageStatus"] for c in sink.callbacks(message.sid)] == [
        "read",
        "delivered",
        "sent",
    ]


async def test_event_delivery_is_retried(twilio: Client, emu: EmulatorServer, sink: Sink) -> None:
    sink.fail_next = 1
    await approved_content(twilio)
    await sink.wait_for(lambda: len(sink.events()) == 3)  # one refused, then both delivered
    deliveries = (await emu.admin.get("/_emulator/webhooks", params={"kind": "event"})).json()
    assert [(d["status"], d["attempts"]) for d in deliveries] == [
        ("delivered", 2),
        ("delivered", 1),
    ]
    assert [e["data"]["template"]["currentValue"] for e in sink.events()] == [
        "pending",
        "pending",
        "approved",
    ]


async def test_content_api_list_limit_is_20_a_second(emu: EmulatorServer) -> None:
    async with httpx.AsyncClient(base_url=emu.url, auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        answers = await asyncio.gather(*(http.get("/v1/ContentAndApprovals") for _ in range(25)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] * 20 + [429] * 5
        refused = next(a for a in answers if a.status_code == 429)
        assert refused.json()["code"] == 20429 and refused.headers["Retry-After"] == "1"

        await emu.knobs(content_api_limits=False)
        answers = await asyncio.gather(*(http.get("/v1/Content") for _ in range(25)))
        assert {a.status_code for a in answers} == {200}


async def test_a_client_hanging_up_mid_body_is_no_server_error(
    emu: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A process stopped mid-request leaves a body half sent: the emulator records it and
    goes on, with no ERROR in its log (it was an ASGI exception and a traceback)."""
    host, port = emu.url.removeprefix("http://").split(":")
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST {MESSAGES} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {credentials}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nTo=".encode()
    )
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.close()
    async with asyncio.timeout(5):
        while not any(r.fault == "client_disconnected" for r in emu.emulator.state.requests):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    async with httpx.AsyncClient(base_url=emu.url, auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        assert (await http.get(MESSAGES)).status_code == 200
