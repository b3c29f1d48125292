"""The admin API asks for the account's HTTP Basic credentials, as the Twilio API does:
its lists hold every message body sent, and its calls reset state and play customers."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from starlette.routing import Route
from twilio.rest import Client

from emulator.admin import routes
from tests.emulator.conftest import ACCOUNT_SID, AUTH_TOKEN, EmulatorServer, Sink
from tests.emulator.support import approved_content, send

TO = "whatsapp:+15551230004"
BODY_SENT = "Hello Zoe, your order Z-9 is ready for pickup at our store today"


def every_admin_call(message_sid: str, content_sid: str) -> list[tuple[str, str]]:
    """(method, path) of each admin route, read from the emulator's own table so that a
    route added later is checked too, and a path under /_emulator/ that has no route."""
    calls = [("GET", "/_emulator/no-such-call")]
    for route in routes:
        assert isinstance(route, Route) and route.methods
        sid = message_sid if route.path.startswith("/messages/") else content_sid
        path = "/_emulator" + route.path.replace("{sid}", sid)
        calls += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    return calls


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


REFUSED_AUTHORIZATIONS: list[str | None] = [
    None,
    basic(ACCOUNT_SID, "not_the_auth_token"),
    basic(ACCOUNT_SID, AUTH_TOKEN[:-1]),
    basic("AC" + "f" * 32, AUTH_TOKEN),
    f"Bearer {AUTH_TOKEN}",
    "Basic not-base64!",
]


async def test_every_admin_call_without_the_credentials_is_refused(
    twilio: Client, emu: EmulatorServer, sink: Sink
) -> None:
    await emu.knobs(inbound_url=f"{sink.url}/inbound")
    content_sid = await approved_content(twilio, "private_one")
    variables = {"1": "Zoe", "2": "Z-9"}
    message = await send(twilio, TO, content_sid, f"{sink.url}/s", variables=variables)
    await sink.wait_for(lambda: len(sink.callbacks(message.sid)) == 3)
    before = await _listings(emu.admin)
    assert BODY_SENT in str(before["messages"]), "the listing holds what the person was sent"
    received_before = len(sink.received)

    payload: dict[str, Any] = {"from": "+15551230004", "body": "STOP", "status": "failed"}
    async with httpx.AsyncClient(base_url=emu.url, timeout=10) as stranger:
        for method, path in every_admin_call(message.sid, content_sid):
            for authorization in REFUSED_AUTHORIZATIONS:
                headers = {"Authorization": authorization} if authorization else {}
                body = payload if method in ("POST", "PATCH") else None
                response = await stranger.request(method, path, headers=headers, json=body)
                what = f"{method} {path} with {authorization!r}"
                assert response.status_code == 401, what
                assert response.headers["WWW-Authenticate"] == 'Basic realm="Twilio emulator"'
                assert response.json() == {
                    "code": 20003,
                    "message": "Authenticate",
                    "more_info": "https://www.twilio.com/docs/errors/20003",
                    "status": 401,
                }, what
                assert BODY_SENT not in response.text and message.sid not in response.text

    assert await _listings(emu.admin) == before, "no reset, no knob, no status changed"
    assert len(sink.received) == received_before, "no reply and no callback was sent"


async def test_the_accounts_credentials_open_every_listing(
    twilio: Client, emu: EmulatorServer
) -> None:
    content_sid = await approved_content(twilio, "open_one")
    await send(twilio, TO, content_sid, variables={"1": "Zoe", "2": "Z-9"})
    right = {"Authorization": basic(ACCOUNT_SID, AUTH_TOKEN)}
    # The scheme is case-insensitive, as for the Twilio API.
    lower_case = {"Authorization": "basic " + right["Authorization"].removeprefix("Basic ")}
    async with httpx.AsyncClient(base_url=emu.url, timeout=10) as client:
        for listing in ("health", "knobs", "contents", "approvals", "webhooks", "requests"):
            response = await client.get(f"/_emulator/{listing}", headers=right)
            assert response.status_code == 200, (listing, response.text)
        messages = await client.get("/_emulator/messages", headers=lower_case)
    assert messages.status_code == 200
    assert [m["body"] for m in messages.json()] == [BODY_SENT]


async def _listings(admin: httpx.AsyncClient) -> dict[str, Any]:
    listings = {}
    for name in ("knobs", "contents", "messages", "webhooks"):
        response = await admin.get(f"/_emulator/{name}")
        assert response.status_code == 200, response.text
        listings[name] = response.json()
    return listings
