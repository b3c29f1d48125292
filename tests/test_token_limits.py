"""Per-token limits and slow clients, on real `campaigns serve` processes sharing one
database (limits set low through the environment, as an operator would)."""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import websockets

from db.database import Database
from services.merchants.service import create_merchant
from tests.conftest import RunningEmulator
from tests.gql.subscriptions.test_campaign_status import STATUS_CHANGED
from tests.processes import ServerProcess, server_process
from tests.support import eventually, subscribe

LIMITS = {
    "CAMPAIGNS_TOKEN_BURST": "20",
    "CAMPAIGNS_TOKEN_RATE": "0.1",  # so slow that no refill happens during a test
    "CAMPAIGNS_TOKEN_RATE_LEASE": "5",
    "CAMPAIGNS_WS_CONNECTIONS_PER_TOKEN": "2",
    "CAMPAIGNS_WS_SUBSCRIPTIONS_PER_TOKEN": "2",
    "CAMPAIGNS_AUTH_FAILURE_BURST": "10",
    "CAMPAIGNS_AUTH_FAILURE_RATE": "0.05",
    "CAMPAIGNS_HEADER_TIMEOUT": "1",
    "CAMPAIGNS_BODY_TIMEOUT": "1",
}
VIEWER = json.dumps({"query": "{ viewer { merchant { name } } }"})


@dataclass
class Cluster:
    a: ServerProcess
    b: ServerProcess


@pytest.fixture(scope="module")
async def cluster(database_url: str, emulator: RunningEmulator) -> AsyncIterator[Cluster]:
    async with (
        server_process(database_url, emulator.url, env=LIMITS) as a,
        server_process(database_url, emulator.url, env=LIMITS) as b,
    ):
        yield Cluster(a, b)


async def new_token(db: Database) -> str:
    async with db.transaction() as session:
        return (await create_merchant(session, "Limited Shop", with_templates=False)).token


async def post(
    url: str, token: str, *, address: str | None = None, body: str = VIEWER
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if address:
        headers["X-Forwarded-For"] = address  # uvicorn trusts it from 127.0.0.1
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return await client.post("/graphql", content=body, headers=headers)


def code(response: httpx.Response) -> str | None:
    errors: list[dict[str, Any]] = response.json().get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


async def test_a_token_over_its_burst_gets_429_with_retry_after(
    cluster: Cluster, db: Database
) -> None:
    token = await new_token(db)
    responses = [await post(cluster.a.url, token) for _ in range(30)]
    assert [r.status_code for r in responses[:20]] == [200] * 20
    refused = responses[20:]
    assert {r.status_code for r in refused} == {429}
    assert {code(r) for r in refused} == {"RATE_LIMITED"}
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert refused[0].json()["errors"][0]["extensions"]["retryAfter"] >= 1
    other = await post(cluster.a.url, await new_token(db))
    assert other.status_code == 200, "another token has a budget of its own"


async def test_two_processes_share_one_tokens_budget(cluster: Cluster, db: Database) -> None:
    token = await new_token(db)
    served = {cluster.a.url: 0, cluster.b.url: 0}
    for i in range(60):  # 30 per process: each alone would serve them all
        url = cluster.a.url if i % 2 else cluster.b.url
        response = await post(url, token)
        assert response.status_code in (200, 429), response.text
        served[url] += response.status_code == 200
    total = sum(served.values())
    # The burst is 20; each process may hold at most one lease of 5 beyond it (and be
    # refused early by as much): see jobs/shared_rate_limit.py.
    assert 20 - 2 * 4 <= total <= 20 + 2 * 4, served
    assert all(served.values()), served


async def test_revoking_on_one_process_stops_the_token_on_the_other(
    cluster: Cluster, db: Database
) -> None:
    token = await new_token(db)
    assert (await post(cluster.b.url, token)).status_code == 200  # B now holds it cached
    listed = await post(cluster.a.url, token, body=json.dumps({"query": "{ apiTokens { id } }"}))
    token_id = listed.json()["data"]["apiTokens"][0]["id"]
    revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { errors { code } } }"
    revoked = await post(
        cluster.a.url, token, body=json.dumps({"query": revoke, "variables": {"id": token_id}})
    )
    assert revoked.json()["data"]["revokeApiToken"]["errors"] == []
    await eventually(
        lambda: post(cluster.b.url, token),
        lambda response: code(response) == "UNAUTHENTICATED",
        within=5,  # the cache's own expiry is 60 s: only the NOTIFY can do it this soon
    )


async def test_bad_tokens_from_one_address_get_429(cluster: Cluster, db: Database) -> None:
    good = await new_token(db)
    attacker = "198.51.100.7"
    assert (await post(cluster.a.url, good, address=attacker)).status_code == 200
    responses = [await post(cluster.a.url, f"cmp_guess{i}", address=attacker) for i in range(30)]
    assert [code(r) for r in responses[:10]] == ["UNAUTHENTICATED"] * 10
    assert {r.status_code for r in responses[10:]} == {429}
    assert {code(r) for r in responses[10:]} == {"TOO_MANY_AUTH_FAILURES"}
    assert all(int(r.headers["Retry-After"]) >= 1 for r in responses[10:])
    bystander = await post(cluster.a.url, "cmp_typo", address="198.51.100.8")
    assert code(bystander) == "UNAUTHENTICATED", "other addresses are not affected"
    known = await post(cluster.a.url, good, address=attacker)
    assert known.status_code == 200, "a token the process knows still gets in"


async def ws_init(url: str, token: str) -> Any:
    ws = await websockets.connect(
        url.replace("http://", "ws://") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    )
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    return ws


async def test_websocket_connections_and_subscriptions_per_token(
    cluster: Cluster, db: Database
) -> None:
    token = await new_token(db)
    async with (
        subscribe(cluster.a.url, token, STATUS_CHANGED) as first,
        subscribe(cluster.a.url, token, STATUS_CHANGED),
    ):
        third = await ws_init(cluster.a.url, token)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await third.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4429
        assert closed.value.rcvd.reason.startswith("TOO_MANY_CONNECTIONS")
        query = {"query": "{ viewer { merchant { name } } }"}
        await first.websocket.send(json.dumps({"id": "2", "type": "subscribe", "payload": query}))
        refused = json.loads(await first.websocket.recv())
        assert refused["type"] == "error" and refused["id"] == "2"
        assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        await first.websocket.send(json.dumps({"id": "1", "type": "complete"}))
        await first.websocket.send(json.dumps({"id": "3", "type": "subscribe", "payload": query}))
        answered = json.loads(await first.websocket.recv())
        assert answered["type"] == "next", "a completed subscription frees its place"
        assert answered["payload"]["data"]["viewer"]["merchant"]["name"] == "Limited Shop"
    # Both connections closed: the token may connect again.
    async with subscribe(cluster.a.url, token, STATUS_CHANGED):
        pass


async def test_websocket_subscriptions_count_against_the_rate(
    cluster: Cluster, db: Database
) -> None:
    token = await new_token(db)
    for _ in range(20):
        assert (await post(cluster.b.url, token)).status_code == 200
    ws = await ws_init(cluster.b.url, token)
    try:
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        query = {"query": "{ viewer { merchant { name } } }"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
        refused = json.loads(await ws.recv())
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert refused["payload"][0]["extensions"]["retryAfter"] >= 1
    finally:
        await ws.close()


async def trickle(url: str, head: bytes, drip: bytes) -> bytes:
    """Send `head`, then `drip` a byte at a time until the server hangs up; what it said.
    A byte that reaches the server just as it closes makes its kernel answer with a reset,
    which can discard the answer before we read it: that race is tried again (twice at
    most), so what is checked is always an answer the server gave."""
    answer = b""
    for _ in range(3):
        try:
            answer = await _trickle_once(url, head, drip)
        except ConnectionResetError:
            continue
        if answer:
            break
    return answer


async def _trickle_once(url: str, head: bytes, drip: bytes) -> bytes:
    port = int(url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    answer = b""  # the server hung up, reset or not, before we could read an answer
    async with asyncio.timeout(30):  # a safety net: the deadline under test is 1 s
        for byte in drip * 1000:
            if reader.at_eof() or writer.is_closing():
                break
            try:
                writer.write(bytes([byte]))
                await writer.drain()
            except ConnectionError:
                break
            try:
                async with asyncio.timeout(0.2):
                    answer = await reader.read()
                break
            except TimeoutError:
                continue
        else:
            raise AssertionError("the server kept listening to a trickle")
    writer.close()
    return answer


async def test_a_client_trickling_headers_is_cut_off(cluster: Cluster) -> None:
    answer = await trickle(
        cluster.a.url, b"POST /graphql HTTP/1.1\r\nHost: x\r\n", b"X-Slow: a\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 408"), answer


async def test_a_client_trickling_its_body_is_cut_off(cluster: Cluster, db: Database) -> None:
    token = await new_token(db)
    head = (
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: 5000\r\n\r\n"
    ).encode()
    answer = await trickle(cluster.a.url, head, b' {"query": "{ viewer { id } }"} ')
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b'"code": "REQUEST_TIMEOUT"' in answer


async def test_requests_in_flight_per_token(
    database_url: str, emulator: RunningEmulator, db: Database
) -> None:
    token = await new_token(db)
    head = (
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: 500\r\n\r\n{{"
    ).encode()
    env = {"CAMPAIGNS_TOKEN_CONCURRENCY": "2"}
    async with server_process(database_url, emulator.url, env=env) as server:
        port = int(server.url.rsplit(":", 1)[1])
        slow = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        for _, writer in slow:
            writer.write(head)  # admitted, then waiting for the rest of the body
        refused = await eventually(
            lambda: post(server.url, token), lambda response: response.status_code == 429
        )
        assert code(refused) == "TOO_MANY_REQUESTS_IN_FLIGHT"
        assert int(refused.headers["Retry-After"]) >= 1
        for _, writer in slow:
            writer.close()
        await eventually(
            lambda: post(server.url, token), lambda response: response.status_code == 200
        )
