"""The emulator and a webhook sink, each served by uvicorn on a free local port in the
session's event loop; the official twilio SDK reaches the emulator through our rewriting
HTTP clients. Each test starts from a reset emulator (state and knobs)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from emulator.app import create_app
from emulator.config import EmulatorConfig, Knobs, resolve_specs_dir
from emulator.core import Emulator
from emulator.openapi import SpecSet
from services.twilio.http_client import AsyncRewritingHttpClient, RewritingHttpClient
from tests.support import serve

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test_auth_token"
# Fast steps so a whole lifecycle takes a fraction of a second.
FAST = Knobs(approval_delay=0.05, status_delay=0.02, event_retry_delay=0.05)


@dataclass
class Received:
    """One webhook as the sink got it, and whether its X-Twilio-Signature checked out."""

    url: str
    headers: dict[str, str]
    body: str
    valid_signature: bool

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body))

    @property
    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = json.loads(self.body)
        return events


@dataclass
class Sink:
    url: str
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0  # answer that many requests with 500

    def callbacks(self, message_sid: str) -> list[Received]:
        return [r for r in self.received if r.form.get("MessageSid") == message_sid]

    def events(self) -> list[dict[str, Any]]:
        return [e for r in self.received if "/events" in r.url for e in r.events]

    async def wait_for(self, check: Callable[[], bool], within: float = 5.0) -> None:
        await wait_until(check, within)


async def wait_until(check: Callable[[], bool], within: float = 5.0) -> None:
    """Poll `check` (state changed by other tasks of this loop) until true, at most `within` s."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def sink_app(sink: Sink) -> Starlette:
    validator = RequestValidator(AUTH_TOKEN)

    async def receive(request: Request) -> Response:
        body = (await request.body()).decode()
        url = str(request.url)
        signature = request.headers.get("X-Twilio-Signature", "")
        if request.headers.get("Content-Type", "").startswith("application/json"):
            # JSON: the raw body, so the validator checks bodySHA256 too.
            valid = validator.validate(url, body, signature)
        else:
            valid = validator.validate(url, dict(parse_qsl(body)), signature)
        sink.received.append(Received(url, dict(request.headers), body, bool(valid)))
        if sink.fail_next > 0:
            sink.fail_next -= 1
            return Response(status_code=500)
        return Response(status_code=204)

    return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])


@dataclass
class EmulatorServer:
    url: str
    emulator: Emulator
    admin: httpx.AsyncClient

    async def knobs(self, **changes: Any) -> None:
        response = await self.admin.patch("/_emulator/knobs", json=changes)
        assert response.status_code == 200, response.text


@pytest.fixture(scope="session")
async def sink_server() -> AsyncIterator[Sink]:
    sink = Sink(url="")
    async with serve(sink_app(sink)) as url:
        sink.url = url
        yield sink


@pytest.fixture(scope="session")
async def emulator_server() -> AsyncIterator[EmulatorServer]:
    config = EmulatorConfig(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, seed=7, knobs=FAST)
    # Every request the tests make is judged by openapi-core too: a request fastjsonschema
    # accepts and openapi-core refuses fails the request (a 500).
    emulator = Emulator(config, SpecSet(resolve_specs_dir(None), cross_check=True))
    async with (
        serve(create_app(emulator)) as url,
        httpx.AsyncClient(base_url=url, timeout=10, auth=(ACCOUNT_SID, AUTH_TOKEN)) as admin,
    ):
        yield EmulatorServer(url, emulator, admin)


@pytest.fixture
async def emu(emulator_server: EmulatorServer, sink_server: Sink) -> EmulatorServer:
    """The emulator as freshly started, its events going to the sink's /events."""
    response = await emulator_server.admin.post("/_emulator/reset")
    assert response.status_code == 200
    await emulator_server.knobs(events_sink=f"{sink_server.url}/events")
    return emulator_server


@pytest.fixture
def sink(sink_server: Sink) -> Sink:
    sink_server.received.clear()
    sink_server.fail_next = 0
    return sink_server


@pytest.fixture(scope="session")
async def http_client(emulator_server: EmulatorServer) -> AsyncIterator[AsyncRewritingHttpClient]:
    client = AsyncRewritingHttpClient(emulator_server.url, timeout=10)
    yield client
    await client.close()


@pytest.fixture
def twilio(emu: EmulatorServer, http_client: AsyncRewritingHttpClient) -> Client:
    """The official SDK, async calls (`*_async`), pointed at the emulator."""
    return Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)


@pytest.fixture
def twilio_sync(emu: EmulatorServer) -> Client:
    """The official SDK with its sync (requests) client: call it through `in_thread`, since
    the emulator runs in this event loop."""
    return Client(ACCOUNT_SID, AUTH_TOKEN, http_client=RewritingHttpClient(emu.url, timeout=10))
