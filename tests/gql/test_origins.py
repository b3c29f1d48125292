"""A frontend on another origin: CORS over HTTP and the same allow-list on WebSockets
(CAMPAIGNS_CORS_ORIGINS). By default only the server's own origin is allowed."""

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from pydantic import ValidationError
from websockets.exceptions import InvalidStatus

from db.database import Database
from jobs.runtime import Runtime
from services.settings import Settings
from tests.conftest import MerchantAccount
from tests.gql.helpers import create_campaign
from tests.gql.subscriptions.test_campaign_status import STATUS_CHANGED, report
from tests.gql.test_switches import sandbox_app
from tests.support import subscribe

FRONTEND = "https://app.example.com"
ADMIN = "https://admin.example.com"
ELSEWHERE = "https://evil.example.com"


@pytest.fixture(scope="module")
async def frontend_server(database_url: str) -> AsyncIterator[tuple[str, Runtime]]:
    """A server that lets the frontend and the admin pages in (env-style list, with spaces
    and a trailing slash as an operator might write it)."""
    origins = f"{FRONTEND}, {ADMIN}/"
    async with sandbox_app(database_url, CAMPAIGNS_CORS_ORIGINS=origins) as (url, runtime):
        yield url, runtime


def preflight(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }


@pytest.mark.parametrize("origin", [FRONTEND, ADMIN])
async def test_preflight_from_an_allowed_origin(
    frontend_server: tuple[str, Runtime], origin: str
) -> None:
    async with httpx.AsyncClient(base_url=frontend_server[0]) as http:
        response = await http.options("/graphql", headers=preflight(origin))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "access-control-allow-credentials" not in response.headers  # tokens, not cookies


async def test_answer_to_an_allowed_origin_can_be_read(
    frontend_server: tuple[str, Runtime],
) -> None:
    async with httpx.AsyncClient(base_url=frontend_server[0]) as http:
        response = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": FRONTEND}
        )
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert response.headers["access-control-expose-headers"].lower() == "retry-after, x-request-id"


async def test_other_origins_get_no_cors_headers(frontend_server: tuple[str, Runtime]) -> None:
    async with httpx.AsyncClient(base_url=frontend_server[0]) as http:
        refused = await http.options("/graphql", headers=preflight(ELSEWHERE))
        answer = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": ELSEWHERE}
        )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in answer.headers  # the browser hides it


async def test_no_other_origin_by_default(http: httpx.AsyncClient, server_url: str) -> None:
    response = await http.options("/graphql", headers=preflight(FRONTEND))
    assert "access-control-allow-origin" not in response.headers
    with pytest.raises(InvalidStatus) as refused:
        async with subscribe(server_url, None, "{ __typename }", origin=FRONTEND):
            pass
    assert refused.value.response.status_code == 403


async def test_websocket_from_another_origin_is_refused(
    frontend_server: tuple[str, Runtime],
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with subscribe(frontend_server[0], None, "{ __typename }", origin=ELSEWHERE):
            pass
    response = refused.value.response
    assert response.status_code == 403
    assert b"CAMPAIGNS_CORS_ORIGINS" in response.body


async def test_websocket_from_an_allowed_origin_subscribes(
    frontend_server: tuple[str, Runtime], merchant: MerchantAccount, db: Database
) -> None:
    url, runtime = frontend_server
    campaign = await create_campaign(merchant.client)
    async with subscribe(
        url, merchant.token, STATUS_CHANGED, {"campaignId": campaign["id"]}, origin=FRONTEND
    ) as sub:
        async with asyncio.timeout(5):
            while not runtime.bus.subscriptions:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await report(db, merchant, campaign["id"], "received")
        event = (await sub.next())["data"]["campaignStatusChanged"]
    assert event["campaign"]["status"] == "RECEIVED"


@pytest.mark.parametrize("origin", ["same", None], ids=["same-origin", "no-origin"])
async def test_own_pages_and_programs_are_let_through(server_url: str, origin: str | None) -> None:
    ws_url = server_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        ws_url,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        origin=websockets.Origin(server_url) if origin else None,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"


def test_origins_are_read_as_browsers_send_them() -> None:
    given = " https://App.Example.com:443/ ,http://localhost:3000,, "
    settings = Settings(_env_file=None, CAMPAIGNS_CORS_ORIGINS=given)
    assert settings.cors_origins == ["https://app.example.com", "http://localhost:3000"]


@pytest.mark.parametrize("given", ["app.example.com", "https://app.example.com/app", "null"])
def test_what_is_not_an_origin_stops_the_server_starting(given: str) -> None:
    with pytest.raises(ValidationError, match="CAMPAIGNS_CORS_ORIGINS"):
        Settings(_env_file=None, CAMPAIGNS_CORS_ORIGINS=given)
