"""Production switches: GraphiQL and introspection are on in sandbox mode and off with
real Twilio credentials, each switchable (CAMPAIGNS_GRAPHIQL, CAMPAIGNS_INTROSPECTION).

The session's test server has credentials and both switches turned on (tests/conftest.py);
the defaults are checked on `campaigns serve` processes, as an operator starts them.
"""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets

from db.database import Database
from gql.app import create_app
from jobs.runtime import Runtime
from services.settings import Settings
from tests.conftest import RunningEmulator
from tests.processes import server_process
from tests.support import EMULATOR_SID, EMULATOR_TOKEN, serve

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ campaign: __type(name: "Campaign") { name } }'
PAGE_SCRIPT = "/static/graphiql/campaigns-graphiql.js"
SANDBOX = {"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "TWILIO_BASE_URL": ""}
CREDENTIALS = {"TWILIO_ACCOUNT_SID": EMULATOR_SID, "TWILIO_AUTH_TOKEN": EMULATOR_TOKEN}


async def graphiql_served(http: httpx.AsyncClient) -> bool:
    """Whether a browser opening /graphql gets GraphiQL (and its script), or 404."""
    page = await http.get("/graphql", headers={"accept": "text/html"})
    script = await http.get(PAGE_SCRIPT)
    assert page.status_code == script.status_code, (page.status_code, script.status_code)
    assert page.status_code in (200, 404), page.text
    if page.status_code == 200:
        assert "graphiql" in page.text.lower()
    return page.status_code == 200


async def introspection_answered(http: httpx.AsyncClient) -> bool:
    """Whether `__schema` and `__type` are answered; `__typename` always is."""
    typename = await http.post("/graphql", json={"query": "{ __typename }"})
    assert typename.json() == {"data": {"__typename": "Query"}}
    answers = [(await http.post("/graphql", json={"query": q})).json() for q in (SCHEMA, TYPE)]
    if "errors" not in answers[0]:
        assert answers[0]["data"] == {"__schema": {"queryType": {"name": "Query"}}}
        assert answers[1]["data"] == {"campaign": {"name": "Campaign"}}
        return True
    for body in answers:
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"] == {"code": "INTROSPECTION_DISABLED"}
        assert "CAMPAIGNS_INTROSPECTION" in error["message"]
    return False


@pytest.mark.parametrize(
    ("env", "exposed"), [(SANDBOX, True), ({}, False)], ids=["sandbox", "credentials"]
)
async def test_defaults_follow_the_mode(
    database_url: str, emulator: RunningEmulator, env: dict[str, str], exposed: bool
) -> None:
    async with (
        server_process(database_url, emulator.url, env=env) as server,
        httpx.AsyncClient(base_url=server.url) as http,
    ):
        assert await graphiql_served(http) is exposed
        assert await introspection_answered(http) is exposed


async def test_switched_on_with_credentials(http: httpx.AsyncClient, settings: Settings) -> None:
    assert not settings.sandbox
    assert await graphiql_served(http)
    assert await introspection_answered(http)


@asynccontextmanager
async def sandbox_app(database_url: str, **env: Any) -> AsyncIterator[tuple[str, Runtime]]:
    """A server in sandbox mode (no Twilio, so no background jobs) with these settings."""
    settings = Settings(_env_file=None, DATABASE_URL=database_url, **env)
    assert settings.sandbox
    runtime = Runtime(Database(database_url), settings)
    async with serve(create_app(runtime)) as url:
        yield url, runtime


async def test_switched_off_in_sandbox_mode(database_url: str) -> None:
    async with (
        sandbox_app(database_url, CAMPAIGNS_GRAPHIQL=False, CAMPAIGNS_INTROSPECTION=False) as (
            url,
            _,
        ),
        httpx.AsyncClient(base_url=url) as http,
    ):
        assert not await graphiql_served(http)
        assert not await introspection_answered(http)
        # A query sent with GET is not a browser opening the page: it is still answered.
        response = await http.get("/graphql", params={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}


async def test_each_switch_alone(database_url: str) -> None:
    async with (
        sandbox_app(database_url, CAMPAIGNS_INTROSPECTION=False) as (url, _),
        httpx.AsyncClient(base_url=url) as http,
    ):
        assert await graphiql_served(http)
        assert not await introspection_answered(http)


async def test_introspection_off_over_websocket_too(database_url: str) -> None:
    async with sandbox_app(database_url, CAMPAIGNS_INTROSPECTION=False) as (url, _):
        ws_url = url.replace("http://", "ws://") + "/graphql"
        protocol = websockets.Subprotocol("graphql-transport-ws")
        async with websockets.connect(ws_url, subprotocols=[protocol]) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SCHEMA}})
            )
            message = json.loads(await ws.recv())
    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"] == {"code": "INTROSPECTION_DISABLED"}


@pytest.mark.parametrize("credentials", [False, True], ids=["sandbox", "credentials"])
@pytest.mark.parametrize("value", ["true", "false"])
def test_an_explicit_setting_wins_in_either_mode(
    monkeypatch: pytest.MonkeyPatch, credentials: bool, value: str
) -> None:
    for name, given in (CREDENTIALS if credentials else SANDBOX).items():
        monkeypatch.setenv(name, given)
    monkeypatch.setenv("CAMPAIGNS_GRAPHIQL", value)
    monkeypatch.setenv("CAMPAIGNS_INTROSPECTION", value)
    settings = Settings(_env_file=None)
    assert settings.sandbox is not credentials
    assert settings.graphiql is settings.introspection is (value == "true")
